r"""Shared machinery: symbols, the expectation operator, generator branches, moment algebra."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy as sp

from boundkit._errors import BoundkitError

__all__ = [
    "ExpectQ",
    "VarQ",
    "H",
    "NU",
    "T",
    "U",
    "evaluate_on_support",
    "density_on_support",
]

# The generator contract: f in U = Symbol("u", nonnegative=True), f* in T = Symbol("t", real=True).
U = sp.Symbol("u", nonnegative=True)
T = sp.Symbol("t", real=True)
H = sp.Symbol("h", real=True)
NU = sp.Symbol("nu", real=True)
S_POS = sp.Symbol("s", positive=True)

_LATEX_NAMES: dict[str, str] = {}


class _DisplaySymbol(sp.Symbol):
    """A symbol with a separate LaTeX rendering (used for display-only names)."""

    def _latex(self, printer: Any) -> str:
        return str(_LATEX_NAMES.get(self.name, self.name))


def dsym(text: str, latex: str, **assumptions: Any) -> sp.Symbol:
    """A display symbol printed as ``text`` in text and as ``latex`` in LaTeX."""
    _LATEX_NAMES[text] = latex
    return _DisplaySymbol(text, **assumptions)


def region_text(region: Any) -> str:
    """An interval as ``(-oo, 0)``, ``(-2, oo)`` or ``(-oo, 1/2]``; other sets via sympy."""
    if region == sp.S.Reals:
        return "(-oo, oo)"
    if not isinstance(region, sp.Interval):
        return sp.sstr(region)
    left = "(" if region.left_open or region.inf.is_infinite else "["
    right = ")" if region.right_open or region.sup.is_infinite else "]"
    return f"{left}{sp.sstr(region.inf)}, {sp.sstr(region.sup)}{right}"


def dfunc(name: str, latex: str) -> Any:
    """An undefined sympy function printed as ``name`` in text and ``latex`` in LaTeX."""

    def _latex(self: Any, printer: Any, exp: Any = None) -> str:
        args = ", ".join(printer._print(a) for a in self.args)
        out = latex + r"\left(" + args + r"\right)"
        return out if exp is None else r"\left(" + out + r"\right)^{" + str(exp) + "}"

    return type(name, (sp.Function,), {"_latex": _latex})


class ExpectQ(sp.Function):
    r"""The expectation :math:`\mathbb E_Q[g(h)]` as an opaque sympy function of ``g(h)``.

    Constants come out (:math:`\mathbb E_Q[c] = c`); otherwise it is a symbol-like object,
    positive when its argument is, so that ``sympy.solve`` treats moments as parameters.

    Examples
    --------
    >>> import sympy as sp
    >>> print(ExpectQ(sp.exp(H)))
    E_Q[exp(h)]
    >>> ExpectQ(sp.Integer(3))
    3
    """

    nargs = 1
    _subscript = "Q"

    @classmethod
    def eval(cls, arg: sp.Basic) -> sp.Basic | None:
        if arg.is_number:
            return arg
        return None

    def _eval_is_positive(self) -> bool | None:
        return self.args[0].is_positive

    def _eval_is_real(self) -> bool | None:
        return self.args[0].is_real

    def _latex(self, printer: Any, exp: Any = None) -> str:
        arg = printer._print(self.args[0])
        out = r"\mathbb{E}_{" + self._subscript + r"}\left[" + arg + r"\right]"
        if exp is not None:
            out = r"\left(" + out + r"\right)^{" + str(exp) + "}"
        return out

    def _sympystr(self, printer: Any) -> str:
        return f"E_{self._subscript}[{printer._print(self.args[0])}]"


class ExpectP(ExpectQ):
    r"""The expectation :math:`\mathbb E_P[\cdot]` (display only)."""

    _subscript = "P"


class ExpectQh(ExpectQ):
    r"""The expectation :math:`\mathbb E_{Q_h}[\cdot]` (display only)."""

    _subscript = "Q_h"


class VarQ(sp.Function):
    r"""The variance :math:`\mathrm{Var}_Q(h)` (display only), equal to
    :math:`\mathbb E_Q h^2 - (\mathbb E_Q h)^2`."""

    nargs = 1

    def _eval_is_nonnegative(self) -> bool | None:
        return True if self.args[0].is_real else None

    def _eval_is_real(self) -> bool | None:
        return self.args[0].is_real

    def _latex(self, printer: Any, exp: Any = None) -> str:
        return r"\operatorname{Var}_{Q}\left(" + printer._print(self.args[0]) + r"\right)"

    def _sympystr(self, printer: Any) -> str:
        return f"Var_Q({printer._print(self.args[0])})"


# ----------------------------------------------------------------------------- generators


@dataclass(frozen=True)
class Branch:
    """A piece of the real line on which the link and the conjugate are single expressions."""

    region: sp.Interval
    link: sp.Expr
    conj: sp.Expr


@dataclass(frozen=True)
class GenInfo:
    """What the derivations need from a generator, read once (see ``generator_info``)."""

    name: str
    f: sp.Expr
    conj: sp.Expr | None
    link: sp.Expr | None
    domain: sp.Set
    t0: sp.Expr | None
    closed: bool
    branches: tuple[Branch, ...]
    main: int | None
    problem: str = ""
    source: Any = None

    @property
    def main_branch(self) -> Branch | None:
        """The branch containing f'(1) (where a constant h lands), if any."""
        return None if self.main is None else self.branches[self.main]


