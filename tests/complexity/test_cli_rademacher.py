"""``boundkit rademacher``: JSON keys and values, data files, toys, one-line errors."""

from __future__ import annotations

import json

import numpy as np
import pytest

from boundkit.cli import main


def _run_json(capsys, argv):
    assert main(argv) == 0
    out = capsys.readouterr().out
    return json.loads(out)


def test_json_on_a_data_file_matches_closed_form(tmp_path, capsys):
    x = np.array([[1.0, 2.0], [0.5, -1.0]])
    path = tmp_path / "x.csv"
    np.savetxt(path, x, delimiter=",")
    doc = _run_json(
        capsys, ["rademacher", "--class", "linear-l2", "--data", str(path), "--B", "2", "--json"]
    )
    closed = 2.0 * (np.linalg.norm(x[0] + x[1]) + np.linalg.norm(x[0] - x[1])) / 4
    for key in ("estimate", "stderr", "lower", "upper", "method", "n"):
        assert key in doc
    assert doc["estimate"] == pytest.approx(closed)
    assert doc["n"] == 2 and doc["method"] == "exact-enumeration" and doc["class"] == "linear-l2"
    assert {b["name"] for b in doc["bounds"]} == {"khintchine-lower", "khintchine-upper"}


@pytest.mark.parametrize("cls", ["linear-l1", "linear-linf", "rkhs", "relu2"])
def test_toys_monte_carlo(capsys, cls):
    argv = ["rademacher", "--class", cls, "--toy", "gaussian", "--dim", "1", "--n", "40"]
    argv += ["--sigmas", "50", "--seed", "3", "--json"]
    doc = _run_json(capsys, argv)
    assert doc["method"] == "monte-carlo" and doc["n"] == 40 and doc["stderr"] > 0
    assert doc["lower"] <= doc["upper"]
    again = _run_json(capsys, argv)
    assert again["estimate"] == doc["estimate"]


def test_finite_values_file_and_text_output(tmp_path, capsys):
    H = np.array([[1.0, -1.0, 0.0], [0.5, 0.5, 0.5]])
    path = tmp_path / "h.npy"
    np.save(path, H)
    doc = _run_json(capsys, ["rademacher", "--class", "finite", "--data", str(path), "--json"])
    signs = np.array([[a, b, c] for a in (-1, 1) for b in (-1, 1) for c in (-1, 1)], float)
    assert doc["estimate"] == pytest.approx((signs @ H.T).max(axis=1).mean() / 3)
    assert main(["rademacher", "--class", "finite", "--data", str(path)]) == 0
    text = capsys.readouterr().out
    assert "estimate" in text and "massart" in text


def test_expected_over_samples(capsys):
    doc = _run_json(
        capsys,
        [
            "rademacher",
            "--class",
            "linear-l2",
            "--toy",
            "uniform",
            "--n",
            "12",
            "--samples",
            "3",
            "--json",
        ],
    )
    assert doc["quantity"] == "expected R_n" and doc["n_samples"] == 3 and doc["stderr"] > 0


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--toy", "gaussian"], "--n"),
        (["--toy", "nope", "--n", "3"], "unknown toy"),
        (["--toy", "gaussian", "--n", "3", "--B", "0"], "--B"),
        (["--toy", "gaussian", "--n", "3", "--sigmas", "1"], "--sigmas"),
        ([], "exactly one of"),
        (["--data", "/nonexistent/file.csv"], "does not exist"),
    ],
)
def test_user_errors_are_one_line(capsys, argv, message):
    assert main(["rademacher", "--class", "linear-l2", *argv]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err and err.count("\n") == 1


def test_nan_data_file(tmp_path, capsys):
    path = tmp_path / "bad.txt"
    path.write_text("1 2\nnan 3\n")
    assert main(["rademacher", "--class", "rkhs", "--data", str(path)]) == 2
    assert "NaN" in capsys.readouterr().err


def test_single_run_shows_a_progress_bar_on_a_tty(monkeypatch, capsys):
    import io
    import sys

    class _TTY(io.StringIO):
        def isatty(self) -> bool:
            return True

    for quiet, expect_bar in ((False, True), (True, False)):
        err = _TTY()
        monkeypatch.setattr(sys, "stderr", err)
        argv = ["rademacher", "--class", "linear-l2", "--toy", "gaussian", "--n", "300"]
        assert main(argv + (["--quiet"] if quiet else [])) == 0
        assert ("R_S" in err.getvalue()) is expect_bar
        assert "estimate" in capsys.readouterr().out
