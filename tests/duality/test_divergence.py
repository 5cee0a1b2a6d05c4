"""D_f(P||Q) and the variational bounds (claim C2) against independent computations."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import integrate

from boundkit import BoundkitError
from boundkit.distributions import (
    FiniteDistribution,
    Gaussian,
    GaussianMixture,
    GridDensity,
)
from boundkit.duality import (
    divergence,
    divergence_from_weights,
    gaussian_divergence,
    identify_generator,
    lambda_finite,
    variational_bound,
)
from boundkit.generators import get_generator, shift_functional


# ----------------------------------------------------------------- independent references
def _xlogy(x, y):
    x = np.asarray(x, float)
    y = np.asarray(y, float)
    out = np.zeros_like(x)
    m = x > 0
    out[m] = x[m] * np.log(y[m])
    return out


def ref_divergence(name, p, q):
    """Textbook formulas written directly in p and q (no generator code)."""
    p = np.asarray(p, float)
    q = np.asarray(q, float)
    if name == "kl":
        if np.any((q == 0) & (p > 0)):
            return np.inf
        return float(np.sum(_xlogy(p, p) - _xlogy(p, q)))
    if name == "reverse_kl":
        return ref_divergence("kl", q, p)
    if name == "pearson":
        if np.any((q == 0) & (p > 0)):
            return np.inf
        m = q > 0
        return float(np.sum((p[m] - q[m]) ** 2 / q[m]))
    if name == "squared_hellinger":
        return float(np.sum((np.sqrt(p) - np.sqrt(q)) ** 2))
    if name == "total_variation":
        return float(0.5 * np.sum(np.abs(p - q)))
    if name == "jensen_shannon":
        m = (p + q) / 2
        return float(
            np.sum(
                _xlogy(p, 2 * p / np.where(m > 0, 2 * m, 1))
                + _xlogy(q, 2 * q / np.where(m > 0, 2 * m, 1))
            )
        )
    raise KeyError(name)


NAMES = ["kl", "reverse_kl", "pearson", "squared_hellinger", "total_variation", "jensen_shannon"]


@pytest.fixture(scope="module")
def gens():
    return {n: get_generator(n) for n in NAMES}


def _pq(seed, k, zeros=False):
    rng = np.random.default_rng(seed)
    p = rng.dirichlet(np.ones(k))
    q = rng.dirichlet(np.ones(k))
    if zeros:
        q[0] = 0.0
        q /= q.sum()
    return p, q


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("zeros", [False, True])
def test_finite_divergence_matches_textbook_formula(gens, name, zeros):
    for seed in range(5):
        p, q = _pq(seed, 7, zeros)
        ref = ref_divergence(name, p, q)
        val = divergence_from_weights(gens[name], p, q)
        if np.isinf(ref):
            assert val == np.inf
        else:
            assert val == pytest.approx(ref, rel=1e-12, abs=1e-14)


def test_absolute_continuity_and_fprime_at_infinity(gens):
    p = np.array([0.5, 0.5, 0.0])
    q = np.array([0.0, 0.5, 0.5])
    # f'(inf) = inf: infinite; never NaN
    assert divergence_from_weights(gens["kl"], p, q) == np.inf
    assert divergence_from_weights(gens["pearson"], p, q) == np.inf
    # f'(inf) finite: TV = 1/2 sum |p - q| = 1/2; squared Hellinger f'(inf) = 1
    assert divergence_from_weights(gens["total_variation"], p, q) == pytest.approx(0.5)
    assert divergence_from_weights(gens["squared_hellinger"], p, q) == pytest.approx(
        (np.sqrt(0.5) - 0) ** 2 * 2 + 0.0, rel=1e-12
    )
    # reverse KL: P has mass where Q does not -> f(0) = inf term
    assert divergence_from_weights(gens["reverse_kl"], p, q) == np.inf
    # disjoint supports through distributions (union of atoms)
    P = FiniteDistribution([0.0, 1.0], [0.5, 0.5])
    Q = FiniteDistribution([2.0, 3.0], [0.5, 0.5])
    assert divergence(gens["total_variation"], P, Q).value == pytest.approx(1.0)
    assert divergence(gens["jensen_shannon"], P, Q).value == pytest.approx(2 * np.log(2))


@given(seed=st.integers(0, 2**31 - 1), k=st.integers(2, 12))
def test_divergence_is_nonnegative_and_zero_at_equality(gens, seed, k):
    p, q = _pq(seed, k)
    for name in ("kl", "pearson", "squared_hellinger"):
        assert divergence_from_weights(gens[name], p, q) >= -1e-15
        assert divergence_from_weights(gens[name], p, p) == pytest.approx(0.0, abs=1e-14)


# ----------------------------------------------------------------- Gaussians
def _quad_divergence(f, p_pdf, q_pdf, lo=-30, hi=30):
    def integrand(x):
        qx = q_pdf(x)
        return qx * f(p_pdf(x) / qx) if qx > 0 else 0.0

    return integrate.quad(integrand, lo, hi, limit=400, epsabs=1e-13, epsrel=1e-12)[0]


@pytest.mark.parametrize(
    "name,f",
    [
        ("kl", lambda u: u * np.log(u) if u > 0 else 0.0),
        ("reverse_kl", lambda u: -np.log(u)),
        ("squared_hellinger", lambda u: (np.sqrt(u) - 1) ** 2),
        ("pearson", lambda u: (u - 1) ** 2),
    ],
)
def test_gaussian_closed_forms_against_quadrature(gens, name, f):
    P = Gaussian([0.3], [[0.8]])
    Q = Gaussian([-0.4], [[1.3]])

    def npdf(x, m, v):
        return np.exp(-((x - m) ** 2) / (2 * v)) / np.sqrt(2 * np.pi * v)

    ref = _quad_divergence(f, lambda x: npdf(x, 0.3, 0.8), lambda x: npdf(x, -0.4, 1.3), -15, 15)
    r = divergence(gens[name], P, Q)
    assert r.method == "closed_form" and r.stderr == 0.0
    assert r.value == pytest.approx(ref, rel=1e-9)


def test_gaussian_kl_2d_textbook_and_pearson_infinite(gens):
    P = Gaussian([1.0, 0.0], [[2.0, 0.3], [0.3, 1.0]])
    Q = Gaussian([0.0, 0.5], [[1.0, 0.0], [0.0, 3.0]])
    S0, S1 = P.cov, Q.cov
    dm = Q.mean - P.mean
    ref = 0.5 * (
        np.trace(np.linalg.solve(S1, S0))
        + dm @ np.linalg.solve(S1, dm)
        - 2
        + np.log(np.linalg.det(S1) / np.linalg.det(S0))
    )
    assert gaussian_divergence(gens["kl"], P, Q) == pytest.approx(ref, rel=1e-12)
    # Pearson is infinite when 2/sigma_P^2 - 1/sigma_Q^2 <= 0
    assert gaussian_divergence(gens["pearson"], Gaussian([0.0], 3.0), Gaussian([0.0], 1.0)) == (
        np.inf
    )
    with pytest.raises(BoundkitError):
        gaussian_divergence(gens["total_variation"], P, Q)


def test_grid_quadrature_converges_to_closed_form(gens):
    P = Gaussian([0.5], 1.0)
    Q = Gaussian([0.0], 1.5)
    bounds = [(-12.0, 12.0)]
    GP = GridDensity.from_distribution(P, bounds, 4000)
    GQ = GridDensity.from_distribution(Q, bounds, 4000)
    r = divergence(gens["kl"], GP, GQ)
    assert r.method == "quadrature"
    # midpoint rule with step 6e-3: error O(step^2) ~ 1e-5 is far above rounding
    assert r.value == pytest.approx(gaussian_divergence(gens["kl"], P, Q), abs=1e-5)


def test_monte_carlo_within_standard_errors(gens):
    """MC estimates vs references: |est - ref| <= 4.5 se (false-failure prob ~7e-6 each)."""
    M = GaussianMixture([0.3, 0.7], [[-1.0], [1.5]], [[[0.5]], [[1.0]]])
    Q = Gaussian([0.0], 2.0)

    def npdf(x, m, v):
        return np.exp(-((x - m) ** 2) / (2 * v)) / np.sqrt(2 * np.pi * v)

    def m_pdf(x):
        return 0.3 * npdf(x, -1.0, 0.5) + 0.7 * npdf(x, 1.5, 1.0)

    def q_pdf(x):
        return npdf(x, 0.0, 2.0)

    for name, f in [
        ("kl", lambda u: u * np.log(u) if u > 0 else 0.0),
        ("squared_hellinger", lambda u: (np.sqrt(u) - 1) ** 2),
    ]:
        ref = _quad_divergence(f, m_pdf, q_pdf, -20, 20)
        r = divergence(gens[name], M, Q, n_samples=20_000, rng=123)
        assert r.method == "monte_carlo" and r.stderr > 0 and r.n_samples == 20_000
        assert abs(r.value - ref) <= 4.5 * r.stderr
    # reproducible from rng
    a = divergence(gens["kl"], M, Q, n_samples=1000, rng=7)
    b = divergence(gens["kl"], M, Q, n_samples=1000, rng=7)
    assert a.value == b.value and a.seed == b.seed


def test_singular_pair_and_bad_inputs(gens):
    P = FiniteDistribution([0.0], [1.0])
    Q = Gaussian([0.0], 1.0)
    # mutually singular: D_f = f(0) + f'(inf): TV -> 1/2 + 1/2
    assert divergence(gens["total_variation"], P, Q).value == pytest.approx(1.0)
    assert divergence(gens["kl"], P, Q).value == np.inf
    with pytest.raises(BoundkitError):
        divergence_from_weights("kl", [0.5, 0.6], [0.5, 0.5])
    with pytest.raises(BoundkitError):
        divergence_from_weights("kl", [1.5, -0.5], [0.5, 0.5])
    with pytest.raises(BoundkitError):
        divergence_from_weights("kl", [0.5, 0.5], [0.2, 0.3, 0.5])
    with pytest.raises(BoundkitError):
        divergence(gens["kl"], P, P, method="nope")


# ----------------------------------------------------------------- variational bounds
def test_both_forms_attain_the_divergence_at_fprime(gens):
    for name in ("kl", "pearson", "squared_hellinger", "reverse_kl", "jensen_shannon"):
        g = gens[name]
        for seed in range(3):
            p, q = _pq(seed, 6)
            P = FiniteDistribution(np.arange(6.0), p)
            Q = FiniteDistribution(np.arange(6.0), q)
            D = ref_divergence(name, p, q)
            hstar = np.asarray(g.fprime(p / q), dtype=float)
            for form in ("nwj", "shifted"):
                assert variational_bound(g, hstar, P, Q, form=form).value == pytest.approx(
                    D, rel=1e-9, abs=1e-12
                )
            # the shifted form is invariant under adding constants, NWJ is not
            s = variational_bound(g, hstar + 0.7, P, Q, form="shifted").value
            assert s == pytest.approx(D, rel=1e-9, abs=1e-12)


@given(seed=st.integers(0, 2**31 - 1), k=st.integers(2, 10), scale=st.floats(0.1, 3.0))
def test_shifted_dominates_nwj_and_both_below_divergence(gens, seed, k, scale):
    rng = np.random.default_rng(seed)
    p, q = _pq(seed, k)
    P = FiniteDistribution(np.arange(float(k)), p)
    Q = FiniteDistribution(np.arange(float(k)), q)
    h = rng.normal(scale=scale, size=k)
    for name in ("kl", "pearson", "squared_hellinger"):
        g = gens[name]
        hh = np.minimum(h, 0.9) if name == "squared_hellinger" else h  # inside dom f*
        D = ref_divergence(name, p, q)
        s = variational_bound(g, hh, P, Q, form="shifted")
        n = variational_bound(g, hh, P, Q, form="nwj")
        assert n.value <= s.value + 1e-12
        assert s.value <= D + 1e-10
        assert s.e_p_h == pytest.approx(float(p @ hh), rel=1e-12, abs=1e-14)


@given(seed=st.integers(0, 2**31 - 1), k=st.integers(1, 15))
def test_lambda_finite_matches_generators_shift_functional(gens, seed, k):
    rng = np.random.default_rng(seed)
    q = rng.dirichlet(np.ones(k))
    h = rng.normal(scale=2.0, size=k)
    # KL: log E_Q e^h by a direct formula
    lam, nu = lambda_finite(gens["kl"], h, q)
    assert lam == pytest.approx(np.log(np.sum(q * np.exp(h))), rel=1e-12, abs=1e-12)
    assert nu == pytest.approx(lam - 1.0, abs=1e-12)
    for name in ("pearson", "squared_hellinger", "reverse_kl", "total_variation"):
        g = gens[name]
        lam, nu = lambda_finite(g, h, q)
        ref = shift_functional(g, h, q)
        assert lam == pytest.approx(float(ref.value), rel=1e-8, abs=1e-10)
        # nu minimises nu + E f*(h - nu): no better value nearby
        for d in (-1e-3, 1e-3):
            other = nu + d + float(q @ g.conjugate(h - nu - d))
            assert other >= lam - 1e-12


def test_identify_generator_by_value_including_affine_variant():
    assert identify_generator(get_generator("kl")).key == "kl"
    std = identify_generator(get_generator("kl_standard"))
    assert std.key == "kl" and std.shift == pytest.approx(-1.0)
    assert identify_generator(get_generator("jeffreys")) is None
    assert identify_generator(get_generator("neyman")).key == "neyman"


# ---------------------------------------------------------------- Gaussian KL near P = Q
def _mp_gauss_kl(m1, v1, m2, v2):
    import mpmath as mp

    with mp.workdps(60):
        m1, v1, m2, v2 = (mp.mpf(float(a)) for a in (m1, v1, m2, v2))
        return float((mp.log(v2 / v1) + (v1 + (m1 - m2) ** 2) / v2 - 1) / 2)


@pytest.mark.parametrize(
    ("m1", "v1", "m2", "v2"),
    [
        (0.0, 1.0 + 2e-8, 0.0, 1.0),  # variances 1e-8 apart: KL ~ 1e-16
        (0.0, 1.0 - 3e-5, 0.0, 1.0),
        (1e-9, 1.0, 0.0, 1.0 + 1e-7),
        (0.3, 0.2, -0.1, 0.21),
        (0.0, 1.0, 2.0, 4.0),
        (0.5, 1e-3, 0.0, 10.0),
        (0.0, 0.76, 0.0, 1.0),  # x = -0.24, just inside the series branch
        (0.0, 0.74, 0.0, 1.0),  # x = -0.26, just outside
    ],
)
def test_gaussian_kl_full_relative_accuracy_against_mpmath(m1, v1, m2, v2):
    from boundkit.duality import gaussian_kl

    ref = _mp_gauss_kl(m1, v1, m2, v2)
    assert float(gaussian_kl(m1, v1, m2, v2)) == pytest.approx(ref, rel=1e-13)
    # the d-dimensional closed form, 1-D and as a 3-D product with the same pair on each axis
    P, Q = Gaussian([m1], [[v1]]), Gaussian([m2], [[v2]])
    assert gaussian_divergence("kl", P, Q) == pytest.approx(ref, rel=1e-13)
    P3, Q3 = Gaussian([m1] * 3, np.eye(3) * v1), Gaussian([m2] * 3, np.eye(3) * v2)
    assert gaussian_divergence("kl", P3, Q3) == pytest.approx(3 * ref, rel=1e-12)


def test_textbook_gaussian_kl_loses_the_digits_the_closed_form_keeps():
    # control: log(v2/v1) + v1/v2 - 1 at v1 = 1 + 2e-8 is rounding noise, not 1e-16
    v1 = 1.0 + 2e-8
    textbook = 0.5 * (np.log(1.0 / v1) + v1 - 1.0)
    assert abs(textbook - _mp_gauss_kl(0.0, v1, 0.0, 1.0)) > 1e-3 * _mp_gauss_kl(0.0, v1, 0.0, 1.0)
