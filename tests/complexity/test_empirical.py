"""Empirical Rademacher complexities: exact enumeration vs independent brute force, Monte Carlo
within its standard error, rules of C9 and clear errors.

Statistical tests compare a Monte Carlo estimate with an exact value within 4 standard errors:
with fixed seeds they are deterministic; for a random seed each comparison would fail falsely
with probability about 6e-5 (normal approximation).
"""

from __future__ import annotations

import itertools
import math

import cvxpy as cp
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.optimize import minimize_scalar

from boundkit import BoundkitError
from boundkit.classes import FiniteClass, LinearClass, ReLUNetwork2, RKHSBall
from boundkit.complexity import (
    empirical_rademacher,
    khintchine_bracket,
    rademacher_sups,
)
from boundkit.complexity._signs import ROW_BLOCK, SignStream


def _signs(n):
    return [np.array(s, dtype=float) for s in itertools.product([-1.0, 1.0], repeat=n)]


# -- exact values vs brute force -----------------------------------------------------------------
def _brute_linear(x, p, B):
    """Independent: sup over the vertices of the l1 / linf ball, cvxpy for l2."""
    n, d = x.shape
    total = 0.0
    for s in _signs(n):
        z = x.T @ s
        if p == 1:
            verts = [B * sgn * np.eye(d)[j] for j in range(d) for sgn in (-1, 1)]
            total += max(float(w @ z) for w in verts)
        elif p == "inf":
            total += max(float(B * np.array(c) @ z) for c in itertools.product([-1, 1], repeat=d))
        else:
            w = cp.Variable(d)
            prob = cp.Problem(cp.Maximize(z @ w), [cp.norm2(w) <= B])
            prob.solve()
            total += prob.value
    return total / 2**n / n


@pytest.mark.parametrize("p", [1, 2, "inf"])
def test_linear_exact_matches_brute_force(p):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(6, 3))
    got = empirical_rademacher(LinearClass(p=p, B=1.7), x)
    assert got.method == "exact-enumeration" and got.n_sigmas == 64 and got.stderr == 0.0
    assert got.estimate == pytest.approx(_brute_linear(x, p, 1.7), rel=1e-6)


def test_rkhs_exact_matches_socp_brute_force():
    """sup_{||h||_K <= B} sum sigma_i h(x_i) by cvxpy on alpha with ||L^T alpha|| <= B."""
    rng = np.random.default_rng(1)
    x = rng.normal(size=(5, 2))
    K = np.exp(-0.5 * ((x[:, None] - x[None]) ** 2).sum(-1))
    L = np.linalg.cholesky(K + 1e-12 * np.eye(5))
    total = 0.0
    for s in _signs(5):
        a = cp.Variable(5)
        prob = cp.Problem(cp.Maximize(s @ K @ a), [cp.norm2(L.T @ a) <= 2.0])
        prob.solve()
        total += prob.value
    ref = total / 32 / 5
    got = empirical_rademacher(RKHSBall("rbf", gamma=0.5, B=2.0), x).estimate
    assert got == pytest.approx(ref, rel=1e-4)


def test_finite_exact_matches_loop():
    rng = np.random.default_rng(2)
    H = rng.normal(size=(4, 7))
    ref = np.mean([max(float(h @ s) for h in H) for s in _signs(7)]) / 7
    assert empirical_rademacher(FiniteClass(H)).estimate == pytest.approx(ref, rel=1e-12)


def test_relu_1d_exact_matches_brute_force_and_bracket():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(6, 1))
    y = np.column_stack([x[:, 0], np.ones(6)])

    def circle_max(v):
        th = np.linspace(0, 2 * np.pi, 4001)
        vals = np.maximum(np.stack([np.cos(th), np.sin(th)], 1) @ y.T, 0) @ v
        k = int(np.argmax(vals))
        res = minimize_scalar(
            lambda t: -float(np.maximum(y @ [np.cos(t), np.sin(t)], 0) @ v),
            bounds=(th[k] - 0.002, th[k] + 0.002),
            method="bounded",
            options={"xatol": 1e-13},
        )
        return max(vals[k], -res.fun)

    ref = np.mean([max(0.0, circle_max(s), circle_max(-s)) for s in _signs(6)]) * 0.8 * 1.1 / 6
    res = empirical_rademacher(ReLUNetwork2(width=3, B1=0.8, B2=1.1, rng=0), x, rng=0)
    assert res.estimate == pytest.approx(ref, abs=1e-8)
    assert res.lower == pytest.approx(res.estimate, abs=1e-6)  # optimiser == exact sweep
    assert res.lower <= res.upper


@pytest.mark.parametrize("p", [1, 2, "inf"])
def test_n2_closed_form(p):
    """R_S = B (||x1 + x2||_q + ||x1 - x2||_q) / (2 n) for n = 2."""
    x = np.array([[1.0, 2.0, -0.5], [0.3, -1.0, 2.0]])
    q = {1: np.inf, 2: 2, "inf": 1}[p]
    closed = 1.3 * (np.linalg.norm(x[0] + x[1], q) + np.linalg.norm(x[0] - x[1], q)) / 4
    assert empirical_rademacher(LinearClass(p=p, B=1.3), x).estimate == pytest.approx(closed)


