"""Hostile inputs to the bound calculator: tiny delta, huge ranges, negative population terms."""

from __future__ import annotations

import math

import pytest

from boundkit import BoundkitError
from boundkit.bounds import bound, deviation_term, log_inverse_delta


def test_tiny_delta_is_finite():
    r = bound("C6b", "kl", "c", 100, 1e-320, population=0.1, rademacher=0.01, value_range=(-1, 1))
    expect = 2 * 2 * math.sqrt((math.log(2) - math.log(1e-320)) / 200)
    assert math.isfinite(r.value)
    assert r.terms["deviation"] == pytest.approx(expect, rel=1e-14)
    # 1e-320 is subnormal (not exactly 10^-320): compare with its own logarithm
    assert float(log_inverse_delta(3.0, 1e-320)) == math.log(3) - math.log(1e-320)
    assert math.isfinite(float(deviation_term("C6c", 2, 5e-324, 1.0)))


def test_huge_range_does_not_overflow():
    """B = 1e308: b - a overflows but the deviation term 2 (b - a) sqrt(log(2/delta)/(2n)) does
    not (it is below the largest float for n = 10^4)."""
    B = 1e308
    r = bound("C6b", "kl", "c", 10_000, 0.05, population=0.1, rademacher=1.0, value_range=(-B, B))
    expect = 2.0 * math.sqrt(math.log(2 / 0.05) / 20_000) * 2.0  # in units of B
    assert math.isfinite(r.value)
    assert r.terms["deviation"] / B == pytest.approx(expect, rel=1e-13)
    with pytest.raises(BoundkitError, match="exceeds the largest float"):
        bound("C6a", "kl", "c", 10, population=0.0, rademacher=1e308)


@pytest.mark.parametrize("claim", ["C6a", "C7"])
def test_negative_population_refused(claim):
    with pytest.raises(BoundkitError, match="must be >= 0"):
        bound(claim, "kl", "c", 10, population=-0.01, rademacher=0.1)
    assert bound(claim, "kl", "c", 10, population=-1e-17, rademacher=0.1).terms["population"] == 0
