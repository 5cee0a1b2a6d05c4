"""The registry machinery: a check can pass, fail, crash, and carries its seed."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings

from boundkit import BoundkitError
from boundkit.claims import CheckOutcome, claim, get_claim, run_check, unregister, verify
from boundkit.testing import seeds


@pytest.fixture
def temp_claims():
    made = []

    def make(cid, fn, level="numeric"):
        claim(cid, level=level, statement=f"test claim {cid}")(fn)
        made.append(cid)

    yield make
    for cid in made:
        unregister(cid)


def test_passing_and_failing_checks(temp_claims):
    temp_claims("t-pass", lambda *, quick, rng: CheckOutcome(-1.0, 0.0, 3))
    temp_claims(
        "t-fail",
        lambda *, quick, rng: CheckOutcome(0.5, 1e-9, 3, counterexample={"x": 1.0}),
    )
    recs = {r.claim: r for r in verify(claims=["t-pass", "t-fail"])}
    assert recs["t-pass"].status == "pass"
    assert recs["t-fail"].status == "fail"
    assert recs["t-fail"].counterexample == {"x": 1.0}
    assert recs["t-pass"].counterexample is None


def test_crashing_check_is_a_failure(temp_claims):
    def boom(*, quick, rng):
        raise RuntimeError("kaput")

    temp_claims("t-boom", boom)
    (rec,) = verify(claims=["t-boom"])
    assert rec.status == "fail"
    assert "kaput" in rec.message
    assert math.isinf(rec.worst_violation)


def test_nan_violation_is_a_failure(temp_claims):
    temp_claims("t-nan", lambda *, quick, rng: CheckOutcome(float("nan"), 1.0, 1))
    (rec,) = verify(claims=["t-nan"])
    assert rec.status == "fail"


def test_seed_is_reproducible(temp_claims):
    temp_claims("t-rng", lambda *, quick, rng: CheckOutcome(float(rng.normal()), 10.0, 1))
    a = run_check(get_claim("t-rng"), "numeric", seed=3)
    b = run_check(get_claim("t-rng"), "numeric", seed=3)
    c = run_check(get_claim("t-rng"), "numeric", seed=4)
    assert a.worst_violation == b.worst_violation
    assert a.seed == b.seed != c.seed


def test_bad_inputs():
    with pytest.raises(BoundkitError, match="unknown claim"):
        get_claim("no-such-claim")
    with pytest.raises(BoundkitError, match="unknown level"):
        verify(levels=["psychic"])


@settings(max_examples=5)
@given(seed=seeds())
def test_any_root_seed_is_replayable(seed):
    """For any root seed, the record's own seed replays the check exactly (X1 is exact)."""
    from boundkit.claims import rerun

    rec = run_check(get_claim("X1-optimistic-refinement"), "numeric", quick=True, seed=seed)
    again = rerun(rec)
    assert again.seed == rec.seed
    assert again.counterexample == rec.counterexample and rec.counterexample is not None
    assert again.worst_violation == rec.worst_violation > rec.tolerance
