r"""The formulas of C6 and C7 as small pure functions (vectorised over their arguments)."""

from __future__ import annotations

from typing import Any

import numpy as np

from boundkit._errors import BoundkitError

__all__ = [
    "CLAIMS",
    "HIGH_PROBABILITY",
    "bound_terms",
    "c7_pointwise_rhs",
    "check_n_delta",
    "deviation_term",
    "hoeffding_term",
    "log_inverse_delta",
    "rademacher_multiplier",
    "sum_terms",
    "uniform_deviation",
]

#: The bounds :func:`boundkit.bounds.bound` evaluates.
CLAIMS: tuple[str, ...] = ("C6a", "C6b", "C6c", "C7")
#: The high-probability bounds (they need a range [a, b] and a delta).
HIGH_PROBABILITY: tuple[str, ...] = ("C6b", "C6c")


def check_n_delta(n: Any, delta: Any) -> None:
    """Raise :class:`BoundkitError` unless every n >= 2 is an integer and delta in (0, 1)."""
    n_arr = np.asarray(n)
    if n_arr.size == 0 or not np.all(np.isfinite(n_arr.astype(float))):
        raise BoundkitError(f"n must be an integer >= 2; got {n!r}")
    if np.any(n_arr.astype(float) != np.round(n_arr.astype(float))) or np.any(n_arr < 2):
        raise BoundkitError(f"n must be an integer >= 2; got {n!r}")
    d = np.asarray(delta, dtype=float)
    if not np.all((d > 0) & (d < 1)):
        raise BoundkitError(f"delta must lie in the open interval (0, 1); got {delta!r}")


def rademacher_multiplier(claim: str) -> float:
    r"""The factor in front of the Rademacher term: 2 for C6a/b/c, 4 for C7.

    Examples
    --------
    >>> rademacher_multiplier("C7")
    4.0
    """
    if claim not in CLAIMS:
        raise BoundkitError(f"unknown bound {claim!r}: expected one of {', '.join(CLAIMS)}")
    return 4.0 if claim == "C7" else 2.0


def deviation_term(claim: str, n: Any, delta: Any, width: Any) -> np.ndarray:
    r"""The deviation term of a high-probability bound (0 for C6a and C7).

    Parameters
    ----------
    claim : {"C6a", "C6b", "C6c", "C7"}
    n : int or array of int
        Sample size(s), at least 2.
    delta : float or array
        Confidence parameter(s) in (0, 1).
    width : float or array
        :math:`b - a`, the width of the range of the class.

    Returns
    -------
    ndarray
        Broadcast of the inputs.

    Notes
    -----
    .. math::

        \text{C6b: } 2(b-a)\sqrt{\frac{\log(2/\delta)}{2n}}, \qquad
        \text{C6c: } 4(b-a)\sqrt{\frac{\log(3/\delta)}{2n}}.

    Examples
    --------
    >>> round(float(deviation_term("C6b", 50, 0.05, 1.0)), 6)
    0.384129
    """
    rademacher_multiplier(claim)
    check_n_delta(n, delta)
    n_f = np.asarray(n, dtype=float)
    d = np.asarray(delta, dtype=float)
    w = np.asarray(width, dtype=float)
    if claim == "C6b":
        return 2.0 * hoeffding_term(n_f, d, w, confidence=2.0)
    if claim == "C6c":
        return 4.0 * hoeffding_term(n_f, d, w, confidence=3.0)
    return np.zeros(np.broadcast(n_f, d, w).shape)


#: The constant c of the sub-Gaussian tail :math:`e^{-c n t^2/(b-a)^2}` of Hoeffding and
#: McDiarmid (c = 2): every deviation term of :mod:`boundkit.bounds` divides by :math:`c n`.
HOEFFDING_EXPONENT = 2.0


