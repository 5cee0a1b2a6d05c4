"""``boundkit derive``: text, LaTeX and JSON output, exit codes, user errors."""

from __future__ import annotations

import json

import pytest

from boundkit.cli import main


def test_shift_text(capsys):
    assert main(["derive", "shift", "--f", "kl"]) == 0
    out = capsys.readouterr().out
    assert "log(E_Q[exp(h)])" in out
    assert "VERIFIED" in out


def test_pearson_latex(capsys):
    assert main(["derive", "shift", "--f", "pearson", "--latex"]) == 0
    out = capsys.readouterr().out
    assert r"\begin{enumerate}" in out
    assert r"\operatorname{Var}_{Q}" in out


def test_json_is_one_document(capsys):
    assert main(["derive", "fenchel-young", "--f", "u*log(u) - u + 1", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["name"] == "fenchel-young"
    assert doc["status"] == "verified"
    assert doc["method"] in ("simplify", "numeric-points")
    assert doc["steps"] and all("latex" in s for s in doc["steps"])


@pytest.mark.parametrize("name", ["refined-density", "kl-identity", "kkt", "guidance"])
def test_each_derivation_runs(name, capsys):
    assert main(["derive", name, "--f", "kl", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["status"] == "verified"


def test_not_closed_exits_zero_and_says_why(capsys):
    assert main(["derive", "shift", "--f", "reverse_kl"]) == 0
    out = capsys.readouterr().out
    assert "NOT CLOSED" in out and "does not separate" in out


def test_unknown_generator_is_a_user_error(capsys):
    assert main(["derive", "shift", "--f", "no_such_generator_xyz"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("boundkit derive: error:") and err.count("\n") == 1


def test_bad_alpha(capsys):
    assert main(["derive", "shift", "--f", "alpha", "--alpha", "abc"]) == 2


def test_unknown_derivation():
    # a usage error is returned as exit status 2 (main never raises SystemExit)
    assert main(["derive", "nonsense", "--f", "kl"]) == 2
