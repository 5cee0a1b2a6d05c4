"""Closed-form C9 bounds: values by hand, and they bracket exact complexities."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from boundkit import BoundkitError
from boundkit.classes import FiniteClass, LinearClass, ReLUNetwork2, RKHSBall
from boundkit.complexity import (
    ComplexityBound,
    class_bounds,
    contraction_bound,
    empirical_rademacher,
    golowich_bound,
    khintchine_bracket,
    linear_l1_bound,
    linear_linf_bracket,
    massart_bound,
    relu2_bound,
    rkhs_trace_bracket,
)


def test_values_by_hand():
    x = np.array([[3.0, 0.0], [0.0, 4.0]])  # sum ||x||^2 = 25, n = 2
    lo, up = khintchine_bracket(x, B=2.0)
    assert up.value == pytest.approx(2 * 5 / 2) and lo.value == pytest.approx(5 / math.sqrt(2))
    assert up.kind == "upper" and lo.kind == "lower" and "sqrt" in up.formula
    assert linear_l1_bound(x, 1.0).value == pytest.approx(4 * math.sqrt(2 * math.log(4) / 2))
    lo, up = linear_linf_bracket(x, 1.0)
    assert up.value == pytest.approx((3 + 4) / 2)
    lo, up = rkhs_trace_bracket(np.diag([1.0, 3.0]), B=1.0)
    assert up.value == pytest.approx(1.0)
    assert massart_bound(np.array([[3.0, 4.0], [0.0, 1.0], [1.0, 1.0]])).value == pytest.approx(
        5 * math.sqrt(2 * math.log(3)) / 2
    )
    assert contraction_bound(0.3, 2.0).value == pytest.approx(0.6)
    assert relu2_bound(np.array([[1.0], [2.0]]), 1.5, 2.0).value == pytest.approx(
        2 * 3 * math.sqrt(2 + 5) / 2
    )
    grs = golowich_bound(np.array([[1.0], [2.0]]), [2.0, 3.0])
    assert grs.value == pytest.approx(6 * (math.sqrt(4 * math.log(2)) + 1) * math.sqrt(7) / 2)
    assert float(grs) == grs.value and isinstance(grs, ComplexityBound)
    assert grs.to_dict()["name"] == "golowich-rakhlin-shamir"


@given(st.integers(0, 2**32 - 1))
def test_bounds_bracket_exact_values(seed):
    rng = np.random.default_rng(seed)
    n, d = int(rng.integers(2, 10)), int(rng.integers(1, 4))
    x = rng.normal(size=(n, d)) * rng.uniform(0.2, 3)
    B = float(rng.uniform(0.2, 3))
    tol = 1e-12
    for cls in (
        LinearClass(p=1, B=B),
        LinearClass(p=2, B=B),
        LinearClass(p="inf", B=B),
        RKHSBall(gamma=float(rng.uniform(0.1, 2)), B=B),
    ):
        r = empirical_rademacher(cls, x, with_bounds=False).estimate
        for b in class_bounds(cls, x):
            if b.kind == "upper":
                assert r <= b.value * (1 + tol), (b.name, r, b.value)
            else:
                assert b.value <= r * (1 + tol), (b.name, r, b.value)
    H = rng.normal(size=(int(rng.integers(1, 6)), n))
    rf = empirical_rademacher(FiniteClass(H)).estimate
    assert rf <= massart_bound(H).value * (1 + tol) + 1e-15


def test_contraction_holds_on_finite_classes():
    rng = np.random.default_rng(0)
    for _ in range(10):
        H = rng.normal(size=(4, 8))
        r = empirical_rademacher(FiniteClass(H)).estimate
        for phi, L in ((np.abs, 1.0), (np.sin, 1.0), (lambda t: 3 * np.tanh(t) + 1, 3.0)):
            rphi = empirical_rademacher(FiniteClass(phi(H))).estimate
            assert rphi <= contraction_bound(r, L).value + 1e-12


def test_relu_bounds_above_exact_1d():
    x = np.random.default_rng(1).normal(size=(10, 1))
    cls = ReLUNetwork2(width=5, B1=1.3, B2=0.7, rng=0)
    r = empirical_rademacher(cls, x).estimate
    for b in class_bounds(cls, x):
        assert r <= b.value


def test_bound_errors():
    with pytest.raises(BoundkitError, match="B must"):
        khintchine_bracket(np.ones((2, 2)), B=0.0)
    with pytest.raises(BoundkitError, match="empty"):
        linear_l1_bound(np.zeros((0, 2)))
    with pytest.raises(BoundkitError, match="square"):
        rkhs_trace_bracket(np.ones((2, 3)))
    with pytest.raises(BoundkitError, match="positive semi-definite"):
        rkhs_trace_bracket(-np.eye(2))
    with pytest.raises(BoundkitError, match="NaN"):
        massart_bound(np.array([[np.nan]]))
    with pytest.raises(BoundkitError, match="Lipschitz"):
        contraction_bound(0.1, -1.0)
    with pytest.raises(BoundkitError, match="at least one layer"):
        golowich_bound(np.ones((2, 1)), [])
