r"""Derivations of the shift functional (first-order condition, closed form) and of the
refined density (THEORY: notation, C2, C4)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sympy as sp

from boundkit._errors import BoundkitError
from boundkit.symbolic._core import (
    NU,
    ExpectQ,
    GenInfo,
    H,
    T,
    U,
    _piece_at,
    cached_derivation,
    dfunc,
    display_variance,
    dsym,
    generator_info,
    linearise,
    region_text,
    substitute_support,
    support_symbols,
)
from boundkit.symbolic._derivation import Derivation, Step
from boundkit.symbolic._finish import from_check, from_checks, not_closed
from boundkit.symbolic._verify import check_identity

__all__ = ["shift_solution", "derive_shift", "derive_refined_density", "generator_steps"]

LAMBDA = dsym("Lambda_f^Q[h]", r"\Lambda_f^Q[h]")
NU_H = dsym("nu_h", r"\nu_h")
DENS = dsym("dQ_h/dQ", r"\frac{dQ_h}{dQ}")
FSTAR = dfunc("f^*", "f^{*}")
LINK = dfunc("(f^*)'", "(f^{*})'")
F_FN = sp.Function("f")


@dataclass(frozen=True)
class ShiftSolution:
    """The closed-form optimal shift of a generator, or why there is none."""

    info: GenInfo
    foc: sp.Expr | None  # linearised E_Q (f*)'(h - nu) (moment form), on the main branch
    nu: sp.Expr | None
    lam: sp.Expr | None
    density: sp.Expr | None
    condition: Any
    reason: str = ""


def generator_steps(info: GenInfo) -> list[Step]:
    """The opening steps shared by every derivation: f, f* with its domain, the link."""
    steps = [Step("Generator", "given", sp.Eq(F_FN(U), info.f, evaluate=False))]
    if info.conj is None:
        steps.append(Step("Conjugate f*(t) = sup_{u>=0} (t u - f(u))", info.problem))
        return steps
    steps.append(
        Step(
            "Conjugate over u >= 0, with dom f* = " + region_text(info.domain),
            "derived by boundkit.generators",
            sp.Eq(FSTAR(T), info.conj, evaluate=False),
        )
    )
    steps.append(
        Step(
            "Link (f*)'(t) >= 0, the density of the refined model as a function of h - nu",
            "derivative of the conjugate (boundkit.generators)",
            sp.Eq(LINK(T), info.link, evaluate=False),
        )
    )
    return steps


def _condition(region: sp.Interval, x: sp.Expr) -> Any:
    conds = []
    if region.inf.is_finite:
        conds.append(x > region.inf if region.left_open else x >= region.inf)
    if region.sup.is_finite:
        conds.append(x < region.sup if region.right_open else x <= region.sup)
    return sp.And(*conds) if conds else sp.true


def _validity_region(info: GenInfo, br: Any) -> sp.Interval:
    """The branch region, closed at an end where the full link is continuous (same formula)."""
    region = br.region
    full = info.link
    assert full is not None
    for end, is_open in ((region.inf, region.left_open), (region.sup, region.right_open)):
        if not (is_open and end.is_finite) or info.domain.contains(end) is not sp.true:
            continue
        try:
            at_end = _piece_at(full, T, end) if isinstance(full, sp.Piecewise) else full
            same = sp.simplify(br.link.subs(T, end) - at_end.subs(T, end)) == 0
        except (BoundkitError, TypeError, ValueError):
            same = False
        if same:
            region = sp.Union(region, sp.FiniteSet(end))
    return region if isinstance(region, sp.Interval) else br.region


_SHIFT_CACHE: dict[int, ShiftSolution] = {}


def shift_solution(info: GenInfo) -> ShiftSolution:
    """Solve the first-order condition E_Q (f*)'(h - nu) = 1 for nu in closed form (cached)."""
    key = id(info)
    if key not in _SHIFT_CACHE:
        _SHIFT_CACHE[key] = _shift_solution(info)
    return _SHIFT_CACHE[key]


