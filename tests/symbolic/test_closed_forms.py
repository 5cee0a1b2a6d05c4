"""Closed forms from the derivations against independent numerics (numpy/scipy only).

References are computed here from first principles: Lambda by minimising
nu + sum_i w_i f*(h_i - nu) with a root-find of its first-order condition, the refined density
as (f*)'(h - nu_h), and the numeric core ``boundkit.generators.shift_functional`` as a second
opinion. Tolerance 1e-10 throughout (finite supports, exact arithmetic up to rounding).
"""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st
from scipy.optimize import brentq, minimize, root
from scipy.special import logsumexp

from boundkit.generators import get_generator, shift_functional
from boundkit.symbolic import density_on_support, derive, evaluate_on_support

TOL = 1e-10


def _support(seed, k=6, scale=1.0):
    rng = np.random.default_rng(seed)
    h = scale * rng.normal(size=k)
    w = rng.dirichlet(np.ones(k))
    return h, w


# Independent conjugates and links (u >= 0 convention), written out by hand.
def _pearson_conj(t):
    return np.where(t >= -2, t + t**2 / 4, -1.0)


def _pearson_link(t):
    return np.maximum(1 + t / 2, 0.0)


def _lambda_by_root(conj, link, h, w, lo, hi):
    """nu_h from sum w link(h - nu) = 1 (decreasing in nu), then nu + sum w conj(h - nu)."""
    nu = brentq(lambda v: float(w @ link(h - v)) - 1.0, lo, hi, xtol=1e-15, rtol=1e-15)
    return nu + float(w @ conj(h - nu)), nu


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("gen", ["kl", "kl_standard", "u*log(u) - u + 1"])
def test_kl_lambda_is_log_mean_exp(gen, seed):
    h, w = _support(seed)
    lam = derive("shift", gen).result("lambda")
    ref = float(logsumexp(h, b=w))
    assert abs(evaluate_on_support(lam, h, w) - ref) < TOL
    # the root-finding definition, with f* = exp(t - 1) (KL)
    val, _ = _lambda_by_root(lambda t: np.exp(t - 1), lambda t: np.exp(t - 1), h, w, -50, 50)
    assert abs(evaluate_on_support(lam, h, w) - val) < TOL
    assert abs(shift_functional(get_generator(gen), h, w).value - ref) < TOL


@pytest.mark.parametrize("seed", range(5))
def test_pearson_lambda_inside_validity(seed):
    h, w = _support(seed, scale=0.4)
    assert np.all(h - w @ h >= -2)  # the stated validity condition holds
    lam = derive("shift", "pearson").result("lambda")
    mean = w @ h
    var = w @ (h - mean) ** 2
    val, _ = _lambda_by_root(_pearson_conj, _pearson_link, h, w, -60, 60)
    assert abs(mean + var / 4 - val) < TOL
    assert abs(evaluate_on_support(lam, h, w) - val) < TOL
    assert abs(shift_functional(get_generator("pearson"), h, w).value - val) < TOL


def test_pearson_closed_form_fails_outside_validity():
    """An atom with h - E_Q h < -2: the closed form is no longer Lambda (the condition matters)."""
    h = np.array([-6.0, 1.0, 1.5])
    w = np.array([0.3, 0.4, 0.3])
    assert np.any(h - w @ h < -2)
    lam = derive("shift", "pearson").result("lambda")
    val, _ = _lambda_by_root(_pearson_conj, _pearson_link, h, w, -60, 60)
    assert evaluate_on_support(lam, h, w) - val > 1e-3


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("gen", ["kl", "pearson"])
def test_refined_density(gen, seed):
    h, w = _support(seed, scale=0.4)
    dens = density_on_support(derive("refined-density", gen).result("density"), h, w)
    if gen == "kl":
        ref = np.exp(h - logsumexp(h, b=w))
    else:
        _, nu = _lambda_by_root(_pearson_conj, _pearson_link, h, w, -60, 60)
        ref = _pearson_link(h - nu)
    np.testing.assert_allclose(dens, ref, rtol=0, atol=TOL)
    assert abs(w @ dens - 1) < TOL
    np.testing.assert_allclose(shift_functional(get_generator(gen), h, w).ratio, ref, atol=1e-9)


