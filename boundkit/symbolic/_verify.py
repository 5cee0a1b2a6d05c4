r"""Checking that a sympy expression is identically zero: simplification, then numeric points."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import mpmath
import numpy as np
import sympy as sp

from boundkit._cputime import can_limit_cpu_time, cpu_time_limit
from boundkit.symbolic._derivation import Method

__all__ = ["IdentityCheck", "check_identity", "combine_checks"]

# Expressions larger than this (sympy.count_ops) skip the full ``simplify``: it can take
# minutes on large expressions, and the numeric-point check is then the honest fallback.
_SIMPLIFY_OPS_LIMIT = 300
_DPS = 50
# CPU-time budget (seconds) of the ``simplify`` stage of one check; sympy is then interrupted
# (SIGVTALRM, main thread only; elsewhere only small expressions are simplified) and the
# numeric-point check decides. CPU time, not wall time, so that the outcome (and the method
# reported) does not depend on the load of the machine.
SIMPLIFY_BUDGET = 1.5
# CPU-time budget of the cheap rewritings (expand, cancel, log expansion), which run first;
# generous, it only guards against pathological expression swell.
REWRITE_BUDGET = 20.0


class _Timeout(Exception):
    pass


@contextlib.contextmanager
def _time_limit(seconds: float) -> Iterator[None]:
    """Raise ``_Timeout`` inside the block after ``seconds`` of CPU time (main thread only)."""
    if seconds <= 0:
        raise _Timeout
    with cpu_time_limit(seconds, _Timeout):
        yield


@dataclass(frozen=True)
class IdentityCheck:
    r"""Outcome of :func:`check_identity`.

    Parameters
    ----------
    verified : bool
        The residual was shown to vanish.
    method : {"simplify", "numeric-points", "not-closed"}
        How: symbolic simplification to zero, or agreement to ``dps`` digits at random points.
    note : str
        One line on how it went (e.g. that logarithms were expanded, the worst residual).
    worst : float
        Largest scaled residual met at numeric points (0.0 when simplification closed it).
    counterexample : mapping or None
        A point where the residual is clearly non-zero (a real failure).
    """

    verified: bool
    method: Method
    note: str = ""
    worst: float = 0.0
    counterexample: Mapping[str, Any] | None = None


def _is_zero(expr: sp.Basic) -> bool:
    return expr == 0 or expr.is_zero is True


def _symbolic_zero(expr: sp.Basic) -> tuple[bool, bool]:
    """(closed, forced): cheap rewritings first, then ``simplify`` within the time budget.

    The cheap rewritings (forced log expansion included) have their own, generous budget
    (``REWRITE_BUDGET``) and run before the time-limited ``simplify``: an identity they close
    is reported the same way whatever CPU time ``simplify`` would have needed, so the method
    reported does not depend on the machine. Only identities that need ``simplify`` itself
    depend on ``SIMPLIFY_BUDGET``.
    """
    try:
        with _time_limit(REWRITE_BUDGET):
            cheap = _cheap_zero(expr)
    except (_Timeout, RecursionError):
        cheap = (False, False)
    if cheap[0]:
        return cheap
    # sympy's simplify of Piecewise/sign expressions is slow and rarely closes: rewritings only
    heavy = can_limit_cpu_time() and not expr.has(sp.Piecewise, sp.sign, sp.Heaviside)
    if not heavy:
        return False, False
    try:
        with _time_limit(SIMPLIFY_BUDGET):
            return _simplify_zero(expr)
    except (_Timeout, RecursionError):
        return False, False


_REWRITE_ERRORS = (TypeError, ValueError, NotImplementedError, sp.PolynomialError)


def _zero_after(rewrite: Callable[[sp.Basic], sp.Basic], expr: sp.Basic) -> bool:
    """Whether ``rewrite(expr)`` is zero (False when sympy fails to rewrite it)."""
    try:
        return _is_zero(rewrite(expr))
    except _REWRITE_ERRORS:
        return False


def _cheap_zero(expr: sp.Basic) -> tuple[bool, bool]:
    """(closed, forced) by expansion, cancellation and log expansion (forced last)."""
    candidates = [
        sp.expand,
        lambda e: sp.cancel(sp.together(sp.expand(e))),
        lambda e: sp.expand(sp.powsimp(sp.expand_log(e), force=False)),
    ]
    if any(_zero_after(fn, expr) for fn in candidates):
        return True, False
    forced = [
        lambda e: sp.expand(sp.expand_log(e, force=True)),
        lambda e: sp.cancel(sp.together(sp.expand(sp.expand_log(e, force=True)))),
    ]
    if any(_zero_after(fn, expr) for fn in forced):
        return True, True
    return False, False


def _simplify_zero(expr: sp.Basic) -> tuple[bool, bool]:
    """(closed, forced) by ``sympy.simplify`` on small expressions (logs forced second)."""
    if sp.count_ops(expr) <= _SIMPLIFY_OPS_LIMIT and _zero_after(sp.simplify, expr):
        return True, False
    try:
        e2 = sp.expand_log(expr, force=True)
        if sp.count_ops(e2) <= _SIMPLIFY_OPS_LIMIT and _is_zero(sp.simplify(e2)):
            return True, True
    except _REWRITE_ERRORS:
        pass
    return False, False


def _default_range(sym: sp.Symbol) -> tuple[float, float]:
    if sym.is_positive:
        return (0.1, 3.0)
    if sym.is_nonnegative:
        return (0.0, 3.0)
    return (-2.0, 2.0)


def _numeric_points(
    expr: sp.Basic,
    ranges: Mapping[sp.Symbol, tuple[float, float]],
    *,
    n_points: int,
    seed: int,
) -> tuple[str, float, dict[str, Any] | None]:
    """Evaluate at random points; returns (verdict, worst scaled residual, counterexample)."""
    syms = sorted(expr.free_symbols, key=lambda s: s.name)
    bounds = [ranges.get(s, _default_range(s)) for s in syms]
    terms = sp.Add.make_args(expr)
    rng = np.random.default_rng(seed)
    with mpmath.workdps(_DPS):
        fn = sp.lambdify(syms, expr, modules="mpmath")
        terms_fn = sp.lambdify(syms, list(terms), modules="mpmath")
        worst = 0.0
        done = 0
        attempts = 0
        tol = mpmath.mpf(10) ** (-(_DPS - 12))
        while done < n_points and attempts < 8 * n_points:
            attempts += 1
            point = [
                mpmath.mpf(lo) + (mpmath.mpf(hi) - mpmath.mpf(lo)) * mpmath.mpf(float(rng.random()))
                for lo, hi in bounds
            ]
            try:
                val = mpmath.mpmathify(fn(*point))
                scale = max([mpmath.mpf(1)] + [abs(mpmath.mpmathify(v)) for v in terms_fn(*point)])
            except (ZeroDivisionError, ValueError, TypeError, OverflowError):
                continue
            if isinstance(val, mpmath.mpc):
                if abs(val.imag) > tol * scale:
                    continue  # outside the real domain of some term: resample
                val = val.real
            if not mpmath.isfinite(val) or not mpmath.isfinite(scale):
                continue
            rel = abs(val) / scale
            done += 1
            worst = max(worst, float(rel))
            if rel > tol:
                cex = {s.name: float(p) for s, p in zip(syms, point, strict=True)}
                cex["residual"] = float(val)
                return "fail", worst, cex
    if done < max(3, n_points // 2):
        return "undecided", worst, None
    return "pass", worst, None


def check_identity(
    residual: sp.Basic,
    *,
    ranges: Mapping[sp.Symbol, tuple[float, float]] | None = None,
    n_points: int = 8,
    seed: int = 0,
    numeric_only: bool = False,
) -> IdentityCheck:
    r"""Check that ``residual`` is identically zero.

    First cheap symbolic rewritings and (for small expressions) ``sympy.simplify``, within a
    CPU-time budget of ``SIMPLIFY_BUDGET`` seconds; then, if simplification stalls, evaluation
    at ``n_points`` random points with mpmath at 50 significant digits.

    Parameters
    ----------
    residual : sympy expression
        The claimed-zero expression ``lhs - rhs``.
    ranges : mapping of Symbol to (low, high), optional
        Where to draw each free symbol at the numeric points (defaults by assumption:
        positive ``(0.1, 3)``, real ``(-2, 2)``).
    n_points : int
        Number of numeric points.
    seed : int
        Seed of the points (reproducible).
    numeric_only : bool
        Skip simplification (used for cross-checks).

    Returns
    -------
    IdentityCheck
        ``method`` is ``"simplify"`` or ``"numeric-points"``; ``"not-closed"`` when fewer than
        half the points could be evaluated. A point with scaled residual above
        :math:`10^{-38}` is a counterexample.

    Notes
    -----
    At a numeric point the scaled residual is

    .. math:: |r(x)| / \max(1, \max_j |r_j(x)|),

    where :math:`r = \sum_j r_j` is the residual written as a sum of terms.

    Examples
    --------
    >>> import sympy as sp
    >>> x = sp.Symbol("x", positive=True)
    >>> check_identity(sp.log(x**2) - 2 * sp.log(x)).method
    'simplify'
    >>> check_identity(sp.Symbol("y") - 1).verified
    False
    """
    residual = sp.sympify(residual)
    ranges = dict(ranges or {})
    if not numeric_only:
        closed, forced = _symbolic_zero(residual)
        if closed and not forced:
            return IdentityCheck(True, "simplify", "simplifies to zero")
        if closed:
            verdict, worst, cex = _numeric_points(residual, ranges, n_points=n_points, seed=seed)
            if verdict == "pass":
                return IdentityCheck(
                    True,
                    "simplify",
                    "simplifies to zero after expanding logarithms (arguments positive on the "
                    f"domain), confirmed at {n_points} points to 50 digits",
                    worst,
                )
            if verdict == "fail":
                return IdentityCheck(
                    False, "numeric-points", "forced log expansion was invalid", worst, cex
                )
    if not residual.free_symbols:
        val = sp.N(residual, _DPS)
        if val.is_number and abs(complex(val)) < 1e-38:
            return IdentityCheck(True, "numeric-points", "constant residual is zero to 50 digits")
        return IdentityCheck(
            False,
            "numeric-points",
            f"constant residual {val}",
            abs(complex(val)),
            {"residual": str(val)},
        )
    verdict, worst, cex = _numeric_points(residual, ranges, n_points=n_points, seed=seed)
    if verdict == "pass":
        return IdentityCheck(
            True,
            "numeric-points",
            f"simplification stalled; residual below 1e-38 (relative) at {n_points} random "
            f"points with 50-digit arithmetic (worst {worst:.1e})",
            worst,
        )
    if verdict == "fail":
        return IdentityCheck(
            False,
            "numeric-points",
            f"residual {cex['residual']:.3e} at a random point" if cex else "non-zero residual",
            worst,
            cex,
        )
    return IdentityCheck(
        False, "not-closed", "simplification stalled and the residual could not be evaluated"
    )


def combine_checks(
    checks: Sequence[tuple[str, IdentityCheck]],
) -> tuple[bool, Method, str, dict[str, Any] | None]:
    """Merge labelled identity checks into (verified, method, note, counterexample).

    ``method`` is ``"simplify"`` only when every check closed by simplification; a single
    counterexample makes the whole derivation fail.
    """
    if not checks:
        return False, "not-closed", "nothing could be checked", None
    for label, c in checks:
        if c.counterexample is not None:
            cex = dict(c.counterexample)
            cex["check"] = label
            return False, "numeric-points", f"{label}: {c.note}", cex
    if not all(c.verified for _, c in checks):
        bad = [label for label, c in checks if not c.verified]
        return False, "not-closed", "could not close: " + "; ".join(bad), None
    if all(c.method == "simplify" for _, c in checks):
        return True, "simplify", "; ".join(f"{lab}: {c.note}" for lab, c in checks), None
    parts = [f"{lab}: {'simplify' if c.method == 'simplify' else c.note}" for lab, c in checks]
    return True, "numeric-points", "; ".join(parts), None