def _shift_solution(info: GenInfo) -> ShiftSolution:
    if info.main_branch is None:
        return ShiftSolution(info, None, None, None, None, None, info.problem or "no branch")
    br = info.main_branch
    link_t = br.link.subs(T, H - NU)
    if not br.link.has(T):
        return ShiftSolution(
            info,
            None,
            None,
            None,
            None,
            None,
            "the link is constant on the branch through f'(1), so the first-order condition is "
            "a subdifferential inclusion with no unique root nu: phi(nu) is piecewise linear and "
            "its minimum sits where some h_i - nu crosses a branch end, which depends on the "
            "ordering of the values of h (e.g. sup h), not on moments of h",
        )
    foc = linearise(link_t)
    if foc is None:
        return ShiftSolution(
            info,
            None,
            None,
            None,
            None,
            None,
            "(f*)'(h - nu) does not separate as sum_j A_j(nu) B_j(h), so E_Q (f*)'(h - nu) = 1 "
            "has no closed-form root for a general Q (it is solved numerically by "
            "boundkit.generators.shift_functional)",
        )
    try:
        sols = sp.solve(sp.Eq(foc, 1), NU, dict=False)
    except (NotImplementedError, ValueError, TypeError) as exc:
        sols = []
        why = f"sympy could not solve the first-order condition ({type(exc).__name__})"
    else:
        why = "sympy found no root of the first-order condition"
    # Keep the root that sends a constant h = c to h - nu = f'(1) (where the link equals 1).
    chosen = None
    c = sp.Symbol("c", real=True)
    for sol in sols:
        if sol.has(sp.I):
            continue
        const = sol.replace(ExpectQ, lambda arg: arg.subs(H, c))
        ok = True
        if info.t0 is not None:
            ok = sp.simplify(c - const - info.t0) == 0
        if ok:
            chosen = sol
            break
    if chosen is None:
        return ShiftSolution(info, foc, None, None, None, None, why)
    nu = sp.simplify(chosen)
    obj = linearise(br.conj.subs(T, H - NU))
    lam = None
    if obj is not None:
        lam = sp.simplify(sp.expand(nu + obj.subs(NU, nu)))
        lam = display_variance(lam)
    density = sp.simplify(sp.powsimp(br.link.subs(T, H - nu)))
    region = _validity_region(info, br)
    return ShiftSolution(info, foc, nu, lam, density, _condition(region, H - nu), "")


def _branch_step(info: GenInfo) -> Step | None:
    br = info.main_branch
    if br is None or len(info.branches) <= 1 and br.region == info.domain:
        return None
    return Step(
        "Restrict to the branch of the link through f'(1) (where a constant h lands): "
        "h - nu in " + region_text(br.region),
        "f* and (f*)' are single expressions there",
        sp.Eq(LINK(H - NU), br.link.subs(T, H - NU), evaluate=False),
    )


def _finite_support_foc(sol: ShiftSolution, k: int, density: sp.Expr) -> sp.Expr:
    hs, _, ws = support_symbols(k)
    dens = substitute_support(density, hs, ws)
    return sp.Add(*[w * dens.subs(H, hi) for hi, w in zip(hs, ws, strict=True)])


@cached_derivation("shift")
def derive_shift(g: Any, *, k: int = 3) -> Derivation:
    r"""Derive the shift functional :math:`\Lambda_f^Q[h]` step by step.

    Parameters
    ----------
    g : Generator
        A generator (see :func:`boundkit.generators.get_generator`).
    k : int
        Number of symbolic atoms of the finite support on which the first-order condition at
        the closed-form shift is checked.

    Returns
    -------
    Derivation
        With ``results`` ``"nu"`` (the optimal shift), ``"lambda"`` (the closed form in
        moments :math:`\mathbb E_Q[\cdot]`) and ``"condition"`` (where the closed form holds)
        when a closed form exists; otherwise ``method == "not-closed"`` and the reason.

    Notes
    -----
    .. math::

        \Lambda_f^Q[h] = \inf_\nu\ \nu + \mathbb E_Q f^*(h - \nu), \qquad
        \text{first-order condition: } \mathbb E_Q (f^*)'(h - \nu_h) = 1.

    A closed form is sought by writing :math:`(f^*)'(h - \nu) = \sum_j A_j(\nu) B_j(h)` and
    solving for :math:`\nu` in terms of the moments :math:`\mathbb E_Q B_j(h)`.
    """
    info = generator_info(g)
    steps = generator_steps(info)
    steps.append(
        Step(
            "Shift functional: minimise phi(nu) = nu + E_Q f*(h - nu) over nu; phi is convex "
            "because f* is, so a stationary point is the minimiser",
            "definition of Lambda_f^Q",
            sp.Eq(LAMBDA, NU + ExpectQ(FSTAR(H - NU)), evaluate=False),
        )
    )
    steps.append(
        Step(
            "First-order condition phi'(nu) = 0",
            "differentiate under E_Q",
            sp.Eq(ExpectQ(LINK(H - NU)), 1, evaluate=False),
        )
    )
    if info.conj is None:
        return not_closed("shift", info, steps, info.problem)
    bstep = _branch_step(info)
    if bstep is not None:
        steps.append(bstep)
    sol = shift_solution(info)
    if sol.foc is not None:
        steps.append(
            Step(
                "Separate h from nu in the link and take moments under Q",
                "linearity of E_Q",
                sp.Eq(sol.foc, 1, evaluate=False),
            )
        )
    if sol.nu is None:
        return not_closed("shift", info, steps, sol.reason)
    steps.append(Step("Solve for the optimal shift", "sympy.solve", sp.Eq(NU_H, sol.nu)))
    if sol.lam is not None:
        steps.append(
            Step(
                "Substitute nu_h into phi",
                "Lambda = nu_h + E_Q f*(h - nu_h), moments collected",
                sp.Eq(LAMBDA, sol.lam, evaluate=False),
            )
        )
    if sol.condition is not sp.true:
        steps.append(
            Step(
                "Validity: the closed form holds while h - nu_h stays on this branch for every "
                "atom of Q (outside it the first-order condition mixes branches and has no such "
                "simple form)",
                "branch of the link",
                sol.condition,
            )
        )
    hs, _, ws = support_symbols(k)
    total = _finite_support_foc(sol, k, sol.density)
    identity = sp.Eq(total, 1, evaluate=False)
    steps.append(
        Step(
            f"Check the first-order condition at nu_h on a support of {k} symbolic atoms "
            f"h_i with weights w_i (w_{k} = 1 - the others)",
            "substitute E_Q[g(h)] = sum_i w_i g(h_i)",
            identity,
        )
    )
    ranges = _support_ranges(hs, ws, k)
    checks = [("first-order condition at nu_h", check_identity(total - 1, ranges=ranges))]
    if sol.lam is not None and info.main_branch is not None:
        # the displayed Lambda (moments, Var_Q) against nu_h + sum_i w_i f*(h_i - nu_h)
        nu_s = substitute_support(sol.nu, hs, ws)
        direct = nu_s + sp.Add(
            *[w * info.main_branch.conj.subs(T, h - nu_s) for h, w in zip(hs, ws, strict=True)]
        )
        lam_s = substitute_support(sol.lam, hs, ws)
        chk_l = check_identity(lam_s - direct, ranges=ranges)
        checks.append(("Lambda = nu_h + E_Q f*(h - nu_h)", chk_l))
        steps.append(
            Step(
                "Check the closed form of Lambda against its definition on the same support",
                f"sympy: {chk_l.method}",
                sp.Eq(lam_s, direct, evaluate=False) if sp.count_ops(direct) < 300 else None,
            )
        )
    results = {"nu": sol.nu, "lambda": sol.lam, "condition": sol.condition}
    suffix = "" if sol.lam is not None else "; Lambda itself has no closed form"
    return from_checks("shift", info, steps, identity, checks, results, note_suffix=suffix)


