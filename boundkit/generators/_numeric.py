r"""Vectorised numpy callables for symbolic expressions (numerically stabilised).

Expressions are rewritten before :func:`sympy.lambdify`: ``log(1 + x)`` becomes ``log1p(x)``,
``exp(x) - 1`` becomes ``expm1(x)`` (sympy's C99 optimisations), ``log(1 - exp(x))`` becomes a
two-branch ``log1mexp``, ``LambertW(exp(x))`` becomes the Wright omega function (no overflow
of ``exp``), the log of a power ``log(b**e)`` becomes ``e*log(b)`` (no overflow of the power),
and a difference of logs ``c*log(a) - c*log(b)`` becomes ``c*log_ratio(a, b, a - b)`` with the
difference ``a - b`` simplified symbolically (no cancellation when ``a/b`` is close to 1).
:func:`shifted_polynomial` rewrites a polynomial in the variable ``u - 1`` (no cancellation
near ``u = 1``). Every call runs under ``numpy.errstate(all="ignore")``: the Piecewise branches not
selected may overflow or produce NaN without affecting the result.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import scipy.special as sc
import sympy as sp
from sympy.codegen.cfunctions import expm1
from sympy.codegen.rewriting import FuncMinusOneOptim, ReplaceOptim, optimize, optims_c99


class _Expm1NoFactor(FuncMinusOneOptim):
    """``exp(x) - 1 -> expm1(x)`` without sympy's ``factor()`` attempt (slow on radicals)."""

    def __call__(self, expr):
        return self.cheapest(expr, ReplaceOptim.__call__(self, expr))


_OPTIMS = (_Expm1NoFactor(sp.exp, expm1), *optims_c99[1:])

__all__ = [
    "lambdify_expression",
    "lambdify_near_one",
    "lambdify_stable",
    "log1mexp",
    "log_ratio",
    "shifted_polynomial",
]

_LN2 = float(np.log(2.0))


def log1mexp(x: np.ndarray) -> np.ndarray:
    r"""Stable :math:`\log(1 - e^x)` for :math:`x \le 0` (Maechler's two-branch rule).

    Parameters
    ----------
    x : array_like

    Returns
    -------
    numpy.ndarray

    Notes
    -----
    .. math:: \log(1-e^x) = \begin{cases}\log(-\operatorname{expm1}(x)) & x > -\log 2\\
              \operatorname{log1p}(-e^x) & x \le -\log 2\end{cases}

    Examples
    --------
    >>> bool(float(log1mexp(-50.0)) == -np.exp(-50.0))
    True
    """
    x = np.asarray(x, dtype=float)
    with np.errstate(all="ignore"):
        return np.where(x > -_LN2, np.log(-np.expm1(x)), np.log1p(-np.exp(x)))


def log_ratio(a: np.ndarray, b: np.ndarray, d: np.ndarray) -> np.ndarray:
    r"""Stable :math:`\log(a/b)` given :math:`d = a - b` computed without cancellation.

    Parameters
    ----------
    a, b : array_like
        Positive numbers.
    d : array_like
        :math:`a - b` (from a symbolically simplified difference).

    Returns
    -------
    numpy.ndarray

    Notes
    -----
    .. math:: \log\frac ab = \begin{cases}\operatorname{log1p}(d/b) & |d| \le |b|/2\\
              \log |a| - \log |b| & \text{otherwise}\end{cases}

    (NaN where a and b have opposite signs, as for the log of a negative number).

    Examples
    --------
    >>> u = 1e12
    >>> bool(abs(float(log_ratio(u, u + 1.0, -1.0)) + 1e-12) < 1e-24)
    True
    """
    a, b, d = (np.asarray(x, dtype=float) for x in (a, b, d))
    with np.errstate(all="ignore"):
        near = np.abs(d) <= 0.5 * np.abs(b)
        far = np.where(a * b > 0, np.log(np.abs(a)) - np.log(np.abs(b)), np.nan)
        return np.where(near, np.log1p(d / b), far)


class _LogRatio(sp.Function):
    """log(a/b) with d = a - b, printed as a call to :func:`log_ratio`."""

    nargs = 3


class _Log1mExp(sp.Function):
    """log(1 - exp(x)), printed as a call to :func:`log1mexp`."""

    nargs = 1


class _WrightOmega(sp.Function):
    """LambertW(exp(x)), printed as a call to :func:`scipy.special.wrightomega`."""

    nargs = 1


def _lambertw_real(x):
    return np.real(sc.lambertw(x))


def _log_of_power(n: sp.log) -> sp.Expr:
    """``log(b**e) -> e*log(b)`` (``e*log|b|`` for an even integer e): b > 0 where real."""
    base, ex = n.args[0].as_base_exp()
    if ex.is_Integer and ex.is_even:
        return ex * sp.log(sp.Abs(base))
    return ex * sp.log(base)


