"""``boundkit reproduce``: files written, JSON summary, exit codes, usage errors.

In-process runs restrict the checks to the shipped false claim (``--claim``) and point the
figure step at a missing module, so that they are fast whatever else is registered.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from boundkit.cli import main
from boundkit.reproduce import _reproduce as rp

ROOT = Path(__file__).parents[2]
SCHEMA = json.loads((ROOT / "docs" / "verify.schema.json").read_text())
X1 = "X1-optimistic-refinement"


@pytest.fixture
def no_figures_module(monkeypatch):
    monkeypatch.setattr(rp, "FIGURES_MODULE", "boundkit_no_such_figures_module")


def test_reproduce_writes_report_and_exits_0(tmp_path, capsys, no_figures_module):
    out = tmp_path / "rep"
    assert main(["reproduce", "--quick", "--out", str(out), "--claim", X1]) == 0
    stdout, stderr = capsys.readouterr()
    assert (out / "report.md").is_file() and (out / "verify.json").is_file()
    assert f"report:  {(out / 'report.md').resolve()}" in stdout
    assert "1 failed as expected" in stdout
    assert "figures: missing" in stdout
    assert f"{X1}/numeric" in stderr  # progress on stderr
    data = json.loads((out / "verify.json").read_text())
    jsonschema.validate(data, SCHEMA)
    assert data[0]["claim"] == X1 and data[0]["quick"] is True
    assert "no figures" in (out / "report.md").read_text()


def test_reproduce_json_summary(tmp_path, capsys, no_figures_module):
    assert main(["reproduce", "--quick", "--out", str(tmp_path), "--claim", X1, "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)  # exactly one JSON document
    assert summary["exit_status"] == 0 and summary["checks"] == 1
    assert summary["unexpected"] == [] and summary["quick"] is True
    assert summary["figures"]["status"] == "missing"
    assert Path(summary["verify_json"]).is_file()


def test_reproduce_failing_plugin_exits_1(tmp_path, capsys, no_figures_module):
    plugin = tmp_path / "bad_claims.py"
    plugin.write_text(
        "from boundkit.claims import CheckOutcome, claim\n"
        "@claim('rep-bad', level='numeric', statement='1 = 2')\n"
        "def bad(*, quick, rng):\n"
        "    return CheckOutcome(1.0, 0.0, 1, counterexample={'lhs': 1})\n"
    )
    from boundkit.claims import registry, unregister

    try:
        code = main(
            [
                "reproduce",
                "--quick",
                "--quiet",
                "--no-figures",
                "--workers",
                "1",
                "--out",
                str(tmp_path / "o"),
                "--plugin",
                str(plugin),
                "--claim",
                f"rep-bad,{X1}",
            ]
        )
        assert code == 1
        out = capsys.readouterr().out
        assert "FAIL: rep-bad/numeric" in out and "figures: skipped" in out
    finally:
        if "rep-bad" in registry():
            unregister("rep-bad")


def test_reproduce_usage_errors(tmp_path, capsys):
    f = tmp_path / "file"
    f.write_text("x")
    assert main(["reproduce", "--out", str(f), "--claim", X1, "--quiet"]) == 2
    assert "not a directory" in capsys.readouterr().err
    assert main(["reproduce", "--workers", "0", "--out", str(tmp_path)]) == 2
    assert main(["reproduce", "--claim", "nope", "--out", str(tmp_path)]) == 2
    assert "unknown claim" in capsys.readouterr().err


def test_reproduce_subprocess_no_traceback(tmp_path):
    cmd = [
        sys.executable,
        "-m",
        "boundkit",
        "reproduce",
        "--quick",
        "--claim",
        X1,
        "--out",
        str(tmp_path / "sub"),
        "--json",
        "--no-figures",
    ]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    summary = json.loads(proc.stdout)
    assert summary["exit_status"] == 0
    assert (tmp_path / "sub" / "report.md").is_file()


EXPERIMENT_PLUGIN = """
import numpy as np
from boundkit.claims import CheckOutcome, claim
from boundkit.classes import LinearClass
from boundkit.distributions import Gaussian
from boundkit.simulation import Experiment, get_toy, register_toy, simulate

register_toy(
    Experiment(
        Gaussian([0.5, 0.0, -0.2], np.diag([0.8, 1.2, 1.0])),
        Gaussian(np.zeros(3), np.eye(3)),
        LinearClass("identity", B=1.5),
        "kl",
        name="plugin-exp",
        mc_size=4096,
    ),
    overwrite=True,
)


@claim("user-c6a", level="numeric", statement="mean excess <= 2 R_n on my 3-D experiment")
def check_user_c6a(*, quick, rng):
    res = simulate(get_toy("plugin-exp"), [10, 40], n_replicates=6, n_mc=40, progress=False)
    best = res.population["divergence_best"]
    worst = max(
        r["excess_mean"] - 4 * r["excess_se"] - (r["bound_C6a"] - best) for r in res.summary()
    )
    return CheckOutcome(worst, 0.0, len(res.sizes), message=res.config["toy"]["population"])
"""


def test_reproduce_and_simulate_pick_up_a_plugin_experiment(tmp_path, capsys):
    """A user plugin registering an Experiment (3-D Gaussians: a Monte Carlo population) and a
    claim on it: ``reproduce --plugin`` runs the claim on the experiment, ``simulate --plugin``
    runs the experiment by name."""
    plugin = tmp_path / "my_experiment.py"
    plugin.write_text(EXPERIMENT_PLUGIN)
    from boundkit.claims import registry, unregister

    out = tmp_path / "rep"
    try:
        argv = ["reproduce", "--quick", "--quiet", "--no-figures", "--workers", "1"]
        argv += ["--out", str(out), "--plugin", str(plugin), "--claim", "user-c6a"]
        assert main(argv) == 0
        records = json.loads((out / "verify.json").read_text())
        assert [(r["claim"], r["status"]) for r in records] == [("user-c6a", "pass")]
        assert records[0]["message"] == "monte-carlo"  # ran on the plugin's experiment
        assert "user-c6a" in (out / "report.md").read_text()
    finally:
        if "user-c6a" in registry():
            unregister("user-c6a")
    capsys.readouterr()
    sim = tmp_path / "sim"
    argv = ["simulate", "plugin-exp", "--plugin", str(plugin), "--n", "10", "--replicates", "3"]
    assert main([*argv, "--n-mc", "20", "--quiet", "--out", str(sim)]) == 0
    stdout = capsys.readouterr().out
    assert stdout.startswith("plugin-exp: ") and "Monte Carlo population" in stdout
    csv = (sim / "results.csv").read_text().splitlines()
    assert csv[1].startswith("plugin-exp,") and "excess_mc_se" in csv[0].split(",")
