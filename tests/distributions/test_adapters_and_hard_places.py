"""scipy.stats adapters, mixtures far from the origin, reprs and construction-time checks."""

import numpy as np
import pytest
from scipy import stats
from scipy.special import logsumexp

from boundkit._errors import BoundkitError
from boundkit.distributions import (
    FiniteDistribution,
    Gaussian,
    GaussianMixture,
    ScipyDistribution,
    from_scipy,
)
from boundkit.duality import divergence


def test_normal_distributions_become_exact_gaussians():
    G = from_scipy(stats.norm(1.5, 2.0))
    assert isinstance(G, Gaussian) and G.mean.tolist() == [1.5] and G.cov.tolist() == [[4.0]]
    M = from_scipy(stats.multivariate_normal([0.0, 1.0], [[2.0, 0.3], [0.3, 1.0]]))
    assert isinstance(M, Gaussian) and np.allclose(M.cov, [[2.0, 0.3], [0.3, 1.0]])
    # passed straight to divergence: the closed form applies (KL of N(0,1) to N(1,1) = 1/2)
    r = divergence("kl", stats.norm(0, 1), stats.norm(1, 1))
    assert r.method == "closed_form" and r.value == pytest.approx(0.5, rel=1e-15)


def test_finite_discrete_distributions_become_exact_sums():
    P = from_scipy(stats.binom(4, 0.3))
    assert isinstance(P, FiniteDistribution) and P.size == 5
    np.testing.assert_allclose(P.pmf, stats.binom(4, 0.3).pmf(np.arange(5)), rtol=1e-14)
    r = divergence("kl", stats.binom(4, 0.3), stats.binom(4, 0.5))
    p, q = stats.binom(4, 0.3).pmf(np.arange(5)), stats.binom(4, 0.5).pmf(np.arange(5))
    assert r.method == "exact" and r.value == pytest.approx(float(np.sum(p * np.log(p / q))))


def test_other_continuous_distributions_sample_and_evaluate():
    D = from_scipy(stats.laplace(0.0, 1.0))
    assert isinstance(D, ScipyDistribution)
    x = D.sample(5, rng=0)
    assert x.shape == (5, 1)
    np.testing.assert_allclose(D.logpdf(x), stats.laplace(0.0, 1.0).logpdf(x[:, 0]))
    assert np.array_equal(D.sample(5, rng=0), x)


@pytest.mark.parametrize(
    ("frozen", "match"),
    [
        (stats.poisson(3.0), "infinite"),
        (stats.dirichlet([1.0, 2.0]), "not supported"),
    ],
)
def test_unsupported_scipy_distributions_are_refused_in_one_line(frozen, match):
    with pytest.raises(BoundkitError, match=match) as info:
        from_scipy(frozen)
    assert "\n" not in str(info.value)


def test_shared_covariance_mixture_far_from_the_origin():
    """Means ~1e8: the log-density from differences (no |x|^2 + |m|^2 - 2 x.m cancellation)."""
    means = np.array([[1e8, -1e8], [1e8 + 3.0, -1e8 + 1.0]])
    cov = np.array([[1.0, 0.2], [0.2, 0.5]])
    M = GaussianMixture([0.4, 0.6], means, cov)
    x = np.array([[1e8 + 0.5, -1e8 - 0.25], [1e8 + 2.0, -1e8 + 0.5]])
    comps = [Gaussian(m, cov).logpdf(x) for m in means]
    ref = logsumexp(np.stack(comps, 1) + np.log([0.4, 0.6]), axis=1)
    np.testing.assert_allclose(M.logpdf(x), ref, rtol=1e-13)


def test_finite_distribution_repr_shows_atoms_and_weights():
    assert repr(FiniteDistribution([0.0, 1.0], [0.25, 0.75])) == (
        "FiniteDistribution(k=2, dim=1, {0.: 0.25, 1.: 0.75})"
    )
    big = repr(FiniteDistribution(np.arange(100.0), np.full(100, 0.01)))
    assert "(94 more)" in big and len(big) < 200


@pytest.mark.parametrize(
    ("build", "match"),
    [
        (lambda: FiniteDistribution([0.0, 1.0], [0.5, 0.6]), "sum to"),
        (lambda: FiniteDistribution([0.0, 1.0], [-0.5, 1.5]), "negative"),
        (lambda: FiniteDistribution([0.0, np.nan], [0.5, 0.5]), "NaN"),
        (lambda: Gaussian([0.0], [[-1.0]]), "positive definite"),
        (lambda: GaussianMixture([0.5, 0.5], [[0.0], [1.0]], [[[1.0]], [[0.0]]]), "positive"),
    ],
)
def test_constructors_validate_with_one_line(build, match):
    with pytest.raises(BoundkitError, match=match) as info:
        build()
    assert "\n" not in str(info.value)