def test_no_closed_form_numeric_path_still_works():
    """A generator with no closed-form shift: the derivation says so, numerics still work."""
    d = derive("shift", "reverse_kl")
    assert d.status == "not-closed"
    h, w = _support(3, scale=0.5)
    # reverse KL: f*(t) = -1 - log(-t), (f*)'(t) = -1/t on t < 0
    val, _ = _lambda_by_root(
        lambda t: -1 - np.log(-t), lambda t: -1 / t, h, w, h.max() + 1e-9, h.max() + 1e3
    )
    assert abs(shift_functional(get_generator("reverse_kl"), h, w).value - val) < 1e-9


def test_generator_without_closed_form_conjugate():
    g = get_generator("u**4 + u*log(u) - 1", normalise="affine")
    assert not g.closed_form
    for name in ("shift", "fenchel-young", "kkt"):
        d = derive(name, g)
        assert d.status == "not-closed"
        assert "no closed form" in d.note
    h, w = _support(1, k=3, scale=0.2)
    res = shift_functional(g, h, w)
    assert np.isfinite(res.value) and abs(w @ res.ratio - 1) < 1e-9


@pytest.mark.parametrize("seed", range(3))
def test_fenchel_young_numeric(seed):
    """D_f(Q_h||Q) = E_Qh h - Lambda for Pearson on a random support (independent numerics)."""
    h, w = _support(seed, scale=0.4)
    _, nu = _lambda_by_root(_pearson_conj, _pearson_link, h, w, -60, 60)
    r = _pearson_link(h - nu)
    lhs = w @ (r - 1) ** 2
    rhs = w @ (r * h) - (nu + w @ _pearson_conj(h - nu))
    assert abs(lhs - rhs) < TOL
    assert derive("fenchel-young", "pearson").verified


def test_kkt_gradient_matches_finite_differences():
    """d Lambda / d w_1 from the KKT derivation (KL) against central differences."""
    d = derive("kkt", "kl")
    grad = d.result("gradient")
    a = np.array([0.3, -0.7, 1.1])
    b = np.array([-0.2, 0.5, 0.4])
    q = np.array([0.2, 0.5, 0.3])
    w = np.array([0.4, -0.3])
    subs = {sp.Symbol(f"a_{i + 1}", real=True): a[i] for i in range(3)}
    subs.update({sp.Symbol(f"b_{i + 1}", real=True): b[i] for i in range(3)})
    subs.update({sp.Symbol(f"q_{i + 1}", positive=True): q[i] for i in range(2)})
    subs.update({sp.Symbol("w_1", real=True): w[0], sp.Symbol("w_2", real=True): w[1]})
    val = float(sp.N(grad.subs(subs), 30))

    def lam(w1):
        return logsumexp(w1 * a + w[1] * b, b=q)

    eps = 1e-5
    fd = (lam(w[0] + eps) - lam(w[0] - eps)) / (2 * eps)
    assert abs(val - fd) < 1e-9
    tilt = q * np.exp(w[0] * a + w[1] * b)
    assert abs(val - tilt @ a / tilt.sum()) < TOL


@pytest.mark.parametrize("radius", [0.05, 50.0])
def test_kkt_ipm_identity_numeric(radius):
    """IPM_H(P, Q_h*) = E_P h* - E_Qh* h* at the maximiser over an l2 ball (KL, both cases)."""
    rng = np.random.default_rng(7)
    phi = rng.normal(size=(5, 2))
    q = rng.dirichlet(np.ones(5))
    p = rng.dirichlet(np.ones(5))

    def neg(w):
        h = phi @ w
        return -(p @ h - logsumexp(h, b=q))

    def moment_gap(w):
        h = phi @ w
        qh = q * np.exp(h - logsumexp(h, b=q))
        return p @ phi - qh @ phi

    cons = {"type": "ineq", "fun": lambda w: radius**2 - w @ w, "jac": lambda w: -2 * w}
    res = minimize(
        neg,
        np.zeros(2),
        jac=lambda w: -moment_gap(w),
        constraints=[cons],
        method="SLSQP",
        tol=1e-15,
        options={"maxiter": 500},
    )
    w = res.x
    if np.linalg.norm(w) < radius * (1 - 1e-6):  # interior: polish the stationary point
        w = root(moment_gap, w, tol=1e-15).x
    h = phi @ w
    qh = q * np.exp(h - logsumexp(h, b=q))
    g = p @ phi - qh @ phi
    ipm = radius * np.linalg.norm(g)
    gap = p @ h - qh @ h
    active = radius < 1.0
    assert (np.linalg.norm(w) > radius * (1 - 1e-6)) == active
    assert abs(ipm - gap) < 1e-9
    assert derive("kkt", "kl").verified


