"""Rendering of records: text table, Markdown, JSON valid against docs/verify.schema.json."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from boundkit.claims import CheckRecord, records_to_json, render_markdown, render_table
from boundkit.claims._report import render_claims, summary_line

SCHEMA = json.loads((Path(__file__).parents[2] / "docs" / "verify.schema.json").read_text())


def _records():
    return [
        CheckRecord("C5", "numeric", "pass", -2.5e-13, 1e-9, 40, 11, 0.25, quick=True),
        CheckRecord(
            "C9",
            "simulation",
            "fail",
            float("inf"),
            0.0,
            0,
            12,
            1.5,
            message="check raised RuntimeError: boom",
        ),
        CheckRecord(
            "X1",
            "numeric",
            "fail",
            0.04,
            1e-9,
            20,
            13,
            0.1,
            counterexample={"p": [0.5, 0.5], "w": 0.25},
            expected="fail",
        ),
        CheckRecord("C2", "symbolic", "inconclusive", float("nan"), 0.0, 1, 14, 2.0),
    ]


def test_schema_is_valid_and_accepts_records():
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    data = json.loads(records_to_json(_records()))
    jsonschema.validate(data, SCHEMA)
    assert [d["status"] for d in data] == ["pass", "fail", "fail", "inconclusive"]
    assert data[1]["worst_violation"] == "inf" and data[3]["worst_violation"] == "nan"
    assert data[2]["counterexample"] == {"p": [0.5, 0.5], "w": 0.25}
    assert [d["as_expected"] for d in data] == [True, False, True, True]


@pytest.mark.parametrize(
    "mutate",
    [
        lambda d: d.pop("claim"),
        lambda d: d.update(status="ok"),
        lambda d: d.update(level="psychic"),
        lambda d: d.update(cases=-1),
        lambda d: d.update(worst_violation="big"),
    ],
)
def test_schema_rejects_bad_records(mutate):
    data = json.loads(records_to_json(_records()[:1]))
    mutate(data[0])
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, SCHEMA)


def test_text_table():
    text = render_table(_records())
    lines = text.splitlines()
    assert lines[0].split() == [
        "claim",
        "level",
        "status",
        "worst",
        "violation",
        "tolerance",
        "cases",
        "margin",
        "tightness",
        "time",
    ]
    row = next(line for line in lines if line.startswith("C5 "))
    assert row.split() == [
        "C5",
        "numeric",
        "pass",
        "-2.5e-13",
        "1e-09",
        "40",
        "-",
        "-",
        "0.25",
        "s",
    ]
    assert any(line.startswith("C9 ") and "FAIL" in line and "inf" in line for line in lines)
    assert any(line.startswith("X1 ") and "fail (expected)" in line for line in lines)
    assert "-> check raised RuntimeError: boom" in text
    assert lines[-1] == summary_line(_records())
    assert lines[-1] == (
        "4 checks: 1 passed, 1 failed, 1 failed as expected, 0 passed unexpectedly, 1 inconclusive"
    )


def test_markdown_table_and_details():
    md = render_markdown(_records())
    assert "| C5 | numeric | pass | -2.5e-13 | 1e-09 | 40 | - | - | 0.25 s |" in md
    assert "| C9 | simulation | **FAIL** | inf | 0 | 0 | - | - | 1.50 s |" in md
    assert "#### X1 / numeric: fail (expected)" in md
    assert '"w": 0.25' in md
    assert "#### C5" not in md  # passing records have no details section
    assert "####" not in render_markdown(_records(), details=False)


def test_margin_column_and_weak_flag():
    from boundkit.claims import CheckRecord

    tight = CheckRecord("C6a", "simulation", "pass", -0.1, 0.0, 5, 1, 0.1, margin=0.04)
    loose = CheckRecord("C6b", "simulation", "pass", -3.0, 0.0, 5, 2, 0.1, margin=0.97)
    text = render_table([tight, loose])
    assert "0.04" in next(ln for ln in text.splitlines() if ln.startswith("C6a "))
    # tightness = 1 / (1 - margin): bound part / measured part at the tightest instance
    assert "1.04x" in next(ln for ln in text.splitlines() if ln.startswith("C6a "))
    assert "33.3x" in next(ln for ln in text.splitlines() if ln.startswith("C6b "))
    assert "0.97 weak" in next(ln for ln in text.splitlines() if ln.startswith("C6b "))
    assert text.splitlines()[-1].startswith("weak (margin > 0.5") and "C6b/simulation" in text
    assert "C6a/simulation" not in text.splitlines()[-1]
    data = json.loads(records_to_json([tight, loose]))
    assert [d["weak"] for d in data] == [False, True]
    jsonschema.validate(data, SCHEMA)
    assert "| 0.97 weak |" in render_markdown([loose])


def test_render_claims():
    from boundkit.claims import get_claim

    text = render_claims([get_claim("X1-optimistic-refinement")])
    assert "X1-optimistic-refinement [expected to fail]  [numeric]" in text
    md = render_claims([get_claim("X1-optimistic-refinement")], markdown=True)
    assert md.startswith("- **X1-optimistic-refinement**") and "$$" in md


def test_table_shows_counterexample_scalars_first_and_cut():
    rec = CheckRecord(
        "X1",
        "numeric",
        "fail",
        0.04,
        1e-9,
        20,
        13,
        0.1,
        counterexample={"p": list(range(200)), "w": 0.25},
        expected="fail",
    )
    lines = render_table([rec], counterexample_width=60).splitlines()
    line = next(ln for ln in lines if "counterexample" in ln)
    assert line.startswith("    -> counterexample (seed 13): {")
    body = line.split(": ", 1)[1]
    assert body.startswith('{"w": 0.25, "p": [0, 1,') and body.endswith("...")
    assert len(body) == 60
    # passing records show no counterexample line
    ok = CheckRecord("C5", "numeric", "pass", -1.0, 0.0, 1, 1, 0.1)
    assert "counterexample" not in render_table([ok])


def test_markdown_counterexample_is_valid_json():
    md = render_markdown(_records())
    block = md.split("```json\n", 1)[1].split("\n```", 1)[0]
    assert json.loads(block) == {"p": [0.5, 0.5], "w": 0.25}
    assert block.splitlines()[1].startswith('  "p": [0.5, 0.5]')


def test_tightness_column_uses_the_per_n_median_when_the_record_has_one():
    from boundkit.claims import CheckRecord, record_from_dict
    from boundkit.simulation import tightness_record

    rec = tightness_record([300, 1000, 3000], [3.0, 0.5, float("inf")], [0.1, 0.01, 0.001])
    # ratios 30, 50, inf: the median of the finite ones is 40 (not the margin's 1/(1 - m))
    r = CheckRecord("C10", "numeric", "pass", -1.0, 1e-9, 5, 1, 0.1, margin=0.5, tightness=rec)
    line = next(ln for ln in render_table([r]).splitlines() if ln.startswith("C10 "))
    assert "40x med" in line and " 2x" not in line
    data = json.loads(records_to_json([r]))
    jsonschema.validate(data, SCHEMA)
    assert data[0]["tightness"]["ratio_per_n"] == {"300": 30.0, "1000": 50.0, "3000": "inf"}
    assert record_from_dict(data[0]).tightness == data[0]["tightness"]