def hoeffding_term(n: Any, delta: Any, width: Any, *, confidence: float = 1.0) -> np.ndarray:
    r"""The Hoeffding / McDiarmid deviation :math:`(b-a)\sqrt{\log(c/\delta)/(2n)}`,
    vectorised, without outward rounding.

    The one implementation of the deviation arithmetic: :func:`deviation_term` (C6b, C6c),
    :func:`uniform_deviation` (C9) and :func:`boundkit.bounds.hoeffding_deviation` call it.

    Parameters
    ----------
    n : int or array
        Sample size(s) (or, for McDiarmid, :math:`1/\sum_i c_i^2` in units of
        :math:`(b-a)^{-2}`), positive.
    delta : float or array
        Confidence parameter(s) in (0, 1].
    width : float or array
        :math:`b - a`.
    confidence : float
        :math:`c` in :math:`\log(c/\delta)` (1 one-sided, 2 two-sided or a union of two
        events, 3 a union of three).

    Notes
    -----
    From :math:`P(\mu - \bar X \ge t) \le e^{-2nt^2/(b-a)^2}`:

    .. math:: t = (b - a)\sqrt{\frac{\log(c/\delta)}{2n}},

    the 2 being :data:`HOEFFDING_EXPONENT`.

    Examples
    --------
    >>> round(float(hoeffding_term(100, 0.05, 1.0)), 6)
    0.122387
    """
    n_f = np.asarray(n, dtype=float)
    w = np.asarray(width, dtype=float)
    return w * np.sqrt(log_inverse_delta(confidence, delta) / (HOEFFDING_EXPONENT * n_f))


def uniform_deviation(
    rademacher: Any, n: Any, delta: Any, width: Any, *, empirical: bool = False
) -> np.ndarray:
    r"""C9's high-probability bound on :math:`\sup_{h\in\mathcal H}(E_P h - E_{P_n} h)` for a
    class with values in :math:`[a, b]` (Mohri et al., Thm 3.3), vectorised.

    Parameters
    ----------
    rademacher : float or array
        :math:`\mathfrak R_n(\mathcal H)` (``empirical=False``) or the sample's
        :math:`\hat{\mathfrak R}_S(\mathcal H)` (``empirical=True``).
    n, delta, width : int, float, float (or arrays)
        Sample size, confidence parameter, :math:`b - a`.
    empirical : bool
        Which form.

    Notes
    -----
    With probability at least :math:`1 - \delta`,

    .. math::

        \sup_{\mathcal H}(E_P h - E_{P_n} h) \le 2\mathfrak R_n + (b-a)
        \sqrt{\frac{\log(1/\delta)}{2n}}
        \quad\text{or}\quad
        \le 2\hat{\mathfrak R}_S + 3(b-a)\sqrt{\frac{\log(2/\delta)}{2n}},

    each deviation from :func:`hoeffding_term` (McDiarmid with differences :math:`(b-a)/n`).

    Examples
    --------
    >>> round(float(uniform_deviation(0.1, 100, 0.05, 1.0)), 6)
    0.322387
    """
    check_n_delta(n, delta)
    rad = 2.0 * np.asarray(rademacher, dtype=float)
    if empirical:
        return rad + 3.0 * hoeffding_term(n, delta, width, confidence=2.0)
    return rad + hoeffding_term(n, delta, width)


def log_inverse_delta(c: float, delta: Any) -> np.ndarray:
    r"""The confidence term :math:`\log(c/\delta)`, computed as :math:`\log c - \log\delta`.

    Written as a difference so that a tiny :math:`\delta` (e.g. ``1e-320``, where
    :math:`c/\delta` overflows) still gives the finite value.

    Notes
    -----
    .. math:: \log(c/\delta) = \log c - \log\delta .

    Examples
    --------
    >>> round(float(log_inverse_delta(2.0, 1e-320)), 6)
    737.520388
    """
    d = np.asarray(delta, dtype=float)
    return np.log(float(c)) - np.log(d)


