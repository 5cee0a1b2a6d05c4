r"""Derivations of the duality identities on finite supports (THEORY C2, C3, C4, C5).

Each derivation writes the objects of the theory on a support of ``k`` symbolic atoms, builds the
claimed identity as a residual ``lhs - rhs`` and checks it with
:func:`boundkit.symbolic.check_identity` (simplification to zero, or 50-digit evaluation at
random points when simplification stalls).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sympy as sp

from boundkit.symbolic._core import (
    NU,
    Branch,
    ExpectP,
    ExpectQ,
    ExpectQh,
    GenInfo,
    H,
    T,
    U,
    branch_parameter,
    cached_derivation,
    dfunc,
    dsym,
    generator_info,
    region_text,
    resolve_generator,
    substitute_support,
    support_symbols,
)
from boundkit.symbolic._derivation import Derivation, Step
from boundkit.symbolic._finish import from_check, from_checks, not_closed
from boundkit.symbolic._shift import (
    DENS,
    F_FN,
    FSTAR,
    LAMBDA,
    LINK,
    NU_H,
    generator_steps,
    shift_solution,
)
from boundkit.symbolic._verify import IdentityCheck, check_identity, combine_checks

__all__ = [
    "derive_fenchel_young",
    "derive_kl_identity",
    "derive_variational",
    "derive_weak_duality",
    "combine_checks",
]

DF_QH = dsym("D_f(Q_h||Q)", r"D_f(Q_h\|Q)")
KL_P_QH = dsym("KL(P||Q_h)", r"\mathrm{KL}(P\|Q_h)")
KL_P_Q = dsym("KL(P||Q)", r"\mathrm{KL}(P\|Q)")
DF_PQ = dsym("D_f(P||Q)", r"D_f(P\|Q)")
FPRIME = dfunc("f'", "f'")


def _info(g: Any) -> GenInfo:
    return generator_info(resolve_generator(g))


def _region_text(region: sp.Set) -> str:
    return region_text(region)


# ----------------------------------------------------------------------------- pointwise facts


def pointwise_fenchel_young(info: GenInfo, br: Branch, name: str = "s") -> IdentityCheck:
    r"""Check :math:`f((f^*)'(t)) + f^*(t) - t (f^*)'(t) = 0` for t on one branch."""
    t_expr, sym, rng = branch_parameter(br.region, name)
    link = br.link.subs(T, t_expr)
    resid = info.f.subs(U, link) + br.conj.subs(T, t_expr) - t_expr * link
    return check_identity(resid, ranges={sym: rng})


def _fprime(info: GenInfo) -> sp.Expr:
    return sp.diff(info.f, U)


def _weights_solving(
    r: Sequence[sp.Expr], ws: Sequence[sp.Symbol]
) -> tuple[dict[sp.Symbol, sp.Expr], str]:
    r"""Solve :math:`\sum_i w_i = 1` and :math:`\sum_i w_i r_i = 1` for two of the weights."""
    k = len(r)
    pairs = [(k - 2, k - 1)] + [(i, j) for i in range(k) for j in range(i + 1, k)]
    for i, j in pairs:
        det = sp.simplify(r[j] - r[i])
        if det == 0:
            continue
        rest = [m for m in range(k) if m not in (i, j)]
        s0 = 1 - sp.Add(*[ws[m] for m in rest])
        s1 = 1 - sp.Add(*[ws[m] * r[m] for m in rest])
        wi = (s0 * r[j] - s1) / det
        wj = (s1 - s0 * r[i]) / det
        return {ws[i]: wi, ws[j]: wj}, ""
    # The link takes one value on every atom: normalisation holds only if that value is 1.
    sub = {ws[-1]: 1 - sp.Add(*ws[:-1])}
    return sub, "the link is constant on these atoms"


# ----------------------------------------------------------------------------- C4 Fenchel-Young


def _fy_general(
    info: GenInfo, branches: Sequence[Branch], label: str
) -> tuple[sp.Expr, IdentityCheck, str]:
    """FY equality on a support whose atom i sits on ``branches[i]``, nu a free symbol."""
    k = len(branches)
    ts, syms, ranges = [], [], {}
    for i, br in enumerate(branches, 1):
        t_expr, sym, rng = branch_parameter(br.region, f"s_{i}")
        ts.append(t_expr)
        syms.append(sym)
        ranges[sym] = rng
    ws = [sp.Symbol(f"w_{i}", positive=True) for i in range(1, k + 1)]
    r = [br.link.subs(T, t) for br, t in zip(branches, ts, strict=True)]
    sub, why = _weights_solving(r, ws)
    for w in ws:
        ranges[w] = (0.05, 0.9 / k)
    ranges[NU] = (-1.0, 1.0)
    hs = [t + NU for t in ts]
    d_f = sp.Add(*[w * info.f.subs(U, ri) for w, ri in zip(ws, r, strict=True)])
    e_qh = sp.Add(*[w * ri * hi for w, ri, hi in zip(ws, r, hs, strict=True)])
    lam = NU + sp.Add(*[w * br.conj.subs(T, t) for w, br, t in zip(ws, branches, ts, strict=True)])
    resid = (d_f - (e_qh - lam)).subs(sub)
    if why:
        norm = sp.Add(*[w * ri for w, ri in zip(ws, r, strict=True)]).subs(sub) - 1
        if sp.simplify(norm) != 0:
            return (
                resid,
                IdentityCheck(False, "not-closed", f"{label}: normalisation impossible"),
                ("no weights make Q_h a probability with atoms on these branches"),
            )
    chk = check_identity(resid, ranges=ranges)
    return resid, chk, why


@cached_derivation("fenchel-young")
def derive_fenchel_young(g: Any, *, k: int = 3) -> Derivation:
    r"""Derive the Fenchel-Young equality :math:`D_f(Q_h\|Q) = \mathbb E_{Q_h} h - \Lambda_f^Q[h]`.

    Parameters
    ----------
    g : str or Generator
        A generator: catalogue name, expression in ``u``, or a
        :class:`boundkit.generators.Generator`.
    k : int
        Number of symbolic atoms of the finite support.

    Returns
    -------
    Derivation
        The steps, the final identity and how it was checked. ``results["residual"]`` is the
        residual on the support (closed-form shift when it exists, otherwise with
        :math:`\nu` free and the weights solving the normalisation).

    Notes
    -----
    Pointwise, at :math:`u = (f^*)'(t)` the Fenchel-Young inequality is an equality:

    .. math:: f\big((f^*)'(t)\big) + f^*(t) = t\,(f^*)'(t).

    With :math:`t_i = h_i - \nu_h`, :math:`r_i = (f^*)'(t_i)` and
    :math:`\sum_i q_i r_i = 1`, summing gives

    .. math::

        D_f(Q_h\|Q) = \sum_i q_i f(r_i) = \sum_i q_i r_i h_i - \nu_h - \sum_i q_i f^*(t_i)
        = \mathbb E_{Q_h} h - \Lambda_f^Q[h].

    Examples
    --------
    >>> d = derive_fenchel_young("kl")
    >>> d.status
    'verified'
    """
    info = _info(g)
    steps = generator_steps(info)
    steps.append(
        Step(
            "Claim (C4): the divergence of the refined model equals E_{Q_h} h - Lambda",
            "Fenchel-Young equality at the link",
            sp.Eq(DF_QH, ExpectQh(H) - LAMBDA, evaluate=False),
        )
    )
    if info.conj is None:
        return not_closed("fenchel-young", info, steps, info.problem)
    checks: list[tuple[str, IdentityCheck]] = []

    for br in info.branches:
        chk = pointwise_fenchel_young(info, br)
        checks.append((f"pointwise FY on {_region_text(br.region)}", chk))
        steps.append(
            Step(
                f"Fenchel-Young equality at u = (f*)'(t) for t in {_region_text(br.region)}",
                f"sympy: {chk.method}" + ("" if chk.verified else " (FAILED)"),
                sp.Eq(
                    info.f.subs(U, br.link) + br.conj,
                    T * br.link,
                    evaluate=False,
                ),
            )
        )
    steps.append(
        Step(
            "Sum over the atoms with t_i = h_i - nu_h, r_i = (f*)'(t_i) = dQ_h/dQ(x_i); the "
            "first-order condition sum_i q_i r_i = 1 turns -nu_h sum_i q_i r_i into -nu_h",
            "first-order condition of the shift functional",
            sp.Eq(
                ExpectQ(F_FN(DENS)),
                ExpectQ(DENS * H) - (NU_H + ExpectQ(FSTAR(H - NU_H))),
                evaluate=False,
            ),
        )
    )
    results: dict[str, Any] = {}
    identity = None
    main = info.main_branch
    assert main is not None  # closed generators have at least one branch
    configs: list[tuple[str, list[Branch]]] = [
        (f"{k} atoms on the branch {_region_text(main.region)}", [main] * k)
    ]
    for br in info.branches:
        if br is not main and k >= 2:
            configs.append(
                (
                    f"atom 1 on {_region_text(br.region)}, the others on "
                    f"{_region_text(main.region)}",
                    [br] + [main] * (k - 1),
                )
            )
    for label, branches in configs:
        resid, chk, why = _fy_general(info, branches, label)
        if chk.method == "not-closed" and not chk.verified and "impossible" in chk.note:
            steps.append(Step(f"Support with {label}: skipped", why, None))
            continue
        checks.append((f"support ({label})", chk))
        steps.append(
            Step(
                f"Finite support, {label}: t_i = s-parametrised points, nu free, the weights "
                "solving sum w_i = 1 and sum w_i r_i = 1" + (f" ({why})" if why else ""),
                f"residual D_f - (E_Qh h - Lambda); sympy: {chk.method}"
                + ("" if chk.verified else " (FAILED)"),
                sp.Eq(resid, 0, evaluate=False) if sp.count_ops(resid) < 400 else None,
            )
        )
        results.setdefault("residual", resid)
        if identity is None:
            identity = sp.Eq(resid, 0, evaluate=False)
    sol = shift_solution(info)
    if sol.nu is not None and sol.lam is not None and sol.density is not None:
        hs, _, ws = support_symbols(k)
        dens = substitute_support(sol.density, hs, ws)
        r = [dens.subs(H, hi) for hi in hs]
        d_f = sp.Add(*[w * info.f.subs(U, ri) for w, ri in zip(ws, r, strict=True)])
        e_qh = sp.Add(*[w * ri * hi for w, ri, hi in zip(ws, r, hs, strict=True)])
        lam = substitute_support(sol.lam, hs, ws)
        resid = d_f - (e_qh - lam)
        rng = {h: (-0.5, 0.5) for h in hs}
        rng.update({w: (0.05, 0.9 / k) for w in support_symbols(k)[1]})
        chk = check_identity(resid, ranges=rng)
        checks.append(("closed-form Lambda", chk))
        steps.append(
            Step(
                f"With the closed forms Lambda = {sp.sstr(sol.lam)} and dQ_h/dQ = "
                f"{sp.sstr(sol.density)} on {k} symbolic atoms h_i, weights w_i",
                f"derivations 'shift' and 'refined-density'; sympy: {chk.method}",
                sp.Eq(d_f, e_qh - lam, evaluate=False) if sp.count_ops(resid) < 400 else None,
            )
        )
        identity = sp.Eq(d_f, e_qh - lam, evaluate=False)
        results["residual"] = resid
        results["lambda"] = sol.lam
    return from_checks("fenchel-young", info, steps, identity, checks, results)


# ----------------------------------------------------------------------------- C5 KL identity


def _is_exponential_tilt(info: GenInfo) -> bool:
    sol = shift_solution(info)
    if sol.density is None:
        return False
    return sp.simplify(sol.density - sp.exp(H) / ExpectQ(sp.exp(H))) == 0


def _pq_symbols(k: int) -> tuple[list[sp.Expr], list[sp.Expr], list[sp.Symbol], dict]:
    ps = [sp.Symbol(f"p_{i}", positive=True) for i in range(1, k + 1)]
    qs = [sp.Symbol(f"q_{i}", positive=True) for i in range(1, k + 1)]
    pn = [*ps[:-1], 1 - sp.Add(*ps[:-1])]
    qn = [*qs[:-1], 1 - sp.Add(*qs[:-1])]
    ranges = {s: (0.05, 0.9 / k) for s in ps[:-1] + qs[:-1]}
    return pn, qn, ps[:-1] + qs[:-1], ranges


@cached_derivation("kl-identity")
def derive_kl_identity(g: Any = "kl", *, k: int = 3) -> Derivation:
    r"""Derive the KL refinement identity (C5) on a support of ``k`` symbolic atoms.

    Parameters
    ----------
    g : str or Generator
        A generator whose refined model is the exponential tilt :math:`Q_h \propto Q e^h`
        (KL, or ``u*log(u) - u + 1``); for any other generator the derivation reports that
        C5 does not apply.
    k : int
        Number of atoms.

    Returns
    -------
    Derivation

    Notes
    -----
    With :math:`Q_h = q_i e^{h_i} / Z`, :math:`Z = \sum_j q_j e^{h_j}`:

    .. math::

        \mathrm{KL}(P\|Q_h) = \sum_i p_i \log\frac{p_i Z}{q_i e^{h_i}}
        = \mathrm{KL}(P\|Q) - \Big(\sum_i p_i h_i - \log Z\Big).

    Examples
    --------
    >>> derive_kl_identity("kl").status
    'verified'
    >>> derive_kl_identity("pearson").status
    'not-closed'
    """
    info = _info(g)
    steps = generator_steps(info)
    steps.append(
        Step(
            "Claim (C5)",
            "THEORY C5 (P << Q, E_Q e^h < oo)",
            sp.Eq(
                KL_P_QH,
                KL_P_Q - (ExpectP(H) - sp.log(ExpectQ(sp.exp(H)))),
                evaluate=False,
            ),
        )
    )
    if info.conj is None:
        return not_closed("kl-identity", info, steps, info.problem)
    if not _is_exponential_tilt(info):
        return not_closed(
            "kl-identity",
            info,
            steps,
            "C5 is an identity of the KL refinement: for this generator Q_h is not the "
            "exponential tilt Q e^h / E_Q e^h",
        )
    steps.append(
        Step(
            "The refined model is the exponential tilt",
            "derivation 'refined-density'",
            sp.Eq(DENS, sp.exp(H) / ExpectQ(sp.exp(H)), evaluate=False),
        )
    )
    pn, qn, _, ranges = _pq_symbols(k)
    hs = [sp.Symbol(f"h_{i}", real=True) for i in range(1, k + 1)]
    ranges.update({h: (-1.5, 1.5) for h in hs})
    z = sp.Add(*[q * sp.exp(h) for q, h in zip(qn, hs, strict=True)])
    qh = [q * sp.exp(h) / z for q, h in zip(qn, hs, strict=True)]
    lhs = sp.Add(*[p * sp.log(p / w) for p, w in zip(pn, qh, strict=True)])
    kl_pq = sp.Add(*[p * sp.log(p / q) for p, q in zip(pn, qn, strict=True)])
    rhs = kl_pq - (sp.Add(*[p * h for p, h in zip(pn, hs, strict=True)]) - sp.log(z))
    steps.append(
        Step(
            f"On {k} atoms with probabilities p_i (P), q_i (Q) and values h_i "
            f"(p_{k} = 1 - the others, likewise q_{k})",
            "definition of KL and of Q_h",
            sp.Eq(KL_P_QH, lhs, evaluate=False),
        )
    )
    steps.append(
        Step(
            "Split the logarithm: log(p_i Z / (q_i e^{h_i})) = log(p_i/q_i) - h_i + log Z, and "
            "sum_i p_i log Z = log Z",
            "log of a product of positive numbers; sum_i p_i = 1",
            sp.Eq(lhs, rhs, evaluate=False),
        )
    )
    chk = check_identity(lhs - rhs, ranges=ranges)
    steps.append(
        Step(
            "Consequence: with h* maximising E_P h - log E_Q e^h over H, KL(P||Q_{h*}) = "
            "KL(P||Q) - D^H_KL(P||Q) <= KL(P||Q) whenever 0 is in H (the objective is 0 at h = 0)",
            "C5 at h = h*",
            None,
        )
    )
    identity = sp.Eq(lhs, rhs, evaluate=False)
    return from_check("kl-identity", info, steps, identity, chk, {"lhs": lhs, "rhs": rhs})


# ----------------------------------------------------------------------------- C2 variational


def _conj_full(info: GenInfo) -> sp.Expr:
    assert info.conj is not None
    return info.conj


@cached_derivation("variational")
def derive_variational(g: Any, *, k: int = 3) -> Derivation:
    r"""Derive the variational representation (C2) and its maximiser :math:`h = f'(dP/dQ)`.

    Parameters
    ----------
    g : str or Generator
        A generator.
    k : int
        Number of symbolic atoms.

    Returns
    -------
    Derivation

    Notes
    -----
    For any :math:`h`, Fenchel-Young gives
    :math:`\mathbb E_P h - \mathbb E_Q f^*(h) = \sum_i q_i (r_i h_i - f^*(h_i)) \le
    \sum_i q_i f(r_i) = D_f(P\|Q)` with :math:`r_i = p_i/q_i`, with equality at
    :math:`h_i = f'(r_i)` because :math:`f^*(f'(u)) = u f'(u) - f(u)`:

    .. math:: \sum_i p_i f'(r_i) - \sum_i q_i f^*(f'(r_i)) = \sum_i q_i f(r_i).

    Examples
    --------
    >>> derive_variational("kl").method
    'simplify'
    """
    info = _info(g)
    steps = generator_steps(info)
    steps.append(
        Step(
            "Claim (C2): D_f(P||Q) = sup_h E_P h - E_Q f*(h), attained at h = f'(dP/dQ)",
            "THEORY C2",
            sp.Eq(DF_PQ, ExpectP(FPRIME(DENS)) - ExpectQ(FSTAR(FPRIME(DENS))), evaluate=False),
        )
    )
    if info.conj is None:
        return not_closed("variational", info, steps, info.problem)
    fp = _fprime(info)
    conj = _conj_full(info)
    up = sp.Symbol("u", positive=True)
    fpu = fp.subs(U, up)
    checks: list[tuple[str, IdentityCheck]] = []
    steps.append(
        Step(
            "Upper bound for every h: E_P h - E_Q f*(h) = sum_i q_i (r_i h_i - f*(h_i)) <= "
            "sum_i q_i f(r_i), r_i = p_i / q_i",
            "Fenchel-Young inequality f(u) + f*(t) >= u t",
            None,
        )
    )
    resid_pt = conj.subs(T, fpu) - (up * fpu - info.f.subs(U, up))
    chk = check_identity(resid_pt, ranges={up: (0.1, 3.0)})
    checks.append(("f*(f'(u)) = u f'(u) - f(u)", chk))
    steps.append(
        Step(
            "Equality at t = f'(u)",
            f"u attains sup_v (t v - f(v)) at t = f'(u); sympy: {chk.method}",
            sp.Eq(FSTAR(FPRIME(U)), U * fp - info.f, evaluate=False),
        )
    )
    pn, qn, _, ranges = _pq_symbols(k)
    r = [p / q for p, q in zip(pn, qn, strict=True)]
    lhs = sp.Add(*[p * fp.subs(U, ri) for p, ri in zip(pn, r, strict=True)]) - sp.Add(
        *[q * conj.subs(T, fp.subs(U, ri)) for q, ri in zip(qn, r, strict=True)]
    )
    rhs = sp.Add(*[q * info.f.subs(U, ri) for q, ri in zip(qn, r, strict=True)])
    chk = check_identity(lhs - rhs, ranges=ranges)
    checks.append((f"support of {k} atoms", chk))
    steps.append(
        Step(
            f"On {k} atoms with probabilities p_i, q_i: the objective at h_i = f'(p_i/q_i) equals "
            "D_f(P||Q)",
            f"sympy: {chk.method}",
            sp.Eq(lhs, rhs, evaluate=False) if sp.count_ops(lhs - rhs) < 400 else None,
        )
    )
    main = info.main_branch
    if main is not None and main.link.has(T):
        resid_link = main.link.subs(T, fpu) - up
        chk_l = check_identity(resid_link, ranges={up: (0.5, 1.5)})
        checks.append(("(f*)'(f'(u)) = u near u = 1", chk_l))
        steps.append(
            Step(
                "Shifted form: Lambda[h] <= E_Q f*(h) (take nu = 0), so the shifted objective "
                "dominates; at h = f'(dP/dQ), nu = 0 solves the first-order condition because "
                "E_Q (f*)'(f'(dP/dQ)) = E_Q dP/dQ = 1, so both forms attain D_f(P||Q)",
                f"(f*)' inverts f'; sympy: {chk_l.method}",
                sp.Eq(LINK(FPRIME(U)), U, evaluate=False),
            )
        )
    else:
        steps.append(
            Step(
                "Shifted form: Lambda[h] <= E_Q f*(h) (take nu = 0); f' is not invertible "
                "here, so nu = 0 is one element of the set of optimal shifts",
                "subdifferential",
                None,
            )
        )
    identity = sp.Eq(lhs, rhs, evaluate=False)
    return from_checks("variational", info, steps, identity, checks, {"lhs": lhs, "rhs": rhs})


# ----------------------------------------------------------------------------- C3 weak duality


@cached_derivation("weak-duality")
def derive_weak_duality(g: Any, *, k: int = 3) -> Derivation:
    r"""Derive weak duality (C3) from the Fenchel-Young gap, and its equality at :math:`Q_h`.

    Parameters
    ----------
    g : str or Generator
        A generator.
    k : int
        Number of symbolic atoms (passed to the Fenchel-Young derivation).

    Returns
    -------
    Derivation

    Notes
    -----
    For :math:`h \in \mathcal H` and any :math:`\eta`,

    .. math::

        \mathbb E_P h - \Lambda_f^Q[h] = (\mathbb E_P h - \mathbb E_\eta h)
        + (\mathbb E_\eta h - \Lambda_f^Q[h]) \le \mathrm{IPM}_{\mathcal H}(P, \eta)
        + D_f(\eta\|Q),

    because the gap :math:`G(u, t) = f(u) + f^*(t) - ut` is convex in :math:`u`, stationary and
    zero at :math:`u = (f^*)'(t)`, hence :math:`\ge 0`; at :math:`\eta = Q_h` the second
    bracket is an equality (C4).

    Examples
    --------
    >>> derive_weak_duality("kl").verified
    True
    """
    info = _info(g)
    steps = generator_steps(info)
    steps.append(
        Step(
            "Claim (C3, weak duality): for every h in H and every eta, E_P h - Lambda[h] <= "
            "IPM_H(P, eta) + D_f(eta||Q); hence D_f^H(P||Q) <= inf_eta (D_f(eta||Q) + "
            "IPM_H(P, eta))",
            "THEORY C3",
            None,
        )
    )
    if info.conj is None:
        return not_closed("weak-duality", info, steps, info.problem)
    steps.append(
        Step(
            "Split: E_P h - Lambda[h] = (E_P h - E_eta h) + (E_eta h - Lambda[h]); the first "
            "bracket is <= IPM_H(P, eta) since h is in H",
            "definition of IPM_H",
            None,
        )
    )
    steps.append(
        Step(
            "Second bracket: for every nu, with u = d eta/dQ and t = h - nu, E_eta h - nu - "
            "E_Q f*(h - nu) = E_Q [u t - f*(t)] <= E_Q f(u) = D_f(eta||Q), provided the gap "
            "G(u, t) = f(u) + f*(t) - u t is >= 0",
            "E_Q u = 1",
            None,
        )
    )
    fp = _fprime(info)
    checks: list[tuple[str, IdentityCheck]] = []
    for j, br in enumerate(info.branches):
        chk = pointwise_fenchel_young(info, br, name=f"s{j}")
        checks.append((f"G((f*)'(t), t) = 0 on {_region_text(br.region)}", chk))
        steps.append(
            Step(
                f"The gap vanishes at u = (f*)'(t), t in {_region_text(br.region)}",
                f"sympy: {chk.method}",
                sp.Eq(info.f.subs(U, br.link) + br.conj - T * br.link, 0, evaluate=False),
            )
        )
        if br.link.has(T):
            t_expr, sym, rng = branch_parameter(br.region, f"s{j}")
            resid = fp.subs(U, br.link.subs(T, t_expr)) - t_expr
            chk2 = check_identity(resid, ranges={sym: rng})
            checks.append((f"dG/du = 0 at u = (f*)'(t) on {_region_text(br.region)}", chk2))
            steps.append(
                Step(
                    "... and is stationary in u there (f'((f*)'(t)) = t), so by convexity of "
                    "u -> G(u, t) (f convex) it is a minimum: G >= 0",
                    f"sympy: {chk2.method}",
                    sp.Eq(fp.subs(U, br.link), T, evaluate=False),
                )
            )
        else:
            steps.append(
                Step(
                    f"On {_region_text(br.region)} the link is the constant {br.link}: t is a "
                    "subgradient of f there (a kink or u = 0), so u = (f*)'(t) still minimises "
                    "G(., t) and G >= 0",
                    "subdifferential",
                    None,
                )
            )
    fy = derive_fenchel_young(g, k=k)
    checks.append(("equality at eta = Q_h (derivation fenchel-young)", _as_check(fy)))
    steps.append(
        Step(
            "At eta = Q_h the second bracket is an equality (C4): D_f(Q_h||Q) = E_{Q_h} h - "
            "Lambda[h]; with the KKT conditions (derivation 'kkt') the first is too, which "
            "gives strong duality for convex H",
            f"derivation 'fenchel-young': {fy.status} ({fy.method})",
            fy.identity,
        )
    )
    return from_checks("weak-duality", info, steps, fy.identity, checks, {})


def _as_check(d: Derivation) -> IdentityCheck:
    return IdentityCheck(d.verified, d.method, d.note, 0.0, d.counterexample)
