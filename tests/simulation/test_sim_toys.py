"""The finite and mixture toys against independent computations; C7 pointwise; binomial tests."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import integrate, optimize, stats
from scipy.special import logsumexp

from boundkit import BoundkitError
from boundkit.simulation import get_toy, register_toy, toy_bound, toy_names
from boundkit.simulation._finite_toy import FiniteToy, finite_kl
from boundkit.simulation._harness import simulate
from boundkit.simulation._mixture import MixtureToy


def _slsqp_kl(m, logq, phi, B):
    def neg(w):
        return -(m @ w - logsumexp(logq + phi @ w))

    res = optimize.minimize(
        neg,
        np.zeros(phi.shape[1]),
        method="SLSQP",
        constraints=[{"type": "ineq", "fun": lambda w: B**2 - w @ w}],
        options={"ftol": 1e-15, "maxiter": 1000},
    )
    x = res.x * min(1.0, B / np.linalg.norm(res.x))
    return x, neg(x)


def test_registry():
    assert {"finite", "gauss1d-quadratic", "mixture1d", "mixture2d"} <= set(toy_names())
    with pytest.raises(BoundkitError, match="unknown toy"):
        get_toy("nope")
    register_toy(FiniteToy("tiny-finite", B=0.5), overwrite=True)
    assert get_toy("tiny-finite").B == 0.5
    with pytest.raises(BoundkitError, match="already registered"):
        register_toy(FiniteToy("tiny-finite"))


def test_finite_population_by_brute_force():
    toy = FiniteToy(B=2.0, degree=3)
    p, q, phi = toy.p, toy.q, toy.phi
    w, val = _slsqp_kl(p @ phi, np.log(q), phi, 2.0)
    pop = toy.population()
    assert pop.restricted_divergence >= -val - 1e-12
    assert pop.restricted_divergence == pytest.approx(-val, abs=1e-9)
    qh = q * np.exp(phi @ w)
    qh /= qh.sum()
    assert pop.divergence_best == pytest.approx(float(np.sum(p * np.log(p / qh))), abs=1e-7)
    assert pop.divergence_base == pytest.approx(float(np.sum(p * np.log(p / q))), rel=1e-14)
    assert finite_kl([1.0, 0.0], [0.0, 1.0]) == np.inf


def test_finite_replicates_c7_pointwise_and_c4_identity():
    """C7's pointwise inequality on every replicate; C4: IPM(P_n, Q_hn) = E_Pn h - E_Qhn h."""
    toy = get_toy("finite")
    res = simulate(toy, [3, 10, 40, 200], n_replicates=60, seed=4, n_mc=100)
    slack = res.column("c7_slack")
    assert slack.min() >= -1e-9
    # C4 at the empirical maximiser: IPM_H(P_n, Q_hn) + KL(Q_hn||Q) = D^H(P_n||Q) <= IPM(P_n, Q)
    ipm_emp = res.column("ipm_empirical")
    dref = res.column("divergence_refinement")
    assert np.all(ipm_emp + dref <= res.column("dev_down") + res.population["ipm_base"] + 1e-9)


def test_finite_refinement_matches_slsqp():
    toy = get_toy("finite")
    rng = np.random.default_rng(0)
    counts = rng.multinomial(7, toy.p, size=15)
    m = counts / 7 @ toy.phi
    w = toy.fit(m)
    for r in range(15):
        ref, val = _slsqp_kl(m[r], toy.logq, toy.phi, toy.B)
        ours = -(m[r] @ w[r] - logsumexp(toy.logq + toy.phi @ w[r]))
        assert ours <= val + 1e-12


def test_finite_other_generator_if_available():
    gens = pytest.importorskip("boundkit.generators")
    if not hasattr(gens, "get_generator"):
        pytest.skip("boundkit.generators.get_generator not available yet")
    toy = FiniteToy("finite-chi2", generator="chi2", B=2.0, degree=2)
    out = toy.run_replicates(20, np.random.SeedSequence(1).spawn(10))
    slack = (
        toy.population().ipm_base
        - out["divergence_refinement"]
        + out["dev_up"]
        + out["dev_down"]
        - out["ipm"]
    )
    assert slack.min() >= -1e-6


