"""C10 (5): the certified curvature profile, the exact moments of eps_n and the bounds on them.

References are computed here by independent code (explicit loops over multinomial counts,
closed forms for Rademacher sums, a weighted covariance per sampled point). Statistical tests use
fixed seeds and state their false-failure probability: the expectation tests compare a Monte
Carlo mean with the bound through 4 standard errors (about 3e-5 each, normal approximation);
the high-probability test is a binomial test that fails when P(Bin(R, delta) >= V) < 1e-4.
"""

from __future__ import annotations

import math
from fractions import Fraction
from itertools import combinations_with_replacement

import numpy as np
import pytest
from scipy import stats

from boundkit._errors import BoundkitError
from boundkit.bounds import (
    CurvatureProfile,
    fast_rate_function,
    gaussian_quadratic_norm_moments,
    mean_norm_moments,
    moment_deviation,
    moment_envelope_bound,
    profile_fast_rate_bound,
)
from boundkit.simulation import get_toy, linear_kl_moments, toy_profile_fast_rate
from boundkit.simulation._finite_toy import finite_kl


@pytest.fixture(scope="module")
def toy():
    return get_toy("finite")


@pytest.fixture(scope="module")
def bundle(toy):
    return toy_profile_fast_rate(toy)


@pytest.fixture(scope="module")
def metric(toy):
    return linear_kl_moments(toy).cov_star


def _replicates(toy, n: int, R: int, seed: int):
    """Exact replicates: excess KL(P||Q_{h_n}) - KL(P||Q_{h*}) and eps_n in the H^{-1} norm."""
    mom = linear_kl_moments(toy)
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(n,)))
    counts = rng.multinomial(n, toy.p, size=R)
    m = counts / n @ toy.phi
    qh = toy.refined(toy.fit(m))
    best = finite_kl(toy.p, toy.refined(mom.w_star[None, :])[0])
    excess = np.array([finite_kl(toy.p, row) for row in qh]) - best
    e = m - mom.mean_p
    eps = np.sqrt(np.einsum("ij,ij->i", e, np.linalg.solve(mom.cov_star, e.T).T))
    return excess, eps


# ---------------------------------------------------------------- exact moments of eps_n


def test_moments_against_explicit_enumeration(toy, metric) -> None:
    mom = mean_norm_moments(toy.phi, toy.p, metric)
    mu = toy.p @ toy.phi
    hinv = np.linalg.inv(metric)
    for n in (6, 8):  # beyond the points the polynomial was interpolated through
        ref = np.zeros(5)
        for combo in combinations_with_replacement(range(toy.p.size), n):
            cnt = np.bincount(combo, minlength=toy.p.size)
            weight = math.factorial(n) / np.prod([math.factorial(c) for c in cnt])
            weight *= np.prod(toy.p**cnt)
            e = cnt @ toy.phi / n - mu
            ref += weight * (e @ hinv @ e) ** np.arange(1, 6)
        np.testing.assert_allclose(mom.even(n), ref, rtol=1e-11)


@pytest.mark.parametrize("seed", [0, 1])
def test_moment_enumeration_and_recursion_agree_exactly(seed: int) -> None:
    # two exact algorithms for the same polynomials (the dispatcher picks the cheaper)
    rng = np.random.default_rng(seed)
    phi = rng.normal(size=(6, 3))
    p = rng.dirichlet(np.ones(6))
    a = rng.normal(size=(3, 3))
    metric = a @ a.T + np.eye(3)
    enum = mean_norm_moments(phi, p, metric, max_order=4, method="enumeration")
    rec = mean_norm_moments(phi, p, metric, max_order=4, method="recursion")
    assert enum.coefficients == rec.coefficients  # as fractions, exactly


def test_moments_against_the_second_and_fourth_moment_formulas(bundle) -> None:
    c = bundle.constants
    for n in (1, 2, 50, 3000):
        ev = bundle.moments.even(n)
        assert ev[0] == pytest.approx(c.d_h / n, rel=1e-12)
        assert ev[1] == pytest.approx(c.fourth_moment(n), rel=1e-12)


