r"""Symbolic derivation of the conjugate :math:`f^*(t)=\sup_{u\ge 0}(tu-f(u))`.

The method uses only the convexity of f on :math:`[0,\infty)` (checked beforehand):

1. f is split at its kinks (zeros of the arguments of ``Abs``, crossing points of ``Max`` /
   ``Min``, boundaries of ``Piecewise``) into smooth convex pieces :math:`g_i` on
   :math:`[k_i, k_{i+1}]`, :math:`0 = k_0 < k_1 < \dots < k_m < k_{m+1} = \infty`.
2. On each piece :math:`g_i'` is non-decreasing, with range
   :math:`(s_i^-, s_i^+) = (g_i'(k_i+), g_i'(k_{i+1}-))`. For :math:`t` in that range the supremum
   is attained at the unique admissible root :math:`u(t) \in (k_i, k_{i+1})` of
   :math:`g_i'(u) = t` (sympy ``solve``; each candidate root is tested at several t, and kept
   only if it is real, in the piece, and solves the equation; the identity
   :math:`g_i'(u(t)) = t` is then checked by ``simplify``).
3. Between the ranges of two pieces (a jump of :math:`f'` at a kink k), the supremum is at
   :math:`u = k`, so :math:`f^*(t) = tk - f(k)`; below :math:`f'(0+)` it is at :math:`u = 0`,
   :math:`f^*(t) = -f(0)`.
4. Above :math:`f'(\infty) = \lim_{u\to\infty} f'(u)`, :math:`f^* = +\infty`; at
   :math:`t = f'(\infty)` (if finite) :math:`f^*(t) = \lim_{u\to\infty} (tu - f(u))`, which
   decides whether the domain is closed there.

The link :math:`(f^*)'(t)` is the smallest maximiser (the left derivative of :math:`f^*`):
0 below :math:`f'(0+)`, :math:`u(t)` on the stationary ranges, k on the kink ranges, and
:math:`+\infty` where the supremum is not attained.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache

import numpy as np
import sympy as sp

from boundkit._cputime import cpu_time_limit
from boundkit._errors import BoundkitError, DerivationError
from boundkit.generators._expr import UP, T, U

__all__ = [
    "Derivation",
    "Branch",
    "derive",
    "derive_bounded",
    "DerivationTimeout",
    "smooth_pieces",
]

_P = sp.Symbol("p", positive=True)
_NONSMOOTH = (sp.Abs, sp.Max, sp.Min, sp.Piecewise, sp.sign, sp.Heaviside)


@dataclass(frozen=True)
class Branch:
    r"""One branch of a conjugate: ``value`` and ``link`` for t up to ``upper``.

    Attributes
    ----------
    value, link : sympy.Expr
        :math:`f^*(t)` and :math:`(f^*)'(t)` on the branch.
    upper : sympy.Expr
        Right end of the branch (``oo`` for the last real branch).
    closed : bool
        Whether ``t == upper`` belongs to the branch.
    kind : str
        ``"zero"`` (sup at u = 0), ``"stationary"``, ``"kink"``, ``"limit"`` or ``"infinite"``.
    argmax : sympy.Expr
        The maximiser u(t) on the branch (``oo`` when not attained).
    """

    value: sp.Expr
    link: sp.Expr
    upper: sp.Expr
    closed: bool
    kind: str
    argmax: sp.Expr


@dataclass(frozen=True)
class Derivation:
    r"""Everything derived about a generator's conjugate.

    Attributes
    ----------
    f : sympy.Expr
        The generator in ``U``.
    branches : tuple of Branch
        The conjugate branch by branch, in increasing t (empty when ``closed_form`` is False).
    conjugate_expr, link_expr : sympy.Expr or None
        :math:`f^*` and :math:`(f^*)'` as (Piecewise) expressions in ``T``; None without a
        closed form.
    domain : sympy.Interval
        :math:`\mathrm{dom} f^* = \{t: f^*(t) < \infty\}`.
    f_at_0, fprime_at_0, fprime_at_1, fprime_at_inf : sympy.Expr
        :math:`f(0+)`, :math:`f'(0+)`, :math:`f'(1)` (right derivative when f has a kink at 1)
        and :math:`f'(\infty)`.
    subdifferential_at_1 : sympy.Interval
        :math:`\partial f(1)`.
    limit_at_end : sympy.Expr
        :math:`\lim_{u\to\infty} f'(\infty) u - f(u)` (``oo`` when the domain is open).
    kinks : tuple
        The kinks of f in :math:`(0, \infty)`.
    closed_form : bool
        False when the conjugate is evaluated numerically.
    proofs : tuple of str
        What was proved symbolically (e.g. ``g'(u(t)) - t`` simplifies to 0).
    notes : tuple of str
        What could not be proved, fallbacks taken.
    """

    f: sp.Expr
    branches: tuple[Branch, ...]
    conjugate_expr: sp.Expr | None
    link_expr: sp.Expr | None
    domain: sp.Interval
    f_at_0: sp.Expr
    fprime_at_0: sp.Expr
    fprime_at_1: sp.Expr
    fprime_at_inf: sp.Expr
    subdifferential_at_1: sp.Interval
    limit_at_end: sp.Expr
    kinks: tuple[sp.Expr, ...]
    closed_form: bool
    proofs: tuple[str, ...] = field(default=())
    notes: tuple[str, ...] = field(default=())


# ---------------------------------------------------------------------------------------------
# pieces


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


# ---------------------------------------------------------------------------------------------
# helpers


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


def _cond(upper: sp.Expr, closed: bool):
    if upper == sp.oo:
        return sp.true
    return sp.Le(T, upper) if closed else sp.Lt(T, upper)


# ---------------------------------------------------------------------------------------------
# main entry


def derive(f: sp.Expr) -> Derivation:
    r"""Derive the conjugate of a (checked) convex generator on :math:`[0,\infty)`.

    Parameters
    ----------
    f : sympy.Expr
        Generator in :data:`boundkit.generators.U`; may contain parameters (positive symbols).

    Returns
    -------
    Derivation
        With ``closed_form=False`` (and ``conjugate_expr=None``) when some piece has no
        admissible closed-form stationary point.

    Notes
    -----
    .. math::

        f^*(t) = \sup_{u \ge 0}\,(tu - f(u)), \qquad
        (f^*)'(t) = \min \arg\max_{u\ge 0}\,(tu - f(u)).

    The result is cached (``functools.lru_cache``) per expression.

    Examples
    --------
    >>> from boundkit.generators import U
    >>> derive((U - 1) ** 2).conjugate_expr
    Piecewise((-1, t <= -2), (t*(t + 4)/4, True))
    """
    return _derive(f, True)


@lru_cache(maxsize=256)
def _derive(f: sp.Expr, symbolic: bool) -> Derivation:
    """:func:`derive`; with ``symbolic=False`` only the cheap facts (domain, slopes, f(0))."""
    fp = f.subs(U, UP)
    notes: list[str] = []
    proofs: list[str] = []
    pieces = smooth_pieces(fp)
    kinks = tuple(p[0] for p in pieces[1:])
    derivs = []
    for a, b, g in pieces:
        gp = sp.diff(g, UP)
        sa = _limit(gp, UP, a, "+")
        sb = _limit(gp, UP, b, "-")
        derivs.append((a, b, g, sa, sb))
    f0 = _limit(pieces[0][2], UP, 0, "+")
    s0 = derivs[0][3]
    s_inf = derivs[-1][4]
    # derivative at 1
    left1 = right1 = None
    for a, b, g, _sa, _sb in derivs:
        gp = sp.diff(g, UP)
        if a < 1 <= b if b != sp.oo else a < 1:
            left1 = sp.simplify(gp.subs(UP, 1))
        if a <= 1 < b if b != sp.oo else a <= 1:
            right1 = sp.simplify(gp.subs(UP, 1))
    assert left1 is not None and right1 is not None
    sub1 = sp.Interval(left1, right1) if left1 != right1 else sp.FiniteSet(left1)
    # end of the domain
    if s_inf.is_finite:
        end_limit = _limit(s_inf * UP - derivs[-1][2], UP, sp.oo)
        if end_limit.is_finite is None:
            raise DerivationError(f"cannot decide whether lim s u - f(u) is finite for {f}")
        domain = sp.Interval(-sp.oo, s_inf, True, not end_limit.is_finite)
    else:
        end_limit = sp.oo
        domain = sp.Interval(-sp.oo, sp.oo)

    branches: list[Branch] = []
    closed_form = True
    if s0.is_finite:
        if not f0.is_finite:
            raise DerivationError(f"f(0) = {f0} but f'(0+) = {s0} is finite: f is not convex")
        branches.append(Branch(-f0, sp.Integer(0), s0, True, "zero", sp.Integer(0)))
    for i, (a, b, g, sa, sb) in enumerate(derivs):
        same = sp.simplify(sa - sb) == 0 if (sa.is_finite and sb.is_finite) else False
        if not same:
            res = _stationary_branch(g, a, b, sa, sb) if symbolic else None
            if res is None:
                closed_form = False
                if symbolic:
                    notes.append(
                        f"no closed form on the piece {g} of [{a}, {b}]: numeric conjugate"
                    )
                break
            value, r, pr, nt = res
            proofs.extend(pr)
            notes.extend(nt)
            branches.append(Branch(value, r, sb, False, "stationary", r))
        if i + 1 < len(derivs):
            k = b
            fk = sp.simplify(g.subs(UP, k))
            nxt = derivs[i + 1][3]
            branches.append(Branch(T * k - fk, k, nxt, True, "kink", k))
    if closed_form and s_inf.is_finite:
        if end_limit.is_finite:
            branches.append(Branch(end_limit, sp.oo, s_inf, True, "limit", sp.oo))
        branches.append(Branch(sp.oo, sp.oo, sp.oo, True, "infinite", sp.oo))
    # what the derivation states about f, with or without a closed-form conjugate
    facts = {
        "f": f,
        "domain": domain,
        "f_at_0": f0,
        "fprime_at_0": s0,
        "fprime_at_1": right1,
        "fprime_at_inf": s_inf,
        "subdifferential_at_1": sub1,
        "limit_at_end": end_limit,
        "kinks": kinks,
        "proofs": tuple(proofs),
        "notes": tuple(notes),
    }
    if not closed_form:
        return Derivation(
            branches=(), conjugate_expr=None, link_expr=None, closed_form=False, **facts
        )
    # drop empty branches (upper not above the previous upper), make the last one unconditional
    kept: list[Branch] = []
    prev = -sp.oo
    for br in branches:
        if kept and br.kind != "infinite":
            d = sp.simplify(br.upper - prev)
            if d.is_negative or (d == 0 and not (br.closed and not kept[-1].closed)):
                continue
        kept.append(br)
        prev = br.upper
    if kept[-1].kind != "infinite":
        last = kept[-1]
        kept[-1] = Branch(last.value, last.link, sp.oo, True, last.kind, last.argmax)
    conj = _piecewise([(br.value, br) for br in kept])
    link = _piecewise([(br.link, br) for br in kept])
    return Derivation(
        branches=tuple(kept), conjugate_expr=conj, link_expr=link, closed_form=True, **facts
    )


class DerivationTimeout(BaseException):
    """Raised inside :func:`derive_bounded` when the CPU-time budget runs out.

    A ``BaseException`` (like ``KeyboardInterrupt``), so that no ``except Exception`` inside
    sympy or the derivation turns the interruption into a wrong answer or a user error.
    """


def _cpu_limit(seconds: float) -> contextlib.AbstractContextManager[None]:
    """Raise :class:`DerivationTimeout` after ``seconds`` of CPU time (main thread only)."""
    return cpu_time_limit(seconds, DerivationTimeout)


def derive_symbolic_within(f: sp.Expr, seconds: float) -> Derivation:
    """:func:`derive` under a CPU-time limit; raises :class:`DerivationTimeout` when exceeded."""
    try:
        with _cpu_limit(seconds):
            return derive(f)
    except RecursionError:
        raise DerivationTimeout from None


def derive_numeric_only(f: sp.Expr, seconds: float) -> Derivation:
    """The cheap facts of :func:`derive` with a numeric conjugate, after a timeout."""
    d = _derive(f, False)
    why = f"symbolic derivation stopped after {seconds:g} s of CPU time: numeric conjugate"
    return replace(d, notes=(*d.notes, why))


def derive_bounded(f: sp.Expr, seconds: float) -> Derivation:
    r""":func:`derive` within ``seconds`` of CPU time, else a numeric conjugate.

    Parameters
    ----------
    f : sympy.Expr
        Generator in :data:`boundkit.generators.U`.
    seconds : float
        CPU-time budget of the symbolic derivation (CPU, not wall time, so that the outcome
        does not depend on the load of the machine; enforced in the main thread only).

    Returns
    -------
    Derivation
        The symbolic derivation, or one with ``closed_form=False`` and a note saying that the
        budget ran out; never a partial closed form.

    Notes
    -----
    The fallback evaluates :math:`f^*(t) = \sup_{u \ge 0}(tu - f(u))` numerically.

    Examples
    --------
    >>> from boundkit.generators import U
    >>> derive_bounded((U - 1) ** 2, 30.0).closed_form
    True
    """
    try:
        return derive_symbolic_within(f, seconds)
    except DerivationTimeout:
        return derive_numeric_only(f, seconds)


def _piecewise(items: list[tuple[sp.Expr, Branch]]) -> sp.Expr:
    if len(items) == 1:
        return items[0][0]
    args = [(e, _cond(br.upper, br.closed)) for e, br in items]
    args[-1] = (args[-1][0], sp.true)
    return sp.Piecewise(*args)
