r"""Figures of the discriminator-guidance laboratory (C8).

:func:`guidance_figures` writes four PNG files:

* ``guidance_densities.png``: densities of P, Q and the refined models :math:`Q_h`
  (:math:`h = \ell_0`) of each discriminator, with histograms of the guided samples (w = 1);
* ``guidance_distance_vs_weight.png``: exact :math:`W_1` between guided samples and P against
  the guidance weight w, one curve per discriminator, with standard errors over seeds;
* ``guidance_accuracy.png``: per-time accuracy of each discriminator against the
  Bayes-optimal accuracy :math:`\tfrac12 + \tfrac12\mathrm{TV}(p_t, q_t)`;
* ``guidance_refined_vs_p.png``: W1 of the guided samples (w = 1) to P and to each
  discriminator's refined model :math:`Q_h`.

matplotlib is imported inside the functions only.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

__all__ = [
    "plot_refined_vs_target",
    "guidance_figures",
    "plot_guidance_densities",
    "plot_distance_vs_weight",
    "plot_time_accuracy",
]

_SPECS = ("optimal", "poly:1", "fourier:4", "mlp:32x32")


def _setting_title(name: str) -> str:
    """A readable name of a guidance setting ("square-2d" -> "Square (2-D)")."""
    words = name.replace("-2d", "").replace("-", " ")
    return f"{words.capitalize()} ({'2-D' if name.endswith('-2d') else '1-D'})"


def plot_guidance_densities(toy: Any, discriminators: dict, samples: dict, ax: Any = None) -> Any:
    r"""Plot P, Q, each :math:`Q_h` and a histogram of each discriminator's guided samples.

    Parameters
    ----------
    toy : GuidanceSetting
        A 1-D toy.
    discriminators : dict
        Name to discriminator.
    samples : dict
        Name to guided particles (n, 1) at w = 1.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes
    """
    import matplotlib.pyplot as plt

    from boundkit.guidance import refine_by_discriminator

    if ax is None:
        _, ax = plt.subplots(figsize=(7, 4), layout="constrained")
    lo, hi = toy.bounds(0.0, 4.0)
    xs = np.linspace(lo[0], hi[0], 800)[:, None]
    ax.plot(xs[:, 0], toy.p.pdf(xs), "k-", lw=2, label="P (target)")
    ax.plot(xs[:, 0], toy.q.pdf(xs), "k--", lw=1.5, label="Q (base)")
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for i, (name, d) in enumerate(discriminators.items()):
        c = colors[i % len(colors)]
        if name != "optimal":
            r = refine_by_discriminator(toy.q, d, box=toy.bounds(0.0, 8.0))
            ax.plot(xs[:, 0], r.pdf(xs), color=c, lw=1.2, label=f"Q_h, {name}")
        if name in samples:
            ax.hist(
                samples[name][:, 0],
                bins=120,
                range=(lo[0], hi[0]),
                density=True,
                histtype="step",
                color=c,
                alpha=0.8,
                label=f"guided w=1, {name}",
            )
    ax.set_xlabel("x")
    ax.set_ylabel("density")
    ax.set_title(f"{_setting_title(toy.name)}: P, Q, refined $Q_h$ and guided samples")
    ax.legend(fontsize=7)
    return ax


def plot_distance_vs_weight(result: Any, metric: str = "w1", ax: Any = None) -> Any:
    """Plot the distance to P of the guided samples against the weight w (one curve each).

    Parameters
    ----------
    result : GuidanceResult
    metric : str
        ``w1``, ``ks``, ``kl_grid``, ``tv_grid`` (1-D) or ``mmd2`` (2-D).
    ax : matplotlib Axes, optional
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(6, 4), layout="constrained")
    names = list(dict.fromkeys(r["discriminator"] for r in result.rows))
    for name in names:
        rows = [r for r in result.rows if r["discriminator"] == name]
        w = np.array([r["weight"] for r in rows])
        v = np.array([r[f"{metric}_p"] for r in rows])
        se = np.array([r[f"{metric}_p_se"] for r in rows])
        ok = np.isfinite(v)
        ax.errorbar(w[ok], v[ok], yerr=se[ok], marker="o", capsize=3, label=name)
    ax.set_xlabel("guidance weight w")
    ax.set_ylabel(f"{metric}(guided samples, P)")
    ax.set_title(f"{_setting_title(result.setting)}: distance to P vs guidance weight")
    ax.legend(fontsize=8)
    return ax