def test_moments_of_a_rademacher_sum_are_exact() -> None:
    # phi in {0, 1} with p = 1/2: S_n = (sum of n Rademacher signs)/2; E(sum)^4 = 3n^2 - 2n,
    # E(sum)^6 = 15n^3 - 30n^2 + 16n
    mom = mean_norm_moments([[0.0], [1.0]], [0.5, 0.5], [[1.0]], max_order=3)
    for n in (1, 3, 10, 997):
        assert mom.exact(n, 1) == Fraction(n, 4 * n**2)
        assert mom.exact(n, 2) == Fraction(3 * n**2 - 2 * n, 16 * n**4)
        assert mom.exact(n, 3) == Fraction(15 * n**3 - 30 * n**2 + 16 * n, 64 * n**6)
    # odd moments by Cauchy-Schwarz sit above the exact value E|S|^3 (computed by enumeration)
    n = 9
    ref = sum(math.comb(n, k) / 2**n * (abs(2 * k - n) / (2 * n)) ** 3 for k in range(n + 1))
    assert mom.moments(n)[3] >= ref


def test_gaussian_quadratic_moments_against_monte_carlo_free_references() -> None:
    # N(m, v), phi = (x, x^2): E eps_1^2 = tr(M^{-1} Cov) with Cov = [[v, 2mv], [2mv, 2v^2+4m^2v]]
    m, v = 0.5, 0.49
    metric = np.array([[0.7, 0.1], [0.1, 1.3]])
    mom = gaussian_quadratic_norm_moments(m, v, metric, max_order=3)
    cov = np.array([[v, 2 * m * v], [2 * m * v, 2 * v**2 + 4 * m**2 * v]])
    assert float(mom.exact(1, 1)) == pytest.approx(
        np.trace(np.linalg.solve(metric, cov)), rel=1e-13
    )
    # E eps_n^4 by the Gauss-Hermite rule on n = 2 (exact for polynomials of degree <= 2*60-1)
    x, w = np.polynomial.hermite_e.hermegauss(60)
    x, w = m + np.sqrt(v) * x, w / w.sum()
    phi = np.stack([x, x * x], 1) - np.array([m, m * m + v])
    minv = np.linalg.inv(metric)
    s = (phi[:, None, :] + phi[None, :, :]) / 2
    q = np.einsum("ijd,de,ije->ij", s, minv, s)
    for k in (1, 2, 3):
        ref = float(np.einsum("i,j,ij->", w, w, q**k))
        assert float(mom.exact(2, k)) == pytest.approx(ref, rel=1e-11)


def test_moment_refusals() -> None:
    with pytest.raises(BoundkitError, match="max_order"):
        mean_norm_moments([[0.0], [1.0]], [0.5, 0.5], [[1.0]], max_order=0)
    with pytest.raises(BoundkitError, match="variance"):
        gaussian_quadratic_norm_moments(0.0, -1.0, np.eye(2))
    with pytest.raises(BoundkitError, match="singular"):
        mean_norm_moments([[0.0, 0.0], [1.0, 1.0]], [0.5, 0.5], np.ones((2, 2)))


# ---------------------------------------------------------------- the certified profile


def _radial_curvature(toy, w_star, metric, z: np.ndarray) -> np.ndarray:
    """u^T Cov_{Q_w}(phi) u / u^T M u at w = w* + v, v the M-whitened z, u = v (weighted loop)."""
    chol = np.linalg.cholesky(metric)
    v = np.linalg.solve(chol.T, z.T).T  # v = L^{-T} z, ||v||_M = ||z||
    out = np.empty(z.shape[0])
    for i, (vi, zi) in enumerate(zip(v, z, strict=True)):
        logits = toy.phi @ (w_star + vi) + np.log(toy.q)
        wts = np.exp(logits - logits.max())
        wts /= wts.sum()
        proj = toy.phi @ vi
        mean = wts @ proj
        out[i] = (wts @ (proj - mean) ** 2) / (zi @ zi)
    return out


