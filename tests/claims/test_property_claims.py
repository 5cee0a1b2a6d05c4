"""Claims from hypothesis properties (one decorator), and targeted strategies."""

from __future__ import annotations

import json

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from boundkit.claims import get_claim, property_claim, records_to_json, rerun, run_check, unregister
from boundkit.testing import finite_pairs, targeted


def test_property_claim_passes_and_gives_a_test():
    @property_claim(
        "t-prop-kl", statement="KL(P||Q) >= 0", tolerance=1e-12, pair=finite_pairs(max_atoms=4)
    )
    def kl_nonnegative(pair):
        from boundkit.duality import divergence

        P, Q = pair
        d = divergence("kl", P, Q).value
        return -d if np.isfinite(d) else -1.0

    try:
        rec = run_check(get_claim("t-prop-kl"), "numeric", quick=True)
        assert rec.status == "pass" and rec.cases > 0
        settings(max_examples=10)(kl_nonnegative.test)()  # the same property as a pytest test
    finally:
        unregister("t-prop-kl")


def test_property_claim_fails_with_a_shrunk_counterexample():
    @property_claim(
        "t-prop-false",
        statement="x < 10 for every integer x",
        tolerance=0.0,
        x=st.integers(0, 10**6),
    )
    def below_ten(x):
        return float(x - 10)

    try:
        rec = run_check(get_claim("t-prop-false"), "numeric", quick=True)
        assert rec.status == "fail"
        assert rec.counterexample["x"] == 11  # shrunk to the first failing case
        assert rec.worst_violation >= 0
        again = rerun(json.loads(records_to_json([rec]))[0])
        assert again.status == "fail" and again.counterexample["x"] == 11
    finally:
        unregister("t-prop-false")


def test_targeted_strategy_draws_the_same_values():
    seen = []

    @settings(max_examples=30, database=None)
    @given(targeted(st.floats(0, 1), lambda x: x, label="x"))
    def prop(x):
        seen.append(x)
        assert 0.0 <= x <= 1.0

    prop()
    assert seen
