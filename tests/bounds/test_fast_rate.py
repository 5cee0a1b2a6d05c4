"""The fast-rate bound C10: envelope, constants, violation rates against delta, false variant.

Statistical tests use fixed seeds and state their false-failure probability: a binomial test
per (n, delta) cell that fails when P(Bin(R, delta) >= V) < 1e-4 (at most 1e-4 per cell when
the bound holds; 9 cells). The expectation test compares the Monte Carlo mean plus 4 standard
errors with the bound (false-failure probability about 3e-5).
"""

from __future__ import annotations

import math

import mpmath as mp
import numpy as np
import pytest
from scipy import integrate, optimize, stats
from scipy.special import logsumexp

from boundkit._errors import BoundkitError
from boundkit.bounds import (
    FastRateConstants,
    active_rate_function,
    fast_rate_bound,
    fast_rate_constants,
    fast_rate_function,
)
from boundkit.simulation import FiniteToy, toy_fast_rate_constants
from boundkit.simulation._finite_toy import finite_kl

mp.mp.dps = 50


@pytest.mark.parametrize("x", [1e-12, 1e-5, 3e-3, 9.99e-3, 1e-2, 0.1, 0.5, 0.9, 0.999999])
@pytest.mark.parametrize("rho", [0.5, 6.0, 300.0])
def test_envelope_against_mpmath(x: float, rho: float) -> None:
    eps = x / rho
    ref = (-mp.log(1 - mp.mpf(rho) * mp.mpf(eps)) - mp.mpf(rho) * mp.mpf(eps)) / mp.mpf(rho) ** 2
    val = float(fast_rate_function(eps, rho))
    assert mp.mpf(val) >= ref  # rounded up
    # tight: x = rho eps is rounded up by 2 ulps, which moves F by at most 4 ulps / (1 - x)
    rel = 1e-12 + 8 * np.finfo(float).eps / (1 - x)
    assert mp.mpf(val) <= ref * (1 + mp.mpf(rel)) + mp.mpf(1e-300)


def test_envelope_limits() -> None:
    assert float(fast_rate_function(0.3, 0.0)) == pytest.approx(0.045, rel=1e-15)
    assert np.isinf(fast_rate_function(0.25, 4.0))
    assert np.isinf(fast_rate_function(0.3, math.inf))
    assert float(fast_rate_function(0.0, math.inf)) < 1e-299


def _brute_constants(phi_q, qs, phi_p, p):
    """The constants by explicit loops and an explicit inverse (independent of the code)."""
    mq = sum(w * f for w, f in zip(qs, phi_q, strict=True))
    H = sum(w * np.outer(f - mq, f - mq) for w, f in zip(qs, phi_q, strict=True))
    Hi = np.linalg.inv(H)
    mu = sum(w * f for w, f in zip(p, phi_p, strict=True))
    S = sum(w * np.outer(f - mu, f - mu) for w, f in zip(p, phi_p, strict=True))
    rho = max(math.sqrt((a - b) @ Hi @ (a - b)) for a in phi_q for b in phi_q)
    bb = max(math.sqrt((f - mu) @ Hi @ (f - mu)) for w, f in zip(p, phi_p, strict=True) if w > 0)
    m4 = sum(w * ((f - mu) @ Hi @ (f - mu)) ** 2 for w, f in zip(p, phi_p, strict=True))
    L = np.linalg.cholesky(Hi)  # Hi = L L^T; C ~ L^T S L has the spectrum of H^-1/2 S H^-1/2
    C = L.T @ S @ L
    return {
        "d_h": float(np.trace(Hi @ S)),
        "sigma2": float(np.linalg.eigvalsh(C).max()),
        "rho": rho,
        "b": bb,
        "m4": m4,
        "tr_cov2": float(np.trace(Hi @ S @ Hi @ S)),
        "trace_cov_p": float(np.trace(S)),
    }


