"""On a toy with known truth the sample-based path agrees with the exact one (boundkit.duality).

P is a two-component Gaussian mixture in 1-D, Q the single Gaussian fitted to it (moment
matching, so Q is exactly known), h fitted from samples. Exact: Lambda by quadrature
(``duality.refine``), E_P h by quadrature (``P.expect``), the refined density on a fine grid.
Sample-based: Monte Carlo from model samples with their standard errors. Every comparison
uses 4 standard errors (two-sided false-failure probability < 1e-4 each).
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from boundkit.classes import RKHSBall
from boundkit.distributions import Gaussian, GaussianMixture
from boundkit.duality import refine
from boundkit.models import fit_discriminator, measure_holdout, refine_from_samples

P = GaussianMixture([0.5, 0.5], [[-1.5], [1.5]], [[[0.5]], [[0.5]]])
Q = Gaussian([0.0], [[0.5 + 1.5**2]])  # the moment-matched (= fitted in the limit) Gaussian
Z = 4.0
CLS = RKHSBall("rbf", B=3.0, gamma=0.25)


@pytest.fixture(scope="module")
def setting():
    rng = np.random.default_rng(7)
    x_train = P.sample(400, rng=rng)
    disc = fit_discriminator(CLS, x_train, Q.sample(1200, rng=rng), "kl", landmarks=40, rng=rng)
    ref = refine_from_samples(Q, disc, "kl", n_samples=50_000, rng=rng)
    return disc, ref, rng


def test_lambda_and_nu_match_quadrature(setting):
    disc, ref, _ = setting
    exact = refine(Q, disc, "kl")
    assert exact.normalisation == "quadrature"
    assert abs(ref.lam.value - exact.lam) < Z * ref.lam.se
    assert abs(ref.lam.nu - exact.nu) < Z * ref.lam.nu_se


def test_held_out_improvement_matches_c5(setting):
    disc, ref, rng = setting
    exact_gain = P.expect(disc) - refine(Q, disc, "kl").lam  # KL(P||Q) - KL(P||Q_h), C5
    held = measure_holdout(ref, P.sample(4000, rng=rng))
    assert exact_gain > 0.05  # the refinement is worth something here
    assert abs(held.improvement.value - exact_gain) < Z * held.improvement.se
    # and the refined log-likelihood equals E_P log q + the gain, within its error
    exact_ll = P.expect(lambda x: Q.logpdf(x)) + exact_gain
    assert abs(held.refined_loglik.value - exact_ll) < Z * held.refined_loglik.se


def _refined_cdf(disc):
    """CDF of Q_h, q e^h / E_Q e^h, by the trapezoid rule on a fine grid (independent of
    boundkit.duality, whose 40-node Gauss-Hermite rule differs from it by ~2e-4 here)."""
    grid = np.linspace(-12.0, 12.0, 40_001)
    dens = Q.pdf(grid[:, None]) * np.exp(disc(grid[:, None]))
    cdf = np.concatenate([[0.0], np.cumsum(0.5 * (dens[1:] + dens[:-1]) * np.diff(grid))])
    return lambda t: np.interp(t, grid, cdf / cdf[-1])


def test_rejection_samples_follow_the_refined_density(setting):
    # exact sampler: KS test at level 1e-3 (false-failure probability 1e-3)
    disc, ref, rng = setting
    info = ref.sample(3000, method="rejection", rng=rng)
    assert info.method == "rejection" and 0 < info.acceptance_rate <= 1
    assert info.acceptance_rate > 0.5 / info.M  # 1/M in expectation
    cdf = _refined_cdf(disc)
    assert stats.kstest(info.samples[:, 0], cdf).pvalue > 1e-3


def test_sir_samples_follow_the_refined_density(setting):
    # SIR with 100 proposals per draw: KS at level 1e-3 (plus an O(1/m) resampling bias)
    disc, ref, rng = setting
    info = ref.sample(2000, method="sir", n_proposals=200_000, rng=rng)
    assert info.ess > 0.5 * 200_000
    cdf = _refined_cdf(disc)
    assert stats.kstest(info.samples[:, 0], cdf).pvalue > 1e-3


def test_the_checks_can_fail():
    # the base model's own samples are far from the refined law: the same KS test rejects,
    # and a factor-2 error in the gain (h counted twice) is outside the stated error
    rng = np.random.default_rng(11)
    x_train = P.sample(400, rng=rng)
    disc = fit_discriminator(CLS, x_train, Q.sample(1200, rng=rng), "kl", landmarks=40, rng=rng)
    ref = refine_from_samples(Q, disc, "kl", n_samples=50_000, rng=rng)
    cdf = _refined_cdf(disc)
    assert stats.kstest(Q.sample(3000, rng=rng)[:, 0], cdf).pvalue < 1e-3
    held = measure_holdout(ref, P.sample(4000, rng=rng))
    exact_gain = P.expect(disc) - refine(Q, disc, "kl").lam
    assert abs(2 * held.improvement.value - exact_gain) > Z * held.improvement.se
