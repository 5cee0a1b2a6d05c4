"""Distribution layer: densities against scipy/sklearn, sampling against exact probabilities."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from boundkit import BoundkitError
from boundkit.distributions import (
    FiniteDistribution,
    Gaussian,
    GaussianMixture,
    GridDensity,
    SklearnDensity,
    common_support,
    from_sklearn,
)

# Every chi-square test below uses level ALPHA: with fixed seeds the outcome is deterministic;
# for a random seed the false-failure probability of each test is ALPHA.
ALPHA = 1e-4


def _chi2_pvalue(counts, probs):
    n = counts.sum()
    expected = n * probs
    keep = expected > 0
    assert np.all(counts[~keep] == 0)
    return stats.chisquare(counts[keep], expected[keep]).pvalue


# --------------------------------------------------------------------------- finite
def test_finite_expectation_pdf_and_support():
    P = FiniteDistribution([[0.0, 1.0], [2.0, 3.0], [4.0, 5.0]], [0.2, 0.5, 0.3])
    assert P.dim == 2 and P.size == 3
    assert P.expect(lambda x: x[:, 0] * x[:, 1]) == pytest.approx(0.5 * 6 + 0.3 * 20, rel=1e-14)
    np.testing.assert_array_equal(P.pdf([[2.0, 3.0], [9.0, 9.0]]), [0.5, 0.0])
    assert P.logpdf([[9.0, 9.0]])[0] == -np.inf


def test_finite_sampling_frequencies():
    w = np.array([0.1, 0.2, 0.3, 0.4, 0.0])
    P = FiniteDistribution(np.arange(5.0), w)
    idx = P.sample_indices(20_000, rng=1)
    counts = np.bincount(idx, minlength=5)
    assert counts[4] == 0
    assert _chi2_pvalue(counts, w) > ALPHA
    x = P.sample(10, rng=3)
    assert x.shape == (10, 1)
    np.testing.assert_array_equal(x, P.sample(10, rng=3))


def test_common_support_alignment():
    P = FiniteDistribution([[0.0], [1.0]], [0.5, 0.5])
    Q = FiniteDistribution([[2.0], [0.0]], [0.75, 0.25])
    atoms, p, q = common_support(P, Q)
    assert atoms[:, 0].tolist() == [0.0, 1.0, 2.0]
    assert p.tolist() == [0.5, 0.5, 0.0]
    assert q.tolist() == [0.25, 0.0, 0.75]


@pytest.mark.parametrize(
    ("atoms", "weights", "match"),
    [
        ([0.0, 1.0], [0.5, 0.6], "sum to"),
        ([0.0, 1.0], [1.5, -0.5], "negative"),
        ([0.0, 1.0], [0.5, 0.25, 0.25], "entries"),
        ([0.0, np.nan], [0.5, 0.5], "NaN"),
        ([0.0, np.inf], [0.5, 0.5], "NaN or infinite"),
        ([0.0, 0.0], [0.5, 0.5], "distinct"),
        ([0.0, 1.0], [np.nan, 1.0], "NaN"),
    ],
)
def test_finite_bad_inputs(atoms, weights, match):
    with pytest.raises(BoundkitError, match=match):
        FiniteDistribution(atoms, weights)


# --------------------------------------------------------------------------- gaussian
def test_gaussian_logpdf_matches_scipy():
    mean = np.array([0.5, -1.0])
    cov = np.array([[2.0, 0.3], [0.3, 0.5]])
    G = Gaussian(mean, cov)
    x = np.random.default_rng(0).normal(size=(7, 2))
    np.testing.assert_allclose(
        G.logpdf(x), stats.multivariate_normal(mean, cov).logpdf(x), rtol=1e-12
    )
    # E[x1^2 x2] by quadrature vs the exact Isserlis formula
    m1, m2 = mean
    s11, s12 = cov[0, 0], cov[0, 1]
    exact = (s11 + m1**2) * m2 + 2 * s12 * m1
    assert G.expect(lambda z: z[:, 0] ** 2 * z[:, 1]) == pytest.approx(exact, rel=1e-12)


def test_gaussian_sample_moments():
    """Sample mean within 5 standard errors per coordinate (false failure < 1e-5)."""
    G = Gaussian([1.0, 2.0], [[1.0, 0.5], [0.5, 2.0]])
    n = 50_000
    x = G.sample(n, rng=2)
    se = np.sqrt(np.diag(G.cov) / n)
    assert np.all(np.abs(x.mean(0) - G.mean) < 5 * se)


@pytest.mark.parametrize(
    ("mean", "cov", "match"),
    [
        ([0.0], [[-1.0]], "positive definite"),
        ([0.0, 0.0], [[1.0, 2.0], [2.0, 1.0]], "positive definite"),
        ([0.0, 0.0], [[1.0, 0.5], [0.0, 1.0]], "symmetric"),
        ([np.nan], 1.0, "NaN"),
        ([0.0, 0.0], np.eye(3), "shape"),
    ],
)
def test_gaussian_bad_inputs(mean, cov, match):
    with pytest.raises(BoundkitError, match=match):
        Gaussian(mean, cov)


def test_mixture_logpdf_and_sampling():
    w = np.array([0.3, 0.7])
    means = np.array([[-2.0], [1.0]])
    covs = np.array([[[0.5]], [[1.5]]])
    M = GaussianMixture(w, means, covs)
    x = np.linspace(-5, 5, 11).reshape(-1, 1)
    ref = w[0] * stats.norm(-2, np.sqrt(0.5)).pdf(x[:, 0]) + w[1] * stats.norm(1, np.sqrt(1.5)).pdf(
        x[:, 0]
    )
    np.testing.assert_allclose(M.pdf(x), ref, rtol=1e-12)
    # sample histogram vs exact bin probabilities (false failure ALPHA)
    edges = np.array([-np.inf, -3, -2, -1, 0, 1, 2, 3, np.inf])
    cdf = w[0] * stats.norm(-2, np.sqrt(0.5)).cdf(edges) + w[1] * stats.norm(1, np.sqrt(1.5)).cdf(
        edges
    )
    counts = np.histogram(M.sample(20_000, rng=5)[:, 0], edges)[0]
    assert _chi2_pvalue(counts, np.diff(cdf)) > ALPHA
    # exact second moment
    exact = np.sum(w * (covs[:, 0, 0] + means[:, 0] ** 2))
    assert M.expect(lambda z: z[:, 0] ** 2) == pytest.approx(exact, rel=1e-12)


def test_mixture_untied_2d_matches_scipy():
    rng = np.random.default_rng(4)
    means = rng.normal(size=(3, 2))
    covs = np.stack([np.eye(2) * s for s in (0.5, 1.0, 2.0)])
    covs[1, 0, 1] = covs[1, 1, 0] = 0.3
    w = np.array([0.2, 0.3, 0.5])
    M = GaussianMixture(w, means, covs)
    x = rng.normal(size=(6, 2))
    ref = sum(
        wk * stats.multivariate_normal(m, c).pdf(x) for wk, m, c in zip(w, means, covs, strict=True)
    )
    np.testing.assert_allclose(M.pdf(x), ref, rtol=1e-12)
    assert M.sample(100, rng=1).shape == (100, 2)


# --------------------------------------------------------------------------- grid
def test_grid_density_normalised_and_sampler():
    x = np.linspace(-4, 4, 81)
    G = GridDensity([x], np.exp(-(x**2) / 2) * (1 + 0.5 * np.sin(x)))
    assert G.masses.sum() == pytest.approx(1.0, abs=1e-14)
    # integrating the piecewise-constant pdf on a fine grid gives 1
    fine = np.linspace(G.lower[0], G.upper[0], 200_001)
    mid = 0.5 * (fine[1:] + fine[:-1])
    assert np.sum(G.pdf(mid.reshape(-1, 1))) * (fine[1] - fine[0]) == pytest.approx(1, abs=1e-4)
    # samples fall in cells with the tabulated masses (false failure ALPHA)
    s = G.sample(40_000, rng=7)
    cells = G._cell_index(s)
    counts = np.bincount(cells, minlength=G.masses.size)
    assert _chi2_pvalue(counts, G.masses) > ALPHA


def test_grid_2d_from_distribution_moments():
    g = Gaussian([0.3, -0.2], [[1.0, 0.4], [0.4, 0.8]])
    G = GridDensity.from_distribution(g, [(-7, 7), (-7, 7)], 201)
    assert G.dim == 2
    # midpoint rule is O(h^2): h = 0.07 -> error ~ h^2/12 * 1 ~ 4e-4
    assert G.expect(lambda z: z[:, 0] * z[:, 1]) == pytest.approx(0.4 - 0.06, abs=2e-3)
    assert G.expect(lambda z: z[:, 0]) == pytest.approx(0.3, abs=1e-6)


@pytest.mark.parametrize(
    ("axes", "dens", "match"),
    [
        ([np.array([0.0, 1.0, 3.0])], [1, 1, 1], "equally spaced"),
        ([np.linspace(0, 1, 3)], [1, -1, 1], "negative"),
        ([np.linspace(0, 1, 3)], [0, 0, 0], "zero"),
        ([np.linspace(0, 1, 3)], [1, 1], "shape"),
        ([np.linspace(0, 1, 3)] * 3, np.ones((3, 3, 3)), "dimension 1 or 2"),
        ([np.linspace(0, 1, 3)], [1, np.nan, 1], "NaN"),
    ],
)
def test_grid_bad_inputs(axes, dens, match):
    with pytest.raises(BoundkitError, match=match):
        GridDensity(axes, dens)


# --------------------------------------------------------------------------- sklearn
@pytest.mark.parametrize("cov_type", ["full", "tied", "diag", "spherical"])
def test_from_sklearn_gmm_matches_score_samples(cov_type):
    from sklearn.mixture import GaussianMixture as SkGMM

    X = np.random.default_rng(0).normal(size=(200, 2)) * [1.0, 2.0]
    gm = SkGMM(3, covariance_type=cov_type, random_state=0).fit(X)
    Q = from_sklearn(gm)
    assert isinstance(Q, GaussianMixture)
    np.testing.assert_allclose(Q.logpdf(X[:20]), gm.score_samples(X[:20]), rtol=1e-9, atol=1e-9)


def test_from_sklearn_kde():
    from sklearn.neighbors import KernelDensity

    X = np.random.default_rng(1).normal(size=(50, 2))
    kde = KernelDensity(bandwidth=0.3).fit(X)
    Q = from_sklearn(kde)
    assert isinstance(Q, GaussianMixture)
    pts = np.random.default_rng(2).normal(size=(10, 2))
    np.testing.assert_allclose(Q.logpdf(pts), kde.score_samples(pts), rtol=1e-10)
    tophat = KernelDensity(kernel="tophat", bandwidth=0.5).fit(X)
    T = from_sklearn(tophat)
    assert isinstance(T, SklearnDensity)
    np.testing.assert_allclose(T.logpdf(X[:5]), tophat.score_samples(X[:5]))
    assert T.sample(7, rng=0).shape == (7, 2)


def test_from_sklearn_unfitted_is_an_error():
    from sklearn.mixture import GaussianMixture as SkGMM

    with pytest.raises(BoundkitError, match="not fitted"):
        from_sklearn(SkGMM(2))
    with pytest.raises(BoundkitError, match="cannot wrap"):
        from_sklearn(object())
