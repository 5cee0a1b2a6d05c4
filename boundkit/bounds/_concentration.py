r"""Classic concentration and PAC-Bayes calculators, every value rounded to the safe side.

Each function returns the quantity a theorist looks up next to a generalisation bound:
deviations of a mean (Hoeffding, Bernstein, empirical Bernstein), of a function of independent
variables (McDiarmid), PAC-Bayes upper bounds on a risk (McAllester, Maurer--Seeger kl,
Catoni), and the "sample size needed for accuracy epsilon" inversions.

**Safe side.** A bound is only useful if the number returned is on the side of the inequality
it certifies. Every upper quantity (a deviation, an upper bound on a risk, a sample size) is
evaluated in floating point and then rounded *outwards* by a relative margin of
:data:`SAFETY_ULPS` units in the last place (plus the smallest normal number), which dominates
the rounding error of the few operations involved; lower quantities are rounded inwards. The
inverse of the binary kl divergence is computed by a bisection whose returned end point is
*certified*: :math:`\mathrm{kl}(q\|p) > c` is accepted only when the floating-point value
exceeds :math:`c` by more than a rigorous bound on its rounding error, so the returned
:math:`p` is never on the wrong side of :math:`\mathrm{kl}^{-1}` (public PAC-Bayes code often
returns the midpoint of the last bracket, which can fall below the true inverse and make the
certificate invalid). ``tests/bounds/test_concentration.py`` checks every function against
mpmath at 50 digits.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from boundkit._errors import BoundkitError
from boundkit.bounds._formulas import hoeffding_term

__all__ = [
    "SAFETY_ULPS",
    "bernstein_deviation",
    "bernstein_sample_size",
    "empirical_bernstein_deviation",
    "empirical_bernstein_sample_size",
    "hoeffding_deviation",
    "hoeffding_sample_size",
    "kl_bernoulli",
    "kl_inverse_lower",
    "kl_inverse_upper",
    "mcallester_sample_size",
    "mcdiarmid_deviation",
    "pac_bayes_catoni",
    "pac_bayes_kl",
    "pac_bayes_mcallester",
]

#: Relative outward rounding applied to every returned bound, in units of machine epsilon.
SAFETY_ULPS = 16
_EPS = float(np.finfo(float).eps)
_TINY = float(np.finfo(float).tiny)


def _up(x: float) -> float:
    """Round a non-negative float outwards (upwards) by SAFETY_ULPS relative ulps."""
    return float(x + SAFETY_ULPS * _EPS * abs(x) + _TINY)


def _down(x: float) -> float:
    """Round a float inwards (downwards) by SAFETY_ULPS relative ulps."""
    return float(x - SAFETY_ULPS * _EPS * abs(x) - _TINY)


def _check_delta(delta: Any) -> float:
    d = float(delta)
    if not (0.0 < d < 1.0):
        raise BoundkitError(f"delta must lie in the open interval (0, 1); got {delta!r}")
    return d


def _check_n(n: Any, minimum: int = 1) -> int:
    if isinstance(n, bool) or not float(n).is_integer() or int(n) < minimum:
        raise BoundkitError(f"n must be an integer >= {minimum}; got {n!r}")
    return int(n)


def _check_nonneg(name: str, value: Any) -> float:
    v = float(value)
    if not (math.isfinite(v) and v >= 0.0):
        raise BoundkitError(f"{name} must be finite and >= 0; got {value!r}")
    return v


def _check_positive(name: str, value: Any) -> float:
    v = float(value)
    if not (math.isfinite(v) and v > 0.0):
        raise BoundkitError(f"{name} must be finite and > 0; got {value!r}")
    return v


def _width(value_range: Any) -> float:
    try:
        a, b = (float(v) for v in value_range)
    except (TypeError, ValueError):
        raise BoundkitError(f"value_range must be a pair (a, b); got {value_range!r}") from None
    if not (math.isfinite(a) and math.isfinite(b) and a <= b):
        raise BoundkitError(f"value_range must be finite with a <= b; got {value_range!r}")
    return b - a


def _log_term(delta: float, two_sided: bool) -> float:
    return math.log((2.0 if two_sided else 1.0) / delta)


# ---------------------------------------------------------------------------- deviations
def hoeffding_deviation(
    n: int, delta: float, value_range: Any = (0.0, 1.0), *, two_sided: bool = False
) -> float:
    r"""Hoeffding's deviation of the mean of n independent variables with values in [a, b].

    Parameters
    ----------
    n : int
        Number of variables, >= 1.
    delta : float
        Confidence parameter in (0, 1).
    value_range : (a, b)
        The range of every variable.
    two_sided : bool
        Bound :math:`|\bar X - \mu|` instead of :math:`\mu - \bar X` (or :math:`\bar X - \mu`).

    Returns
    -------
    float
        :math:`\varepsilon` with :math:`P(\mu - \bar X > \varepsilon) \le \delta`.

    Notes
    -----
    Hoeffding (1963): :math:`P(\mu - \bar X \ge t) \le e^{-2nt^2/(b-a)^2}`, so

    .. math:: \varepsilon = (b - a)\sqrt{\frac{\log(k/\delta)}{2n}},\qquad k = 1\ \text{or}\ 2.

    Examples
    --------
    >>> round(hoeffding_deviation(100, 0.05), 6)
    0.122387
    """
    n = _check_n(n)
    delta = _check_delta(delta)
    w = _width(value_range)
    return _up(float(hoeffding_term(n, delta, w, confidence=2.0 if two_sided else 1.0)))


def hoeffding_sample_size(
    epsilon: float, delta: float, value_range: Any = (0.0, 1.0), *, two_sided: bool = False
) -> int:
    r"""The smallest n for which Hoeffding's deviation is at most ``epsilon``.

    Notes
    -----
    .. math:: n = \Big\lceil \frac{(b-a)^2 \log(k/\delta)}{2\varepsilon^2} \Big\rceil
       \quad(\text{computed with outward rounding, so never too small}).

    Examples
    --------
    >>> hoeffding_sample_size(0.1, 0.05)
    150
    """
    eps = _check_positive("epsilon", epsilon)
    delta = _check_delta(delta)
    w = _width(value_range)
    return _smallest_n(
        lambda n: hoeffding_deviation(n, delta, value_range, two_sided=two_sided),
        eps,
        guess=w * w * _log_term(delta, two_sided) / (2.0 * eps * eps),
    )


def bernstein_deviation(
    n: int, delta: float, variance: float, bound: float, *, two_sided: bool = False
) -> float:
    r"""Bernstein's deviation of the mean of n i.i.d. variables with known variance.

    Parameters
    ----------
    n : int
        Number of variables, >= 1.
    delta : float
        Confidence parameter in (0, 1).
    variance : float
        :math:`\sigma^2 = \mathrm{Var}\,X` (an upper bound is enough).
    bound : float
        :math:`c` with :math:`|X - \mu| \le c` almost surely.
    two_sided : bool
        Bound :math:`|\bar X - \mu|`.

    Notes
    -----
    Bernstein's inequality :math:`P(\bar X - \mu \ge t) \le \exp\big(-\frac{n t^2}{2\sigma^2 +
    2ct/3}\big)` (e.g. Boucheron, Lugosi and Massart 2013, Cor. 2.11) inverted exactly: with
    :math:`L = \log(k/\delta)`, :math:`t` is the positive root of
    :math:`n t^2 - \tfrac{2cL}{3} t - 2\sigma^2 L = 0`,

    .. math::

        \varepsilon = \frac{cL}{3n} + \sqrt{\Big(\frac{cL}{3n}\Big)^2 + \frac{2\sigma^2 L}{n}}.

    Examples
    --------
    >>> round(bernstein_deviation(100, 0.05, 0.01, 1.0), 6)
    0.036422
    """
    n = _check_n(n)
    delta = _check_delta(delta)
    var = _check_nonneg("variance", variance)
    c = _check_nonneg("bound", bound)
    L = _log_term(delta, two_sided)
    a = c * L / (3.0 * n)
    return _up(a + math.sqrt(a * a + 2.0 * var * L / n))


def bernstein_sample_size(
    epsilon: float, delta: float, variance: float, bound: float, *, two_sided: bool = False
) -> int:
    r"""The smallest n for which Bernstein's deviation is at most ``epsilon``.

    Notes
    -----
    .. math:: n = \Big\lceil \frac{L\,(2\sigma^2 + 2c\varepsilon/3)}{\varepsilon^2} \Big\rceil.

    Examples
    --------
    >>> bernstein_sample_size(0.05, 0.05, 0.01, 1.0)
    64
    """
    eps = _check_positive("epsilon", epsilon)
    delta = _check_delta(delta)
    var = _check_nonneg("variance", variance)
    c = _check_nonneg("bound", bound)
    L = _log_term(delta, two_sided)
    return _smallest_n(
        lambda n: bernstein_deviation(n, delta, var, c, two_sided=two_sided),
        eps,
        guess=L * (2 * var + 2 * c * eps / 3) / eps**2,
    )


def empirical_bernstein_deviation(
    n: int, delta: float, sample_variance: float, value_range: Any = (0.0, 1.0)
) -> float:
    r"""The empirical Bernstein deviation of Maurer and Pontil (2009, Theorem 4).

    Parameters
    ----------
    n : int
        Sample size, >= 2.
    delta : float
        Confidence parameter in (0, 1).
    sample_variance : float
        The unbiased sample variance :math:`V_n = \frac{1}{n-1}\sum_i (X_i - \bar X)^2` of the
        same sample.
    value_range : (a, b)
        The range of every variable.

    Returns
    -------
    float
        :math:`\varepsilon` with :math:`P(\mu - \bar X > \varepsilon) \le \delta` (one-sided;
        the same holds for :math:`\bar X - \mu`).

    Notes
    -----
    For i.i.d. :math:`X_i \in [0, 1]`, with probability at least :math:`1 - \delta`,
    :math:`\mu - \bar X \le \sqrt{2V_n\log(2/\delta)/n} + 7\log(2/\delta)/(3(n-1))`. Rescaled
    to :math:`[a, b]`:

    .. math:: \varepsilon = \sqrt{\frac{2V_n\log(2/\delta)}{n}}
       + \frac{7(b-a)\log(2/\delta)}{3(n-1)}.

    Examples
    --------
    >>> round(empirical_bernstein_deviation(1000, 0.05, 0.01), 6)
    0.017205
    """
    n = _check_n(n, 2)
    delta = _check_delta(delta)
    v = _check_nonneg("sample_variance", sample_variance)
    w = _width(value_range)
    L = math.log(2.0 / delta)
    return _up(math.sqrt(2.0 * v * L / n) + 7.0 * w * L / (3.0 * (n - 1)))


def empirical_bernstein_sample_size(
    epsilon: float, delta: float, sample_variance: float, value_range: Any = (0.0, 1.0)
) -> int:
    r"""The smallest n >= 2 for which the empirical Bernstein deviation, at the given sample
    variance, is at most ``epsilon`` (a planning value: V_n is only known after sampling).

    Notes
    -----
    .. math:: n = \min\Big\{n \ge 2 : \sqrt{\tfrac{2V\log(2/\delta)}{n}}
       + \tfrac{7(b-a)\log(2/\delta)}{3(n-1)} \le \varepsilon\Big\}

    (the left side decreases in n; integer bisection on the outward-rounded deviation).

    Examples
    --------
    >>> empirical_bernstein_sample_size(0.05, 0.05, 0.01)
    261
    """
    eps = _check_positive("epsilon", epsilon)
    delta = _check_delta(delta)
    v = _check_nonneg("sample_variance", sample_variance)
    w = _width(value_range)
    L = math.log(2.0 / delta)
    return _smallest_n(
        lambda n: empirical_bernstein_deviation(n, delta, v, value_range),
        eps,
        guess=(math.sqrt(2 * v * L) / eps) ** 2 + 7 * w * L / (3 * eps) + 1,
        minimum=2,
    )


def mcdiarmid_deviation(differences: Any, delta: float, *, two_sided: bool = False) -> float:
    r"""McDiarmid's deviation of a function of independent variables with bounded differences.

    Parameters
    ----------
    differences : array_like, shape (n,)
        :math:`c_i`: changing the i-th variable changes the function by at most :math:`c_i`.
    delta : float
        Confidence parameter in (0, 1).
    two_sided : bool
        Bound :math:`|f - Ef|`.

    Notes
    -----
    McDiarmid (1989): :math:`P(f - Ef \ge t) \le e^{-2t^2/\sum_i c_i^2}`, so

    .. math:: \varepsilon = \sqrt{\tfrac12 \textstyle\sum_i c_i^2\,\log(k/\delta)}.

    Examples
    --------
    >>> round(mcdiarmid_deviation([0.01] * 100, 0.05), 6)
    0.122387
    """
    c = np.asarray(differences, dtype=float).reshape(-1)
    if c.size == 0 or not np.all(np.isfinite(c)) or np.any(c < 0):
        raise BoundkitError("differences must be a non-empty array of finite values >= 0")
    delta = _check_delta(delta)
    s = float(np.sum(c * c))
    # McDiarmid is Hoeffding's term with (b - a)^2 / n replaced by sum_i c_i^2
    if s == 0.0:
        return _up(0.0)
    return _up(float(hoeffding_term(1.0 / s, delta, 1.0, confidence=2.0 if two_sided else 1.0)))


# ---------------------------------------------------------------------------- binary kl
def kl_bernoulli(q: Any, p: Any) -> np.ndarray:
    r"""The binary kl divergence :math:`\mathrm{kl}(q\|p)` (vectorised; ``inf`` where infinite).

    Notes
    -----
    .. math:: \mathrm{kl}(q\|p) = q\log\frac qp + (1-q)\log\frac{1-q}{1-p},\quad 0\log 0 = 0.

    Examples
    --------
    >>> round(float(kl_bernoulli(0.5, 0.25)), 6)
    0.143841
    """
    q = np.asarray(q, dtype=float)
    p = np.asarray(p, dtype=float)
    t1, t2, _ = _kl_terms(q, p)
    return t1 + t2


def _kl_term(a: np.ndarray, b: np.ndarray, a_minus_b: np.ndarray) -> tuple[np.ndarray, ...]:
    """a log(a/b) (0 where a = 0) and a rigorous bound on its rounding error.

    ``a`` and ``b`` may carry a relative rounding error of one ulp (they are 1 - q, 1 - p for
    the second term); ``a_minus_b`` is computed from the exact inputs. Near a = b the ratio
    form a log1p((a - b)/b) is used: its relative error is a few ulps. Elsewhere
    a (log a - log b) is used, whose absolute error is a few ulps of a (|log a| + |log b| + 1).
    """
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        near = (a > 0) & (b > 0) & (a <= 2 * b) & (b <= 2 * a)
        la, lb = np.log(a), np.log(b)
        ratio = a * np.log1p(a_minus_b / np.where(b > 0, b, 1.0))
        diff = a * (la - lb)
        t = np.where(a > 0, np.where(near, ratio, diff), 0.0)
        err = np.where(
            a > 0,
            np.where(near, 16 * _EPS * np.abs(t), 8 * _EPS * a * (np.abs(la) + np.abs(lb) + 1.0)),
            0.0,
        )
    t = np.where(np.isnan(t), np.inf, t)
    return t, np.where(np.isfinite(err), err, 0.0)


def _kl_terms(q: np.ndarray, p: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The two terms of kl(q||p) and a rigorous bound on the rounding error of their sum."""
    d = q - p  # exact when p and q are within a factor 2 (Sterbenz), else one rounding
    t1, e1 = _kl_term(q, p, d)
    t2, e2 = _kl_term(1.0 - q, 1.0 - p, -d)
    with np.errstate(invalid="ignore"):
        e_sum = 4 * _EPS * (np.abs(t1) + np.abs(t2))
    e_sum = np.where(np.isfinite(e_sum), e_sum, 0.0)
    return t1, t2, 4.0 * (e1 + e2 + e_sum) + _TINY


def _kl_certainly_above(q: np.ndarray, p: np.ndarray, c: np.ndarray) -> np.ndarray:
    """True where kl(q||p) > c is certain despite rounding (kl evaluated at the float p)."""
    t1, t2, err = _kl_terms(q, p)
    val = t1 + t2
    return np.isinf(val) | (val - c > err + 4.0 * _EPS * np.abs(c))


def _check_q_c(q: Any, c: Any) -> tuple[np.ndarray, np.ndarray]:
    q = np.asarray(q, dtype=float)
    c = np.asarray(c, dtype=float)
    if not np.all((q >= 0) & (q <= 1)):
        raise BoundkitError("q must lie in [0, 1]")
    if not np.all(np.isfinite(c) & (c >= 0)):
        raise BoundkitError("c must be finite and >= 0")
    return np.broadcast_arrays(q, c)  # type: ignore[return-value]


def _bisect_to_certain(qa: np.ndarray, ca: np.ndarray, end: float) -> np.ndarray | float:
    """Bisect between q (where kl(q||q) = 0 <= c) and ``end`` (1: upper inverse, 0: lower).

    The returned point only ever moves to midpoints where kl(q||p) > c is certain despite
    rounding, so it is never on the wrong side of the true inverse; the loop stops when no
    midpoint lies strictly between the two ends any more.
    """
    near = qa.astype(float).copy()
    far = np.full_like(near, end)
    for _ in range(1100):
        mid = 0.5 * (near + far)
        active = (mid > np.minimum(near, far)) & (mid < np.maximum(near, far))
        if not active.any():
            break
        above = _kl_certainly_above(qa, mid, ca)
        far = np.where(active & above, mid, far)
        near = np.where(active & ~above, mid, near)
    return float(far) if far.ndim == 0 else far


def kl_inverse_upper(q: Any, c: Any) -> np.ndarray | float:
    r"""The upper inverse of the binary kl, rounded up: never below the true value.

    Parameters
    ----------
    q : float or array in [0, 1]
        The empirical value.
    c : float or array, >= 0
        The budget.

    Returns
    -------
    float or ndarray
        :math:`\bar p \ge \mathrm{kl}^{-1}_+(q, c) = \sup\{p \in [q, 1] : \mathrm{kl}(q\|p)
        \le c\}`, within a few ulps of it.

    Notes
    -----
    Bisection on :math:`[q, 1]`, where :math:`p \mapsto \mathrm{kl}(q\|p)` increases. The upper
    end of the bracket moves only to points where :math:`\mathrm{kl}(q\|p) > c` is certain
    (the floating-point value exceeds :math:`c` by more than a bound on its rounding error),
    and the upper end is what is returned.

    Examples
    --------
    >>> p = kl_inverse_upper(0.1, 0.05)
    >>> bool(float(kl_bernoulli(0.1, p)) >= 0.05) and round(p, 6)
    0.220079
    """
    qa, ca = _check_q_c(q, c)
    return _bisect_to_certain(qa, ca, 1.0)


def kl_inverse_lower(q: Any, c: Any) -> np.ndarray | float:
    r"""The lower inverse of the binary kl, rounded down: never above the true value.

    Returns
    -------
    float or ndarray
        :math:`\underline p \le \mathrm{kl}^{-1}_-(q, c) = \inf\{p \in [0, q] :
        \mathrm{kl}(q\|p) \le c\}`.

    Notes
    -----
    The mirror image of :func:`kl_inverse_upper` on :math:`[0, q]`: the lower end moves only to
    points where :math:`\mathrm{kl}(q\|p) > c` is certain, and is returned.

    Examples
    --------
    >>> round(kl_inverse_lower(0.5, 0.1), 6)
    0.287121
    """
    qa, ca = _check_q_c(q, c)
    return _bisect_to_certain(qa, ca, 0.0)


# ---------------------------------------------------------------------------- PAC-Bayes
def _pac_bayes_args(empirical_risk: Any, kl: Any, n: Any, delta: Any, n_min: int) -> tuple:
    r = float(empirical_risk)
    if not (0.0 <= r <= 1.0):
        raise BoundkitError(f"empirical_risk must lie in [0, 1] (a loss in [0, 1]); got {r!r}")
    k = _check_nonneg("kl", kl)
    return r, k, _check_n(n, n_min), _check_delta(delta)


def pac_bayes_kl(empirical_risk: float, kl: float, n: int, delta: float) -> float:
    r"""The Maurer--Seeger (Langford--Seeger) PAC-Bayes bound, inverted on the safe side.

    Parameters
    ----------
    empirical_risk : float
        :math:`\hat L(\rho) \in [0, 1]`, the posterior's empirical risk (loss in [0, 1]).
    kl : float
        :math:`\mathrm{KL}(\rho\|\pi)` between posterior and data-free prior.
    n : int
        Sample size, >= 8 (Maurer 2004).
    delta : float
        Confidence parameter.

    Notes
    -----
    Maurer (2004, Theorem 5): for :math:`n \ge 8`, with probability :math:`\ge 1-\delta`,
    simultaneously for all :math:`\rho`,
    :math:`\mathrm{kl}(\hat L(\rho)\|L(\rho)) \le
    (\mathrm{KL}(\rho\|\pi) + \log(2\sqrt n/\delta))/n`.
    Hence

    .. math:: L(\rho) \le \mathrm{kl}^{-1}_+\Big(\hat L(\rho),
       \frac{\mathrm{KL}(\rho\|\pi) + \log(2\sqrt n/\delta)}{n}\Big),

    with :func:`kl_inverse_upper` (certified upper end of the bracket).

    Examples
    --------
    >>> round(pac_bayes_kl(0.1, 5.0, 1000, 0.05), 6)
    0.15311
    """
    r, k, n, delta = _pac_bayes_args(empirical_risk, kl, n, delta, 8)
    c = _up((k + math.log(2.0 * math.sqrt(n) / delta)) / n)
    return float(kl_inverse_upper(r, c))


def pac_bayes_mcallester(empirical_risk: float, kl: float, n: int, delta: float) -> float:
    r"""McAllester's PAC-Bayes bound in Maurer's form (Pinsker applied to :func:`pac_bayes_kl`).

    Notes
    -----
    With probability :math:`\ge 1-\delta`, for all :math:`\rho` (:math:`n \ge 8`),

    .. math:: L(\rho) \le \hat L(\rho) + \sqrt{\frac{\mathrm{KL}(\rho\|\pi)
       + \log(2\sqrt n/\delta)}{2n}}

    (McAllester 1999, 2003, with the constant of Maurer 2004; since :math:`\mathrm{kl}(q\|p) \ge
    2(p-q)^2`, it is never tighter than :func:`pac_bayes_kl`).

    Examples
    --------
    >>> round(pac_bayes_mcallester(0.1, 5.0, 1000, 0.05), 6)
    0.177919
    """
    r, k, n, delta = _pac_bayes_args(empirical_risk, kl, n, delta, 8)
    return _up(r + math.sqrt((k + math.log(2.0 * math.sqrt(n) / delta)) / (2.0 * n)))


def mcallester_sample_size(epsilon: float, kl: float, delta: float) -> int:
    r"""The smallest n >= 8 with :math:`\sqrt{(\mathrm{KL} + \log(2\sqrt n/\delta))/(2n)} \le
    \varepsilon` (the gap of :func:`pac_bayes_mcallester`; decreasing in n).

    Notes
    -----
    .. math:: n = \min\Big\{n \ge 8 : \sqrt{\tfrac{\mathrm{KL} + \log(2\sqrt n/\delta)}{2n}}
       \le \varepsilon\Big\}.

    Examples
    --------
    >>> mcallester_sample_size(0.05, 5.0, 0.05)
    2522
    """
    eps = _check_positive("epsilon", epsilon)
    k = _check_nonneg("kl", kl)
    delta = _check_delta(delta)
    return _smallest_n(
        lambda n: pac_bayes_mcallester(0.0, k, n, delta),
        eps,
        guess=(k + math.log(2.0 / delta)) / (2 * eps * eps),
        minimum=8,
    )


def pac_bayes_catoni(
    empirical_risk: float, kl: float, n: int, delta: float, *, C: float = 1.0
) -> float:
    r"""Catoni's PAC-Bayes bound for a fixed temperature :math:`C > 0`.

    Parameters
    ----------
    empirical_risk, kl, n, delta
        As in :func:`pac_bayes_kl` (here any n >= 1).
    C : float
        The temperature (fixed before seeing the data; :math:`\lambda = Cn` in Catoni's
        notation).

    Notes
    -----
    Catoni (2007, Theorem 1.2.6): for a loss in [0, 1], with probability :math:`\ge 1-\delta`,
    for all :math:`\rho`,

    .. math:: L(\rho) \le \frac{1 - \exp\big(-C\hat L(\rho) - (\mathrm{KL}(\rho\|\pi)
       + \log(1/\delta))/n\big)}{1 - e^{-C}}.

    Examples
    --------
    >>> round(pac_bayes_catoni(0.1, 5.0, 1000, 0.05, C=1.0), 6)
    0.161945
    """
    r, k, n, delta = _pac_bayes_args(empirical_risk, kl, n, delta, 1)
    C = _check_positive("C", C)
    num = -math.expm1(-C * r - (k + math.log(1.0 / delta)) / n)
    den = -math.expm1(-C)
    return min(1.0, _up(num / den))


# ---------------------------------------------------------------------------- inversions
def _smallest_n(
    deviation: Callable[[int], float], eps: float, *, guess: float, minimum: int = 1
) -> int:
    """Smallest integer n >= minimum with deviation(n) <= eps, for deviation decreasing in n.

    ``deviation`` is itself rounded outwards, so the returned n is never too small.
    """
    if not math.isfinite(guess):
        raise BoundkitError("the sample size needed is not finite")
    hi = max(minimum, int(math.ceil(guess)))
    while deviation(hi) > eps:
        hi *= 2
        if hi > 2**62:
            raise BoundkitError(f"no sample size reaches epsilon={eps!r}")
    lo = minimum - 1  # deviation(lo) > eps or lo below the domain
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if mid >= minimum and deviation(mid) <= eps:
            hi = mid
        else:
            lo = mid
    return hi