def plot_time_accuracy(profiles: dict, ax: Any = None) -> Any:
    """Plot per-time accuracy of each discriminator and the Bayes-optimal accuracy.

    Parameters
    ----------
    profiles : dict
        Name to :class:`~boundkit.guidance.TimeProfile`.
    ax : matplotlib Axes, optional
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(6, 4), layout="constrained")
    first = next(iter(profiles.values()))
    ax.plot(first.times, first.bayes_accuracy, "k-", lw=2, label="Bayes-optimal")
    for name, prof in profiles.items():
        if name == "optimal":
            continue
        ax.plot(prof.times, prof.accuracy, marker="o", ms=3, label=name)
    ax.axhline(0.5, color="grey", lw=0.8, ls=":")
    ax.set_xscale("symlog", linthresh=0.01)
    ax.set_xlim(0.0, float(np.max(first.times)) * 1.05)
    ax.set_xlabel("diffusion time t")
    ax.set_ylabel("balanced accuracy")
    ax.set_title("Accuracy at each diffusion time vs the Bayes-optimal discriminator")
    ax.legend(fontsize=8)
    return ax


def plot_refined_vs_target(result: Any, weight: float = 1.0, ax: Any = None) -> Any:
    r"""Bar chart: W1 of the guided samples to P and to each discriminator's :math:`Q_h`.

    Restricted classes land nearer their refined model :math:`Q_h` than P; with :math:`d^*`
    the two coincide (:math:`Q_h = P`).

    Parameters
    ----------
    result : GuidanceResult
        A 1-D result containing ``weight``.
    weight : float
        Guidance weight of the rows shown.
    ax : matplotlib Axes, optional
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(6, 4), layout="constrained")
    rows = [r for r in result.rows if abs(r["weight"] - weight) < 1e-12]
    names = [r["discriminator"] for r in rows]
    pos = np.arange(len(rows))
    for off, key, label in ((-0.2, "w1_p", "to P"), (0.2, "w1_qh", "to Q_h")):
        v = np.array([r[key] for r in rows])
        se = np.array([r[f"{key}_se"] for r in rows])
        ok = np.isfinite(v)
        ax.bar(pos[ok] + off, v[ok], width=0.4, yerr=se[ok], capsize=3, label=label)
    ax.set_xticks(pos, names)
    ax.set_ylabel(f"W1 of guided samples (w = {weight:g})")
    ax.set_title(f"{_setting_title(result.setting)}: guided samples vs P and the refined $Q_h$")
    ax.legend()
    return ax


def guidance_figures(out_dir: str | Path, *, quick: bool) -> list[Path]:
    """Write the guidance figures (PNG) into ``out_dir`` and return their paths.

    Parameters
    ----------
    out_dir : str or Path
        Directory (created if needed).
    quick : bool
        Small sizes (a few seconds) instead of the full settings.

    Returns
    -------
    list of Path
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from boundkit.guidance import (
        build_discriminators,
        get_guidance_setting,
        guided_sample,
        run_guidance,
    )

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    toy = get_guidance_setting("bimodal")
    specs = _SPECS if not quick else ("optimal", "poly:1", "fourier:4")
    n_train = 300 if quick else 1000
    discs = build_discriminators(
        toy,
        specs,
        n_train=n_train,
        mlp_params={"max_iter": 40 if quick else 200},
        rng=0,
    )
    n = 3000 if quick else 20_000
    steps = 60 if quick else 200
    samples = {
        name: guided_sample(toy.q, d, weight=1.0, n_particles=n, n_steps=steps, rng=1).x
        for name, d in discs.items()
    }
    weights = (0.0, 0.5, 1.0, 1.5) if quick else (0.0, 0.25, 0.5, 1.0, 1.5, 2.0)
    res = run_guidance(
        toy,
        discs,
        weights=weights,
        n_particles=1500 if quick else 8_000,
        n_steps=40 if quick else 150,
        n_seeds=2 if quick else 4,
        profile_times=[0.0, *np.geomspace(0.01, 5.0, 8 if quick else 20).tolist()],
        seed=2,
    )
    from boundkit.plotting._style import use_style, write_figure

    paths = []
    figures = (
        (
            "guidance_densities.png",
            (7, 4),
            lambda ax: plot_guidance_densities(toy, discs, samples, ax=ax),
        ),
        (
            "guidance_distance_vs_weight.png",
            (6, 4),
            lambda ax: plot_distance_vs_weight(res, "w1", ax=ax),
        ),
        ("guidance_accuracy.png", (6, 4), lambda ax: plot_time_accuracy(res.profiles, ax=ax)),
        ("guidance_refined_vs_p.png", (6, 4), lambda ax: plot_refined_vs_target(res, 1.0, ax=ax)),
    )
    with use_style():
        for fname, size, draw in figures:
            fig, ax = plt.subplots(figsize=size)
            draw(ax)
            paths.append(write_figure(fig, out / fname))
    return paths
