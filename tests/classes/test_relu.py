"""ReLUNetwork2 and the one-neuron suprema: exact 1-D sweep vs independent brute force."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.optimize import minimize_scalar

from boundkit import BoundkitError
from boundkit.classes import ReLUNetwork2, neuron_sup_search, neuron_sup_sweep
from boundkit.complexity import empirical_rademacher


def _g(theta, y, v):
    u = np.array([np.cos(theta), np.sin(theta)])
    return float(np.maximum(y @ u, 0.0) @ v)


def _brute_circle_max(y, v, grid=20001):
    """Independent reference: dense grid, then bounded Brent refinement around the best cells."""
    th = np.linspace(0.0, 2 * np.pi, grid)
    U = np.stack([np.cos(th), np.sin(th)], axis=1)
    vals = np.maximum(U @ y.T, 0.0) @ v
    best = vals.max()
    step = th[1] - th[0]
    for k in np.argsort(vals)[-8:]:
        res = minimize_scalar(
            lambda t: -_g(t, y, v),
            bounds=(th[k] - step, th[k] + step),
            method="bounded",
            options={"xatol": 1e-13},
        )
        best = max(best, -res.fun)
    return best


@pytest.mark.parametrize("seed", range(6))
def test_sweep_matches_brute_force(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 12))
    y = np.column_stack([rng.normal(size=n), np.ones(n)])
    v = rng.normal(size=n)
    got, theta = neuron_sup_sweep(y, v, return_argmax=True)
    assert got == pytest.approx(_brute_circle_max(y, v), abs=1e-9)
    assert _g(theta, y, v) == pytest.approx(got, abs=1e-12)  # attained at the returned angle


def test_sweep_with_ties_and_general_points():
    """Repeated points, a point on an axis and points not of the form (x, 1)."""
    rng = np.random.default_rng(7)
    y = np.array([[1.0, 1.0], [1.0, 1.0], [-2.0, 0.0], [0.0, 3.0], [0.5, -1.0], [0.0, 0.0]])
    for _ in range(5):
        v = rng.normal(size=6)
        assert neuron_sup_sweep(y, v) == pytest.approx(_brute_circle_max(y, v), abs=1e-9)


def test_sweep_columns_and_batches_agree():
    rng = np.random.default_rng(1)
    y = np.column_stack([rng.normal(size=8), np.ones(8)])
    V = rng.normal(size=(8, 5))
    cols = neuron_sup_sweep(y, V)
    assert cols.shape == (5,)
    batched = neuron_sup_sweep(np.broadcast_to(y, (5, 8, 2)), V.T)
    np.testing.assert_allclose(cols, batched, rtol=0, atol=1e-12)
    for j in range(5):
        assert neuron_sup_sweep(y, V[:, j]) == pytest.approx(cols[j], abs=1e-12)


def test_search_equals_sweep_in_1d():
    rng = np.random.default_rng(2)
    x = rng.normal(size=30)
    xt = np.column_stack([x, np.ones(30)])
    V = rng.choice([-1.0, 1.0], size=(30, 40))
    low, u = neuron_sup_search(xt, V, n_restarts=2, rng=0)
    np.testing.assert_allclose(low, neuron_sup_sweep(xt, V), atol=1e-9)
    np.testing.assert_allclose(np.linalg.norm(u, axis=1), 1.0)


@pytest.mark.parametrize("d", [2, 3])
def test_search_is_attained_and_beats_random_directions(d):
    """The value is attained at the returned u and is at least the best of 20000 random
    directions (deterministic seeds; the ascent is exact along each great circle)."""
    rng = np.random.default_rng(d)
    n = 12
    xt = np.column_stack([rng.normal(size=(n, d)), np.ones(n)])
    V = rng.normal(size=(n, 3))
    low, u = neuron_sup_search(xt, V, n_restarts=8, rng=0)
    attained = np.einsum("in,ni->i", np.maximum(u @ xt.T, 0.0), V)
    np.testing.assert_allclose(low, attained, atol=1e-12)
    U = rng.normal(size=(20000, d + 1))
    U /= np.linalg.norm(U, axis=1, keepdims=True)
    rand_best = (np.maximum(U @ xt.T, 0.0) @ V).max(axis=0)
    assert np.all(low >= rand_best - 1e-12)


def test_support_function_is_one_neuron_sup():
    """sup over the class = B1 B2 max(0, max |g|): compare with the brute-force circle max."""
    rng = np.random.default_rng(3)
    x = rng.normal(size=(7, 1))
    v = rng.normal(size=7)
    y = np.column_stack([x[:, 0], np.ones(7)])
    ref = 1.5 * 0.7 * max(0.0, _brute_circle_max(y, v), _brute_circle_max(y, -v))
    cls = ReLUNetwork2(width=5, B1=1.5, B2=0.7)
    assert cls.support_function(x, v) == pytest.approx(ref, abs=1e-9)
    assert cls.support_is_exact(x) and not cls.support_is_exact(np.ones((3, 2)))


@given(st.integers(0, 2**32 - 1))
def test_random_networks_never_beat_the_support_function(seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(6, 1))
    v = rng.normal(size=6)
    cls = ReLUNetwork2(width=4, B1=1.2, B2=0.8)
    sup = cls.support_function(x, v)
    for _ in range(10):
        prm = cls.random_params(x, rng=rng)
        b1, b2 = cls.norms(prm)
        assert b1 <= 1.2 * (1 + 1e-12) and b2 <= 0.8 * (1 + 1e-12)
        assert v @ cls.evaluate(prm, x) <= sup + 1e-12


def test_evaluate_and_project():
    cls = ReLUNetwork2(width=2, B1=1.0, B2=1.0)
    prm = {"a": np.array([2.0, -1.0]), "W": np.array([[3.0], [0.0]]), "b": np.array([4.0, 0.5])}
    x = np.array([[1.0], [-2.0]])
    # h(x) = 2 relu(3x + 4) - relu(0.5)
    np.testing.assert_allclose(cls.evaluate(prm, x), [2 * 7 - 0.5, 0.0 - 0.5])
    proj = cls.project(prm)
    np.testing.assert_allclose(proj["W"][0], [0.6])
    np.testing.assert_allclose(proj["b"], [0.8, 0.5])
    np.testing.assert_allclose(proj["a"], [1.0, 0.0])


def test_bad_inputs():
    x = np.ones((3, 1))
    with pytest.raises(BoundkitError, match="B1 must"):
        ReLUNetwork2(B1=0.0).support_function(x, np.ones(3))
    with pytest.raises(BoundkitError, match="B2 must"):
        ReLUNetwork2(B2=-1.0).support_function(x, np.ones(3))
    with pytest.raises(BoundkitError, match="NaN"):
        ReLUNetwork2().support_function(np.array([[np.nan]]), np.ones(1))
    with pytest.raises(BoundkitError, match="ReLU parameters"):
        ReLUNetwork2().evaluate({"a": 1}, x)
    with pytest.raises(BoundkitError, match="width"):
        ReLUNetwork2(width=0).random_params(x)


# -- the shared-sort sweep (both signs, cache blocks) vs brute force -----------------------------
def _grid_max(y, V, grid=40001):
    """Independent: the maximum over a dense grid of angles (error <= step * sum|v||y|)."""
    th = np.linspace(0.0, 2 * np.pi, grid)
    U = np.stack([np.cos(th), np.sin(th)], axis=1)
    G = V.T @ np.maximum(y @ U.T, 0.0)  # (m, grid)
    slack = (th[1] - th[0]) * (np.hypot(y[:, 0], y[:, 1]) @ np.abs(V))
    return G.max(axis=1), (-G).max(axis=1), slack


@pytest.mark.parametrize(
    "points", ["relu-1d", "relu-1d-ties", "general", "integer-grid", "one-point", "zeros"]
)
def test_sweep_values_match_the_grid_for_both_signs(points):
    from boundkit.classes import sweep_values

    rng = np.random.default_rng(len(points))
    n = 1 if points == "one-point" else 40
    x = rng.normal(size=n)
    y = {
        "relu-1d": np.column_stack([x, np.ones(n)]),
        "relu-1d-ties": np.column_stack([np.round(x), np.ones(n)]),
        "general": rng.normal(size=(n, 2)),
        "integer-grid": np.round(rng.normal(size=(n, 2))),  # ties, zeros, antipodal points
        "one-point": np.array([[0.7, 0.8]]),
        "zeros": np.vstack([np.zeros((3, 2)), rng.normal(size=(max(n - 3, 0), 2))]),
    }[points]
    V = np.hstack([np.where(rng.random((n, 150)) < 0.5, -1.0, 1.0), rng.normal(size=(n, 50))])
    plus, minus = sweep_values(y, V)
    gp, gm, slack = _grid_max(y, V)
    # the grid never exceeds the true maximum, and misses it by at most step * max|g'|
    assert np.all(plus >= gp - 1e-9) and np.all(plus <= gp + slack + 1e-12)
    assert np.all(minus >= gm - 1e-9) and np.all(minus <= gm + slack + 1e-12)
    # the sweep with maximising angles (the optimiser's kernel) gives the same values
    np.testing.assert_allclose(plus, neuron_sup_sweep(y, V, return_argmax=True)[0], atol=1e-9)


@pytest.mark.parametrize("points", ["relu-1d", "general"])
def test_sweep_values_are_blocked_without_changing_values(monkeypatch, points):
    """Every state is a sequential sum in event order and the examined arcs are those that can
    beat the final maximum, so the blocking changes no bit: column blocks, event blocks,
    candidate sub-blocks (a partial last one) and chunks of recomputed sub-blocks."""
    import boundkit.classes._sweep as sw

    rng = np.random.default_rng(5)
    x = rng.normal(size=300)
    y = np.column_stack([x, np.ones(300)]) if points == "relu-1d" else rng.normal(size=(300, 2))
    V = np.where(rng.random((300, 70)) < 0.5, -1.0, 1.0)
    V[:, 0] = 0.0  # every breakpoint is a candidate
    V[:, 1] = 1.0
    V[:, 2:10] = rng.normal(size=(300, 8))
    whole = sw.sweep_values(y, V)
    monkeypatch.setattr(sw, "SWEEP_COLS", 8)
    monkeypatch.setattr(sw, "SWEEP_CHUNK", 8 * 37)  # 37 events per block: many carries
    monkeypatch.setattr(sw, "SWEEP_SUB", 7)  # 600 = 85 * 7 + 5
    monkeypatch.setattr(sw, "_PAIR_CHUNK", 5)
    blocked = sw.sweep_values(y, V)
    np.testing.assert_array_equal(blocked[0], whole[0])
    np.testing.assert_array_equal(blocked[1], whole[1])
    assert whole[0][0] == 0.0 and whole[1][0] == 0.0


def test_int8_signs_give_the_float_values():
    """The Monte Carlo kernel gathers int8 signs: the products and sums are those of floats."""
    from boundkit.classes import sweep_values

    rng = np.random.default_rng(6)
    y = np.column_stack([np.round(rng.normal(size=500), 1), np.ones(500)])  # with ties
    S = np.where(rng.random((500, 300)) < 0.5, -1.0, 1.0)
    got = sweep_values(y, S.astype(np.int8), v_bound=1.0)
    want = sweep_values(y, S)
    np.testing.assert_array_equal(got[0], want[0])
    np.testing.assert_array_equal(got[1], want[1])


def test_sweep_starts_where_fewest_points_are_active():
    """The sweep starts in the longest gap with the fewest active points: none for y = (x, 1)
    (so its first state needs no product); for general points, the fewest over the middles of
    all gaps (brute force), and the values still match the grid (test above)."""
    import boundkit.classes._sweep as sw

    rng = np.random.default_rng(9)
    for n in [1, 2, 3, 17, 60, 500]:
        x = rng.normal(size=n) * rng.exponential()
        assert sw._Events(np.column_stack([x, np.ones(n)])).ref is None
    for _ in range(10):
        y = rng.normal(size=(25, 2)) + rng.normal(size=2)
        ev = sw._Events(y)
        alpha = np.arctan2(y[:, 1], y[:, 0])
        beta = np.sort(np.concatenate([alpha - np.pi / 2, alpha + np.pi / 2]) % (2 * np.pi))
        beta = np.append(beta, beta[0] + 2 * np.pi)
        gaps = np.diff(beta)
        mids = (beta[:-1] + gaps / 2)[gaps >= 1e-3 * gaps.max()]
        counts = (np.stack([np.cos(mids), np.sin(mids)], 1) @ y.T > 0).sum(axis=1)
        at_start = 0 if ev.ref is None else int((ev.ref != 0).any(axis=1).sum())
        assert at_start == counts.min()


def test_relu_rademacher_in_1d_runs_no_search(monkeypatch):
    """The exact sweep is the answer in 1-D: the great-circle search must not run."""
    import boundkit.classes._sweep as sw
    import boundkit.complexity._empirical as emp

    def no_search(*args, **kwargs):
        raise AssertionError("neuron_sup_search called for a 1-D network")

    monkeypatch.setattr(sw, "neuron_sup_search", no_search)
    monkeypatch.setattr(emp._Oracle, "lower", no_search)
    cls = ReLUNetwork2(width=3)
    x = np.random.default_rng(0).normal(size=(9, 1))
    ex = empirical_rademacher(cls, x, method="exact")
    mc = empirical_rademacher(cls, np.vstack([x] * 50), n_sigmas=40, rng=1)
    assert ex.lower == ex.estimate and mc.lower == mc.estimate
    assert ex.estimate == pytest.approx(
        np.mean([cls.support_function(x, s) for s in _all_signs(9)]) / 9, rel=1e-12
    )


def _all_signs(n):
    import itertools

    return [np.array(s) for s in itertools.product([-1.0, 1.0], repeat=n)]
