"""Classes validate their hyper-parameters at construction (and in set_params), one line each."""

from __future__ import annotations

import numpy as np
import pytest

from boundkit._errors import BoundkitError
from boundkit.classes import FiniteClass, LinearClass, ReLUNetwork2, RKHSBall

BAD = [
    (lambda: LinearClass(B=0.0), "B"),
    (lambda: LinearClass(B=float("inf")), "B"),
    (lambda: LinearClass(B=-1), "B"),
    (lambda: LinearClass(p=3), "norm p"),
    (lambda: LinearClass("cubic"), "features"),
    (lambda: LinearClass("poly", degree=0), "degree"),
    (lambda: LinearClass("rff", n_components=0), "n_components"),
    (lambda: LinearClass("rff", gamma=-1.0), "gamma"),
    (lambda: LinearClass(bias="yes"), "bias"),
    (lambda: RKHSBall("sigmoid"), "kernel"),
    (lambda: RKHSBall(B=float("nan")), "B"),
    (lambda: RKHSBall(gamma=0.0), "gamma"),
    (lambda: RKHSBall("poly", degree=1.5), "degree"),
    (lambda: RKHSBall("poly", coef0=float("inf")), "coef0"),
    (lambda: ReLUNetwork2(width=0), "width"),
    (lambda: ReLUNetwork2(width=10**9), "limit"),
    (lambda: ReLUNetwork2(B1=-2.0), "B1"),
    (lambda: ReLUNetwork2(n_restarts=0), "n_restarts"),
    (lambda: FiniteClass([[1.0, np.nan]]), "NaN"),
    (lambda: FiniteClass(np.empty((0, 3))), "non-empty"),
]


@pytest.mark.parametrize(("make", "needle"), BAD)
def test_bad_hyper_parameters_fail_at_construction(make, needle):
    with pytest.raises(BoundkitError, match=needle) as err:
        make()
    assert "\n" not in str(err.value)


def test_set_params_validates_too():
    cls = LinearClass(B=1.0)
    with pytest.raises(BoundkitError, match="B"):
        cls.set_params(B=0.0)


def test_good_hyper_parameters_are_stored_unchanged():
    gamma = np.float64(0.25)
    cls = RKHSBall("gaussian", B=2, gamma=gamma)
    assert cls.gamma is gamma and cls.B == 2 and cls.kernel == "gaussian"
