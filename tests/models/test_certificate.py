"""The held-out certificate covers the true improvement at rate >= 1 - delta."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from boundkit import BoundkitError
from boundkit.classes import RKHSBall
from boundkit.distributions import Gaussian, GaussianMixture
from boundkit.duality import refine
from boundkit.models import fit_discriminator, holdout_certificate_mc, lambda_from_samples

P = GaussianMixture([0.5, 0.5], [[-1.5], [1.5]], [[[0.5]], [[0.5]]])
Q = Gaussian([0.0], [[2.75]])
DELTA = 0.2
N_REP = 300


@pytest.fixture(scope="module")
def disc():
    rng = np.random.default_rng(3)
    return fit_discriminator(
        RKHSBall("rbf", B=2.0, gamma=0.25),
        P.sample(300, rng=rng),
        Q.sample(900, rng=rng),
        "kl",
        landmarks=30,
        rng=rng,
    )


def _coverage(disc, *, honest: bool, method: str = "hoeffding") -> tuple[int, float]:
    truth = P.expect(disc) - refine(Q, disc, "kl").lam
    children = np.random.SeedSequence(2024).spawn(N_REP)
    covered = 0
    for child in children:
        rng = np.random.default_rng(child)
        ht, hm = disc(P.sample(60, rng=rng)), disc(Q.sample(3000, rng=rng))
        if honest:
            cert = holdout_certificate_mc(
                ht,
                hm,
                "kl",
                (disc.lower, disc.upper),
                nu0=disc.nu_fit,
                delta=DELTA,
                method=method,
            ).value
        else:  # the plug-in estimate without deviation terms: not a certificate
            cert = ht.mean() - lambda_from_samples("kl", hm).value
        covered += int(cert <= truth)
    return covered, truth


@pytest.mark.parametrize("method", ["hoeffding", "empirical-bernstein"])
def test_coverage_at_least_one_minus_delta(disc, method):
    # one-sided binomial test of coverage >= 1 - delta at level 1e-3 (false failure <= 1e-3)
    covered, truth = _coverage(disc, honest=True, method=method)
    assert truth > 0
    p = stats.binomtest(covered, N_REP, 1 - DELTA, alternative="less").pvalue
    assert p > 1e-3, f"coverage {covered}/{N_REP}"


def test_the_plug_in_estimate_is_caught(disc):
    # the same test rejects the plug-in estimate (covers about half of the time)
    covered, _ = _coverage(disc, honest=False)
    assert stats.binomtest(covered, N_REP, 1 - DELTA, alternative="less").pvalue < 1e-3


def test_values_outside_the_range_are_refused():
    with pytest.raises(BoundkitError, match="outside value_range"):
        holdout_certificate_mc(np.array([0.0, 2.0]), np.zeros(10), "kl", (-1.0, 1.0), nu0=-1.0)
