"""A curated suite of realistic one-line bugs (mutants), applied by monkeypatching.

Each :class:`Mutant` names the package it breaks, the test directories that should notice it
and the claims ``verify --quick --search`` should fail (or, for shipped false claims, pass
unexpectedly). ``apply(mp)`` takes a ``pytest.MonkeyPatch``. Used by
``tests/claims/test_mutations.py`` (every mutant listed in issue 17 must make verify fail) and
by ``benchmarks/bench_verify.py`` (kill scores by tests and by verify).
"""

from __future__ import annotations

import dataclasses
import math
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Mutant:
    name: str
    package: str
    apply: Callable[[Any], None]
    claims: tuple[str, ...]
    tests: tuple[str, ...]
    killable_by_verify: bool = True
    note: str = ""


def clear_caches() -> None:
    """Forget values cached while a mutant was applied (exact R_S of the box family)."""
    from boundkit.claims._families import _rs_profile, abs_sign_sum

    _rs_profile.cache_clear()
    abs_sign_sum.cache_clear()


def replace_everywhere(mp: Any, original: Any, new: Any) -> None:
    """Replace every module-level reference to ``original`` in boundkit by ``new``."""
    for mod in list(sys.modules.values()):
        name = getattr(mod, "__name__", "") or ""
        if not name.startswith("boundkit"):
            continue
        for attr, val in list(vars(mod).items()):
            if val is original:
                mp.setattr(mod, attr, new)


def _wrap(mp: Any, original: Any, make: Callable[[Any], Any]) -> None:
    replace_everywhere(mp, original, make(original))


# --- claims machinery -------------------------------------------------------------------
def _worst_keeps_smallest(mp: Any) -> None:
    from boundkit.claims._worst import WorstCase

    def record(self: Any, violation: Any, where: Any) -> None:
        self.cases += 1
        v = float(violation)
        if self.where is None or v < self.value or self.value == -math.inf:
            self.value, self.where = v, where

    mp.setattr(WorstCase, "record", record)


# --- duality ------------------------------------------------------------------------------
def _cvxpy_pearson_real_line(mp: Any) -> None:
    import cvxpy as cp

    import boundkit.generators._conjugate_forms as F

    table = dict(F._cvx_table())
    name, _, persp = table["pearson"]
    table["pearson"] = (name, lambda t: t + cp.square(t) / 4.0, persp)
    mp.setattr(F, "_TABLE", table)
    mp.setattr(F, "_FORM_CACHE", {})  # undo restores the cache of the unmutated forms


def _refine_unnormalised(mp: Any) -> None:
    import boundkit.duality as D

    def make(f: Any) -> Any:
        def g(*a: Any, **k: Any) -> Any:
            r = f(*a, **k)
            if r.pmf is not None:
                r.pmf = np.asarray(r.pmf) * 1.01
            return r

        return g

    _wrap(mp, D.refine, make)


def _divergence_off(mp: Any) -> None:
    import boundkit.duality as D

    def make(f: Any) -> Any:
        def g(*a: Any, **k: Any) -> Any:
            r = f(*a, **k)
            return dataclasses.replace(r, value=r.value * 1.01 + 1e-3)

        return g

    _wrap(mp, D.divergence, make)


def _shift_functional_off(mp: Any) -> None:
    import boundkit.generators as G

    def make(f: Any) -> Any:
        def g(*a: Any, **k: Any) -> Any:
            r = f(*a, **k)
            return dataclasses.replace(r, value=np.asarray(r.value) + 1e-3)

        return g

    _wrap(mp, G.shift_functional, make)


def _primal_without_ipm(mp: Any) -> None:
    import boundkit.duality as D

    def make(f: Any) -> Any:
        def g(*a: Any, **k: Any) -> Any:
            r = f(*a, **k)
            return dataclasses.replace(r, value=r.divergence, ipm=0.0)

        return g

    _wrap(mp, D.primal, make)


# --- bounds ---------------------------------------------------------------------------------
def _multiplier(mp: Any, c6: float, c7: float) -> None:
    import boundkit.bounds as Bd

    def make(f: Any) -> Any:
        return lambda claim: c7 if claim == "C7" else (c6 if claim.startswith("C6") else f(claim))

    _wrap(mp, Bd.rademacher_multiplier, make)


def _swap_deviation(mp: Any) -> None:
    import boundkit.bounds as Bd

    def make(f: Any) -> Any:
        swap = {"C6b": "C6c", "C6c": "C6b"}
        return lambda claim, *a, **k: f(swap.get(claim, claim), *a, **k)

    _wrap(mp, Bd.deviation_term, make)


def _c6c_with_c6b_deviation(mp: Any) -> None:
    import boundkit.bounds as Bd

    def make(f: Any) -> Any:
        return lambda claim, *a, **k: f("C6b" if claim == "C6c" else claim, *a, **k)

    _wrap(mp, Bd.deviation_term, make)


