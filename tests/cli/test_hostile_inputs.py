"""Hostile and malformed command-line input: one stderr line, exit 2, no traceback, no hang.

The catalogue below is the issue's list of inputs that used to end in a traceback, a hang or a
silent wrong number, for the subcommands whose arguments come from the shared CLI layer
(``boundkit.cli._common``). Each case runs in-process through :func:`boundkit.cli.main` and
asserts: the exit status, exactly one line on stderr naming the problem, no traceback, and a
wall-clock bound (a hang fails the test instead of blocking CI).
"""

from __future__ import annotations

import pickle
import subprocess
import sys
import time

import numpy as np
import pytest

from boundkit.cli import main

#: a generous wall-clock bound for one hostile input (a hang used to take minutes)
SECONDS = 20.0


@pytest.fixture()
def files(tmp_path):
    x = np.linspace(-1.0, 1.0, 5)
    np.save(tmp_path / "x.npy", x)
    np.save(tmp_path / "p.npy", np.array([0.1, 0.2, 0.3, 0.2, 0.2]))
    np.save(tmp_path / "q.npy", np.full(5, 0.2))
    np.save(tmp_path / "pts.npy", np.random.default_rng(0).normal(size=(12, 2)))
    np.save(tmp_path / "complex.npy", np.array([1 + 2j, 3 - 1j]))
    with open(tmp_path / "pickled.npy", "wb") as fh:  # an object array saved with pickle
        np.save(fh, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    (tmp_path / "corrupt.npy").write_bytes(b"\x93NUMPY garbage that is not an array")
    (tmp_path / "words.csv").write_text("a,b\nc,d\n")
    (tmp_path / "afile").write_text("not a directory")
    with open(tmp_path / "raw.pkl", "wb") as fh:
        pickle.dump([1, 2, 3], fh)
    return tmp_path


def _duality(tmp, *extra, atoms="x.npy"):
    return [
        "duality",
        "--atoms",
        str(tmp / atoms),
        "--p",
        str(tmp / "p.npy"),
        "--q",
        str(tmp / "q.npy"),
        *extra,
    ]


def _rademacher(*extra):
    return ["rademacher", "--class", "linear-l2", *extra]


#: (case id, argv builder, text that the one error line must contain)
CASES = [
    # seeds: negative, non-integer, absurd
    (
        "negative seed",
        lambda t: _rademacher("--toy", "gaussian", "--n", "5", "--seed", "-1"),
        "seed",
    ),
    ("float seed", lambda t: _rademacher("--toy", "gaussian", "--n", "5", "--seed", "1.5"), "seed"),
    (
        "huge seed",
        lambda t: _rademacher("--toy", "gaussian", "--n", "5", "--seed", "9" * 60),
        "seed",
    ),
    ("negative seed duality", lambda t: _duality(t, "--seed", "-3"), "seed"),
    # sizes and radii
    ("B inf", lambda t: _rademacher("--toy", "gaussian", "--n", "5", "--B", "inf"), "--B"),
    ("B nan", lambda t: _rademacher("--toy", "gaussian", "--n", "5", "--B", "nan"), "--B"),
    ("B negative", lambda t: _duality(t, "--B", "-1"), "--B"),
    ("n zero", lambda t: _rademacher("--toy", "gaussian", "--n", "0"), "--n"),
    ("n negative", lambda t: _rademacher("--toy", "gaussian", "--n", "-4"), "--n"),
    ("dim zero", lambda t: _rademacher("--toy", "gaussian", "--n", "4", "--dim", "0"), "--dim"),
    (
        "sigmas text",
        lambda t: _rademacher("--toy", "gaussian", "--n", "4", "--sigmas", "x"),
        "--sigmas",
    ),
    ("tol zero", lambda t: _duality(t, "--tol", "0"), "--tol"),
    ("gamma inf", lambda t: _duality(t, "--class", "rkhs", "--gamma", "inf"), "--gamma"),
    (
        "poly features in 10-D of degree 40",
        lambda t: [
            "rademacher",
            "--class",
            "linear-l2",
            "--toy",
            "gaussian",
            "--n",
            "4",
            "--dim",
            "10",
            "--features",
            "poly",
            "--degree",
            "40",
        ],
        "limit",
    ),
    (
        "huge relu width",
        lambda t: [
            "rademacher",
            "--class",
            "relu2",
            "--toy",
            "gaussian",
            "--n",
            "4",
            "--width",
            "1000000000",
        ],
        "limit",
    ),
    # files
    ("complex data", lambda t: _rademacher("--data", str(t / "complex.npy")), "complex"),
    ("pickled npy", lambda t: _duality(t, atoms="pickled.npy"), "pickle"),
    ("corrupt npy", lambda t: _duality(t, atoms="corrupt.npy"), "cannot read"),
    ("text csv", lambda t: _duality(t, atoms="words.csv"), "cannot read"),
    ("directory as data", lambda t: _rademacher("--data", str(t)), "directory"),
    ("missing file", lambda t: _rademacher("--data", str(t / "nope.npy")), "does not exist"),
    # feature expressions
    ("big integer power", lambda t: _duality(t, "--features", "9**9**9"), "not finite"),
    ("nested big power", lambda t: _duality(t, "--features", "x + (9**9)**(9**9)"), "not finite"),
    ("string constant", lambda t: _duality(t, "--features", "'abc'"), "constants"),
    ("attribute access", lambda t: _duality(t, "--features", "x.__class__"), "not allowed"),
    ("keyword call", lambda t: _duality(t, "--features", "exp(x=1)"), "may be called"),
    ("lambda", lambda t: _duality(t, "--features", "(lambda: 1)()"), "feature"),
    ("dunder import", lambda t: _duality(t, "--features", "__import__('os')"), "feature"),
    ("empty features", lambda t: _duality(t, "--features", " , "), "empty"),
    ("log of negative", lambda t: _duality(t, "--features", "log(x - 5)"), "not finite"),
    ("overlong expression", lambda t: _duality(t, "--features", "x+" * 2000 + "x"), "longer"),
    # generators and classes
    ("unknown generator", lambda t: _duality(t, "--f", "no_such_generator_xyz"), "generator"),
    (
        "unknown class",
        lambda t: ["rademacher", "--class", "linear-l3", "--toy", "gaussian"],
        "--class",
    ),
    ("conjugate alpha inf", lambda t: ["conjugate", "alpha", "--alpha", "inf"], "--alpha"),
    ("conjugate alpha text", lambda t: ["conjugate", "alpha", "--alpha", "one"], "--alpha"),
]


@pytest.mark.parametrize(("argv_of", "needle"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_hostile_input_is_one_clear_line(files, capsys, argv_of, needle):
    start = time.perf_counter()
    status = main(argv_of(files))
    elapsed = time.perf_counter() - start
    captured = capsys.readouterr()
    err = captured.err
    assert status == 2, err
    assert "Traceback" not in err
    assert err.count("\n") == 1, err
    assert "error" in err and needle in err, err
    assert elapsed < SECONDS


def test_usage_errors_return_2_instead_of_raising(capsys):
    assert main(["rademacher", "--class"]) == 2
    assert main(["no-such-command"]) == 2
    assert main(["--help"]) == 0  # --help is a success, printed on stdout
    assert "usage" in capsys.readouterr().out


def test_numerical_warnings_do_not_reach_stderr(files):
    """A feature that divides by zero on the data: the error is one line, no RuntimeWarning."""
    proc = subprocess.run(
        [sys.executable, "-m", "boundkit", *_duality(files, "--features", "1/(x - x)")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2
    assert "Warning" not in proc.stderr and "Traceback" not in proc.stderr
    assert proc.stderr.count("\n") == 1


def test_help_does_not_import_numpy():
    """``boundkit --help`` builds every subparser; none may import numpy at module level."""
    code = (
        "import sys\n"
        "from boundkit.cli import build_parser\n"
        "build_parser().format_help()\n"
        "print(sorted(m for m in ('numpy', 'scipy', 'sympy', 'matplotlib') if m in sys.modules))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert proc.stdout.strip() == "[]"


def test_internal_errors_are_one_line(monkeypatch, capsys):
    """A bug (an unexpected exception) is one line with exit 70, never a traceback."""
    from boundkit.cli import _cmd_conjugate

    def broken(args):
        raise ZeroDivisionError("boom")

    monkeypatch.delenv("BOUNDKIT_DEBUG", raising=False)
    monkeypatch.setattr(_cmd_conjugate, "run", broken)
    assert main(["conjugate", "kl"]) == 70
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "internal error: ZeroDivisionError: boom" in err
    monkeypatch.setenv("BOUNDKIT_DEBUG", "1")
    with pytest.raises(ZeroDivisionError):
        main(["conjugate", "kl"])
