r"""Plots of Monte Carlo sweeps: predicted bound vs measured gap, improvement, slack.

Every function takes a :class:`boundkit.simulation.SimulationResult` *or* plain arrays (the
sample sizes, the measured mean, its standard error, one or more bound curves) and an
optional matplotlib ``ax``, and returns the axes. Both inputs go through the same
:class:`~boundkit.plotting.PlotData`, so a figure drawn from arrays is the figure drawn from
the result. Without ``ax`` a new figure with constrained layout is made (no label is cut
off). Legends sit below the axes, never over the measured points. matplotlib is imported
lazily.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from boundkit._errors import BoundkitError
from boundkit.plotting._data import (
    PlotData,
    SlackData,
    bound_vs_gap_data,
    improvement_data,
    slack_data,
)
from boundkit.simulation import fitted_slope

__all__ = ["plot_bound_vs_gap", "plot_improvement", "plot_slack"]

_MARKERS = ("s", "^", "v", "D", "P", "X")
_LINES = ("--", ":", "-.", (0, (5, 1, 1, 1)))


def _slope(n: Any, y: Any) -> str:
    """The fitted log-log slope as text (``n/a`` with fewer than two positive values)."""
    s = fitted_slope(n, y)
    return "n/a" if s is None or not np.isfinite(s) else f"{s:.2f}"


def _ax(ax: Any) -> Any:
    if ax is None:
        import matplotlib.pyplot as plt

        from boundkit.plotting._style import figure_size

        fig = plt.figure(figsize=figure_size(), layout="constrained")
        ax = fig.add_subplot()
    return ax


def _color(label: str, j: int) -> str:
    from boundkit.plotting._style import COLORS, CYCLE
    from boundkit.plotting._tightness import FAMILY_STYLES

    for color, _, fam_label in FAMILY_STYLES.values():
        if label.startswith(("asymptotic", "fast rate", "hold-out")) and label.startswith(
            fam_label
        ):
            return color
    for key in ("C6a", "C6b", "C6c", "C7"):
        if label.startswith(key) or label.startswith(f"predicted: {key}"):
            return COLORS[key]
    if label.startswith("predicted"):
        return COLORS["C6a"]
    return CYCLE[j % len(CYCLE)]


def _legend_below(ax: Any) -> None:
    """Legend under the axes: two columns of short labels, one column of long ones."""
    handles, labels = ax.get_legend_handles_labels()
    if handles:
        ncol = 2 if max(len(lbl) for lbl in labels) <= 26 else 1
        ax.legend(
            handles,
            labels,
            loc="upper center",
            bbox_to_anchor=(0.5, -0.16),
            ncol=min(ncol, len(handles)),
            frameon=False,
            borderaxespad=0.0,
        )


def _as_data(result: Any, arrays: dict[str, Any], extract: Any) -> PlotData:
    given = {k: v for k, v in arrays.items() if v is not None}
    if isinstance(result, PlotData):
        if given:
            raise BoundkitError("pass either a PlotData/result or plain arrays, not both")
        return result
    if result is not None:
        if given:
            raise BoundkitError("pass either a result or plain arrays (n, mean, ...), not both")
        return extract(result)
    if "n" not in given or "mean" not in given:
        raise BoundkitError("without a result, pass at least n= and mean= (plain arrays)")
    return PlotData.from_arrays(**given)


def _measured(ax: Any, data: PlotData, label: str, *, log: bool) -> None:
    from boundkit.plotting._style import COLORS

    lo = data.mean - 1.96 * data.se
    if log:
        # a lower end at or below 0 is off a log axis: draw it to 1e-3 of the mean instead
        lo = np.where(lo > 0, lo, data.mean * 1e-3)
    ax.errorbar(
        data.n,
        data.mean,
        yerr=[np.clip(data.mean - lo, 0.0, None), 1.96 * data.se],
        fmt="o-",
        color=COLORS["measured"],
        capsize=2,
        zorder=3,
        label=label,
    )


def _curves(ax: Any, data: PlotData, *, slopes: bool) -> None:
    for j, (label, y) in enumerate(data.curves.items()):
        if not np.any(np.isfinite(y)):
            continue  # nothing to draw (a family without finite values at these n)
        color = _color(label, j)
        text = f"{label} (slope {_slope(data.n, y)})" if slopes else label
        ax.plot(
            data.n,
            y,
            marker=_MARKERS[j % len(_MARKERS)],
            linestyle=_LINES[j % len(_LINES)],
            color=color,
            label=text,
        )
        se = data.curve_se.get(label)
        if se is not None and np.any(se > 0):
            ax.fill_between(data.n, y - 1.96 * se, y + 1.96 * se, color=color, alpha=0.2, lw=0)


def plot_bound_vs_gap(
    result: Any = None,
    ax: Any = None,
    *,
    n: Any = None,
    mean: Any = None,
    se: Any = None,
    bounds: Any = None,
    bounds_se: Any = None,
    title: str | None = None,
) -> Any:
    r"""Measured excess vs the predicted gaps of the bounds, log-log, with fitted slopes.

    Parameters
    ----------
    result : SimulationResult or PlotData, optional
        A sweep (see :func:`~boundkit.plotting.bound_vs_gap_data` for what is taken from it).
    ax : matplotlib Axes, optional
        Draw there; by default a new figure with constrained layout.
    n, mean, se : array_like, shape (k,), optional
        Plain data instead of ``result``: sample sizes, measured mean excess, its standard
        error.
    bounds : array_like (k,) or mapping of label to array_like (k,), optional
        Predicted gaps (bound minus the :math:`n = \infty` value), one curve each.
    bounds_se : mapping of label to array_like (k,), optional
        Standard errors of some bound curves (drawn as 95% bands).
    title : str, optional
        Default: a readable description of the toy (from a result).

    Returns
    -------
    matplotlib Axes

    Notes
    -----
    Measured: mean over replicates with a 95% interval (:math:`\pm 1.96\,\mathrm{se}`).
    Predicted: bound minus :math:`\mathrm{KL}(P\|Q_{h^*})`; slopes fitted by
    :func:`boundkit.simulation.fitted_slope` (C6a predicts :math:`-1/2`; the measured excess
    of a well-specified model typically falls as :math:`n^{-1}`).

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> ax = plot_bound_vs_gap(n=[10, 100, 1000], mean=[0.1, 0.01, 0.001],
    ...                        se=[0.01, 0.001, 0.0001], bounds={"mine": [1.0, 0.3, 0.1]})
    >>> ax.get_lines()[-1].get_ydata().tolist()
    [1.0, 0.3, 0.1]
    """
    arrays = {"n": n, "mean": mean, "se": se, "bounds": bounds, "bounds_se": bounds_se}
    data = _as_data(result, arrays, bound_vs_gap_data)
    ax = _ax(ax)
    _measured(ax, data, f"measured mean excess (slope {_slope(data.n, data.mean)})", log=True)
    _curves(ax, data, slopes=True)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("sample size $n$")
    ax.set_ylabel(data.ylabel or r"KL$(P\|Q_{h_n})$ $-$ KL$(P\|Q_{h^*})$")
    ax.set_title(title if title is not None else data.title)
    _legend_below(ax)
    return ax


def plot_improvement(
    result: Any = None,
    ax: Any = None,
    *,
    n: Any = None,
    mean: Any = None,
    se: Any = None,
    bounds: Any = None,
    bounds_se: Any = None,
    reference: float | None = None,
    title: str | None = None,
) -> Any:
    r"""Improvement over the base model vs n, with the predicted lower bound (C5 + C6a).

    Parameters
    ----------
    result : SimulationResult or PlotData, optional
        A sweep (see :func:`~boundkit.plotting.improvement_data`).
    ax : matplotlib Axes, optional
    n, mean, se, bounds, bounds_se : array_like, optional
        Plain data instead of ``result`` (as in :func:`plot_bound_vs_gap`): the measured
        improvement and the predicted lower bound(s).
    reference : float, optional
        The :math:`n = \infty` level :math:`D^{\mathcal H}_{\mathrm{KL}}(P\|Q)`.
    title : str, optional

    Returns
    -------
    matplotlib Axes

    Notes
    -----
    .. math::

        E_S[\mathrm{KL}(P\|Q) - \mathrm{KL}(P\|Q_{h_n})] \ge D^{\mathcal H}_{\mathrm{KL}}(P\|Q)
        - 2\mathfrak R_n ,

    so refinement provably helps once :math:`D^{\mathcal H}` exceeds the complexity term.
    At small n the predicted bound is negative (it says nothing yet) and can be many times
    :math:`D^{\mathcal H}` in size; the y axis is therefore *symmetric-logarithmic*: linear
    within :math:`\pm D^{\mathcal H}/10` of zero and logarithmic beyond, so that the negative
    part of the prediction stays visible next to the positive measured improvement.
    """
    arrays = {"n": n, "mean": mean, "se": se, "bounds": bounds, "bounds_se": bounds_se}
    if reference is not None and result is None:
        arrays["reference"] = reference
    data = _as_data(result, arrays, improvement_data)
    from boundkit.plotting._style import COLORS

    ax = _ax(ax)
    _measured(ax, data, "measured (95% CI)", log=False)
    _curves(ax, data, slopes=False)
    ref = data.reference
    if ref is not None:
        ax.axhline(ref, color=COLORS["reference"], lw=1, label=r"$D^{\mathcal{H}}_{KL}(P\|Q)$")
    ax.axhline(0.0, color="k", lw=0.8)
    ax.set_xscale("log")
    scale = abs(ref) if ref else float(np.nanmax(np.abs(data.mean))) or 1.0
    ax.set_yscale("symlog", linthresh=0.1 * scale)
    ax.set_xlabel("sample size $n$")
    ax.set_ylabel(data.ylabel or r"KL$(P\|Q)$ $-$ KL$(P\|Q_{h_n})$")
    ax.set_title(title if title is not None else data.title)
    _legend_below(ax)
    return ax


def plot_slack(
    result: Any = None,
    ax: Any = None,
    *,
    n: int | None = None,
    deltas: Any = None,
    quantile: Any = None,
    band: Any = None,
    bounds: Any = None,
    claims: Sequence[str] = ("C6b", "C6c"),
    title: str | None = None,
) -> Any:
    r"""Slack of the high-probability bounds: the measured :math:`(1-\delta)`-quantile of the
    excess against each bound at that :math:`\delta`, log scale.

    Parameters
    ----------
    result : SimulationResult or SlackData, optional
        A sweep of a bounded class (see :func:`~boundkit.plotting.slack_data`).
    ax : matplotlib Axes, optional
    n : int, optional
        Sample size shown (default: the largest of the sweep).
    deltas, quantile : array_like, shape (k,), optional
        Plain data instead of ``result``.
    band : (array_like, array_like), optional
        Confidence band of the quantile (e.g. from :func:`~boundkit.plotting.quantile_band`).
    bounds : mapping of label to array_like (k,), optional
        Each bound minus the :math:`n = \infty` value at those :math:`\delta`.
    claims : sequence of str
        Bounds taken from a result.
    title : str, optional

    Returns
    -------
    matplotlib Axes

    Notes
    -----
    A bound that holds with probability :math:`1 - \delta` lies above the
    :math:`(1-\delta)`-quantile of the excess; the band is the distribution-free 95%
    interval of that quantile from the order statistics of the replicates (binomial
    counts), so a bound below the band is refuted at that level. The vertical distance on the
    log axis is the factor by which the bound is loose. (This replaces the violation-rate
    calibration plot, which is flat at 0 for bounds this loose.)
    """
    from boundkit.plotting._style import COLORS

    if isinstance(result, SlackData):
        data = result
    elif result is not None:
        data = slack_data(result, n, deltas=deltas, claims=claims)
    else:
        if deltas is None or quantile is None:
            raise BoundkitError("without a result, pass at least deltas= and quantile=")
        data = SlackData.from_arrays(deltas, quantile, band, bounds, n=n or 0)
    ax = _ax(ax)
    d = data.deltas
    ok = data.quantile > 0
    lo = np.where(data.band_low > 0, data.band_low, np.nan)
    hi = np.where(np.isfinite(data.band_high) & (data.band_high > 0), data.band_high, np.nan)
    ax.fill_between(d, lo, hi, color=COLORS["reference"], alpha=0.35, lw=0, label="95% band")
    ax.plot(
        d[ok],
        data.quantile[ok],
        "o-",
        color=COLORS["measured"],
        zorder=3,
        label=r"measured $(1-\delta)$-quantile of the excess",
    )
    for j, (label, y) in enumerate(data.bounds.items()):
        ax.plot(
            d,
            y,
            marker=_MARKERS[(j + 1) % len(_MARKERS)],
            linestyle=_LINES[j % len(_LINES)],
            color=_color(label, j),
            label=label,
        )
    ax.set_xscale("log")
    ax.set_yscale("log")
    from matplotlib.ticker import NullFormatter

    ax.xaxis.set_minor_formatter(NullFormatter())  # less than a decade: no crowded labels
    ax.set_xlabel(r"$\delta$")
    ax.set_ylabel(r"excess KL$(P\|Q_{h_n})$ $-$ KL$(P\|Q_{h^*})$")
    ax.set_title(title if title is not None else data.title)
    _legend_below(ax)
    return ax
