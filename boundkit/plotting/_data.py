r"""The plotted data of every figure, from a result object or from plain arrays.

Every plot function draws a :class:`PlotData` (or :class:`SlackData`); the ``*_data``
functions build it from a :class:`boundkit.simulation.SimulationResult`, the ``from_arrays``
path from what a user measured in their own experiment. Both paths give the same object, so a
figure drawn from arrays is the figure drawn from the result.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from boundkit._errors import BoundkitError

__all__ = [
    "PlotData",
    "SlackData",
    "bound_vs_gap_data",
    "human_title",
    "improvement_data",
    "quantile_band",
    "slack_data",
]


def _vector(name: str, value: Any, k: int | None = None, *, gaps: bool = False) -> np.ndarray:
    arr = np.asarray(value, dtype=float).reshape(-1)
    if arr.size == 0:
        raise BoundkitError(f"{name} must be a non-empty array of numbers")
    if k is not None and arr.size != k:
        raise BoundkitError(f"{name} has {arr.size} values, expected {k} (one per sample size)")
    if not gaps and np.any(np.isnan(arr)):
        raise BoundkitError(f"{name} contains NaN")
    return arr


def _curves(name: str, value: Any, k: int) -> dict[str, np.ndarray]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        value = {"bound": value}
    # a curve may leave out some sample sizes (NaN: not drawn there)
    return {str(lbl): _vector(f"{name}[{lbl!r}]", v, k, gaps=True) for lbl, v in value.items()}


@dataclass(frozen=True)
class PlotData:
    r"""What a sweep figure shows: a measured mean with its standard error, and bound curves.

    Attributes
    ----------
    n : ndarray, shape (k,)
        Sample sizes.
    mean, se : ndarray, shape (k,)
        Measured mean and its standard error (drawn as a 95% interval, :math:`\pm 1.96`
        se).
    curves : dict of str to ndarray (k,)
        Predicted curves by legend label (a label starting with a claim id, e.g. ``"C6a"``,
        takes that claim's colour).
    curve_se : dict of str to ndarray (k,)
        Standard errors of some curves (a 95% band is drawn around them).
    reference : float or None
        A horizontal reference level (the :math:`n = \infty` value), if any.
    title : str
    ylabel : str
    """

    n: np.ndarray
    mean: np.ndarray
    se: np.ndarray
    curves: dict[str, np.ndarray] = field(default_factory=dict)
    curve_se: dict[str, np.ndarray] = field(default_factory=dict)
    reference: float | None = None
    title: str = ""
    ylabel: str = ""

    @classmethod
    def from_arrays(
        cls,
        n: Any,
        mean: Any,
        se: Any = None,
        bounds: Any = None,
        *,
        bounds_se: Any = None,
        reference: float | None = None,
        title: str = "",
        ylabel: str = "",
    ) -> PlotData:
        r"""Validate plain arrays: ``n`` (k,), ``mean`` (k,), ``se`` (k,) (default 0) and
        ``bounds`` (one array (k,) or a mapping label -> array) with optional ``bounds_se``.

        Examples
        --------
        >>> d = PlotData.from_arrays([10, 100], [0.1, 0.01], [0.01, 0.001], {"mine": [1.0, 0.3]})
        >>> d.curves["mine"].tolist()
        [1.0, 0.3]
        """
        nn = _vector("n", n)
        if np.any(nn <= 0):
            raise BoundkitError("sample sizes n must be positive")
        k = nn.size
        m = _vector("mean", mean, k)
        s = np.zeros(k) if se is None else _vector("se", se, k)
        if np.any(s < 0):
            raise BoundkitError("standard errors must be >= 0")
        curves = _curves("bounds", bounds, k)
        cse = _curves("bounds_se", bounds_se, k)
        unknown = set(cse) - set(curves)
        if unknown:
            raise BoundkitError(f"bounds_se has labels without a bound curve: {sorted(unknown)}")
        ref = None if reference is None else float(reference)
        return cls(nn, m, s, curves, cse, ref, str(title), str(ylabel))


@dataclass(frozen=True)
class SlackData:
    r"""What the slack figure shows at one sample size: quantiles of the excess vs the bounds.

    Attributes
    ----------
    deltas : ndarray, shape (k,)
        Confidence parameters :math:`\delta`.
    quantile : ndarray, shape (k,)
        Measured :math:`(1-\delta)`-quantile of the excess
        :math:`\mathrm{KL}(P\|Q_{h_n}) - \mathrm{KL}(P\|Q_{h^*})` over replicates.
    band_low, band_high : ndarray, shape (k,)
        Its distribution-free 95% confidence band (order statistics, :func:`quantile_band`).
    bounds : dict of str to ndarray (k,)
        Each high-probability bound at that :math:`\delta`, minus :math:`\mathrm{KL}(P\|Q_{h^*})`.
    n : int
    title : str
    """

    deltas: np.ndarray
    quantile: np.ndarray
    band_low: np.ndarray
    band_high: np.ndarray
    bounds: dict[str, np.ndarray]
    n: int = 0
    title: str = ""

    @classmethod
    def from_arrays(
        cls,
        deltas: Any,
        quantile: Any,
        band: Any = None,
        bounds: Any = None,
        *,
        n: int = 0,
        title: str = "",
    ) -> SlackData:
        """Validate plain arrays: ``deltas``, ``quantile``, ``band = (low, high)``, ``bounds``."""
        d = _vector("deltas", deltas)
        if np.any((d <= 0) | (d >= 1)):
            raise BoundkitError("deltas must lie in (0, 1)")
        k = d.size
        q = _vector("quantile", quantile, k)
        if band is None:
            lo, hi = q.copy(), q.copy()
        else:
            if len(band) != 2:
                raise BoundkitError("band must be a pair (low, high) of arrays")
            lo, hi = _vector("band low", band[0], k), _vector("band high", band[1], k)
        return cls(d, q, lo, hi, _curves("bounds", bounds, k), int(n), str(title))


# ------------------------------------------------------------------------------ titles
_TOY_TITLES = {
    "gauss1d-quadratic": "Gaussian pair",
    "finite": "Finite support",
    "mixture1d": "1-D Gaussian mixture",
    "mixture2d": "2-D Gaussian mixture",
    "mixture1d-rkhs": "1-D Gaussian mixture",
    "mixture1d-kde": "1-D mixture vs KDE",
    "mixture1d-relu": "1-D Gaussian mixture",
}
_GENERATOR_TITLES = {"kl": "KL", "pearson": r"$\chi^2$", "squared_hellinger": "Hellinger$^2$"}


def _class_title(cls: str) -> str:
    patterns = [
        (r"rff(\d+)-ball", r"random-Fourier ball (\1 features)"),
        (r"rkhs-ball\((\d+) landmarks\)", r"RKHS ball (\1 centres)"),
        (r"relu(\d+)-net", r"two-layer ReLU (width \1)"),
        (r"poly-ball", "polynomial ball"),
        (r"linear-ball", "linear ball"),
        (r"quadratic", "quadratic class"),
    ]
    for pat, rep in patterns:
        if re.fullmatch(pat, cls):
            return re.sub(pat, rep, cls)
    return cls


def human_title(config_toy: Mapping[str, Any]) -> str:
    """A readable title from a result's ``config["toy"]`` (name, class, generator).

    Examples
    --------
    >>> human_title({"name": "mixture1d", "class_name": "rff12-ball", "generator": "kl"})
    '1-D Gaussian mixture: random-Fourier ball (12 features), KL'
    """
    name = str(config_toy.get("name", ""))
    head = _TOY_TITLES.get(name, name)
    cls = _class_title(str(config_toy.get("class_name", "")))
    gen = str(config_toy.get("generator", "kl"))
    gen = _GENERATOR_TITLES.get(gen.lower(), gen)
    return f"{head}: {cls}, {gen}" if cls else f"{head}, {gen}"


# ------------------------------------------------------------------------------ from results
def _rn(result: Any, n: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    est = [result.rademacher[str(int(m))] for m in n]
    return (
        np.array([float(e["estimate"]) for e in est]),
        np.array([float(e.get("stderr", 0.0)) for e in est]),
    )


def _tightness_curves(result: Any, n: np.ndarray) -> dict[str, np.ndarray]:
    """The asymptotic prediction and the fast-rate bounds (C10) where the toy has them, as gaps
    aligned with ``n`` (NaN where a family has no finite positive value)."""
    if not hasattr(result, "tightness"):
        return {}
    from boundkit.plotting._tightness import FAMILY_STYLES

    record = result.tightness()
    out = {}
    for fam in (
        "asymptotic",
        "fast-rate",
        "fast-rate-expectation",
        "fast-rate-profile",
        "fast-rate-profile-expectation",
    ):
        if fam not in record:
            continue
        gaps = {int(float(k)): float(v) for k, v in record[fam]["gap_per_n"].items()}
        y = np.array([gaps.get(int(m), np.nan) for m in n])
        y = np.where(np.isfinite(y) & (y > 0), y, np.nan)
        if np.any(np.isfinite(y)):
            out[FAMILY_STYLES[fam][2]] = y
    return out


def bound_vs_gap_data(result: Any) -> PlotData:
    r"""The data of :func:`plot_bound_vs_gap` from a :class:`SimulationResult`.

    Notes
    -----
    Measured: mean excess :math:`\mathrm{KL}(P\|Q_{h_n}) - \mathrm{KL}(P\|Q_{h^*})` over
    replicates with its standard error (including, for a Monte Carlo population, its Monte
    Carlo error: see :meth:`boundkit.simulation.SimulationResult.summary`). Predicted: each
    bound minus
    :math:`\mathrm{KL}(P\|Q_{h^*})` as the harness computed it with :mod:`boundkit.bounds`
    (C6a, :math:`2\mathfrak R_n`, with the band :math:`\pm 1.96\cdot 2\,\mathrm{se}(\mathfrak
    R_n)` of the Monte Carlo estimate of :math:`\mathfrak R_n`; C6b/C6c at the sweep's
    :math:`\delta`); where the toy has them (``result.tightness()``), the asymptotic
    prediction :math:`d_{\mathrm{eff}}/2n` and the fast-rate bound of C10.
    """
    rows = result.summary()
    n = np.array([r["n"] for r in rows], dtype=float)
    best = float(result.population["divergence_best"])
    curves: dict[str, np.ndarray] = {}
    cse: dict[str, np.ndarray] = {}
    if "bound_C6a" in rows[0]:
        lbl = r"C6a: $2\mathfrak{R}_n$"
        curves[lbl] = np.array([r["bound_C6a"] for r in rows]) - best
        cse[lbl] = 2.0 * _rn(result, n)[1]
    for claim in ("C6b", "C6c"):
        key = f"bound_{claim}_mean"
        if key in rows[0]:
            curves[rf"{claim} ($\delta$={result.delta:g})"] = (
                np.array([r[key] for r in rows]) - best
            )
    curves.update(_tightness_curves(result, n))
    return PlotData(
        n=n,
        mean=np.array([r["excess_mean"] for r in rows]),
        se=np.array([r["excess_se"] for r in rows]),
        curves=curves,
        curve_se=cse,
        title=human_title(result.config["toy"]),
        ylabel=r"KL$(P\|Q_{h_n})$ $-$ KL$(P\|Q_{h^*})$",
    )


def improvement_data(result: Any) -> PlotData:
    r"""The data of :func:`plot_improvement` from a :class:`SimulationResult`.

    Notes
    -----
    Measured: :math:`\mathrm{KL}(P\|Q) - \mathrm{KL}(P\|Q_{h_n})`; predicted (C5 + C6a):
    :math:`D^{\mathcal H}_{\mathrm{KL}}(P\|Q) - 2\mathfrak R_n`, with the C6a term taken from
    the harness's bound column (:mod:`boundkit.bounds`) and the 95% band of the Monte Carlo
    estimate of :math:`\mathfrak R_n` (with a Monte Carlo population, of
    :math:`D^{\mathcal H}` too: :math:`\pm 1.96\sqrt{(2\,\mathrm{se}_{\mathfrak R_n})^2 +
    \mathrm{se}_{D^{\mathcal H}}^2}`); reference :math:`D^{\mathcal H}_{\mathrm{KL}}(P\|Q)`.
    The measured standard error includes the Monte Carlo error of the population
    (:meth:`boundkit.simulation.SimulationResult.summary`).
    """
    rows = result.summary()
    n = np.array([r["n"] for r in rows], dtype=float)
    dh = float(result.population["restricted_divergence"])
    best = float(result.population["divergence_best"])
    gap = np.array([r["bound_C6a"] for r in rows]) - best
    lbl = r"predicted: $D^{\mathcal{H}} - 2\mathfrak{R}_n$"
    # a Monte Carlo population: the se of D^H widens the band of the prediction
    dh_se = float(result.population.get("restricted_divergence_se", 0.0))
    return PlotData(
        n=n,
        mean=np.array([r["improvement_mean"] for r in rows]),
        se=np.array([r["improvement_se"] for r in rows]),
        curves={lbl: dh - gap},
        curve_se={lbl: np.hypot(2.0 * _rn(result, n)[1], dh_se)},
        reference=dh,
        title=human_title(result.config["toy"]),
        ylabel=r"KL$(P\|Q)$ $-$ KL$(P\|Q_{h_n})$",
    )


def quantile_band(x: Any, p: float, *, level: float = 0.95) -> tuple[float, float, float]:
    r"""Empirical :math:`p`-quantile of ``x`` and its distribution-free confidence interval.

    Parameters
    ----------
    x : array_like, shape (R,)
    p : float in (0, 1)
    level : float
        Coverage of the interval.

    Returns
    -------
    (quantile, low, high)
        ``low``/``high`` are ``-inf``/``+inf`` when ``R`` is too small for an order statistic.

    Notes
    -----
    With order statistics :math:`x_{(1)}\le\dots\le x_{(R)}` and :math:`B\sim\mathrm{Bin}(R,
    p)`, :math:`P(x_{(j)}\le\xi_p) = P(B\ge j)`. The interval is :math:`[x_{(l)}, x_{(u)}]`
    with :math:`l = F_B^{-1}(\alpha/2)` and :math:`u = F_B^{-1}(1-\alpha/2) + 1`,
    :math:`\alpha = 1 - \text{level}`, so that each side misses with probability at most
    :math:`\alpha/2` for every continuous law. The point estimate is
    :math:`x_{(\lceil Rp\rceil)}`.

    Examples
    --------
    >>> q, lo, hi = quantile_band(np.arange(1.0, 101.0), 0.5)
    >>> q, lo, hi
    (50.0, 40.0, 61.0)
    """
    from scipy.stats import binom

    xs = np.sort(_vector("x", x))
    if not 0 < p < 1:
        raise BoundkitError(f"p must lie in (0, 1), got {p}")
    if not 0 < level < 1:
        raise BoundkitError(f"level must lie in (0, 1), got {level}")
    R = xs.size
    alpha = 1.0 - level
    q = float(xs[max(int(np.ceil(R * p)) - 1, 0)])
    lo_j = int(binom.ppf(alpha / 2, R, p))
    hi_j = int(binom.ppf(1 - alpha / 2, R, p)) + 1
    low = float(xs[lo_j - 1]) if lo_j >= 1 else -np.inf
    high = float(xs[hi_j - 1]) if hi_j <= R else np.inf
    return q, low, high


def _default_deltas(R: int) -> np.ndarray:
    return np.geomspace(max(2.0 / R, 1e-3), 0.5, 12)


def slack_data(
    result: Any,
    n: int | None = None,
    *,
    deltas: Sequence[float] | None = None,
    claims: Sequence[str] = ("C6b", "C6c"),
    level: float = 0.95,
) -> SlackData:
    r"""The data of :func:`plot_slack` from a :class:`SimulationResult` at sample size ``n``.

    Parameters
    ----------
    result : SimulationResult
        A sweep of a bounded class (C6b/C6c need the range of the class).
    n : int, optional
        Sample size (default: the largest of the sweep).
    deltas : sequence of float, optional
        Default: 12 values from :math:`\max(2/R, 10^{-3})` to 0.5, geometric.
    claims : sequence of str
        High-probability bounds to compare (``"C6b"``, ``"C6c"``).
    level : float
        Coverage of the quantile band.

    Notes
    -----
    For each :math:`\delta`: the :math:`(1-\delta)`-quantile of the excess over the
    replicates at ``n`` with its order-statistic band (:func:`quantile_band`), and each bound
    minus :math:`\mathrm{KL}(P\|Q_{h^*})` at that :math:`\delta` (from
    :meth:`SimulationResult.hp_bound`, i.e. :mod:`boundkit.bounds`). C6b is the same for
    every replicate; C6c uses the replicate's :math:`\hat{\mathfrak R}_S`, so its median over
    replicates is drawn. A valid bound lies above the band for every :math:`\delta`; the
    vertical distance (log scale) is the slack factor. With a Monte Carlo population the band
    is widened by :math:`\pm 1.96` times the mean ``excess_mc_se`` at ``n``.
    """
    if result.value_range is None:
        raise BoundkitError("the slack plot needs a bounded class (C6b/C6c): this toy has none")
    sizes = result.sizes
    m = sizes[-1] if n is None else int(n)
    if m not in sizes:
        raise BoundkitError(f"n = {m} is not a sample size of this sweep: {sizes}")
    excess = result.column("excess", m)
    d = _default_deltas(excess.size) if deltas is None else _vector("deltas", deltas)
    rows = [quantile_band(excess, 1.0 - float(x), level=level) for x in d]
    # a Monte Carlo population shifts every replicate's excess by one common error: widen the
    # band by 1.96 times the mean Monte Carlo se of the excess at this n
    mc = 0.0
    if "excess_mc_se" in result.table:
        mc = 1.96 * float(np.mean(result.column("excess_mc_se", m)))
    rows = [(q, lo - mc, hi + mc) for q, lo, hi in rows]
    best = float(result.population["divergence_best"])
    on = np.asarray(result.table["n"]) == m
    bounds = {}
    for claim in claims:
        vals = [float(np.median(result.hp_bound(claim, float(x))[on])) - best for x in d]
        lbl = claim if claim == "C6b" else f"{claim} (median over replicates)"
        bounds[lbl] = np.array(vals)
    return SlackData(
        deltas=np.asarray(d, dtype=float),
        quantile=np.array([r[0] for r in rows]),
        band_low=np.array([r[1] for r in rows]),
        band_high=np.array([r[2] for r in rows]),
        bounds=bounds,
        n=m,
        title=f"{human_title(result.config['toy'])}\n$n$ = {m}",
    )
