r"""Discriminator guidance as a refinement (THEORY C8), derived symbolically."""

from __future__ import annotations

from typing import Any

import sympy as sp

from boundkit.symbolic._core import (
    ExpectQ,
    H,
    T,
    U,
    cached_derivation,
    generator_info,
    resolve_generator,
)
from boundkit.symbolic._derivation import Derivation, Step
from boundkit.symbolic._finish import from_checks, not_closed
from boundkit.symbolic._identities import FPRIME, _is_exponential_tilt, _pq_symbols
from boundkit.symbolic._shift import DENS, LINK, generator_steps
from boundkit.symbolic._verify import IdentityCheck, check_identity

__all__ = ["derive_guidance"]

D = sp.Symbol("d", positive=True)  # discriminator output in (0, 1)
ODDS = sp.Symbol("s", positive=True)  # odds d / (1 - d)


def _nice_h(h_d: sp.Expr) -> sp.Expr:
    """Replace h_d by log d, logit d or logit d + 1 when it equals one (checked at points)."""
    logit = sp.log(D / (1 - D))
    for cand in (sp.log(D), logit, logit + 1, sp.log(2 * D)):
        if h_d == cand:
            return cand
        chk = check_identity(h_d - cand, ranges={D: (0.05, 0.95)}, numeric_only=True)
        if chk.verified:
            return cand
    return h_d


