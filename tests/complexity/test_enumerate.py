"""Meet-in-the-middle exact enumeration vs brute force over every sign vector (itertools), the
sigma -> -sigma symmetry, and the exact flags of the result types."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from boundkit import BoundkitError
from boundkit.classes import FiniteClass, LinearClass, ReLUNetwork2, RKHSBall
from boundkit.complexity import empirical_rademacher, expected_rademacher
from boundkit.complexity._enumerate import half_signs, half_sums, rkhs_mitm_mean


def _all_signs(n):
    return np.array(list(itertools.product([-1.0, 1.0], repeat=n)))  # (2^n, n)


def _brute(values_of_sigma, n):
    """Independent reference: the mean of the supremum over all 2^n sign vectors, one by one."""
    return float(np.mean([values_of_sigma(s) for s in _all_signs(n)])) / n


@pytest.mark.parametrize("n", [1, 2, 3, 6, 11])
@pytest.mark.parametrize("p, q", [(2, 2), (1, np.inf), ("inf", 1)])
def test_linear_mitm_matches_brute_force(n, p, q):
    x = np.random.default_rng(n).normal(size=(n, 3))
    ref = _brute(lambda s: 1.7 * np.linalg.norm(s @ x, ord=q), n)
    got = empirical_rademacher(LinearClass(p=p, B=1.7), x, method="exact", with_bounds=False)
    assert got.estimate == pytest.approx(ref, rel=1e-12)
    assert got.exact and got.n_sigmas == 2**n


@pytest.mark.parametrize("n", [1, 2, 5, 10])
def test_rkhs_mitm_matches_brute_force(n):
    x = np.random.default_rng(n).normal(size=(n, 2))
    cls = RKHSBall(gamma=0.4, B=0.8)
    K = cls.gram(x)
    ref = _brute(lambda s: 0.8 * np.sqrt(max(s @ K @ s, 0.0)), n)
    got = empirical_rademacher(cls, x, method="exact")
    assert got.estimate == pytest.approx(ref, rel=1e-12)


def test_rkhs_mitm_rejects_an_indefinite_kernel():
    K = np.diag([1.0, 1.0, -5.0, 1.0, 1.0])  # sigma' K sigma = -1 < 0 for every sigma
    with pytest.raises(BoundkitError, match="positive semi-definite"):
        rkhs_mitm_mean(K)
    assert rkhs_mitm_mean(np.eye(5)) == pytest.approx(np.sqrt(5.0), rel=1e-14)


@pytest.mark.parametrize("n", [1, 4, 9])
def test_finite_mitm_matches_brute_force_without_symmetry(n):
    H = np.random.default_rng(n).normal(size=(4, n)) + 0.5  # not closed under negation
    ref = _brute(lambda s: (H @ s).max(), n)
    got = empirical_rademacher(FiniteClass(H), method="exact")
    assert got.estimate == pytest.approx(ref, rel=1e-12)


def test_relu_1d_exact_uses_symmetry_and_matches_brute_force():
    x = np.random.default_rng(3).normal(size=(7, 1))
    cls = ReLUNetwork2(width=2, B1=1.3, B2=0.7)
    ref = _brute(lambda s: cls.support_function(x, s), 7)
    got = empirical_rademacher(cls, x, method="exact")
    assert got.estimate == pytest.approx(ref, rel=1e-12)
    assert got.lower == got.estimate and not got.exact  # a bracket: upper is a norm bound


class _Asymmetric:
    """A generic class (support function only): sup over two fixed functions, not symmetric."""

    def __init__(self, H, symmetric):
        self.H = H
        self.symmetric = symmetric

    def support_function(self, x, v):
        return (self.H @ v).max(axis=0)


def test_generic_block_enumeration_uses_symmetry_only_when_declared():
    H = np.array([[1.0, 2.0, -1.0, 0.5, 3.0], [0.0, 1.0, 1.0, -2.0, 1.0]])
    x = np.zeros((5, 1))
    ref = _brute(lambda s: (H @ s).max(), 5)
    assert empirical_rademacher(_Asymmetric(H, False), x).estimate == pytest.approx(ref, rel=1e-12)
    # a wrong symmetry declaration is taken at its word: the mirrored half is skipped
    wrong = empirical_rademacher(_Asymmetric(H, True), x).estimate
    assert wrong != pytest.approx(ref, rel=1e-6)
    Hs = np.vstack([H, -H])
    assert empirical_rademacher(_Asymmetric(Hs, True), x).estimate == pytest.approx(
        _brute(lambda s: (Hs @ s).max(), 5), rel=1e-12
    )


def test_half_sums_are_the_half_signs_times_the_rows():
    rows = np.random.default_rng(0).normal(size=(4, 3))
    np.testing.assert_allclose(half_sums(rows), half_signs(4) @ rows, rtol=0, atol=1e-12)
    assert sorted(map(tuple, half_signs(3))) == sorted(map(tuple, _all_signs(3)))


def test_exact_enumeration_at_n_24_agrees_with_monte_carlo():
    # 2^24 sign vectors in well under a second; a Monte Carlo estimate with 4000 sign vectors
    # must lie within 4 standard errors (false failure probability ~6e-5 for a random seed)
    x = np.random.default_rng(1).normal(size=(24, 3))
    ex = empirical_rademacher(LinearClass(), x, method="exact", with_bounds=False)
    mc = empirical_rademacher(LinearClass(), x, method="monte-carlo", n_sigmas=4000, rng=2)
    assert ex.exact and ex.n_sigmas == 2**24
    assert abs(ex.estimate - mc.estimate) < 4 * mc.stderr


def test_exact_limit_is_26():
    with pytest.raises(BoundkitError, match="n <= 26"):
        empirical_rademacher(LinearClass(), np.ones((27, 1)), method="exact")


def test_exact_flags_of_both_result_types():
    x = np.random.default_rng(0).normal(size=(6, 2))
    assert empirical_rademacher(LinearClass(), x).exact
    assert not empirical_rademacher(LinearClass(), x, method="monte-carlo", rng=0).exact
    assert empirical_rademacher(LinearClass(), x).to_dict()["exact"] is True
    sampler = lambda n, rng: rng.normal(size=(n, 2))  # noqa: E731
    r = expected_rademacher(LinearClass(), sampler, 6, n_samples=3, rng=0)
    assert r.exact and r.within_var == 0.0 and r.to_dict()["exact"] is True
    r = expected_rademacher(LinearClass(), sampler, 30, n_samples=3, n_sigmas=50, rng=0)
    assert not r.exact and r.within_var > 0.0