def bound_terms(
    claim: str,
    *,
    population: Any,
    rademacher: Any,
    n: Any,
    delta: Any,
    width: Any = 0.0,
    refinement_divergence: Any = 0.0,
) -> dict[str, np.ndarray]:
    r"""The itemised terms of the bound ``claim``, vectorised over all arguments.

    The one implementation of the bound arithmetic: :func:`boundkit.bounds.bound` and the
    simulation harness (every bound column of :func:`boundkit.simulation.simulate`) sum these
    terms.

    Parameters
    ----------
    claim : {"C6a", "C6b", "C6c", "C7"}
    population : float or array
        :math:`\mathrm{KL}(P\|Q_{h^*})` (C6) or :math:`\mathrm{IPM}_\mathcal H(P, Q)` (C7).
    rademacher : float or array
        :math:`\mathfrak R_n` (C6a/C6b/C7) or :math:`\hat{\mathfrak R}_S` (C6c).
    n, delta : int and float, or arrays
        Sample size(s) and confidence parameter(s).
    width : float or array
        :math:`b - a` (used by C6b/C6c only).
    refinement_divergence : float or array
        :math:`D_f(Q_{h_n}\|Q)` (used by C7 only).

    Returns
    -------
    dict of str to ndarray
        ``population``, ``refinement``, ``rademacher`` and ``deviation``; the bound is their sum.

    Notes
    -----
    .. math::

        \text{C6a/b/c: } \mathrm{KL}(P\|Q_{h^*}) + 2\mathfrak R + \mathrm{dev}, \qquad
        \text{C7: } \mathrm{IPM}_\mathcal H(P,Q) - D_f(Q_{h_n}\|Q) + 4\mathfrak R_n,

    with the deviation term of :func:`deviation_term`.

    Examples
    --------
    >>> t = bound_terms("C6a", population=0.1, rademacher=0.02, n=100, delta=0.05)
    >>> round(float(sum(t.values())), 12)
    0.14
    """
    mult = rademacher_multiplier(claim)
    pop = np.asarray(population, dtype=float)
    rad = np.asarray(rademacher, dtype=float)
    ref = np.asarray(refinement_divergence, dtype=float) if claim == "C7" else np.zeros(())
    dev = deviation_term(claim, n, delta, width)
    shape = np.broadcast(pop, rad, ref, dev).shape
    return {
        "population": np.broadcast_to(pop, shape).astype(float),
        "refinement": np.broadcast_to(-ref, shape).astype(float),
        "rademacher": np.broadcast_to(mult * rad, shape).astype(float),
        "deviation": np.broadcast_to(dev, shape).astype(float),
    }


def sum_terms(terms: dict[str, Any]) -> np.ndarray:
    r"""The bound from its itemised terms (:func:`bound_terms`), summed in a fixed order.

    Notes
    -----
    .. math:: \text{bound} = \text{population} + \text{refinement} + \text{rademacher}
        + \text{deviation}.

    Examples
    --------
    >>> float(sum_terms(bound_terms("C7", population=1.0, rademacher=0.1, n=10, delta=0.1,
    ...                             refinement_divergence=0.5)))
    0.9
    """
    with np.errstate(over="ignore"):
        return (
            np.asarray(terms["population"], dtype=float)
            + terms["refinement"]
            + terms["rademacher"]
            + terms["deviation"]
        )


def c7_pointwise_rhs(
    ipm_base: Any, refinement_divergence: Any, dev_up: Any, dev_down: Any
) -> np.ndarray:
    r"""The right-hand side of the pointwise inequality behind C7 (per sample).

    Notes
    -----
    .. math::

        \mathrm{IPM}_\mathcal H(P, Q_{h_n}) \le \mathrm{IPM}_\mathcal H(P,Q)
        - D_f(Q_{h_n}\|Q) + \sup_{h}(E_P - E_{P_n})h + \sup_{h}(E_{P_n} - E_P)h;

    taking expectations, each supremum is at most :math:`2\mathfrak R_n`, which gives C7.

    Examples
    --------
    >>> float(c7_pointwise_rhs(1.0, 0.25, 0.1, 0.2))
    1.05
    """
    return (
        np.asarray(ipm_base, dtype=float)
        - np.asarray(refinement_divergence, dtype=float)
        + np.asarray(dev_up, dtype=float)
        + np.asarray(dev_down, dtype=float)
    )
