"""Tests of boundkit.duality.ipm against independent computations."""

from __future__ import annotations

import numpy as np
import pytest

from boundkit._errors import BoundkitError
from boundkit.classes import FiniteClass, LinearClass, ReLUNetwork2, RKHSBall
from boundkit.distributions import FiniteDistribution, Gaussian, GaussianMixture, GridDensity
from boundkit.duality import ipm


def _pair(rng: np.random.Generator, k: int = 6, d: int = 2):
    atoms = rng.normal(size=(k, d))
    p = rng.dirichlet(np.ones(k))
    q = rng.dirichlet(np.ones(k))
    return atoms, p, q, FiniteDistribution(atoms, p), FiniteDistribution(atoms, q)


@pytest.mark.parametrize("p_norm, q_ord", [(1, np.inf), (2, 2), (np.inf, 1)])
def test_linear_identity_closed_form(p_norm, q_ord):
    atoms, p, q, P, Q = _pair(np.random.default_rng(0))
    r = ipm(P, Q, LinearClass("identity", p=p_norm, B=1.7))
    expected = 1.7 * np.linalg.norm(p @ atoms - q @ atoms, ord=q_ord)
    assert r.exact and r.method == "exact"
    assert r.value == pytest.approx(expected, rel=1e-13)
    assert r.lower == r.upper == r.value


def test_linear_identity_gaussians_closed_form():
    P = Gaussian([0.3, -1.0], [[1.0, 0.2], [0.2, 0.5]])
    Q = Gaussian([-0.1, 0.4], [[0.7, 0.0], [0.0, 2.0]])
    r = ipm(P, Q, LinearClass("identity", B=2.0))
    assert r.method == "quadrature"
    assert r.value == pytest.approx(2.0 * np.hypot(0.4, -1.4), rel=1e-12)


def test_polynomial_features_mixture_closed_form():
    # 1-D, degree 2 features (x, x^2): E x = sum w m, E x^2 = sum w (m^2 + s^2)
    P = GaussianMixture([0.3, 0.7], [[-1.0], [2.0]], np.array([[[0.5]], [[1.5]]]))
    Q = Gaussian([0.5], [[2.0]])
    ex_p = 0.3 * -1.0 + 0.7 * 2.0
    ex2_p = 0.3 * (1.0 + 0.5) + 0.7 * (4.0 + 1.5)
    diff = np.array([ex_p - 0.5, ex2_p - (0.25 + 2.0)])
    r = ipm(P, Q, LinearClass("poly", degree=2, p=1, B=0.5))
    assert r.value == pytest.approx(0.5 * np.max(np.abs(diff)), rel=1e-11)


def test_finite_class_brute_force():
    rng = np.random.default_rng(1)
    atoms, p, q, P, Q = _pair(rng, k=7, d=1)
    values = rng.normal(size=(5, 7))
    brute = max(sum(values[j, i] * (p[i] - q[i]) for i in range(7)) for j in range(5))
    r = ipm(P, Q, FiniteClass(values, support=atoms))
    assert r.exact
    assert r.value == pytest.approx(brute, abs=1e-14)


def test_finite_class_different_supports():
    # Q puts mass on an atom P lacks: the common support is the union
    P = FiniteDistribution([[0.0], [1.0]], [0.5, 0.5])
    Q = FiniteDistribution([[1.0], [2.0]], [0.5, 0.5])
    support = np.array([[0.0], [1.0], [2.0]])
    values = np.array([[1.0, 0.0, -1.0], [0.0, 0.0, 5.0]])
    r = ipm(P, Q, FiniteClass(values, support=support))
    # h_0: (0.5*1 + 0.5*0) - (0.5*0 + 0.5*-1) = 1;  h_1: 0 - 2.5
    assert r.value == pytest.approx(1.0, abs=1e-15)


