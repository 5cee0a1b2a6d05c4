"""Guided samplers: exact discretised laws in the Gaussian toy; guidance with d* samples P."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from boundkit import BoundkitError
from boundkit.guidance import (
    OptimalDiscriminator,
    dkw_radius,
    get_guidance_setting,
    guided_sample,
    guided_score,
    ks_distance,
    time_grid,
)

# The Gaussian toy: P = N(0.5, 0.8^2), Q = N(0, 1); the guided score with d* and weight w is
# s_q + w (s_p - s_q), linear in x, so the Euler-Maruyama chain and the Heun map are affine and
# the law of the particles after K steps is Gaussian with a mean and variance computed here by
# an independent recursion.
M_P, S2_P = 0.5, 0.64


def _lin_score(t, w):
    """Guided score c x + d at time t: s = (1 - w) s_q + w s_p, s_q = -x, s_p = -(x - a m)/v."""
    a = np.exp(-t)
    v = a * a * S2_P + (1 - np.exp(-2 * t))
    return -(1 - w) - w / v, w * a * M_P / v


def _exact_law(sampler, n_steps, w, t_max=5.0):
    ts = time_grid(t_max, n_steps)
    mean, var = 0.0, 1.0  # q_T = N(0, 1): Q is the stationary law
    for t0, t1 in zip(ts[:-1], ts[1:], strict=True):
        h = t0 - t1
        c0, d0 = _lin_score(t0, w)
        if sampler == "sde":
            a_, b_ = 1 + h * (1 + 2 * c0), h * 2 * d0
            mean, var = a_ * mean + b_, a_ * a_ * var + 2 * h
        else:
            c1, d1 = _lin_score(t1, w)
            # v(x) = (1 + c) x + d; Heun: x' = x + h/2 (v0(x) + v1(x + h v0(x)))
            A0, B0 = 1 + c0, d0
            A1, B1 = 1 + c1, d1
            a_ = 1 + 0.5 * h * (A0 + A1 * (1 + h * A0))
            b_ = 0.5 * h * (B0 + A1 * h * B0 + B1)
            mean, var = a_ * mean + b_, a_ * a_ * var
    return mean, var


def _ks_normals(m1, v1, m2, v2):
    x = np.linspace(-8, 8, 400_001)
    return float(
        np.max(np.abs(stats.norm.cdf(x, m1, np.sqrt(v1)) - stats.norm.cdf(x, m2, np.sqrt(v2))))
    )


@pytest.mark.parametrize("sampler", ["sde", "ode"])
@pytest.mark.parametrize("w", [1.0, 0.5])
def test_particles_follow_the_exact_discretised_law(sampler, w):
    """Sample mean and variance of 40000 particles vs the exact affine recursion.

    z-scores beyond 4.5 have probability < 1e-5 each (variance of the sample variance of a
    Gaussian: 2 var^2 / n).
    """
    toy = get_guidance_setting("gaussian")
    d = OptimalDiscriminator(toy.p, toy.q)
    out = guided_sample(toy.q, d, weight=w, sampler=sampler, n_particles=40_000, n_steps=60, rng=1)
    mean, var = _exact_law(sampler, 60, w)
    x = out.x[:, 0]
    assert abs(x.mean() - mean) / np.sqrt(var / len(x)) < 4.5
    assert abs(x.var(ddof=1) - var) / (var * np.sqrt(2 / len(x))) < 4.5


def test_discretisation_error_is_small_at_default_steps():
    """The allowance of 0.01 (KS) used for mixtures is 3x the exact Gaussian-toy error."""
    for n_steps in (150, 200):
        for sampler in ("sde", "ode"):
            mean, var = _exact_law(sampler, n_steps, 1.0)
            assert _ks_normals(mean, var, M_P, S2_P) < 0.0035
    # and it shrinks with the step count (first order)
    e1 = _ks_normals(*_exact_law("sde", 50, 1.0), M_P, S2_P)
    e2 = _ks_normals(*_exact_law("sde", 200, 1.0), M_P, S2_P)
    assert e2 < e1 / 2.5


@pytest.mark.parametrize(
    ("toy", "sampler"),
    [
        ("bimodal", "sde"),
        ("missing-mode", "sde"),
        ("bimodal", "ode"),
        pytest.param("missing-mode", "ode", marks=pytest.mark.slow),
        pytest.param("weights", "sde", marks=pytest.mark.slow),
    ],
)
def test_guidance_with_optimal_discriminator_samples_p(toy, sampler):
    """C8: with d* and w = 1 the guided sampler samples P.

    KS(particles, P) <= DKW radius(n, alpha = 1e-6) + 0.01 (discretisation allowance, see
    test_discretisation_error_is_small_at_default_steps): false-failure probability <= 1e-6.
    The base sampler (w = 0) is far away: its KS exceeds 10x the guided one.
    """
    tt = get_guidance_setting(toy)
    d = OptimalDiscriminator(tt.p, tt.q)
    n = 10_000
    guided = guided_sample(tt.q, d, weight=1.0, sampler=sampler, n_particles=n, n_steps=150, rng=2)
    base = guided_sample(tt.q, d, weight=0.0, sampler=sampler, n_particles=n, n_steps=150, rng=2)
    ks_g, ks_b = ks_distance(guided.x, tt.p), ks_distance(base.x, tt.p)
    assert ks_g <= dkw_radius(n, 1e-6) + 0.01
    assert ks_b >= 10 * ks_g
    assert ks_distance(base.x, tt.q) <= dkw_radius(n, 1e-6) + 0.01


def test_guidance_in_2d_recovers_p_mean():
    """2-D: the mean of guided particles is P's mean within MC (4.5 SE) + discretisation 0.02."""
    tt = get_guidance_setting("square-2d")
    out = guided_sample(
        tt.q, OptimalDiscriminator(tt.p, tt.q), n_particles=20_000, n_steps=100, rng=3
    )
    mean = tt.p.weights @ tt.p.means
    se = out.x.std(axis=0) / np.sqrt(len(out.x))
    assert np.all(np.abs(out.x.mean(axis=0) - mean) <= 4.5 * se + 0.02)
    base_mean = tt.q.weights @ tt.q.means
    assert np.linalg.norm(base_mean - mean) > 0.5