def test_constants_against_brute_force() -> None:
    toy = FiniteToy()
    c = toy_fast_rate_constants(toy)
    from boundkit.simulation._linear_kl import tilt

    w = toy.fit((toy.p @ toy.phi)[None, :])[0]
    qs = np.exp(tilt(toy.logq, toy.phi, w[None, :])[0][0])
    ref = _brute_constants(toy.phi, qs, toy.phi, toy.p)
    for k, v in ref.items():
        assert getattr(c, k) == pytest.approx(v, rel=1e-9), k
    assert c.radius == toy.B


def test_fourth_moment_exact_on_a_tiny_instance() -> None:
    """E eps_n^4 against the exact enumeration of all samples of size 3 on 3 atoms."""
    from itertools import product

    phi = np.array([[-1.0], [0.0], [2.0]])
    p = np.array([0.2, 0.5, 0.3])
    c = fast_rate_constants(phi, [1 / 3] * 3, phi, p, radius=1.0)
    H = float(np.var(phi[:, 0]))  # Cov under the uniform Q*
    mu = float(p @ phi[:, 0])
    n = 3
    e4 = 0.0
    e2 = 0.0
    for idx in product(range(3), repeat=n):
        pr = float(np.prod(p[list(idx)]))
        eps2 = (phi[list(idx), 0].mean() - mu) ** 2 / H
        e2 += pr * eps2
        e4 += pr * eps2**2
    assert c.fourth_moment(n) == pytest.approx(e4, rel=1e-12)
    assert c.d_h / n == pytest.approx(e2, rel=1e-12)


def _random_instance(seed: int) -> tuple[FiniteToy, FastRateConstants]:
    rng = np.random.default_rng(seed)
    k = int(rng.integers(4, 9))
    toy = FiniteToy(
        f"rand{seed}",
        p=rng.dirichlet(np.ones(k)),
        q=rng.dirichlet(np.ones(k)) + 0.02,
        degree=int(rng.integers(1, 4)),
        B=float(rng.uniform(0.3, 5.0)),
    )
    return toy, toy_fast_rate_constants(toy)


@pytest.mark.parametrize("seed", range(8))
def test_envelope_holds_on_random_instances(seed: int) -> None:
    """Deterministic statement: excess <= F_kappa(eps_n) <= F_rho(eps_n) on every sample where
    it is finite, computed exactly (finite sums), on random P, Q, degree and radius; and the
    envelope /2 fails somewhere (the check can fail)."""
    toy, c = _random_instance(seed)
    from boundkit.simulation import linear_kl_moments

    mom = linear_kl_moments(toy)
    rng = np.random.default_rng(100 + seed)
    best = toy.population().divergence_best
    ratios = []
    for n in (20, 100, 1000):
        counts = rng.multinomial(n, toy.p, size=100)
        m = counts / n @ toy.phi
        w = toy.fit(m)
        ex = np.array([finite_kl(toy.p, r) for r in toy.refined(w)]) - best
        e = m - mom.mean_p
        eps = np.sqrt(np.einsum("ij,ij->i", e, np.linalg.solve(mom.cov_star, e.T).T))
        env = fast_rate_function(eps, c.rho, c.rho_center)
        env_rho = fast_rate_function(eps, c.rho)
        assert np.all(env <= env_rho)
        ok = np.isfinite(env) & (env > 0)
        assert np.all(ex[ok] <= env[ok] + 1e-10)
        ratios.extend((ex[ok] / env[ok]).tolist())
    assert max(ratios) > 0.5  # half the envelope would be violated