@cached_derivation("guidance")
def derive_guidance(g: Any, *, k: int = 3) -> Derivation:
    r"""Derive that a discriminator refines :math:`Q` by its odds (C8).

    Parameters
    ----------
    g : str or Generator
        A generator. For every f with an invertible derivative, the discriminator
        :math:`d` maps to :math:`h_d = f'(d/(1-d))` and :math:`(f^*)'(h_d) = d/(1-d)`; for the
        GAN generator :math:`h_d = \log d`, for KL :math:`h_d = \operatorname{logit} d + 1`.
    k : int
        Number of symbolic atoms for the finite-support statements.

    Returns
    -------
    Derivation
        ``results["h_of_d"]`` is :math:`f'(d/(1-d))`.

    Notes
    -----
    .. math::

        (f^*)'\big(f'(\tfrac{d}{1-d})\big) = \frac{d}{1-d}, \qquad
        \text{GAN: } (f^*)'(\log d) = \frac{d}{1-d}, \qquad
        \text{KL, } h = \operatorname{logit} d:\ Q_h \propto Q\,\frac{d}{1-d}.

    At the Bayes-optimal discriminator :math:`d^* = p/(p+q)` the odds are :math:`p/q`, the
    shift :math:`\nu = 0` solves the first-order condition and :math:`Q_h = P` exactly.

    Examples
    --------
    >>> d = derive_guidance("gan")
    >>> d.result("h_of_d")
    log(d)
    >>> d.verified
    True
    """
    info = generator_info(resolve_generator(g))
    steps = generator_steps(info)
    odds = D / (1 - D)
    steps.append(
        Step(
            "A discriminator d(x) in (0, 1) (label 1 = data P, 0 = model Q) has odds d/(1 - d); "
            "claim (C8): the refinement by the discriminator multiplies Q by the odds",
            "THEORY C8",
            sp.Eq(DENS, odds, evaluate=False),
        )
    )
    if info.conj is None:
        return not_closed("guidance", info, steps, info.problem)
    main = info.main_branch
    if main is None or not main.link.has(T):
        return not_closed(
            "guidance",
            info,
            steps,
            "f' is not invertible (the link is constant on the branch through f'(1)), so a "
            "discriminator's odds cannot be carried by h through the link",
        )
    checks: list[tuple[str, IdentityCheck]] = []
    fp = sp.diff(info.f, U)
    h_d = _nice_h(sp.simplify(sp.expand_log(fp.subs(U, odds), force=True)))
    steps.append(
        Step(
            "Choose h_d = f'(d/(1 - d)), the discriminator pushed through f'",
            "(f*)' = (f')^{-1} on the branch through f'(1)",
            sp.Eq(H, h_d, evaluate=False),
        )
    )
    resid = main.link.subs(T, h_d) - odds
    chk = check_identity(resid, ranges={D: (0.05, 0.95)})
    checks.append(("(f*)'(f'(d/(1-d))) = d/(1-d)", chk))
    steps.append(
        Step(
            "Then the link returns the odds",
            f"sympy: {chk.method}",
            sp.Eq(LINK(h_d), odds, evaluate=False),
        )
    )
    results: dict[str, Any] = {"h_of_d": h_d}
    identity = sp.Eq(main.link.subs(T, h_d), odds, evaluate=False)
    gan = h_d == sp.log(D)
    if gan:
        resid = main.link.subs(T, sp.log(D)) - odds
        chk_g = check_identity(resid, ranges={D: (0.05, 0.95)})
        checks.append(("GAN: (f*)'(log d) = d/(1-d)", chk_g))
        identity = sp.Eq(main.link.subs(T, sp.log(D)), odds, evaluate=False)
        steps.append(
            Step(
                "GAN generator: h_d = log d, i.e. (f*)'(log d) = d/(1 - d)",
                f"sympy: {chk_g.method}",
                identity,
            )
        )
    tilt = _is_exponential_tilt(info)
    if tilt:
        logit = sp.log(odds)
        steps.append(
            Step(
                "KL: h_d = logit d + const, and constants do not change Q_h (the shift absorbs "
                "them), so take h = logit d = log(d/(1 - d))",
                "Q_h = Q e^h / E_Q e^h",
                sp.Eq(H, logit, evaluate=False),
            )
        )
        ds = [sp.Symbol(f"d_{i}", positive=True) for i in range(1, k + 1)]
        qs = [sp.Symbol(f"q_{i}", positive=True) for i in range(1, k + 1)]
        qn = [*qs[:-1], 1 - sp.Add(*qs[:-1])]
        z = sp.Add(*[q * sp.exp(sp.log(di / (1 - di))) for q, di in zip(qn, ds, strict=True)])
        zo = sp.Add(*[q * di / (1 - di) for q, di in zip(qn, ds, strict=True)])
        resid = sp.exp(sp.log(ds[0] / (1 - ds[0]))) / z - (ds[0] / (1 - ds[0])) / zo
        rng = {di: (0.05, 0.95) for di in ds}
        rng.update({q: (0.05, 0.9 / k) for q in qs[:-1]})
        chk_k = check_identity(resid, ranges=rng)
        checks.append(("KL: Q_h ∝ Q d/(1-d)", chk_k))
        steps.append(
            Step(
                f"On {k} atoms with discriminator values d_i and weights q_i: "
                "dQ_h/dQ(x_1) = e^{h_1} / sum_j q_j e^{h_j} = odds_1 / sum_j q_j odds_j",
                f"sympy: {chk_k.method}",
                sp.Eq(DENS, sp.exp(logit) / ExpectQ(sp.exp(H)), evaluate=False),
            )
        )
        if not gan:
            identity = sp.Eq(
                sp.exp(sp.log(ds[0] / (1 - ds[0]))) / z, (ds[0] / (1 - ds[0])) / zo, evaluate=False
            )
    # Bayes-optimal discriminator: the refinement is exact.
    pn, qn, _, rng = _pq_symbols(k)
    hs = [fp.subs(U, p / q) for p, q in zip(pn, qn, strict=True)]
    resid_atom = qn[0] * main.link.subs(T, hs[0]) - pn[0]
    resid_norm = sp.Add(*[q * main.link.subs(T, h) for q, h in zip(qn, hs, strict=True)]) - 1
    rng_b = dict(rng)
    # keep p_i/q_i near 1 so that f'(p_i/q_i) stays on the branch through f'(1)
    for name in list(rng_b):
        rng_b[name] = (0.25, 0.32)
    chk_a = check_identity(resid_atom, ranges=rng_b)
    chk_n = check_identity(resid_norm, ranges=rng_b)
    checks.append(("Bayes-optimal d: Q_h = P at an atom", chk_a))
    checks.append(("Bayes-optimal d: nu = 0 normalises", chk_n))
    steps.append(
        Step(
            f"Bayes-optimal discriminator d* = p/(p + q) on {k} atoms: odds p_i/q_i, "
            "h_i = f'(p_i/q_i); nu = 0 solves the first-order condition sum_i q_i (f*)'(h_i) = "
            "sum_i p_i = 1, and Q_h = P atom by atom",
            f"sympy: {chk_n.method} (normalisation), {chk_a.method} (atoms)",
            sp.Eq(
                sp.Symbol("q_1") * LINK(FPRIME(sp.Symbol("p_1") / sp.Symbol("q_1"))),
                sp.Symbol("p_1"),
                evaluate=False,
            ),
        )
    )
    return from_checks("guidance", info, steps, identity, checks, results)