def test_profile_is_below_the_curvature_everywhere_and_close_to_it(toy, bundle, metric) -> None:
    prof = bundle.profile
    w_star = linear_kl_moments(toy).w_star
    chol = np.linalg.cholesky(metric)
    rng = np.random.default_rng(20261204)
    z = rng.standard_normal((6000, 4))
    z /= np.linalg.norm(z, axis=1, keepdims=True)
    z *= rng.uniform(0.0, prof.diameter, size=(z.shape[0], 1)) ** 1.5 / prof.diameter**0.5
    w = w_star + np.linalg.solve(chol.T, z.T).T
    z = z[np.linalg.norm(w, axis=1) <= toy.B]  # points of the ball K
    s = np.linalg.norm(z, axis=1)
    curv = _radial_curvature(toy, w_star, metric, z)
    level = prof.levels[np.clip(np.searchsorted(prof.radii, s), 1, prof.levels.size) - 1]
    assert z.shape[0] > 1000
    assert np.all(curv >= level * (1 - 1e-12))
    # power: the profile is not trivially small; 1.2 x the profile is violated somewhere, so the
    # check above fails on a profile that forgot the box losses by 20%
    assert np.any(curv < 1.2 * level)
    # close: at radius s0, the smallest curvature over 3000 directions (an upper bound on the
    # infimum) is within 25% of the level
    for s0 in (0.05, 0.1, 0.2, 0.3, 0.5):
        u = rng.standard_normal((3000, 4))
        zz = s0 * u / np.linalg.norm(u, axis=1, keepdims=True)
        ww = w_star + np.linalg.solve(chol.T, zz.T).T
        zz = zz[np.linalg.norm(ww, axis=1) <= toy.B]
        lev = prof.levels[np.searchsorted(prof.radii, s0) - 1]
        assert lev >= 0.75 * _radial_curvature(toy, w_star, metric, zz).min()


def test_profile_dominates_the_analytic_profile(bundle) -> None:
    c = bundle.constants
    eps = np.linspace(1e-4, 0.19, 400)
    analytic = fast_rate_function(eps, c.rho, c.rho_center)
    assert np.all(bundle.profile.envelope(eps) <= analytic * (1 + 1e-9))
    # and is finite where the analytic envelope is not: every sample localises
    assert np.all(np.isfinite(bundle.profile.envelope(np.array([0.5, 5.0, 500.0]))))


def test_envelope_closed_forms() -> None:
    # constant curvature c on [0, D]: F = eps^2 / (2c) up to K(D) = c D, then D eps - c D^2 / 2
    c, D = 0.25, 2.0
    prof = CurvatureProfile(np.array([0.0, 0.7, D]), np.array([c, c]))
    eps = np.array([1e-6, 0.1, 0.3, 0.499])
    np.testing.assert_allclose(prof.envelope(eps), eps**2 / (2 * c), rtol=1e-9)
    eps = np.array([0.5001, 1.0, 10.0])
    np.testing.assert_allclose(prof.envelope(eps), D * eps - c * D**2 / 2, rtol=1e-9)
    assert np.all(prof.envelope(eps) >= D * eps - c * D**2 / 2)
    with pytest.raises(BoundkitError, match="non-increasing"):
        CurvatureProfile(np.array([0.0, 1.0, 2.0]), np.array([0.5, 0.6]))


def test_envelope_holds_on_every_replicate_and_is_near_tight(toy, bundle) -> None:
    worst = 0.0
    for n in (30, 100, 1000):
        excess, eps = _replicates(toy, n, 1500, seed=5)
        env = bundle.profile.envelope(eps)
        assert np.all(excess <= env + 1e-9)
        worst = max(worst, float(np.max(excess / env)))
    # near-tight: the envelope divided by 1.25 is violated (the shipped-false X9)
    assert worst > 0.8


# ---------------------------------------------------------------- the bounds