def resolve_generator(f: Any, **params: Any) -> Any:
    """Return a generator object: ``f`` itself, or ``get_generator(f, **params)``."""
    if isinstance(f, str):
        try:
            from boundkit.generators import get_generator
        except ImportError as exc:  # pragma: no cover - only while generators is missing
            raise BoundkitError(f"boundkit.generators is not available: {exc}") from None
        return get_generator(f, **params)
    if all(hasattr(f, a) for a in ("f", "conjugate_expr", "link_expr")):
        return f
    raise BoundkitError(
        f"expected a generator name, an expression in u, or a Generator; got {type(f).__name__}"
    )


def _cond_set(cond: Any, t: sp.Symbol) -> sp.Set:
    if cond is sp.true or cond is True:
        return sp.S.Reals
    if cond is sp.false or cond is False:
        return sp.S.EmptySet
    return cond.as_set().intersect(sp.S.Reals)


def _pieces(expr: sp.Expr, t: sp.Symbol) -> list[tuple[sp.Expr, sp.Set]]:
    if not isinstance(expr, sp.Piecewise):
        return [(expr, sp.S.Reals)]
    out: list[tuple[sp.Expr, sp.Set]] = []
    covered: sp.Set = sp.S.EmptySet
    for e, c in expr.args:
        s = sp.Complement(_cond_set(c, t), covered).simplify() if covered else _cond_set(c, t)
        covered = sp.Union(covered, s)
        out.append((e, s))
    return out


def _intervals(s: sp.Set) -> list[sp.Interval]:
    if isinstance(s, sp.Interval):
        return [s]
    if s == sp.S.Reals:
        return [sp.Interval(-sp.oo, sp.oo)]
    if isinstance(s, sp.Union):
        return [a for arg in s.args for a in _intervals(arg)]
    return []  # finite sets (measure zero) and anything exotic are ignored


def interior_point(region: sp.Interval, prefer: sp.Expr | None = None) -> sp.Expr:
    """A point strictly inside ``region`` (``prefer`` when it is inside)."""
    if prefer is not None and prefer.is_finite and region.contains(prefer) is sp.true:
        a, b = region.inf, region.sup
        if prefer != a and prefer != b:
            return prefer
    a, b = region.inf, region.sup
    if a.is_infinite and b.is_infinite:
        return sp.Integer(0)
    if a.is_infinite:
        return b - 1
    if b.is_infinite:
        return a + 1
    return (a + b) / 2


def region_ranges(region: sp.Interval, width: float = 3.0) -> tuple[float, float]:
    """A float range strictly inside ``region`` to draw numeric points from."""
    a, b = region.inf, region.sup
    if a.is_infinite and b.is_infinite:
        return (-width / 1.5, width / 1.5)
    if a.is_infinite:
        return (float(b) - width, float(b) - 0.02)
    if b.is_infinite:
        return (float(a) + 0.02, float(a) + width)
    lo, hi = float(a), float(b)
    pad = 0.02 * (hi - lo)
    return (lo + pad, hi - pad)


def _piece_at(expr: sp.Expr, t: sp.Symbol, point: sp.Expr) -> sp.Expr:
    if not isinstance(expr, sp.Piecewise):
        return expr
    for e, c in expr.args:
        val = c.subs(t, point) if isinstance(c, sp.Basic) else c
        if val is sp.true or val is True:
            return e
    raise BoundkitError(f"no piece of {expr} applies at t = {point}")


