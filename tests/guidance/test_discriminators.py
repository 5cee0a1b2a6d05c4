"""Discriminators: the C8 identity, analytic gradients vs finite differences, sklearn agreement."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import logit

from boundkit import BoundkitError
from boundkit.guidance import (
    LogisticDiscriminator,
    MLPDiscriminator,
    OptimalDiscriminator,
    get_guidance_setting,
    list_guidance_settings,
    make_discriminator,
    training_pairs,
)


def _fd_grad(f, x, eps=1e-6):
    out = np.empty_like(x)
    for j in range(x.shape[1]):
        e = np.zeros(x.shape[1])
        e[j] = eps
        out[:, j] = (f(x + e) - f(x - e)) / (2 * eps)
    return out


@pytest.mark.parametrize("toy", [t.name for t in list_guidance_settings()])
def test_optimal_identity_grad_log_q_plus_grad_logit_is_grad_log_p(toy):
    """C8 numeric: grad log q_t + grad logit d*_t = grad log p_t at many (x, t).

    logit d*_t = log(d*/(1 - d*)) with d* = p_t / (p_t + q_t) equals log p_t - log q_t; it is
    differentiated numerically from the log densities only (not from the scores). Where d* is
    within 1e-16 of 1 the route through d* itself would lose every digit, so the log form is
    used; the route through d* is checked where it is well conditioned.
    """
    tt = get_guidance_setting(toy)
    rng = np.random.default_rng(5)
    for t in (0.0, 0.01, 0.2, 1.0, 3.0):
        lo, hi = tt.bounds(t, 2.5)
        x = rng.uniform(lo, hi, size=(40, tt.dim))

        def logit_d(y, t=t):
            return tt.p.logpdf(y, t) - tt.q.logpdf(y, t)

        d = tt.p.pdf(x, t) / (tt.p.pdf(x, t) + tt.q.pdf(x, t))
        ok = (d > 1e-6) & (d < 1 - 1e-6)
        np.testing.assert_allclose(logit(d[ok]), logit_d(x[ok]), rtol=1e-8, atol=1e-8)
        lhs = tt.q.score(x, t) + _fd_grad(logit_d, x, eps=1e-5)
        np.testing.assert_allclose(lhs, tt.p.score(x, t), rtol=1e-5, atol=1e-5)


def test_optimal_discriminator_probabilities():
    tt = get_guidance_setting("bimodal")
    d = OptimalDiscriminator(tt.p, tt.q)
    x = np.linspace(-4, 4, 9)[:, None]
    want = tt.p.pdf(x, 0.3) / (tt.p.pdf(x, 0.3) + tt.q.pdf(x, 0.3))
    np.testing.assert_allclose(d.prob(x, 0.3), want, rtol=1e-12)
    # at large t the two marginals coincide: d* -> 1/2
    assert np.abs(d.prob(x, 30.0) - 0.5).max() < 1e-10


@pytest.fixture(scope="module")
def fitted():
    out = {}
    for name in ("bimodal", "square-2d"):
        tt = get_guidance_setting(name)
        data, model = tt.p.sample(150, rng=0), tt.q.sample(150, rng=1)
        out[name, "poly"] = LogisticDiscriminator("poly", degree=3, n_noise=4).fit(
            data, model, rng=2
        )
        out[name, "fourier"] = LogisticDiscriminator("fourier", degree=2, n_noise=4).fit(
            data, model, rng=2
        )
        out[name, "mlp"] = MLPDiscriminator((8, 8), max_iter=5, n_noise=2).fit(data, model, rng=2)
    return out


@pytest.mark.parametrize("toy", ["bimodal", "square-2d"])
@pytest.mark.parametrize("kind", ["poly", "fourier", "mlp"])
def test_trained_gradients_match_finite_differences(fitted, toy, kind):
    d = fitted[toy, kind]
    tt = get_guidance_setting(toy)
    rng = np.random.default_rng(7)
    x = rng.normal(size=(50, tt.dim)) * 2.0
    for t in (0.0, 0.3, np.linspace(0, 4, 50)):
        fd = _fd_grad(lambda y, t=t: d.logit(y, t), x)
        # ReLU kinks: a difference straddling a kink is off; none at these points (checked by
        # the small tolerance holding for all of them)
        np.testing.assert_allclose(d.grad_logit(x, t), fd, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("toy", ["bimodal", "square-2d"])
def test_logits_agree_with_sklearn(fitted, toy):
    """The manual logit equals sklearn's own decision function on the same inputs."""
    tt = get_guidance_setting(toy)
    x = tt.p.sample(20, rng=3)
    t = np.linspace(0.0, 5.0, 20)
    mlp = fitted[toy, "mlp"]
    proba = mlp.model_.predict_proba(mlp._inputs(x, t))[:, 1]
    np.testing.assert_allclose(mlp.prob(x, t), proba, rtol=1e-10, atol=1e-12)
    lr = fitted[toy, "poly"]
    phi = lr._design(x, t)
    dec = lr.model_.decision_function((phi - lr.col_mean_) / lr.col_scale_)
    np.testing.assert_allclose(lr.logit(x, t), dec, rtol=1e-9, atol=1e-9)


