"""verify never reports success it does not believe (issue 19): BaseException, NaN, timeouts,
plugins that exit, rerun from JSON records."""

from __future__ import annotations

import json
import math
import subprocess
import sys
import time

import pytest

from boundkit import BoundkitError
from boundkit.claims import (
    CheckOutcome,
    claim,
    exit_status,
    get_claim,
    load_plugin,
    record_from_dict,
    records_to_json,
    rerun,
    run_check,
    unregister,
    verify,
)


@pytest.fixture
def temp_claims():
    made = []

    def make(cid, fn, level="numeric"):
        claim(cid, level=level, statement=f"test claim {cid}")(fn)
        made.append(cid)

    yield make
    for cid in made:
        unregister(cid)


def test_system_exit_in_a_check_is_a_failure(temp_claims):
    def leave(*, quick, rng):
        raise SystemExit(0)

    temp_claims("t-exit", leave)
    (rec,) = verify(claims=["t-exit"])
    assert rec.status == "fail" and "SystemExit" in rec.message
    assert exit_status([rec]) == 1


def test_forced_pass_with_nan_or_above_tolerance_is_a_failure(temp_claims):
    temp_claims("t-nanpass", lambda *, quick, rng: CheckOutcome(math.nan, 0.0, 3, status="pass"))
    temp_claims("t-liar", lambda *, quick, rng: CheckOutcome(1.0, 0.0, 3, status="pass"))
    temp_claims("t-empty", lambda *, quick, rng: CheckOutcome(-1.0, 0.0, 0))
    recs = {r.claim: r for r in verify(claims=["t-nanpass", "t-liar", "t-empty"])}
    assert recs["t-nanpass"].status == "fail" and "NaN" in recs["t-nanpass"].message
    assert recs["t-liar"].status == "fail"
    assert recs["t-empty"].status == "fail" and "single case" in recs["t-empty"].message


def test_nan_case_in_worst_case_helper_fails():
    from boundkit.claims._worst import WorstCase

    w = WorstCase()
    w.record(-1.0, {"i": 0})
    w.record(float("nan"), {"i": 1})
    w.record(-2.0, {"i": 2})
    out = w.outcome(0.0, "m")
    assert math.isnan(out.worst_violation) and out.counterexample == {"i": 1}


def test_worst_case_keeps_the_largest_violation():
    from boundkit.claims._worst import WorstCase

    w = WorstCase()
    for i, v in enumerate([-3.0, 0.5, -1.0]):
        w.record(v, {"i": i})
    w.tightness(0.2)
    w.tightness(0.9)
    out = w.outcome(0.0, "m")
    assert out.worst_violation == 0.5 and out.counterexample == {"i": 1}
    assert out.margin == pytest.approx(0.1)


def test_timeout_fails_the_check(temp_claims):
    def slow(*, quick, rng):
        try:
            time.sleep(5)
        except Exception:  # a check's own except Exception must not swallow the timeout
            pass
        return CheckOutcome(-1.0, 0.0, 1)

    temp_claims("t-slow", slow)
    start = time.perf_counter()
    (rec,) = verify(claims=["t-slow"], timeout=0.3)
    assert time.perf_counter() - start < 3
    assert rec.status == "fail" and "timed out" in rec.message
    with pytest.raises(BoundkitError, match="timeout"):
        verify(claims=["t-slow"], timeout=-1)


def test_rerun_accepts_json_records_and_refuses_claim_ids():
    rec = run_check(get_claim("X1-optimistic-refinement"), "numeric", quick=True, seed=5)
    loaded = json.loads(records_to_json([rec]))[0]
    again = rerun(loaded)
    assert again.worst_violation == rec.worst_violation
    assert again.counterexample == rec.counterexample
    assert record_from_dict(loaded).seed == rec.seed
    with pytest.raises(BoundkitError, match="not the claim id 'C5'"):
        rerun("C5")
    with pytest.raises(BoundkitError, match="lacks the field"):
        rerun({"claim": "C5"})


def test_exit_status_needs_every_requested_record():
    rec = run_check(get_claim("X1-optimistic-refinement"), "numeric", quick=True)
    assert exit_status([]) == 1
    assert exit_status([rec], expected_count=2) == 1
    assert exit_status([rec], expected_count=1) == 0


def test_plugin_that_exits_on_import_is_an_error(tmp_path):
    plugin = tmp_path / "leaver.py"
    plugin.write_text("import sys\nsys.exit(0)\n")
    with pytest.raises(BoundkitError, match="sys.exit"):
        load_plugin(plugin)
    proc = subprocess.run(
        [sys.executable, "-m", "boundkit", "verify", "--plugin", str(plugin), "--quick"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "sys.exit" in proc.stderr
