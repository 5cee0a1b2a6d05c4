r"""The stationary branches of a conjugate: the admissible root of :math:`g'(u) = t`.

On a smooth convex piece :math:`g` with slope range :math:`(s^-, s^+)`, the supremum of
:math:`tu - g(u)` is attained at the root :math:`u(t)` of :math:`g'(u) = t` inside the piece.
sympy's candidate roots are tested numerically at several t and parameter values (real, inside
the piece, solving the equation); the kept root and the value :math:`t u(t) - g(u(t))` are
simplified (with Lambert W identities where they apply), and :math:`g'(u(t)) - t = 0` is
proved by ``simplify`` when it can be.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import sympy as sp

from boundkit.generators._expr import UP, T, U

__all__: list[str] = []

_P = sp.Symbol("p", positive=True)


def _params(expr: sp.Expr) -> list[sp.Symbol]:
    return sorted(expr.free_symbols - {UP, U, T, _P}, key=str)


def _param_samples(params: Sequence[sp.Symbol]) -> list[dict]:
    if not params:
        return [{}]
    vals = [sp.Rational(1, 2), sp.Integer(2), sp.Rational(7, 3)]
    return [dict.fromkeys(params, v) for v in vals]


def _interior_ts(lo: float, hi: float) -> list[float]:
    if np.isfinite(lo) and np.isfinite(hi):
        return [lo + (hi - lo) * q for q in (0.07, 0.3, 0.5, 0.71, 0.93)]
    if np.isfinite(hi):
        return [hi - d for d in (0.01, 0.3, 1.0, 3.7, 25.0)]
    if np.isfinite(lo):
        return [lo + d for d in (0.01, 0.3, 1.0, 3.7, 25.0)]
    return [-20.0, -2.3, 0.0, 1.1, 6.0]


def _num(expr: sp.Expr) -> complex:
    val = complex(sp.N(expr, 30))
    return val


def _root_ok(r: sp.Expr, gp: sp.Expr, a: sp.Expr, b: sp.Expr, sa: sp.Expr, sb: sp.Expr) -> bool:
    """Whether the candidate root is real, inside the piece and solves g'(u) = t (numerically,
    at several t of the range of g' and several parameter values)."""
    for subs in _param_samples(_params(gp)):
        lo, hi = float(sa.subs(subs)), float(sb.subs(subs))
        af, bf = float(a.subs(subs)), float(b.subs(subs))
        for tv in _interior_ts(lo, hi):
            try:
                val = _num(r.subs(subs).subs(T, tv))
            except (TypeError, ValueError):
                return False
            if not np.isfinite(val.real) or abs(val.imag) > 1e-10 * (1 + abs(val.real)):
                return False
            x = val.real
            if not (af - 1e-12 * (1 + af) <= x <= bf * (1 + 1e-12) + 1e-12):
                return False
            try:
                resid = _num(gp.subs(subs).subs(UP, x)) - tv
            except (TypeError, ValueError):
                return False
            if not abs(resid) <= 1e-8 * (1 + abs(tv)):
                return False
    return True


def _admissible_root(
    gp: sp.Expr, a: sp.Expr, b: sp.Expr, sa: sp.Expr, sb: sp.Expr
) -> tuple[sp.Expr | None, str]:
    tried: list[sp.Expr] = []
    errors: list[str] = []
    t_of_p, p_of_t = _t_substitution(sa, sb)
    attempts = [(T, None)]
    if t_of_p is not T:
        # t restricted to the range of g' through a positive symbol p: sympy then knows signs
        attempts.append((t_of_p, p_of_t))
    for lhs, back in attempts:
        try:
            roots = sp.solve(sp.Eq(gp, lhs), UP, check=False)
        except (NotImplementedError, ValueError, TypeError) as exc:
            errors.append(str(exc))
            continue
        if back is not None:
            roots = [r.subs(_P, back) for r in roots]
        tried.extend(roots)
        for r in roots:
            if _root_ok(r, gp, a, b, sa, sb):
                return r, f"admissible root u(t) = {r} among {len(roots)} candidate(s)"
    if not tried:
        why = f" ({'; '.join(errors)})" if errors else ""
        return None, f"sympy found no root of f'(u) = t{why}"
    return None, f"none of the roots {tried} of f'(u) = t is admissible"


