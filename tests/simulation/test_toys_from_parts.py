"""The built-in toys are named Experiments: each rebuilt from its parts with
``Experiment(...)``, as a user would, gives the registered toy's population and every column."""

from __future__ import annotations

import numpy as np
import pytest

from boundkit import BoundkitError
from boundkit.classes import LinearClass, ReLUNetwork2, RKHSBall
from boundkit.distributions import Gaussian, GaussianMixture
from boundkit.models import NystromFeatures
from boundkit.simulation import Experiment, get_toy, simulate

#: |h| <= B ||phi||_2 <= B sqrt(2) for random Fourier features (B = 2)
RFF_RANGE = (-2.0 * np.sqrt(2.0), 2.0 * np.sqrt(2.0))
KW = {"n_replicates": 4, "seed": 5, "n_mc": 20, "block_size": 2, "progress": False}


def _mixture1d_p():
    return GaussianMixture([0.75, 0.25], [[-1.0], [2.0]], [[[0.6**2]], [[0.4**2]]])


def _cells(half, n_grid, dim=1):
    """The box of n_grid cells whose midpoints are linspace(-half, half, n_grid)."""
    d = 2 * half / (n_grid - 1)
    return [[-half - d / 2, half + d / 2]] * dim


def _moment_matched(P):
    """The Gaussian with P's mean and covariance (the toys' base Q), computed here."""
    mean = P.weights @ P.means
    cov = sum(
        w * (c + np.outer(m - mean, m - mean))
        for w, m, c in zip(P.weights, P.means, P.covs, strict=True)
    )
    return Gaussian(mean, cov)


def _user(name):
    """(P, Q, class, Experiment keywords) of each built-in toy, from the documented parts."""
    rbf = RKHSBall("rbf", gamma=0.5)
    if name == "mixture2d":
        ang = np.linspace(0, 2 * np.pi, 6, endpoint=False)
        means = 2.0 * np.stack([np.cos(ang), np.sin(ang)], -1)
        P = GaussianMixture(np.full(6, 1 / 6), means, np.stack([0.16 * np.eye(2)] * 6))
        cls = LinearClass("rff", n_components=16, gamma=0.5, rng=0, p=2, B=2.0)
        grid = {"box": _cells(7.0, 61, 2), "n_grid": 61}
        return P, _moment_matched(P), cls, {**grid, "value_range": RFF_RANGE}
    P = _mixture1d_p()
    Q = _moment_matched(P)
    grid = {"box": _cells(7.0, 401), "n_grid": 401}
    if name == "mixture1d":
        cls = LinearClass("rff", n_components=12, gamma=0.5, rng=0, p=2, B=2.0)
    elif name == "mixture1d-rkhs":
        z = np.linspace(-4.2, 4.2, 15)[:, None]
        cls = LinearClass(NystromFeatures(rbf, z), p=2, B=2.0)
        return P, Q, cls, {**grid, "value_range": (-2.0, 2.0)}
    elif name == "mixture1d-kde":
        # Q memorises 40 points of P drawn from the toy's configuration seed
        Q = get_toy(name).Q
        cls = LinearClass("rff", n_components=12, gamma=0.5, rng=0, p=2, B=2.0)
        grid = {"box": _cells(7.0, 801), "n_grid": 801}
    else:  # mixture1d-relu: the population fit gets twice the restarts
        net = {"B1": 1.0, "B2": 2.0, "max_iter": 200}
        cls = ReLUNetwork2(8, n_restarts=2, **net)
        return P, Q, cls, {**grid, "population_class": ReLUNetwork2(8, n_restarts=4, **net)}
    return P, Q, cls, {**grid, "value_range": RFF_RANGE}


@pytest.mark.parametrize(
    "name", ["mixture1d", "mixture2d", "mixture1d-rkhs", "mixture1d-kde", "mixture1d-relu"]
)
def test_builtin_toy_equals_the_experiment_of_its_parts(name):
    toy = get_toy(name)
    P, Q, cls, kw = _user(name)
    ex = Experiment(P, Q, cls, "kl", name="mine", population="grid", **kw)
    assert isinstance(toy, Experiment) and toy.population_kind == "grid"
    assert ex.population() == toy.population()
    sizes = [5, 30] if name != "mixture1d-relu" else [8]
    a, b = simulate(toy, sizes, **KW), simulate(ex, sizes, **KW)
    assert set(a.table) == set(b.table)
    for k in a.table:
        if k != "toy":
            assert np.array_equal(a.table[k], b.table[k]), (name, k)