def _finite_replicates(toy: FiniteToy, n: int, R: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    counts = rng.multinomial(n, toy.p, size=R)
    w = toy.fit(counts / n @ toy.phi)
    return (
        np.array([finite_kl(toy.p, r) for r in toy.refined(w)]) - toy.population().divergence_best
    )


@pytest.mark.parametrize("n", [1000, 3000, 20000])
def test_high_probability_violation_rate(n: int) -> None:
    toy = FiniteToy()
    c = toy_fast_rate_constants(toy)
    R = 300
    ex = _finite_replicates(toy, n, R, seed=n)
    for delta in (0.05, 0.3, 0.7):
        b = fast_rate_bound(c, n, delta)
        assert math.isfinite(b.value)
        v = int((ex > b.value).sum())
        assert stats.binom.sf(v - 1, R, delta) >= 1e-4, (n, delta, v)


def test_expectation_bound_and_its_false_variant() -> None:
    toy = FiniteToy()
    c = toy_fast_rate_constants(toy)
    n, R = 3000, 400
    ex = _finite_replicates(toy, n, R, seed=7)
    se = ex.std(ddof=1) / math.sqrt(R)
    bound = fast_rate_bound(c, n, kind="expectation")
    assert ex.mean() - 4 * se <= bound.value
    # O(1/n): the bound at 10n is about 10 times smaller (slope -1 to -1.5)
    ratio = bound.value / fast_rate_bound(c, 10 * n, kind="expectation").value
    assert 9.0 < ratio < 40.0
    # the false variant (constant / 10) is below the measured mean at large n: it must fail
    big = 100_000
    ex_big = _finite_replicates(toy, big, 200, seed=8)
    false = fast_rate_bound(c, big, kind="expectation", constant_factor=0.1)
    assert ex_big.mean() - 4 * ex_big.std(ddof=1) / math.sqrt(200) > false.value


def test_hp_bound_is_infinite_when_localisation_fails() -> None:
    c = toy_fast_rate_constants(FiniteToy())
    r = fast_rate_bound(c, 100, 0.05)
    assert math.isinf(r.value) and r.notes


def test_singular_covariance_raises() -> None:
    phi = np.array([[1.0, 2.0], [2.0, 4.0], [3.0, 6.0]])  # collinear features
    with pytest.raises(BoundkitError):
        fast_rate_constants(phi, [1 / 3] * 3, phi, [1 / 3] * 3, radius=1.0)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"n": 1, "delta": 0.05},
        {"n": 10, "delta": 1.5},
        {"n": 10, "delta": 0.05, "kind": "median"},
        {"n": 10, "delta": 0.05, "constant_factor": -1.0},
    ],
)
def test_bad_input_raises(kwargs) -> None:
    c = FastRateConstants(1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0)
    with pytest.raises(BoundkitError):
        fast_rate_bound(c, **kwargs)


def test_kl_identity_used_by_the_excess() -> None:
    """excess = Phi(w*) - Phi(w_n) (C5) on the finite toy, which the proof relies on."""
    toy = FiniteToy()
    rng = np.random.default_rng(3)
    m = rng.multinomial(200, toy.p) / 200 @ toy.phi
    w = toy.fit(m[None, :])[0]
    ws = toy.fit((toy.p @ toy.phi)[None, :])[0]
    mp_ = toy.p @ toy.phi

    def phi_obj(v):
        return float(mp_ @ v - logsumexp(toy.phi @ v, b=toy.q))

    ex = finite_kl(toy.p, toy.refined(w[None, :])[0]) - toy.population().divergence_best
    assert ex == pytest.approx(phi_obj(ws) - phi_obj(w), rel=1e-9, abs=1e-14)


def _kappa(s: float, rho: float, rho0: float) -> float:
    """The curvature profile of C10, written out again (not boundkit's function)."""
    bennett = math.exp(-rho0 * s - (math.exp(rho0 * s) - 1 - rho0 * s) / rho0**2)
    return max(math.exp(-rho * s), bennett)


def _quad_profile(rho: float, rho0: float):
    """K(t) = int_0^t kappa, T = K^{-1} and F(eps) = int_0^T K, by adaptive quadrature."""

    def K(t: float) -> float:
        return integrate.quad(_kappa, 0.0, t, args=(rho, rho0), epsabs=1e-14, epsrel=1e-12)[0]

    def T(eps: float) -> float:
        return optimize.brentq(lambda t: K(t) - eps, 0.0, 60.0 / rho, xtol=1e-14)

    def F(eps: float) -> float:
        return integrate.quad(K, 0.0, T(eps), epsabs=1e-16, epsrel=1e-10)[0]

    return K, T, F


