"""The refined model Q_h and its exact guided score, against Gaussian closed forms."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from boundkit import BoundkitError
from boundkit.guidance import (
    OptimalDiscriminator,
    OUMixture,
    RefinedModel,
    dkw_radius,
    get_toy,
    ks_distance,
    refine_by_discriminator,
)

# Q = N(m, s^2), h(x) = a x + b x^2  =>  Q_h = N(m', s'^2), 1/s'^2 = 1/s^2 - 2b,
# m' = s'^2 (m / s^2 + a), log E_Q e^h = log(s'/s) + m'^2/(2 s'^2) - m^2/(2 s^2).
M, S, A, B = 0.3, 1.2, 0.8, -0.15
S2P = 1.0 / (1.0 / S**2 - 2 * B)
MP = S2P * (M / S**2 + A)
LOGZ = 0.5 * np.log(S2P / S**2) + MP**2 / (2 * S2P) - M**2 / (2 * S**2)


@pytest.fixture(scope="module")
def gauss():
    q = OUMixture([1.0], [M], [S**2])
    return RefinedModel(
        q, lambda x: A * x[:, 0] + B * x[:, 0] ** 2, lambda x: A + 2 * B * x, box=(-12, 12)
    )


def test_gaussian_tilt_closed_form(gauss):
    assert abs(gauss.log_normaliser - LOGZ) < 1e-12
    x = np.linspace(-3, 3, 13)[:, None]
    ref = stats.norm(MP, np.sqrt(S2P))
    np.testing.assert_allclose(gauss.logpdf(x), ref.logpdf(x[:, 0]), rtol=0, atol=1e-11)
    # the CDF integrates the piecewise-linear interpolant of the density: error O(step^2)
    np.testing.assert_allclose(gauss.cdf(x[:, 0]), ref.cdf(x[:, 0]), rtol=0, atol=2e-6)
    assert abs(gauss.mean()[0] - MP) < 1e-12
    assert gauss.edge_ratio < 1e-15
    assert np.isneginf(gauss.logpdf([[13.0]])[0])


@pytest.mark.parametrize("t", [0.0, 1e-6, 1e-4, 5e-3, 0.1, 1.0, 4.0])
def test_diffused_tilt_and_exact_guided_score(gauss, t):
    """q^h_t = N(alpha m', alpha^2 s'^2 + sigma^2); both quadrature branches are exercised."""
    a, s2 = np.exp(-t), 1.0 - np.exp(-2 * t)
    v = a * a * S2P + s2
    x = np.linspace(-3, 3, 11)[:, None]
    lp, sc = gauss.marginal_logpdf_and_score(x, t)
    np.testing.assert_allclose(lp, stats.norm(a * MP, np.sqrt(v)).logpdf(x[:, 0]), atol=1e-10)
    np.testing.assert_allclose(sc[:, 0], -(x[:, 0] - a * MP) / v, rtol=1e-9, atol=1e-9)
    # guidance term = score of Q_h,t minus score of Q_t
    vq = a * a * S**2 + s2
    term = -(x[:, 0] - a * MP) / v + (x[:, 0] - a * M) / vq
    np.testing.assert_allclose(gauss.guidance_term(x, t)[:, 0], term, rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("toy", ["bimodal", "missing-mode", "square-2d"])
def test_optimal_discriminator_refines_q_into_p_at_every_time(toy):
    """C8: with h = logit d*_0, Q_h = P and the exact guided score is grad log p_t."""
    tt = get_toy(toy)
    r = refine_by_discriminator(tt.q, OptimalDiscriminator(tt.p, tt.q), box=tt.bounds(0, 8))
    assert abs(r.log_normaliser) < 1e-10  # E_Q[p/q] = 1
    assert abs(r.kl_from(tt.p)) < 1e-10
    n = 40 if tt.dim == 1 else 8
    x = tt.p.sample(n, rng=0)
    for t in (0.0, 1e-5, 0.02, 0.5, 2.0):
        lp, sc = r.marginal_logpdf_and_score(x, t)
        np.testing.assert_allclose(lp, tt.p.logpdf(x, t), rtol=0, atol=1e-9)
        np.testing.assert_allclose(sc, tt.p.score(x, t), rtol=1e-8, atol=1e-8)


def test_sampling_q_h_passes_a_dkw_test(gauss):
    """KS of 20000 draws <= DKW radius at alpha = 1e-6 (false-failure probability <= 1e-6)."""
    x = gauss.sample(20_000, rng=11)
    ref = OUMixture([1.0], [MP], [S2P])
    assert ks_distance(x, ref) <= dkw_radius(20_000, 1e-6)


def test_sampling_2d_mean():
    """2-D Q_h = P (optimal d): sample mean within 4.5 standard errors (prob. < 1e-5 each)."""
    tt = get_toy("square-2d")
    r = refine_by_discriminator(tt.q, OptimalDiscriminator(tt.p, tt.q), box=tt.bounds(0, 8))
    x = r.sample(20_000, rng=3)
    mean = tt.p.weights @ tt.p.means
    cov = np.einsum("k,kij->ij", tt.p.weights, tt.p.covs) + np.cov(
        tt.p.means.T, aweights=tt.p.weights, bias=True
    )
    # the uniform jitter inside a grid cell adds step^2 / 12 to each variance
    z = (x.mean(axis=0) - mean) / np.sqrt((np.diag(cov) + r.step**2 / 12) / len(x))
    assert np.all(np.abs(z) < 4.5)


def test_bad_inputs():
    q = OUMixture([1.0], [0.0], [1.0])
    with pytest.raises(BoundkitError):
        RefinedModel(q, lambda x: np.full(len(x), np.nan), lambda x: x)
    with pytest.raises(BoundkitError):
        RefinedModel(q, lambda x: x[:, 0], lambda x: x, box=(1.0, -1.0))
    with pytest.raises(BoundkitError):
        RefinedModel(q, lambda x: x[:, 0], lambda x: x).marginal_logpdf_and_score([[0.0]], -1)
    with pytest.raises(BoundkitError):
        refine_by_discriminator(q, OptimalDiscriminator(*[get_toy("square-2d").p] * 2))