def test_c6b_c6c_violation_rate_binomial():
    """Violations of the high-probability bounds C6b/C6c over R = 300 replicates per n.

    If the bound holds, the count V ~ Bin(300, pi) with pi <= delta; the test fails when
    P(Bin(300, delta) >= V) < 1e-4, so its false-failure probability is <= 1e-4 per (claim, n).
    """
    delta = 0.2
    res = simulate("finite", [5, 30], n_replicates=300, seed=21, delta=delta, n_mc=400)
    for claim in ("C6b", "C6c"):
        for n, rate in res.violation_rate(claim, delta).items():
            v = round(rate * 300)
            assert stats.binom.sf(v - 1, 300, delta) >= 1e-4, (claim, n, rate)


def test_mixture1d_population_against_quad():
    """Grid quadrature vs scipy.integrate.quad (KL(P||Q)) and the closed-form Lambda of a
    linearly tilted Gaussian mixture: log sum_k pi_k exp(w mu_k + w^2 s_k^2 / 2)."""
    toy = MixtureToy(
        "m",
        weights=[0.7, 0.3],
        means=[[-1.0], [1.5]],
        stds=[0.5, 0.4],
        base="kde",
        n_base_train=5,
        bandwidth=0.3,
        features="identity",
        B=0.8,
        box=8.0,
        n_grid=801,
    )
    pop = toy.population()
    assert pop.quadrature_error < 1e-8
    pi, mu, s2 = toy.Q.weights, toy.Q.means[:, 0], toy.Q.covs[:, 0, 0]

    def p(x):
        return 0.7 * stats.norm.pdf(x, -1, 0.5) + 0.3 * stats.norm.pdf(x, 1.5, 0.4)

    def logq(x):
        return logsumexp(np.log(pi) + stats.norm.logpdf(x, mu, np.sqrt(s2)))

    kl = integrate.quad(
        lambda x: p(x) * (np.log(p(x)) - logq(x)), -12, 12, limit=200, epsabs=1e-13
    )[0]
    assert pop.divergence_base == pytest.approx(kl, abs=1e-9)
    ep = 0.7 * -1 + 0.3 * 1.5

    def neg(w):
        return -(w * ep - logsumexp(np.log(pi) + w * mu + 0.5 * w * w * s2))

    w = optimize.minimize_scalar(
        neg, bounds=(-0.8, 0.8), method="bounded", options={"xatol": 1e-12}
    ).x
    assert abs(w) > 0.05  # a non-trivial refinement
    assert toy.best_w()[0] == pytest.approx(w, abs=1e-6)
    assert pop.restricted_divergence == pytest.approx(-neg(w), abs=1e-10)
    # C5 on the grid: KL(P||Q_h*) = KL(P||Q) - D^H
    assert pop.divergence_best == pytest.approx(kl + neg(w), abs=1e-9)


def test_mixture_toys_run_and_report():
    for name in ("mixture1d", "mixture2d"):
        toy = get_toy(name)
        pop = toy.population()
        assert pop.quadrature_error < 1e-4
        assert 0 < pop.divergence_best < pop.divergence_base
        out = toy.run_replicates(50, np.random.SeedSequence(3).spawn(6))
        assert np.all(out["divergence"] >= pop.divergence_best - 1e-9)  # C5: h* is optimal
        assert np.all(np.isfinite(out["rademacher_s"]))


def test_toy_bound_errors_and_values():
    with pytest.raises(BoundkitError, match="unbounded"):
        toy_bound("C6b", "gauss1d-quadratic", 50)
    r = toy_bound("C6c", "finite", 8, 0.1, rng=0)
    assert r.rademacher_method.startswith("exact")
    lo, hi = get_toy("finite").value_range()
    assert r.terms["deviation"] == pytest.approx(4 * (hi - lo) * np.sqrt(np.log(30) / 16))


