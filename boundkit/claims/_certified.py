r"""Ball arithmetic for certified checks (python-flint's ``arb``): rigorous enclosures.

A certified check evaluates a claim on *rational* instances in interval (ball) arithmetic, so
"the inequality holds" means the computed ball of :math:`\mathrm{lhs} - \mathrm{rhs}` lies
entirely at or below 0 -- a statement about the instance, not about a float tolerance. Exactly
rational quantities (Pearson refinements, IPMs of finite classes) are computed with
:class:`fractions.Fraction`; transcendental ones (logs, exponentials) as ``arb`` balls at
:data:`PRECISION` bits. Numbers reported from a ball are its upper end rounded outward
(:func:`upper`), so a printed upper bound is never below the true value.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import Any

import numpy as np
import sympy as sp

from boundkit._errors import BoundkitError

__all__ = [
    "PRECISION",
    "arb_of",
    "conjugate_arb",
    "eval_arb",
    "pearson_shift",
    "rational_vector",
    "upper",
]

#: Working precision (bits) of the certified checks.
PRECISION = 256


def _flint() -> Any:
    try:
        import flint
    except ImportError as exc:  # pragma: no cover - python-flint is a dependency
        raise BoundkitError("certified checks need python-flint: pip install python-flint") from exc
    flint.ctx.prec = PRECISION
    return flint


def arb_of(x: Any) -> Any:
    """An exact ``arb`` ball of an int or :class:`~fractions.Fraction` (or an arb unchanged)."""
    flint = _flint()
    if isinstance(x, flint.arb):
        return x
    if isinstance(x, int | np.integer):
        return flint.arb(int(x))
    if isinstance(x, Fraction):
        return flint.arb(flint.fmpq(x.numerator, x.denominator))
    raise BoundkitError(f"certified arithmetic takes ints, Fractions or arb balls, got {x!r}")


def upper(x: Any) -> float:
    """The upper end of a ball (or an exact Fraction) as a float rounded outward (upwards).

    Examples
    --------
    >>> from fractions import Fraction
    >>> upper(Fraction(1, 3)) >= 1 / 3
    True
    """
    flint = _flint()
    if isinstance(x, Fraction | int):
        f = float(x)
        while Fraction(f) < x:
            f = math.nextafter(f, math.inf)
        return f
    u = x.upper()
    if not u.is_finite():
        return math.inf
    f = float(u.mid())
    while not (flint.arb(f) >= u):
        f = math.nextafter(f, math.inf)
        if math.isinf(f):
            break
    return f


def rational_vector(rng: np.random.Generator, k: int, *, positive: bool = True) -> list[Fraction]:
    """A probability vector of ``k`` rationals (denominators up to a few hundred), exact sum 1."""
    w = rng.integers(1 if positive else 0, 30, size=k)
    if w.sum() == 0:
        w[0] = 1
    total = int(w.sum())
    return [Fraction(int(v), total) for v in w]


def eval_arb(expr: sp.Expr, env: Mapping[sp.Symbol, Any]) -> Any:
    r"""Evaluate a sympy expression in ball arithmetic (symbols bound in ``env``).

    Handles the operations the catalogue's generators and conjugates use: sums, products,
    integer and rational powers, ``exp``, ``log``, ``sqrt``, ``Abs``, rationals, :math:`\pi`
    and :math:`e`. Anything else raises :class:`BoundkitError` (never a silent float).
    """
    flint = _flint()

    def ev(e: sp.Expr) -> Any:
        if e in env:
            return arb_of(env[e]) if not isinstance(env[e], flint.arb) else env[e]
        if e.is_Integer:
            return flint.arb(int(e))
        if e.is_Rational:
            return flint.arb(flint.fmpq(int(e.p), int(e.q)))
        if e is sp.pi:
            return flint.arb.pi()
        if e is sp.E:
            return flint.arb(1).exp()
        if isinstance(e, sp.Add):
            out = flint.arb(0)
            for a in e.args:
                out = out + ev(a)
            return out
        if isinstance(e, sp.Mul):
            out = flint.arb(1)
            for a in e.args:
                out = out * ev(a)
            return out
        if isinstance(e, sp.Pow):
            base, ex = e.args
            b = ev(base)
            if ex.is_Integer:
                n = int(ex)
                return b**n if n >= 0 else flint.arb(1) / (b ** (-n))
            if ex.is_Rational and ex == sp.Rational(1, 2):
                return b.sqrt()
            return (ev(ex) * b.log()).exp()
        if isinstance(e, sp.exp):
            return ev(e.args[0]).exp()
        if isinstance(e, sp.log):
            return ev(e.args[0]).log()
        if isinstance(e, sp.Abs):
            return abs(ev(e.args[0]))
        raise BoundkitError(f"certified evaluation does not support {type(e).__name__}: {e}")

    return ev(sp.sympify(expr))


def conjugate_arb(g: Any, t: Fraction) -> tuple[Any, Any, str] | None:
    r"""The conjugate :math:`f^*(t)`, the link :math:`(f^*)'(t)` and the branch kind, as balls.

    Returns None when :math:`t` is outside :math:`\operatorname{dom} f^*` or cannot be placed
    in a branch rigorously (a point on a branch boundary).
    """
    from boundkit.generators import T

    flint = _flint()
    ta = arb_of(t)
    lower = None
    for br in g.derivation.branches:
        up = br.upper
        inside_up = True if up == sp.oo else bool(ta < eval_arb(up, {}))
        inside_lo = True if lower is None else bool(ta > eval_arb(lower, {}))
        if inside_up and inside_lo:
            if br.kind in ("infinite", "limit"):
                return None
            value = eval_arb(br.value, {T: t})
            link = eval_arb(br.link, {T: t}) if br.link != sp.oo else flint.arb("inf")
            return value, link, br.kind
        if not inside_up and up != sp.oo and not bool(ta >= eval_arb(up, {})):
            return None  # undecided: t too close to the boundary
        lower = up
    return None


def pearson_shift(q: Sequence[Fraction], h: Sequence[Fraction]) -> Fraction:
    r"""The exact shift :math:`\nu_h` of the Pearson refinement of rational Q and h.

    Notes
    -----
    :math:`\nu` solves :math:`\sum_i q_i \max(0, 1 + (h_i - \nu)/2) = 1`; on the active set A
    (atoms with :math:`h_i - \nu > -2`) this is linear:
    :math:`\nu = (\sum_A q_i (1 + h_i/2) - 1) / (\sum_A q_i / 2)`. The active set is a top
    set of h, found by trying each.
    """
    order = sorted(range(len(h)), key=lambda i: h[i], reverse=True)
    for j in range(1, len(h) + 1):
        act = order[:j]
        qa = sum((q[i] for i in act), Fraction(0))
        if qa == 0:
            continue
        nu = (sum((q[i] * (1 + h[i] / 2) for i in act), Fraction(0)) - 1) / (qa / 2)
        ok_in = all(h[i] - nu > -2 for i in act)
        ok_out = all(h[i] - nu <= -2 for i in order[j:])
        if ok_in and ok_out:
            return nu
    raise BoundkitError("no active set solves the Pearson shift equation (is Q a distribution?)")
