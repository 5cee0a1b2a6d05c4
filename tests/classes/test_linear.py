"""LinearClass: support function against brute force, features, cvxpy constraint, errors."""

from __future__ import annotations

import itertools

import cvxpy as cp
import numpy as np
import pytest

from boundkit import BoundkitError
from boundkit.classes import LinearClass, dual_exponent, project_ball


@pytest.mark.parametrize("p", [1, 2, float("inf")])
def test_support_function_equals_lp_solution(p):
    """sup_{||w||_p <= B} <w, Phi^T v> solved independently by cvxpy."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(9, 3))
    v = rng.normal(size=9)
    B = 1.7
    w = cp.Variable(3)
    prob = cp.Problem(cp.Maximize((x.T @ v) @ w), [cp.norm(w, p) <= B])
    prob.solve()
    got = LinearClass(p=p, B=B).support_function(x, v)
    assert got == pytest.approx(prob.value, rel=1e-5)


def test_linf_ball_support_is_attained_at_a_vertex():
    """For p = inf the sup is a max over the 2^k sign vertices (brute force)."""
    rng = np.random.default_rng(1)
    x = rng.normal(size=(6, 4))
    v = rng.normal(size=6)
    best = max(float(v @ (x @ (2.0 * np.array(s)))) for s in itertools.product([-1, 1], repeat=4))
    assert LinearClass(p="inf", B=2.0).support_function(x, v) == pytest.approx(best, rel=1e-12)


def test_polynomial_features_degree_2():
    x = np.array([[2.0, 3.0]])
    phi = LinearClass("poly", degree=2).design_matrix(x)
    assert sorted(phi.ravel().tolist()) == sorted([2.0, 3.0, 4.0, 6.0, 9.0])


def test_bias_adds_constant_feature():
    x = np.array([[1.0], [2.0]])
    phi = LinearClass(bias=True).design_matrix(x)
    np.testing.assert_array_equal(phi, [[1.0, 1.0], [2.0, 1.0]])


def test_rff_approximates_rbf_kernel():
    """phi(x).phi(y) -> exp(-gamma ||x-y||^2); with D = 20000 the error is O(1/sqrt(D))."""
    x = np.array([[0.0, 0.0], [0.5, -0.3], [1.0, 1.0]])
    phi = LinearClass("rff", n_components=20000, gamma=0.8, rng=0).design_matrix(x)
    sq = ((x[:, None, :] - x[None, :, :]) ** 2).sum(-1)
    assert np.abs(phi @ phi.T - np.exp(-0.8 * sq)).max() < 0.05


def test_rff_frequencies_are_drawn_once():
    cls = LinearClass("rff", n_components=5, rng=None)
    x = np.ones((3, 2))
    np.testing.assert_array_equal(cls.design_matrix(x), cls.design_matrix(x))
    assert hasattr(cls, "rff_")


@pytest.mark.parametrize("p", [1, 2, "inf"])
def test_cvxpy_constraint_matches_ball(p):
    cls = LinearClass(p=p, B=2.0)
    w = cp.Variable(3)
    target = np.array([3.0, -1.0, 0.5])
    prob = cp.Problem(cp.Minimize(cp.sum_squares(w - target)), [cls.cvxpy_constraint(w)])
    prob.solve()
    np.testing.assert_allclose(w.value, project_ball(target, p, 2.0), atol=1e-5)


def test_project_l1_ball_against_cvxpy():
    rng = np.random.default_rng(2)
    for _ in range(5):
        y = rng.normal(size=6) * 3
        w = cp.Variable(6)
        cp.Problem(cp.Minimize(cp.sum_squares(w - y)), [cp.norm1(w) <= 1.3]).solve()
        np.testing.assert_allclose(project_ball(y, 1, 1.3), w.value, atol=1e-5)


def test_dual_exponent():
    assert dual_exponent(1) == float("inf")
    assert dual_exponent(2) == 2.0
    assert dual_exponent(float("inf")) == 1.0
    with pytest.raises(BoundkitError, match="norm p"):
        dual_exponent(3)


@pytest.mark.parametrize("B", [0.0, -1.0, float("nan"), float("inf"), "1"])
def test_bad_radius_raises(B):
    with pytest.raises(BoundkitError, match="B must"):
        LinearClass(B=B).support_function(np.ones((2, 1)), np.ones(2))


def test_bad_features_and_p_raise():
    x = np.ones((2, 1))
    with pytest.raises(BoundkitError, match="unknown features"):
        LinearClass("nope").design_matrix(x)
    with pytest.raises(BoundkitError, match="norm p"):
        LinearClass(p=3).support_function(x, np.ones(2))
    with pytest.raises(BoundkitError, match="feature callable"):
        LinearClass(lambda z: np.ones(5)).design_matrix(x)