def _deviation_without_union(mp: Any, claim: str) -> None:
    """C6b or C6c's deviation term with log(1/delta): the union bound's 2 or 3 dropped."""
    import boundkit.bounds as Bd

    factor = {"C6b": 2.0, "C6c": 4.0}[claim]
    hoeffding = Bd.hoeffding_term

    def make(f: Any) -> Any:
        def g(c: str, n: Any, delta: Any, width: Any) -> Any:
            if c == claim:
                return factor * hoeffding(n, delta, width)
            return f(c, n, delta, width)

        return g

    _wrap(mp, Bd.deviation_term, make)


def _c7_rhs_sign_slip(mp: Any) -> None:
    import boundkit.bounds as Bd

    def make(f: Any) -> Any:
        return lambda ipm, ref, up, down: f(ipm, -np.asarray(ref), up, down)

    _wrap(mp, Bd.c7_pointwise_rhs, make)


def _hoeffding_halved(mp: Any) -> None:
    import boundkit.bounds as Bd

    def make(f: Any) -> Any:
        return lambda *a, **k: 0.5 * f(*a, **k)

    _wrap(mp, Bd.hoeffding_term, make)


def _hoeffding_exponent_eight(mp: Any) -> None:
    import boundkit.bounds._formulas as Fm

    mp.setattr(Fm, "HOEFFDING_EXPONENT", 8.0)


# --- simulation -----------------------------------------------------------------------------
def _harness_c6a_with_rn(mp: Any) -> None:
    import boundkit.simulation._harness as Hn

    orig = Hn._bound_column

    def col(claim: str, **kw: Any) -> Any:
        if claim == "C6a":
            kw = dict(kw, rademacher=np.asarray(kw["rademacher"]) / 2.0)
        return orig(claim, **kw)

    mp.setattr(Hn, "_bound_column", col)


def _duplicate_rows(mp: Any) -> None:
    import boundkit.simulation._harness as Hn

    orig = Hn._derive

    def derive(*a: Any, **k: Any) -> Any:
        out = orig(*a, **k)
        if out["replicate"].size > 1:
            out["replicate"] = out["replicate"].copy()
            out["replicate"][1] = out["replicate"][0]
        return out

    mp.setattr(Hn, "_derive", derive)


# --- complexity -----------------------------------------------------------------------------
def _scaled_bound(mp: Any, fn: Any, index: int | None, factor: float) -> None:
    def make(f: Any) -> Any:
        def g(*a: Any, **k: Any) -> Any:
            r = f(*a, **k)
            if index is None:
                return dataclasses.replace(r, value=r.value * factor)
            parts = list(r)
            parts[index] = dataclasses.replace(parts[index], value=parts[index].value * factor)
            return tuple(parts)

        return g

    _wrap(mp, fn, make)


def _khintchine_no_sqrt2(mp: Any) -> None:
    import boundkit.complexity as Cx

    _scaled_bound(mp, Cx.khintchine_bracket, 0, math.sqrt(2.0))


def _khintchine_upper_halved(mp: Any) -> None:
    import boundkit.complexity as Cx

    _scaled_bound(mp, Cx.khintchine_bracket, 1, 0.5)


def _massart_no_sqrt2(mp: Any) -> None:
    import boundkit.complexity as Cx

    _scaled_bound(mp, Cx.massart_bound, None, 1.0 / math.sqrt(2.0))


def _l1_bound_halved(mp: Any) -> None:
    import boundkit.complexity as Cx

    _scaled_bound(mp, Cx.linear_l1_bound, None, 0.5)


def _rkhs_upper_halved(mp: Any) -> None:
    import boundkit.complexity as Cx

    _scaled_bound(mp, Cx.rkhs_trace_bracket, 1, 0.5)


def _rademacher_exact_halved(mp: Any) -> None:
    import boundkit.complexity as Cx

    def make(f: Any) -> Any:
        def g(*a: Any, **k: Any) -> Any:
            r = f(*a, **k)
            return dataclasses.replace(r, estimate=r.estimate * 0.5)

        return g

    _wrap(mp, Cx.empirical_rademacher, make)