def test_training_pairs_follow_the_ou_kernel():
    """x_t | x_0 ~ N(e^{-t} x_0, 1 - e^{-2t}): standardised residuals have mean 0, var 1.

    With 40000 residuals, |mean| > 4.5 / 200 has probability < 1e-5 (fixed seed).
    """
    data = np.full((5000, 1), 2.0)
    x, t, y = training_pairs(data, -data, n_noise=4, rng=0)
    x0 = np.where(y[:, None] == 1, 2.0, -2.0)
    r = (x - np.exp(-t)[:, None] * x0) / np.sqrt(1 - np.exp(-2 * t))[:, None]
    assert abs(r.mean()) < 4.5 / np.sqrt(r.size)
    assert abs(r.var() - 1.0) < 4.5 * np.sqrt(2.0 / r.size)
    assert y.sum() == 20000 and t.min() >= 0 and t.max() <= 5.0


def test_errors():
    with pytest.raises(BoundkitError):
        make_discriminator("svm")
    with pytest.raises(BoundkitError):
        LogisticDiscriminator().logit([[0.0]], 0.0)
    with pytest.raises(BoundkitError):
        LogisticDiscriminator(features="wavelet").fit(np.zeros((3, 1)), np.ones((3, 1)))
    tt = get_guidance_setting("bimodal")
    with pytest.raises(BoundkitError):
        OptimalDiscriminator(tt.p, get_guidance_setting("square-2d").q)
    with pytest.raises(BoundkitError):
        OptimalDiscriminator(tt.p, tt.q).logit([[0.0]], -1.0)


# -- the features are the shared ones of boundkit.classes -----------------------------------------
@pytest.mark.parametrize("toy", ["bimodal", "square-2d"])
@pytest.mark.parametrize("kind", ["poly", "fourier"])
def test_logit_is_the_shared_features_times_the_coefficients(fitted, toy, kind):
    """logit = sum_a c_a(t) phi_a(x~), phi from boundkit.classes.tensor_features."""
    from numpy.polynomial import legendre

    from boundkit.classes import tensor_features, tensor_indices

    d = fitted[toy, kind]
    x = np.random.default_rng(8).normal(size=(30, d.dim)) * 2.0
    t = np.linspace(0.0, 4.0, 30)
    z = (x - d.center_) / d.scale_
    phi = tensor_features(z, tensor_indices(d.dim, d.degree, kind), kind)
    c = legendre.legvander(2 * np.sqrt(t / d.t_max) - 1, d.t_degree) @ d.coef_matrix_.T
    np.testing.assert_allclose(d.logit(x, t), (c * phi).sum(axis=1), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("toy", ["bimodal", "square-2d"])
def test_poly_design_columns_are_the_linear_class_poly_features(fitted, toy):
    """The x-part of the logistic design (Legendre degree 0 in time) is, column for column and
    bit for bit, LinearClass("poly") on the same standardised points."""
    from boundkit.classes import LinearClass

    d = fitted[toy, "poly"]
    x = np.random.default_rng(9).normal(size=(25, d.dim)) * 2.0
    design = d._design(x, np.zeros(25))
    ks = [a for a, idx in enumerate(d.multi_) if sum(idx)]
    x_part = design[:, [i * (d.t_degree + 1) - 1 for i in range(1, len(ks) + 1)]]
    lin = LinearClass("poly", degree=d.degree).design_matrix((x - d.center_) / d.scale_)
    assert x_part.shape == lin.shape
    assert sorted(map(tuple, x_part.T)) == sorted(map(tuple, lin.T))


def test_fourier_features_are_cos_sin_of_k_pi_x_over_4(fitted):
    """Independent formula for the 1-D Fourier discriminator's feature values."""
    d = fitted["bimodal", "fourier"]
    x = np.linspace(-3, 3, 11)[:, None]
    z = ((x - d.center_) / d.scale_)[:, 0]
    want = [np.ones_like(z)]
    for k in range(1, d.degree + 1):
        want += [np.cos(k * np.pi * z / 4), np.sin(k * np.pi * z / 4)]
    got = d._features((x - d.center_) / d.scale_)
    np.testing.assert_allclose(got, np.stack(want, axis=1), rtol=1e-13, atol=1e-14)


def test_a_wrong_frequency_or_constant_in_the_shared_code_changes_guidance(fitted, monkeypatch):
    """No private copy is left: breaking the shared feature code breaks the discriminators."""
    import boundkit.classes._features as feats

    x = np.random.default_rng(10).normal(size=(20, 1))
    four, poly = fitted["bimodal", "fourier"], fitted["bimodal", "poly"]
    before = four.logit(x, 0.3), four.grad_logit(x, 0.3), poly.grad_logit(x, 0.3)
    monkeypatch.setattr(feats, "FOURIER_OMEGA", 2 * feats.FOURIER_OMEGA)
    assert np.abs(four.logit(x, 0.3) - before[0]).max() > 1e-3
    assert np.abs(four.grad_logit(x, 0.3) - before[1]).max() > 1e-3
    monkeypatch.undo()
    monomial = feats._monomial
    monkeypatch.setattr(feats, "_monomial", lambda y, e: 2.0 * monomial(y, e))
    assert np.abs(poly.grad_logit(x, 0.3) - before[2]).max() > 1e-3
    monkeypatch.undo()
    np.testing.assert_array_equal(poly.grad_logit(x, 0.3), before[2])
