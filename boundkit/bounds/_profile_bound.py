r"""The fast-rate bound with a certified curvature profile and exact moments (THEORY C10 (5)).

For a class linear in features with a certified profile :math:`\tilde\kappa`
(:func:`boundkit.bounds.certified_curvature_profile` on a finite support,
:func:`boundkit.bounds.gaussian_quadratic_curvature_profile` for the Gaussian toy) every sample
satisfies :math:`\text{excess} \le \tilde F(\varepsilon_n)` (:meth:`CurvatureProfile.envelope`;
no localisation condition, since :math:`\|w_n - w^*\|_H \le D`). Then

* *in expectation*: for any :math:`a_2, \dots, a_J \ge 0` with :math:`\tilde F(\varepsilon)
  \le \sum_j a_j\varepsilon^j` for every :math:`\varepsilon \ge 0`,
  :math:`E\,\text{excess} \le \sum_j a_j\,\overline M_j`, :math:`\overline M_j \ge
  E\varepsilon_n^j` (exact for even j, :func:`boundkit.bounds.mean_norm_moments`,
  :func:`boundkit.bounds.gaussian_quadratic_norm_moments`; Cauchy–Schwarz for odd j).
  boundkit takes the smallest such sum, a linear programme;
* *with probability* :math:`1 - \delta`: :math:`\text{excess} \le \tilde F(\bar\varepsilon)`,
  :math:`\bar\varepsilon` the smaller of Bousquet's bound of C10 (2) and Markov's bound
  :math:`\min_k(E\varepsilon_n^{2k}/\delta)^{1/(2k)}` (:func:`moment_deviation`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from boundkit._errors import BoundkitError
from boundkit.bounds._concentration import _up
from boundkit.bounds._curvature_profile import CurvatureProfile
from boundkit.bounds._fast_rate import (
    FastRateConstants,
    FastRateResult,
    _check_bound_arguments,
    _epsilon_hp,
)
from boundkit.bounds._norm_moments import NormMoments

__all__ = [
    "ProfileFastRate",
    "moment_deviation",
    "moment_envelope_bound",
    "profile_fast_rate_bound",
]

_N_GRID = 20_000


@dataclass(frozen=True)
class ProfileFastRate:
    r"""Everything C10 (5) needs: the C10 constants (H norm), the certified profile and the exact
    moments of :math:`\varepsilon_n`."""

    constants: FastRateConstants
    profile: CurvatureProfile
    moments: NormMoments


def moment_envelope_bound(
    profile: CurvatureProfile, moments: dict[int, float], scale: float
) -> tuple[float, dict[int, float]]:
    r"""The smallest :math:`\sum_j a_jM_j` over :math:`a \ge 0` with :math:`\sum_j
    a_j\varepsilon^j \ge \tilde F(\varepsilon)` for all :math:`\varepsilon \ge 0`.

    Parameters
    ----------
    profile : CurvatureProfile
        Gives :math:`\tilde F` and the diameter D.
    moments : dict
        :math:`j \mapsto \overline M_j \ge E\varepsilon_n^j` (j >= 2, including j = 2).
    scale : float
        A typical size of :math:`\varepsilon_n` (:math:`\sqrt{d_H/n}`): the grid spans
        :math:`10^{-3}` scale to :math:`\max(20\,\text{scale}, 1.01K(D))`.

    Returns
    -------
    value, coefficients

    Notes
    -----
    The constraint for all :math:`\varepsilon` is enforced on a geometric grid
    :math:`\varepsilon_0 < \dots < \varepsilon_G` as :math:`P(\varepsilon_i) \ge
    \tilde F(\varepsilon_{i+1})` (both increase, so this covers :math:`[\varepsilon_i,
    \varepsilon_{i+1}]`); below :math:`\varepsilon_0`, :math:`\tilde F(\varepsilon) \le
    \varepsilon^2/(2\tilde\kappa(\bar t(\varepsilon_0)))` (:math:`\tilde F' = \varepsilon/
    \tilde\kappa(\bar t)`), so :math:`a_2 \ge 1/(2\tilde\kappa(\bar t(\varepsilon_0)))`; above
    :math:`\varepsilon_G \ge K(D)`, :math:`\tilde F` is linear with slope D and P convex, so
    :math:`P'(\varepsilon_G) \ge D`. The programme is solved by HiGHS; its solution is then
    scaled up until every constraint holds in floating point, and the sum is rounded up.
    """
    from scipy.optimize import linprog

    orders = np.array(sorted(moments), dtype=int)
    if orders.size == 0 or orders[0] != 2:
        raise BoundkitError("moments must include order 2")
    mvec = np.array([moments[int(j)] for j in orders], dtype=float)
    k_d = profile.integral_to_diameter
    lo = 1e-3 * scale
    hi = max(20.0 * scale, 1.01 * k_d)
    eps = np.geomspace(lo, hi, _N_GRID)
    f_next = profile.envelope(eps[1:])
    pow_ = eps[:-1, None] ** orders[None, :]
    j0 = int(np.searchsorted(profile.radii, profile.localisation(lo), side="left"))
    a2_min = 1.0 / (2.0 * float(profile.levels[max(j0, 1) - 1]))
    slope = orders * hi ** (orders - 1.0)
    a_ub = np.vstack([-pow_, -slope[None, :]])
    b_ub = np.concatenate([-f_next, [-profile.diameter]])
    # in the variables b_j = a_j M_j the objective is sum b_j (well conditioned)
    col = np.maximum(mvec, 1e-300)
    bounds = [(a2_min * col[0], None)] + [(0.0, None)] * (orders.size - 1)
    res = linprog(np.ones_like(mvec), A_ub=a_ub / col, b_ub=b_ub, bounds=bounds, method="highs")
    if res.status != 0:
        raise BoundkitError(f"the moment programme failed: {res.message}")
    a = np.maximum(res.x / col, 0.0)
    a[0] = max(a[0], a2_min)
    # repair floating-point slack: every constraint must hold as computed
    p_val = pow_ @ a
    fac = max(1.0, float(np.max(f_next / p_val)), profile.diameter / float(slope @ a))
    a = a * fac * (1 + 1e-12)
    if not (np.all(pow_ @ a >= f_next) and slope @ a >= profile.diameter):
        raise BoundkitError("internal: the moment envelope does not dominate the envelope")
    value = _up(float(np.sum(a * mvec)) * (1 + 1e-12))
    return value, {int(j): float(v) for j, v in zip(orders, a, strict=True)}


def moment_deviation(moments: NormMoments, n: int, delta: float) -> float:
    r"""Markov's bound on :math:`\varepsilon_n` at confidence :math:`1 - \delta` from the exact
    even moments (rounded up).

    Notes
    -----
    .. math::

        P\Big(\varepsilon_n > \min_k\big(E\varepsilon_n^{2k}/\delta\big)^{1/(2k)}\Big)
        \le \delta \qquad (\text{Markov on } \varepsilon_n^{2k}).

    Examples
    --------
    >>> from boundkit.bounds import mean_norm_moments
    >>> mom = mean_norm_moments([[0.0], [1.0]], [0.5, 0.5], [[1.0]], max_order=1)
    >>> round(moment_deviation(mom, 100, 0.25), 12)  # sqrt(0.0025 / 0.25)
    0.1
    """
    ev = moments.even(n)
    k = np.arange(1, ev.size + 1)
    return _up(float(np.min((ev / delta) ** (1.0 / (2 * k)))) * (1 + 1e-12))


def profile_fast_rate_bound(
    bundle: ProfileFastRate,
    n: int,
    delta: float | None = 0.05,
    *,
    kind: str = "expectation",
    constant_factor: float = 1.0,
) -> FastRateResult:
    r"""Evaluate C10 (5) at sample size n (module docstring).

    Parameters
    ----------
    bundle : ProfileFastRate
        Constants, profile and moments (:func:`boundkit.simulation.toy_profile_fast_rate`).
    n : int
        Sample size, >= 2.
    delta : float
        Confidence of the high-probability version.
    kind : {"expectation", "high-probability"}
        Which bound.
    constant_factor : float
        Multiplies the value; 1 for the theorem (anything else is not one).

    Returns
    -------
    FastRateResult

    Notes
    -----
    .. math::

        E\,\text{excess} \le \min_{a \ge 0:\ \sum_j a_j\varepsilon^j \ge \tilde F(\varepsilon)
        \,\forall\varepsilon}\ \sum_{j=2}^{2K} a_j\overline M_j,\qquad
        \text{excess} \le \tilde F(\bar\varepsilon_\delta)\ \text{w.p.}\ 1 - \delta,

    :math:`\overline M_{2k} = E\varepsilon_n^{2k}` (exact), :math:`\overline M_{2k+1} =
    (\overline M_{2k}\overline M_{2k+2})^{1/2}`, :math:`\bar\varepsilon_\delta` the smaller of
    Bousquet's bound (C10 (2)) and :func:`moment_deviation`.

    Examples
    --------
    >>> from boundkit.simulation import toy_profile_fast_rate
    >>> b = toy_profile_fast_rate("finite")
    >>> r = profile_fast_rate_bound(b, 1000)
    >>> bool(0 < r.value < 0.01)
    True
    """
    n, delta = _check_bound_arguments(n, delta, kind, constant_factor)
    c = bundle.constants
    if kind == "high-probability":
        eps = min(_epsilon_hp(c, n, delta), moment_deviation(bundle.moments, n, delta))
        val = float(bundle.profile.envelope(eps))
        terms = {"epsilon": eps, "envelope": val}
        return FastRateResult(kind, constant_factor * val, n, delta, terms, c, constant_factor)
    mom = bundle.moments.moments(n)
    val, coef = moment_envelope_bound(bundle.profile, mom, math.sqrt(c.d_h / n))
    terms = {"main": coef[2] * mom[2], **{f"a{j}": v for j, v in coef.items()}}
    return FastRateResult(kind, constant_factor * val, n, None, terms, c, constant_factor)
