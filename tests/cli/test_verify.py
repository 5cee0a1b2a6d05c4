"""``boundkit verify``: table, JSON (validated against its schema), --list, exit codes, plugins.

In-process calls of ``main`` restrict themselves to the shipped false claim and to plugin claims
so that they stay fast whatever other claims are registered.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import jsonschema
import pytest

from boundkit.claims import registry, unregister
from boundkit.cli import main

ROOT = Path(__file__).parents[2]
SCHEMA = json.loads((ROOT / "docs" / "verify.schema.json").read_text())
X1 = "X1-optimistic-refinement"


@pytest.fixture
def plugin(tmp_path):
    """Write a plugin file with a passing claim, a failing one, and an expected-fail that passes."""
    path = tmp_path / "my_claims.py"
    path.write_text(
        textwrap.dedent(
            """
            from boundkit.claims import CheckOutcome, claim

            @claim("plug-good", level="numeric", statement="2 + 2 = 4")
            def good(*, quick, rng):
                return CheckOutcome(abs(2 + 2 - 4), 0.0, 1)

            @claim("plug-bad", level="numeric", statement="2 + 2 = 5")
            def bad(*, quick, rng):
                return CheckOutcome(abs(2 + 2 - 5), 0.0, 1, counterexample={"lhs": 4})

            @claim("plug-xpass", level="simulation", statement="false?", expected="fail")
            def xpass(*, quick, rng):
                return CheckOutcome(-1.0, 0.0, 1)
            """
        )
    )
    yield path
    for cid in ("plug-good", "plug-bad", "plug-xpass"):
        if cid in registry():
            unregister(cid)


def test_table_and_expected_failure_exit_0(capsys):
    assert main(["verify", "--claim", X1, "--quick"]) == 0
    out, err = capsys.readouterr()
    header = out.splitlines()[0].split()
    assert header[:3] == ["claim", "level", "status"]
    assert "cases" in header and "time" in header
    row = next(line for line in out.splitlines() if line.startswith(X1))
    assert "fail (expected)" in row
    assert f"{X1}/numeric" in err  # progress on stderr


def test_json_output_validates(capsys):
    assert main(["verify", "--claim", X1, "--quick", "--json"]) == 0
    out = capsys.readouterr().out
    data = json.loads(out)  # exactly one JSON document on stdout
    jsonschema.validate(data, SCHEMA)
    (rec,) = data
    assert rec["claim"] == X1 and rec["status"] == "fail" and rec["expected"] == "fail"
    assert rec["counterexample"]["n"] == 50
    assert rec["cases"] == 20 and rec["quick"] is True


def test_list(capsys):
    assert main(["verify", "--list"]) == 0
    out = capsys.readouterr().out
    assert X1 in out
    assert main(["verify", "--list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    ids = [c["claim"] for c in listed]
    assert ids == list(registry())
    x1 = next(c for c in listed if c["claim"] == X1)
    assert x1["expected"] == "fail" and x1["levels"] == ["numeric"]


def test_user_errors_exit_2(capsys):
    assert main(["verify", "--claim", "no-such-claim"]) == 2
    assert "unknown claim" in capsys.readouterr().err
    assert main(["verify", "--level", "psychic"]) == 2
    assert main(["verify", "--claim", X1, "--level", "symbolic"]) == 2
    assert "nothing to verify" in capsys.readouterr().err
    assert main(["verify", "--plugin", "/no/such/file.py"]) == 2


def test_plugin_exit_codes(plugin, capsys):
    p = str(plugin)
    assert main(["verify", "--plugin", p, "--claim", "plug-good", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "plug-good" in out and "pass" in out
    assert main(["verify", "--plugin", p, "--claim", "plug-bad", "--quiet"]) == 1
    out = capsys.readouterr().out
    assert "FAIL" in out
    assert main(["verify", "--plugin", p, "--claim", "plug-xpass", "--quiet"]) == 1
    assert "UNEXPECTED PASS" in capsys.readouterr().out
    assert main(["verify", "--plugin", p, "--claim", f"plug-good,{X1}", "--quick", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    jsonschema.validate(data, SCHEMA)
    assert [(d["claim"], d["status"]) for d in data] == [("plug-good", "pass"), (X1, "fail")]


def test_plugin_subprocess_and_module_name(plugin):
    env_path = str(plugin.parent)
    cmd = [
        sys.executable,
        "-m",
        "boundkit",
        "verify",
        "--plugin",
        "my_claims",
        "--json",
        "--claim",
        "plug-good,plug-bad",
    ]
    import os

    env = {**os.environ, "PYTHONPATH": os.pathsep.join([env_path, str(ROOT)])}
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT)
    assert proc.returncode == 1, proc.stderr
    data = json.loads(proc.stdout)
    jsonschema.validate(data, SCHEMA)
    assert {d["claim"]: d["status"] for d in data} == {"plug-good": "pass", "plug-bad": "fail"}
    bad = next(d for d in data if d["claim"] == "plug-bad")
    assert bad["counterexample"] == {"lhs": 4}
    assert "Traceback" not in proc.stderr


def test_counterexample_shown_and_strict(capsys):
    assert main(["verify", "--claim", X1, "--quick", "--quiet"]) == 0
    out = capsys.readouterr().out
    line = next(ln for ln in out.splitlines() if "counterexample" in ln)
    assert '"kl_refined_empirical": ' in line and "seed" in line
    # --strict: an expected failure is still a failure
    assert main(["verify", "--claim", X1, "--quick", "--quiet", "--strict"]) == 1
    assert main(["verify", "--workers", "0", "--claim", X1]) == 2


def test_jobs_do_not_change_records(plugin, capsys):
    """Two worker processes give the same records (seeds, statuses, counterexamples)."""
    p = str(plugin)
    args = ["verify", "--plugin", p, "--claim", f"plug-good,plug-bad,{X1}", "--quick", "--json"]
    assert main(args) == 1
    one = json.loads(capsys.readouterr().out)
    assert main([*args, "--workers", "2"]) == 1
    two = json.loads(capsys.readouterr().out)
    for d in one + two:
        d.pop("elapsed")
    assert one == two
    assert [d["status"] for d in one] == ["pass", "fail", "fail"]


def test_search_budget_and_timeout_flags():
    import json as _json
    import subprocess as _sp
    import sys as _sys

    proc = _sp.run(
        [
            _sys.executable,
            "-m",
            "boundkit",
            "verify",
            "--quick",
            "--quiet",
            "--json",
            "--claim",
            "X5-khintchine-no-sqrt2,C9",
            "--level",
            "numeric",
            "--budget",
            "20",
            "--timeout",
            "120",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    recs = {r["claim"]: r for r in _json.loads(proc.stdout)}
    assert recs["X5-khintchine-no-sqrt2"]["search"]["found"] is True
    assert recs["X5-khintchine-no-sqrt2"]["budget"] == 20
    assert recs["C9"]["search"]["found"] is False and recs["C9"]["margin"] is not None
    for bad in (["--budget", "0"], ["--timeout", "-1"], ["--seed", "-3"]):
        p = _sp.run(
            [_sys.executable, "-m", "boundkit", "verify", "--quick", *bad],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert p.returncode == 2 and p.stderr.count("\n") == 1, (bad, p.stderr)
