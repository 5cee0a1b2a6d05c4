r"""The one finite f-divergence :math:`\sum_i q_i f(p_i/q_i)`, through the perspective of f.

Two things go wrong when :math:`q_i f(p_i/q_i)` is evaluated as written:

* **overflow**: with tiny masses :math:`q_i \approx 10^{-300}` the ratio :math:`p_i/q_i`
  overflows although the term is moderate (KL: :math:`p\log(p/q) \approx 690 p`). Where
  :math:`p_i > 10^6 q_i` the term is evaluated as :math:`p_i \tilde f(q_i/p_i)` with the reversed
  generator :math:`\tilde f(v) = v f(1/v)` (derived symbolically, logs expanded so that no
  :math:`1/v` is formed), whose value at 0 is :math:`f'(\infty)`;
* **cancellation** near :math:`P = Q`: every term is :math:`O(p_i - q_i)` while their sum is
  :math:`O((p - q)^2)`. The sum is taken in the standard form
  :math:`\phi(u) = f(u) - f(1) - f'(1)(u - 1) \ge 0` (the same divergence for probability
  vectors), evaluated in the variable :math:`r = (p - q)/q` (``log1p``, ``expm1``), whose
  terms do not cancel, and for :math:`|r| \le 10^{-2}`, :math:`r = (p-q)/q`,
  :math:`\phi(1 + r)` is its Taylor polynomial of degree 10 at 1 (the derivatives of f at 1 are
  derived symbolically). Generators with a kink at 1 (total variation) have :math:`\phi =
  O(|r|)` and need no expansion.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy as sp

from boundkit._errors import BoundkitError
from boundkit._validation import WEIGHT_SUM_TOL
from boundkit.generators._conjugate_forms import raw_lambdify as _raw
from boundkit.generators._expr import U
from boundkit.generators._generator import _float
from boundkit.generators._numeric import lambdify_stable

__all__ = ["perspective_divergence", "perspective_terms"]

_V = sp.Symbol("v", positive=True)
_R = sp.Symbol("r", real=True)
_UP = sp.Symbol("u", positive=True)
#: below this |r| = |p - q| / q the standard form is evaluated by its Taylor polynomial
_R_SERIES = 1e-2
#: below this r (p < q / 1000) the term is f at u = p/q (the digits of a tiny p are kept)
_R_FORWARD = -0.999
#: above this r the term is evaluated through the reversed generator (no overflow)
_R_REVERSED = 1e6
_DEGREE = 10
#: supports up to this size take the scalar path (numpy's per-call cost dominates there)
_SCALAR_MAX = 16


@dataclass(frozen=True)
class _Perspective:
    """Compiled pieces of the stable perspective of one generator."""

    f: Callable[[np.ndarray], np.ndarray]  # f(u) on (0, 1e-3)
    phi: Callable[[np.ndarray], np.ndarray]  # f(1 + r) - f(1) - f'(1) r on [-0.999, 1e6]
    f_rev: Callable[[np.ndarray], np.ndarray]  # v f(1/v) on (0, 1]
    f0: float  # f(0+)
    f1: float  # f(1)
    fp1: float  # f'(1) (right derivative at a kink)
    fpinf: float  # f'(inf)
    series: tuple[float, ...]  # f^(n)(1)/n!, n = 2..degree (empty when f has a kink at 1)
    phi_scalar: Callable[[float], float] | None  # phi on one float (math module), if it compiles


def _reversed_expr(f: sp.Expr) -> sp.Expr:
    r""":math:`v f(1/v)` with the arguments of logs and absolute values put over one
    denominator, the logs expanded and the products multiplied out: no :math:`1/v` is left
    inside a function, where it would overflow for tiny :math:`v`."""
    e = _V * f.subs(U, 1 / _V)
    e = e.replace(
        lambda n: isinstance(n, sp.log | sp.Abs), lambda n: n.func(sp.together(n.args[0]))
    )
    return sp.expand(sp.expand_log(e, force=True))


def _standard_expr(f: sp.Expr, f1: sp.Expr, fp1: sp.Expr) -> sp.Expr:
    r""":math:`\phi(1 + r) = f(1 + r) - f(1) - f'(1) r` in the variable :math:`r`."""
    return f.subs(U, 1 + _R) - f1 - fp1 * _R


def _taylor(f: sp.Expr) -> tuple[float, ...]:
    r""":math:`f^{(n)}(1)/n!` for :math:`n = 2, \dots, 10` (empty when not all finite)."""
    out = []
    d = sp.diff(f, U)
    for n in range(2, _DEGREE + 1):
        d = sp.diff(d, U)
        val = d.subs(U, 1)
        try:
            c = float(val) / float(sp.factorial(n))
        except (TypeError, ValueError):
            return ()
        if not np.isfinite(c):
            return ()
        out.append(c)
    return tuple(out)


#: errors a math-module function raises where the numpy one returns nan or inf
_SCALAR_ERRORS = (ValueError, OverflowError, ZeroDivisionError, TypeError)


def _scalar_phi(phi: Callable[[np.ndarray], np.ndarray]) -> Callable[[float], float] | None:
    r"""The stabilised :math:`\phi(1 + r)` of the vectorised ``phi`` (its ``.expression``)
    compiled for one Python float (``math`` module).

    Kept only when it compiles with the ``math`` module and agrees with ``phi`` to 1e-13 on
    test points across :math:`[-0.999, 10^6]` (a helper without a scalar version, such as
    Wright omega, leaves ``None`` and the numpy path)."""
    stable = phi.expression  # type: ignore[attr-defined]
    try:
        fn = sp.lambdify(_R, stable, modules="math")
        r_test = np.array([-0.999, -0.5, -1e-3, 0.0, 1e-3, 0.3, 2.0, 1e3, 1e6])
        scalar = np.array([float(fn(float(r))) for r in r_test])
    except (NameError, *_SCALAR_ERRORS):
        return None
    with np.errstate(all="ignore"):
        vector = np.asarray(phi(r_test), dtype=float)
    if not np.allclose(scalar, vector, rtol=1e-13, atol=1e-300, equal_nan=False):
        return None
    return fn


def _compile(g: Any) -> _Perspective:
    cache = getattr(g, "_cache", None)
    if cache is not None and "perspective" in cache:
        return cache["perspective"]
    if getattr(g, "is_symbolic", False):
        g._need_numeric()
    f = g.f
    f1_expr, fp1_expr = f.subs(U, 1), g.fprime_at_1
    phi = _raw(_standard_expr(f, f1_expr, fp1_expr), _R)
    fpinf = _float(g.fprime_at_inf)
    f_rev = lambdify_stable(_reversed_expr(f), _V)
    v_test = np.array([1e-3, 0.1, 0.5, 0.9, 1.0])
    with np.errstate(all="ignore"):
        direct = v_test * np.asarray(g.f_numeric(1.0 / v_test), dtype=float)
    if not np.allclose(f_rev(v_test), direct, rtol=1e-10, atol=1e-13):
        # the symbolic rewrite did not hold up: v f(1/v) as written, f'(inf) where it overflows
        def f_rev(v: np.ndarray, _f=g.f_numeric) -> np.ndarray:
            with np.errstate(all="ignore"):
                out = v * np.asarray(_f(1.0 / v), dtype=float)
            return np.where(np.isfinite(out), out, fpinf)

    smooth = isinstance(g.subdifferential_at_1, sp.FiniteSet)
    comp = _Perspective(
        f=lambdify_stable(f.subs(U, _UP), _UP),
        phi=phi,
        f_rev=f_rev,
        f0=_float(g.f_at_0),
        f1=_float(f1_expr),
        fp1=_float(fp1_expr),
        fpinf=fpinf,
        series=_taylor(f) if smooth else (),
        phi_scalar=_scalar_phi(phi),
    )
    if cache is not None:
        cache["perspective"] = comp
    return comp


_MIN, _MAX, _SUM = np.minimum.reduce, np.maximum.reduce, np.add.reduce


def _check_pair(p: Any, q: Any) -> tuple[np.ndarray, np.ndarray, bool]:
    P = np.asarray(p, dtype=float)
    Q = np.asarray(q, dtype=float)
    batched = P.ndim == 2 or Q.ndim == 2
    if P.ndim not in (1, 2) or Q.ndim not in (1, 2) or P.shape[-1] != Q.shape[-1]:
        raise BoundkitError(
            f"p and q must be probability vectors of one length, got shapes {P.shape} and {Q.shape}"
        )
    if P.shape[-1] == 0:
        raise BoundkitError("p and q are empty")
    for name, A in (("p", P), ("q", Q)):
        # min >= 0 rejects NaN and -inf; a sum within the tolerance of 1 rejects +inf
        if not _MIN(A, axis=None) >= 0.0:
            raise BoundkitError(f"{name} must be finite and non-negative")
        total = _SUM(A, axis=-1)
        ok = (
            abs(float(total) - 1.0) <= WEIGHT_SUM_TOL
            if A.ndim == 1
            else bool(_MAX(np.abs(total - 1.0), axis=None) <= WEIGHT_SUM_TOL)
        )
        if not ok:
            raise BoundkitError(f"{name} must sum to 1 (normalise it first, e.g. w / w.sum())")
    if batched:
        P, Q = np.broadcast_arrays(np.atleast_2d(P), np.atleast_2d(Q))
    return P, Q, batched


def _series(c: _Perspective, r: np.ndarray, q: np.ndarray, out: np.ndarray) -> np.ndarray:
    r"""Replace the terms with :math:`|r| \le 10^{-2}` by :math:`q r^2 \sum_n c_n r^{n-2}`,
    truncated where :math:`|r|^{n-2}` falls below :math:`10^{-18}` (relative to the first)."""
    a = np.abs(r)
    if not _MIN(a, axis=None) <= _R_SERIES:
        return out
    near = a <= _R_SERIES
    top = float(a[near].max())
    n = len(c.series)
    if top > 0.0:
        n = min(n, 1 + int(np.ceil(18.0 / max(-np.log10(top), 1e-300))))
    return np.where(near, q * r * r * _horner(c.series[:n], r), out)


def _horner(coefs: tuple[float, ...], r: Any) -> Any:
    r""":math:`\sum_n c_n r^n` by Horner's rule (a float or an array ``r``)."""
    poly = coefs[-1]
    for coef in coefs[-2::-1]:
        poly = coef + r * poly
    return poly


