"""FiniteClass: lookups on a support, members, convex hull, errors."""

from __future__ import annotations

import numpy as np
import pytest

from boundkit import BoundkitError
from boundkit.classes import FiniteClass

VALUES = np.array([[1.0, -1.0, 0.5], [0.0, 2.0, -1.0]])
SUPPORT = np.array([[0.0], [1.0], [3.0]])


def test_support_function_is_max_over_rows():
    cls = FiniteClass(VALUES)
    v = np.array([1.0, 1.0, 1.0])
    assert cls.support_function(None, v) == pytest.approx(max(0.5, 1.0))
    V = np.array([[1.0, -1.0], [0.0, 1.0], [2.0, 0.0]])
    np.testing.assert_allclose(cls.support_function(None, V), [2.0, 2.0])


def test_support_lookup_with_repeats():
    cls = FiniteClass(VALUES, support=SUPPORT)
    x = np.array([[3.0], [0.0], [3.0]])
    np.testing.assert_array_equal(cls.values_on(x), [[0.5, 1.0, 0.5], [-1.0, 0.0, -1.0]])
    assert cls.evaluate(1, x).tolist() == [-1.0, 0.0, -1.0]
    # a member of the convex hull
    np.testing.assert_allclose(cls.evaluate(np.array([0.25, 0.75]), x), [-0.625, 0.25, -0.625])


def test_convex_hull_members_are_dominated():
    rng = np.random.default_rng(0)
    cls = FiniteClass(rng.normal(size=(4, 6)))
    for _ in range(20):
        v = rng.normal(size=6)
        lam = rng.dirichlet(np.ones(4))
        assert v @ cls.evaluate(lam, None) <= cls.support_function(None, v) + 1e-12


def test_errors():
    with pytest.raises(BoundkitError, match="not in the support"):
        FiniteClass(VALUES, support=SUPPORT).values_on(np.array([[2.0]]))
    with pytest.raises(BoundkitError, match="rows"):
        FiniteClass(VALUES).support_function(np.ones((4, 1)), np.ones(4))
    with pytest.raises(BoundkitError, match="NaN"):
        FiniteClass(np.array([[np.nan, 1.0]])).support_function(None, np.ones(2))
    with pytest.raises(BoundkitError, match="non-empty"):
        FiniteClass(np.zeros((0, 3))).support_function(None, np.ones(3))
    with pytest.raises(BoundkitError, match="out of range"):
        FiniteClass(VALUES).evaluate(5, None)
    with pytest.raises(BoundkitError, match="weights"):
        FiniteClass(VALUES).evaluate(np.array([0.5, 0.6]), None)
    with pytest.raises(BoundkitError, match="support"):
        FiniteClass(VALUES).fit(np.zeros((2, 1)), "kl", np.zeros((2, 1)), np.ones(2) / 2)