def test_rkhs_gaussians_closed_form_mmd():
    # Gaussian kernel exp(-(x-y)^2 / 2): closed-form kernel expectations under Gaussians
    def kern(X, Y):
        return np.exp(-0.5 * (X[:, :1] - Y[:, :1].T) ** 2)

    a, s2, b, t2 = 0.4, 0.6, -0.3, 1.3
    kpp = np.sqrt(1.0 / (1.0 + 2 * s2))
    kqq = np.sqrt(1.0 / (1.0 + 2 * t2))
    kpq = np.sqrt(1.0 / (1.0 + s2 + t2)) * np.exp(-((a - b) ** 2) / (2 * (1.0 + s2 + t2)))
    mmd = np.sqrt(kpp + kqq - 2 * kpq)
    r = ipm(Gaussian([a], [[s2]]), Gaussian([b], [[t2]]), RKHSBall(kern, B=3.0))
    assert r.value == pytest.approx(3.0 * mmd, rel=1e-8)


def test_grid_pair_is_quadrature():
    x = np.linspace(-4, 4, 201)
    P = GridDensity([x], np.exp(-0.5 * (x - 0.5) ** 2))
    Q = GridDensity([x], np.exp(-0.5 * x**2))
    r = ipm(P, Q, LinearClass("identity"))
    assert r.method == "quadrature"
    assert r.value == pytest.approx(P.expect(lambda z: z[:, 0]) - Q.expect(lambda z: z[:, 0]))


def _relu_brute(x: np.ndarray, v: np.ndarray, n_dir: int) -> float:
    """max over directions u on a fine circle of |sum_i v_i relu(u . (x_i, 1))| (lower bound)."""
    ang = np.linspace(0.0, 2 * np.pi, n_dir, endpoint=False)
    xt = np.column_stack([x, np.ones(len(x))])
    if x.shape[1] == 1:
        U = np.column_stack([np.cos(ang), np.sin(ang)])
    else:
        rng = np.random.default_rng(5)
        U = rng.normal(size=(n_dir, xt.shape[1]))
        U /= np.linalg.norm(U, axis=1, keepdims=True)
    s = np.maximum(xt @ U.T, 0.0).T @ v
    return float(max(0.0, s.max(), (-s).max()))


def test_relu_1d_exact_matches_angle_grid():
    rng = np.random.default_rng(2)
    atoms, p, q, P, Q = _pair(rng, k=8, d=1)
    cls = ReLUNetwork2(width=4, B1=1.5, B2=2.0)
    r = ipm(P, Q, cls)
    assert r.exact and r.lower == r.upper
    n_dir = 200_001
    brute = 3.0 * _relu_brute(atoms, p - q, n_dir)
    # the angle-grid maximum is below the exact sup by at most step * Lipschitz constant
    lip = 3.0 * np.sum(np.abs(p - q) * np.hypot(atoms[:, 0], 1.0))
    assert brute <= r.value + 1e-12
    assert r.value - brute <= (2 * np.pi / n_dir) * lip


def test_relu_2d_certified_bracket():
    rng = np.random.default_rng(3)
    atoms, p, q, P, Q = _pair(rng, k=10, d=2)
    cls = ReLUNetwork2(width=4, B1=1.0, B2=1.0, rng=0)
    r = ipm(P, Q, cls)
    assert not r.exact and r.method == "exact + bracket"
    brute = _relu_brute(atoms, p - q, 20_000)
    assert r.lower <= r.upper
    assert brute <= r.upper + 1e-12  # every attained value is below the certified upper end
    assert r.lower >= brute - 1e-3  # the search is not far from a dense random search


def test_relu_upper_end_bounds_exact_1d_value():
    # the certified upper end must be above the exact value where the latter is known
    from boundkit.duality._ipm import _relu_upper

    rng = np.random.default_rng(4)
    for _ in range(20):
        atoms, p, q, P, Q = _pair(rng, k=6, d=1)
        cls = ReLUNetwork2(width=2)
        exact = ipm(P, Q, cls).value
        assert exact <= _relu_upper(cls, atoms, p - q) + 1e-12


def test_errors():
    P = FiniteDistribution([[0.0]], [1.0])
    Q = FiniteDistribution([[0.0, 1.0]], [1.0])
    with pytest.raises(BoundkitError, match="dimension"):
        ipm(P, Q, LinearClass())
    with pytest.raises(BoundkitError, match="Distribution"):
        ipm([0.0], P, LinearClass())
    with pytest.raises(BoundkitError, match="support_function"):
        ipm(P, P, object())
