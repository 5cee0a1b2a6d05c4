"""The box family's exact R_S by coordinates and its lumped form at large k (issue 17: the
near-tight C6b/C6c instances)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from boundkit.claims._families import (
    _c7_lhs_part,
    _hp_excess_part,
    _rs_profile,
    abs_sign_sum,
    lumped_box_c7_space,
    lumped_box_counts,
    lumped_box_hp_space,
)
from boundkit.classes import LinearClass
from boundkit.complexity import empirical_rademacher


@pytest.mark.parametrize("c", [1, 2, 3, 4, 7, 12])
def test_abs_sign_sum_matches_the_binomial_closed_form(c):
    # E|S_c| = c * binom(c - 1, floor((c - 1) / 2)) / 2^(c - 1)
    expected = c * math.comb(c - 1, (c - 1) // 2) / 2 ** (c - 1)
    assert abs_sign_sum(c) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("profile", [(1,), (1, 1, 1), (1, 2), (2, 3), (1, 1, 4), (1, 2, 3, 2)])
def test_rs_profile_matches_the_full_enumeration(profile):
    k = len(profile)
    x = np.repeat(np.eye(k), profile, axis=0)
    full = empirical_rademacher(LinearClass(p="inf", B=1.0), x, method="exact").estimate
    assert _rs_profile(tuple(profile)) == pytest.approx(float(full), rel=1e-12)


@pytest.mark.parametrize("claim", ["C6b", "C6c"])
def test_lumping_the_atoms_not_drawn_changes_nothing(claim):
    # the same samples on all k atoms and in lumped form give the same excess and bound part
    k, n, B, eps, R = 9, 4, 1.3, 1e-3, 30
    rng = np.random.default_rng(5)
    counts, pv, q = lumped_box_counts(k, n, eps, R, rng)
    draws = np.sort(np.random.default_rng(5).integers(0, k, size=(R, n)), axis=1)
    full = np.stack([np.bincount(row, minlength=k) for row in draws])
    pv_full = np.full(k, 1.0 / k)
    q_full = np.concatenate([[1.0 - eps], np.full(k, eps / k)])
    a = _hp_excess_part(counts, pv, q, B, claim, 0.3)
    b = _hp_excess_part(full, pv_full, q_full, B, claim, 0.3)
    np.testing.assert_allclose(a["excess"], b["excess"], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(a["part"], b["part"], rtol=1e-12)
    assert np.all(counts.sum(axis=1) == n) and pv.sum() == pytest.approx(1.0)


def test_lumped_start_is_near_tight_for_c6c():
    # theory: tightness -> 1 / (1 + 4 sqrt(log(3/delta)/(2n))) = 0.85 at n = 300, delta = 0.9
    space = lumped_box_hp_space("C6c")
    t = space.violation(space.starts[0]) + 1.0
    assert 0.8 < t < 1.0


@pytest.mark.parametrize("k", [3, 10, 11])
def test_lumped_family_is_finite_when_k_is_at_most_n(k):
    # k <= n once left the lump without P-mass: log(0) made the tightness NaN
    space = lumped_box_hp_space("C6c", replicates=20)
    v = space.violation(
        {"log10_k": float(np.log10(k)), "n": 10, "B": 1.0, "log10_eps": -1.0, "delta": 0.5}
    )
    assert np.isfinite(v)


def test_lumping_changes_nothing_for_c7():
    # Q spread (q_0 small): the refined model, its KL and both IPMs are unchanged by lumping
    k, n, B, q0, R = 9, 3, 2.0, 1e-3, 25
    counts, pv, q = lumped_box_counts(k, n, 1.0 - q0, R, np.random.default_rng(8))
    draws = np.sort(np.random.default_rng(8).integers(0, k, size=(R, n)), axis=1)
    full = np.stack([np.bincount(row, minlength=k) for row in draws])
    q_full = np.concatenate([[q0], np.full(k, (1.0 - q0) / k)])
    a = _c7_lhs_part(counts, pv, q, B)
    b = _c7_lhs_part(full, np.full(k, 1.0 / k), q_full, B)
    np.testing.assert_allclose(a["lhs"], b["lhs"], rtol=1e-9, atol=1e-12)
    assert a["part"] == pytest.approx(b["part"], rel=1e-12)


def test_lumped_c7_start_is_near_tight():
    # theory: about 1 - (1 + log 2B)/(4B) = 0.87 at B = 12, against 0.68 on the small family
    space = lumped_box_c7_space()
    t = space.violation(space.starts[0]) + 1.0
    assert 0.8 < t < 1.0
