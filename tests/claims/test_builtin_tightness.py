"""The tightness claims: C10 and C11 pass, their shipped false variants fail (quick mode).

The pass/fail outcomes of the statistical cells have false-failure probability at most 1e-4
per cell (see ``boundkit/claims/_builtin_tightness.py``); seeds are fixed by ``verify``.
"""

from __future__ import annotations

import pytest

from boundkit.claims import registry, verify


@pytest.mark.parametrize("claim_id", ["C10", "C10-mean", "C11"])
def test_tightness_claims_pass(claim_id: str) -> None:
    records = verify(claims=[claim_id], quick=True)
    assert records and all(r.status == "pass" for r in records), records
    assert all(r.cases > 0 for r in records)
    if claim_id in ("C10", "C10-mean"):
        # bound / measured per n on the record (the tightness column shows its median)
        for r in records:
            t = r.tightness
            assert t is not None and set(t["ratio_per_n"]) == set(t["gap_per_n"])
            finite = [v for v in t["ratio_per_n"].values() if v != float("inf")]
            assert finite and t["ratio_median"] >= 1.0  # a bound is above the mean excess


@pytest.mark.parametrize(
    "claim_id",
    [
        "X6-fast-rate-over-10",
        "X8-fast-rate-over-2",
        "X9-fast-rate-profile-over-1.25",
        "X10-fast-rate-mean-over-2",
        "X7-holdout-plug-in",
    ],
)
def test_false_variants_fail(claim_id: str) -> None:
    assert registry()[claim_id].expected == "fail"
    (rec,) = verify(claims=[claim_id], quick=True)
    assert rec.status == "fail"
    assert rec.worst_violation > rec.tolerance
    assert rec.counterexample
