"""Restricted divergence, primal and the duality report (claims C2-C5) on finite supports."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import minimize_scalar
from scipy.special import logsumexp

from boundkit import BoundkitError, SolverError
from boundkit.classes import LinearClass, RKHSBall
from boundkit.distributions import FiniteDistribution
from boundkit.duality import (
    CVXPY_GENERATORS,
    divergence,
    duality_report,
    primal,
    restricted_divergence,
    solver_paths,
)
from boundkit.generators import get_generator


def _problem(seed, k, d=1):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(k, d))
    P = FiniteDistribution(x, rng.dirichlet(np.ones(k)))
    Q = FiniteDistribution(x, rng.dirichlet(np.ones(k)))
    return x, P, Q


def _kl(p, q):
    m = p > 0
    return float(np.sum(p[m] * np.log(p[m] / q[m])))


# ----------------------------------------------------------------- C2: unrestricted sup
@pytest.mark.parametrize("name", ["kl", "pearson", "squared_hellinger", "neyman"])
def test_unrestricted_class_reaches_the_divergence(name):
    """All functions on the support (one-hot features, a ball containing f'(p/q))."""
    g = get_generator(name)
    k = 6
    rng = np.random.default_rng(3)
    p, q = rng.dirichlet(np.ones(k)), rng.dirichlet(np.ones(k))
    atoms = np.arange(float(k))
    P, Q = FiniteDistribution(atoms, p), FiniteDistribution(atoms, q)
    ref = {
        "kl": _kl(p, q),
        "pearson": float(np.sum((p - q) ** 2 / q)),
        "squared_hellinger": float(np.sum((np.sqrt(p) - np.sqrt(q)) ** 2)),
        "neyman": float(np.sum((p - q) ** 2 / p)),
    }[name]
    hstar = np.asarray(g.fprime(p / q), dtype=float)
    B = 2.0 * float(np.linalg.norm(hstar)) + 1.0

    def onehot(x):
        return (x[:, :1] == np.arange(float(k))[None, :]).astype(float)

    r = restricted_divergence(g, P, Q, LinearClass(features=onehot, B=B))
    assert r.value == pytest.approx(ref, rel=1e-6)
    assert r.value <= ref + 1e-12  # a certified lower bound


# ----------------------------------------------------------------- C3: duality
def test_dual_matches_brute_force_one_dimensional_search():
    """h = w x, |w| <= B, KL: D^H = max_w w E_P x - log E_Q e^{w x} by bounded scalar search."""
    x, P, Q = _problem(11, 9)
    for B in (0.3, 1.0, 5.0):
        res = minimize_scalar(
            lambda w: -(w * (P.pmf @ x[:, 0]) - logsumexp(w * x[:, 0], b=Q.pmf)),
            bounds=(-B, B),
            method="bounded",
            options={"xatol": 1e-12},
        )
        ref = -res.fun
        for solver in ("cvxpy", "scipy"):
            r = restricted_divergence("kl", P, Q, LinearClass(B=B), solver=solver)
            assert r.value == pytest.approx(ref, rel=1e-8, abs=1e-12)
            assert r.status == "optimal"


@settings(max_examples=15)
@given(
    seed=st.integers(0, 2**31 - 1),
    k=st.integers(2, 12),
    d=st.integers(1, 2),
    B=st.floats(0.05, 10.0),
    p_norm=st.sampled_from([1, 2, "inf"]),
    name=st.sampled_from(["kl", "pearson", "squared_hellinger", "reverse_kl"]),
)
def test_strong_duality_gap_for_norm_balls(seed, k, d, B, p_norm, name):
    x, P, Q = _problem(seed, k, d)
    cls = LinearClass(p=p_norm, B=B)
    dual = restricted_divergence(name, P, Q, cls)
    prim = primal(name, P, Q, cls)
    # weak duality holds exactly (both are exact evaluations at feasible points)
    assert dual.value <= prim.value + 1e-12 * max(1.0, abs(prim.value))
    assert prim.value - dual.value <= 1e-6 * max(1.0, abs(prim.value))
    assert abs(prim.eta.sum() - 1.0) < 1e-12 and np.all(prim.eta >= 0)


@settings(max_examples=8)
@given(seed=st.integers(0, 2**31 - 1), k=st.integers(3, 10), B=st.floats(0.1, 5.0))
def test_strong_duality_rkhs_ball(seed, k, B):
    x, P, Q = _problem(seed, k, 2)
    cls = RKHSBall(B=B, gamma=0.7)
    dual = restricted_divergence("kl", P, Q, cls)
    prim = primal("kl", P, Q, cls)
    assert dual.value <= prim.value + 1e-12
    assert prim.value - dual.value <= 1e-6 * max(1.0, prim.value)
    # the maximiser is in the ball: h = K^{1/2} w with ||w|| <= B, i.e. ||h||_K <= B
    K = cls.gram(x)
    alpha = np.linalg.lstsq(K, dual.h, rcond=1e-12)[0]
    assert np.sqrt(max(alpha @ K @ alpha, 0.0)) <= B * (1 + 1e-6)


@settings(max_examples=10)
@given(seed=st.integers(0, 2**31 - 1), k=st.integers(2, 10), n_fun=st.integers(1, 6))
def test_weak_duality_for_a_nonconvex_finite_class(seed, k, n_fun):
    x, P, Q = _problem(seed, k)
    rng = np.random.default_rng(seed + 1)
    values = rng.normal(scale=2.0, size=(n_fun, k))
    dual = restricted_divergence("kl", P, Q, values)
    # independent: max_j E_P h_j - log E_Q e^{h_j}
    ref = max(float(P.pmf @ h - logsumexp(h, b=Q.pmf)) for h in values)
    assert dual.value == pytest.approx(ref, rel=1e-12, abs=1e-12)
    prim = primal("kl", P, Q, values)
    assert dual.value <= prim.value + 1e-9


def test_cvxpy_and_scipy_paths_agree_and_paths_are_listed():
    x, P, Q = _problem(5, 10, 2)
    for name in ("kl", "pearson", "jensen_shannon"):
        for cls in (LinearClass(p=2, B=1.5), LinearClass(p=1, B=1.5), LinearClass(p="inf", B=0.8)):
            a = restricted_divergence(name, P, Q, cls, solver="cvxpy")
            b = restricted_divergence(name, P, Q, cls, solver="scipy")
            assert a.solver.startswith("cvxpy") and b.solver.startswith("scipy")
            assert a.value == pytest.approx(b.value, rel=1e-7, abs=1e-10)
            pa = primal(name, P, Q, cls, solver="cvxpy")
            pb = primal(name, P, Q, cls, solver="scipy")
            assert pa.value == pytest.approx(pb.value, rel=1e-7, abs=1e-10)
    assert set(solver_paths()) == {"cvxpy", "scipy"}
    assert {"kl", "neyman", "le_cam"} <= set(
        CVXPY_GENERATORS
    ) and "jeffreys" not in CVXPY_GENERATORS


@pytest.mark.parametrize("name", ["neyman", "le_cam"])
def test_neyman_and_le_cam_on_a_rich_class_are_two_sided(name):
    r"""Issue 18 item 7: with a class rich enough that D_f^H = D_f the duality report is solved on
    both sides (cvxpy) and both equal the exact divergence."""
    rng = np.random.default_rng(8)
    k = 6
    x = np.arange(k, dtype=float)[:, None]
    P = FiniteDistribution(x, rng.dirichlet(np.ones(k)))
    Q = FiniteDistribution(x, rng.dirichlet(np.ones(k)))
    D = divergence(name, P, Q).value
    # indicator features with a large l_inf ball contain h* = f'(p/q)
    hstar = get_generator(name).fprime(P.pmf / Q.pmf)
    cls = LinearClass(
        features=lambda z: np.eye(k)[z[:, 0].astype(int)], p="inf", B=2.0 * np.abs(hstar).max()
    )
    rep = duality_report(name, P, Q, cls)
    assert rep.dual_result.solver.startswith("cvxpy") and rep.primal_result.solver.startswith(
        "cvxpy"
    )
    assert rep.status == "optimal" and rep.lambda_differentiable
    assert rep.dual == pytest.approx(D, rel=1e-7) and rep.primal == pytest.approx(D, rel=1e-7)
    assert rep.identities[0].rel_error < 1e-7  # C3: dual = primal


def test_mass_outside_the_support_of_q():
    """P not << Q: finite f'(inf) lets eta put mass there (TV); KL forbids it."""
    P = FiniteDistribution([0.0, 1.0, 2.0], [0.3, 0.3, 0.4])
    Q = FiniteDistribution([0.0, 1.0], [0.5, 0.5])
    cls = LinearClass(features=lambda x: np.column_stack([x[:, 0], x[:, 0] ** 2]), B=1.0)
    for name in ("kl", "total_variation", "squared_hellinger"):
        d = restricted_divergence(name, P, Q, cls)
        pr = primal(name, P, Q, cls)
        assert pr.value - d.value <= 1e-6 * max(1.0, pr.value)
        if name == "kl":
            assert pr.eta[2] == 0.0


# ----------------------------------------------------------------- C4, C5: the report
@pytest.mark.parametrize("name", ["kl", "pearson", "reverse_kl", "squared_hellinger", "neyman"])
def test_duality_report_identities(name):
    x, P, Q = _problem(21, 12, 2)
    for cls in (LinearClass(features="poly", degree=2, B=1.0), LinearClass(p=1, B=0.5)):
        rep = duality_report(name, P, Q, cls)
        assert rep.status == "optimal"
        assert rep.worst_error < 1e-6, rep.table()
        assert rep.gap >= -1e-12
        # D_f(Q_h||Q) recomputed here from the refined pmf, E_Q f(q_h / q)
        g = get_generator(name)
        qh, q = rep.refined.pmf, rep.dual_result.q
        df = float(np.sum(q * g.f_numeric(qh / q)))
        assert df == pytest.approx(rep.divergence_refined, rel=1e-10, abs=1e-13)
        d = rep.to_dict()
        for key in ("dual", "primal", "gap", "refined_l1_to_primal", "ipm_at_refined", "status"):
            assert key in d


def test_refined_model_is_the_primal_optimiser_kl_strong_convexity():
    r"""||eta* - Q_h*||_1 is bounded by the certified suboptimalities: the primal objective is
    1-strongly convex in l1 for KL (Pinsker), so ||eta - eta_opt||_1 <= sqrt(2 (F(eta) - dual))."""
    x, P, Q = _problem(8, 15, 2)
    rep = duality_report("kl", P, Q, LinearClass(features="poly", degree=2, B=2.0))
    bound = np.sqrt(2 * max(rep.primal - rep.dual, 0)) + np.sqrt(
        2 * max(rep.primal_at_refined - rep.dual, 0)
    )
    assert rep.refined_l1_to_primal <= bound + 1e-12
    assert rep.refined_l1_to_primal < 1e-3


def test_kl_identity_c5_on_finite_supports():
    """KL(P||Q_h*) = KL(P||Q) - D_KL^H(P||Q), both sides from explicit formulas."""
    x, P, Q = _problem(4, 10, 2)
    r = restricted_divergence("kl", P, Q, LinearClass(B=1.3))
    qh = Q.pmf * np.exp(r.h) / np.sum(Q.pmf * np.exp(r.h))
    assert _kl(P.pmf, qh) == pytest.approx(_kl(P.pmf, Q.pmf) - r.value, abs=1e-9)
    # refinement never hurts (0 is in the class)
    assert _kl(P.pmf, qh) <= _kl(P.pmf, Q.pmf) + 1e-12


# ----------------------------------------------------------------- errors
def test_bad_inputs_raise_clear_errors():
    x, P, Q = _problem(1, 5)
    with pytest.raises(BoundkitError, match="B"):
        restricted_divergence("kl", P, Q, LinearClass(B=0.0))
    with pytest.raises(BoundkitError, match="B"):
        primal("kl", P, Q, LinearClass(B=-1.0))
    with pytest.raises(BoundkitError, match="solver"):
        restricted_divergence("kl", P, Q, LinearClass(), solver="magic")
    with pytest.raises(BoundkitError, match="cvxpy path"):
        restricted_divergence("jeffreys", P, Q, LinearClass(), solver="cvxpy")
    with pytest.raises(BoundkitError, match="shape"):
        restricted_divergence("kl", P, Q, np.ones((2, 3)))
    with pytest.raises(BoundkitError, match="semi-definite"):
        bad = RKHSBall(kernel=lambda a, b: -np.ones((a.shape[0], b.shape[0])))
        restricted_divergence("kl", P, Q, bad)
    with pytest.raises(BoundkitError, match="dimension"):
        restricted_divergence("kl", P, FiniteDistribution([[0.0, 1.0]], [1.0]), LinearClass())
    with pytest.raises(BoundkitError, match="NaN"):
        FiniteDistribution([[0.0], [np.nan]], [0.5, 0.5])
    with pytest.raises(BoundkitError, match="sum"):
        FiniteDistribution([0.0, 1.0], [0.5, 0.6])
    with pytest.raises(BoundkitError, match="negative"):
        FiniteDistribution([0.0, 1.0], [1.5, -0.5])
    with pytest.raises(BoundkitError, match="atoms"):
        FiniteDistribution([0.0, 1.0, 2.0], [0.5, 0.5])


def test_solver_failure_is_an_error_with_status():
    x, P, Q = _problem(2, 6)
    # OSQP cannot handle the exponential cone: cvxpy refuses, boundkit raises SolverError
    with pytest.raises(SolverError, match="OSQP"):
        restricted_divergence("kl", P, Q, LinearClass(), cvxpy_solver="OSQP")


def test_total_variation_strong_duality_and_nondifferentiable_flag():
    x, P, Q = _problem(3, 8)
    rep = duality_report("total_variation", P, Q, LinearClass(B=0.3))
    assert not rep.lambda_differentiable
    assert abs(rep.primal - rep.dual) <= 1e-6 * max(1.0, rep.primal)
    # TV restricted to H is at most TV itself: 1/2 sum |p - q|
    assert rep.dual <= 0.5 * np.abs(P.pmf - Q.pmf).sum() + 1e-12


def test_user_expression_generators():
    x, P, Q = _problem(6, 7, 2)
    # an expression equal to KL is recognised by value and solved by cvxpy
    r = restricted_divergence("u*log(u)", P, Q, LinearClass(B=0.8))
    ref = restricted_divergence("kl", P, Q, LinearClass(B=0.8))
    assert r.solver.startswith("cvxpy") and r.value == pytest.approx(ref.value, rel=1e-9)
    # Neyman chi^2 = sum (p - q)^2 / p typed by hand is recognised too (cvxpy since issue 18)
    rep = duality_report("(u - 1)**2/u", P, Q, LinearClass(B=0.8))
    assert rep.dual_result.solver.startswith("cvxpy") and rep.worst_error < 1e-6
    assert rep.dual <= float(np.sum((P.pmf - Q.pmf) ** 2 / P.pmf)) + 1e-12
    # an unknown expression (Jeffreys) goes through scipy
    rep = duality_report("(u - 1)*log(u)", P, Q, LinearClass(B=0.8))
    assert rep.dual_result.solver.startswith("scipy") and rep.worst_error < 1e-6


@pytest.mark.parametrize(
    ("L", "m", "s", "B"),
    [
        (3.858, [1.514, 1.346, 0.781, 0.264], [1.813, 0.686], 3.614),
        (3.252, [0.696, -1.184, -0.662, -0.436], [0.637, 0.454], 2.824),
        (5.45, [-0.586, -1.341, -1.402, 0.503], [1.87, 0.752], 2.225),
    ],
)
def test_pearson_on_a_grid_with_quartic_features_is_solved(L, m, s, B):
    # 11 x 11 grids whose Q masses go down to 1e-33: the perspective (eta - q)^2 / q made
    # Clarabel fail ("Solver failed", optimal_inaccurate) or stop at a primal 20x the dual.
    # Weak duality makes primal - dual >= 0 a certificate; both are re-evaluated exactly.
    from boundkit.distributions import GridDensity

    ax = np.linspace(-L, L, 11)
    X, Y = np.meshgrid(ax, ax, indexing="ij")
    P = GridDensity([ax, ax], np.exp(-0.5 * ((X - m[0]) ** 2 + (Y - m[1]) ** 2) / s[0] ** 2))
    Q = GridDensity([ax, ax], np.exp(-0.5 * ((X - m[2]) ** 2 + (Y - m[3]) ** 2) / s[1] ** 2))
    cls = LinearClass("polynomial", degree=4, B=B)
    dual = restricted_divergence("pearson", P, Q, cls)
    prim = primal("pearson", P, Q, cls)
    assert prim.solver.startswith("cvxpy")
    assert -1e-9 <= prim.value - dual.value <= 1e-6 * max(1.0, dual.value)


def test_primal_auto_falls_back_to_scipy_when_cvxpy_fails():
    x, P, Q = _problem(2, 6)
    cls = LinearClass(B=1.0)
    # OSQP cannot solve the exponential cone: "cvxpy" raises, "auto" falls back and says so
    with pytest.raises(SolverError, match="OSQP"):
        primal("kl", P, Q, cls, solver="cvxpy", cvxpy_solver="OSQP")
    res = primal("kl", P, Q, cls, cvxpy_solver="OSQP")
    assert res.solver.startswith("scipy") and "cvxpy failed" in res.status
    p, q = P.weights, Q.weights
    # independent reference: the dual by L-BFGS on (w) with Lambda = log sum q e^h (KL)
    from scipy.optimize import minimize

    Phi = np.asarray(x, dtype=float).reshape(len(p), -1)

    def neg(w):
        h = Phi @ w
        return -(p @ h - logsumexp(h, b=q))

    best = minimize(
        neg,
        np.zeros(Phi.shape[1]),
        method="SLSQP",
        constraints=[{"type": "ineq", "fun": lambda w: 1.0 - w @ w}],
        options={"ftol": 1e-14, "maxiter": 500},
    )
    assert res.value == pytest.approx(-best.fun, abs=1e-6)


@pytest.mark.parametrize(("B", "exact"), [(4.0, 31.0 / 15.0), (5.0, 107.0 / 48.0)])
def test_cvxpy_pearson_dual_in_the_flat_part_of_the_conjugate(B, exact):
    # P = delta_1, Q = (0.4, 0.3, 0.3) on {-1, 0, 1}, h = w x, |w| <= B: the optimal h - nu is
    # below -2 on x = -1, where f*(t) = -1 (not t + t^2/4); by hand (C3 docs),
    # D^H = B/2 + 2/3 - 3 B^2 / 80. The unpolished cvxpy solution is the cvxpy form's own.
    atoms = np.array([[-1.0], [0.0], [1.0]])
    P = FiniteDistribution(atoms, np.array([0.0, 0.0, 1.0]))
    Q = FiniteDistribution(atoms, np.array([0.4, 0.3, 0.3]))
    r = restricted_divergence("pearson", P, Q, LinearClass(p=2, B=B), polish=False)
    assert r.solver.startswith("cvxpy")
    assert r.value == pytest.approx(exact, rel=1e-8)
    assert (r.h - r.nu)[0] < -2.0
