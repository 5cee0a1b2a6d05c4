"""``boundkit duality`` end to end: files in, one JSON document out, clear errors."""

from __future__ import annotations

import json

import numpy as np
import pytest
from scipy.special import logsumexp

from boundkit.cli import main


@pytest.fixture()
def files(tmp_path):
    x = np.linspace(-1.0, 1.0, 7)
    p = np.array([0.05, 0.1, 0.1, 0.15, 0.2, 0.2, 0.2])
    q = np.full(7, 1 / 7)
    np.save(tmp_path / "x.npy", x)
    np.savetxt(tmp_path / "p.csv", p, delimiter=",")
    np.save(tmp_path / "q.npy", q)
    return tmp_path, x, p, q


def _args(tmp, *extra, atoms="x.npy", p="p.csv"):
    return [
        "duality",
        "--atoms",
        str(tmp / atoms),
        "--p",
        str(tmp / p),
        "--q",
        str(tmp / "q.npy"),
        *extra,
    ]


def test_json_output_and_values(files, capsys):
    tmp, x, p, q = files
    assert main(_args(tmp, "--features", "x", "--B", "0.5", "--json")) == 0
    out = json.loads(capsys.readouterr().out)
    for key in ("dual", "primal", "gap", "refined_l1_to_primal", "ipm_at_refined", "status"):
        assert key in out
    assert out["status"] == "optimal"
    # independent: h = w x, |w| <= 0.5; objective increasing in w here, so w = 0.5
    ws = np.linspace(-0.5, 0.5, 20001)
    vals = ws * (p @ x) - np.array([logsumexp(w * x, b=q) for w in ws])
    assert out["dual"] == pytest.approx(vals.max(), rel=1e-7)
    assert out["gap"] < 1e-6


def test_total_variation_table_says_why_c4_identities_may_fail(files, capsys):
    tmp, *_ = files
    assert main(_args(tmp, "--features", "x", "--B", "0.5", "--f", "tv")) == 0
    text = capsys.readouterr().out
    assert "not differentiable" in text and "total variation" in text
    assert main(_args(tmp, "--features", "x", "--B", "0.5", "--f", "pearson")) == 0
    assert "not differentiable" not in capsys.readouterr().out


def test_kernel_and_text_output(files, capsys):
    tmp, *_ = files
    assert (
        main(_args(tmp, "--class", "rkhs", "--kernel", "rbf", "--gamma", "2", "--f", "pearson"))
        == 0
    )
    text = capsys.readouterr().out
    assert "dual" in text and "C4" in text


@pytest.mark.parametrize(
    "extra,needle",
    [
        (("--B", "-1"), "--B"),
        (("--features", "__import__('os')"), "feature"),
        (("--features", "y**2"), "unknown name"),
        (("--f", "no_such_generator_xyz"), ""),
    ],
)
def test_user_errors_exit_2(files, capsys, extra, needle):
    tmp, *_ = files
    assert main(_args(tmp, *extra)) == 2
    err = capsys.readouterr().err
    assert "error" in err and needle in err and len(err.strip().splitlines()) == 1


def test_bad_files_exit_2(files, tmp_path, capsys):
    tmp, *_ = files
    np.save(tmp / "bad.npy", np.array([0.5, 0.6, 0.0, 0.0, 0.0, 0.0, 0.0]))
    assert main(_args(tmp, p="bad.npy")) == 2
    np.save(tmp / "short.npy", np.array([0.5, 0.5]))
    assert main(_args(tmp, p="short.npy")) == 2
    assert main(_args(tmp, atoms="missing.npy")) == 2
    np.save(tmp / "nan.npy", np.array([0.0, np.nan, 1, 2, 3, 4, 5]))
    assert main(_args(tmp, atoms="nan.npy")) == 2
    err = capsys.readouterr().err
    assert err.count("error") == 4
