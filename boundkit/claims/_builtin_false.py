r"""A false claim shipped on purpose: the proof that checks can fail.

``X1-optimistic-refinement`` states that the refinement fitted on :math:`n` samples is at least
as good as the population-optimal one, :math:`\mathrm{KL}(P\|Q_{h_n})\le\mathrm{KL}(P\|Q_{h^*})`.
By C5, :math:`\mathrm{KL}(P\|Q_h)=\mathrm{KL}(P\|Q)-\Phi(h)` with
:math:`\Phi(h)=\mathbb E_P h-\log\mathbb E_Q e^h`, and :math:`h^*` maximises :math:`\Phi` over
:math:`\mathcal H`, so the opposite inequality holds and the claim fails whenever
:math:`h_n\ne h^*` -- that is, almost surely. ``boundkit verify`` must report it as failed, with
a counterexample, and count that failure as expected.

The check is a small self-contained exact computation (numpy + scipy only): finite support
:math:`x_j` evenly spaced in :math:`[-1, 1]`, :math:`P, Q` drawn from a flat Dirichlet, the class
:math:`\mathcal H = \{w x : |w| \le B\}`, and the KL refinement
:math:`Q_w \propto Q e^{w x}` fitted by solving the (monotone) moment equation
:math:`\mathbb E_{Q_w} x = \mathbb E_{P_n} x` on :math:`[-B, B]` (clipped at the ends).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.optimize import brentq
from scipy.special import logsumexp

from boundkit.claims._registry import CheckOutcome, claim

__all__: list[str] = []

CLAIM_ID = "X1-optimistic-refinement"
B = 2.0


def _tilt_logq(logq: np.ndarray, x: np.ndarray, w: float) -> np.ndarray:
    r"""Log-weights of :math:`Q_w \propto Q e^{w x}`."""
    a = logq + w * x
    return a - logsumexp(a)


def _fit(mean_target: float, logq: np.ndarray, x: np.ndarray) -> float:
    r"""Maximiser over :math:`|w| \le B` of :math:`w m - \log \mathbb E_Q e^{w x}`.

    The derivative :math:`m - \mathbb E_{Q_w} x` is decreasing in :math:`w`, so the maximiser
    is its root when it lies in :math:`[-B, B]`, otherwise the nearer end.
    """

    def grad(w: float) -> float:
        return float(mean_target - np.exp(_tilt_logq(logq, x, w)) @ x)

    g_lo, g_hi = grad(-B), grad(B)
    if g_lo <= 0.0:
        return -B
    if g_hi >= 0.0:
        return B
    return float(brentq(grad, -B, B, xtol=1e-14, rtol=4 * np.finfo(float).eps, maxiter=200))


def _kl(p: np.ndarray, logq: np.ndarray) -> float:
    mask = p > 0
    return float(np.sum(p[mask] * (np.log(p[mask]) - logq[mask])))


def instance(instance_seed: int, n: int) -> dict[str, Any]:
    r"""Regenerate one instance of the false claim from its seed (used for counterexamples).

    Parameters
    ----------
    instance_seed : int
        The ``instance_seed`` of a counterexample.
    n : int
        Sample size.

    Returns
    -------
    dict
        Support, ``p``, ``q``, sample ``counts``, the fitted parameters ``w_n`` and ``w_star``,
        ``kl_refined_empirical`` :math:`=\mathrm{KL}(P\|Q_{h_n})`,
        ``kl_refined_population`` :math:`=\mathrm{KL}(P\|Q_{h^*})` and their difference
        ``violation``.
    """
    rng = np.random.default_rng(instance_seed)
    k = int(rng.integers(3, 9))
    x = np.linspace(-1.0, 1.0, k)
    p = rng.dirichlet(np.ones(k))
    q = rng.dirichlet(np.ones(k))
    counts = rng.multinomial(n, p)
    logq = np.log(q)
    w_star = _fit(float(p @ x), logq, x)
    w_n = _fit(float(counts @ x) / n, logq, x)
    kl_n = _kl(p, _tilt_logq(logq, x, w_n))
    kl_star = _kl(p, _tilt_logq(logq, x, w_star))
    return {
        "instance_seed": int(instance_seed),
        "n": int(n),
        "support": x.tolist(),
        "p": p.tolist(),
        "q": q.tolist(),
        "counts": counts.tolist(),
        "class": f"h(x) = w x, |w| <= {B}",
        "w_n": w_n,
        "w_star": w_star,
        "kl_refined_empirical": kl_n,
        "kl_refined_population": kl_star,
        "violation": kl_n - kl_star,
    }


@claim(
    CLAIM_ID,
    level="numeric",
    statement=(
        "FALSE ON PURPOSE: the refinement fitted on n samples is at least as good as the "
        "population-optimal one, KL(P||Q_{h_n}) <= KL(P||Q_{h*}). (By C5 the reverse holds; "
        "this claim exists to show that verify reports failures with a counterexample.)"
    ),
    latex=r"\mathrm{KL}(P\|Q_{h_n})\le\mathrm{KL}(P\|Q_{h^*})\quad\text{(false)}",
    hypotheses=("finite support", "H = {w x : |w| <= 2}", "h_n fitted on n samples of P"),
    builtin=True,
    expected="fail",
)
def check_optimistic_refinement(*, quick: bool, rng: np.random.Generator) -> CheckOutcome:
    r"""Exact check of the false claim on random finite instances.

    Notes
    -----
    For each instance the violation is

    .. math::
        \mathrm{KL}(P\|Q_{h_n}) - \mathrm{KL}(P\|Q_{h^*}) = \Phi(h^*) - \Phi(h_n) \ge 0,

    computed exactly (finite sums; the fitted parameters solve a monotone scalar equation to
    machine precision). The claim "holds" only if every violation is below ``1e-9``.
    """
    n_instances = 20 if quick else 200
    sizes = (50,) if quick else (20, 50, 200)
    seeds = rng.integers(0, 2**63 - 1, size=(n_instances, len(sizes)))
    worst: dict[str, Any] | None = None
    n_violated = 0
    for i in range(n_instances):
        for j, n in enumerate(sizes):
            inst = instance(int(seeds[i, j]), n)
            n_violated += inst["violation"] > 1e-9
            if worst is None or inst["violation"] > worst["violation"]:
                worst = inst
    assert worst is not None
    cases = n_instances * len(sizes)
    return CheckOutcome(
        worst_violation=float(worst["violation"]),
        tolerance=1e-9,
        cases=cases,
        counterexample=worst,
        message=(
            f"KL(P||Q_h_n) > KL(P||Q_h*) in {n_violated} of {cases} instances "
            "(as it must: h* is the population optimum)"
        ),
    )
