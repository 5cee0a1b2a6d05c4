r"""False claims shipped on purpose: the proof that checks can fail.

``X1`` is described below. ``X2``-``X5`` are the subtle mistakes the theory warns about, each
checked on its instance family (:mod:`boundkit.claims._families`): the near-tight instances
of the family on every run, uniform instances, and the falsifier with ``verify --search``.

- ``X2-c2-without-domain``: C2's variational formula without the restriction of h to
  :math:`\operatorname{dom} f^*` on Q-null sets (reverse KL, P = (1/2, 1/2), Q = (0, 1)).
- ``X3-pearson-real-line``: the Pearson conjugate over :math:`u \in \mathbb R`,
  :math:`t + t^2/4` also for :math:`t < -2`: its refinement has negative mass.
- ``X4-c6a-with-rn``: C6a with :math:`\mathfrak R_n` instead of :math:`2\mathfrak R_n`.
- ``X5-khintchine-no-sqrt2``: Khintchine's lower bracket without the :math:`1/\sqrt 2`.

(C6c paired with the deviation term of C6b is not shipped: no instance of the families here
violates it -- see ``docs/claims.md``.)


``X1-optimistic-refinement`` states that the refinement fitted on :math:`n` samples is at least
as good as the population-optimal one, :math:`\mathrm{KL}(P\|Q_{h_n})\le\mathrm{KL}(P\|Q_{h^*})`.
By C5, :math:`\mathrm{KL}(P\|Q_h)=\mathrm{KL}(P\|Q)-\Phi(h)` with
:math:`\Phi(h)=\mathbb E_P h-\log\mathbb E_Q e^h`, and :math:`h^*` maximises :math:`\Phi` over
:math:`\mathcal H`, so the opposite inequality holds and the claim fails whenever
:math:`h_n\ne h^*` -- that is, almost surely. ``boundkit verify`` must report it as failed, with
a counterexample, and count that failure as expected.

The check is a small exact computation (numpy, scipy and the kernel's
:func:`boundkit.generators.log_partition` for :math:`\log \mathbb E_Q e^{w x}`): finite support
:math:`x_j` evenly spaced in :math:`[-1, 1]`, :math:`P, Q` drawn from a flat Dirichlet, the class
:math:`\mathcal H = \{w x : |w| \le B\}`, and the KL refinement
:math:`Q_w \propto Q e^{w x}` fitted by solving the (monotone) moment equation
:math:`\mathbb E_{Q_w} x = \mathbb E_{P_n} x` on :math:`[-B, B]` (clipped at the ends).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.optimize import brentq

from boundkit.claims._falsifier import SearchSpace, evaluate_cases
from boundkit.claims._registry import CheckOutcome, claim, register_search
from boundkit.claims._worst import WorstCase
from boundkit.generators import log_partition

__all__: list[str] = []

CLAIM_ID = "X1-optimistic-refinement"
B = 2.0


def _tilt_logq(logq: np.ndarray, x: np.ndarray, w: float) -> np.ndarray:
    r"""Log-weights of :math:`Q_w \propto Q e^{w x}`."""
    a = logq + w * x
    return a - log_partition(a)


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
    worst = WorstCase()
    n_violated = 0
    for i in range(n_instances):
        for j, n in enumerate(sizes):
            inst = instance(int(seeds[i, j]), n)
            n_violated += inst["violation"] > 1e-9
            worst.record(inst["violation"], inst)
    return worst.outcome(
        1e-9,
        f"KL(P||Q_h_n) > KL(P||Q_h*) in {n_violated} of {worst.cases} instances "
        "(as it must: h* is the population optimum)",
    )


def _family_check(space: SearchSpace, n_random: int, message: str) -> Any:
    """A numeric check over an instance family: its near-tight starts and uniform instances."""

    def check(*, quick: bool, rng: np.random.Generator) -> CheckOutcome:
        worst = WorstCase()
        evaluate_cases(space, rng, n_random // (4 if quick else 1), worst)
        return worst.outcome(0.0, message)

    return check


def _register_family_claim(
    claim_id: str,
    space: SearchSpace,
    n_random: int,
    statement: str,
    latex: str,
    hypotheses: tuple[str, ...],
    message: str,
) -> None:
    check = _family_check(space, n_random, message)
    check.__qualname__ = f"check_{claim_id.replace('-', '_')}"
    check.__doc__ = f"Numeric check of the false claim {claim_id} on the family {space.name}."
    claim(
        claim_id,
        level="numeric",
        statement=statement,
        latex=latex,
        hypotheses=hypotheses,
        builtin=True,
        expected="fail",
    )(check)
    register_search(claim_id, "numeric", space)


def _register_subtle_false_claims() -> None:
    from boundkit.claims._families import (
        box_c6a_space,
        c2_null_set_space,
        khintchine_space,
        pearson_real_line_space,
    )

    _register_family_claim(
        "X2-c2-without-domain",
        c2_null_set_space(restrict=False),
        40,
        "FALSE ON PURPOSE: C2's shifted variational formula D_f(P||Q) >= E_P h - Lambda[h] "
        "holds for every h that is in dom f* Q-almost everywhere (no restriction on Q-null "
        "sets).",
        r"D_f(P\|Q)\ge \mathbb E_P h-\Lambda_f^Q[h]\ \text{for } h-\nu_h\in"
        r"\operatorname{dom}f^*\ Q\text{-a.e.}\quad\text{(false)}",
        ("reverse KL", "two atoms, the first Q-null"),
        "E_P h - Lambda[h] - D_f with h free on the Q-null atom",
    )
    _register_family_claim(
        "X3-pearson-real-line",
        pearson_real_line_space(),
        40,
        "FALSE ON PURPOSE: with the Pearson conjugate taken over u in R, f*(t) = t + t^2/4 "
        "for all t, the refinement dQ_h/dQ = (f*)'(h - nu_h) is a probability distribution.",
        r"1 + (h - \nu_h)/2 \ge 0\quad\text{(false)}",
        ("Pearson chi^2", "four atoms", "|h| <= B <= 3"),
        "most negative refined mass 1 + (h - nu)/2",
    )
    _register_family_claim(
        "X4-c6a-with-rn",
        box_c6a_space(multiplier=1.0),
        4,
        "FALSE ON PURPOSE: C6a with R_n instead of 2 R_n, "
        "E_S KL(P||Q_{h_n}) <= KL(P||Q_{h*}) + R_n(H).",
        r"\mathbb E_S\mathrm{KL}(P\|Q_{h_n})\le\mathrm{KL}(P\|Q_{h^*})+\mathfrak R_n"
        r"\quad\text{(false)}",
        ("box family: l_inf ball on one-hot atoms, Q mass 1 - eps on a null-feature atom",),
        "(mean excess - 4 se) / R_n - 1 on the box family (400 replicates)",
    )
    _register_family_claim(
        "X5-khintchine-no-sqrt2",
        khintchine_space(lower_factor=float(np.sqrt(2.0))),
        40,
        "FALSE ON PURPOSE: Khintchine's lower bracket without the 1/sqrt 2, "
        "R_S >= (B/n) sqrt(sum ||x_i||^2) for the linear l2 ball.",
        r"\hat{\mathfrak R}_S\ge\frac Bn\sqrt{\textstyle\sum_i\|x_i\|^2}"
        r"\quad\text{(false)}",
        ("linear class ||w||_2 <= B", "points in the plane, n <= 6"),
        "(B/n) sqrt(sum ||x_i||^2) / R_S - 1",
    )


_register_subtle_false_claims()