# -- Monte Carlo --------------------------------------------------------------------------------
CLASSES = [
    LinearClass(p=1),
    LinearClass(p=2, B=2.0),
    LinearClass(p="inf", bias=True),
    LinearClass("poly", degree=2),
    RKHSBall(gamma=0.5),
    RKHSBall("laplacian", gamma=0.3),
    ReLUNetwork2(width=3, rng=0),
]


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: repr(c)[:40])
def test_monte_carlo_within_4_standard_errors_of_exact(cls):
    rng = np.random.default_rng(4)
    x = rng.normal(size=(10, 1 if isinstance(cls, ReLUNetwork2) else 2))
    exact = empirical_rademacher(cls, x, method="exact").estimate
    mc = empirical_rademacher(cls, x, method="monte-carlo", n_sigmas=1500, rng=5)
    assert mc.method == "monte-carlo" and mc.n_sigmas == 1500 and mc.stderr > 0
    assert abs(mc.estimate - exact) <= 4 * mc.stderr


def test_monte_carlo_finite_and_reproducible():
    H = np.random.default_rng(6).normal(size=(5, 30))
    a = empirical_rademacher(FiniteClass(H), n_sigmas=500, rng=7)
    b = empirical_rademacher(FiniteClass(H), n_sigmas=500, rng=7)
    assert a.method == "monte-carlo" and a.estimate == b.estimate
    # the same sups, recomputed independently from the same sign matrix
    S = SignStream(np.random.default_rng(7), 30, 500).matrix()
    np.testing.assert_allclose(a.sups, (H @ S).max(axis=0) / 30, rtol=1e-12)


def test_linear_row_blocked_accumulation_matches_direct():
    """n > ROW_BLOCK: the row-blocked Phi^T sigma equals the direct product on the same signs."""
    n = ROW_BLOCK + 1000
    x = np.random.default_rng(8).normal(size=(n, 2))
    res = empirical_rademacher(LinearClass(p=2), x, n_sigmas=3, rng=9)
    S = SignStream(np.random.default_rng(9), n, 3).matrix()
    np.testing.assert_allclose(res.sups, np.linalg.norm(x.T @ S, axis=0) / n, rtol=1e-10)


def test_rademacher_sups_of_a_sign_vector():
    x = np.array([[1.0, 0.0], [0.0, 2.0], [1.0, 1.0]])
    s = np.array([1.0, -1.0, 1.0])
    assert rademacher_sups(LinearClass(p=2), x, s)[0] == pytest.approx(np.linalg.norm([2, -1]) / 3)


# -- rules of C9 -------------------------------------------------------------------------------
@given(st.integers(0, 2**32 - 1))
def test_khintchine_bracket_holds(seed):
    rng = np.random.default_rng(seed)
    n, d = int(rng.integers(1, 11)), int(rng.integers(1, 5))
    x = rng.normal(size=(n, d)) * rng.exponential(size=(n, 1))
    B = float(rng.uniform(0.1, 5))
    r = empirical_rademacher(LinearClass(p=2, B=B), x).estimate
    lo, up = khintchine_bracket(x, B)
    assert lo.value <= r * (1 + 1e-12) and r <= up.value * (1 + 1e-12)


@pytest.mark.parametrize("c", [-2.5, -1.0, 0.5, 3.0])
def test_scaling(c):
    """R(cH) = |c| R(H) (for c < 0 because sigma and -sigma have the same law)."""
    H = np.random.default_rng(10).normal(size=(4, 8))
    r = empirical_rademacher(FiniteClass(H)).estimate
    assert empirical_rademacher(FiniteClass(c * H)).estimate == pytest.approx(abs(c) * r)
    x = np.random.default_rng(11).normal(size=(8, 2))
    r2 = empirical_rademacher(LinearClass(B=1.0), x).estimate
    assert empirical_rademacher(LinearClass(B=abs(c)), x).estimate == pytest.approx(abs(c) * r2)


def test_convex_hull_and_translation_invariance():
    rng = np.random.default_rng(12)
    H = rng.normal(size=(3, 9))
    r = empirical_rademacher(FiniteClass(H)).estimate
    hull = np.vstack([H, rng.dirichlet(np.ones(3), size=10) @ H])
    assert empirical_rademacher(FiniteClass(hull)).estimate == pytest.approx(r, rel=1e-12)
    g = rng.normal(size=9)
    assert empirical_rademacher(FiniteClass(H + g)).estimate == pytest.approx(r, rel=1e-12)
    # a strictly larger class has a larger complexity
    assert empirical_rademacher(FiniteClass(np.vstack([H, 3 * H]))).estimate > r


