"""Issue 19's hostile-input catalogue, for every subcommand and the main Python entry points.

Each case is an input an adversarial (or careless) user would type. It must end in one line on
stderr naming the problem and exit 2 (or the documented status), never a traceback, a hang, a
silent NaN/inf or a false success. Cases run in-process through :func:`boundkit.cli.main`
(fast); the ones that need a real process (an unreachable dask scheduler) use a subprocess with
a timeout. Sizes that would exhaust memory are refused *before* anything is allocated, with the
number and the limit, so the wall-clock bound below also bounds their memory.
"""

from __future__ import annotations

import pickle
import re
import subprocess
import sys
import time

import numpy as np
import pytest

from boundkit.cli import main

#: wall-clock bound of one hostile input (a hang used to take minutes)
SECONDS = 20.0

_NONFINITE = re.compile(r"\b(nan|inf|-inf|Infinity|NaN)\b")


@pytest.fixture()
def t(tmp_path):
    """A folder of good and bad input files."""
    return make_files(tmp_path)


def make_files(tmp_path):
    """Write the good and bad input files of the catalogue into ``tmp_path``."""
    np.save(tmp_path / "x.npy", np.linspace(-1.0, 1.0, 5))
    np.save(tmp_path / "p.npy", np.array([0.1, 0.2, 0.3, 0.2, 0.2]))
    np.save(tmp_path / "q.npy", np.full(5, 0.2))
    np.save(tmp_path / "pts.npy", np.random.default_rng(0).normal(size=(30, 2)))
    np.save(tmp_path / "complex.npy", np.array([1 + 2j, 3 - 1j, 2 + 0j]))
    np.save(tmp_path / "nan.npy", np.array([0.1, np.nan, 0.3, 0.2, 0.2]))
    np.save(tmp_path / "empty.npy", np.zeros(0))
    with open(tmp_path / "pickled.npy", "wb") as fh:
        np.save(fh, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    (tmp_path / "words.csv").write_text("a,b\nc,d\n")
    (tmp_path / "nan.csv").write_text("a,b\n1,2\nnan,3\n4,5\n")
    (tmp_path / "values.txt").write_text("0.1 0.2 nan 0.3\n")
    (tmp_path / "afile").write_text("not a directory")
    (tmp_path / "bad.toml").write_text("this is = = not toml [\n")
    with open(tmp_path / "raw.pkl", "wb") as fh:
        pickle.dump([1, 2, 3], fh)
    return tmp_path


def _duality(t, *extra, atoms="x.npy", p="p.npy", q="q.npy"):
    return ["duality", "--atoms", str(t / atoms), "--p", str(t / p), "--q", str(t / q), *extra]


def _rad(*extra):
    return ["rademacher", "--class", "linear-l2", "--toy", "gaussian", "--n", "5", *extra]


def _bound(*extra):
    return ["bound", "C6a", "--n", "100", "--population", "0.1", "--rademacher", "0.2", *extra]


def _sim(*extra):
    return ["simulate", "finite", "--n", "10", "--replicates", "2", "--quiet", *extra]


def _gui(*extra):
    return ["guidance", "--particles", "50", "--steps", "5", "--seeds", "1", "--quiet", *extra]


def _ref(*extra):
    return ["refine", "--dataset", "iris", "--quiet", "--no-picture", *extra]


BIG = "1" + "0" * 12  # 1e12, as an integer

#: (case id, argv builder, text the one error line must contain)
CASES = [
    # ---- conjugate
    ("conjugate alpha nan", lambda t: ["conjugate", "alpha", "--alpha", "nan"], "--alpha"),
    ("conjugate empty expr", lambda t: ["conjugate", "  "], "generator"),
    ("conjugate dunder", lambda t: ["conjugate", "__import__('os').getcwd()"], "u"),
    ("conjugate unknown", lambda t: ["conjugate", "--f", "no_such_gen"], "generator"),
    # ---- derive
    ("derive atoms zero", lambda t: ["derive", "shift", "--atoms", "0"], "--atoms"),
    ("derive atoms negative", lambda t: ["derive", "shift", "--atoms", "-1"], "--atoms"),
    ("derive atoms huge", lambda t: ["derive", "shift", "--atoms", "1000000"], "--atoms"),
    ("derive alpha inf", lambda t: ["derive", "shift", "--f", "alpha", "--alpha", "inf"], "alpha"),
    ("derive alpha nan", lambda t: ["derive", "shift", "--f", "alpha", "--alpha", "nan"], "alpha"),
    ("derive unknown f", lambda t: ["derive", "shift", "--f", "no_such_gen"], "generator"),
    # ---- duality
    ("duality float seed", lambda t: _duality(t, "--seed", "1.5"), "seed"),
    ("duality huge seed", lambda t: _duality(t, "--seed", "9" * 60), "seed"),
    ("duality B inf", lambda t: _duality(t, "--B", "inf"), "--B"),
    ("duality tol nan", lambda t: _duality(t, "--tol", "nan"), "--tol"),
    ("duality nan p", lambda t: _duality(t, p="nan.npy"), "NaN"),
    ("duality empty atoms", lambda t: _duality(t, atoms="empty.npy"), "empty"),
    ("duality complex atoms", lambda t: _duality(t, atoms="complex.npy"), "complex"),
    ("duality raw pickle", lambda t: _duality(t, atoms="raw.pkl"), "cannot read"),
    ("duality p as q mismatch", lambda t: _duality(t, p="pts.npy"), "p"),
    ("duality atoms directory", lambda t: _duality(t, atoms="."), "directory"),
    ("duality relu width", lambda t: _duality(t, "--class", "relu2", "--width", BIG), "--class"),
    (
        "duality rff huge",
        lambda t: _duality(t, "--features", "rff", "--n-components", BIG),
        "limit",
    ),
    # ---- rademacher
    ("rademacher seed -1", lambda t: _rad("--seed", "-1"), "seed"),
    ("rademacher sigmas huge", lambda t: _rad("--sigmas", BIG, "--method", "monte-carlo"), "limit"),
    (
        "rademacher exact 2**100 sign vectors",
        lambda t: [
            "rademacher",
            "--class",
            "linear-l2",
            "--toy",
            "gaussian",
            "--n",
            "100",
            "--method",
            "exact",
        ],
        "too large",
    ),
    (
        "rademacher toy n huge",
        lambda t: ["rademacher", "--class", "linear-l2", "--toy", "gaussian", "--n", BIG],
        "limit",
    ),
    ("rademacher samples huge", lambda t: _rad("--samples", BIG), "limit"),
    ("rademacher dim huge", lambda t: _rad("--dim", BIG), "limit"),
    (
        "rademacher nan data",
        lambda t: ["rademacher", "--class", "linear-l2", "--data", str(t / "nan.csv")],
        "NaN",
    ),
    (
        "rademacher empty data",
        lambda t: ["rademacher", "--class", "linear-l2", "--data", str(t / "empty.npy")],
        "empty",
    ),
    (
        "rademacher pickled data",
        lambda t: ["rademacher", "--class", "linear-l2", "--data", str(t / "pickled.npy")],
        "pickle",
    ),
    ("rademacher string feature", lambda t: _rad("--features", "x1 + 'a'"), "constants"),
    (
        "rademacher unknown toy",
        lambda t: ["rademacher", "--class", "linear-l2", "--toy", "nope", "--n", "5"],
        "toy",
    ),
    # ---- bound
    ("bound seed -1", lambda t: _bound("--seed", "-1"), "seed"),
    ("bound delta 0", lambda t: _bound("--delta", "0"), "--delta"),
    ("bound delta 1", lambda t: _bound("--delta", "1"), "--delta"),
    ("bound delta nan", lambda t: _bound("--delta", "nan"), "--delta"),
    (
        "bound n negative",
        lambda t: ["bound", "C6a", "--n", "-5", "--population", "0.1", "--rademacher", "0.2"],
        "--n",
    ),
    (
        "bound n-mc 0",
        lambda t: ["bound", "C6a", "--toy", "finite", "--n", "10", "--n-mc", "0"],
        "--n-mc",
    ),
    (
        "bound population nan",
        lambda t: ["bound", "C6a", "--n", "100", "--population", "nan", "--rademacher", "0.2"],
        "--population",
    ),
    (
        "bound population negative",
        lambda t: ["bound", "C6a", "--n", "100", "--population", "-1", "--rademacher", "0.2"],
        "population",
    ),
    (
        "bound rademacher inf",
        lambda t: ["bound", "C6a", "--n", "100", "--population", "0.1", "--rademacher", "inf"],
        "--rademacher",
    ),
    (
        "bound refinement-divergence inf",
        lambda t: _bound("--refinement-divergence", "inf"),
        "--refinement-divergence",
    ),
    ("bound unknown f", lambda t: _bound("--f", "no_such_gen"), "generator"),
    (
        "bound unknown claim",
        lambda t: ["bound", "C99", "--n", "100", "--population", "0.1", "--rademacher", "0.2"],
        "C99",
    ),
    (
        "bound range reversed",
        lambda t: [
            "bound",
            "C6b",
            "--n",
            "100",
            "--population",
            "0.1",
            "--rademacher",
            "0.2",
            "--range=1,-1",
        ],
        "range",
    ),
    (
        "bound range nan",
        lambda t: [
            "bound",
            "C6b",
            "--n",
            "100",
            "--population",
            "0.1",
            "--rademacher",
            "0.2",
            "--range=nan,1",
        ],
        "range",
    ),
    (
        "bound holdout nan values",
        lambda t: [
            "bound",
            "holdout",
            "--values",
            str(t / "values.txt"),
            "--lam",
            "0.1",
            "--range=-1,1",
        ],
        "values",
    ),
    (
        "bound holdout lam inf",
        lambda t: ["bound", "holdout", "--values", str(t / "x.npy"), "--lam", "inf"],
        "--lam",
    ),
    ("bound toy n huge", lambda t: ["bound", "C6a", "--toy", "finite", "--n", BIG], "limit"),
    (
        "bound n-mc huge",
        lambda t: ["bound", "C6a", "--toy", "finite", "--n", "10", "--n-mc", BIG],
        "limit",
    ),
    # ---- simulate
    ("simulate seed -1", lambda t: _sim("--seed", "-1"), "seed"),
    ("simulate n zero", lambda t: ["simulate", "finite", "--n", "0"], "sample size"),
    ("simulate n text", lambda t: ["simulate", "finite", "--n", "ten"], "sample size"),
    ("simulate n-mc 0", lambda t: _sim("--n-mc", "0"), "--n-mc"),
    ("simulate delta 0", lambda t: _sim("--delta", "0"), "--delta"),
    ("simulate out is a file", lambda t: _sim("--out", str(t / "afile")), "afile"),
    (
        "simulate unknown backend",
        lambda t: _sim("--workers", "2", "--backend", "nosuch"),
        "backend",
    ),
    ("simulate unknown toy", lambda t: ["simulate", "no-such-toy"], "toy"),
    ("simulate bad spec", lambda t: ["simulate", "--spec", str(t / "bad.toml")], "bad.toml"),
    (
        "simulate replicates huge",
        lambda t: ["simulate", "finite", "--n", "10", "--replicates", BIG],
        "limit",
    ),
    ("simulate n huge", lambda t: ["simulate", "finite", "--n", BIG, "--replicates", "2"], "limit"),
    # ---- guidance
    ("guidance seed -1", lambda t: _gui("--seed", "-1"), "seed"),
    ("guidance t-max inf", lambda t: _gui("--t-max", "inf"), "--t-max"),
    ("guidance t-max nan", lambda t: _gui("--t-max", "nan"), "--t-max"),
    ("guidance t-max 0", lambda t: _gui("--t-max", "0"), "--t-max"),
    (
        "guidance mlp-alpha inf",
        lambda t: _gui("--mlp-alpha", "inf", "--disc", "mlp:4"),
        "--mlp-alpha",
    ),
    ("guidance mlp-lr nan", lambda t: _gui("--mlp-lr", "nan", "--disc", "mlp:4"), "--mlp-lr"),
    ("guidance particles 0", lambda t: _gui("--particles", "0"), "--particles"),
    ("guidance steps -1", lambda t: _gui("--steps", "-1"), "--steps"),
    ("guidance workers 0", lambda t: _gui("--workers", "0"), "--workers"),
    ("guidance weights nan", lambda t: _gui("--weights", "0,nan"), "weights"),
    ("guidance window inf", lambda t: _gui("--window", "0,inf"), "window"),
    ("guidance unknown setting", lambda t: _gui("--setting", "nope"), "setting"),
    ("guidance unknown disc", lambda t: _gui("--disc", "nope:3"), "disc"),
    (
        "guidance particles x steps huge",
        lambda t: ["guidance", "--particles", BIG, "--steps", BIG, "--quiet"],
        "limit",
    ),
    ("guidance mlp width huge", lambda t: _gui("--disc", f"mlp:{BIG}x{BIG}"), "limit"),
    ("guidance poly degree huge", lambda t: _gui("--disc", f"poly:{BIG}"), "limit"),
    ("guidance n-train huge", lambda t: _gui("--n-train", BIG), "limit"),
    # ---- figures
    ("figures seed -1", lambda t: ["figures", "--seed", "-1"], "seed"),
    ("figures workers 0", lambda t: ["figures", "--workers", "0"], "--workers"),
    ("figures out is a file", lambda t: ["figures", "--quick", "--out", str(t / "afile")], "afile"),
    ("figures bad spec", lambda t: ["figures", "--spec", str(t / "bad.toml")], "bad.toml"),
    ("figures missing spec", lambda t: ["figures", "--spec", str(t / "nope.toml")], "nope.toml"),
    # ---- verify
    ("verify seed -1", lambda t: ["verify", "--seed", "-1", "--claim", "C1"], "seed"),
    ("verify workers 0", lambda t: ["verify", "--workers", "0", "--claim", "C1"], "--workers"),
    ("verify timeout 0", lambda t: ["verify", "--timeout", "0", "--claim", "C1"], "--timeout"),
    ("verify timeout nan", lambda t: ["verify", "--timeout", "nan", "--claim", "C1"], "--timeout"),
    ("verify budget -1", lambda t: ["verify", "--budget", "-1", "--claim", "C1"], "--budget"),
    ("verify unknown claim", lambda t: ["verify", "--claim", "C99"], "C99"),
    ("verify unknown level", lambda t: ["verify", "--level", "magic", "--claim", "C1"], "magic"),
    ("verify missing plugin", lambda t: ["verify", "--plugin", str(t / "nope.py")], "nope.py"),
    # ---- reproduce
    ("reproduce seed -1", lambda t: ["reproduce", "--seed", "-1", "--out", str(t / "o")], "seed"),
    (
        "reproduce workers 0",
        lambda t: ["reproduce", "--workers", "0", "--out", str(t / "o")],
        "--workers",
    ),
    (
        "reproduce out is a file",
        lambda t: [
            "reproduce",
            "--quick",
            "--claim",
            "C1",
            "--no-figures",
            "--out",
            str(t / "afile"),
        ],
        "afile",
    ),
    (
        "reproduce unknown claim",
        lambda t: ["reproduce", "--claim", "C99", "--out", str(t / "o")],
        "C99",
    ),
    # ---- refine
    ("refine seed -1", lambda t: _ref("--seed", "-1"), "seed"),
    ("refine unknown dataset", lambda t: ["refine", "--dataset", "nope"], "nope"),
    ("refine pickled dataset", lambda t: ["refine", "--dataset", str(t / "pickled.npy")], "pickle"),
    ("refine nan dataset", lambda t: ["refine", "--dataset", str(t / "nan.csv")], "NaN"),
    ("refine split nan", lambda t: _ref("--split", "nan,0.5,0.5"), "split"),
    ("refine split sums wrong", lambda t: _ref("--split", "0.9,0.9,0.9"), "split"),
    ("refine model gmm:0", lambda t: _ref("--model", "gmm:0"), "gmm"),
    ("refine model gmm huge", lambda t: _ref("--model", f"gmm:{BIG}"), "K must be"),
    ("refine model kde inf", lambda t: _ref("--model", "kde:inf"), "kde"),
    ("refine n-eval huge", lambda t: _ref("--n-eval", BIG), "limit"),
    ("refine sweep inf", lambda t: _ref("--sweep", "B=1,inf"), "radius"),
    (
        "refine string feature",
        lambda t: _ref("--class", "linear-l2", "--features", "'abc'"),
        "constants",
    ),
    ("refine relu width huge", lambda t: _ref("--class", "relu2", "--width", BIG), "limit"),
    ("refine permutations huge", lambda t: _ref("--permutations", BIG), "limit"),
    ("refine n-sigmas huge", lambda t: _ref("--n-sigmas", BIG), "limit"),
    (
        "rademacher relu restarts huge",
        lambda t: [
            "rademacher",
            "--class",
            "relu2",
            "--toy",
            "gaussian",
            "--n",
            "5",
            "--restarts",
            BIG,
        ],
        "limit",
    ),
    ("simulate scheduler without port", lambda t: _sim("--scheduler", "tcp://x"), "scheduler"),
    ("guidance window reversed", lambda t: _gui("--window", "3,1"), "window"),
    ("guidance mlp width zero", lambda t: _gui("--disc", "mlp:0"), "discriminator"),
    (
        "bound C7 negative refinement divergence",
        lambda t: [
            "bound",
            "C7",
            "--n",
            "100",
            "--population",
            "0.1",
            "--rademacher",
            "0.1",
            "--refinement-divergence",
            "-1",
        ],
        "refinement_divergence",
    ),
    (
        "bound C6b overflow",
        lambda t: [
            "bound",
            "C6b",
            "--n",
            "100",
            "--population",
            "0.1",
            "--rademacher",
            "1e308",
            "--range=0,1",
        ],
        "largest float",
    ),
    ("conjugate alpha huge", lambda t: ["conjugate", "alpha", "--alpha", "1e308"], "alpha"),
    ("conjugate alpha tiny", lambda t: ["conjugate", "alpha", "--alpha", "1e-300"], "alpha"),
    ("conjugate nested power", lambda t: ["conjugate", "(u**999)**999"], "too large"),
    ("duality alpha without value", lambda t: _duality(t, "--f", "alpha"), "alpha"),
    (
        "plugin is a pickle",
        lambda t: ["verify", "--claim", "C1", "--plugin", str(t / "raw.pkl")],
        "plugin",
    ),
    ("refine out is a file", lambda t: _ref("--out", str(t / "afile")), "afile"),
]


def _run(argv, capsys):
    start = time.perf_counter()
    status = main(argv)
    elapsed = time.perf_counter() - start
    cap = capsys.readouterr()
    return status, cap.out, cap.err, elapsed


@pytest.mark.parametrize(("argv_of", "needle"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_hostile_input_is_one_clear_line(t, capsys, argv_of, needle):
    status, out, err, elapsed = _run(argv_of(t), capsys)
    assert status == 2, (status, err, out[-500:])
    assert "Traceback" not in err
    assert err.count("\n") == 1, err
    assert "error" in err and needle in err, err
    assert not _NONFINITE.search(out), out
    assert elapsed < SECONDS, elapsed


#: inputs that are legitimate: a finite, sane result (the mathematics), exit 0
SANE = [
    ("bound tiny delta stays finite", lambda t: _bound("--delta", "1e-320", "--json")),
    ("bound huge seed", lambda t: _bound("--seed", str(2**128 - 1), "--json")),
    ("bound f option", lambda t: _bound("--f", "kl", "--json")),
    ("simulate tiny delta", lambda t: _sim("--delta", "1e-320", "--json", "--n-mc", "20")),
]


@pytest.mark.parametrize("argv_of", [c[1] for c in SANE], ids=[c[0] for c in SANE])
def test_legitimate_extreme_input_is_a_finite_result(t, capsys, argv_of):
    status, out, err, elapsed = _run(argv_of(t), capsys)
    assert status == 0, err
    assert "Traceback" not in err and err == "", err
    assert not _NONFINITE.search(out), out
    assert elapsed < SECONDS


def test_unreachable_dask_scheduler_fails_fast():
    """``--backend dask --scheduler tcp://127.0.0.1:9``: one line within the connect timeout."""
    argv = [*_sim("--workers", "2", "--backend", "dask", "--scheduler", "tcp://127.0.0.1:9")]
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "boundkit", *argv], capture_output=True, text=True, timeout=60
    )
    elapsed = time.perf_counter() - start
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.count("\n") == 1 and "scheduler" in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr
    assert elapsed < 30.0  # a few seconds of interpreter start-up plus the 10 s connect bound


def test_jobs_flag_is_gone_everywhere():
    """One spelling for workers: ``--workers`` (``--jobs`` is a usage error)."""
    for cmd in ("verify", "reproduce"):
        assert (
            main([cmd, "--jobs", "2", "--list"] if cmd == "verify" else [cmd, "--jobs", "2"]) == 2
        )


# ---------------------------------------------------------------------- Python entry points
def test_rerun_of_a_claim_id_is_a_clear_error():
    from boundkit._errors import BoundkitError
    from boundkit.claims import rerun

    for bad in ("C5", None, 3, {"claim": "C5"}):
        with pytest.raises(BoundkitError) as info:
            rerun(bad)
        assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"t_max": float("inf")},
        {"t_max": float("nan")},
        {"n_particles": 0},
        {"n_steps": -1},
        {"seed": -1},
        {"n_jobs": 0},
        {"weights": (0.0, float("nan"))},
    ],
    ids=lambda kw: next(iter(kw)),
)
def test_run_guidance_refuses_bad_arguments(kwargs):
    from boundkit._errors import BoundkitError
    from boundkit.guidance import get_guidance_setting, run_guidance

    toy = get_guidance_setting("gaussian")
    with pytest.raises(BoundkitError):
        run_guidance(
            toy,
            {},
            n_particles=kwargs.pop("n_particles", 50),
            n_steps=kwargs.pop("n_steps", 5),
            n_seeds=1,
            **kwargs,
        )