@pytest.mark.parametrize("eps", [0.01, 0.05, 0.1, 0.15, 0.19])
def test_profile_envelope_against_quadrature(eps: float) -> None:
    rho, rho0 = 6.276, 4.531  # the finite toy's constants, rounded
    _, _, F = _quad_profile(rho, rho0)
    ref = F(eps)
    got = float(fast_rate_function(eps, rho, rho0))
    assert ref <= got <= ref * (1 + 2e-3)
    # the Bennett profile helps: below the e^{-rho s} envelope once rho eps is not small
    if eps >= 0.05:
        assert got < 0.95 * float(fast_rate_function(eps, rho))


def _expectation_at(c: FastRateConstants, n: int, tau: float) -> float:
    """The expectation bound of C10 (3) at one tau, independently (mpmath for the Bousquet
    pieces, adaptive quadrature for the curvature profile)."""
    m = mp.sqrt(mp.mpf(c.d_h) / n)
    k = 2 * (mp.mpf(c.sigma2) + 2 * c.b * m) / n
    cc = mp.mpf(c.b) / (3 * n)
    e2, e4 = mp.mpf(c.d_h) / n, mp.mpf(c.fourth_moment(n))

    def level(r):  # x with m + sqrt(k x) + cc x = r: the textbook root in sqrt(x)
        if r <= m:
            return mp.mpf(0)
        y = (-mp.sqrt(k) + mp.sqrt(k + 4 * cc * (r - m))) / (2 * cc)
        return y * y

    def pbar(r):
        return float(min(mp.mpf(1), e2 / r**2, e4 / r**4, mp.e ** (-level(mp.mpf(r)))))

    rho, rho0 = c.rho, c.rho_center
    K, T, _ = _quad_profile(rho, rho0)
    s = tau * K(50.0 / rho)
    if c.multiplier > 0:  # C10 (4): G' - 2r = T - r + r (1/kappa(T) - 1)
        third = integrate.quad(
            lambda r: (T(r) - r + r * (1 / _kappa(T(r), rho, rho0) - 1)) * pbar(r),
            0.0,
            s,
            limit=200,
        )[0]
        main = float(e2) + third
    else:
        third = integrate.quad(
            lambda r: r * (1 / _kappa(T(r), rho, rho0) - 1) * pbar(r), 0.0, s, limit=200
        )[0]
        g = (-math.log(1 - rho * s) - rho * s) / (rho * s) ** 2 if rho * s < 1 else math.inf
        main = min(g * float(e2), float(e2) / 2 + third)
    x0 = level(mp.mpf(s))
    tail_mean = mp.e ** (-x0) * (m + cc * (1 + x0)) + mp.sqrt(k) * mp.gammainc(1.5, x0, mp.inf)
    tail = (
        2
        * c.radius
        * min(
            math.sqrt(c.trace_cov_p / n * pbar(s)),
            math.sqrt(c.h_max) * float(min(tail_mean, e4 / mp.mpf(s) ** 3)),
        )
    )
    return main + tail


@pytest.mark.parametrize("active", [False, True])
@pytest.mark.parametrize("n", [300, 1000, 3000, 30000])
def test_expectation_bound_against_independent_quadrature(n: int, active: bool) -> None:
    # the returned value is the minimum over the tau grid: at least the independent value at
    # its tau (rounded up), and no larger than it by more than the Riemann-sum error
    c = toy_fast_rate_constants(FiniteToy(), active_constraint=active)
    r = fast_rate_bound(c, n, kind="expectation")
    tau = r.terms["tau"]
    assert 0 < tau < 1
    ref = _expectation_at(c, n, tau)
    assert ref * (1 - 1e-6) <= r.value <= ref * 1.01
    # no grid point does better in the independent evaluation (the minimisation is real)
    for t in (0.1, 0.5, 0.9):
        assert r.value <= _expectation_at(c, n, t) * 1.01