def _key(g: Any) -> tuple[str, str, str, str]:
    return (
        str(getattr(g, "name", "")),
        sp.srepr(g.f),
        sp.srepr(g.conjugate_expr) if g.conjugate_expr is not None else "",
        str(getattr(g, "domain", "")),
    )


_INFO_CACHE: dict[tuple[str, str, str, str], GenInfo] = {}


def generator_info(g: Any) -> GenInfo:
    """Read a generator's symbolic objects and split the real line into branches (cached)."""
    key = _key(g)
    if key in _INFO_CACHE:
        return _INFO_CACHE[key]
    info = _generator_info(g)
    _INFO_CACHE[key] = info
    return info


def _free_ok(expr: Any, sym: sp.Symbol) -> bool:
    return isinstance(expr, sp.Basic) and expr.free_symbols <= {sym}


def _generator_info(g: Any) -> GenInfo:
    name = str(getattr(g, "name", "") or sp.sstr(g.f))
    f = g.f
    closed = bool(getattr(g, "closed_form", True))
    conj = getattr(g, "conjugate_expr", None)
    link = getattr(g, "link_expr", None)
    domain = getattr(g, "domain", None) or sp.S.Reals
    t0 = getattr(g, "fprime_at_1", None)
    if t0 is not None:
        t0 = sp.sympify(t0)
        if not (t0.is_real and t0.is_finite):
            t0 = None
    problem = ""
    if not closed or conj is None or link is None:
        problem = (
            "the conjugate f* of this generator has no closed form (boundkit.generators "
            "computes it numerically)"
        )
    elif not (_free_ok(conj, T) and _free_ok(link, T)):
        extra = (conj.free_symbols | link.free_symbols) - {T}
        names = ", ".join(sorted(s.name for s in extra))
        problem = (
            f"the conjugate depends on symbols other than t ({names}): give the parameter a "
            "value (e.g. get_generator('alpha', alpha=2), or --alpha 2 on the command line)"
        )
    if problem:
        return GenInfo(name, f, None, None, domain, t0, False, (), None, problem, g)
    try:
        branches: list[Branch] = []
        link_pieces = _pieces(link, T)
        conj_pieces = _pieces(conj, T)
        for le, ls in link_pieces:
            for ce, cs in conj_pieces:
                region = sp.Intersection(ls, cs, domain).simplify()
                for iv in _intervals(region):
                    if iv.measure == 0 or iv.measure is sp.S.Zero:
                        continue
                    branches.append(Branch(iv, le, ce))
    except (TypeError, ValueError, NotImplementedError, AttributeError) as exc:
        return GenInfo(
            name,
            f,
            conj,
            link,
            domain,
            t0,
            False,
            (),
            None,
            f"could not split the piecewise conjugate into branches ({exc})",
            g,
        )
    main = None
    if branches:
        if t0 is not None:
            inside = [i for i, b in enumerate(branches) if b.region.contains(t0) is sp.true]
            closure = [
                i for i, b in enumerate(branches) if b.region.closure.contains(t0) is sp.true
            ]
            cand = inside or closure
            nonconst = [i for i in cand if branches[i].link.has(T)]
            pick = nonconst or cand
            main = pick[0] if pick else None
        if main is None:
            nonconst = [i for i, b in enumerate(branches) if b.link.has(T)]
            main = (nonconst or [0])[0]
    return GenInfo(name, f, conj, link, domain, t0, True, tuple(branches), main, "", g)


# ----------------------------------------------------------------------------- moments


def linearise(expr: sp.Expr, h: sp.Symbol = H, nu: sp.Symbol | None = NU) -> sp.Expr | None:
    r"""Write :math:`\mathbb E_Q[\mathrm{expr}(h, \nu)]` with moments of :math:`h` pulled out.

    Each additive term of the expanded expression must factor as :math:`A(\nu) B(h)`; the
    result is :math:`\sum A(\nu)\,\mathbb E_Q[B(h)]`. Returns None when a term does not
    separate (no closed form by this route).
    """
    expanded = sp.expand(expr, power_exp=True, mul=True, multinomial=True, log=False)
    out = sp.Integer(0)
    for term in sp.Add.make_args(expanded):
        coef, dep = term.as_independent(h, as_Add=False)
        if nu is not None and dep.has(nu):
            return None
        out += coef * ExpectQ(dep)
    return out