def test_size_budget_names_the_number_and_the_limit():
    from boundkit._errors import BoundkitError
    from boundkit._validation import MAX_ELEMENTS, check_size

    assert check_size("x", MAX_ELEMENTS) == MAX_ELEMENTS
    with pytest.raises(BoundkitError, match=r"needs 2\.68e\+08 values, above the limit 2\.68e\+08"):
        check_size("x", MAX_ELEMENTS + 1)


def test_guidance_discriminator_sizes_are_budgeted():
    from boundkit._errors import BoundkitError
    from boundkit.guidance import parse_discriminator

    assert parse_discriminator("mlp:64x64") == ("mlp", {"hidden_layer_sizes": (64, 64)})
    assert parse_discriminator("fourier:3") == ("logistic", {"features": "fourier", "degree": 3})
    for spec in ("mlp:100000x100000", "poly:101", "fourier:5000"):
        with pytest.raises(BoundkitError, match="above the limit"):
            parse_discriminator(spec)


def _entry_points():
    import numpy as np

    from boundkit.classes import LinearClass
    from boundkit.complexity import empirical_rademacher, expected_rademacher
    from boundkit.models import mmd_test
    from boundkit.simulation import simulate

    x = np.random.default_rng(0).normal(size=(40, 2))
    cls = LinearClass(B=1.0)

    def draw(n, rng):
        return rng.normal(size=(n, 2))

    return [
        (
            "empirical_rademacher huge n_sigmas",
            lambda: empirical_rademacher(cls, x, n_sigmas=10**12, method="monte-carlo"),
            "limit",
        ),
        ("expected_rademacher huge n", lambda: expected_rademacher(cls, draw, 10**12), "limit"),
        (
            "expected_rademacher huge n_samples",
            lambda: expected_rademacher(cls, draw, 40, n_samples=10**12),
            "limit",
        ),
        ("mmd_test huge permutations", lambda: mmd_test(x, x + 1, n_permutations=10**12), "limit"),
        (
            "simulate negative seed",
            lambda: simulate("finite", [10], n_replicates=2, seed=-1),
            "seed",
        ),
        (
            "simulate huge replicates",
            lambda: simulate("finite", [10], n_replicates=10**12),
            "limit",
        ),
    ]


@pytest.mark.parametrize("index", range(6))
def test_python_entry_points_refuse_hostile_arguments(index):
    from boundkit._errors import BoundkitError

    name, call, needle = _entry_points()[index]
    start = time.perf_counter()
    with pytest.raises(BoundkitError) as info:
        call()
    assert needle in str(info.value) and "\n" not in str(info.value), (name, info.value)
    assert time.perf_counter() - start < SECONDS


def test_library_warnings_do_not_reach_stderr():
    """An MLP stopped after 2 epochs (sklearn ConvergenceWarning): exit 0, stderr empty."""
    argv = [*_gui("--disc", "mlp:4", "--mlp-epochs", "2", "--n-train", "20", "--json")]
    proc = subprocess.run(
        [sys.executable, "-m", "boundkit", *argv], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
