r"""KKT conditions of the dual over a linear class in an l2 ball (THEORY C4), symbolically."""

from __future__ import annotations

from typing import Any

import sympy as sp

from boundkit.symbolic._core import (
    NU,
    ExpectP,
    ExpectQh,
    H,
    T,
    cached_derivation,
    generator_info,
    interior_point,
    region_text,
    resolve_generator,
    substitute_support,
)
from boundkit.symbolic._derivation import Derivation, Step
from boundkit.symbolic._finish import from_checks, not_closed
from boundkit.symbolic._shift import LAMBDA, generator_steps, shift_solution
from boundkit.symbolic._verify import IdentityCheck, check_identity

__all__ = ["derive_kkt"]

B = sp.Symbol("B", positive=True)
MU = sp.Symbol("mu", positive=True)
THETA = sp.Symbol("theta", real=True)
W = sp.symbols("w_1 w_2", real=True)
G = sp.symbols("g_1 g_2", real=True)
V = sp.symbols("v_1 v_2", real=True)
IPM = sp.Symbol("IPM_H(P, Q_h*)")


def _dot(a: Any, b: Any) -> sp.Expr:
    return sp.Add(*[x * y for x, y in zip(a, b, strict=True)])


def _half_width(region: sp.Interval, c: sp.Expr) -> float:
    gaps = [abs(float(c - e)) for e in (region.inf, region.sup) if e.is_finite]
    return min([0.7] + [0.8 * g for g in gaps])


