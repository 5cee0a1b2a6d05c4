r"""Safe parsing of generator expressions and the admissibility checks of a generator.

A user generator is a string such as ``"u*log(u) - log(u)"``. It is parsed with Python's
:mod:`ast` into a syntax tree that is walked node by node and translated into sympy: only
numbers, the symbol ``u``, declared parameters, the constants ``pi`` and ``E`` and an allowlist
of functions are accepted. Nothing is ever passed to :func:`eval`, so attribute access,
subscripts, dunder names, lambdas or imports are rejected before anything runs.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import sympy as sp

from boundkit._cputime import cpu_time_limit
from boundkit._errors import BoundkitError

__all__ = ["U", "T", "parse_generator", "check_generator", "GeneratorCheck"]

#: The variable of a generator, :math:`u \ge 0` (a likelihood ratio).
U = sp.Symbol("u", nonnegative=True)
#: The variable of a conjugate, :math:`t \in \mathbb R`.
T = sp.Symbol("t", real=True)
#: Internal: ``u`` restricted to the open half-line (stationary points live there).
UP = sp.Symbol("u", positive=True)

_MAX_LEN = 500
_MAX_DEPTH = 40
_MAX_EXPONENT = 1000
#: CPU seconds for each symbolic step of :func:`check_generator` (the convexity proof, f(1),
#: the slope at 1); a convexity proof that runs out falls back to the grid check.
SYMBOLIC_CHECK_BUDGET = 1.0


class _CheckTimeout(BaseException):
    """A symbolic step of :func:`check_generator` ran out of CPU time."""


def _log1p(x):
    return sp.log(1 + x)


def _expm1(x):
    return sp.exp(x) - 1


_FUNCTIONS: dict[str, object] = {
    "log": sp.log,
    "ln": sp.log,
    "exp": sp.exp,
    "sqrt": sp.sqrt,
    "cbrt": sp.cbrt,
    "abs": sp.Abs,
    "Abs": sp.Abs,
    "max": sp.Max,
    "Max": sp.Max,
    "min": sp.Min,
    "Min": sp.Min,
    "log1p": _log1p,
    "expm1": _expm1,
    "sin": sp.sin,
    "cos": sp.cos,
    "tan": sp.tan,
    "atan": sp.atan,
    "sinh": sp.sinh,
    "cosh": sp.cosh,
    "tanh": sp.tanh,
    "asinh": sp.asinh,
    "LambertW": sp.LambertW,
}
_CONSTANTS: dict[str, sp.Expr] = {"pi": sp.pi, "E": sp.E}

_BINOPS = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
    ast.Pow: lambda a, b: a**b,
}


def _check_exponents(expr: sp.Expr) -> None:
    """Refuse numeric exponents beyond the cap, also when sympy combined nested powers
    (``(u**999)**999 = u**998001``)."""
    for node in sp.preorder_traversal(expr):
        if isinstance(node, sp.Pow) and node.exp.is_Number and abs(node.exp) > _MAX_EXPONENT:
            raise BoundkitError(
                f"exponent {node.exp} is too large (at most {_MAX_EXPONENT}, "
                "also for nested powers)"
            )


def _number(value: object) -> sp.Expr:
    if isinstance(value, bool):
        raise BoundkitError("booleans are not allowed in a generator expression")
    if isinstance(value, int):
        return sp.Integer(value)
    if isinstance(value, float):
        if not np.isfinite(value):
            raise BoundkitError("non-finite numbers are not allowed in a generator expression")
        return sp.Rational(repr(value))
    if isinstance(value, complex):
        raise BoundkitError("complex numbers are not allowed: a generator must be real-valued")
    raise BoundkitError(f"literal {value!r} is not allowed in a generator expression")


class _Translator:
    def __init__(self, symbols: Mapping[str, sp.Expr]):
        self.symbols = dict(symbols)

    def visit(self, node: ast.AST, depth: int = 0) -> sp.Expr:
        if depth > _MAX_DEPTH:
            raise BoundkitError("generator expression is nested too deeply")
        if isinstance(node, ast.Expression):
            return self.visit(node.body, depth + 1)
        if isinstance(node, ast.Constant):
            return _number(node.value)
        if isinstance(node, ast.Name):
            name = node.id
            if name.startswith("_"):
                raise BoundkitError(f"name {name!r} is not allowed in a generator expression")
            if name in self.symbols:
                return self.symbols[name]
            if name in _CONSTANTS:
                return _CONSTANTS[name]
            if name in _FUNCTIONS:
                raise BoundkitError(f"function {name!r} must be called, e.g. {name}(u)")
            allowed = ", ".join(sorted(self.symbols))
            raise BoundkitError(
                f"unknown name {name!r} in generator expression: the variable is u"
                + (f" (symbols allowed: {allowed})" if allowed else "")
            )
        if isinstance(node, ast.BinOp):
            op = _BINOPS.get(type(node.op))
            if op is None:
                raise BoundkitError(
                    f"operator {type(node.op).__name__} is not allowed: use + - * / ** ^"
                )
            left = self.visit(node.left, depth + 1)
            right = self.visit(node.right, depth + 1)
            if isinstance(node.op, ast.Pow) and right.is_Number and abs(right) > _MAX_EXPONENT:
                raise BoundkitError(f"exponent {right} is too large (at most {_MAX_EXPONENT})")
            if isinstance(node.op, ast.Pow) and left.is_Number and right.is_Number:
                if abs(left) > 10**6:
                    raise BoundkitError("numeric power too large in generator expression")
            out = op(left, right)
            if isinstance(node.op, ast.Pow | ast.Mult):
                _check_exponents(out)
            return out
        if isinstance(node, ast.UnaryOp):
            operand = self.visit(node.operand, depth + 1)
            if isinstance(node.op, ast.USub):
                return -operand
            if isinstance(node.op, ast.UAdd):
                return operand
            raise BoundkitError(f"operator {type(node.op).__name__} is not allowed")
        if isinstance(node, ast.Call):
            if not isinstance(node.func, ast.Name):
                raise BoundkitError("only calls of allowed functions like log(u) are allowed")
            name = node.func.id
            if name not in _FUNCTIONS:
                allowed = ", ".join(sorted(_FUNCTIONS))
                raise BoundkitError(
                    f"function {name!r} is not allowed in a generator expression "
                    f"(allowed: {allowed})"
                )
            if node.keywords:
                raise BoundkitError(f"keyword arguments are not allowed in {name}(...)")
            args = [self.visit(a, depth + 1) for a in node.args]
            if not args:
                raise BoundkitError(f"{name}() needs an argument")
            return _FUNCTIONS[name](*args)  # type: ignore[operator]
        if isinstance(node, ast.Attribute):
            raise BoundkitError("attribute access is not allowed in a generator expression")
        raise BoundkitError(
            f"{type(node).__name__} is not allowed in a generator expression: "
            "use numbers, u, + - * / ** and functions like log, exp, sqrt, abs"
        )


def parse_generator(text: str, params: Mapping[str, object] | None = None) -> sp.Expr:
    r"""Parse a generator expression in ``u`` safely into a sympy expression.

    Parameters
    ----------
    text : str
        The expression, e.g. ``"u*log(u) - log(u)"``; ``^`` is read as a power.
    params : mapping, optional
        Extra names allowed in the expression and the values (numbers or sympy symbols)
        substituted for them.

    Returns
    -------
    sympy.Expr
        The expression in :data:`U` (``Symbol("u", nonnegative=True)``).

    Raises
    ------
    BoundkitError
        If the string is not a plain arithmetic expression over the allowlist.

    Notes
    -----
    The string goes through :func:`ast.parse` only; the syntax tree is translated node by
    node, so no user code is executed:

    .. math:: \texttt{"u*log(u)"} \mapsto u \log u.

    Examples
    --------
    >>> parse_generator("u^2 - 1")
    u**2 - 1
    >>> parse_generator("__import__('os')")
    Traceback (most recent call last):
    ...
    boundkit._errors.BoundkitError: dunder names ('__') are not allowed in a generator expression
    """
    if not isinstance(text, str):
        raise BoundkitError(f"a generator expression must be a string, got {type(text).__name__}")
    if len(text) > _MAX_LEN:
        raise BoundkitError(f"generator expression longer than {_MAX_LEN} characters")
    if not text.strip():
        raise BoundkitError("empty generator expression")
    if "__" in text:
        raise BoundkitError("dunder names ('__') are not allowed in a generator expression")
    try:
        tree = ast.parse(text.strip().replace("^", "**"), mode="eval")
    except SyntaxError as exc:
        raise BoundkitError(f"cannot parse generator expression {text!r}: {exc.msg}") from None
    symbols: dict[str, sp.Expr] = {"u": U}
    for key, value in (params or {}).items():
        if isinstance(value, sp.Basic):
            symbols[key] = value
        else:
            symbols[key] = _number(float(value) if not isinstance(value, int) else value)  # type: ignore[arg-type]
    try:
        expr = _Translator(symbols).visit(tree)
    except (TypeError, ValueError) as exc:
        if isinstance(exc, BoundkitError):
            raise
        raise BoundkitError(f"invalid generator expression {text!r}: {exc}") from None
    return sp.sympify(expr)


@dataclass(frozen=True)
class GeneratorCheck:
    """What :func:`check_generator` found about an expression.

    Attributes
    ----------
    f : sympy.Expr
        The (possibly normalised) generator.
    f_at_1 : sympy.Expr
        :math:`f(1)` of the expression as given.
    affine_slope : sympy.Expr or None
        :math:`f'(1)` (the slope of the affine term :math:`c(u-1)`) when f is differentiable at 1.
    convexity : str
        ``"symbolic"`` when sympy proved :math:`f'' \\ge 0`, ``"numeric"`` when checked on a grid.
    notes : tuple of str
        Human-readable remarks (normalisation done, affine term present, ...).
    """

    f: sp.Expr
    f_at_1: sp.Expr
    affine_slope: sp.Expr | None
    convexity: str
    notes: tuple[str, ...]


def _grid() -> np.ndarray:
    return np.unique(np.concatenate([np.logspace(-6, 6, 601), np.linspace(1e-3, 5.0, 400), [1.0]]))


def _numeric(expr: sp.Expr, sym: sp.Symbol):
    import scipy.special as sc

    # LambertW is allowed by the parser: give lambdify its (complex) scipy implementation, so
    # that a value off the real branch shows up as an imaginary part below
    fn = sp.lambdify(sym, expr, modules=[{"LambertW": sc.lambertw}, "numpy"])

    def call(x: np.ndarray) -> np.ndarray:
        with np.errstate(all="ignore"):
            out = np.asarray(fn(x))
        if np.iscomplexobj(out):
            bad = np.abs(out.imag) > 1e-12 * (1 + np.abs(out.real))
            out = np.where(bad, np.nan, out.real)
        return np.broadcast_to(out, np.shape(x)).astype(float)

    return call


def check_generator(
    f: sp.Expr, *, normalise: bool | str = False, label: str | None = None
) -> GeneratorCheck:
    r"""Check that ``f`` is an admissible generator and optionally normalise it.

    Parameters
    ----------
    f : sympy.Expr
        Expression in :data:`U` (no other free symbols).
    normalise : {False, True, "constant", "affine"}
        ``False``: :math:`f(1) \ne 0` is an error. ``"constant"``: use :math:`f - f(1)`.
        ``True`` or ``"affine"``: use :math:`f(u) - f(1) - f'(1)(u - 1)` (the standard form
        with :math:`f(1) = f'(1) = 0`; it defines the same divergence).
    label : str, optional
        How to name ``f`` in error messages.

    Returns
    -------
    GeneratorCheck

    Raises
    ------
    BoundkitError
        If f has other free symbols, is not real and finite on :math:`(0,\infty)`, is not
        convex on :math:`[0,\infty)`, or has :math:`f(1)\ne 0` without ``normalise``.

    Notes
    -----
    Convexity is first attempted symbolically (:math:`f''(u) \ge 0` for :math:`u > 0`, piece
    by piece for non-smooth f, with non-decreasing one-sided slopes at the kinks); when sympy
    cannot decide, the slopes of f on a fine grid of :math:`[10^{-6}, 10^6]` must be
    non-decreasing:

    .. math:: \frac{f(u_{i+1})-f(u_i)}{u_{i+1}-u_i} \text{ non-decreasing in } i.

    Examples
    --------
    >>> from boundkit.generators import U
    >>> check_generator(U**2 - 1, normalise="affine").f
    u**2 - 2*u + 1
    """
    label = label or str(f)
    f = sp.sympify(f)
    extra = f.free_symbols - {U}
    if extra:
        names = ", ".join(sorted(str(s) for s in extra))
        raise BoundkitError(f"generator {label} has unknown symbols {names}: the variable is u")
    if f.has(sp.I) or f.has(sp.zoo) or f.has(sp.nan):
        raise BoundkitError(f"generator {label} is not real-valued")
    fp = f.subs(U, UP)
    grid = _grid()
    values = _numeric(fp, UP)(grid)
    if np.any(np.isnan(values)):
        bad = grid[np.isnan(values)][0]
        raise BoundkitError(
            f"generator {label} is not real-valued on (0, oo) (e.g. at u = {bad:.3g})"
        )
    notes: list[str] = []
    if np.any(~np.isfinite(values)):
        first = int(np.argmax(~np.isfinite(values)))
        overflow = (
            grid[first] > 1.0
            and np.all(values[first:] == np.inf)
            and _finite_exact(fp, grid[first])
        )
        if not overflow:
            bad = grid[first]
            raise BoundkitError(
                f"generator {label} is not finite on (0, oo) (e.g. at u = {bad:.3g})"
            )
        grid, values = grid[:first], values[:first]
        notes.append(f"f overflows float64 beyond u = {grid[-1]:.3g}: checked up to there")
    # convexity
    convexity = _convexity(fp, grid, values, label)
    if convexity == "numeric":
        notes.append("convexity checked numerically on a grid (sympy could not prove f'' >= 0)")
    try:
        with cpu_time_limit(SYMBOLIC_CHECK_BUDGET, _CheckTimeout):
            f1 = _exact(fp.subs(UP, 1))
    except (_CheckTimeout, RecursionError):
        raise BoundkitError(
            f"generator {label}: sympy could not simplify f(1) within "
            f"{SYMBOLIC_CHECK_BUDGET:g} s of CPU time"
        ) from None
    slope = _slope_at_1(fp)
    if slope is not None and slope != 0:
        notes.append(
            f"f has an affine part: f'(1) = {slope}; f(u) - ({slope})*(u - 1) gives the same "
            "divergence"
        )
    mode = {False: None, True: "affine"}.get(normalise, normalise)  # type: ignore[arg-type]
    if mode not in (None, "constant", "affine"):
        raise BoundkitError(f"normalise must be False, 'constant' or 'affine', got {normalise!r}")
    if f1 != 0:
        if mode is None:
            raise BoundkitError(
                f"generator {label} has f(1) = {f1}, expected f(1) = 0 "
                "(pass normalise='constant' or --normalise to use f(u) - f(1))"
            )
        notes.append(f"normalised: subtracted f(1) = {f1}")
    g = fp - f1 if f1 != 0 and mode is not None else fp
    if mode == "affine" and slope is not None and slope != 0:
        g = g - slope * (UP - 1)
        notes.append(f"normalised: subtracted the affine term ({slope})*(u - 1)")
    return GeneratorCheck(
        f=g.subs(UP, U),
        f_at_1=f1,
        affine_slope=slope,
        convexity=convexity,
        notes=tuple(notes),
    )


def _exact(x: sp.Expr) -> sp.Expr:
    """Simplify an exact number; floats (from decimal literals) become rationals.

    No ``nsimplify`` of exact transcendental values: it would guess a different number.
    """
    x = sp.simplify(x)
    return sp.nsimplify(x, rational=True) if x.has(sp.Float) else x


def _finite_exact(fp: sp.Expr, at: float) -> bool:
    """Whether f(at) is a finite real number in exact arithmetic (float64 may overflow)."""
    try:
        val = sp.N(fp.subs(UP, sp.Float(at, 30)), 30)
    except Exception:  # noqa: BLE001 - sympy may fail on exotic input
        return False
    return bool(val.is_real and val.is_finite)


def _slope_at_1(fp: sp.Expr) -> sp.Expr | None:
    try:
        with cpu_time_limit(SYMBOLIC_CHECK_BUDGET, _CheckTimeout):
            left = sp.limit(sp.diff(fp, UP), UP, 1, "-")
            right = sp.limit(sp.diff(fp, UP), UP, 1, "+")
            if left == right and left.is_finite:
                return _exact(left)
    except (_CheckTimeout, RecursionError):
        return None
    except Exception:  # noqa: BLE001 - sympy may fail on exotic input
        return None
    return None


def _convexity(fp: sp.Expr, grid: np.ndarray, values: np.ndarray, label: str) -> str:
    # numeric check first: it is the one that can reject with a witness
    du = np.diff(grid)
    with np.errstate(all="ignore"):
        return _convexity_checked(fp, grid, values, label, du)


def _convexity_checked(fp, grid, values, label, du) -> str:
    slopes = np.diff(values) / du
    scale = 1e-7 * (1.0 + np.abs(slopes[1:]) + np.abs(slopes[:-1]))
    scale = scale + 1e-9 * (np.abs(values[1:-1]) / np.minimum(du[1:], du[:-1]))
    drop = slopes[:-1] - slopes[1:]
    if np.any(drop > scale):
        i = int(np.argmax(drop - scale))
        raise BoundkitError(
            f"generator {label} is not convex on [0, oo): its slope decreases near u = "
            f"{grid[i + 1]:.4g}"
        )
    from boundkit.generators._pieces import smooth_pieces

    try:
        with cpu_time_limit(SYMBOLIC_CHECK_BUDGET, _CheckTimeout):
            pieces = smooth_pieces(fp)
            for _a, _b, g in pieces:
                second = sp.simplify(sp.diff(g, UP, 2))
                if second.is_nonnegative is not True:
                    return "numeric"
    except (_CheckTimeout, RecursionError):
        return "numeric"  # the grid check above already passed
    except Exception:  # noqa: BLE001 - sympy may fail on exotic input; the grid check passed
        return "numeric"
    return "symbolic"