MUTANTS: tuple[Mutant, ...] = (
    Mutant(
        "worst-case keeps the smallest violation",
        "claims",
        _worst_keeps_smallest,
        ("X1-optimistic-refinement", "X2-c2-without-domain"),
        ("tests/claims",),
    ),
    Mutant(
        "cvxpy Pearson conjugate over u in R",
        "duality",
        _cvxpy_pearson_real_line,
        ("C1", "C3"),
        ("tests/duality",),
        note="C3 catches it on the three-atom instance where h - nu < -2 at the optimum "
        "(unpolished cvxpy dual against its closed form)",
    ),
    Mutant(
        "refined finite model unnormalised",
        "duality",
        _refine_unnormalised,
        ("C4", "C5"),
        ("tests/duality",),
    ),
    Mutant(
        "C3 primal without its IPM term",
        "duality",
        _primal_without_ipm,
        ("C3",),
        ("tests/duality",),
    ),
    Mutant("divergence off by 1%", "duality", _divergence_off, ("C2", "C5"), ("tests/duality",)),
    Mutant(
        "Lambda off by 1e-3",
        "generators",
        _shift_functional_off,
        ("C2", "C4", "C5"),
        ("tests/generators",),
    ),
    Mutant(
        "factor 2 dropped on the Rademacher term (C6)",
        "bounds",
        lambda mp: _multiplier(mp, 1.0, 4.0),
        ("C6a",),
        ("tests/bounds",),
    ),
    Mutant(
        "C7 multiplier 4 halved",
        "bounds",
        lambda mp: _multiplier(mp, 2.0, 2.0),
        ("C7",),
        ("tests/bounds",),
    ),
    Mutant(
        "C6a multiplier 2 read as 1.5",
        "bounds",
        lambda mp: _multiplier(mp, 1.5, 4.0),
        ("C6a",),
        ("tests/bounds",),
    ),
    Mutant(
        "C7 multiplier 4 read as 3",
        "bounds",
        lambda mp: _multiplier(mp, 2.0, 3.0),
        ("C7",),
        ("tests/bounds",),
    ),
    Mutant(
        "C6b deviation with log(1/delta) (union bound's 2 dropped)",
        "bounds",
        lambda mp: _deviation_without_union(mp, "C6b"),
        ("C6b",),
        ("tests/bounds",),
    ),
    Mutant(
        "C6c deviation with log(1/delta) (union bound's 3 dropped)",
        "bounds",
        lambda mp: _deviation_without_union(mp, "C6c"),
        ("C6c",),
        ("tests/bounds",),
    ),
    Mutant(
        "C6b/C6c deviation constants swapped",
        "bounds",
        _swap_deviation,
        ("C6c",),
        ("tests/bounds",),
        note="killed by C6c/certified (a quarter of C6b's term at delta/3 is not a valid "
        "one-sided Hoeffding step on the exact two-point tails); C6b made larger cannot fail, "
        "and the end statement C6c with C6b's term has no known counterexample",
    ),
    Mutant(
        "C6c with C6b's deviation term",
        "bounds",
        _c6c_with_c6b_deviation,
        ("C6c",),
        ("tests/bounds",),
        note="killed by C6c/certified (the proof's one-sided steps, exact two-point tails); "
        "the end statement has no known counterexample (C6c/simulation passes, tightness "
        "0.93 on the lumped box family)",
    ),
    Mutant(
        "C7 pointwise RHS sign slip (+D_f)",
        "bounds",
        _c7_rhs_sign_slip,
        ("C7",),
        ("tests/bounds", "tests/simulation"),
        note="killed by the equality instances P_n = P of the C7 numeric check",
    ),
    Mutant(
        "Hoeffding/McDiarmid deviation halved",
        "bounds",
        _hoeffding_halved,
        ("C6b", "C6c", "C9"),
        ("tests/bounds",),
    ),
    Mutant(
        "Hoeffding exponent 2 read as 8 (2n -> 8n)",
        "bounds",
        _hoeffding_exponent_eight,
        ("C6b", "C6c", "C9"),
        ("tests/bounds",),
    ),
    Mutant(
        "harness C6a column with R_n",
        "simulation",
        _harness_c6a_with_rn,
        ("C6a",),
        ("tests/simulation",),
    ),
    Mutant(
        "duplicate (n, replicate) rows",
        "simulation",
        _duplicate_rows,
        ("C6a", "C7"),
        ("tests/simulation",),
    ),
    Mutant(
        "Khintchine lower bracket without 1/sqrt 2",
        "complexity",
        _khintchine_no_sqrt2,
        ("C9",),
        ("tests/complexity",),
    ),
    Mutant(
        "Khintchine upper bracket halved",
        "complexity",
        _khintchine_upper_halved,
        ("C9",),
        ("tests/complexity",),
    ),
    Mutant(
        "Massart without the 2 in sqrt(2 log |H|)",
        "complexity",
        _massart_no_sqrt2,
        ("C9",),
        ("tests/complexity",),
    ),
    Mutant(
        "l1 Massart bound halved", "complexity", _l1_bound_halved, ("C9",), ("tests/complexity",)
    ),
    Mutant(
        "RKHS trace bound halved", "complexity", _rkhs_upper_halved, ("C9",), ("tests/complexity",)
    ),
    Mutant(
        "exact R_S halved", "complexity", _rademacher_exact_halved, ("C9",), ("tests/complexity",)
    ),
)


def by_name(name: str) -> Mutant:
    """The mutant called ``name``."""
    for m in MUTANTS:
        if m.name == name:
            return m
    raise KeyError(name)
