"""Benchmarks of the duality package, reported as ratios against baselines measured in the same
run (``python -m pytest benchmarks/bench_duality.py --benchmark-enable -s``).

Targets (issue #3):

- duality report (dual + primal + refinement + identities) on 2,000 atoms with 10 features:
  < 3 s; compared with the scipy fallback dual on the same problem and with one cvxpy dual;
- refined-model sampling of 10^6 points: < 1 s; compared with sampling the base model itself
  (``FiniteDistribution.sample``);
- small finite divergences (issue #20): ``perspective_divergence`` on 4 atoms within 3x of a
  plain numpy ``sum(q * f(p / q))`` measured in the same run (5,000 pairs), and ``divergence`` on
  two ``FiniteDistribution`` (which also aligns the supports) within 3x too.

Set ``BOUNDKIT_BENCH_SMALL=1`` to shrink the sizes (smoke run).
"""

from __future__ import annotations

import numpy as np
import pytest
from _baseline import SMALL, best_of, report, timed

from boundkit.classes import LinearClass
from boundkit.distributions import FiniteDistribution
from boundkit.duality import divergence, duality_report, refine, restricted_divergence
from boundkit.generators import get_generator, perspective_divergence

K = 200 if SMALL else 2000
N_SAMPLES = 100_000 if SMALL else 1_000_000


def _problem():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(K, 2))
    W = rng.normal(size=(2, 10))
    P = FiniteDistribution(x, rng.dirichlet(np.ones(K)))
    Q = FiniteDistribution(x, rng.dirichlet(np.ones(K)))

    def features(z):
        return np.tanh(z @ W)

    return P, Q, LinearClass(features=features, B=1.0)


@pytest.mark.parametrize("name", ["kl", "pearson"])
def test_duality_report_2000_atoms_10_features(benchmark, name):
    P, Q, cls = _problem()
    restricted_divergence(name, P, Q, cls)  # warm the generator and cvxpy caches
    t_scipy = best_of(lambda: restricted_divergence(name, P, Q, cls, solver="scipy"), 2)
    t_cvx = best_of(lambda: restricted_divergence(name, P, Q, cls, solver="cvxpy", polish=False), 2)
    rep, t_rep = timed(benchmark, lambda: duality_report(name, P, Q, cls), rounds=2)
    assert rep.status == "optimal" and rep.worst_error < 1e-6
    report(
        benchmark,
        generator=name,
        atoms=K,
        report_s=t_rep,
        cvxpy_dual_s=t_cvx,
        scipy_dual_s=t_scipy,
        report_over_scipy_dual=t_rep / t_scipy,
        cvxpy_over_scipy_dual=t_cvx / t_scipy,
        target_s=3.0,
    )
    if not SMALL:
        assert t_rep < 3.0 * 2  # the target is 3 s; twice that fails on a loaded machine only


def test_refined_sampling_1e6(benchmark):
    P, Q, cls = _problem()
    rng = np.random.default_rng(1)
    Qh = refine(Q, rng.normal(size=K), "kl")
    t_base = best_of(lambda: Q.sample(N_SAMPLES, rng=2))
    out, t_ref = timed(benchmark, lambda: Qh.sample(N_SAMPLES, rng=3), rounds=3)
    assert out.shape == (N_SAMPLES, 2)
    report(
        benchmark,
        n=N_SAMPLES,
        refined_s=t_ref,
        base_s=t_base,
        refined_over_base=t_ref / t_base,
        target_s=1.0,
    )
    if not SMALL:
        assert t_ref < 1.0 * 2


#: plain numpy f(u) of each benchmarked generator (the baseline: no validation, no stability)
_PLAIN = {
    "kl": lambda u: u * np.log(u),
    "pearson": lambda u: (u - 1.0) ** 2,
    "squared_hellinger": lambda u: (np.sqrt(u) - 1.0) ** 2,
    "jensen_shannon": lambda u: u * np.log(u) - (u + 1.0) * np.log((u + 1.0) / 2.0),
}


@pytest.mark.parametrize("name", sorted(_PLAIN))
def test_small_finite_divergence_4_atoms(benchmark, name):
    rng = np.random.default_rng(4)
    n_pairs = 500 if SMALL else 5000
    P = rng.dirichlet(np.ones(4), size=n_pairs)
    Q = rng.dirichlet(np.ones(4), size=n_pairs)
    g = get_generator(name)
    f = _PLAIN[name]

    def plain():
        return [float(np.sum(q * f(p / q))) for p, q in zip(P, Q, strict=True)]

    def kernel():
        return [perspective_divergence(g, p, q) for p, q in zip(P, Q, strict=True)]

    atoms = np.arange(4.0)
    dists = [
        (FiniteDistribution(atoms, p), FiniteDistribution(atoms, q))
        for p, q in zip(P[:200], Q[:200], strict=True)
    ]

    def public():
        return [divergence(g, a, b).value for a, b in dists]

    np.testing.assert_allclose(kernel(), plain(), rtol=1e-10)
    t_plain = best_of(plain, 5)
    t_public = best_of(public, 3) * n_pairs / len(dists)
    out, t_kernel = timed(benchmark, kernel, rounds=5)
    assert len(out) == n_pairs
    report(
        benchmark,
        generator=name,
        pairs=n_pairs,
        kernel_us=1e6 * t_kernel / n_pairs,
        plain_numpy_us=1e6 * t_plain / n_pairs,
        kernel_over_numpy=t_kernel / t_plain,
        divergence_over_numpy=t_public / t_plain,
        target_ratio=3.0,
    )
    assert t_kernel / t_plain < 3.0
    assert t_public / t_plain < 3.0
