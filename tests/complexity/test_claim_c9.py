"""The built-in C9 checks pass at both levels (quick settings)."""

from __future__ import annotations

import numpy as np
import pytest

from boundkit.claims import registry, verify
from boundkit.classes import LinearClass, RKHSBall
from boundkit.complexity import empirical_rademacher


def test_c9_registered_at_numeric_and_simulation():
    levels = set(registry()["C9"].checks)
    assert {"numeric", "simulation"} <= levels


def test_c9_quick_checks_pass():
    records = verify(claims=["C9"], levels=["numeric", "simulation"], quick=True)
    assert {r.level for r in records} == {"numeric", "simulation"}
    for rec in records:
        assert rec.status == "pass", rec.to_dict()
        assert rec.cases > 0


@pytest.mark.slow
def test_c9_full_checks_pass():
    for rec in verify(claims=["C9"], levels=["numeric", "simulation"], quick=False, seed=1):
        assert rec.status == "pass", rec.to_dict()


@pytest.mark.slow
def test_monte_carlo_matches_exact_enumeration_at_n20():
    """Full size: n = 20 (2^20 sign vectors) vs 20000 Monte Carlo draws, within 4 SE
    (false-failure probability about 6e-5 per class for a random seed)."""
    x = np.random.default_rng(0).normal(size=(20, 3))
    for cls in (LinearClass(p=1), LinearClass(p=2), LinearClass(p="inf"), RKHSBall(gamma=0.3)):
        exact = empirical_rademacher(cls, x, method="exact").estimate
        mc = empirical_rademacher(cls, x, method="monte-carlo", n_sigmas=20000, rng=1)
        assert abs(mc.estimate - exact) <= 4 * mc.stderr