def test_guidance_numeric():
    """GAN link at log d is the odds; KL with logit d tilts by the odds; Bayes-optimal d gives P."""
    d = np.linspace(0.05, 0.95, 11)
    gan = get_generator("gan")
    np.testing.assert_allclose(gan.link(np.log(d)), d / (1 - d), rtol=1e-12)
    rng = np.random.default_rng(3)
    q = rng.dirichlet(np.ones(4))
    p = rng.dirichlet(np.ones(4))
    dstar = p / (p + q)
    h = np.log(dstar / (1 - dstar))
    qh = q * np.exp(h - logsumexp(h, b=q))
    np.testing.assert_allclose(qh, p, atol=TOL)
    sym = derive("guidance", "gan")
    assert sym.verified
    hd = sym.result("h_of_d")
    ds = sp.Symbol("d", positive=True)
    vals = [float(hd.subs(ds, x)) for x in d]
    np.testing.assert_allclose(vals, np.log(d), atol=1e-14)


@given(seed=st.integers(0, 2**32 - 1), k=st.integers(1, 8), scale=st.floats(0.01, 3.0))
def test_kl_closed_forms_property(seed, k, scale):
    """Lambda = log E_Q e^h and the tilt, for random supports of any size (property)."""
    h, w = _support(seed, k=k, scale=scale)
    lam = derive("shift", "kl").result("lambda")
    dens = derive("refined-density", "kl").result("density")
    assert abs(evaluate_on_support(lam, h, w) - logsumexp(h, b=w)) < TOL * max(1, scale)
    np.testing.assert_allclose(
        density_on_support(dens, h, w), np.exp(h - logsumexp(h, b=w)), rtol=1e-12
    )


@given(seed=st.integers(0, 2**32 - 1), k=st.integers(1, 8))
def test_pearson_closed_form_property(seed, k):
    """Inside the validity condition the Pearson closed form equals the root-found Lambda."""
    h, w = _support(seed, k=k, scale=0.5)
    h = np.clip(h, w @ h - 1.9, None)  # enforce h - E_Q h >= -2 (E_Q h only grows)
    assert np.all(h - w @ h >= -2)
    lam = derive("shift", "pearson").result("lambda")
    val, _ = _lambda_by_root(_pearson_conj, _pearson_link, h, w, -60, 60)
    assert abs(evaluate_on_support(lam, h, w) - val) < TOL


@pytest.mark.parametrize("seed", range(3))
def test_alpha_two_lambda(seed):
    """alpha = 2 is Pearson / 2: Lambda = E_Q h + Var_Q(h)/2 while h - E_Q h >= -1."""
    h, w = _support(seed, scale=0.3)
    assert np.all(h - w @ h >= -1)
    d = derive("shift", get_generator("alpha", alpha=2))
    assert "h - E_Q[h] >= -1" in d.to_text()
    # f(u) = (u - 1)^2 / 2: f*(t) = t + t^2/2 for t >= -1 (else -1/2), link max(1 + t, 0)
    val, _ = _lambda_by_root(
        lambda t: np.where(t >= -1, t + t**2 / 2, -0.5),
        lambda t: np.maximum(1 + t, 0.0),
        h,
        w,
        -60,
        60,
    )
    assert abs(evaluate_on_support(d.result("lambda"), h, w) - val) < TOL
    assert abs(w @ h + w @ (h - w @ h) ** 2 / 2 - val) < TOL