def test_moment_envelope_dominates_the_envelope(bundle) -> None:
    n = 300
    mom = bundle.moments.moments(n)
    _, coef = moment_envelope_bound(bundle.profile, mom, math.sqrt(bundle.constants.d_h / n))
    eps = np.concatenate([np.geomspace(1e-9, 50.0, 400_000), [1e3, 1e5]])
    poly = sum(a * eps**j for j, a in coef.items())
    assert np.all(poly >= bundle.profile.envelope(eps))


def test_expectation_bound_against_monte_carlo(toy, bundle) -> None:
    sizes = [300, 1000, 3000]
    values, means = [], []
    for n in sizes:
        excess, eps = _replicates(toy, n, 4000, seed=15)
        val = profile_fast_rate_bound(bundle, n).value
        env = bundle.profile.envelope(eps)
        se = env.std(ddof=1) / math.sqrt(env.size)
        assert env.mean() - 4 * se <= val  # the bound holds for E F(eps_n)
        assert val <= 1.1 * env.mean()  # the moment programme loses little over E F(eps_n)
        se_x = excess.std(ddof=1) / math.sqrt(excess.size)
        assert excess.mean() - 4 * se_x <= val
        if n >= 1000:  # the same bound halved is false: the mean exceeds it by > 4 se
            assert excess.mean() - 4 * se_x > val / 2
        values.append(val)
        means.append(excess.mean())
    # the goals: slope -1 within 0.15 over n >= 300, and within 3x of the measured mean
    # excess at n = 1000 (C6a is 142x there)
    slope = np.polyfit(np.log(sizes), np.log(values), 1)[0]
    assert -1.15 <= slope <= -0.85
    assert values[1] / means[1] < 3.0


def test_high_probability_bound_violation_rate(toy, bundle) -> None:
    R, delta = 2000, 0.05
    for n in (100, 300):
        excess, eps = _replicates(toy, n, R, seed=7)
        value = profile_fast_rate_bound(bundle, n, delta, kind="high-probability").value
        assert math.isfinite(value)
        v = int((excess > value).sum())
        assert stats.binom.sf(v - 1, R, delta) >= 1e-4 if v else True
        # Markov's deviation from the exact moments holds at its level
        dev = moment_deviation(bundle.moments, n, delta)
        v_eps = int((eps > dev).sum())
        assert stats.binom.sf(v_eps - 1, R, delta) >= 1e-4 if v_eps else True


def test_bound_refusals(bundle) -> None:
    with pytest.raises(BoundkitError, match="kind"):
        profile_fast_rate_bound(bundle, 100, kind="median")
    with pytest.raises(BoundkitError, match="n must"):
        profile_fast_rate_bound(bundle, 1)
    with pytest.raises(BoundkitError, match="delta"):
        profile_fast_rate_bound(bundle, 100, 1.5, kind="high-probability")
    with pytest.raises(BoundkitError, match="finite"):
        toy_profile_fast_rate("mixture1d")


# ---------------------------------------------------------------- the Gaussian toy (unbounded phi)


def _gauss_replicates(n: int, R: int, seed: int):
    from boundkit.duality import gaussian_kl

    toy = get_toy("gauss1d-quadratic")
    closed, mom = toy._closed, linear_kl_moments(toy)
    m = closed.sufficient_statistics(n, np.random.SeedSequence(seed, spawn_key=(n,)).spawn(R))
    mu, v = closed.refined_params(closed.fit(m))
    excess = gaussian_kl(closed.mean_p, closed.std_p**2, mu, v) - toy.population().divergence_best
    e = m - mom.mean_p
    eps = np.sqrt(np.einsum("ij,ij->i", e, np.linalg.solve(mom.cov_star, e.T).T))
    return np.asarray(excess), eps


