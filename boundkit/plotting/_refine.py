r"""Figures of a refinement on real data: the radius sweep and the 2-D density picture.

Both take results of :mod:`boundkit.models` (or plain arrays) and an optional ``ax``;
matplotlib is imported lazily.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["plot_plane_densities", "plot_refine_sweep", "refine_figures"]


def _ax(ax: Any, size: tuple[float, float] = (4.6, 3.4)) -> Any:
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=size)
    return ax


def plot_refine_sweep(result: Any, ax: Any = None, *, title: str | None = None) -> Any:
    r"""Held-out improvement, its certified lower bound and :math:`2\hat{\mathfrak R}_S`
    against the class radius B.

    Parameters
    ----------
    result : RefinementResult
        From :func:`boundkit.models.run_refinement`.
    ax : matplotlib axes, optional
    title : str, optional

    Returns
    -------
    matplotlib axes

    Notes
    -----
    Improvement :math:`\overline{\log (f^*)'(h - \hat\nu)}` on the test split with its
    interval (normaliser error included); the certificate of
    :func:`boundkit.models.holdout_certificate_mc`; the complexity term
    :math:`2\hat{\mathfrak R}_S` of C6c with its Monte Carlo error band.
    """
    from boundkit.plotting._style import COLORS

    ax = _ax(ax)
    rows = result.rows
    B = np.array([r.B for r in rows])
    imp = np.array([r.test.improvement.value for r in rows])
    lo = np.array([r.test.improvement.lower for r in rows])
    hi = np.array([r.test.improvement.upper for r in rows])
    ax.plot(B, imp, "o-", color=COLORS["measured"], label="held-out improvement")
    ax.fill_between(B, lo, hi, color=COLORS["measured"], alpha=0.15, lw=0)
    val = np.array([r.validation.improvement.value for r in rows])
    ax.plot(B, val, "s:", color=COLORS["reference"], label="validation improvement", ms=4)
    cert = np.array([r.test.certificate.value for r in rows])
    delta = rows[0].test.certificate.delta
    ax.plot(B, cert, "v--", color=COLORS["C6b"], label=f"certified lower bound (1-{delta:g})")
    if all(r.rademacher is not None for r in rows):
        rs = 2.0 * np.array([r.rademacher for r in rows])
        se = 2.0 * np.array([r.rademacher_se or 0.0 for r in rows])
        ax.plot(B, rs, "^-", color=COLORS["C6a"], label=r"$2\hat{\mathfrak{R}}_S$ (C6c)")
        ax.fill_between(B, rs - 2 * se, rs + 2 * se, color=COLORS["C6a"], alpha=0.15, lw=0)
    ax.axhline(0.0, color="0.5", lw=0.8)
    # certificates of large radii fall off to very negative values: keep the scale of the
    # gains and the complexity, and let the certificate leave the axes below
    top = max(float(np.nanmax(hi)), float(np.nanmax(imp)), 1e-3)
    if all(r.rademacher is not None for r in rows):
        top = max(top, float(np.nanmax(rs)))
    ax.set_ylim(bottom=max(float(np.nanmin(np.minimum(lo, cert))), -3.0 * top), top=1.5 * top)
    ax.set_xscale("log")
    # symmetric log: the small gains and the (negative, large) certificates both stay visible
    scale = max(float(np.nanmax(np.abs(imp))), 1e-3)
    ax.set_yscale("symlog", linthresh=0.2 * scale)
    ax.set_xlabel("class radius B")
    ax.set_ylabel("nats per point (symlog)")
    s = result.settings
    ax.set_title(
        title or f"{s['dataset']}: {s['model']} refined by {s['class']} ({s['generator']})"
    )
    ax.legend(loc="best", frameon=False)
    return ax


def plot_plane_densities(planes: Any, axes: Any = None, *, title: str | None = None) -> Any:
    r"""Contours of the base and refined densities over the test data, in the PCA plane.

    Parameters
    ----------
    planes : PlaneDensities
        From :func:`boundkit.models.plane_densities`.
    axes : pair of matplotlib axes, optional
    title : str, optional

    Returns
    -------
    the two axes

    Notes
    -----
    Left :math:`q`, right :math:`q_h = q\,(f^*)'(h - \hat\nu)`, each with 11 equally spaced
    contour levels up to its maximum; dots are the test points.
    """
    if axes is None:
        import matplotlib.pyplot as plt

        _, axes = plt.subplots(1, 2, figsize=(8.4, 3.6), sharex=True, sharey=True)
    imp = planes.improvement
    for ax, dens, label in (
        (axes[0], planes.base, "base q"),
        (
            axes[1],
            planes.refined,
            f"refined q_h, B = {planes.B:g} (test gain {imp.value:+.3f} ± {imp.se:.3f})",
        ),
    ):
        # each panel on its own levels (a sharp refinement would flatten the other panel)
        levels = np.linspace(0.0, float(dens.max()), 12)[1:]
        ax.contour(planes.xx, planes.yy, dens, levels=levels, cmap="viridis", linewidths=1.0)
        ax.scatter(planes.test[:, 0], planes.test[:, 1], s=6, c="k", alpha=0.6, label="test")
        ax.set_title(label)
        ev = planes.explained
        ax.set_xlabel(f"PC1 ({100 * ev[0]:.0f}%)")
    axes[0].set_ylabel(f"PC2 ({100 * planes.explained[1]:.0f}%)")
    if title:
        axes[0].figure.suptitle(title)
    return axes


def refine_figures(result: Any, planes: Any, out_dir: Any, *, stem: str) -> dict[str, Path]:
    r"""Write the sweep figure and (when given) the 2-D picture as PNG files.

    Parameters
    ----------
    result : RefinementResult
    planes : PlaneDensities or None
    out_dir : path
    stem : str
        File name stem (the data set name).

    Returns
    -------
    dict
        ``{"sweep": path, "plane": path}`` (``plane`` only with ``planes``).

    Notes
    -----
    Agg backend, fixed rcParams (:func:`boundkit.plotting._style.use_style`), reproducible
    bytes.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from boundkit.plotting._style import use_style, write_figure

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}
    with use_style():
        fig, ax = plt.subplots(figsize=(5.2, 3.8))
        plot_refine_sweep(result, ax)
        paths["sweep"] = write_figure(fig, out / f"sweep_{stem}.png")
        if planes is not None:
            fig, axes = plt.subplots(1, 2, figsize=(8.4, 3.6), sharex=True, sharey=True)
            plot_plane_densities(planes, axes)
            paths["plane"] = write_figure(fig, out / f"plane_{stem}.png")
    return paths