def test_rkhs_features_are_an_rkhs_ball():
    """phi(x) = K_ZZ^{+1/2} k(Z, x) (boundkit.models.NystromFeatures, the one copy): ||w|| is
    the RKHS norm of h = sum_j alpha_j k(., z_j) (alpha = K^{+1/2} w) for w in the range of
    K_ZZ, and ||phi(x)||^2 <= k(x, x) = 1 (so h in [-B, B])."""
    from boundkit.models import NystromFeatures

    toy = get_toy("mixture1d-rkhs")
    feat = toy.cls.features
    assert isinstance(feat, NystromFeatures)
    z = feat.landmarks
    assert z.shape[0] == toy.n_features == 15
    # one meaning of the RBF parameter everywhere: k(x, y) = exp(-gamma |x - y|^2)
    kzz = np.exp(-toy.gamma * (z - z.T) ** 2)
    vals, vecs = np.linalg.eigh(kzz)
    kept = vecs[:, vals > 1e-8 * vals.max()]  # the eigenvalues psd_sqrt keeps
    w = kept @ np.random.default_rng(0).normal(size=kept.shape[1])
    alpha = feat._root_inv @ w
    assert alpha @ kzz @ alpha == pytest.approx(w @ w, rel=1e-6)
    x = np.linspace(-7, 7, 301)[:, None]
    h_kernel = np.exp(-toy.gamma * (x - z.T) ** 2) @ alpha
    assert np.allclose(toy.phi(x) @ w, h_kernel, atol=1e-7)
    assert np.all((toy.phi(x) ** 2).sum(1) <= 1 + 1e-9)
    assert toy.value_range() == (-toy.B, toy.B)


def test_rff_toy_features_are_the_linear_class_features():
    """The toys' random Fourier features are LinearClass("rff") with the same gamma and seed
    (no second feature map), approximating the kernel exp(-gamma |x - y|^2)."""
    from boundkit.classes import LinearClass

    toy = get_toy("mixture1d")
    ref = LinearClass("rff", n_components=toy.n_features, gamma=toy.gamma, rng=toy.seed)
    x = np.linspace(-3, 3, 7)[:, None]
    np.testing.assert_array_equal(toy.phi(x), ref.design_matrix(x))
    wide = LinearClass("rff", n_components=20000, gamma=toy.gamma, rng=1)
    phi = wide.design_matrix(x)
    exact = np.exp(-toy.gamma * (x - x.T) ** 2)
    # Hoeffding on the D terms of each entry (each in [-2/D, 2/D]): P(err > 6 sqrt(2/D)) <=
    # 2 exp(-9) per entry, so <= 1e-2 over the 28 distinct entries (fixed seed)
    assert np.abs(phi @ phi.T - exact).max() < 6 * np.sqrt(2 / 20000)


def test_mixture_base_models_and_errors():
    """Q fitted by scikit-learn (gmm) and a memorising KDE; KL(P||Q) checked by quad."""
    common = dict(weights=[0.75, 0.25], means=[[-1.0], [2.0]], stds=[0.6, 0.4], box=8.0)
    gmm = MixtureToy("g", base="gmm", n_base_components=2, n_base_train=40, **common)
    kde = get_toy("mixture1d-kde")
    for toy in (gmm, kde):
        pop = toy.population()

        def p(x):
            return 0.75 * stats.norm.pdf(x, -1, 0.6) + 0.25 * stats.norm.pdf(x, 2, 0.4)

        def logq(x, toy=toy):
            return float(toy.Q.logpdf(np.array([[x]]))[0])

        kl = integrate.quad(lambda x: p(x) * (np.log(p(x)) - logq(x)), -10, 10, limit=400)[0]
        assert pop.divergence_base == pytest.approx(kl, abs=1e-6)
        assert pop.quadrature_error < 1e-6
    with pytest.raises(BoundkitError, match="base"):
        MixtureToy("x", base="flow", **common)
    with pytest.raises(BoundkitError, match="features"):
        MixtureToy("x", features="relu", **common)
