r"""Vectorised numpy callables for symbolic expressions (numerically stabilised).

Expressions are rewritten before :func:`sympy.lambdify`: ``log(1 + x)`` becomes ``log1p(x)``,
``exp(x) - 1`` becomes ``expm1(x)`` (sympy's C99 optimisations), ``log(1 - exp(x))`` becomes a
two-branch ``log1mexp`` and ``LambertW(exp(x))`` becomes the Wright omega function (no overflow
of ``exp``). Every call runs under ``numpy.errstate(all="ignore")``: the Piecewise branches not
selected may overflow or produce NaN without affecting the result.
"""

from __future__ import annotations

from collections.abc import Callable

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

__all__ = ["lambdify_stable", "log1mexp"]

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


class _Log1mExp(sp.Function):
    """log(1 - exp(x)), printed as a call to :func:`log1mexp`."""

    nargs = 1


class _WrightOmega(sp.Function):
    """LambertW(exp(x)), printed as a call to :func:`scipy.special.wrightomega`."""

    nargs = 1


def _lambertw_real(x):
    return np.real(sc.lambertw(x))


def _stabilise(expr: sp.Expr) -> sp.Expr:
    e = expr
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
    try:
        e = optimize(e, _OPTIMS)
    except Exception:  # noqa: BLE001 - optimisation is best effort
        e = expr
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
    modules = [
        {
            "_Log1mExp": log1mexp,
            "_WrightOmega": sc.wrightomega,
            "LambertW": _lambertw_real,
        },
        "numpy",
    ]
    fn = sp.lambdify(sym, stable, modules=modules)

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
