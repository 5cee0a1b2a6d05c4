"""``boundkit.reproduce``: report, verify.json, figures (present, absent, broken), exit status.

The figure function is replaced by small fake modules (``make_all_figures`` contract of
``boundkit.plotting._figures``) so that these tests do not depend on the plotting package and
stay fast; the checks are restricted to the shipped false claim and to temporary claims. The
whole main job (every claim, the real figures) runs under the ``slow`` marker.
"""

from __future__ import annotations

import itertools
import json
import textwrap
from pathlib import Path

import jsonschema
import pytest

from boundkit import BoundkitError
from boundkit.claims import CheckOutcome, claim, registry, unregister
from boundkit.reproduce import FigureRun, make_figures, reproduce
from boundkit.reproduce import _reproduce as rp

ROOT = Path(__file__).parents[2]
SCHEMA = json.loads((ROOT / "docs" / "verify.schema.json").read_text())
X1 = "X1-optimistic-refinement"
PNG = b"\x89PNG\r\n\x1a\n"  # a file name ending in .png is all the report needs
_COUNTER = itertools.count()


def _fake_figures(tmp_path, monkeypatch, body: str) -> str:
    """Install a module ``fakefigs_<n>`` with the given body and point reproduce at it."""
    name = f"boundkit_fakefigs_{next(_COUNTER)}"
    (tmp_path / "mods").mkdir(exist_ok=True)
    (tmp_path / "mods" / f"{name}.py").write_text(textwrap.dedent(body))
    monkeypatch.syspath_prepend(str(tmp_path / "mods"))
    monkeypatch.setattr(rp, "FIGURES_MODULE", name)
    return name


LIST_BODY = f"""
from pathlib import Path
CALLS = []
def make_all_figures(out_dir, *, quick=False):
    CALLS.append(quick)
    out = Path(out_dir)
    paths = []
    for name in ("b_second", "a_first"):
        p = out / (name + ".png")
        p.write_bytes({PNG!r})
        paths.append(p)
    (out / "a_first.pdf").write_bytes(b"%PDF")
    return paths
"""


@pytest.fixture
def temp_claim():
    made = []

    def make(cid, worst, *, expected="pass"):
        claim(cid, level="numeric", statement=f"temporary {cid}", expected=expected)(
            lambda *, quick, rng: CheckOutcome(worst, 0.0, 2, counterexample={"x": worst})
        )
        made.append(cid)

    yield make
    for cid in made:
        if cid in registry():
            unregister(cid)


def test_report_and_json_with_figures(tmp_path, monkeypatch):
    import importlib

    name = _fake_figures(tmp_path, monkeypatch, LIST_BODY)
    res = reproduce(tmp_path / "out", quick=True, claims=[X1])
    assert res.exit_status == 0
    assert importlib.import_module(name).CALLS == [True]  # quick passed on
    out = tmp_path / "out"
    assert res.report_path == (out / "report.md").resolve()
    # verify.json is the verify --json document
    data = json.loads((out / "verify.json").read_text())
    jsonschema.validate(data, SCHEMA)
    assert [(d["claim"], d["status"], d["expected"]) for d in data] == [(X1, "fail", "fail")]
    assert data[0]["counterexample"]["n"] == 50
    # figures, in the order returned
    assert res.figures.status == "ok"
    assert [p.name for p in res.figures.files] == ["b_second.png", "a_first.png"]
    report = (out / "report.md").read_text()
    assert report.startswith("# boundkit reproduce report")
    assert "exit status 0" in report
    assert f"| {X1} | numeric | fail (expected) |" in report
    assert f"#### {X1} / numeric: fail (expected)" in report
    assert '"kl_refined_empirical": ' in report  # the counterexample is in the report
    assert "![b second](figures/b_second.png)" in report
    assert report.index("b_second.png") < report.index("a_first.png")
    assert "[verify.json](verify.json)" in report
    assert "## The claims" in report and "FALSE ON PURPOSE" in report


@pytest.mark.parametrize(
    ("ret", "expected_names"),
    [
        ("{'one': out / 'one.png', 'two': str(out / 'two.svg')}", ["one.png", "two.svg"]),
        ("None", ["one.png", "two.svg"]),  # nothing returned: the images in the directory
        ("[('one.png', 'one.pdf')]", ["one.png", "one.pdf"]),  # relative names, pairs
    ],
)
def test_figure_return_values(tmp_path, monkeypatch, ret, expected_names):
    body = f"""
    from pathlib import Path
    def make_all_figures(out_dir, *, quick=False, seed=None):
        out = Path(out_dir)
        for n in ("one.png", "two.svg", "one.pdf", "notes.txt"):
            (out / n).write_bytes(b"x")
        return {ret}
    """
    _fake_figures(tmp_path, monkeypatch, body)
    run = make_figures(tmp_path / "figs", quick=True)
    assert run.status == "ok" and run.ok
    if ret == "None":  # sorted by name, images only
        assert [p.name for p in run.files] == ["one.pdf", "one.png", "two.svg"]
    else:
        assert [p.name for p in run.files] == expected_names
    assert all(p.is_absolute() and p.is_file() for p in run.files)


