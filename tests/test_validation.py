"""boundkit._validation: one line per error, one sum-to-one tolerance everywhere."""

from __future__ import annotations

import numpy as np
import pytest

import boundkit._validation as V
from boundkit import BoundkitError
from boundkit.distributions import FiniteDistribution, as_points, check_weights
from boundkit.generators import shift_functional


def _one_line(exc: pytest.ExceptionInfo) -> str:
    msg = str(exc.value)
    assert "\n" not in msg and msg
    return msg


@pytest.mark.parametrize(
    ("call", "needle"),
    [
        (lambda: V.check_weights([0.5, 0.6]), "sum to"),
        (lambda: V.check_weights([1.5, -0.5]), "negative"),
        (lambda: V.check_weights([np.nan, 1.0]), "NaN"),
        (lambda: V.check_weights([[0.5, 0.5]]), "1-d"),
        (lambda: V.check_weights([0.5, 0.5], 3), "3 atoms"),
        (lambda: V.check_weights([]), "empty"),
        (lambda: V.check_weights("ab"), "numbers"),
        (lambda: V.check_points([[0.0, np.inf]]), "NaN or infinite"),
        (lambda: V.check_points(np.zeros((2, 2, 2))), "shape"),
        (lambda: V.check_points([[0.0, 1.0]], 3), "3 column"),
        (lambda: V.check_seed(-1), "non-negative integer"),
        (lambda: V.check_seed(True), "non-negative integer"),
        (lambda: V.check_seed(1.5), "non-negative integer"),
        (lambda: V.check_delta(1.0), "(0, 1)"),
        (lambda: V.check_delta(np.nan), "real number"),
        (lambda: V.check_positive("B", 0.0), "B must be a finite number > 0"),
        (lambda: V.check_positive("B", np.inf), "finite"),
        (lambda: V.check_positive("n", -1, allow_zero=True), ">= 0"),
        (lambda: V.check_finite_array([1.0, np.nan], name="h"), "h contains NaN"),
        (lambda: V.check_finite_array([[1.0]], name="h", ndim=1), "1 dimension"),
    ],
)
def test_each_check_raises_one_line(call, needle):
    with pytest.raises(BoundkitError) as exc:
        call()
    assert needle in _one_line(exc)


def test_valid_values_pass_through():
    w = V.check_weights([0.25, 0.75 + 5e-10])
    assert float(w.sum()) == pytest.approx(1.0, abs=1e-16)
    assert V.check_weights([[0.5, 0.5], [0.1, 0.9]], rows=True).shape == (2, 2)
    assert V.check_seed(None) is None and V.check_seed(np.int64(3)) == 3
    assert V.check_delta(0.05) == 0.05 and V.check_positive("n", 0, allow_zero=True) == 0.0
    assert as_points([1.0, 2.0]).shape == (2, 1) and as_points([1.0, 2.0], 2).shape == (1, 2)


def test_one_tolerance_for_distributions_and_the_kernel(monkeypatch):
    """The distributions and the shift kernel read the same constant: tightening it rejects
    the same slightly-off weights in both (a second tolerance somewhere would not move)."""
    off = np.array([0.25, 0.75 + 1e-10])
    FiniteDistribution([0.0, 1.0], off)
    shift_functional("kl", np.zeros(2), off)
    assert check_weights is V.check_weights
    monkeypatch.setattr(V, "WEIGHT_SUM_TOL", 1e-12)
    with pytest.raises(BoundkitError, match="sum to"):
        FiniteDistribution([0.0, 1.0], off)
    with pytest.raises(BoundkitError, match="sum to"):
        shift_functional("kl", np.zeros(2), off)
