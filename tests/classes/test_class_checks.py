"""Every discriminator class passes the reusable check suite (one test per class x check)."""

from __future__ import annotations

import numpy as np
import pytest

from boundkit.classes import FiniteClass, LinearClass, ReLUNetwork2, RKHSBall, class_checks

INSTANCES = [
    LinearClass(),
    LinearClass(p=1, B=3.0),
    LinearClass(p="inf", B=0.5, bias=True),
    LinearClass("poly", degree=3, p=2, B=2.0),
    LinearClass("rff", n_components=20, gamma=0.7, p=1, rng=3),
    LinearClass(lambda x: np.column_stack([np.sin(x[:, 0]), x[:, 1] ** 2]), p=float("inf")),
    RKHSBall(),
    RKHSBall("laplacian", B=2.0, gamma=0.3),
    RKHSBall("poly", degree=2, B=0.5),
    ReLUNetwork2(width=3, B1=2.0, B2=0.5, rng=0),
    ReLUNetwork2(width=1),
    FiniteClass(np.arange(24.0).reshape(4, 6) % 5 - 2.0),
    FiniteClass(np.array([[1.0, -1.0, 0.5], [0.0, 2.0, -1.0]]), support=np.array([0.0, 1.0, 3.0])),
]

CASES = [
    pytest.param(cls, fn, id=f"{i}-{type(cls).__name__}-{name}")
    for i, cls in enumerate(INSTANCES)
    for name, fn in class_checks(cls)
]


@pytest.mark.parametrize(("cls", "check"), CASES)
def test_class_passes_check(cls, check):
    check(cls, np.random.default_rng(12345))


def test_check_suite_catches_a_broken_class():
    """A class whose support function is too small must fail the domination check."""

    class Broken(LinearClass):
        def support_function(self, x, v):
            return 0.5 * super().support_function(x, v)

    names = dict(class_checks(Broken()))
    with pytest.raises(AssertionError):
        names["check_support_dominates_members"](Broken(B=1.0), np.random.default_rng(0))
