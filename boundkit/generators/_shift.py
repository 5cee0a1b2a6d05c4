r"""The shifted conjugate functional :math:`\Lambda_f^Q[h]` and its optimal shift."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy as sp
from scipy.optimize import brentq
from scipy.special import logsumexp

from boundkit._errors import BoundkitError, SolverError
from boundkit.generators._expr import T

__all__ = ["ShiftFunctional", "shift_functional"]


@dataclass(frozen=True)
class ShiftFunctional:
    r"""Result of :func:`shift_functional`.

    Attributes
    ----------
    value : float
        :math:`\Lambda_f^Q[h] = \min_\nu \{\nu + \sum_i w_i f^*(h_i - \nu)\}` (``inf`` when
        no shift puts every :math:`h_i - \nu` in :math:`\mathrm{dom} f^*`, which cannot happen
        for finite h).
    nu : float
        The optimal shift :math:`\nu_h`.
    ratio : numpy.ndarray
        :math:`(f^*)'(h_i - \nu_h)`, the density ratio :math:`dQ_h/dQ` at the atoms
        (shape of ``h``; ``inf`` where the minimiser sits on the boundary of the domain).
    mass : float
        :math:`\sum_i w_i (f^*)'(h_i - \nu_h)`; 1 when the first-order condition holds.
    method : str
        ``"logsumexp"`` (exponential links such as KL), ``"root"`` (monotone root-find) or
        ``"boundary"`` (minimum at the edge of the domain, first-order condition not met).
    iterations : int
        Root-finder iterations (0 for the closed form).
    n : int
        Number of atoms with positive weight.
    """

    value: float
    nu: float
    ratio: np.ndarray
    mass: float
    method: str
    iterations: int
    n: int


def _exp_link(g: Any) -> tuple[float, float] | None:
    """``(c, d)`` when the link is ``exp(t + c)`` and ``f* = link + d``; else None."""
    link = getattr(g, "link_expr", None)
    conj = getattr(g, "conjugate_expr", None)
    if not getattr(g, "closed_form", False) or link is None or conj is None:
        return None
    if not isinstance(link, sp.exp):
        return None
    arg = sp.expand(link.args[0])
    if sp.diff(arg, T) != 1:
        return None
    c = arg - T
    d = sp.simplify(conj - link)
    if c.free_symbols or d.free_symbols:
        return None
    return float(c), float(d)


def shift_functional(g: Any, h: Any, weights: Any = None) -> ShiftFunctional:
    r"""Shifted conjugate functional :math:`\Lambda_f^Q[h]` of a finite (weighted) Q.

    Parameters
    ----------
    g : Generator or str
        The generator (a name or expression is passed to :func:`get_generator`).
    h : array_like, shape (n,)
        Values :math:`h(x_i)` of the discriminator at the atoms (or samples) of Q.
    weights : array_like, shape (n,), optional
        Probabilities :math:`w_i \ge 0` summing to 1 (uniform when omitted). Atoms with zero
        weight are ignored.

    Returns
    -------
    ShiftFunctional
        ``value`` and the optimal shift ``nu`` (plus the density ratio of the refined model).

    Raises
    ------
    BoundkitError
        If h is not finite, or the weights are not a probability vector of the same length.
    SolverError
        If the root-find does not converge.

    Notes
    -----
    .. math::

        \Lambda_f^Q[h] = \inf_{\nu \in \mathbb R}\Big\{\nu + \sum_i w_i f^*(h_i - \nu)\Big\},
        \qquad \sum_i w_i (f^*)'(h_i - \nu_h) = 1,

    where :math:`w` are the weights of Q and :math:`h_i = h(x_i)`. The objective is convex in
    :math:`\nu` with derivative :math:`1 - \sum_i w_i (f^*)'(h_i - \nu)`, non-decreasing in
    :math:`\nu`, so :math:`\nu_h` is found by bisection safeguarded Brent root-finding inside
    :math:`[\min_i h_i - c, \max_i h_i - c]`, :math:`c` the point where :math:`(f^*)'(c) = 1`
    (:math:`c = f'(1)`). For exponential links :math:`(f^*)'(t) = e^{t + c}` (KL) the answer is
    closed form: :math:`\nu_h = \log \sum_i w_i e^{h_i} + c`, e.g.
    :math:`\Lambda_{\rm KL}^Q[h] = \log \sum_i w_i e^{h_i}`.

    Examples
    --------
    >>> import numpy as np
    >>> lam = shift_functional("kl", np.array([0.0, np.log(3.0)]), np.array([0.5, 0.5]))
    >>> round(lam.value, 12), round(lam.nu, 12)
    (0.69314718056, -0.30685281944)
    >>> lam = shift_functional("pearson", np.array([0.0, 1.0]), np.array([0.5, 0.5]))
    >>> round(lam.mass, 12)
    1.0
    """
    if isinstance(g, str):
        from boundkit.generators._catalogue import get_generator

        g = get_generator(g)
    h = np.asarray(h, dtype=float)
    if h.ndim != 1 or h.size == 0:
        raise BoundkitError(f"h must be a non-empty 1-d array, got shape {h.shape}")
    if not np.all(np.isfinite(h)):
        raise BoundkitError("h must be finite")
    if weights is None:
        w = np.full(h.shape, 1.0 / h.size)
    else:
        w = np.asarray(weights, dtype=float)
        if w.shape != h.shape:
            raise BoundkitError(f"weights have shape {w.shape}, expected {h.shape} (like h)")
        if not np.all(np.isfinite(w)) or np.any(w < 0):
            raise BoundkitError("weights must be finite and non-negative")
        total = float(w.sum())
        if abs(total - 1.0) > 1e-8:
            raise BoundkitError(f"weights must sum to 1, got {total:.12g}")
        w = w / total
    keep = w > 0
    hk, wk = h[keep], w[keep]
    n = int(hk.size)

    exp = _exp_link(g)
    if exp is not None:
        c, d = exp
        nu = float(logsumexp(hk, b=wk)) + c
        value = nu + 1.0 + d
        ratio = np.exp(h - nu + c)
        return ShiftFunctional(value, nu, ratio, float(np.sum(w * ratio)), "logsumexp", 0, n)

    c = _unit_link_point(g)

    def mass(nu: float) -> float:
        with np.errstate(all="ignore"):
            return float(np.sum(wk * g.link(hk - nu)))

    lo, hi = float(hk.min() - c), float(hk.max() - c)
    # widen slightly so both ends bracket even with rounding
    span = max(hi - lo, 1.0)
    lo -= 1e-9 * span
    hi += 1e-9 * span
    while mass(hi) > 1.0:
        hi += span
    m_lo = mass(lo)
    while m_lo < 1.0 and np.isfinite(m_lo):
        lo -= span
        m_lo = mass(lo)
        if lo < hk.min() - c - 1e6 * span:
            break
    iterations = 0
    # bisect until the lower end has a finite mass (the link may be +inf near dom's edge)
    while not np.isfinite(m_lo) and iterations < 200:
        mid = 0.5 * (lo + hi)
        m_mid = mass(mid)
        iterations += 1
        if m_mid >= 1.0:
            lo, m_lo = mid, m_mid
        else:
            hi = mid
        if hi - lo <= 4 * np.finfo(float).eps * max(1.0, abs(hi)):
            break
    method = "root"
    if np.isfinite(m_lo) and m_lo > 1.0 and mass(hi) < 1.0:
        try:
            nu, info = brentq(
                lambda x: mass(x) - 1.0,
                lo,
                hi,
                xtol=1e-14,
                rtol=4 * np.finfo(float).eps,
                maxiter=200,
                full_output=True,
            )
        except (RuntimeError, ValueError) as exc:
            raise SolverError(f"shift_functional: brentq failed ({exc})") from None
        iterations += int(info.iterations)
        if not info.converged:
            raise SolverError(f"shift_functional: brentq did not converge ({info.flag})")
        # a discontinuous mass (piecewise-linear f*): take the right end of the jump
        nu = float(nu)
    elif np.isfinite(m_lo) and m_lo == 1.0:
        nu = lo
    else:
        nu = hi
        if not np.isfinite(m_lo):
            method = "boundary"
    with np.errstate(all="ignore"):
        vals = g.conjugate(hk - nu)
    value = float(nu + np.sum(wk * vals))
    if not np.isfinite(value):
        raise SolverError(f"shift_functional: objective is not finite at nu = {nu!r}")
    with np.errstate(all="ignore"):
        ratio = np.asarray(g.link(h - nu), dtype=float)
    return ShiftFunctional(value, nu, ratio, mass(nu), method, iterations, n)


def _unit_link_point(g: Any) -> float:
    """A point c with (f*)'(c) = 1 (c = f'(1) for differentiable f)."""
    try:
        c = float(g.fprime_at_1)
    except (TypeError, ValueError):
        raise BoundkitError(
            f"generator {getattr(g, 'name', g)} needs numeric parameters for shift_functional"
        ) from None
    return c
