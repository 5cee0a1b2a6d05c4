r"""Statements of boundkit's built-in claims (plain text, LaTeX, hypotheses).

These restate the theory in one notation (see ``docs/theory.md``). Where the source paper's exact
constants are unknown, the statement is boundkit's own provable version; users can register
another with :func:`boundkit.claims.register`.
"""

from __future__ import annotations

from typing import NamedTuple

__all__ = ["ClaimText", "STATEMENTS"]


class ClaimText(NamedTuple):
    """Statement of a claim in words and LaTeX, with its hypotheses."""

    statement: str
    latex: str
    hypotheses: tuple[str, ...]


STATEMENTS: dict[str, ClaimText] = {
    "C1": ClaimText(
        "The conjugate f*(t) = sup_{u>=0} (t u - f(u)) is derived correctly on u >= 0: "
        "Fenchel-Young f(u) + f*(t) >= u t with equality at the link, f** = f on [0, oo), "
        "(f*)' = (f')^{-1}, f*(f'(u)) = u f'(u) - f(u), affine invariance.",
        r"f^*(t)=\sup_{u\ge 0}\,(tu-f(u)),\quad f(u)+f^*(t)\ge ut,\quad f^{**}=f",
        ("f convex, lower semicontinuous on [0, oo)", "f(1) = 0"),
    ),
    "C2": ClaimText(
        "Variational representation: D_f(P||Q) = sup_h E_P h - E_Q f*(h) = sup_h E_P h - "
        "Lambda_f^Q[h]; the shifted form dominates the unshifted one on any class and both are "
        "attained at h = f'(dP/dQ).",
        r"D_f(P\|Q)=\sup_h\,\mathbb E_P h-\mathbb E_Q f^*(h)=\sup_h\,\mathbb E_P h-\Lambda_f^Q[h]",
        (
            "sup over measurable h with values in the closure of dom f* (shifted form: h - nu_h "
            "there) wherever Q has no mass; automatic when P << Q -- otherwise, for f'(oo) < oo, "
            "an unbounded h on an atom of P that Q does not charge makes the sup infinite",
        ),
    ),
    "C3": ClaimText(
        "Duality: D_f^H(P||Q) <= inf_eta D_f(eta||Q) + IPM_H(P, eta) for every class H, with "
        "equality (strong duality) for convex H.",
        r"D_f^{\mathcal H}(P\|Q)\le\inf_\eta\,D_f(\eta\|Q)+\mathrm{IPM}_{\mathcal H}(P,\eta)",
        ("equality: H convex, finite support or compact X with H closed and bounded",),
    ),
    "C4": ClaimText(
        "The refined model is the primal optimiser: D_f(Q_h||Q) = E_{Q_h} h - Lambda_f^Q[h] for "
        "every h, and at the maximiser h* over convex H, IPM_H(P, Q_{h*}) = E_P h* - E_{Q_{h*}} "
        "h* and D_f(Q_{h*}||Q) + IPM_H(P, Q_{h*}) = D_f^H(P||Q).",
        r"D_f(Q_{h^*}\|Q)+\mathrm{IPM}_{\mathcal H}(P,Q_{h^*})=D_f^{\mathcal H}(P\|Q)",
        ("H convex", "Lambda differentiable"),
    ),
    "C5": ClaimText(
        "KL refinement identity: KL(P||Q_h) = KL(P||Q) - (E_P h - log E_Q e^h); refinement by "
        "the best h in a class containing 0 never hurts.",
        r"\mathrm{KL}(P\|Q_h)=\mathrm{KL}(P\|Q)-\big(\mathbb E_P h-\log\mathbb E_Q e^h\big)",
        ("P << Q", "E_Q e^h < oo"),
    ),
    "C6a": ClaimText(
        "In expectation over the sample: E_S KL(P||Q_{h_n}) <= KL(P||Q_{h*}) + 2 R_n(H) "
        "(boundkit's own provable version).",
        r"\mathbb E_S\,\mathrm{KL}(P\|Q_{h_n})\le\mathrm{KL}(P\|Q_{h^*})"
        r"+2\mathfrak R_n(\mathcal H)",
        ("h_n maximises the empirical KL objective over H",),
    ),
    "C6b": ClaimText(
        "With probability >= 1 - delta: KL(P||Q_{h_n}) <= KL(P||Q_{h*}) + 2 R_n(H) + "
        "2 (b - a) sqrt(log(2/delta) / (2n)) (boundkit's own provable version).",
        r"\mathrm{KL}(P\|Q_{h_n})\le\mathrm{KL}(P\|Q_{h^*})+2\mathfrak R_n(\mathcal H)"
        r"+2(b-a)\sqrt{\log(2/\delta)/(2n)}",
        ("every h in H takes values in [a, b]",),
    ),
    "C6c": ClaimText(
        "Data-dependent, with probability >= 1 - delta: KL(P||Q_{h_n}) <= KL(P||Q_{h*}) + "
        "2 R_S(H) + 4 (b - a) sqrt(log(3/delta) / (2n)) (boundkit's own provable version).",
        r"\mathrm{KL}(P\|Q_{h_n})\le\mathrm{KL}(P\|Q_{h^*})+2\hat{\mathfrak R}_S(\mathcal H)"
        r"+4(b-a)\sqrt{\log(3/\delta)/(2n)}",
        ("every h in H takes values in [a, b]",),
    ),
    "C7": ClaimText(
        "Any f, in the discriminator's metric: IPM_H(P, Q_{h_n}) <= IPM_H(P, Q) - "
        "D_f(Q_{h_n}||Q) + sup_H(E_P h - E_{P_n} h) + sup_H(E_{P_n} h - E_P h) pointwise, so "
        "E_S IPM_H(P, Q_{h_n}) <= IPM_H(P, Q) - E_S D_f(Q_{h_n}||Q) + 4 R_n(H).",
        r"\mathrm{IPM}_{\mathcal H}(P,Q_{h_n})\le\mathrm{IPM}_{\mathcal H}(P,Q)"
        r"-D_f(Q_{h_n}\|Q)+4\mathfrak R_n(\mathcal H)",
        ("H convex", "Lambda differentiable", "h_n the empirical maximiser"),
    ),
    "C8": ClaimText(
        "Discriminator guidance is a refinement: (f*)'(log d) = d/(1-d) for the GAN generator; "
        "KL with h = logit d refines Q by the odds d/(1-d); at the Bayes-optimal d* the "
        "refinement is P, and grad log q_t + grad logit d*_t = grad log p_t along the diffusion.",
        r"\nabla\log q_t+\nabla\log\frac{d_t^*}{1-d_t^*}=\nabla\log p_t",
        ("d*_t = p_t / (p_t + q_t)",),
    ),
    "C9": ClaimText(
        "Rademacher calculus: closed forms and brackets for linear, RKHS, finite and two-layer "
        "ReLU classes; scaling, translation, convex hull and contraction rules; symmetrisation "
        "E_S sup_H (E_P h - E_{P_n} h) <= 2 R_n(H).",
        r"\mathbb E_S\sup_{h\in\mathcal H}(\mathbb E_P h-\mathbb E_{P_n}h)"
        r"\le 2\mathfrak R_n(\mathcal H)",
        ("R without absolute value, 1/n inside",),
    ),
}
