"""The one Hoeffding / McDiarmid kernel and its callers, against the closed forms typed here."""

from __future__ import annotations

import math

import pytest

from boundkit.bounds import (
    deviation_term,
    hoeffding_deviation,
    hoeffding_term,
    mcdiarmid_deviation,
    uniform_deviation,
)


def _ref(n: int, delta: float, w: float, c: float = 1.0) -> float:
    return w * math.sqrt(math.log(c / delta) / (2 * n))


@pytest.mark.parametrize(("n", "delta", "w"), [(2, 0.1, 1.0), (50, 0.05, 3.0), (7, 0.9, 0.5)])
def test_callers_agree_with_the_closed_form(n, delta, w):
    assert float(hoeffding_term(n, delta, w)) == pytest.approx(_ref(n, delta, w), rel=1e-14)
    up = hoeffding_deviation(n, delta, (1.0, 1.0 + w))
    assert _ref(n, delta, w) <= up <= _ref(n, delta, w) * (1 + 1e-13)
    two = hoeffding_deviation(n, delta, (0.0, w), two_sided=True)
    assert two == pytest.approx(_ref(n, delta, w, 2.0), rel=1e-13)
    # McDiarmid with n differences w/n is Hoeffding's term
    assert mcdiarmid_deviation([w / n] * n, delta) == pytest.approx(_ref(n, delta, w), rel=1e-13)
    assert float(deviation_term("C6b", n, delta, w)) == pytest.approx(
        2 * _ref(n, delta, w, 2.0), rel=1e-14
    )
    assert float(deviation_term("C6c", n, delta, w)) == pytest.approx(
        4 * _ref(n, delta, w, 3.0), rel=1e-14
    )
    assert float(uniform_deviation(0.1, n, delta, w)) == pytest.approx(
        0.2 + _ref(n, delta, w), rel=1e-14
    )
    assert float(uniform_deviation(0.1, n, delta, w, empirical=True)) == pytest.approx(
        0.2 + 3 * _ref(n, delta, w, 2.0), rel=1e-14
    )


def test_mcdiarmid_zero_differences():
    assert mcdiarmid_deviation([0.0, 0.0], 0.1) == pytest.approx(0.0, abs=1e-300)
