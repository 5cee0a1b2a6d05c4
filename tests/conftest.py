"""Shared pytest configuration: a deterministic hypothesis profile for CI."""

from __future__ import annotations

import os

import matplotlib
import pytest
from hypothesis import HealthCheck, settings

matplotlib.use("Agg")

settings.register_profile(
    "ci",
    derandomize=True,
    database=None,
    deadline=None,
    max_examples=40,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "dev", deadline=None, max_examples=100, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("BOUNDKIT_HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(autouse=True)
def _mpmath_precision_of_the_reference_computations():
    """Every test starts with mpmath at the 50 digits the mpmath references are written for,
    whatever an earlier test (or an interrupted sympy computation) left behind."""
    import mpmath

    mpmath.mp.dps = 50
    yield
