"""The harness has no bound arithmetic of its own: every bound column and the figures' data come
from :mod:`boundkit.bounds`, and the toys' Rademacher terms from :mod:`boundkit.complexity`."""

from __future__ import annotations

import itertools

import matplotlib
import numpy as np
import pytest

import boundkit.bounds._formulas as formulas
from boundkit.bounds import bound
from boundkit.complexity import ExpectedRademacherResult, RademacherResult
from boundkit.simulation import get_toy, simulate, toy_names

matplotlib.use("Agg")

KW = {"n_replicates": 6, "seed": 2, "n_mc": 40, "block_size": 3, "progress": False}


def _c6a_line(result):
    from boundkit.plotting import plot_bound_vs_gap

    ax = plot_bound_vs_gap(result)
    label = next(ln for ln in ax.get_lines() if ln.get_label().startswith("C6a"))
    return np.asarray(label.get_ydata())


def test_a_wrong_multiplier_in_bounds_changes_the_columns_and_the_figure(monkeypatch):
    import matplotlib.pyplot as plt

    good = simulate("finite", [5, 20], **KW)
    good_line = _c6a_line(good)
    good_hp = good.hp_bound("C6b", 0.3)
    rn = good.column("rademacher_n")
    best = good.population["divergence_best"]
    np.testing.assert_allclose(good.column("bound_C6a") - best, 2 * rn, rtol=1e-13)
    np.testing.assert_allclose(good_line, 2 * rn[[0, KW["n_replicates"]]], rtol=1e-12)
    true = formulas.rademacher_multiplier
    monkeypatch.setattr(formulas, "rademacher_multiplier", lambda c: true(c) + 1.0)
    bad = simulate("finite", [5, 20], **KW)
    np.testing.assert_allclose(bad.column("bound_C6a") - best, 3 * rn, rtol=1e-13)
    np.testing.assert_allclose(
        bad.column("bound_C6c") - good.column("bound_C6c"), bad.column("rademacher_s"), rtol=1e-12
    )
    ipm_bound = bad.column("c7_rhs_expectation") - good.column("c7_rhs_expectation")
    np.testing.assert_allclose(ipm_bound, rn, rtol=1e-12)
    np.testing.assert_allclose(_c6a_line(bad), 1.5 * good_line, rtol=1e-12)
    # the high-probability bound at another delta (calibration figure) moves as well
    np.testing.assert_allclose(bad.hp_bound("C6b", 0.3) - good_hp, rn, rtol=1e-12)
    plt.close("all")


def test_a_wrong_deviation_term_changes_c6c(monkeypatch):
    good = simulate("finite", [5, 20], **KW)
    true = formulas.deviation_term
    monkeypatch.setattr(
        formulas,
        "deviation_term",
        lambda claim, *a: true("C6b" if claim == "C6c" else claim, *a),
    )
    bad = simulate("finite", [5, 20], **KW)
    assert np.all(bad.column("bound_C6c") < good.column("bound_C6c"))
    np.testing.assert_array_equal(bad.column("bound_C6b"), good.column("bound_C6b"))


def test_harness_columns_equal_bound_results():
    res = simulate("finite", [5, 20], **KW)
    vr = res.value_range
    best = res.population["divergence_best"]
    for i in (0, 7):
        n = int(res.table["n"][i])
        common = {"population": best, "value_range": vr}
        c6b = bound(
            "C6b", "kl", "poly", n, res.delta, rademacher=res.table["rademacher_n"][i], **common
        )
        c6c = bound(
            "C6c", "kl", "poly", n, res.delta, rademacher=res.table["rademacher_s"][i], **common
        )
        c7 = bound(
            "C7",
            "kl",
            "poly",
            n,
            res.delta,
            population=res.population["ipm_base"],
            rademacher=res.table["rademacher_n"][i],
            refinement_divergence=res.table["divergence_refinement"][i],
        )
        assert res.table["bound_C6b"][i] == c6b.value
        assert res.table["bound_C6c"][i] == c6c.value
        assert res.table["c7_rhs_expectation"][i] == c7.value