def _terms(c: _Perspective, p: np.ndarray, q: np.ndarray) -> np.ndarray:
    r"""The terms :math:`q_i\phi(p_i/q_i)` (and :math:`(f'(\infty) - f'(1)) p_i` where
    :math:`q_i = 0`)."""
    d = p - q
    r = d / q
    if _MIN(r, axis=None) >= _R_FORWARD and _MAX(r, axis=None) <= _R_REVERSED:  # usual case
        out = q * c.phi(r)
        return _series(c, r, q, out) if c.series else out
    big = r > _R_REVERSED
    small = r < _R_FORWARD
    out = q * c.phi(np.where(big | small, 0.0, r))
    if small.any():  # p << q: f at u = p/q itself keeps the digits of a tiny p
        u = np.where(small, p / q, 1e-3)
        fu = np.where(u > 0, c.f(u), c.f0)
        out = np.where(small, q * (fu - c.f1) - c.fp1 * d, out)
    if big.any():
        rev = p * c.f_rev(np.where(big, q / p, 1.0)) - q * c.f1 - c.fp1 * d
        out = np.where(big, rev, out)
    if c.series:
        out = _series(c, r, q, out)
    null = q == 0
    if null.any():
        slope = c.fpinf - c.fp1
        out = np.where(null, np.where(p > 0, slope * p, 0.0), out)
    return out


