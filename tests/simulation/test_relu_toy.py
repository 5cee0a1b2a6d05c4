"""The two-layer ReLU mixture toy against independent computations (quad, angle brute force)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import integrate, stats

from boundkit.simulation import get_toy
from boundkit.simulation._harness import simulate
from boundkit.simulation._relu_toy import ReLUMixtureToy


def _small():
    return ReLUMixtureToy(
        "relu-small",
        weights=[0.75, 0.25],
        means=[[-1.0], [2.0]],
        stds=[0.6, 0.4],
        width=4,
        n_restarts=2,
        max_iter=150,
        box=7.0,
        n_grid=201,
    )


def _relu_net(params, x):
    a, W, b = (np.asarray(params[k], dtype=float) for k in ("a", "W", "b"))
    return np.maximum(np.outer(x, W[:, 0]) + b[None, :], 0.0) @ a


def _mix_pdf(x, w, m, s):
    return sum(wk * stats.norm.pdf(x, mk, sk) for wk, mk, sk in zip(w, m, s, strict=True))


def test_relu_population_kl_against_quad():
    toy = _small()
    pop = toy.population()
    params = toy.population_fit().params
    w, m, s = [0.75, 0.25], [-1.0, 2.0], [0.6, 0.4]
    mean = 0.75 * -1.0 + 0.25 * 2.0
    var = sum(wk * (sk**2 + (mk - mean) ** 2) for wk, mk, sk in zip(w, m, s, strict=True))
    q = stats.norm(mean, np.sqrt(var))

    def h(x):
        return float(_relu_net(params, np.array([x]))[0])

    z, _ = integrate.quad(lambda x: q.pdf(x) * np.exp(h(x)), -12, 12, limit=200)

    def integrand(x):
        px = _mix_pdf(x, w, m, s)
        return px * np.log(px / (q.pdf(x) * np.exp(h(x)) / z))

    kl = integrate.quad(integrand, -12, 12, limit=200)[0]
    kl_base = integrate.quad(
        lambda x: _mix_pdf(x, w, m, s) * np.log(_mix_pdf(x, w, m, s) / q.pdf(x)), -12, 12, limit=200
    )[0]
    assert pop.quadrature_error < 1e-3
    assert pop.divergence_base == pytest.approx(kl_base, abs=1e-3)
    assert pop.divergence_best == pytest.approx(kl, abs=1e-3)
    # a refinement by an attained h improves on Q, and KL(P||Q_h) = KL(P||Q) - (E_P h - Lambda)
    assert pop.divergence_best < pop.divergence_base
    assert pop.divergence_best == pytest.approx(
        pop.divergence_base - pop.restricted_divergence, abs=1e-10
    )


def test_relu_ipm_against_angle_brute_force():
    """The exact support function is >= every single neuron on a fine angle grid, and close."""
    toy = _small()
    sup = toy.support
    v = sup.p - sup.q
    x = sup.x[:, 0]
    th = np.linspace(0, 2 * np.pi, 20001)
    vals = np.maximum(np.outer(np.cos(th), x) + np.sin(th)[:, None], 0.0) @ v
    brute = toy.B1 * toy.B2 * np.abs(vals).max()
    assert toy.population().ipm_base >= brute - 1e-12
    assert toy.population().ipm_base == pytest.approx(brute, rel=1e-4)


def test_relu_replicates_c7_pointwise_and_registered():
    assert get_toy("mixture1d-relu").value_range() is None
    toy = _small()
    res = simulate(toy, [5, 40], n_replicates=4, seed=3, n_mc=50)
    assert np.all(res.column("c7_slack") >= -1e-9)
    div = res.column("divergence")
    # KL(P||Q_hn) >= the best attained refinement minus what the sample fit can find
    assert np.all(np.isfinite(div)) and np.all(div > 0)
    assert "bound_C6a" in res.table and "bound_C6b" not in res.table
