r"""Plots of Monte Carlo sweeps: predicted bound vs measured gap, improvement, calibration.

Every function takes a :class:`boundkit.simulation.SimulationResult` (or anything with its
``summary()``, ``column`` and ``violation_rate`` methods) and an optional matplotlib ``ax``, and
returns the axes. matplotlib is imported lazily.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["plot_bound_vs_gap", "plot_calibration", "plot_improvement"]


def _slope(n: Any, y: Any) -> float:
    """:func:`boundkit.simulation.fitted_slope` for a legend: NaN where it is undefined."""
    from boundkit.simulation import fitted_slope

    s = fitted_slope(n, y)
    return float("nan") if s is None else s


def _ax(ax: Any) -> Any:
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(4.2, 3.3))
    return ax


def _title(result: Any) -> str:
    toy = result.config["toy"]
    return f"{toy['name']} ({toy.get('class_name', '')}, {toy.get('generator', 'kl')})"


def plot_bound_vs_gap(result: Any, ax: Any = None, *, title: str | None = None) -> Any:
    r"""Measured excess :math:`\mathrm{KL}(P\|Q_{h_n}) - \mathrm{KL}(P\|Q_{h^*})` vs the
    predicted gaps of C6a (:math:`2\mathfrak R_n`) and C6b/C6c, log-log, with fitted slopes.

    Notes
    -----
    Measured: mean over replicates with a 95% interval (:math:`\pm 1.96\,\mathrm{se}`).
    Predicted: bound minus :math:`\mathrm{KL}(P\|Q_{h^*})`; slopes fitted by
    :func:`boundkit.simulation.fitted_slope`.
    """
    from boundkit.plotting._style import COLORS

    ax = _ax(ax)
    rows = result.summary()
    n = np.array([r["n"] for r in rows], dtype=float)
    best = float(result.population["divergence_best"])
    mean = np.array([r["excess_mean"] for r in rows])
    se = np.array([r["excess_se"] for r in rows])
    lo = np.maximum(mean - 1.96 * se, mean * 1e-3)
    # a negative mean excess (an attained, not global, h* as in the ReLU toy) is off the log axis
    ax.errorbar(
        n,
        mean,
        yerr=[np.clip(mean - lo, 0.0, None), 1.96 * se],
        fmt="o-",
        color=COLORS["measured"],
        capsize=2,
        label=f"measured E excess (slope {_slope(n, mean):.2f})",
    )
    if "bound_C6a" in rows[0]:
        gap = np.array([r["bound_C6a"] for r in rows]) - best
        ax.plot(
            n,
            gap,
            "s--",
            color=COLORS["C6a"],
            label=f"C6a: 2 R_n (slope {_slope(n, gap):.2f})",
        )
    for claim in ("C6b", "C6c"):
        key = f"bound_{claim}_mean"
        if key in rows[0]:
            gap = np.array([r[key] for r in rows]) - best
            ax.plot(
                n,
                gap,
                "^:",
                color=COLORS[claim],
                label=f"{claim} (delta={result.delta:g}, slope {_slope(n, gap):.2f})",
            )
    _tightness_lines(result, ax)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("sample size n")
    ax.set_ylabel(r"KL$(P\|Q_{h_n})$ - KL$(P\|Q_{h^*})$")
    ax.set_title(title or _title(result))
    ax.legend(loc="lower left")
    return ax


def _tightness_lines(result: Any, ax: Any) -> None:
    """The asymptotic prediction and the fast-rate bounds (C10), where the toy has them."""
    from boundkit.plotting._tightness import FAMILY_STYLES

    if not hasattr(result, "tightness"):
        return
    record = result.tightness()
    for fam in ("asymptotic", "fast-rate", "fast-rate-expectation"):
        if fam not in record:
            continue
        color, fmt, label = FAMILY_STYLES[fam]
        gaps = record[fam]["gap_per_n"]
        n = np.array([float(k) for k in gaps])
        g = np.array([float(v) for v in gaps.values()])
        ok = np.isfinite(g) & (g > 0)
        if ok.any():
            slope = record[fam]["slope_bound"]
            tag = "" if slope is None else f" (slope {slope:.2f})"
            ax.plot(n[ok], g[ok], fmt, color=color, label=label + tag, markersize=4)


def plot_improvement(result: Any, ax: Any = None, *, title: str | None = None) -> Any:
    r"""Improvement over the base model, :math:`\mathrm{KL}(P\|Q) - \mathrm{KL}(P\|Q_{h_n})`,
    vs n with the predicted lower bound from C5 + C6a.

    Notes
    -----
    .. math::

        E_S[\mathrm{KL}(P\|Q) - \mathrm{KL}(P\|Q_{h_n})] \ge D^{\mathcal H}_{\mathrm{KL}}(P\|Q)
        - 2\mathfrak R_n ,

    so refinement provably helps once :math:`D^{\mathcal H}` exceeds the complexity term.
    """
    from boundkit.plotting._style import COLORS

    ax = _ax(ax)
    rows = result.summary()
    n = np.array([r["n"] for r in rows], dtype=float)
    mean = np.array([r["improvement_mean"] for r in rows])
    se = np.array([r["improvement_se"] for r in rows])
    dh = float(result.population["restricted_divergence"])
    ax.errorbar(
        n,
        mean,
        yerr=1.96 * se,
        fmt="o-",
        color=COLORS["measured"],
        capsize=2,
        label="measured (95% CI)",
    )
    # the C6a bound from boundkit.bounds (via the harness): D^H - (bound - KL(P||Q_h*))
    gap = np.array([r["bound_C6a"] for r in rows]) - float(result.population["divergence_best"])
    ax.plot(n, dh - gap, "s--", color=COLORS["C6a"], label=r"predicted: $D^H - 2R_n$")
    ax.axhline(dh, color=COLORS["reference"], lw=1, label=r"$D^H_{KL}(P\|Q)$ (n = inf)")
    ax.axhline(0.0, color="k", lw=0.8)
    ax.set_xscale("log")
    ax.set_ylim(min(-0.1 * dh, float(np.min(mean - 1.96 * se))) - 0.05 * dh, 1.3 * dh)
    ax.set_xlabel("sample size n")
    ax.set_ylabel(r"KL$(P\|Q)$ - KL$(P\|Q_{h_n})$")
    ax.set_title(title or _title(result))
    ax.legend(loc="lower right")
    return ax


def plot_calibration(
    result: Any,
    ax: Any = None,
    *,
    claims: Sequence[str] = ("C6b", "C6c"),
    deltas: Sequence[float] | None = None,
    title: str | None = None,
) -> Any:
    r"""Violation rate of the high-probability bounds vs delta, per sample size (calibration).

    Notes
    -----
    The rate is the fraction of replicates with :math:`\mathrm{KL}(P\|Q_{h_n})` above the bound
    evaluated at that delta (:meth:`SimulationResult.violation_rate`); a valid bound stays
    below the diagonal up to Monte Carlo error (the grey band is the 95% binomial range of a
    rate exactly equal to delta).
    """
    from scipy import stats

    from boundkit.plotting._style import COLORS

    ax = _ax(ax)
    d = np.asarray(deltas if deltas is not None else np.linspace(0.02, 0.98, 25), dtype=float)
    R = int(result.config["n_replicates"])
    lo = stats.binom.ppf(0.025, R, d) / R
    hi = stats.binom.ppf(0.975, R, d) / R
    ax.fill_between(d, lo, hi, color=COLORS["reference"], alpha=0.3, lw=0)
    ax.plot(d, d, color=COLORS["reference"], lw=1, label="rate = delta")
    styles = ["-", "--", ":", "-."]
    for claim in claims:
        rates = np.array([list(result.violation_rate(claim, float(x)).values()) for x in d])
        for j, n in enumerate(result.sizes):
            ax.plot(
                d,
                rates[:, j],
                styles[j % 4],
                color=COLORS[claim],
                label=f"{claim}, n={n}" if j < 4 else None,
            )
    ax.set_xlim(0, 1)
    ax.set_ylim(-0.02, 1)
    ax.set_xlabel(r"$\delta$")
    ax.set_ylabel("violation rate")
    ax.set_title(title or _title(result))
    ax.legend(loc="upper left")
    return ax