def _one_pair(c: _Perspective, p: Any, q: Any) -> float | None:
    r"""The usual case in few operations (a small support is dominated by them): one pair of
    valid vectors with :math:`q \ge 10^{-290}` and :math:`10^{-3} \le p_i/q_i \le 10^6`,
    where every term is :math:`q_i\phi(1 + r_i)`. ``None`` sends every other input to the
    general path (which also produces the error messages); :math:`p \ge 0` follows from
    :math:`r \ge -1`."""
    P = np.asarray(p, dtype=float)
    Q = np.asarray(q, dtype=float)
    if P.ndim != 1 or P.shape != Q.shape or P.size == 0:
        return None
    if P.size <= _SCALAR_MAX and c.phi_scalar is not None:
        return _one_small_pair(c, c.phi_scalar, P.tolist(), Q.tolist())
    if not _MIN(Q) >= 1e-290:
        return None  # (q >= 1e-290 and p <= 1: (p - q)/q cannot overflow)
    if not (
        abs(float(_SUM(P)) - 1.0) <= WEIGHT_SUM_TOL and abs(float(_SUM(Q)) - 1.0) <= WEIGHT_SUM_TOL
    ):
        return None
    r = (P - Q) / Q
    if not (_MIN(r) >= _R_FORWARD and _MAX(r) <= _R_REVERSED):
        return None
    out = Q * c.phi(r)
    if c.series:
        out = _series(c, r, Q, out)
    total = c.f1 + float(_SUM(out))
    return total if total == total else None


