"""``boundkit simulate``: table, JSON, --list, files written, errors."""

from __future__ import annotations

import json

import numpy as np

from boundkit.cli import main
from boundkit.simulation._harness import load_results, simulate


def test_simulate_json_and_files(capsys, tmp_path):
    rc = main(
        [
            "simulate",
            "gauss1d-quadratic",
            "--n",
            "10,30",
            "--replicates",
            "20",
            "--n-mc",
            "100",
            "--seed",
            "4",
            "--out",
            str(tmp_path),
            "--json",
            "--quiet",
        ]
    )
    assert rc == 0
    doc = json.loads(capsys.readouterr().out)
    assert [r["n"] for r in doc["summary"]] == [10, 30]
    res = load_results(tmp_path)
    ref = simulate("gauss1d-quadratic", [10, 30], n_replicates=20, n_mc=100, seed=4)
    assert np.array_equal(res.table["divergence"], ref.table["divergence"])


def test_simulate_table_and_list(capsys):
    assert (
        main(["simulate", "finite", "--n", "5,20", "--replicates", "10", "--n-mc", "50", "--quiet"])
        == 0
    )
    out = capsys.readouterr().out
    assert "viol C6b" in out and out.splitlines()[0].startswith("finite")
    assert main(["simulate", "--list", "--json"]) == 0
    names = [d["name"] for d in json.loads(capsys.readouterr().out)]
    assert "mixture2d" in names


def test_simulate_errors(capsys):
    assert main(["simulate", "finite", "--n", "1,5"]) == 2
    assert "n must be >= 2" in capsys.readouterr().err
    assert main(["simulate", "nope"]) == 2
    assert "unknown toy" in capsys.readouterr().err
    assert main(["simulate"]) == 2


def test_simulate_hostile_options_one_line(capsys, tmp_path):
    f = tmp_path / "file"
    f.write_text("")
    for argv, match in [
        (["--n-mc", "0"], "n_mc (--n-mc) must be an integer >= 2"),
        (["--out", str(f)], "exists and is not a directory"),
        (["--seed", "-4"], "argument --seed: expected an integer in [0"),
    ]:
        assert main(["simulate", "finite", "--n", "5", "--replicates", "4", *argv]) == 2
        err = capsys.readouterr().err
        assert match in err and len(err.strip().splitlines()) == 1, err
