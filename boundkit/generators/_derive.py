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
from dataclasses import replace
from functools import lru_cache

import sympy as sp

from boundkit._cputime import cpu_time_limit
from boundkit._errors import DerivationError
from boundkit.generators._derivation import Branch, Derivation, _piecewise
from boundkit.generators._expr import UP, T, U
from boundkit.generators._pieces import _limit, smooth_pieces
from boundkit.generators._stationary import _stationary_branch

__all__ = [
    "Derivation",
    "Branch",
    "derive",
    "derive_bounded",
    "DerivationTimeout",
    "smooth_pieces",
]


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