def perspective_divergence(g: Any, p: Any, q: Any) -> Any:
    r"""The f-divergence between probability vectors on one finite support.

    Parameters
    ----------
    g : Generator or str
    p, q : array_like, shape (k,) or (m, k)
        Probability vectors (non-negative, summing to 1); 2-d arrays are batches, one pair per
        row (a 1-d vector is shared by all rows).

    Returns
    -------
    float or numpy.ndarray
        :math:`D_f(P\|Q)` (shape (m,) for a batch); ``inf`` when infinite, never NaN.

    Raises
    ------
    BoundkitError
        When p or q is not a probability vector, or their lengths differ.

    Notes
    -----
    .. math::

        D_f(P\|Q) = \sum_{q_i > 0} q_i f\Big(\frac{p_i}{q_i}\Big) + f'(\infty)\sum_{q_i = 0} p_i
        = f(1) + \sum_{q_i > 0} q_i\,\phi\Big(\frac{p_i}{q_i}\Big)
          + \big(f'(\infty) - f'(1)\big)\sum_{q_i = 0} p_i,

    with :math:`\phi(u) = f(u) - f(1) - f'(1)(u-1) \ge 0` (the two forms agree because
    :math:`\sum_i p_i = \sum_i q_i = 1`), :math:`0 \cdot \infty = 0`, and for :math:`p_i > q_i`
    :math:`q_i f(p_i/q_i) = p_i \tilde f(q_i/p_i)`, :math:`\tilde f(v) = v f(1/v)`. At
    :math:`P = Q` the value is exactly :math:`f(1)` (0 for a normalised generator).

    Examples
    --------
    >>> round(perspective_divergence("kl", [0.5, 0.5], [0.25, 0.75]), 12)
    0.143841036226
    >>> perspective_divergence("kl", [0.5, 0.5], [1.0, 0.0])
    inf
    >>> perspective_divergence("kl", [0.5, 0.5], [0.5, 0.5])
    0.0
    """
    if isinstance(g, str):
        from boundkit.generators._catalogue import get_generator

        g = get_generator(g)
    c = _compile(g)
    fast = _one_pair(c, p, q)
    if fast is not None:
        return fast
    P, Q, batched = _check_pair(p, q)
    with np.errstate(all="ignore"):
        total = c.f1 + _SUM(_terms(c, P, Q), axis=-1)
    if batched:
        if np.isnan(total).any():
            raise BoundkitError("the generator returned NaN for f(u) on u >= 0")
        return total
    total = float(total)
    if total != total:
        raise BoundkitError("the generator returned NaN for f(u) on u >= 0")
    return total


def _one_small_pair(
    c: _Perspective, phi: Callable[[float], float], P: list[float], Q: list[float]
) -> float | None:
    r""":func:`_one_pair` on a small support, term by term in Python floats: the same
    :math:`q_i\phi(1 + r_i)` (``phi`` is the same stabilised expression compiled for the
    ``math`` module) and the same Taylor polynomial for :math:`|r_i| \le 10^{-2}`, without
    numpy's per-call cost, which dominates below a few dozen atoms. ``None`` as there."""
    if not (
        abs(sum(P) - 1.0) <= WEIGHT_SUM_TOL and abs(sum(Q) - 1.0) <= WEIGHT_SUM_TOL
    ):  # (a NaN or inf fails this too)
        return None
    series = c.series
    total = 0.0
    for p_i, q_i in zip(P, Q, strict=True):
        if not q_i >= 1e-290:
            return None
        r = (p_i - q_i) / q_i
        if not _R_FORWARD <= r <= _R_REVERSED:
            return None
        if series and -_R_SERIES <= r <= _R_SERIES:
            total += q_i * r * r * _horner(series, r)
            continue
        try:
            total += q_i * phi(r)
        except _SCALAR_ERRORS:
            return None
    total += c.f1
    return total if math.isfinite(total) else None


def perspective_terms(g: Any, p: Any, q: Any) -> np.ndarray:
    r"""The summands of :func:`perspective_divergence`, one per atom (its heavy-tail diagnostic).

    Parameters
    ----------
    g : Generator or str
    p, q : array_like, shape (k,) or (m, k)
        Probability vectors, as for :func:`perspective_divergence`.

    Returns
    -------
    numpy.ndarray
        The terms :math:`t_i \ge 0` (shape of the batch), with
        :math:`D_f(P\|Q) = f(1) + \sum_i t_i` exactly as :func:`perspective_divergence` sums them.

    Notes
    -----
    .. math::

        t_i = q_i\,\phi\Big(\frac{p_i}{q_i}\Big),\quad
        \phi(u) = f(u) - f(1) - f'(1)(u - 1),

    and :math:`t_i = (f'(\infty) - f'(1))\,p_i` where :math:`q_i = 0` (the same stabilised
    evaluation). When the atoms are a Monte Carlo sample, :math:`K t_i` are the summands of the
    estimate, whose tail (:func:`boundkit.duality.pareto_khat`) says whether the average can be
    trusted.

    Examples
    --------
    >>> t = perspective_terms("kl", [0.5, 0.5], [0.25, 0.75])
    >>> round(float(t.sum()), 12)
    0.143841036226
    """
    if isinstance(g, str):
        from boundkit.generators._catalogue import get_generator

        g = get_generator(g)
    c = _compile(g)
    P, Q, _ = _check_pair(p, q)
    with np.errstate(all="ignore"):
        out = np.asarray(_terms(c, P, Q), dtype=float)
    if np.isnan(out).any():
        raise BoundkitError("the generator returned NaN for f(u) on u >= 0")
    return out