def _t_substitution(sa: sp.Expr, sb: sp.Expr) -> tuple[sp.Expr, sp.Expr]:
    """A substitution t = phi(p), p > 0, carrying the sign information of the t-range."""
    if sb.is_finite:
        return sb - _P, sb - T
    if sa.is_finite:
        return sa + _P, T - sa
    return T, _P


def _lambert_simplify(expr: sp.Expr) -> sp.Expr:
    r"""Use :math:`e^{a + W(z)} = e^a z / W(z)` and :math:`\log W(z) = \log z - W(z)` (z > 0).

    Only applied to expressions containing ``LambertW`` of a positive argument (the principal
    branch on the positive axis, where both identities hold); every result is re-verified.
    """

    def rexp(n):
        terms = sp.Add.make_args(sp.expand(n.args[0]))
        ws = [a for a in terms if isinstance(a, sp.LambertW) and len(a.args) == 1]
        if not ws:
            return n
        w = ws[0]
        rest = sp.Add(*[a for a in terms if a is not w])
        return sp.exp(rest) * w.args[0] / w

    e = expr.replace(lambda n: isinstance(n, sp.exp) and n.args[0].has(sp.LambertW), rexp)
    e = sp.expand_log(e, force=True)
    e = e.replace(
        lambda n: (
            isinstance(n, sp.log)
            and isinstance(n.args[0], sp.LambertW)
            and len(n.args[0].args) == 1
        ),
        lambda n: sp.log(n.args[0].args[0]) - n.args[0],
    )
    return sp.simplify(sp.expand_log(e, force=True))


def _tidy_logs(expr: sp.Expr) -> sp.Expr:
    r"""Write :math:`\log(\pm 1/x)` as :math:`-\log(\pm x)`.

    Valid where the argument is positive, which holds on a branch of :math:`f^*` (it is real).
    """

    def fix(n):
        num, den = sp.fraction(sp.together(n.args[0]))
        if den != 1 and num in (1, -1):
            return -sp.log(sp.expand(num * den))
        return n

    return expr.replace(lambda n: isinstance(n, sp.log), fix)


def _simplify(expr: sp.Expr) -> sp.Expr:
    if expr.has(sp.functions.elementary.hyperbolic.HyperbolicFunction):
        # trigsimp on hyperbolic functions is very slow: work with exponentials instead
        expr = expr.rewrite(sp.exp)
    if expr.has(sp.LambertW) and all(
        w.args[0].is_positive for w in expr.atoms(sp.LambertW) if len(w.args) == 1
    ):
        return _lambert_simplify(expr)
    e = sp.simplify(expr)
    e2 = sp.simplify(sp.logcombine(sp.powsimp(e, force=False), force=False))
    return e2 if sp.count_ops(e2) < sp.count_ops(e) else e


def _stationary_branch(
    g: sp.Expr, a: sp.Expr, b: sp.Expr, sa: sp.Expr, sb: sp.Expr
) -> tuple[sp.Expr, sp.Expr, list[str], list[str]] | None:
    gp = sp.diff(g, UP)
    root, why = _admissible_root(gp, a, b, sa, sb)
    notes = [why]
    proofs: list[str] = []
    if root is None:
        return None
    t_of_p, p_of_t = _t_substitution(sa, sb)
    if t_of_p is T:
        r = _simplify(root)
        value = _simplify(T * r - g.subs(UP, r))
        check = _simplify(gp.subs(UP, r) - T)
    else:
        rp = _simplify(root.subs(T, t_of_p))
        vp = _simplify(t_of_p * rp - g.subs(UP, rp))
        check = _simplify(gp.subs(UP, rp) - t_of_p)
        r = _simplify(rp.subs(_P, p_of_t))
        value = _simplify(vp.subs(_P, p_of_t))
    value = _tidy_logs(value)
    if check == 0:
        proofs.append(f"g'(u(t)) - t simplifies to 0 for u(t) = {r}")
    else:
        notes.append(f"sympy could not simplify g'(u(t)) - t to 0 for u(t) = {r}")
    return value, r, proofs, notes