def _combine_log_pairs(add: sp.Add) -> sp.Expr:
    """``c*log(a) - c*log(b) -> c*_LogRatio(a, b, a - b)`` inside one sum."""
    terms = list(add.args)
    logs: dict[int, tuple[sp.Expr, sp.Expr]] = {}
    for i, term in enumerate(terms):
        coeff, rest = term.as_coeff_Mul()
        if isinstance(rest, sp.log):
            logs[i] = (coeff, rest.args[0])
    used: set[int] = set()
    out: list[sp.Expr] = []
    for i, (c, a) in logs.items():
        if i in used or c <= 0:
            continue
        for j, (c2, b) in logs.items():
            if j in used or j == i or c2 != -c:
                continue
            diff = sp.cancel(sp.expand(a - b))
            if diff.is_zero:
                continue
            used.update((i, j))
            out.append(c * _LogRatio(a, b, diff))
            break
    if not used:
        return add
    return sp.Add(*out, *[t for k, t in enumerate(terms) if k not in used])


def shifted_polynomial(expr: sp.Expr, sym: sp.Symbol, *, max_degree: int = 64) -> sp.Expr:
    r"""A polynomial in ``sym`` written in Horner form in the variable ``sym - 1``.

    Parameters
    ----------
    expr : sympy.Expr
    sym : sympy.Symbol
    max_degree : int
        Polynomials of higher degree (and non-polynomials) are returned unchanged.

    Returns
    -------
    sympy.Expr
        The same polynomial; evaluated near ``sym = 1`` it has no cancellation between
        expanded terms.

    Notes
    -----
    .. math:: f(u) = \sum_k c_k (u - 1)^k, \qquad c_k = f^{(k)}(1)/k!.

    Examples
    --------
    >>> u = sp.Symbol("u", positive=True)
    >>> shifted_polynomial(u**4 - 4*u**3 + 6*u**2 - 4*u + 1, u)
    (u - 1)**4
    """
    if not expr.is_polynomial(sym) or not expr.has(sym):
        return expr
    w = sp.Dummy("w")
    try:
        poly = sp.Poly(expr, sym)
        if poly.degree() > max_degree:
            return expr
        shifted = sp.Poly(poly.as_expr().subs(sym, w + 1), w)
    except sp.PolynomialError:
        return expr
    return sp.horner(shifted.as_expr(), w).subs(w, sym - 1)


def _outside_omega(e: sp.Expr) -> set[sp.Symbol]:
    """Free symbols of the terms of a sum that do not contain a Wright omega."""
    return set().union(*(a.free_symbols for a in sp.Add.make_args(e) if not a.has(_WrightOmega)))


def _omega_identity(add: sp.Add) -> sp.Expr:
    r"""Use :math:`\omega(z) = z - \log\omega(z)` where it removes a cancellation.

    In a sum :math:`c\,\omega(z) + r` whose other terms :math:`r` contain :math:`-cz` (the
    Jeffreys conjugate :math:`\omega(1-t) + 1/\omega(1-t) + t - 2`, where :math:`\omega
    \approx -t` cancels against :math:`t` as :math:`t \to -\infty` and loses every digit
    by :math:`t = -10^{20}`), rewrite it as :math:`r + cz - c\log\omega(z)`; kept only when the
    linear terms cancel symbolically (a symbol leaves the terms outside :math:`\omega`).
    Elsewhere the rewrite would create a cancellation (:math:`z - \log\omega(z)` for
    :math:`z \to -\infty`), so the sum is left alone."""
    before = _outside_omega(add)
    for term in add.args:
        c, w = term.as_coeff_Mul()
        if not isinstance(w, _WrightOmega) or not c.is_number:
            continue
        z = w.args[0]
        cand = sp.Add(*(a for a in add.args if a is not term)) + c * z - c * sp.log(w)
        if _outside_omega(cand) < before:
            return cand
    return add


def _stabilise(expr: sp.Expr) -> sp.Expr:
    e = expr
    e = e.replace(lambda n: isinstance(n, sp.log) and isinstance(n.args[0], sp.Pow), _log_of_power)
    # log(1/x) -> -log(x); log(-1/x) -> -log(-x)
    e = e.replace(
        lambda n: isinstance(n, sp.log) and isinstance(n.args[0], sp.Pow) and n.args[0].exp == -1,
        lambda n: -sp.log(n.args[0].base),
    )
    e = e.replace(
        lambda n: (
            isinstance(n, sp.log)
            and isinstance(n.args[0], sp.Mul)
            and len(n.args[0].args) == 2
            and n.args[0].args[0] == -1
            and isinstance(n.args[0].args[1], sp.Pow)
            and n.args[0].args[1].exp == -1
        ),
        lambda n: -sp.log(-n.args[0].args[1].base),
    )
    e = e.replace(
        lambda n: isinstance(n, sp.LambertW) and len(n.args) == 1 and isinstance(n.args[0], sp.exp),
        lambda n: _WrightOmega(n.args[0].args[0]),
    )
    e = e.replace(lambda n: isinstance(n, sp.Add) and n.has(_WrightOmega), _omega_identity)
    e = e.replace(lambda n: isinstance(n, sp.Add) and n.has(sp.log), _combine_log_pairs)
    if not e.has(sp.exp, sp.log):
        return e  # nothing for the C99 rewrites (they are slow on long polynomials)
    try:
        e = optimize(e, _OPTIMS)
    except Exception:  # noqa: BLE001 - optimisation is best effort: keep the rewrites so far
        pass
    e = e.replace(
        lambda n: (
            isinstance(n, sp.log)
            and isinstance(n.args[0], sp.Mul)
            and len(n.args[0].args) == 2
            and n.args[0].args[0] == -1
            and isinstance(n.args[0].args[1], expm1)
        ),
        lambda n: _Log1mExp(n.args[0].args[1].args[0]),
    )
    return e


