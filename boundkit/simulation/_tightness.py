r"""Tightness of every bound of a sweep: bound / measured per n, its median, fitted slopes.

For a bound on the excess :math:`\mathrm{KL}(P\|Q_{h_n}) - \mathrm{KL}(P\|Q_{h^*})` the
*tightness ratio* at sample size n is

.. math:: r(n) = \frac{\text{bound}(n) - \mathrm{KL}(P\|Q_{h^*})}{\overline{\text{excess}}(n)}

(1 means exact; the C6 bounds sit 10x to 1000x above). For the asymptotic prediction it is
prediction / measured. The slopes are least-squares fits of :math:`\log(\cdot)` against
:math:`\log n` for the bound's gap and for the measured mean excess: a bound that tracks the
excess has the same slope (about -1).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from boundkit._errors import BoundkitError

__all__ = ["FAMILIES", "SLOPE_MIN_N", "fitted_slope", "tightness", "tightness_record"]

#: The bound families a tightness record may carry, in display order.
FAMILIES: tuple[str, ...] = (
    "C6a",
    "C6b",
    "C6c",
    "fast-rate",
    "fast-rate-expectation",
    "fast-rate-active",
    "fast-rate-active-expectation",
    "fast-rate-profile",
    "fast-rate-profile-expectation",
    "hold-out",
    "asymptotic",
)


def fitted_slope(sizes: Sequence[float], values: Sequence[float]) -> float:
    r"""Least-squares slope of :math:`\log v` against :math:`\log n` over the finite, positive
    values (NaN with fewer than two distinct sizes: no slope; records store it as None).

    Notes
    -----
    .. math:: \hat s = \frac{\sum_i (\ell_i - \bar\ell)(y_i - \bar y)}{\sum_i(\ell_i - \bar\ell)^2},
       \quad \ell_i = \log n_i,\ y_i = \log v_i.

    Examples
    --------
    >>> round(fitted_slope([10, 100, 1000], [1.0, 0.1, 0.01]), 12)
    -1.0
    """
    n = np.asarray(sizes, dtype=float)
    v = np.asarray(values, dtype=float)
    ok = np.isfinite(v) & (v > 0) & np.isfinite(n) & (n > 0)
    if ok.sum() < 2 or np.unique(n[ok]).size < 2:
        return float("nan")
    x, y = np.log(n[ok]), np.log(v[ok])
    x = x - x.mean()
    return float((x * (y - y.mean())).sum() / (x * x).sum())


def _slope_or_none(sizes: Sequence[float], values: Sequence[float]) -> float | None:
    s = fitted_slope(sizes, values)
    return None if np.isnan(s) else s


#: The smallest sample size of the second slope fit (the issue's goals use both fits).
SLOPE_MIN_N = 300


def tightness_record(
    sizes: Sequence[int], gaps: Sequence[float], measured: Sequence[float]
) -> dict[str, Any]:
    r"""The tightness record of one bound: bound / measured per n, the median over n, fitted
    slopes over all n and over :math:`n \ge 300`.

    Parameters
    ----------
    sizes : sequence of int
        The sample sizes.
    gaps : sequence of float
        The bound on the excess per n (``inf`` allowed).
    measured : sequence of float
        The measured mean excess per n.

    Returns
    -------
    dict
        ``gap_per_n``, ``ratio_per_n`` (:math:`r(n) = \text{gap}(n)/\text{measured}(n)`),
        ``ratio_median`` (median of the finite :math:`r(n)`, ``inf`` when none is finite),
        ``slope_bound`` / ``slope_measured`` (:func:`fitted_slope` over all n) and
        ``slope_bound_n300`` / ``slope_measured_n300`` (over :math:`n \ge 300`); a slope is
        None with fewer than two usable sizes.

    Examples
    --------
    >>> rec = tightness_record([100, 1000], [0.2, 0.02], [0.01, 0.001])
    >>> rec["ratio_median"], round(rec["slope_bound"], 12), rec["slope_bound_n300"]
    (20.0, -1.0, None)
    """
    sizes = [int(n) for n in sizes]
    gaps = [float(g) for g in gaps]
    measured = [float(m) for m in measured]
    if not (len(sizes) == len(gaps) == len(measured)):
        raise BoundkitError("sizes, gaps and measured must have the same length")
    ratios = [g / m if m > 0 else float("inf") for g, m in zip(gaps, measured, strict=True)]
    finite = [r for r in ratios if np.isfinite(r)]
    big = [i for i, n in enumerate(sizes) if n >= SLOPE_MIN_N]
    return {
        "gap_per_n": {str(n): g for n, g in zip(sizes, gaps, strict=True)},
        "ratio_per_n": {str(n): float(r) for n, r in zip(sizes, ratios, strict=True)},
        "ratio_median": float(np.median(finite)) if finite else float("inf"),
        "slope_bound": _slope_or_none(sizes, gaps),
        "slope_measured": _slope_or_none(sizes, measured),
        "slope_bound_n300": _slope_or_none([sizes[i] for i in big], [gaps[i] for i in big]),
        "slope_measured_n300": _slope_or_none([sizes[i] for i in big], [measured[i] for i in big]),
    }


def _toy_of(result: Any) -> Any:
    """The registered toy of a result, when its configuration is the one that was run."""
    from boundkit.simulation._toys import get_toy

    cfg = result.config.get("toy", {})
    try:
        toy = get_toy(cfg.get("name", ""))
    except BoundkitError:
        return None
    return toy if toy.config() == cfg else None


def tightness(
    result: Any,
    *,
    holdout: bool = False,
    extra: Mapping[str, Sequence[float]] | None = None,
    toy: Any = None,
) -> dict[str, dict[str, Any]]:
    r"""The tightness record of a sweep: per bound family, bound / measured per n, its median
    over n, and the fitted slopes of the bound's gap and of the measured excess.

    Parameters
    ----------
    result : SimulationResult
        A sweep (its ``summary()`` and, for the fast-rate bound and the prediction, its toy).
    holdout : bool
        Also run the hold-out family on finite-support KL toys (see Notes; costs extra
        replicates).
    extra : mapping, optional
        More families: name -> bound on the excess per n (aligned with ``result.sizes``).
    toy : Toy, optional
        The experiment that was run, for a user's experiment that is not registered (a
        registered toy is found from the result's configuration); it must have the
        configuration recorded in the result.

    Returns
    -------
    dict
        ``{family: tightness_record(...)}`` (:func:`tightness_record`: ``gap_per_n``, the
        bound minus :math:`\mathrm{KL}(P\|Q_{h^*})`, ``ratio_per_n``, ``ratio_median``, slopes
        over all n and over n >= 300) for C6a/C6b/C6c (when in the sweep), ``asymptotic``
        (linear-in-features KL toys), ``fast-rate`` and ``fast-rate-expectation`` (C10 (2),
        (3); finite-support KL toys), ``fast-rate-active``/``-active-expectation`` (C10 (4))
        and ``fast-rate-profile``/``-profile-expectation`` (C10 (5): finite supports with at
        most 8 features, and the closed-form Gaussian toy).

    Notes
    -----
    See the module docstring; the ratio of the prediction is
    :math:`(d_{\rm eff}/2n)/\overline{\text{excess}}`. The hold-out family: at each n, h_n is
    fitted on n points (up to 200 replicates, seed from the sweep), certified by the empirical
    Bernstein certificate (C11) on n fresh points; the certified improvement :math:`c` implies
    :math:`\mathrm{KL}(P\|Q_{h_n}) \le \mathrm{KL}(P\|Q) - c` with probability
    :math:`1-\delta`, whose gap to :math:`\mathrm{KL}(P\|Q_{h^*})` is averaged.
    """
    rows = result.summary()
    sizes = [int(r["n"]) for r in rows]
    measured = [float(r["excess_mean"]) for r in rows]
    best = float(result.population["divergence_best"])
    out: dict[str, dict[str, Any]] = {}
    for fam, key in (("C6a", "bound_C6a"), ("C6b", "bound_C6b_mean"), ("C6c", "bound_C6c_mean")):
        if rows and key in rows[0]:
            out[fam] = tightness_record(sizes, [float(r[key]) - best for r in rows], measured)
    if toy is None:
        toy = _toy_of(result)
    elif toy.config() != result.config.get("toy", {}):
        raise BoundkitError(
            f"toy {getattr(toy, 'name', '?')!r} does not have the configuration this result "
            "was run with"
        )
    if toy is not None and str(getattr(toy, "generator", "kl")).lower() == "kl":
        from boundkit.simulation._asymptotic import sandwich_prediction, toy_fast_rate_constants

        try:
            pred = sandwich_prediction(toy)
        except BoundkitError:
            pred = None
        if pred is not None:
            out["asymptotic"] = tightness_record(
                sizes, [float(pred.mean(n)) for n in sizes], measured
            )
        for suffix, active in (("", False), ("-active", True)):
            # C10 (3) in the H norm, and (4) in the norm of the active constraint
            try:
                const = toy_fast_rate_constants(toy, active_constraint=active)
            except BoundkitError:
                const = None
            if const is None:
                continue
            from boundkit.bounds import fast_rate_bound

            hp = [fast_rate_bound(const, n, result.delta).value for n in sizes]
            ex = [fast_rate_bound(const, n, kind="expectation").value for n in sizes]
            out[f"fast-rate{suffix}"] = tightness_record(sizes, hp, measured)
            out[f"fast-rate{suffix}-expectation"] = tightness_record(sizes, ex, measured)
        # C10 (5): the certified curvature profile and the exact moments (finite supports with
        # few features, the Gaussian toy); other toys are refused in one line
        from boundkit.simulation._asymptotic import toy_profile_fast_rate

        try:
            prof = toy_profile_fast_rate(toy)
        except BoundkitError:
            prof = None
        if prof is not None:
            from boundkit.bounds import profile_fast_rate_bound

            hp = [
                profile_fast_rate_bound(prof, n, result.delta, kind="high-probability").value
                for n in sizes
            ]
            ex = [profile_fast_rate_bound(prof, n).value for n in sizes]
            out["fast-rate-profile"] = tightness_record(sizes, hp, measured)
            out["fast-rate-profile-expectation"] = tightness_record(sizes, ex, measured)
        if holdout:
            from boundkit.simulation._finite_toy import FiniteToy

            if isinstance(toy, FiniteToy):
                R = min(int(result.config.get("n_replicates", 200)), 200)
                seed = int(result.config.get("seed", 0))
                gaps = [_holdout_gap(toy, n, R, seed, result.delta) for n in sizes]
                out["hold-out"] = tightness_record(sizes, gaps, measured)
    for fam, gaps in (extra or {}).items():
        if len(gaps) != len(sizes):
            raise BoundkitError(f"extra family {fam!r} needs one value per sample size")
        out[fam] = tightness_record(sizes, [float(g) for g in gaps], measured)
    return out


def _holdout_gap(toy: Any, n: int, R: int, seed: int, delta: float) -> float:
    """Mean over replicates of KL(P||Q) - certificate - KL(P||Q_h*) (see tightness)."""
    from boundkit.bounds import holdout_certificate
    from boundkit.generators import log_partition

    gen = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(n, 7)))
    counts = gen.multinomial(n, toy.p, size=R)
    held = gen.multinomial(n, toy.p, size=R)
    w = toy.fit(counts / n @ toy.phi)
    pop = toy.population()
    vr = toy.value_range()
    gaps = []
    for r in range(R):
        h = toy.phi @ w[r]
        lam = float(log_partition(h, toy.q))  # Lambda_KL^Q[h], the kernel's primitive
        cert = holdout_certificate(np.repeat(h, held[r]), lam, delta=delta, value_range=vr)
        gaps.append(pop.divergence_base - cert.value - pop.divergence_best)
    return float(np.mean(gaps))
