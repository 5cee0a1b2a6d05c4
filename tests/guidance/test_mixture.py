"""OU mixtures: densities vs scipy, scores vs finite differences, marginals vs the OU kernel."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate, stats

from boundkit import BoundkitError
from boundkit.guidance import (
    OUMixture,
    diffuse,
    get_guidance_setting,
    list_guidance_settings,
    ou_alpha,
    ou_sigma2,
)

TIMES = [0.0, 1e-3, 0.05, 0.4, 1.5, 4.0]


def _scipy_logpdf(m: OUMixture, x: np.ndarray, t: float) -> np.ndarray:
    """Independent reference: scipy.stats multivariate normals of the OU marginal."""
    a, s2 = np.exp(-t), 1.0 - np.exp(-2.0 * t)
    comps = [
        np.log(w) + stats.multivariate_normal(a * mu, a * a * c + s2 * np.eye(m.dim)).logpdf(x)
        for w, mu, c in zip(m.weights, m.means, m.covs, strict=True)
    ]
    return np.logaddexp.reduce(np.atleast_2d(np.array(comps)), axis=0)


@pytest.mark.parametrize("toy", [t.name for t in list_guidance_settings()])
@pytest.mark.parametrize("t", TIMES)
def test_logpdf_matches_scipy(toy, t):
    tt = get_guidance_setting(toy)
    for m in (tt.p, tt.q):
        x = np.random.default_rng(0).normal(size=(30, m.dim)) * 2.0
        np.testing.assert_allclose(m.logpdf(x, t), _scipy_logpdf(m, x, t), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("toy", [t.name for t in list_guidance_settings()])
@pytest.mark.parametrize("t", TIMES)
def test_score_matches_finite_differences_of_log_density(toy, t):
    tt = get_guidance_setting(toy)
    eps = 1e-5
    for m in (tt.p, tt.q):
        x = np.random.default_rng(1).normal(size=(30, m.dim)) * 2.0
        fd = np.empty_like(x)
        for j in range(m.dim):
            e = np.zeros(m.dim)
            e[j] = eps
            fd[:, j] = (_scipy_logpdf(m, x + e, t) - _scipy_logpdf(m, x - e, t)) / (2 * eps)
        # central differences: O(eps^2 f''') + O(1e-16 |log p| / eps) ~ 1e-8 here
        np.testing.assert_allclose(m.score(x, t), fd, rtol=1e-6, atol=1e-6)
        lp, sc = m.logpdf_and_score(x, t)
        np.testing.assert_allclose(lp, m.logpdf(x, t), rtol=0, atol=1e-13)
        np.testing.assert_allclose(sc, m.score(x, t), rtol=0, atol=1e-13)


def test_per_particle_times_match_scalar_times():
    m = get_guidance_setting("square-2d").p
    x = np.random.default_rng(2).normal(size=(5, 2))
    ts = np.array([0.0, 0.1, 0.5, 1.0, 3.0])
    got = m.score(x, ts)
    want = np.vstack([m.score(x[i : i + 1], ts[i]) for i in range(5)])
    np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-13)


@pytest.mark.parametrize("t", [0.0, 0.3, 2.0])
def test_marginal_density_integrates_to_one_and_equals_kernel_convolution(t):
    m = get_guidance_setting("missing-mode").p
    val, _ = integrate.quad(lambda y: float(m.pdf([[y]], t)[0]), -15, 15, limit=200)
    assert abs(val - 1.0) < 1e-9
    if t > 0:
        a, s = float(ou_alpha(t)), float(np.sqrt(ou_sigma2(t)))
        x = 0.7

        def integrand(x0):
            return float(m.pdf([[x0]])[0]) * stats.norm.pdf(x, a * x0, s)

        conv, _ = integrate.quad(integrand, -10, 10, points=[-3, 0, 3], limit=400)
        assert abs(conv - float(m.pdf([[x]], t)[0])) < 1e-9


def test_large_time_marginal_is_standard_normal():
    m = get_guidance_setting("bimodal").q.marginal(40.0)
    np.testing.assert_allclose(m.means, 0.0, atol=1e-15)
    np.testing.assert_allclose(m.covs, np.ones((2, 1, 1)), atol=1e-15)


def test_sampling_moments_within_standard_errors():
    """Mean of 40000 draws of a 1-D mixture vs its exact mean.

    False-failure probability: |z| > 4.5 has probability 7e-6 (fixed seed; deterministic).
    """
    m = get_guidance_setting("bimodal").q
    x = m.sample(40_000, rng=3)[:, 0]
    mean = float(m.weights @ m.means[:, 0])
    var = float(m.weights @ (m.covs[:, 0, 0] + m.means[:, 0] ** 2)) - mean**2
    z = (x.mean() - mean) / np.sqrt(var / len(x))
    assert abs(z) < 4.5
    y = diffuse(np.zeros((40_000, 1)), 0.5, rng=4)[:, 0]
    assert abs(y.mean()) / np.sqrt(ou_sigma2(0.5) / 40_000) < 4.5


@settings(max_examples=15)
@given(st.integers(0, 2**32 - 1))
def test_cdf_and_integrated_cdf_match_quadrature(seed):
    rng = np.random.default_rng(seed)
    k = int(rng.integers(1, 4))
    m = OUMixture(rng.dirichlet(np.ones(k)), rng.normal(size=k) * 2, rng.uniform(0.1, 2, size=k))
    x = float(rng.normal() * 2)
    F, _ = integrate.quad(lambda y: float(m.pdf([[y]])[0]), -np.inf, x)
    assert abs(float(m.cdf([x])[0]) - F) < 1e-8
    G, _ = integrate.quad(lambda y: float(m.cdf([y])[0]), -30, x, limit=200)
    assert abs(float(m.integrated_cdf([x])[0]) - G) < 1e-7


def test_bad_input_raises():
    with pytest.raises(BoundkitError):
        OUMixture([0.5, -0.5], [0.0, 1.0], [1.0, 1.0])
    with pytest.raises(BoundkitError):
        OUMixture([1.0], [0.0], [-1.0])
    m = OUMixture([1.0], [0.0], [1.0])
    with pytest.raises(BoundkitError):
        m.logpdf([[0.0]], -1.0)
    with pytest.raises(BoundkitError):
        m.score(np.zeros((3, 2)))
