"""The closed-form toy ``gauss1d-quadratic`` against independent computations.

References: numerical quadrature (scipy.integrate.quad) for Lambda and the refined density,
SLSQP for the constrained maximiser, and the exact expectation of KL(P||N(xbar, s^2)) from the
chi-square distribution of the sample variance.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import integrate, optimize, special

from boundkit import BoundkitError
from boundkit.duality import gaussian_kl
from boundkit.simulation import Gauss1DQuadratic, get_toy
from boundkit.simulation._harness import replicate_seeds


def _lam_quad(toy, a, b):
    def integrand(x):
        z = (x - toy.mean_q) / toy.std_q
        return np.exp(a * x + b * x * x - 0.5 * z * z) / (toy.std_q * np.sqrt(2 * np.pi))

    return np.log(integrate.quad(integrand, -np.inf, np.inf, epsabs=0, epsrel=1e-13)[0])


@pytest.mark.parametrize("theta", [(0.0, 0.0), (0.3, -0.2), (-0.25, 0.3), (0.1, 0.39)])
def test_lambda_matches_quadrature(theta):
    toy = Gauss1DQuadratic(mean_q=0.3, std_q=1.0, B=0.45)
    val, grad, _ = toy.lam(np.array(theta))
    assert float(val) == pytest.approx(_lam_quad(toy, *theta), abs=1e-11)
    # gradient: finite differences of the quadrature value
    eps = 1e-5
    for j in range(2):
        e = np.zeros(2)
        e[j] = eps
        fd = (_lam_quad(toy, *(np.array(theta) + e)) - _lam_quad(toy, *(np.array(theta) - e))) / (
            2 * eps
        )
        assert grad[j] == pytest.approx(fd, abs=1e-6)


def test_refined_model_is_tilted_gaussian():
    toy = Gauss1DQuadratic(mean_q=-0.2, std_q=0.9, B=0.6)
    a, b = 0.4, -0.3
    mu, v = toy.refined_params(np.array([a, b]))
    lam = _lam_quad(toy, a, b)
    for x in (-1.3, 0.0, 0.7, 2.1):
        qx = np.exp(-0.5 * ((x + 0.2) / 0.9) ** 2) / (0.9 * np.sqrt(2 * np.pi))
        tilted = qx * np.exp(a * x + b * x * x - lam)
        gauss = np.exp(-0.5 * (x - mu) ** 2 / v) / np.sqrt(2 * np.pi * v)
        assert float(gauss) == pytest.approx(tilted, rel=1e-10)


def test_fit_matches_slsqp_inside_and_on_the_sphere():
    toy = get_toy("gauss1d-quadratic")
    rng = np.random.default_rng(3)
    m = []
    for n in (5, 20, 200):
        for _ in range(6):
            x = rng.normal(toy.mean_p, toy.std_p, n)
            m.append([x.mean(), (x * x).mean()])
    m = np.array(m)
    theta = toy.fit(m)
    on_sphere = 0
    for r in range(len(m)):

        def neg(t, r=r):
            if 1 - 2 * t[1] * toy.std_q**2 <= 0:  # SLSQP may probe outside the ball
                return 1e10
            return -float(toy.objective(t, m[r]))

        res = optimize.minimize(
            neg,
            np.zeros(2),
            method="SLSQP",
            constraints=[{"type": "ineq", "fun": lambda t: toy.B**2 - t @ t}],
            options={"ftol": 1e-15, "maxiter": 500},
        )
        # ours is at least as good as SLSQP's point (pulled back into the ball), and they agree
        x = res.x * min(1.0, toy.B / np.linalg.norm(res.x))
        assert neg(theta[r]) <= neg(x) + 1e-13
        assert np.allclose(theta[r], res.x, atol=1e-5)
        assert np.linalg.norm(theta[r]) <= toy.B * (1 + 1e-12)
        on_sphere += np.linalg.norm(theta[r]) > toy.B * (1 - 1e-9)
    assert 0 < on_sphere < len(m)  # both cases exercised


def test_population_terms_closed_form():
    toy = Gauss1DQuadratic(mean_p=0.5, std_p=0.7, B=0.4)
    pop = toy.population()
    assert pop.divergence_base == pytest.approx(
        np.log(1 / 0.7) + (0.49 + 0.25) / 2 - 0.5, rel=1e-13
    )
    # C5: KL(P||Q_h*) = KL(P||Q) - D^H
    assert pop.divergence_best == pytest.approx(
        pop.divergence_base - pop.restricted_divergence, abs=1e-13
    )


def _expected_kl_moment_matched(n, std_p):
    """E_S KL(N(mu, s2) || N(xbar, S2)) with S2 the biased sample variance (exact)."""
    e_log = special.digamma((n - 1) / 2) + np.log(2) - np.log(n)  # E log(S2 / s2)
    e_inv = n / (n - 3)  # s2 E[1/S2]
    e_mean = 1 / (n - 3)  # E[(xbar - mu)^2 / S2]
    return 0.5 * (e_log + e_inv + e_mean - 1)


def test_monte_carlo_mean_kl_against_exact_expectation():
    """When the ball never binds, Q_{h_n} = N(xbar, S2) and E_S KL has a closed form.

    The Monte Carlo mean over R = 4000 replicates is compared with it within 4 standard errors:
    false-failure probability about 6e-5 (normal approximation of the mean).
    """
    # Q = N(0, 0.5^2) allows B < 2; the moment-matching solution has |b| < 1.8 whatever S2
    toy = Gauss1DQuadratic("t", mean_p=0.3, std_p=1.0, mean_q=0.0, std_q=0.5, B=1.99)
    n, R = 60, 4000
    seeds = replicate_seeds(11, n, R)
    m = toy.sufficient_statistics(n, seeds)
    theta = toy.fit(m)
    assert np.all(np.linalg.norm(theta, axis=1) < toy.B * (1 - 1e-9))
    kl = toy.measure(theta, m)["divergence"]
    # the per-replicate values themselves: independent formula from the sample moments
    s2 = m[:, 1] - m[:, 0] ** 2
    assert np.allclose(kl, gaussian_kl(0.3, 1.0, m[:, 0], s2), rtol=1e-10, atol=1e-14)
    se = kl.std(ddof=1) / np.sqrt(R)
    exact = _expected_kl_moment_matched(n, 1.0)
    assert abs(kl.mean() - exact) < 4 * se


def test_rademacher_brackets():
    """The toy's R_n (through boundkit.complexity) lies between the Khintchine lower bound and
    Jensen's upper bound, B sqrt(E(x^2 + x^4)/n) / sqrt(2) <= R_n <= B sqrt(E(x^2 + x^4)/n),
    compared within 4 se (false-failure probability ~6e-5 per comparison)."""
    toy = get_toy("gauss1d-quadratic")
    mu, s2 = toy.mean_p, toy.std_p**2
    second = mu**2 + s2 + mu**4 + 6 * mu**2 * s2 + 3 * s2**2
    jensen = toy.B * np.sqrt(second / 40)
    est = toy.rademacher(40, rng=0, n_mc=4000)
    assert est.estimate <= jensen + 4 * est.stderr
    assert est.estimate >= jensen / np.sqrt(2) - 4 * est.stderr
    x = toy.P.sample(40, rng=1)
    emp = toy.empirical_rademacher(x, rng=2, n_mc=4000)
    upper = toy.B / 40 * np.sqrt((x**2 + x**4).sum())
    assert upper / np.sqrt(2) - 4 * emp.stderr <= emp.estimate <= upper + 4 * emp.stderr


def test_bad_radius():
    with pytest.raises(BoundkitError, match="B must be"):
        Gauss1DQuadratic(B=0.6, std_q=1.0)
