r"""The tightness map: bound / measured against n, one line per bound family, one panel per toy.

A ratio of 1 (marked) is a bound (or prediction) equal to the measured mean excess
:math:`E\,\mathrm{KL}(P\|Q_{h_n}) - \mathrm{KL}(P\|Q_{h^*})`. The records come from
:func:`boundkit.simulation.tightness`. matplotlib is imported lazily.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

__all__ = ["FAMILY_STYLES", "plot_tightness", "plot_tightness_map"]

#: Colour, marker and label of each family (Okabe-Ito palette, as in ``_style.COLORS``).
FAMILY_STYLES: dict[str, tuple[str, str, str]] = {
    "C6a": ("#0072B2", "s--", "C6a (2 R_n)"),
    "C6b": ("#D55E00", "^:", "C6b"),
    "C6c": ("#CC79A7", "v:", "C6c"),
    "fast-rate": ("#882255", "D-", "fast rate C10 (hp)"),
    "fast-rate-expectation": ("#56B4E9", "d-.", "fast rate C10 (mean)"),
    "fast-rate-profile": ("#332288", "o-", "fast rate C10 (5) (hp)"),
    "fast-rate-profile-expectation": ("#117733", "o-.", "fast rate C10 (5) (mean)"),
    "hold-out": ("#E69F00", "P--", "hold-out C11 (implied)"),
    "asymptotic": ("#009E73", "x-", "asymptotic d_eff/2n"),
}


def plot_tightness(
    record: Mapping[str, Mapping[str, Any]], ax: Any = None, *, title: str = ""
) -> Any:
    r"""One panel of the tightness map from a tightness record.

    Parameters
    ----------
    record : mapping
        :func:`boundkit.simulation.tightness` output (family -> ``ratio_per_n`` ...).
    ax : matplotlib axes, optional
    title : str

    Returns
    -------
    matplotlib axes

    Notes
    -----
    Plots :math:`r(n) = (\text{bound}(n) - \mathrm{KL}(P\|Q_{h^*}))/\overline{\text{excess}}(n)`
    on log-log axes (infinite values, where a bound does not apply yet, are left out), with
    the fitted slope of each bound's gap in the legend and :math:`r = 1` as a grey line.
    """
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(4.6, 3.7))
    for fam, (color, fmt, label) in FAMILY_STYLES.items():
        if fam not in record:
            continue
        rec = record[fam]
        n = np.array([float(k) for k in rec["ratio_per_n"]])
        r = np.array([float(v) for v in rec["ratio_per_n"].values()])
        ok = np.isfinite(r) & (r > 0)
        if not ok.any():
            continue
        slope = rec.get("slope_bound")
        tag = f" (bound slope {slope:.2f})" if slope is not None else ""
        ax.plot(n[ok], r[ok], fmt, color=color, label=label + tag, markersize=4)
    ax.axhline(1.0, color="#999999", lw=1.0, ls="-", zorder=0)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("sample size n")
    ax.set_ylabel("bound / measured excess")
    ax.set_title(title)
    ax.legend(loc="upper left", fontsize=7)
    return ax


def plot_tightness_map(
    records: Mapping[str, Mapping[str, Mapping[str, Any]]] | Sequence[Any],
    *,
    fig: Any = None,
) -> Any:
    r"""The tightness map: one :func:`plot_tightness` panel per toy.

    Parameters
    ----------
    records : mapping or sequence
        ``{toy name: tightness record}``, or SimulationResults (their
        :meth:`~boundkit.simulation.SimulationResult.tightness` is used).
    fig : matplotlib figure, optional

    Returns
    -------
    matplotlib figure

    Notes
    -----
    Each panel plots bound / measured against n for C6a, C6b, C6c, the fast-rate bound, the
    hold-out certificate and the asymptotic prediction, where they apply; 1 is marked.
    """
    import matplotlib.pyplot as plt

    if not isinstance(records, Mapping):
        records = {r.config["toy"]["name"]: r.tightness() for r in records}
    names = list(records)
    ncols = len(names) if len(names) <= 3 else 2
    nrows = -(-len(names) // ncols)
    if fig is None:
        fig = plt.figure(figsize=(4.6 * ncols, 3.7 * nrows))
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    for ax, name in zip(axes, names, strict=False):
        plot_tightness(records[name], ax=ax, title=name)
    for ax in axes[len(names) :]:
        ax.set_visible(False)
    return fig
