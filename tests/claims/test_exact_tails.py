"""Exact tails of the deviation terms (issue 17): the enumeration engine against independent
references, and the near-tight two-point / finite-class families against a halved constant."""

from __future__ import annotations

import math
from fractions import Fraction as F

import numpy as np
import pytest

from boundkit.claims._exact_tails import (
    compositions,
    quantile_ratio,
    sample_table,
    tail_probability,
)
from boundkit.claims._families_exact import two_point_space, uniform_deviation_space

from ._mutants import by_name


def test_compositions_count():
    for n, k in ((3, 2), (4, 3), (6, 4)):
        c = compositions(n, k)
        assert len(c) == math.comb(n + k - 1, k - 1) == len(set(c))
        assert all(sum(v) == n and min(v) >= 0 for v in c)


def test_two_point_tail_is_the_binomial_sum():
    # reference: P(w (p - K/n) > t) = sum_{K < n (p - t/w)} C(n, K) p^K (1-p)^(n-K), by hand
    n, p, w, t = 7, F(3, 10), F(2), F(1, 5)
    table = sample_table([1 - p, p], [[F(0), w]], n)
    got = tail_probability([d - t for d in table.sup_dev], table.prob)
    terms = [math.comb(n, K) * p**K * (1 - p) ** (n - K) for K in range(n + 1)]
    ref = sum((b for K, b in enumerate(terms) if w * (p - F(K, n)) > t), F(0))
    assert got == ref and sum(table.prob) == 1


def test_rademacher_counts_match_enumeration_over_signs():
    from boundkit.classes import FiniteClass
    from boundkit.complexity import empirical_rademacher

    h = [[F(0), F(1, 2), F(1)], [F(1), F(0), F(1, 4)], [F(3, 4), F(3, 4), F(0)]]
    table = sample_table([F(1, 3), F(1, 6), F(1, 2)], h, 4)
    hv = np.array([[float(v) for v in row] for row in h])
    for c, rs in zip(table.counts, table.rs, strict=True):
        idx = np.repeat(np.arange(3), c)
        ref = empirical_rademacher(FiniteClass(hv[:, idx]), None, method="exact", with_bounds=False)
        assert float(rs) == pytest.approx(ref.estimate, abs=1e-12)
    # a class of one function has R_S = 0 (no absolute value)
    assert all(r == 0 for r in sample_table([F(1, 2)] * 2, [[F(0), F(1)]] * 3, 3).rs)


def test_quantile_ratio_is_the_smallest_passing_factor():
    ratios, prob = [F(3), F(1), F(-1)], [F(1, 10), F(3, 10), F(6, 10)]
    assert quantile_ratio(ratios, prob, F(1, 20)) == 3
    assert quantile_ratio(ratios, prob, F(1, 10)) == 1  # P(r >= 3) = 0.1 is not > 0.1
    assert quantile_ratio(ratios, prob, F(1, 2)) == -1


@pytest.mark.parametrize("claim", ["hoeffding", "C6b", "C6c"])
def test_two_point_start_is_near_tight(claim):
    s = two_point_space(claim)
    v = s.violation(dict(s.starts[0]))
    assert -0.12 < v < 0.0  # tightness about 0.9: a halved term would fail
    d = s.describe(dict(s.starts[0]))
    assert F(d["exact_tail"]) <= F(d["level"])


def test_finite_class_start_is_hoeffding():
    s = uniform_deviation_space("rn")
    assert -0.15 < s.violation(dict(s.starts[0])) < 0.0


@pytest.mark.parametrize(
    "mutant", ["Hoeffding/McDiarmid deviation halved", "Hoeffding exponent 2 read as 8 (2n -> 8n)"]
)
@pytest.mark.parametrize(
    "space",
    [
        two_point_space("hoeffding"),
        two_point_space("C6b"),
        two_point_space("C6c"),
        uniform_deviation_space("rn"),
    ],
    ids=lambda s: s.name,
)
def test_halved_deviation_fails_exactly(space, mutant, monkeypatch):
    start = dict(space.starts[0])
    assert space.violation(start) < 0.0
    by_name(mutant).apply(monkeypatch)
    assert space.violation(start) > 0.5  # the exact tail exceeds its level
    d = space.describe(start)
    assert F(d["exact_tail"]) > (F(d["level"]) if "level" in d else F(d["delta"]))