@cached_derivation("kkt")
def derive_kkt(g: Any, *, k: int = 3) -> Derivation:
    r"""Derive the KKT conditions of :math:`\max_{\|w\|_2\le B} \mathbb E_P h_w - \Lambda[h_w]`.

    The class is :math:`h_w(x) = w^\top\phi(x)`, :math:`\phi(x) \in \mathbb R^2`,
    :math:`\|w\|_2 \le B`; :math:`Q` is a support of ``k`` symbolic atoms
    :math:`\phi_i = (a_i, b_i)` with weights :math:`q_i`.

    Parameters
    ----------
    g : str or Generator
        A generator.
    k : int
        Number of atoms of :math:`Q`.

    Returns
    -------
    Derivation
        ``results["gradient"]`` is :math:`\partial\Lambda/\partial w_1` on the support when
        :math:`\Lambda` has a closed form.

    Notes
    -----
    With :math:`g = \mathbb E_P\phi - \mathbb E_{Q_{h^*}}\phi` (the gradient of the objective,
    by the envelope theorem :math:`\nabla_w\Lambda = \mathbb E_{Q_h}\phi`), the KKT conditions
    are :math:`g = \mu w^*`, :math:`\mu \ge 0`, :math:`\mu(\|w^*\|^2 - B^2) = 0`, and

    .. math::

        \mathrm{IPM}_{\mathcal H}(P, Q_{h^*}) = B\|g\|_2 = w^{*\top} g
        = \mathbb E_P h^* - \mathbb E_{Q_{h^*}} h^*

    in both the interior case (:math:`g = 0`) and the active case
    (:math:`\|w^*\| = B`, :math:`g = \mu w^*`).

    Examples
    --------
    >>> d = derive_kkt("kl")
    >>> d.status, d.method
    ('verified', 'simplify')
    """
    info = generator_info(resolve_generator(g))
    steps = generator_steps(info)
    steps.append(
        Step(
            "Class H = {h_w = w . phi : ||w||_2 <= B}, phi(x) in R^2; maximise J(w) = E_P h_w - "
            "Lambda[h_w] (concave: Lambda is convex in h)",
            "THEORY C4 with a linear class",
            sp.Eq(
                sp.Symbol("J(w)"),
                _dot(W, (ExpectP(sp.Symbol("phi_1")), ExpectP(sp.Symbol("phi_2")))) - LAMBDA,
                evaluate=False,
            ),
        )
    )
    if info.conj is None:
        return not_closed("kkt", info, steps, info.problem)
    main = info.main_branch
    assert main is not None
    checks: list[tuple[str, IdentityCheck]] = []
    a = [sp.Symbol(f"a_{i}", real=True) for i in range(1, k + 1)]
    b = [sp.Symbol(f"b_{i}", real=True) for i in range(1, k + 1)]
    qs = [sp.Symbol(f"q_{i}", positive=True) for i in range(1, k + 1)]
    qn = [*qs[:-1], 1 - sp.Add(*qs[:-1])]
    hs = [W[0] * ai + W[1] * bi for ai, bi in zip(a, b, strict=True)]
    c = interior_point(main.region, prefer=info.t0)
    hw = _half_width(main.region, c)
    ranges: dict[sp.Symbol, tuple[float, float]] = {s: (-0.5, 0.5) for s in a + b}
    ranges.update({w: (-hw / 2, hw / 2) for w in W})
    ranges.update({q: (0.05, 0.9 / k) for q in qs[:-1]})
    ranges[NU] = (float(-c - hw / 2), float(-c + hw / 2))
    # Envelope theorem, generator by generator.
    phi = NU + sp.Add(*[q * main.conj.subs(T, h - NU) for q, h in zip(qn, hs, strict=True)])
    links = [main.link.subs(T, h - NU) for h in hs]
    e_qh_a = sp.Add(*[q * r * ai for q, r, ai in zip(qn, links, a, strict=True)])
    chk_w = check_identity(sp.diff(phi, W[0]) - e_qh_a, ranges=ranges)
    chk_nu = check_identity(
        sp.diff(phi, NU) - (1 - sp.Add(*[q * r for q, r in zip(qn, links, strict=True)])),
        ranges=ranges,
    )
    checks += [("d phi/d w_1 = E_Qh a", chk_w), ("d phi/d nu = 1 - E_Q link", chk_nu)]
    steps.append(
        Step(
            f"Envelope theorem on {k} atoms phi_i = (a_i, b_i), weights q_i: with "
            "phi(nu, w) = nu + sum_i q_i f*(w . phi_i - nu), d phi/d w_1 = sum_i q_i "
            "(f*)'(h_i - nu) a_i and d phi/d nu = 1 - sum_i q_i (f*)'(h_i - nu), which is 0 at "
            "nu_h; hence grad_w Lambda[h_w] = E_{Q_h} phi",
            f"chain rule, (f*)' = d f*/dt on the branch {region_text(main.region)}; sympy: "
            f"{chk_w.method}, {chk_nu.method}",
            sp.Eq(sp.Derivative(phi, W[0]), e_qh_a, evaluate=False)
            if sp.count_ops(phi) < 200
            else None,
        )
    )
    results: dict[str, Any] = {}
    sol = shift_solution(info)
    if sol.lam is not None and sol.density is not None:
        lam = substitute_support(sol.lam, hs, qn)
        dens = substitute_support(sol.density, hs, qn)
        grad = sp.diff(lam, W[0])
        e_qh = sp.Add(*[q * dens.subs(H, h) * ai for q, h, ai in zip(qn, hs, a, strict=True)])
        chk_c = check_identity(grad - e_qh, ranges=ranges)
        checks.append(("closed form: d Lambda/d w_1 = E_Qh a", chk_c))
        results["gradient"] = grad
        steps.append(
            Step(
                f"With the closed form Lambda = {sp.sstr(sol.lam)}: differentiate directly",
                f"sympy: {chk_c.method}",
                sp.Eq(sp.Symbol("dLambda/dw_1"), ExpectQh(sp.Symbol("phi_1")), evaluate=False),
            )
        )
    steps.append(
        Step(
            "KKT for max J(w) s.t. ||w||^2 <= B^2, with the gradient g = E_P phi - E_{Q_h*} phi: "
            "g = mu w*, mu >= 0, mu (||w*||^2 - B^2) = 0",
            "concave objective, convex constraint (Slater: w = 0 is strictly feasible)",
            sp.Eq(sp.Matrix(G), MU * sp.Matrix(W), evaluate=False),
        )
    )
    lagrange = (_dot(G, G) * _dot(V, V) - _dot(V, G) ** 2) - (V[0] * G[1] - V[1] * G[0]) ** 2
    chk_cs = check_identity(lagrange)
    checks.append(("Lagrange identity (Cauchy-Schwarz)", chk_cs))
    steps.append(
        Step(
            "IPM_H(P, eta) = sup_{||v|| <= B} v . (E_P phi - E_eta phi) = "
            "B ||E_P phi - E_eta phi||: "
            "Cauchy-Schwarz, with equality at v = B g/||g||",
            f"Lagrange's identity; sympy: {chk_cs.method}",
            sp.Eq(
                _dot(G, G) * _dot(V, V) - _dot(V, G) ** 2,
                (V[0] * G[1] - V[1] * G[0]) ** 2,
                evaluate=False,
            ),
        )
    )
    norm_g = sp.sqrt(_dot(G, G))
    # Interior case: ||w*|| < B, mu = 0, g = 0.
    zero = {G[0]: 0, G[1]: 0}
    resid_int = (B * norm_g - _dot(W, G)).subs(zero)
    chk_i = check_identity(resid_int)
    checks.append(("interior case", chk_i))
    steps.append(
        Step(
            "Interior case ||w*|| < B: mu = 0, so g = 0, i.e. E_P phi = E_{Q_h*} phi; then "
            "IPM_H(P, Q_h*) = B ||g|| = 0 = w* . g = E_P h* - E_{Q_h*} h*",
            f"sympy: {chk_i.method}",
            sp.Eq(IPM, (B * norm_g).subs(zero), evaluate=False),
        )
    )
    # Active case: ||w*|| = B, g = mu w*.
    w_star = (B * sp.cos(THETA), B * sp.sin(THETA))
    g_act = (MU * w_star[0], MU * w_star[1])
    ipm_act = B * sp.sqrt(_dot(g_act, g_act))
    gap_act = _dot(w_star, g_act)
    chk_a = check_identity(ipm_act - gap_act, ranges={THETA: (-3.0, 3.0)})
    checks.append(("active case", chk_a))
    steps.append(
        Step(
            "Active case ||w*|| = B: write w* = B (cos theta, sin theta), g = mu w*; then "
            "IPM_H(P, Q_h*) = B ||g|| and E_P h* - E_{Q_h*} h* = w* . g agree (both mu B^2)",
            f"sympy: {chk_a.method}",
            sp.Eq(ipm_act, gap_act, evaluate=False),
        )
    )
    steps.append(
        Step(
            "Adding the Fenchel-Young equality D_f(Q_h*||Q) = E_{Q_h*} h* - Lambda[h*] "
            "(derivation 'fenchel-young'): D_f(Q_h*||Q) + IPM_H(P, Q_h*) = E_P h* - Lambda[h*] "
            "= D_f^H(P||Q), and Q_h* attains the infimum of C3 (strong duality)",
            "C4",
            None,
        )
    )
    results["ipm_active"] = ipm_act
    identity = sp.Eq(ipm_act, gap_act, evaluate=False)
    return from_checks("kkt", info, steps, identity, checks, results)
