r"""Fast numeric forms of :math:`f^*` and :math:`(f^*)'`, compiled from the derived expressions.

The generator's own :meth:`~boundkit.generators.Generator.conjugate` and
:meth:`~boundkit.generators.Generator.link` evaluate a sympy ``Piecewise`` through
``numpy.select``, which costs tens of microseconds per call on a few atoms; the hot loops (the
shift functional's root-find, the restricted-divergence solvers) call them thousands of times.
Here every branch of the *derived* expression is compiled on its own (the same stabilised
``lambdify`` as the generator) and the branches are combined with nested ``numpy.where``: the
same numbers, several times faster. Nothing is typed in: a generator without a closed form
gets its own numeric conjugate.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import sympy as sp

from boundkit.generators._expr import T
from boundkit.generators._numeric import lambdify_stable, stable_modules

__all__ = ["fast_conjugate", "fast_link"]


def raw_lambdify(expr: sp.Expr, sym: sp.Symbol = T) -> Callable[..., Any]:
    """The stabilised expression of :func:`lambdify_stable`, lambdified without its wrapper
    (no error-state context, no shape normalisation: for callers that do both once)."""
    stable = lambdify_stable(expr, sym).expression  # type: ignore[attr-defined]
    return sp.lambdify(sym, stable, modules=stable_modules())


def _compile(expr: sp.Expr) -> Callable[[np.ndarray], np.ndarray]:
    """Branch-by-branch compilation of a (Piecewise) expression in T."""
    branches = expr.args if isinstance(expr, sp.Piecewise) else ((expr, sp.true),)
    pieces = []
    for value, cond in branches:
        val = raw_lambdify(value)
        if cond is sp.true:
            pieces.append((val, None))
            break
        pieces.append((val, sp.lambdify(T, cond, modules="numpy")))
    last_val, last_cond = pieces[-1]
    rest = tuple(reversed(pieces[:-1]))

    def call(t: np.ndarray) -> np.ndarray:
        t = np.asarray(t, dtype=float)
        with np.errstate(all="ignore"):
            out = last_val(t)
            if last_cond is not None:  # no catch-all branch: NaN outside every condition
                out = np.where(last_cond(t), out, np.nan)
            for val, cond in rest:
                out = np.where(cond(t), val(t), out)
        out = np.asarray(out)
        if np.iscomplexobj(out):
            out = out.real
        if out.shape != t.shape or out.dtype != np.float64:
            out = np.broadcast_to(out, t.shape).astype(np.float64)
        return out

    return call


def _form(g: Any, key: str) -> Callable[[np.ndarray], np.ndarray]:
    cache = getattr(g, "_cache", None)
    slot = f"fast_{key}"
    if cache is not None and slot in cache:
        return cache[slot]
    expr = getattr(g, f"{key}_expr", None)
    symbolic = getattr(g, "is_symbolic", False)
    if getattr(g, "closed_form", False) and expr is not None and not symbolic:
        fn = _compile(expr)
    else:
        fn = getattr(g, key)
    if cache is not None:
        cache[slot] = fn
    return fn


def fast_conjugate(g: Any) -> Callable[[np.ndarray], np.ndarray]:
    r"""A fast vectorised :math:`f^*` of the generator (``+inf`` outside the domain).

    Parameters
    ----------
    g : Generator

    Returns
    -------
    callable
        ``fn(t) -> ndarray`` (float64, shape of ``t``), equal to ``g.conjugate``.

    Notes
    -----
    .. math:: f^*(t) = \sup_{u \ge 0}(tu - f(u)),

    evaluated branch by branch from the derived ``g.conjugate_expr``.

    Examples
    --------
    >>> from boundkit.generators import get_generator
    >>> fast_conjugate(get_generator("pearson"))(np.array([-3.0, 0.0, 2.0])).tolist()
    [-1.0, 0.0, 3.0]
    """
    return _form(g, "conjugate")


def fast_link(g: Any) -> Callable[[np.ndarray], np.ndarray]:
    r"""A fast vectorised link :math:`(f^*)'` of the generator (``+inf`` outside the domain).

    Parameters
    ----------
    g : Generator

    Returns
    -------
    callable
        ``fn(t) -> ndarray`` (float64, shape of ``t``), equal to ``g.link``.

    Notes
    -----
    .. math:: (f^*)'(t) = (f')^{-1}(t),

    evaluated branch by branch from the derived ``g.link_expr``.

    Examples
    --------
    >>> from boundkit.generators import get_generator
    >>> fast_link(get_generator("pearson"))(np.array([-3.0, 0.0, 2.0])).tolist()
    [0.0, 1.0, 2.0]
    """
    return _form(g, "link")