def test_gaussian_profile_is_below_the_closed_form_curvature() -> None:
    toy = get_toy("gauss1d-quadratic")
    closed, mom = toy._closed, linear_kl_moments(toy)
    prof = toy_profile_fast_rate(toy).profile
    chol = np.linalg.cholesky(mom.cov_star)
    rng = np.random.default_rng(3)
    for s0 in (0.01, 0.05, 0.1, 0.2, 0.4, 0.6, prof.diameter):
        theta = rng.uniform(0, 2 * np.pi, 5000)
        z = s0 * rng.uniform(0, 1, (5000, 1)) ** 0.5 * np.stack([np.cos(theta), np.sin(theta)], 1)
        w = mom.w_star + np.linalg.solve(chol.T, z.T).T
        keep = np.linalg.norm(w, axis=1) <= closed.B
        if not keep.any():
            continue
        z, w = z[keep], w[keep]
        hess = closed.lam(w)[2]  # the toy's own closed form (its Hessian of Lambda)
        u = np.linalg.solve(chol.T, (z / np.linalg.norm(z, axis=1, keepdims=True)).T).T
        curv = np.einsum("md,mde,me->m", u, hess, u)
        s = np.linalg.norm(z, axis=1)
        level = prof.levels[np.clip(np.searchsorted(prof.radii, s), 1, prof.levels.size) - 1]
        assert np.all(curv >= level * (1 - 1e-12))
        outer = s > 0.9 * s0
        if s0 <= 0.6 and outer.any():  # close: within 15% of the sampled minimum
            assert prof.levels[np.searchsorted(prof.radii, s0) - 1] >= 0.85 * curv[outer].min()


def test_gaussian_bounds_against_monte_carlo() -> None:
    bundle = toy_profile_fast_rate("gauss1d-quadratic")
    sizes, values, worst = [300, 1000, 3000], [], 0.0
    for n in sizes:
        excess, eps = _gauss_replicates(n, 4000, seed=15)
        env = bundle.profile.envelope(eps)
        assert np.all(excess <= env + 1e-9)
        worst = max(worst, float(np.max(excess / env)))
        val = profile_fast_rate_bound(bundle, n).value
        se = excess.std(ddof=1) / math.sqrt(excess.size)
        assert excess.mean() - 4 * se <= val <= 3.0 * excess.mean()
        values.append(val)
        hp = profile_fast_rate_bound(bundle, n, 0.05, kind="high-probability").value
        v = int((excess > hp).sum())
        assert v == 0 or stats.binom.sf(v - 1, excess.size, 0.05) >= 1e-4
    slope = np.polyfit(np.log(sizes), np.log(values), 1)[0]
    assert -1.15 <= slope <= -0.85
    assert worst > 0.6  # not vacuous: the envelope is within a factor 1.7 on some replicate


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"q": [0.5, np.nan]}, "q > 0"),
        ({"q": [1.0, 0.0]}, "q > 0"),
        ({"w_star": [5.0]}, "w_star"),
        ({"phi_q": [[0.0], [np.inf]]}, "finite"),
        ({"metric": [[-1.0]]}, "positive definite"),
    ],
)
def test_profile_refuses_hostile_input(kwargs, match) -> None:
    from boundkit.bounds import certified_curvature_profile

    args = {"phi_q": [[0.0], [1.0]], "q": [0.5, 0.5], "w_star": [0.1], "metric": [[0.25]]}
    args.update(kwargs)
    with pytest.raises(BoundkitError, match=match):
        certified_curvature_profile(
            args["phi_q"], args["q"], args["w_star"], 1.0, metric=args["metric"]
        )


def test_profile_when_p_equals_q() -> None:
    # P = Q: w* = 0 is the centre of the ball, so the search starts from a box centred at w*
    # (where every direction is a ray direction: the radial curvature there is lambda_min)
    from boundkit.simulation import FiniteToy

    q = np.array([2, 3, 4, 5, 5, 5, 4, 3, 2.0])
    toy = FiniteToy(name="p-equals-q", p=q, q=q)
    prof = toy_profile_fast_rate(toy).profile
    assert np.allclose(linear_kl_moments(toy).w_star, 0.0, atol=1e-9)
    assert prof.evaluations > 1000
    assert prof.levels[np.searchsorted(prof.radii, 0.1) - 1] > 0.6
    excess, eps = _replicates(toy, 300, 1000, seed=2)
    assert np.all(excess <= prof.envelope(eps) + 1e-9)
