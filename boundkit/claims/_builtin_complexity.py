r"""Built-in checks of THEORY C9 (Rademacher calculus): numeric and simulation levels.

``numeric``: on random samples small enough for exact enumeration of all :math:`2^n` sign
vectors, the closed forms and brackets of C9 (Khintchine for linear :math:`\ell_2`, its
:math:`\ell_\infty` analogue, Massart for :math:`\ell_1` and finite classes, the RKHS trace
bracket, the two-layer ReLU norm bound), the rules (scaling, translation, convex hull,
contraction), the :math:`n = 2` closed form, and the agreement of the network optimiser with the
exact 1-D angle sweep.

``simulation``: Monte Carlo estimates of :math:`\mathfrak R_S` agree with exact enumeration
within 4 standard errors, and symmetrisation
:math:`\mathbb E_S\sup_{\mathcal H}(\mathbb E_P h - \mathbb E_{P_n}h) \le 2\mathfrak R_n` holds
for the linear :math:`\ell_2` class under a Gaussian, where the left side is exact:
:math:`B\,\mathbb E\|\bar X_n - \mu\|_2 = B\sqrt{2/n}\,\Gamma(\tfrac{d+1}2)/\Gamma(\tfrac d2)`.
"""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np
from scipy.special import gammaln

from boundkit.claims._registry import CheckOutcome, claim
from boundkit.claims._worst import WorstCase

__all__: list[str] = []


def _rel(a: float, b: float) -> float:
    """Relative excess of ``a`` over ``b`` (a <= b holds when <= 0)."""
    return (a - b) / max(1.0, abs(b))


@claim("C9", level="numeric", builtin=True)
def check_rademacher_calculus(*, quick: bool, rng: np.random.Generator) -> CheckOutcome:
    r"""Exact (enumerated) complexities against the closed forms and rules of C9.

    Notes
    -----
    Every inequality :math:`a \le b` contributes :math:`(a - b)/\max(1, |b|)` and every
    identity :math:`|a - b|/\max(1, |b|)`; the claim holds when the worst is below
    :math:`10^{-9}` (:math:`10^{-6}` for the optimiser-vs-sweep identity).
    """
    from boundkit.classes import FiniteClass, LinearClass, ReLUNetwork2, RKHSBall
    from boundkit.complexity import (
        empirical_rademacher,
        khintchine_bracket,
        linear_l1_bound,
        linear_linf_bracket,
        massart_bound,
        relu2_bound,
        rkhs_trace_bracket,
    )

    n_inst = 3 if quick else 12
    worst = WorstCase()
    record = worst.labelled

    for _ in range(n_inst):
        n = int(rng.integers(3, 11 if quick else 14))
        d = int(rng.integers(1, 4))
        x = rng.normal(size=(n, d)) * rng.uniform(0.5, 2.0)
        B = float(rng.uniform(0.5, 3.0))
        info = {"n": n, "d": d, "B": B}

        def R(cls: Any, pts: Any = x) -> float:
            return empirical_rademacher(cls, pts, method="exact", with_bounds=False).estimate

        r2 = R(LinearClass(p=2, B=B))
        lo, up = khintchine_bracket(x, B)
        record("khintchine-lower", _rel(lo.value, r2), **info)
        record("khintchine-upper", _rel(r2, up.value), **info)
        record("scaling", abs(R(LinearClass(p=2, B=2.5 * B)) - 2.5 * r2) / max(1.0, r2), **info)
        r1 = R(LinearClass(p=1, B=B))
        record("l1-massart", _rel(r1, linear_l1_bound(x, B).value), **info)
        rinf = R(LinearClass(p="inf", B=B))
        lo, up = linear_linf_bracket(x, B)
        record("linf-lower", _rel(lo.value, rinf), **info)
        record("linf-upper", _rel(rinf, up.value), **info)
        gamma = float(rng.uniform(0.2, 2.0))
        rk = R(RKHSBall("rbf", B=B, gamma=gamma))
        lo, up = rkhs_trace_bracket(RKHSBall("rbf", gamma=gamma).gram(x), B)
        record("rkhs-trace-lower", _rel(lo.value, rk), **info)
        record("rkhs-trace-upper", _rel(rk, up.value), **info)
        # finite classes: Massart, translation, convex hull, contraction, scaling by c < 0
        k = int(rng.integers(2, 7))
        H = rng.normal(size=(k, n))
        rf = R(FiniteClass(H), None)
        record("massart", _rel(rf, massart_bound(H).value), **info)
        g = rng.normal(size=n)
        record("translation", abs(R(FiniteClass(H + g), None) - rf) / max(1.0, rf), **info)
        lam = rng.dirichlet(np.ones(k), size=4)
        record(
            "convex-hull",
            abs(R(FiniteClass(np.vstack([H, lam @ H])), None) - rf) / max(1.0, rf),
            **info,
        )
        L = float(rng.uniform(0.5, 2.0))
        record("contraction", _rel(R(FiniteClass(L * np.tanh(H + 0.3)), None), L * rf), **info)
        record(
            "scaling-negative",
            abs(R(FiniteClass(-1.7 * H), None) - 1.7 * rf) / max(1.0, rf),
            **info,
        )
        # two-layer ReLU networks in 1-D: optimiser == sweep, and below the norm bound
        x1 = x[:, :1]
        net = ReLUNetwork2(width=4, B1=B, B2=1.3, n_restarts=2, rng=0)
        res = empirical_rademacher(net, x1, method="exact", rng=0)
        record("relu-optimiser-vs-sweep", abs(res.lower - res.estimate) - 1e-6 + 1e-9, **info)
        record("relu-lower-le-upper", _rel(res.lower, res.upper), **info)
        record("relu-norm-bound", _rel(res.estimate, relu2_bound(x1, B, 1.3).value), **info)
    # n = 2 closed form: R_S = B (||x1 + x2|| + ||x1 - x2||) / (2 n)
    for _ in range(n_inst):
        x = rng.normal(size=(2, 3))
        B = float(rng.uniform(0.5, 3.0))
        closed = B * float(np.linalg.norm(x[0] + x[1]) + np.linalg.norm(x[0] - x[1])) / 4.0
        got = empirical_rademacher(LinearClass(p=2, B=B), x, with_bounds=False).estimate
        record("n2-closed-form", abs(got - closed) / max(1.0, closed), x=x.tolist(), B=B)
    # maximal spread: every sign pattern on n points (Massart's bound and the l1 bound are then
    # within a factor about 0.85 of R_S, so a lost constant in either shows)
    for n in (4, 6):
        signs = np.array(list(itertools.product((-1.0, 1.0), repeat=n)))  # (2^n, n)
        rf = empirical_rademacher(
            FiniteClass(signs), None, method="exact", with_bounds=False
        ).estimate
        mb = massart_bound(signs).value
        record("massart-max-spread", _rel(rf, mb), n=n)
        worst.tightness(rf / mb, {"check": "massart-max-spread", "n": n})
        x = signs.T  # n points in R^(2^n): coordinate j is the sign pattern j
        r1 = empirical_rademacher(
            LinearClass(p=1, B=1.0), x, method="exact", with_bounds=False
        ).estimate
        l1 = linear_l1_bound(x, 1.0).value
        record("l1-max-spread", _rel(r1, l1), n=n)
        worst.tightness(r1 / l1, {"check": "l1-max-spread", "n": n})
    # near-tight instances of the Khintchine bracket (n = 1; n = 2 orthogonal / collinear)
    from boundkit.claims._falsifier import evaluate_cases
    from boundkit.claims._families import khintchine_space

    for space in (khintchine_space(), khintchine_space(which="upper")):
        evaluate_cases(space, rng, 2, worst)
    label = (worst.where or {}).get("check", (worst.where or {}).get("family", "-"))
    return worst.outcome(
        1e-9,
        f"{worst.cases} exact comparisons (closed forms, brackets, rules, near-tight "
        f"Khintchine instances); worst {label}",
    )


