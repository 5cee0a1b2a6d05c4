"""``boundkit bound``: JSON output, itemised terms, errors as one line with exit 2."""

from __future__ import annotations

import json
import math

import pytest

from boundkit.cli import main


def test_bound_json_given_terms(capsys):
    rc = main(
        [
            "bound",
            "C6b",
            "--n",
            "50",
            "--population",
            "0.2",
            "--rademacher",
            "0.03",
            "--range=-1,1",
            "--json",
        ]
    )
    assert rc == 0
    doc = json.loads(capsys.readouterr().out)
    dev = 2 * 2 * math.sqrt(math.log(2 / 0.05) / 100)
    assert doc["terms"]["deviation"] == pytest.approx(dev, rel=1e-14)
    assert doc["value"] == pytest.approx(0.2 + 0.06 + dev, rel=1e-14)


def test_bound_toy_json(capsys):
    assert main(["bound", "C6c", "--toy", "finite", "--n", "10", "--json", "--seed", "3"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert set(doc["terms"]) == {"population", "refinement", "rademacher", "deviation"}
    assert doc["rademacher"]["method"].startswith("exact")
    assert main(["bound", "C7", "--toy", "gauss1d-quadratic", "--n", "30", "--n-mc", "200"]) == 0
    assert "C7" in capsys.readouterr().out


@pytest.mark.parametrize(
    "argv, match",
    [
        (["bound", "C6a", "--n", "1", "--population", "0", "--rademacher", "0"], "n must be"),
        (
            [
                "bound",
                "C6a",
                "--n",
                "9",
                "--delta",
                "1.2",
                "--population",
                "0",
                "--rademacher",
                "0",
            ],
            "delta",
        ),
        (["bound", "C6b", "--toy", "gauss1d-quadratic", "--n", "9"], "unbounded"),
        (["bound", "C6a", "--toy", "nope", "--n", "9"], "unknown toy"),
        (["bound", "C6a", "--n", "9"], "give --toy"),
        (["bound", "C8", "--n", "9", "--population", "0", "--rademacher", "0"], "unknown bound"),
    ],
)
def test_bound_errors(capsys, argv, match):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert match in err and err.count("\n") == 1
