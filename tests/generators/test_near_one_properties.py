"""Property tests at the hard places: u near 1, large |t| (hypothesis, deterministic profile)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from boundkit.generators import get_generator

_NAMES = [
    "kl",
    "kl_standard",
    "reverse_kl",
    "pearson",
    "neyman",
    "squared_hellinger",
    "js",
    "gan",
    "jeffreys",
    "le_cam",
]


@pytest.mark.parametrize("name", _NAMES)
@settings(max_examples=40)
@given(e=st.floats(-14, -2), sign=st.sampled_from([-1.0, 1.0]))
def test_fprime_has_the_sign_of_u_minus_1_near_1(name, e, sign):
    """Strictly convex f: f'(u) - f'(1) has the sign of u - 1, also at |u - 1| = 1e-14."""
    g = get_generator(name)
    u = 1.0 + sign * 10.0**e
    d = float(g.fprime(u)) - float(g.fprime(1.0))
    assert np.sign(d) == sign


@pytest.mark.parametrize("name", _NAMES)
@settings(max_examples=40)
@given(
    t=st.floats(-1e8, 1e8, allow_nan=False),
    u=st.floats(1e-8, 1e8, allow_nan=False),
)
def test_fenchel_young_at_large_arguments(name, t, u):
    """t u - f(u) <= f*(t) (up to rounding of the terms) and f* is never NaN."""
    g = get_generator(name)
    c = float(g.conjugate(t))
    assert not np.isnan(c)
    lhs = t * u - float(g.f_numeric(u))
    assert lhs <= c + 1e-12 * (abs(t * u) + abs(float(g.f_numeric(u))) + abs(c) + 1.0)
