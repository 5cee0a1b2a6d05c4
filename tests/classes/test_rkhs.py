"""RKHSBall: Gram matrices, K^{1/2} factor, support function, expansions, errors."""

from __future__ import annotations

import cvxpy as cp
import numpy as np
import pytest

from boundkit import BoundkitError
from boundkit.classes import RKHSBall, psd_sqrt


def _rbf(x, y, gamma):
    return np.exp(-gamma * ((x[:, None, :] - y[None, :, :]) ** 2).sum(-1))


def test_gram_matrices_match_formulas():
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(4, 2)), rng.normal(size=(3, 2))
    np.testing.assert_allclose(RKHSBall("rbf", gamma=0.7).gram(x, y), _rbf(x, y, 0.7))
    lap = np.exp(-0.4 * np.abs(x[:, None, :] - y[None, :, :]).sum(-1))
    np.testing.assert_allclose(RKHSBall("laplacian", gamma=0.4).gram(x, y), lap)
    poly = (0.5 * x @ y.T + 2.0) ** 3
    np.testing.assert_allclose(RKHSBall("poly", gamma=0.5, coef0=2.0, degree=3).gram(x, y), poly)


def test_design_matrix_factors_gram():
    x = np.linspace(-1, 1, 8)[:, None]
    cls = RKHSBall("rbf", gamma=2.0)
    Phi = cls.design_matrix(x)
    np.testing.assert_allclose(Phi @ Phi.T, _rbf(x, x, 2.0), atol=1e-10)
    np.testing.assert_allclose(Phi, Phi.T, atol=1e-12)


def test_support_function_equals_socp():
    """sup_{alpha' K alpha <= B^2} v' K alpha solved independently by cvxpy."""
    rng = np.random.default_rng(3)
    x = rng.normal(size=(6, 2))
    v = rng.normal(size=6)
    K = _rbf(x, x, 0.5)
    L = np.linalg.cholesky(K + 1e-12 * np.eye(6))
    a = cp.Variable(6)
    prob = cp.Problem(cp.Maximize(v @ K @ a), [cp.norm2(L.T @ a) <= 1.5])
    prob.solve()
    got = RKHSBall("rbf", gamma=0.5, B=1.5).support_function(x, v)
    assert got == pytest.approx(prob.value, rel=1e-4)


def test_expansion_evaluates_off_support_and_has_norm_at_most_B():
    x = np.array([[0.0], [1.0], [2.5]])
    cls = RKHSBall("rbf", gamma=1.0, B=2.0)
    w = np.array([1.0, -1.0, 0.5])
    params = cls.params_from_weights(x, w)
    z = np.array([[0.3], [4.0]])
    K = _rbf(x, x, 1.0)
    lam, U = np.linalg.eigh(K)
    alpha_ref = U @ np.diag(lam**-0.5) @ U.T @ w
    np.testing.assert_allclose(cls.evaluate(params, z), _rbf(z, x, 1.0) @ alpha_ref, rtol=1e-8)
    assert cls.norm(params) == pytest.approx(np.linalg.norm(w), rel=1e-8)


def test_not_psd_raises():
    K = np.array([[1.0, 2.0], [2.0, 1.0]])
    with pytest.raises(BoundkitError, match="not positive semi-definite"):
        psd_sqrt(K)
    bad = RKHSBall(kernel=lambda a, b: -np.ones((a.shape[0], b.shape[0])))
    with pytest.raises(BoundkitError, match="not positive semi-definite"):
        bad.design_matrix(np.ones((3, 1)))


def test_bad_inputs_raise():
    with pytest.raises(BoundkitError, match="unknown kernel"):
        RKHSBall("cosine").gram(np.ones((2, 1)))
    with pytest.raises(BoundkitError, match="NaN"):
        RKHSBall().support_function(np.array([[np.nan]]), np.ones(1))
    with pytest.raises(BoundkitError, match="B must"):
        RKHSBall(B=-1).support_function(np.ones((2, 1)), np.ones(2))
    with pytest.raises(BoundkitError, match="symmetric"):
        psd_sqrt(np.array([[1.0, 0.5], [0.0, 1.0]]))


def test_cvxpy_constraint():
    w = cp.Variable(3)
    con = RKHSBall(B=2.0).cvxpy_constraint(w)
    prob = cp.Problem(cp.Maximize(w[0]), [con])
    prob.solve()
    assert prob.value == pytest.approx(2.0, rel=1e-6)


# -- diagonal, Nystrom factor ---------------------------------------------------------------------
@pytest.mark.parametrize(
    "cls",
    [
        RKHSBall("rbf", gamma=0.7),
        RKHSBall("laplacian"),
        RKHSBall("poly", degree=2, gamma=0.3, coef0=0.5),
        RKHSBall(lambda a, b: (1.0 + a @ b.T) ** 2),
    ],
)
def test_gram_diagonal_is_the_diagonal_of_the_gram_matrix(cls):
    x = np.random.default_rng(0).normal(size=(300, 2))
    np.testing.assert_allclose(cls.gram_diagonal(x), np.diag(cls.gram(x)), rtol=1e-13, atol=0)


def test_nystrom_factor_is_exact_at_full_rank_and_leaves_a_psd_remainder():
    x = np.random.default_rng(1).normal(size=(40, 2))
    cls = RKHSBall(gamma=0.5)
    K = cls.gram(x)
    L, resid = cls.nystrom_factor(x, 40, rtol=0.0)
    np.testing.assert_allclose(L @ L.T, K, atol=1e-8)
    L, resid = cls.nystrom_factor(x, 6)
    E = K - L @ L.T
    assert L.shape == (40, 6)
    np.testing.assert_allclose(np.diag(E), resid, atol=1e-12)
    assert np.linalg.eigvalsh(E).min() > -1e-10  # Schur complement: K~ <= K
    with pytest.raises(BoundkitError, match="n_landmarks"):
        cls.nystrom_factor(x, 0)
