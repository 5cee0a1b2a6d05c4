r"""Built-in checks of C8 (discriminator guidance is a refinement): numeric and simulation.

``numeric``
    On every 1-D and 2-D toy, at random :math:`(x, t)`: the logit of the Bayes-optimal
    discriminator :math:`d^*_t = p_t/(p_t + q_t)` is differentiated by central finite
    differences of :math:`\log(d^*_t/(1 - d^*_t))` (computed from the densities, not from the
    scores), and :math:`\nabla\log q_t + \nabla\mathrm{logit}\,d^*_t` is compared with the
    closed-form :math:`\nabla\log p_t`. In 1-D, the exact guided score of the refined model
    :math:`Q_h`, :math:`h = \mathrm{logit}\,d^*_0`, computed by quadrature
    (:math:`\nabla\log q_t + \nabla\log\mathbb E_Q[e^{h(X_0)}\mid X_t = x]`), is compared with
    :math:`\nabla\log p_t` as well (the refinement by :math:`d^*` is exact: :math:`Q_h = P`).
    On every setting, the guidance refined model at :math:`t = 0` is compared with
    :func:`boundkit.duality.refine` of the same :math:`Q` (tabulated independently as a
    midpoint-rule :class:`~boundkit.distributions.GridDensity`) and the same :math:`h`: the
    densities agree at the cell centres.
``simulation``
    The guided reverse SDE with :math:`d^*` and :math:`w = 1` samples P: the Kolmogorov-Smirnov
    distance to P is below the DKW radius at level :math:`\alpha = 10^{-6}` plus a
    discretisation allowance of 0.01 (the exact discretisation error of the same sampler in the
    Gaussian toy, where the Euler-Maruyama chain is linear and its law closed form, is below
    0.004 at these step counts), and at most a fifth of the base sampler's distance. The full
    run adds trained restricted discriminators (logistic regression with linear and degree-2
    Fourier features) and checks that their guided samples are closer, in W1, to the refined
    model :math:`Q_h` than to P.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from boundkit.claims._registry import CheckOutcome, claim

__all__: list[str] = []

DISCRETISATION_ALLOWANCE = 0.01
ALPHA = 1e-6


def _fd_logit_grad(p: Any, q: Any, x: np.ndarray, t: float, eps: float) -> np.ndarray:
    """Central differences of logit d*_t = log(d/(1 - d)), d = p_t/(p_t + q_t).

    The logit is evaluated as log p_t - log q_t (the same number as log(d/(1 - d)) without the
    cancellation of 1 - d when d is near 1), from the log densities only, not the scores.
    """
    out = np.empty_like(x)
    for j in range(x.shape[1]):
        e = np.zeros(x.shape[1])
        e[j] = eps
        vals = [p.logpdf(y, t) - q.logpdf(y, t) for y in (x + e, x - e)]
        out[:, j] = (vals[0] - vals[1]) / (2 * eps)
    return out


@claim("C8", level="numeric", builtin=True)
def check_guidance_identity(*, quick: bool, rng: np.random.Generator) -> CheckOutcome:
    r"""grad log q_t + grad logit d*_t = grad log p_t, and the exact guided score of Q_h.

    Notes
    -----
    Worst relative error

    .. math:: \frac{\|\nabla\log q_t + \widehat{\nabla}\mathrm{logit}\,d^*_t
       - \nabla\log p_t\|_\infty}{1 + \|\nabla\log p_t\|_\infty}

    over toys, times and points; tolerance :math:`10^{-6}` (central differences with step
    :math:`10^{-5}` have error :math:`O(\varepsilon^2)` plus rounding
    :math:`O(10^{-16}/\varepsilon)`). The quadrature guided score has tolerance
    :math:`10^{-6}` as well, and so has the agreement of the guidance refined model with
    :func:`boundkit.duality.refine` on an independent midpoint grid (both rules are
    spectrally accurate for these smooth integrands; the density error is relative to its
    maximum).
    """
    from boundkit.distributions import GridDensity
    from boundkit.duality import refine
    from boundkit.guidance import (
        OptimalDiscriminator,
        list_guidance_settings,
        refine_by_discriminator,
    )

    n_points = 20 if quick else 200
    n_times = 4 if quick else 12
    worst = -np.inf
    counter: dict[str, Any] = {}
    cases = 0
    for toy in list_guidance_settings():
        if quick and toy.name not in ("bimodal", "missing-mode", "square-2d"):
            continue
        times = np.concatenate([[0.0], 10 ** rng.uniform(-3, np.log10(5.0), n_times - 1)])
        opt = OptimalDiscriminator(toy.p, toy.q)
        box = toy.bounds(0.0, 8.0)
        model = refine_by_discriminator(toy.q, opt, box=box)
        grid = GridDensity.from_distribution(
            toy.q, list(zip(box[0], box[1], strict=True)), 2000 if toy.dim == 1 else 200
        )
        shared = refine(grid, lambda x, d=opt: d.logit(x, 0.0), "kl")
        dens = shared.pmf / grid.cell_volume
        e = np.abs(model.pdf(grid.nodes) - dens) / dens.max()
        cases += len(e)
        i = int(np.argmax(e))
        if e[i] > worst:
            worst = float(e[i])
            counter = {
                "toy": toy.name,
                "x": grid.nodes[i].tolist(),
                "method": "guidance refined model vs duality.refine (t = 0)",
            }
        refined = model if toy.dim == 1 else None
        for t in times:
            lo, hi = toy.bounds(float(t), 3.0)
            x = rng.uniform(lo, hi, size=(n_points, toy.dim))
            sp = toy.p.score(x, t)
            lhs = toy.q.score(x, t) + _fd_logit_grad(toy.p, toy.q, x, float(t), 1e-5)
            err = np.abs(lhs - sp).max(axis=1) / (1.0 + np.abs(sp).max(axis=1))
            checks = [("finite-difference logit", err)]
            if refined is not None:
                g = refined.guided_score(x, float(t))
                checks.append(
                    (
                        "quadrature guided score of Q_h",
                        np.abs(g - sp).max(axis=1) / (1.0 + np.abs(sp).max(axis=1)),
                    )
                )
            for what, e in checks:
                cases += len(e)
                i = int(np.argmax(e))
                if e[i] > worst:
                    worst = float(e[i])
                    counter = {"toy": toy.name, "t": float(t), "x": x[i].tolist(), "method": what}
    return CheckOutcome(
        worst_violation=worst,
        tolerance=1e-6,
        cases=cases,
        counterexample=counter,
        message=f"max relative error {worst:.2e} of grad log q_t + grad logit d*_t vs grad log p_t",
    )


@claim("C8", level="simulation", builtin=True)
def check_guidance_samples_p(*, quick: bool, rng: np.random.Generator) -> CheckOutcome:
    r"""Guidance with d* samples P (KS within DKW + discretisation); restricted d -> near Q_h.

    Notes
    -----
    Violation for the d* runs (false-failure probability at most :math:`10^{-6}` per toy, by
    the Dvoretzky-Kiefer-Wolfowitz inequality, given the discretisation allowance):

    .. math:: \max\big(\mathrm{KS}_{w=1} - \varepsilon_{DKW}(n, 10^{-6}) - 0.01,\
       \mathrm{KS}_{w=1} - \mathrm{KS}_{w=0}/5\big) \le 0.

    Full run, restricted discriminators: :math:`W_1(\hat\mu, Q_h) - W_1(\hat\mu, P) \le 0`,
    with :math:`W_1` exact in 1-D.
    """
    from boundkit.guidance import (
        OptimalDiscriminator,
        build_discriminators,
        dkw_radius,
        get_guidance_setting,
        guided_sample,
        ks_distance,
        refine_by_discriminator,
        wasserstein1,
    )

    n = 20_000 if quick else 40_000
    n_steps = 150 if quick else 200
    toys = ("bimodal",) if quick else ("bimodal", "weights", "missing-mode")
    worst = -np.inf
    counter: dict[str, Any] = {}
    cases = 0
    eps = dkw_radius(n, ALPHA)
    for name in toys:
        toy = get_guidance_setting(name)
        d = OptimalDiscriminator(toy.p, toy.q)
        seed = int(rng.integers(2**63 - 1))
        ks = {}
        for w in (0.0, 1.0):
            out = guided_sample(toy.q, d, weight=w, n_particles=n, n_steps=n_steps, rng=seed)
            ks[w] = ks_distance(out.x, toy.p)
        for what, v in (
            ("KS(guided, P) - DKW radius - allowance", ks[1.0] - eps - DISCRETISATION_ALLOWANCE),
            ("KS(guided, P) - KS(base, P)/5", ks[1.0] - ks[0.0] / 5.0),
        ):
            cases += 1
            if v > worst:
                worst = float(v)
                counter = {
                    "toy": name,
                    "check": what,
                    "ks_guided": ks[1.0],
                    "ks_base": ks[0.0],
                    "dkw_radius": eps,
                    "seed": seed,
                }
    if not quick:
        toy = get_guidance_setting("bimodal")
        discs = build_discriminators(toy, ["poly:1", "fourier:2"], n_train=500, rng=rng)
        for spec, disc in discs.items():
            refined = refine_by_discriminator(toy.q, disc, box=toy.bounds(0.0, 8.0))
            out = guided_sample(
                toy.q,
                disc,
                weight=1.0,
                n_particles=20_000,
                n_steps=150,
                rng=int(rng.integers(2**63 - 1)),
            )
            cases += 1
            v = float(wasserstein1(out.x, refined) - wasserstein1(out.x, toy.p))
            if v > worst:
                worst = v
                counter = {
                    "toy": "bimodal",
                    "discriminator": spec,
                    "check": "W1(guided, Q_h) - W1(guided, P)",
                    "gap": v,
                }
    return CheckOutcome(
        worst_violation=worst,
        tolerance=0.0,
        cases=cases,
        counterexample=counter,
        message=(
            f"guided with d*: KS to P within DKW radius {eps:.4f} + {DISCRETISATION_ALLOWANCE}"
            " and far below the base sampler"
            + ("; restricted discriminators land nearer Q_h than P" if not quick else "")
        ),
    )