@given(st.integers(0, 2**32 - 1))
def test_relu_lower_never_exceeds_upper(seed):
    rng = np.random.default_rng(seed)
    d = int(rng.integers(1, 3))
    x = rng.normal(size=(int(rng.integers(2, 9)), d))
    cls = ReLUNetwork2(
        width=2, B1=float(rng.uniform(0.2, 3)), B2=float(rng.uniform(0.2, 3)), n_restarts=2, rng=0
    )
    res = empirical_rademacher(cls, x, method="monte-carlo", n_sigmas=20, rng=seed)
    assert 0.0 <= res.lower <= res.upper
    if d == 1:
        assert res.lower == pytest.approx(res.estimate, abs=1e-6)


# -- errors --------------------------------------------------------------------------------------
def test_bad_inputs_raise():
    x = np.ones((4, 2))
    with pytest.raises(BoundkitError, match="empty"):
        empirical_rademacher(LinearClass(), np.zeros((0, 2)))
    with pytest.raises(BoundkitError, match="NaN"):
        empirical_rademacher(LinearClass(), np.array([[np.nan, 1.0]]))
    with pytest.raises(BoundkitError, match="B must"):
        empirical_rademacher(LinearClass(B=0.0), x)
    with pytest.raises(BoundkitError, match="B must"):
        empirical_rademacher(RKHSBall(B=-1.0), x)
    with pytest.raises(BoundkitError, match="n_sigmas"):
        empirical_rademacher(LinearClass(), x, n_sigmas=1)
    with pytest.raises(BoundkitError, match="unknown method"):
        empirical_rademacher(LinearClass(), x, method="magic")
    with pytest.raises(BoundkitError, match="too large"):
        empirical_rademacher(LinearClass(), np.ones((30, 1)), method="exact")
    not_psd = RKHSBall(kernel=lambda a, b: -np.ones((a.shape[0], b.shape[0])))
    with pytest.raises(BoundkitError, match="not positive semi-definite"):
        empirical_rademacher(not_psd, x)
    with pytest.raises(BoundkitError, match="not a discriminator class"):
        empirical_rademacher(object(), x)


def test_stderr_formula():
    """stderr = sd(sups, ddof=1) / sqrt(m) of the stored per-sign suprema."""
    x = np.random.default_rng(13).normal(size=(25, 2))
    r = empirical_rademacher(LinearClass(), x, n_sigmas=64, rng=0)
    assert r.stderr == pytest.approx(np.std(r.sups, ddof=1) / math.sqrt(64))
    assert r.estimate == pytest.approx(r.sups.mean())


@pytest.mark.parametrize(
    ("make_cls", "n", "method"),
    [
        (lambda: LinearClass(B=1.0), 3000, "monte-carlo"),
        (lambda: RKHSBall(kernel="rbf", B=1.0), 50, "monte-carlo"),
        (lambda: LinearClass(B=1.0, p=1), 10, "exact"),
    ],
)
def test_progress_callback_reaches_one_and_does_not_change_the_result(make_cls, n, method):
    x = np.random.default_rng(3).normal(size=(n, 2))
    seen: list[float] = []
    a = empirical_rademacher(make_cls(), x, n_sigmas=300, method=method, rng=5)
    b = empirical_rademacher(
        make_cls(), x, n_sigmas=300, method=method, rng=5, progress=seen.append
    )
    assert a.estimate == b.estimate and a.stderr == b.stderr
    assert seen and seen[-1] == pytest.approx(1.0, abs=1e-12)
    assert all(0.0 < s <= 1.0 + 1e-12 for s in seen)
    assert all(s2 >= s1 for s1, s2 in zip(seen, seen[1:], strict=False))


def test_sign_blocks_are_the_same_in_int8_and_float():
    stream = SignStream(np.random.default_rng(11), ROW_BLOCK + 77, 300)  # two row blocks
    for c in range(2):
        s8 = stream.block(c, np.int8)
        assert s8.dtype == np.int8
        np.testing.assert_array_equal(s8, stream.block(c))
    assert set(np.unique(stream.block(1))) == {-1.0, 1.0}


def test_relu_1d_monte_carlo_sups_are_the_sweep_on_the_same_float_signs():
    """The Monte Carlo path (int8 signs, blocks of 256) gives bit for bit the sups of the
    general entry point on the float sign matrix of the same seed (one child seed goes to
    the network optimiser first)."""
    x = np.random.default_rng(12).normal(size=(400, 1))
    cls = ReLUNetwork2(width=3, B1=1.3, B2=0.6)
    res = empirical_rademacher(cls, x, n_sigmas=300, rng=13, with_bounds=False)
    gen = np.random.default_rng(13)
    gen.spawn(1)
    S = SignStream(gen, 400, 300).matrix()
    np.testing.assert_array_equal(res.sups, rademacher_sups(cls, x, S))
    assert res.estimate == pytest.approx(float(np.mean(rademacher_sups(cls, x, S))), rel=1e-15)
