"""``boundkit conjugate``: text, --json, --latex, --list and one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import sympy as sp

from boundkit.cli import main


def _run(capsys, *argv):
    code = main(["conjugate", *argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_json_has_the_documented_keys_and_parsable_expressions(capsys):
    code, out, _ = _run(capsys, "pearson", "--json")
    assert code == 0
    doc = json.loads(out)
    for key in ("name", "f", "conjugate", "domain", "link", "fprime_at_1"):
        assert key in doc
    assert doc["name"] == "pearson"
    assert doc["domain"] == "(-oo, oo)"
    u, t = sp.Symbol("u"), sp.Symbol("t")
    f = sp.sympify(doc["f"], locals={"u": u})
    assert sp.expand(f - (u - 1) ** 2) == 0
    conj = sp.sympify(doc["conjugate"], locals={"t": t})
    # reference: -1 for t <= -2, t + t^2/4 above
    assert conj.subs(t, -3) == -1
    assert conj.subs(t, 2) == 3
    assert sp.sympify(doc["fprime_at_1"]) == 0


def test_positional_and_option_forms_agree(capsys):
    _, a, _ = _run(capsys, "reverse_kl", "--json")
    _, b, _ = _run(capsys, "--f", "rkl", "--json")
    assert json.loads(a)["conjugate"] == json.loads(b)["conjugate"]
    assert json.loads(a)["domain"] == "(-oo, 0)"


def test_user_expression_latex(capsys):
    code, out, _ = _run(capsys, "u*log(u) - log(u)", "--latex")
    assert code == 0
    assert "W\\left(" in out  # Jeffreys needs Lambert W
    assert "f^*(t)" in out


def test_text_output_names_domain_and_link(capsys):
    code, out, _ = _run(capsys, "total_variation")
    assert code == 0
    assert "(-oo, 1/2]" in out
    assert "(f*)'(t)" in out


def test_alpha_option(capsys):
    code, out, _ = _run(capsys, "alpha", "--alpha", "0.5", "--json")
    assert code == 0
    assert json.loads(out)["domain"] == "(-oo, 2)"


def test_list_shows_every_catalogue_name(capsys):
    from boundkit.generators import catalogue_entries

    code, out, _ = _run(capsys, "--list")
    assert code == 0
    for e in catalogue_entries():
        assert e.name in out
    code, out, _ = _run(capsys, "--list", "--json")
    names = [row["name"] for row in json.loads(out)]
    assert names == [e.name for e in catalogue_entries()]


@pytest.mark.parametrize(
    ("arg", "fragment"),
    [
        ("sin(u)", "not convex"),
        ("u**2", "f(1) = 1"),
        ("__import__('os')", "not allowed"),
        ("u +* 2", "cannot parse"),
        ("nosuchname", "unknown generator"),
    ],
)
def test_user_mistakes_are_one_line_errors(arg, fragment):
    proc = subprocess.run(
        [sys.executable, "-m", "boundkit", "conjugate", arg], capture_output=True, text=True
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert fragment in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    assert proc.stdout == ""


def test_missing_generator_is_an_error():
    from boundkit import BoundkitError

    with pytest.raises(BoundkitError, match="no generator given"):
        _call_run()


def _call_run():
    import argparse

    from boundkit.cli._cmd_conjugate import add_arguments, run

    parser = argparse.ArgumentParser()
    add_arguments(parser)
    return run(parser.parse_args([]))