@claim("C9", level="simulation", builtin=True)
def check_rademacher_monte_carlo(*, quick: bool, rng: np.random.Generator) -> CheckOutcome:
    r"""Monte Carlo estimates vs exact enumeration, and symmetrisation against :math:`2\mathfrak
    R_n`.

    Notes
    -----
    Violations are in units of standard errors: :math:`|\hat R - R|/\mathrm{SE} - 4` for the
    Monte Carlo comparison, and :math:`(\mathrm{LHS} - 2\hat{\mathfrak R}_n)/(2\,\mathrm{SE}) - 4`
    for symmetrisation (true value :math:`\le 0`). With Gaussian-approximated errors each case
    fails falsely with probability at most :math:`6\cdot 10^{-5}`.
    """
    from boundkit.classes import FiniteClass, LinearClass, RKHSBall
    from boundkit.complexity import empirical_rademacher, expected_rademacher

    worst = WorstCase()
    record = worst.labelled

    m = 400 if quick else 4000
    for _ in range(2 if quick else 6):
        n = int(rng.integers(4, 12))
        x = rng.normal(size=(n, 2))
        seed = int(rng.integers(2**31))
        for cls in (
            LinearClass(p=1),
            LinearClass(p=2),
            RKHSBall(gamma=0.5),
            FiniteClass(rng.normal(size=(3, n))),
        ):
            pts = None if isinstance(cls, FiniteClass) else x
            ex = empirical_rademacher(cls, pts, method="exact", with_bounds=False).estimate
            mc = empirical_rademacher(
                cls, pts, method="monte-carlo", n_sigmas=m, rng=seed, with_bounds=False
            )
            record(
                "mc-vs-exact",
                abs(mc.estimate - ex) / mc.stderr - 4.0,
                n=n,
                cls=type(cls).__name__,
                seed=seed,
            )
    for d, n in ((1, 10), (3, 30)) if quick else ((1, 10), (2, 50), (5, 200)):
        mu = rng.normal(size=d)
        B = 1.5
        lhs = B * math.sqrt(2.0 / n) * math.exp(gammaln((d + 1) / 2) - gammaln(d / 2))
        seed = int(rng.integers(2**31))
        res = expected_rademacher(
            LinearClass(p=2, B=B),
            lambda k, g, mu=mu: mu + g.normal(size=(k, mu.size)),
            n,
            n_samples=20 if quick else 60,
            n_sigmas=100 if quick else 400,
            rng=seed,
        )
        record(
            "symmetrisation",
            (lhs - 2 * res.estimate) / (2 * res.stderr) - 4.0,
            d=d,
            n=n,
            lhs=lhs,
            two_rn=2 * res.estimate,
            seed=seed,
        )
    return worst.outcome(
        0.0, f"{worst.cases} Monte Carlo comparisons in standard-error units (4 SE allowed)"
    )


def _attach_searches() -> None:
    from boundkit.claims._families import khintchine_space
    from boundkit.claims._registry import register_search

    register_search("C9", "numeric", khintchine_space())
    register_search("C9", "numeric", khintchine_space(which="upper"))


_attach_searches()