def _gauss_parts(B=0.4):
    P, Q = Gaussian([0.5], [[0.7**2]]), Gaussian([0.0], [[1.0]])
    return P, Q, LinearClass("poly", degree=2, p=2, B=B)


def test_gauss1d_equals_the_closed_form_experiment_of_its_parts():
    toy = get_toy("gauss1d-quadratic")
    P, Q, cls = _gauss_parts()
    ex = Experiment(P, Q, cls, "kl", name="mine", population="closed-form")
    assert isinstance(toy, Experiment) and toy.population_kind == "closed-form"
    assert ex.population() == toy.population()
    a, b = simulate(toy, [5, 30, 200], **KW), simulate(ex, [5, 30, 200], **KW)
    assert set(a.table) == set(b.table) and "theta_0" in a.table
    for k in a.table:
        if k != "toy":
            assert np.array_equal(a.table[k], b.table[k]), k


def test_closed_form_population_against_grid_quadrature():
    """The closed forms against the independent grid path (midpoint quadrature, batched Newton
    on the grid, the shared kernels): every term within the reported quadrature error."""
    P, Q, cls = _gauss_parts()
    exact = Experiment(P, Q, cls, "kl", population="closed-form").population()
    grid = Experiment(P, Q, cls, "kl", population="grid", n_grid=2001).population()
    assert grid.quadrature_error < 1e-8
    for k in ("divergence_base", "divergence_best", "restricted_divergence", "ipm_base"):
        got, want = getattr(grid, k), getattr(exact, k)
        assert abs(got - want) <= max(grid.quadrature_error, 1e-10), (k, got, want)
    assert exact.divergence_best < exact.divergence_base  # a non-trivial refinement


@pytest.mark.parametrize(
    "change, match",
    [
        ({"P": Gaussian([0.0, 0.0], np.eye(2)), "Q": Gaussian([0.0, 0.0], np.eye(2))}, "1-D"),
        ({"cls": LinearClass("poly", degree=3, B=0.4)}, "quadratic class"),
        ({"cls": LinearClass("poly", degree=2, p=1, B=0.4)}, "quadratic class"),
        ({"generator": "pearson"}, "KL refinement"),
        ({"cls": LinearClass("poly", degree=2, B=0.6)}, "B must be in"),
        ({"value_range": (-1.0, 1.0)}, "unbounded"),
    ],
)
def test_closed_form_refuses_what_it_does_not_compute(change, match):
    P, Q, cls = _gauss_parts()
    args = {"P": P, "Q": Q, "cls": cls, "generator": "kl"} | change
    extra = {"value_range": args.pop("value_range")} if "value_range" in args else {}
    with pytest.raises(BoundkitError, match=match):
        Experiment(
            args["P"], args["Q"], args["cls"], args["generator"], population="closed-form", **extra
        )


def test_asymptotic_moments_of_a_user_experiment_are_the_toys():
    """linear_kl_moments reads any KL Experiment (closed form, finite, grid), so the
    prediction of a user's experiment is the registered toy's."""
    from boundkit.simulation import linear_kl_moments

    P, Q, cls = _gauss_parts()
    user_gauss = Experiment(P, Q, cls, "kl", population="closed-form")
    P1, Q1, cls1, kw = _user("mixture1d")
    user_mix = Experiment(P1, Q1, cls1, "kl", population="grid", **kw)
    for name, ex in (("gauss1d-quadratic", user_gauss), ("mixture1d", user_mix)):
        a, b = linear_kl_moments(name), linear_kl_moments(ex)
        for field in ("mean_p", "cov_p", "mean_star", "cov_star", "w_star"):
            assert np.array_equal(getattr(a, field), getattr(b, field)), (name, field)