def substitute_support(expr: sp.Expr, hs: Sequence[sp.Expr], ws: Sequence[sp.Expr]) -> sp.Expr:
    r"""Replace every :math:`\mathbb E_Q[g(h)]` by :math:`\sum_i w_i g(h_i)`."""

    def repl(arg: sp.Expr) -> sp.Expr:
        return sp.Add(*[w * arg.subs(H, hi) for hi, w in zip(hs, ws, strict=True)])

    expr = undisplay(expr)
    return expr.replace(ExpectQ, repl) if expr.has(ExpectQ) else expr


def display_variance(expr: sp.Expr) -> sp.Expr:
    r"""Rewrite :math:`\mathbb E_Q h^2 - (\mathbb E_Q h)^2` as :math:`\mathrm{Var}_Q(h)`."""
    m2 = ExpectQ(H**2)
    if not expr.has(m2) or not expr.has(ExpectQ(H)):
        return expr
    out = sp.expand(expr.subs(m2, VarQ(H) + ExpectQ(H) ** 2))
    return out if sp.count_ops(out) <= sp.count_ops(expr) else expr


def _support_args(h_values: Any, weights: Any) -> tuple[np.ndarray, np.ndarray]:
    hv = np.asarray(h_values, dtype=float)
    w = np.asarray(weights, dtype=float)
    if hv.ndim != 1 or w.shape != hv.shape or hv.size == 0:
        raise BoundkitError(
            f"h_values and weights must be 1-d arrays of the same length; got shapes "
            f"{hv.shape} and {w.shape}"
        )
    if not (np.all(np.isfinite(hv)) and np.all(np.isfinite(w))) or np.any(w < 0):
        raise BoundkitError("h_values must be finite and weights finite and >= 0")
    if abs(w.sum() - 1.0) > 1e-9:
        raise BoundkitError(f"weights must sum to 1; they sum to {w.sum()!r}")
    return hv, w


@functools.lru_cache(maxsize=256)
def _lambdified(expr: sp.Expr) -> Any:
    import mpmath

    moments = sorted(expr.atoms(ExpectQ), key=sp.srepr)
    args = [H, *[sp.Dummy() for _ in moments]]
    body = expr.subs(dict(zip(moments, args[1:], strict=True)))
    fns = [sp.lambdify([H], m.args[0], modules="mpmath") for m in moments]
    return sp.lambdify(args, body, modules="mpmath"), fns, mpmath


def undisplay(expr: sp.Expr) -> sp.Expr:
    r"""Replace display-only :class:`VarQ` by :math:`\mathbb E_Q h^2 - (\mathbb E_Q h)^2`."""
    if not expr.has(VarQ):
        return expr
    return expr.replace(VarQ, lambda a: ExpectQ(sp.expand(a**2)) - ExpectQ(a) ** 2)


def _eval_support(expr: sp.Expr, hv: np.ndarray, w: np.ndarray, at: list[float]) -> list[float]:
    fn, moment_fns, mpmath = _lambdified(undisplay(expr))
    with mpmath.workdps(30):
        hm = [mpmath.mpf(float(x)) for x in hv]
        wm = [mpmath.mpf(float(x)) for x in w]
        moments = [
            mpmath.fsum(wi * g(hi) for hi, wi in zip(hm, wm, strict=True)) for g in moment_fns
        ]
        out = []
        for x in at:
            val = mpmath.mpmathify(fn(mpmath.mpf(x), *moments))
            if isinstance(val, mpmath.mpc):
                if abs(val.imag) > mpmath.mpf(10) ** -20 * max(1, abs(val.real)):
                    raise BoundkitError(f"{expr} is complex on this support")
                val = val.real
            out.append(float(val))
    return out