def test_seed_passed_when_accepted(tmp_path, monkeypatch):
    import importlib

    body = """
    SEEN = {}
    def make_all_figures(out_dir, *, quick=False, seed=None, n_jobs=1):
        SEEN.update(quick=quick, seed=seed, n_jobs=n_jobs)
    """
    name = _fake_figures(tmp_path, monkeypatch, body)
    make_figures(tmp_path / "f", quick=False, seed=7, n_jobs=2)
    assert importlib.import_module(name).SEEN == {"quick": False, "seed": 7, "n_jobs": 2}


def test_missing_figure_module_is_a_note(tmp_path, monkeypatch):
    monkeypatch.setattr(rp, "FIGURES_MODULE", "boundkit_no_such_figures_module")
    res = reproduce(tmp_path, quick=True, claims=[X1])
    assert res.figures.status == "missing" and res.figures.ok
    assert res.exit_status == 0
    report = res.report_path.read_text()
    assert "boundkit_no_such_figures_module does not exist" in report


def test_missing_function_is_a_note(tmp_path, monkeypatch):
    _fake_figures(tmp_path, monkeypatch, "def something_else():\n    pass\n")
    run = make_figures(tmp_path / "f")
    assert run.status == "missing" and "has no function make_all_figures" in run.note


def test_broken_figures_fail_the_run(tmp_path, monkeypatch):
    body = """
    def make_all_figures(out_dir, *, quick=False):
        raise RuntimeError("plotting exploded")
    """
    _fake_figures(tmp_path, monkeypatch, body)
    res = reproduce(tmp_path / "o", quick=True, claims=[X1])
    assert res.figures.status == "error" and not res.figures.ok
    assert res.exit_status == 1
    report = res.report_path.read_text()
    assert "plotting exploded" in report and "Traceback" in report
    assert "**FAILED**" in report


def test_figure_module_that_cannot_import(tmp_path, monkeypatch):
    _fake_figures(tmp_path, monkeypatch, "import boundkit_missing_dependency_xyz\n")
    run = make_figures(tmp_path / "f")
    assert run.status == "error" and "ModuleNotFoundError" in run.note


def test_failing_claim_fails_the_run(tmp_path, monkeypatch, temp_claim):
    monkeypatch.setattr(rp, "FIGURES_MODULE", "boundkit_no_such_figures_module")
    temp_claim("t-repro-good", -1.0)
    temp_claim("t-repro-bad", 0.5)
    res = reproduce(tmp_path, quick=True, claims=["t-repro-good", "t-repro-bad", X1])
    assert [r.status for r in res.records] == ["pass", "fail", "fail"]
    assert res.exit_status == 1
    summary = res.to_dict()
    assert summary["exit_status"] == 1 and summary["unexpected"] == ["t-repro-bad/numeric"]
    report = res.report_path.read_text()
    assert "| t-repro-bad | numeric | **FAIL** |" in report
    assert "| t-repro-good | numeric | pass |" in report
    assert "#### t-repro-bad / numeric: FAIL" in report
    # no figures requested
    res2 = reproduce(tmp_path, quick=True, claims=["t-repro-good"], figures=False)
    assert res2.figures == FigureRun("skipped", note=res2.figures.note)
    assert res2.exit_status == 0


def test_out_must_be_a_directory(tmp_path):
    f = tmp_path / "file.txt"
    f.write_text("x")
    with pytest.raises(BoundkitError, match="not a directory"):
        reproduce(f, quick=True, claims=[X1])
    with pytest.raises(BoundkitError, match="unknown claim"):
        reproduce(tmp_path / "o", quick=True, claims=["no-such-claim"])


@pytest.mark.slow
def test_main_job_full_registry(tmp_path):
    """The README main job: every claim and the real figures, quick settings, exit 0."""
    res = reproduce(tmp_path, quick=True)
    bad = [(r.claim, r.level, r.message) for r in res.records if not r.as_expected]
    assert not bad, bad
    assert res.figures.ok, res.figures.detail
    assert res.exit_status == 0
    assert res.elapsed < 2 * rp.BUDGET_QUICK  # budget 60 s on 2 idle cores; slack for load