def test_window_weight_and_determinism():
    tt = get_guidance_setting("bimodal")
    d = OptimalDiscriminator(tt.p, tt.q)
    kw = dict(n_particles=500, n_steps=20, rng=4)
    base = guided_sample(tt.q, None, **kw).x
    np.testing.assert_array_equal(guided_sample(tt.q, d, weight=0.0, **kw).x, base)
    # a window past the horizon never guides
    np.testing.assert_array_equal(guided_sample(tt.q, d, t_window=(6.0, 7.0), **kw).x, base)
    a = guided_sample(tt.q, d, t_window=(0.0, 1.0), **kw).x
    np.testing.assert_array_equal(a, guided_sample(tt.q, d, t_window=(0.0, 1.0), **kw).x)
    assert not np.array_equal(a, base)
    # chunks: each block is an independent stream, the same for every chunk size multiple
    small = guided_sample(tt.q, d, chunk_size=100, **kw)
    assert small.x.shape == (500, 1) and np.all(np.isfinite(small.x))
    s = guided_score(tt.q, d, np.array([[0.3]]), 0.5)
    np.testing.assert_allclose(s, tt.p.score([[0.3]], 0.5), rtol=1e-12)


def test_errors():
    tt = get_guidance_setting("bimodal")
    with pytest.raises(BoundkitError):
        guided_sample(tt.q, sampler="leapfrog")
    with pytest.raises(BoundkitError):
        guided_sample(tt.q, weight=-1.0)
    with pytest.raises(BoundkitError):
        guided_sample(tt.q, n_particles=0)
    with pytest.raises(BoundkitError):
        guided_sample(tt.q, t_window=(2.0, 1.0))
    with pytest.raises(BoundkitError):
        guided_sample(tt.q, OptimalDiscriminator(*[get_guidance_setting("square-2d").p] * 2))
    with pytest.raises(BoundkitError):
        time_grid(1.0, 0)
