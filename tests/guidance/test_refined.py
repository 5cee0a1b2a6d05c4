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
    get_guidance_setting,
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
    assert abs(gauss.lam - LOGZ) < 1e-12
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
    tt = get_guidance_setting(toy)
    r = refine_by_discriminator(tt.q, OptimalDiscriminator(tt.p, tt.q), box=tt.bounds(0, 8))
    assert abs(r.lam) < 1e-10  # E_Q[p/q] = 1
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
    tt = get_guidance_setting("square-2d")
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
        refine_by_discriminator(q, OptimalDiscriminator(*[get_guidance_setting("square-2d").p] * 2))


# ---------------------------------------------------------------- client of boundkit.duality
GENERATORS = ["kl", "kl_standard", "pearson", "squared_hellinger", "reverse_kl", "jensen_shannon"]


def _bounded_h(x):
    return 0.8 * np.sin(x[:, 0]) + 0.2 * np.cos(x[:, -1])


def _bounded_grad(x):
    g = np.zeros_like(x)
    g[:, 0] += 0.8 * np.cos(x[:, 0])
    g[:, -1] -= 0.2 * np.sin(x[:, -1])
    return g


@pytest.mark.parametrize("generator", GENERATORS)
@pytest.mark.parametrize("name", ["bimodal", "square-2d"])
def test_refined_model_is_duality_refine(name, generator):
    """The guidance Q_h = duality.refine of Q tabulated on an independent midpoint grid.

    Trapezoid (guidance) and midpoint (GridDensity) rules are both spectrally accurate for
    these smooth integrands negligible at the box edges, so the densities agree to ~1e-10.
    """
    from boundkit.distributions import GridDensity
    from boundkit.duality import refine

    s = get_guidance_setting(name)
    lo, hi = s.bounds(0.0, 8.0)
    model = RefinedModel(s.q, _bounded_h, _bounded_grad, generator=generator, box=(lo, hi))
    grid = GridDensity.from_distribution(
        s.q, list(zip(lo, hi, strict=True)), 2000 if s.dim == 1 else 200
    )
    shared = refine(grid, _bounded_h, generator)
    dens = shared.pmf / grid.cell_volume
    assert model.nu == pytest.approx(shared.nu, abs=1e-9)
    assert model.lam == pytest.approx(shared.lam, abs=1e-9)
    np.testing.assert_allclose(model.pdf(grid.nodes), dens, rtol=0, atol=1e-9 * dens.max())
    # and the node probabilities are duality.refine of the tabulated base itself
    again = refine(model.base_grid, _bounded_h, generator)
    np.testing.assert_array_equal(model.node_weights()[1], again.pmf)


@pytest.mark.parametrize("generator", GENERATORS)
def test_nu_solves_the_normalisation_by_adaptive_quadrature(generator):
    """Independent check: E_Q (f*)'(h - nu_h) = 1 by scipy.integrate.quad on the real line."""
    from scipy.integrate import quad

    from boundkit.generators import get_generator

    g = get_generator(generator)
    s = get_guidance_setting("bimodal")
    model = RefinedModel(s.q, _bounded_h, _bounded_grad, generator=g)

    def integrand(x: float) -> float:
        pt = np.array([[x]])
        return float(s.q.pdf(pt)[0] * g.link(_bounded_h(pt) - model.nu)[0])

    total = quad(integrand, -np.inf, np.inf, points=None, limit=400, epsabs=1e-14)[0]
    assert total == pytest.approx(1.0, abs=1e-10)


@pytest.mark.parametrize("generator", ["pearson", "squared_hellinger", "jensen_shannon"])
@pytest.mark.parametrize("t", [1e-6, 0.3])
def test_guided_score_of_other_generators_is_the_gradient(generator, t):
    """Hermite (small t) and grid (large t) branches: score = d/dx log q^h_t (central diff.)."""
    s = get_guidance_setting("square-2d")
    model = RefinedModel(s.q, _bounded_h, _bounded_grad, generator=generator)
    x = s.q.sample(12, rng=4)
    eps = 1e-5
    fd = np.column_stack(
        [
            (
                model.marginal_logpdf_and_score(x + eps * e, t)[0]
                - model.marginal_logpdf_and_score(x - eps * e, t)[0]
            )
            / (2 * eps)
            for e in np.eye(2)
        ]
    )
    sc = model.guided_score(x, t)
    np.testing.assert_allclose(sc, fd, rtol=0, atol=1e-7 * (1 + np.abs(sc).max()))


@pytest.mark.parametrize("generator", ["kl", "pearson", "squared_hellinger"])
def test_divergence_from_matches_gaussian_closed_forms(generator):
    """h = 0: Q_h = Q; D_f(P || Q) against duality.gaussian_divergence (closed forms)."""
    from boundkit.distributions import Gaussian
    from boundkit.duality import gaussian_divergence

    s = get_guidance_setting("gaussian")  # P = N(0.5, 0.64), Q = N(0, 1)
    null = RefinedModel(s.q, lambda x: 0.0 * x[:, 0], lambda x: 0.0 * x)
    exact = gaussian_divergence(generator, Gaussian([0.5], [[0.64]]), Gaussian([0.0], [[1.0]]))
    assert null.divergence_from(s.p, generator) == pytest.approx(exact, rel=1e-10)