def test_expectation_bound_is_the_slow_rate_when_nothing_localises() -> None:
    # rho huge: every tau leaves mass above tau/rho, and the slow-rate value 2B sqrt(tr Sigma/n)
    # (here the smaller of the two) is returned, finite
    c = FastRateConstants(
        d_h=2.0,
        sigma2=1.0,
        rho=1e6,
        b=4.0,
        m4=10.0,
        tr_cov2=2.0,
        trace_cov_p=0.5,
        radius=1.0,
        h_max=1.0,
    )
    r = fast_rate_bound(c, 100, kind="expectation")
    assert r.terms["tau"] == 0.0
    assert r.value == pytest.approx(2 * math.sqrt(0.5 / 100), rel=1e-12)


@pytest.mark.parametrize("eps", [0.01, 0.05, 0.1, 0.15, 0.19])
def test_active_envelope_against_quadrature(eps: float) -> None:
    rho, rho0 = 6.276, 4.531
    _, T, _ = _quad_profile(rho, rho0)
    ref = eps * T(eps)
    got = float(active_rate_function(eps, rho, rho0))
    assert ref <= got <= ref * (1 + 2e-3)
    # the closed form without rho_0: eps * (-log(1 - rho eps) / rho)
    if rho * eps < 1:
        closed = eps * -math.log(1 - rho * eps) / rho
        assert float(active_rate_function(eps, rho)) == pytest.approx(closed, rel=1e-12)
    else:  # beyond 1/rho only the Bennett profile localises
        assert math.isinf(active_rate_function(eps, rho)) and math.isfinite(got)


def test_active_constraint_envelope_holds_on_every_replicate() -> None:
    """C10 (4) on the exact finite toy: excess <= G_kappa(eps_N), eps_N in the N = H + lam/2 I
    norm, on every replicate where it is finite; and a quarter of it would be violated."""
    from boundkit.simulation import linear_kl_moments

    toy = FiniteToy()
    c = toy_fast_rate_constants(toy, active_constraint=True)
    mom = linear_kl_moments(toy)
    assert c.multiplier == pytest.approx(mom.multiplier) and c.multiplier > 0
    N = mom.cov_star + 0.5 * c.multiplier * np.eye(mom.cov_star.shape[0])
    best = toy.population().divergence_best
    rng = np.random.default_rng(41)
    ratios = []
    for n in (50, 200, 1000, 5000):
        counts = rng.multinomial(n, toy.p, size=300)
        m = counts / n @ toy.phi
        ex = np.array([finite_kl(toy.p, r) for r in toy.refined(toy.fit(m))]) - best
        e = m - mom.mean_p
        eps = np.sqrt(np.einsum("ij,ij->i", e, np.linalg.solve(N, e.T).T))
        env = active_rate_function(eps, c.rho, c.rho_center)
        ok = np.isfinite(env)
        assert ok.sum() > 0
        assert np.all(ex[ok] <= env[ok] + 1e-10)
        ratios.extend((ex[ok] / env[ok]).tolist())
    assert max(ratios) > 0.25


def test_active_constants_need_an_active_constraint() -> None:
    with pytest.raises(BoundkitError):
        toy_fast_rate_constants("gauss1d-quadratic", active_constraint=True)
    with pytest.raises(BoundkitError):
        fast_rate_constants(
            np.eye(2), [0.5, 0.5], np.eye(2), [0.5, 0.5], radius=1.0, multiplier=-1.0
        )
    # a singular H is accepted with a positive multiplier (N = H + lam/2 I is definite)
    phi = np.array([[1.0, 2.0], [2.0, 4.0], [3.0, 6.0]])
    c = fast_rate_constants(phi, [1 / 3] * 3, phi, [1 / 3] * 3, radius=1.0, multiplier=0.1)
    assert math.isfinite(c.rho) and c.multiplier == 0.1
