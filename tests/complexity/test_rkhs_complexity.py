"""RKHS Rademacher complexity: the fast path against a direct computation, the Nystrom
approximation's stated error bound, and the trace bound without a second Gram matrix."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from boundkit.classes import RKHSBall
from boundkit.complexity import class_bounds, empirical_rademacher, rkhs_trace_bracket
from boundkit.complexity._signs import SignStream


def test_monte_carlo_equals_a_direct_computation_with_the_same_signs():
    x = np.random.default_rng(0).normal(size=(300, 2))
    cls = RKHSBall(gamma=0.5, B=1.5)
    got = empirical_rademacher(cls, x, n_sigmas=300, rng=4)
    S = SignStream(np.random.default_rng(4), 300, 300).matrix()
    K = cls.gram(x)
    direct = 1.5 * np.sqrt(np.einsum("ij,ij->j", S, K @ S)) / 300
    np.testing.assert_allclose(got.sups, direct, rtol=1e-12)
    assert got.approximation_error == 0.0 and got.lower == got.upper == got.estimate


@pytest.mark.parametrize("rank", [2, 5, 9])
def test_nystrom_bracket_holds_exactly(rank):
    """Exact enumeration (n = 12) of both the dense and the Nystrom complexity: the stated
    bound R~ <= R <= R~ + (B/n) sqrt(tr(K - K~)) must hold, and be informative."""
    x = np.random.default_rng(rank).normal(size=(12, 2))
    cls = RKHSBall(gamma=0.3, B=2.0)
    dense = empirical_rademacher(cls, x, method="exact")
    ny = empirical_rademacher(cls, x, method="exact", max_dense_n=4, n_landmarks=rank)
    assert "nystrom" in ny.sup_method and not ny.exact
    assert ny.approximation_error > 0
    assert ny.estimate <= dense.estimate + 1e-12
    assert dense.estimate <= ny.upper + 1e-12
    assert ny.upper == pytest.approx(ny.estimate + ny.approximation_error, rel=1e-15)
    # against an independent brute force of the approximate class
    L, resid = cls.nystrom_factor(x, rank)
    signs = np.array(list(itertools.product([-1.0, 1.0], repeat=12)))
    brute = 2.0 * np.linalg.norm(signs @ L, axis=1).mean() / 12
    assert ny.estimate == pytest.approx(brute, rel=1e-12)
    assert ny.approximation_error == pytest.approx(2.0 * np.sqrt(resid.sum()) / 12, rel=1e-14)


def test_nystrom_monte_carlo_bracket_contains_the_dense_value():
    # same signs, so per sign vector sqrt(s'K~s) <= sqrt(s'Ks) <= sqrt(s'K~s) + sqrt(s'Es);
    # the mean of sqrt(s'Es) over 400 signs is within 4 SE of its expectation <= sqrt(tr E)
    # (false failure probability ~6e-5 for a random seed)
    x = np.random.default_rng(2).normal(size=(500, 1))
    cls = RKHSBall(gamma=1.0)
    dense = empirical_rademacher(cls, x, n_sigmas=400, rng=9)
    ny = empirical_rademacher(cls, x, n_sigmas=400, rng=9, max_dense_n=100, n_landmarks=16)
    assert np.all(ny.sups <= dense.sups + 1e-12)
    assert dense.estimate <= ny.upper + 4 * ny.stderr
    assert ny.approximation_error < 1e-3 * ny.estimate  # 16 landmarks suffice in 1-D


def test_bounds_reuse_the_gram_matrix(monkeypatch):
    x = np.random.default_rng(3).normal(size=(200, 2))
    cls = RKHSBall(gamma=0.5)
    shapes = []
    original = RKHSBall.gram

    def counting(self, a, b=None):
        out = original(self, a, b)
        shapes.append(out.shape)
        return out

    monkeypatch.setattr(RKHSBall, "gram", counting)
    res = empirical_rademacher(cls, x, n_sigmas=20, rng=0)
    assert [s for s in shapes if s == (200, 200)] == [(200, 200)]  # one n x n, not two
    shapes.clear()
    lo, up = class_bounds(cls, x)
    assert (200, 200) not in shapes  # the trace comes from the diagonal
    ref = rkhs_trace_bracket(original(cls, x), 1.0)
    assert up.value == pytest.approx(ref[1].value, rel=1e-14)
    assert [b.value for b in res.bounds] == pytest.approx([ref[0].value, ref[1].value])


def test_linear_monte_carlo_loop_runs_with_one_blas_thread():
    from threadpoolctl import threadpool_info, threadpool_limits

    from boundkit.classes import LinearClass

    seen = []

    def probe(fraction):
        seen.extend(i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas")

    x = np.random.default_rng(0).normal(size=(100, 3))
    with threadpool_limits(limits=2, user_api="blas"):  # the caller allows 2 threads
        probe(0.0)
        assert 2 in seen  # (a single-threaded BLAS build may also be loaded)
        seen.clear()
        empirical_rademacher(LinearClass(), x, n_sigmas=10, rng=0, progress=probe)
    assert seen and set(seen) == {1}