def _support_ranges(hs: Any, ws: Any, k: int) -> dict[sp.Symbol, tuple[float, float]]:
    r: dict[sp.Symbol, tuple[float, float]] = {h: (-0.5, 0.5) for h in hs}
    r.update({w: (0.05, 0.9 / k) for w in ws})
    return r


@cached_derivation("refined-density")
def derive_refined_density(g: Any, *, k: int = 3) -> Derivation:
    r"""Derive the refined density :math:`dQ_h/dQ = (f^*)'(h - \nu_h)` and its normalisation.

    Parameters
    ----------
    g : Generator
        A generator.
    k : int
        Number of symbolic atoms of the finite support on which normalisation is checked.

    Returns
    -------
    Derivation
        ``results["density"]`` is the density in :math:`h` and moments of :math:`h` under
        :math:`Q` (e.g. :math:`e^h / \mathbb E_Q e^h` for KL) when a closed form exists.

    Notes
    -----
    .. math::

        \frac{dQ_h}{dQ} = (f^*)'(h - \nu_h), \qquad
        \mathbb E_Q \frac{dQ_h}{dQ} = \mathbb E_Q (f^*)'(h - \nu_h) = 1.
    """
    info = generator_info(g)
    steps = generator_steps(info)
    steps.append(
        Step(
            "Refined model: density w.r.t. Q is the link at h - nu_h",
            "definition (THEORY, notation)",
            sp.Eq(DENS, LINK(H - NU_H), evaluate=False),
        )
    )
    steps.append(
        Step(
            "Its normalisation is the first-order condition of the shift functional",
            "d/dnu [nu + E_Q f*(h - nu)] = 1 - E_Q (f*)'(h - nu) = 0 at nu_h",
            sp.Eq(ExpectQ(LINK(H - NU_H)), 1, evaluate=False),
        )
    )
    if info.conj is None:
        return not_closed("refined-density", info, steps, info.problem)
    sol = shift_solution(info)
    if sol.nu is None:
        return not_closed(
            "refined-density",
            info,
            steps,
            sol.reason + "; the density is (f*)'(h - nu_h) with nu_h found numerically",
        )
    steps.append(Step("Optimal shift", "derivation 'shift'", sp.Eq(NU_H, sol.nu)))
    steps.append(
        Step(
            "Substitute nu_h into the link",
            "closed form on the branch through f'(1)",
            sp.Eq(DENS, sol.density, evaluate=False),
        )
    )
    if sol.condition is not sp.true:
        steps.append(Step("Validity (every atom of Q)", "branch of the link", sol.condition))
    lin = linearise(sol.density, H, None)
    if lin is not None:
        steps.append(
            Step(
                "Normalisation in moments",
                "linearity of E_Q",
                sp.Eq(ExpectQ(DENS), sp.simplify(lin), evaluate=False),
            )
        )
    hs, _, ws = support_symbols(k)
    total = _finite_support_foc(sol, k, sol.density)
    identity = sp.Eq(total, 1, evaluate=False)
    steps.append(
        Step(
            f"Check the normalisation on a support of {k} symbolic atoms",
            "substitute E_Q[g(h)] = sum_i w_i g(h_i)",
            identity,
        )
    )
    chk = check_identity(total - 1, ranges=_support_ranges(hs, ws, k))
    results = {"density": sol.density, "nu": sol.nu, "condition": sol.condition}
    return from_check("refined-density", info, steps, identity, chk, results)
