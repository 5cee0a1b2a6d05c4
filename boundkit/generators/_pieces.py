r"""A generator's smooth convex pieces between its kinks, and its one-sided limits.

f is split at the zeros of the arguments of ``Abs``, ``sign``, ``Heaviside``, the crossing points
of ``Max`` / ``Min`` and the boundaries of ``Piecewise``; on each piece every non-smooth node is
replaced by its branch. Limits go through :func:`sympy.limit`, with ``LambertW(u)`` written in
:math:`w = W(u)`, :math:`u = w e^w` first when sympy cannot take them directly.
"""

from __future__ import annotations

import numpy as np
import sympy as sp

from boundkit._errors import BoundkitError, DerivationError
from boundkit.generators._expr import UP

__all__ = ["smooth_pieces"]

_NONSMOOTH = (sp.Abs, sp.Max, sp.Min, sp.Piecewise, sp.sign, sp.Heaviside)


def _kinks(fp: sp.Expr) -> list[sp.Expr]:
    zeros: list[sp.Expr] = []
    for node in sp.preorder_traversal(fp):
        if isinstance(node, (sp.Abs, sp.sign, sp.Heaviside)):
            zeros.append(node.args[0])
        elif isinstance(node, (sp.Max, sp.Min)):
            args = node.args
            zeros.extend(args[i] - args[j] for i in range(len(args)) for j in range(i))
        elif isinstance(node, sp.Piecewise):
            for _e, cond in node.args:
                for rel in cond.atoms(sp.core.relational.Relational):
                    zeros.append(rel.lhs - rel.rhs)
    pts: set[sp.Expr] = set()
    for z in zeros:
        if not z.has(UP):
            continue
        sol = sp.solveset(z, UP, sp.Interval.open(0, sp.oo))
        if not isinstance(sol, sp.FiniteSet):
            raise BoundkitError(f"cannot locate the kinks of {fp} (zeros of {z}: {sol})")
        pts.update(sol)
    real = [p for p in pts if p.is_real and p.is_positive]
    return sorted(real, key=lambda x: float(x))


def _resolve(expr: sp.Expr, at: sp.Expr) -> sp.Expr:
    """Replace every non-smooth node by its smooth branch around the point ``u = at``."""

    def pick(node):
        if isinstance(node, sp.Abs):
            a = node.args[0]
            return a if float(a.subs(UP, at)) >= 0 else -a
        if isinstance(node, sp.sign):
            return sp.Integer(1) if float(node.args[0].subs(UP, at)) > 0 else sp.Integer(-1)
        if isinstance(node, sp.Heaviside):
            return sp.Integer(1) if float(node.args[0].subs(UP, at)) > 0 else sp.Integer(0)
        if isinstance(node, (sp.Max, sp.Min)):
            vals = [float(a.subs(UP, at)) for a in node.args]
            idx = int(np.argmax(vals) if isinstance(node, sp.Max) else np.argmin(vals))
            return node.args[idx]
        if isinstance(node, sp.Piecewise):
            for e, cond in node.args:
                if bool(cond.subs(UP, at)):
                    return e
        return node

    return expr.replace(lambda n: isinstance(n, _NONSMOOTH), pick)


def smooth_pieces(fp: sp.Expr) -> list[tuple[sp.Expr, sp.Expr, sp.Expr]]:
    r"""Split a generator (in the positive symbol) into smooth pieces between its kinks.

    Parameters
    ----------
    fp : sympy.Expr
        Generator in the internal positive symbol ``u``.

    Returns
    -------
    list of (a, b, g)
        Pieces :math:`g` valid on :math:`[a, b]`, :math:`b` possibly ``oo``.

    Notes
    -----
    .. math:: f = g_i \text{ on } [k_i, k_{i+1}], \quad k_0 = 0,\ k_{m+1} = \infty.
    """
    if not fp.has(*_NONSMOOTH):
        return [(sp.Integer(0), sp.oo, fp)]
    ks = _kinks(fp)
    ends = [sp.Integer(0), *ks, sp.oo]
    pieces = []
    for a, b in zip(ends[:-1], ends[1:], strict=True):
        mid = a + 1 if b == sp.oo else (a + b) / 2
        g = _resolve(fp, mid)
        if g.has(*_NONSMOOTH):
            raise BoundkitError(f"cannot split {fp} into smooth pieces")
        pieces.append((a, b, sp.simplify(g)))
    return pieces


def _lambertw_substitution(expr: sp.Expr, x: sp.Symbol) -> sp.Expr | None:
    r"""Write ``expr`` in :math:`w = W(x)`, :math:`x = w e^w` (an increasing bijection of
    :math:`(0, \infty)`), so that sympy can take limits it cannot take through ``LambertW``."""
    ws = [a for a in expr.atoms(sp.LambertW) if a.args == (x,)]
    if not ws:
        return None
    w = sp.Dummy("w", positive=True)
    out = expr.xreplace({ws[0]: w}).subs(x, w * sp.exp(w))
    return None if any(a.has(w) for a in out.atoms(sp.LambertW)) else out


def _limit(expr: sp.Expr, x: sp.Symbol, to: sp.Expr, direction: str = "+") -> sp.Expr:
    if to in (0, sp.oo) and (alt := _lambertw_substitution(expr, x)) is not None:
        w = next(iter(alt.free_symbols - expr.free_symbols))
        try:
            val = sp.limit(alt, w, to, direction) if to == 0 else sp.limit(alt, w, sp.oo)
        except Exception:  # noqa: BLE001 - fall through to the direct limit
            val = None
        if val is not None and not isinstance(val, sp.AccumBounds) and not val.has(sp.Limit):
            return sp.simplify(val)
    try:
        if to == sp.oo:
            val = sp.limit(expr, x, sp.oo)
        else:
            val = sp.limit(expr, x, to, direction)
    except Exception as exc:  # noqa: BLE001
        raise DerivationError(f"sympy could not compute the limit of {expr} at {to}") from exc
    if isinstance(val, sp.AccumBounds) or val.has(sp.Limit):
        raise DerivationError(f"sympy could not compute the limit of {expr} at {to}")
    return sp.simplify(val)