def stable_modules() -> list:
    """The ``modules`` argument of :func:`sympy.lambdify` for a stabilised expression.

    Returns
    -------
    list
        The numpy implementations of the helper functions of :func:`lambdify_stable`
        (``log1mexp``, ``log_ratio``, Wright omega, real Lambert W), then ``"numpy"``.
    """
    return [
        {
            "_Log1mExp": log1mexp,
            "_LogRatio": log_ratio,
            "_WrightOmega": sc.wrightomega,
            "LambertW": _lambertw_real,
        },
        "numpy",
    ]


def _repeats_a_call(expr: sp.Expr) -> bool:
    """Whether a function call of the variable (not a constant such as ``log(2)``) occurs twice."""
    calls = [n for n in sp.preorder_traversal(expr) if isinstance(n, sp.Function)]
    seen: set[sp.Expr] = set()
    for c in calls:
        if c.free_symbols and c in seen:
            return True
        seen.add(c)
    return False


def lambdify_expression(stable: sp.Expr, sym: sp.Symbol) -> Callable[..., Any]:
    r""":func:`sympy.lambdify` of an already stabilised expression (the modules of
    :func:`stable_modules`), with a function call that occurs twice (Jeffreys'
    :math:`-\log\omega(1-t) - 1 + 1/\omega(1-t)`) evaluated once: common-subexpression
    elimination only then, since it reorders the terms of sums (other rounding)."""
    return sp.lambdify(sym, stable, modules=stable_modules(), cse=_repeats_a_call(stable))


def lambdify_stable(expr: sp.Expr, sym: sp.Symbol) -> Callable[[np.ndarray], np.ndarray]:
    r"""Compile ``expr`` (in ``sym``) to a vectorised float64 function.

    Parameters
    ----------
    expr : sympy.Expr
        Expression, possibly a Piecewise, with ``sym`` as its only free symbol.
    sym : sympy.Symbol

    Returns
    -------
    callable
        ``fn(x) -> ndarray`` of the shape of ``x`` (float64).

    Notes
    -----
    The numerical form is the stabilised expression (``log1p``, ``expm1``, ``log1mexp``,
    Wright omega); :math:`\pm\infty` inside the expression map to ``numpy.inf``.

    Examples
    --------
    >>> t = sp.Symbol("t", real=True)
    >>> fn = lambdify_stable(sp.exp(t) - 1, t)
    >>> float(fn(np.array(1e-20)))
    1e-20
    """
    stable = _stabilise(expr)
    fn = lambdify_expression(stable, sym)

    def call(x: np.ndarray) -> np.ndarray:
        with np.errstate(all="ignore"):
            out = fn(x)
        out = np.asarray(out)
        if np.iscomplexobj(out):
            out = out.real
        if out.shape != np.shape(x) or out.dtype != np.float64:
            out = np.broadcast_to(out, np.shape(x)).astype(np.float64)
        return out

    call.expression = stable  # type: ignore[attr-defined]
    return call


def lambdify_near_one(expr: sp.Expr, sym: sp.Symbol) -> Callable[[np.ndarray], np.ndarray]:
    r"""Like :func:`lambdify_stable`, with a polynomial evaluated in ``sym - 1`` near 1.

    Parameters
    ----------
    expr : sympy.Expr
    sym : sympy.Symbol

    Returns
    -------
    callable

    Notes
    -----
    For a polynomial :math:`f(u) = \sum_k c_k (u-1)^k` (see :func:`shifted_polynomial`) the
    shifted form is used for :math:`|u - 1| \le 1/2` (no cancellation: :math:`(u-1)^4` at
    :math:`u = 1 + 10^{-6}` is :math:`10^{-24}`), the given form elsewhere (the shifted form of
    a high power cancels far from 1).

    Examples
    --------
    >>> u = sp.Symbol("u", positive=True)
    >>> fn = lambdify_near_one(sp.expand((u - 1) ** 4), u)
    >>> float(fn(np.array(1.0 + 2.0**-20)))  # exactly 2**-80
    8.271806125530277e-25
    """
    plain = lambdify_stable(expr, sym)
    shifted = shifted_polynomial(expr, sym)
    if shifted == expr:
        return plain
    near = lambdify_stable(shifted, sym)

    def call(x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=float)
        with np.errstate(invalid="ignore"):
            close = np.abs(x - 1.0) <= 0.5
        return np.where(close, near(x), plain(x))

    call.expression = shifted  # type: ignore[attr-defined]
    return call