def evaluate_on_support(expr: sp.Expr, h_values: Any, weights: Any) -> float:
    r"""Evaluate a closed-form functional of :math:`h` on a finite support.

    Parameters
    ----------
    expr : sympy expression
        Built from moments :math:`\mathbb E_Q[g(h)]` (:class:`ExpectQ`) only, e.g. the
        ``"lambda"`` result of :func:`derive_shift`.
    h_values : array_like, shape (k,)
        Values :math:`h_i` of :math:`h` at the atoms of :math:`Q`.
    weights : array_like, shape (k,)
        Probabilities :math:`q_i` of the atoms (non-negative, summing to 1).

    Returns
    -------
    float
        The value, computed with 30-digit mpmath arithmetic.

    Notes
    -----
    Every moment is replaced by :math:`\mathbb E_Q[g(h)] = \sum_i q_i\, g(h_i)`.

    Examples
    --------
    >>> import sympy as sp
    >>> round(evaluate_on_support(sp.log(ExpectQ(sp.exp(H))), [0.0, 1.0], [0.5, 0.5]), 6)
    0.620115
    """
    hv, w = _support_args(h_values, weights)
    if H in (expr.free_symbols - {s for m in expr.atoms(ExpectQ) for s in m.free_symbols}):
        raise BoundkitError(f"{expr} depends on h outside expectations: use density_on_support")
    return _eval_support(sp.sympify(expr), hv, w, [0.0])[0]


def density_on_support(expr: sp.Expr, h_values: Any, weights: Any) -> np.ndarray:
    r"""Evaluate an expression in :math:`h` and moments of :math:`h` at every atom.

    Parameters
    ----------
    expr : sympy expression
        In :data:`H` and :class:`ExpectQ` moments, e.g. the ``"density"`` result of
        :func:`derive_refined_density`.
    h_values : array_like, shape (k,)
        Values :math:`h_i` at the atoms of :math:`Q`.
    weights : array_like, shape (k,)
        Probabilities :math:`q_i` of the atoms.

    Returns
    -------
    ndarray, shape (k,)
        The expression at :math:`h = h_i` with the moments taken under :math:`Q`.

    Notes
    -----
    .. math:: r_i = \mathrm{expr}\big(h_i;\ \mathbb E_Q[g(h)] = \textstyle\sum_j q_j g(h_j)\big).

    Examples
    --------
    >>> import sympy as sp
    >>> density_on_support(sp.exp(H) / ExpectQ(sp.exp(H)), [0.0, 0.0], [0.5, 0.5])
    array([1., 1.])
    """
    hv, w = _support_args(h_values, weights)
    return np.asarray(_eval_support(sp.sympify(expr), hv, w, list(hv)), dtype=float)


def support_symbols(k: int) -> tuple[tuple[sp.Symbol, ...], tuple[sp.Symbol, ...], tuple]:
    """Symbols h_1..h_k (real) and w_1..w_k (positive), and weights with w_k = 1 - sum others."""
    hs = tuple(sp.Symbol(f"h_{i}", real=True) for i in range(1, k + 1))
    ws = tuple(sp.Symbol(f"w_{i}", positive=True) for i in range(1, k + 1))
    normed = (*ws[:-1], 1 - sp.Add(*ws[:-1]))
    return hs, ws, normed


def branch_parameter(
    region: sp.Interval, name: str
) -> tuple[sp.Expr, sp.Symbol, tuple[float, float]]:
    r"""A point of ``region`` written through a fresh symbol, with a range for numeric points.

    A half-line :math:`(-\infty, b)` is written :math:`b - s` with :math:`s > 0` (and
    :math:`(a, \infty)` as :math:`a + s`), so that sympy knows the sign of expressions like
    :math:`-t` on the branch; the real line uses a real symbol.
    """
    a, b = region.inf, region.sup
    if a.is_infinite and b.is_infinite:
        sym = sp.Symbol(name, real=True)
        return sym, sym, (-1.5, 1.5)
    sym = sp.Symbol(name, positive=True)
    if a.is_infinite:
        return b - sym, sym, (0.05, 2.5)
    if b.is_infinite:
        return a + sym, sym, (0.05, 2.5)
    width = float(b - a)
    return b - sym, sym, (0.03 * width, 0.97 * width)


_DERIVATION_CACHE: dict[tuple, Any] = {}


def cached_derivation(name: str) -> Any:
    """Decorate ``derive_*(g, *, k=...)``: resolve the generator once and cache the result.

    Derivations are pure functions of the generator's symbolic objects, and sympy is slow, so
    each (derivation, generator, options) is computed once per process.
    """

    def wrap(fn: Any) -> Any:
        @functools.wraps(fn)
        def inner(g: Any = None, **options: Any) -> Any:
            gen = resolve_generator("kl" if g is None else g)
            key = (name, _key(gen), tuple(sorted(options.items())))
            if key not in _DERIVATION_CACHE:
                _DERIVATION_CACHE[key] = fn(gen, **options)
            return _DERIVATION_CACHE[key]

        return inner

    return wrap
