"""fit(...) of every class against independent solutions of the variational objective."""

from __future__ import annotations

import cvxpy as cp
import numpy as np
import pytest
from scipy.optimize import minimize_scalar
from scipy.special import logsumexp

from boundkit.classes import FiniteClass, LinearClass, ReLUNetwork2, RKHSBall

pytest.importorskip("boundkit.generators")

SUPPORT = np.linspace(-1.0, 1.0, 7)[:, None]
P = np.array([0.05, 0.1, 0.1, 0.15, 0.2, 0.2, 0.2])
Q = np.array([0.25, 0.2, 0.15, 0.15, 0.1, 0.1, 0.05])


def _dv(h_p, h_q):
    """Donsker-Varadhan objective E_P h - log E_Q e^h on the finite support."""
    return float(P @ h_p - logsumexp(h_q, b=Q))


@pytest.mark.parametrize("B", [0.3, 5.0])
def test_linear_kl_fit_matches_scalar_maximisation(B):
    x = SUPPORT[:, 0]
    ref = minimize_scalar(
        lambda w: -_dv(w * x, w * x), bounds=(-B, B), method="bounded", options={"xatol": 1e-12}
    )
    fit = LinearClass(p=2, B=B).fit(SUPPORT, "kl", SUPPORT, Q, p_weights=P)
    assert fit.value == pytest.approx(-ref.fun, abs=1e-8)
    assert fit.diagnostics["converged"]
    assert fit.diagnostics["gap"] >= -1e-12
    h = fit.h(SUPPORT)
    assert _dv(h, h) == pytest.approx(fit.value, abs=1e-10)
    # KL: nu = log E_Q e^h - 1
    assert fit.nu == pytest.approx(logsumexp(h, b=Q) - 1.0, abs=1e-9)


def test_rkhs_kl_fit_matches_cvxpy():
    cls = RKHSBall("rbf", gamma=2.0, B=1.5)
    K = np.exp(-2.0 * (SUPPORT - SUPPORT.T) ** 2)
    lam, U = np.linalg.eigh(K)
    R = (U * np.sqrt(np.clip(lam, 0, None))) @ U.T
    w = cp.Variable(7)
    prob = cp.Problem(
        cp.Maximize(P @ (R @ w) - cp.log_sum_exp(R @ w + np.log(Q))), [cp.norm2(w) <= 1.5]
    )
    prob.solve()
    fit = cls.fit(SUPPORT, "kl", SUPPORT, Q, p_weights=P)
    assert fit.value == pytest.approx(prob.value, abs=1e-5)
    h = fit.h(SUPPORT)
    assert _dv(h, h) == pytest.approx(fit.value, abs=1e-8)
    assert cls.norm(fit.params) <= 1.5 * (1 + 1e-8)


def test_finite_fit_is_exhaustive():
    rng = np.random.default_rng(0)
    values = rng.normal(size=(6, 7))
    cls = FiniteClass(values, support=SUPPORT)
    fit = cls.fit(SUPPORT, "kl", SUPPORT, Q, p_weights=P)
    best = max(range(6), key=lambda j: _dv(values[j], values[j]))
    assert fit.params == best
    assert fit.value == pytest.approx(_dv(values[best], values[best]), abs=1e-10)


def test_relu_fit_is_feasible_and_beats_random_members():
    cls = ReLUNetwork2(width=4, B1=2.0, B2=2.0, n_restarts=3, max_iter=300, rng=0)
    fit = cls.fit(SUPPORT, "kl", SUPPORT, Q, p_weights=P)
    b1, b2 = cls.norms(fit.params)
    assert b1 <= 2.0 * (1 + 1e-9) and b2 <= 2.0 * (1 + 1e-9)
    h = fit.h(SUPPORT)
    assert _dv(h, h) == pytest.approx(fit.value, abs=1e-10)
    rng = np.random.default_rng(1)
    rand = max(
        _dv(hh, hh)
        for hh in (cls.evaluate(cls.random_params(SUPPORT, rng=rng), SUPPORT) for _ in range(300))
    )
    assert fit.value >= rand
    # the linear class {w x + b : ||(w, b)|| <= 2} is inside: relu(u.x~) - relu(-u.x~) needs
    # ||a||_1 = 2, so the networks reach at least the linear optimum with B = 1
    lin = LinearClass(p=2, B=1.0, bias=True).fit(SUPPORT, "kl", SUPPORT, Q, p_weights=P)
    assert fit.value >= lin.value - 1e-6


def test_pearson_fit_runs_and_improves_on_zero():
    fit = LinearClass(p=1, B=1.0, bias=True).fit(SUPPORT, "pearson", SUPPORT, Q, p_weights=P)
    assert fit.value > 0.0
    assert fit.diagnostics["converged"]
