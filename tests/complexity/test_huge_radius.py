"""R_S is linear in the radius: a huge B (1e308) gives B times the unit value, never inf/nan.

The radius multiplies only the final mean and standard error (issue 19: an intermediate
``B * sup`` used to overflow for a finite R_S).
"""

from __future__ import annotations

import numpy as np
import pytest

from boundkit.classes import LinearClass, ReLUNetwork2, RKHSBall
from boundkit.complexity import empirical_rademacher, rademacher_sups

HUGE = 1e308


@pytest.mark.parametrize("method", ["exact", "monte-carlo"])
@pytest.mark.parametrize(
    "make",
    [
        lambda B: LinearClass(B=B),
        lambda B: LinearClass(B=B, p=1),
        lambda B: RKHSBall("rbf", B=B, gamma=0.5),
        lambda B: ReLUNetwork2(width=4, B1=1.0, B2=B, rng=0),
    ],
    ids=["linear-l2", "linear-l1", "rkhs", "relu-1d"],
)
def test_huge_radius_scales_exactly(make, method):
    rng = np.random.default_rng(3)
    x = rng.normal(size=(12, 1))
    unit = empirical_rademacher(make(1.0), x, method=method, n_sigmas=64, rng=0, with_bounds=False)
    huge = empirical_rademacher(make(HUGE), x, method=method, n_sigmas=64, rng=0, with_bounds=False)
    assert np.isfinite(huge.estimate) and np.isfinite(huge.stderr)
    assert huge.estimate == pytest.approx(HUGE * unit.estimate, rel=1e-12)
    assert huge.stderr == pytest.approx(HUGE * unit.stderr, rel=1e-12, abs=0.0)


def test_sups_scale_with_the_radius():
    x = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    sigma = np.array([[1.0, -1.0], [1.0, 1.0], [-1.0, 1.0]])
    unit = rademacher_sups(LinearClass(B=1.0), x, sigma)
    huge = rademacher_sups(LinearClass(B=HUGE), x, sigma)
    np.testing.assert_allclose(huge, HUGE * unit, rtol=1e-14)
    assert np.all(np.isfinite(huge))