@pytest.mark.parametrize("name", ["finite", "gauss1d-quadratic", "mixture1d"])
def test_toys_use_one_rademacher_result_type(name):
    toy = get_toy(name)
    est = toy.rademacher(8, rng=0, n_mc=40)
    assert isinstance(est, ExpectedRademacherResult)
    emp = toy.empirical_rademacher(toy.P.sample(8, rng=1), rng=2, n_mc=40)
    assert isinstance(emp, RademacherResult)


def test_finite_toy_rs_matches_brute_force_enumeration():
    """R_S of the toy's class (B/n E||sum sigma_i phi(x_i)||_2, the same norm as the toy's IPM)
    against an enumeration of all 2^n sign vectors written here."""
    toy = get_toy("finite")
    x = toy.P.sample(9, rng=4)
    phi = np.stack([x[:, 0] ** j for j in range(1, toy.degree + 1)], -1)
    signs = np.array(list(itertools.product((-1.0, 1.0), repeat=9)))
    brute = toy.B / 9 * np.linalg.norm(signs @ phi, axis=1).mean()
    got = toy.empirical_rademacher(x, rng=0)
    assert got.method == "exact-enumeration"
    assert got.estimate == pytest.approx(brute, rel=1e-12)


def test_rademacher_s_column_is_the_complexity_of_the_replicate_sample():
    """Per replicate the harness stores R_S of the replicate's own sample (same stream)."""
    toy = get_toy("finite")
    res = simulate(toy, [6], **KW)
    from boundkit.simulation._seeding import block_seeds

    ss = block_seeds(KW["seed"], 6, 0, 1)[0]
    gen = np.random.default_rng(ss)
    counts = gen.multinomial(6, toy.p)
    sample = toy.atoms[np.repeat(np.arange(toy.p.size), counts)][:, None]
    exact = toy.empirical_rademacher(sample, rng=0).estimate  # exact: independent of rng
    assert res.table["rademacher_s"][0] == pytest.approx(exact, rel=1e-12)


def test_every_builtin_toy_has_a_discriminator_class():
    for name in toy_names():
        toy = get_toy(name)
        assert hasattr(toy.cls, "support_function"), name


def test_solver_objective_agrees_with_the_kernel():
    """The batched Newton solver's objective (the kernel's primitive ``log_partition`` on
    log q + H, its inner loop) against Lambda_KL from the kernel's general entry point, and
    the refined log-weights of ``tilt`` (kernel) normalised."""
    from boundkit.generators import log_partition, shift_functional
    from boundkit.simulation._linear_kl import tilt

    toy = get_toy("mixture1d")
    g = {"phi": toy.phi(toy.support.x), "logq": np.log(toy.support.q)}
    w = np.random.default_rng(0).normal(size=(7, g["phi"].shape[1]))
    H = w @ g["phi"].T
    kernel = shift_functional("kl", H, np.exp(g["logq"])).value
    np.testing.assert_allclose(log_partition(g["logq"][None, :] + H), kernel, rtol=1e-13)
    log_qw, lam = tilt(g["logq"], g["phi"], w)
    np.testing.assert_array_equal(lam, kernel)
    np.testing.assert_allclose(np.exp(log_qw).sum(1), 1.0, rtol=1e-13)


def test_one_is_kl_for_bounds_and_harness():
    """C6 applies to every spelling of KL (the kernel's is_kl), and to nothing else."""
    for name in ("kl", "kullback_leibler", "forward_kl", "u*log(u)", "kl_standard"):
        assert bound("C6a", name, "c", 10, population=0.1, rademacher=0.1).value > 0
    from boundkit import BoundkitError

    with pytest.raises(BoundkitError, match="stated for the KL generator"):
        bound("C6a", "reverse_kl", "c", 10, population=0.1, rademacher=0.1)
