"""``boundkit guidance``: table, JSON, list and one-line errors."""

from __future__ import annotations

import json

import pytest

from boundkit.cli import main

SMALL = ["--particles", "400", "--steps", "20", "--seeds", "2", "--disc", "optimal"]


def test_table_output(capsys):
    assert main(["guidance", *SMALL, "--profile"]) == 0
    out = capsys.readouterr().out
    assert "exact KL(P||Q)" in out and "optimal" in out and "per-time accuracy" in out


def test_json_is_one_document(capsys):
    assert main(["guidance", *SMALL, "--json", "--weights", "0,1", "--quiet"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["setting"] == "bimodal" and len(doc["rows"]) == 2
    rows = {r["weight"]: r for r in doc["rows"]}
    assert rows[1.0]["w1_p"] < rows[0.0]["w1_p"]
    assert doc["profiles"]["optimal"][0]["t"] == 0.0


def test_workers_give_the_same_json(capsys):
    args = ["guidance", *SMALL, "--json", "--weights", "0,1", "--quiet"]
    assert main(args) == 0
    one = json.loads(capsys.readouterr().out)
    assert main([*args, "--workers", "2"]) == 0
    two = json.loads(capsys.readouterr().out)
    assert one["rows"] == two["rows"] and len(two["rows"]) == 2


def test_list(capsys):
    assert main(["guidance", "--list", "--json"]) == 0
    names = [t["name"] for t in json.loads(capsys.readouterr().out)]
    assert "bimodal" in names and "square-2d" in names


def test_2d_json(capsys):
    args = ["guidance", "--setting", "square-2d", *SMALL, "--json", "--weights", "1"]
    assert main(args) == 0
    doc = json.loads(capsys.readouterr().out)
    assert "mmd2_p" in doc["rows"][0]


@pytest.mark.parametrize(
    "argv",
    [
        ["--setting", "nope"],
        ["--weights", "a,b"],
        ["--disc", "svm:3"],
        ["--window", "1"],
        ["--particles", "0"],
        ["--workers", "0", "--particles", "20", "--steps", "2", "--seeds", "1"],
    ],
)
def test_user_errors_exit_2(argv, capsys):
    assert main(["guidance", *argv]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "error" in err
