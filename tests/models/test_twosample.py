"""The MMD two-sample test: statistic against a direct double loop, valid p-values, power."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from boundkit.models import mmd_test


def _mmd2_loops(x, y, ell):
    k = lambda a, b: np.exp(-np.sum((a - b) ** 2) / (2 * ell * ell))  # noqa: E731
    n, m = len(x), len(y)
    sxx = sum(k(x[i], x[j]) for i in range(n) for j in range(n) if i != j) / (n * (n - 1))
    syy = sum(k(y[i], y[j]) for i in range(m) for j in range(m) if i != j) / (m * (m - 1))
    sxy = sum(k(x[i], y[j]) for i in range(n) for j in range(m)) / (n * m)
    return sxx + syy - 2 * sxy


def test_statistic_matches_the_definition():
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(12, 2)), rng.normal(0.5, 1, size=(9, 2))
    r = mmd_test(x, y, bandwidth=0.7, n_permutations=10, rng=0)
    assert r.statistic == pytest.approx(_mmd2_loops(x, y, 0.7), rel=1e-12)


def test_p_values_are_valid_under_the_null():
    # 200 null tests: the p-values are super-uniform; the fraction below 0.1 is compared with
    # Binomial(200, 0.1) at level 1e-3 (false-failure probability <= 1e-3)
    rng = np.random.default_rng(1)
    ps = [
        mmd_test(
            rng.normal(size=(20, 2)), rng.normal(size=(20, 2)), n_permutations=99, rng=rng
        ).p_value
        for _ in range(200)
    ]
    below = int(np.sum(np.asarray(ps) <= 0.1))
    assert stats.binomtest(below, 200, 0.1, alternative="greater").pvalue > 1e-3


def test_power_against_a_shift():
    rng = np.random.default_rng(2)
    r = mmd_test(rng.normal(size=(80, 2)), rng.normal(1.0, 1, size=(80, 2)), rng=3)
    assert r.p_value < 0.01
