r"""The record of a conjugate derivation: :class:`Branch` and :class:`Derivation`."""

from __future__ import annotations

from dataclasses import dataclass, field

import sympy as sp

from boundkit.generators._expr import T

__all__ = ["Branch", "Derivation"]


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


def _cond(upper: sp.Expr, closed: bool):
    if upper == sp.oo:
        return sp.true
    return sp.Le(T, upper) if closed else sp.Lt(T, upper)


def _piecewise(items: list[tuple[sp.Expr, Branch]]) -> sp.Expr:
    if len(items) == 1:
        return items[0][0]
    args = [(e, _cond(br.upper, br.closed)) for e, br in items]
    args[-1] = (args[-1][0], sp.true)
    return sp.Piecewise(*args)
