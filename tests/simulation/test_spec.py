"""Spec files: every example in examples/ runs; errors are one line naming key, value and
expectation (exit 2); plugin toys run from the CLI, identically for 1 and 2 workers."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import numpy as np
import pytest

from boundkit.cli import main
from boundkit.simulation import Experiment, load_results, load_spec

EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "examples").glob("*.toml"))


def _example_plugins(path: Path) -> list[str]:
    """An example's plugin, by convention ``<stem>_parts.py`` next to it."""
    parts = path.with_name(f"{path.stem}_parts.py")
    return [str(parts)] if parts.is_file() else []


def _load_example(path: Path):
    from boundkit.claims import load_plugin, plugin_module

    plugins = _example_plugins(path)
    for plugin in plugins:
        load_plugin(plugin)
    return load_spec(path, plugins=[plugin_module(p) for p in plugins])


def test_there_is_an_example_per_distribution_kind():
    kinds = set()
    for path in EXAMPLES:
        raw = _load_example(path).raw
        for side in ("P", "Q"):
            kind = raw[side]["kind"]
            kinds.add("grid-expression" if "logpdf" in raw[side] else kind)
    assert kinds >= {"finite", "gaussian", "mixture", "grid", "grid-expression"}
    assert kinds >= {"sklearn", "refined", "python"}


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_every_example_spec_runs(path, tmp_path, capsys):
    spec = _load_example(path)
    assert isinstance(spec.toy, Experiment)
    plugin = [a for p in _example_plugins(path) for a in ("--plugin", p)]
    argv = ["simulate", "--spec", str(path), "--out", str(tmp_path), "--quiet", "--json"]
    rc = main([*argv, *plugin])
    assert rc == 0, capsys.readouterr().err
    doc = json.loads(capsys.readouterr().out)
    assert [r["n"] for r in doc["summary"]] == spec.sizes
    res = load_results(tmp_path)
    assert res.config["n_replicates"] == spec.replicates
    assert np.all(np.isfinite(res.column("divergence")))
    assert np.all(np.isfinite(res.column("c7_rhs_expectation")))


def _write(tmp_path, text, name="bad.toml"):
    p = tmp_path / name
    p.write_text(textwrap.dedent(text))
    return p


GOOD = """
    name = "tiny"
    [P]
    kind = "finite"
    atoms = [-1.0, 0.0, 1.0]
    weights = [0.2, 0.3, 0.5]
    [Q]
    kind = "finite"
    atoms = [-1.0, 0.0, 1.0]
    weights = [0.3, 0.4, 0.3]
    [class]
    kind = "linear"
    B = 1.0
    [run]
    sizes = [4, 8]
    replicates = 4
    n_mc = 20
"""


@pytest.mark.parametrize(
    "old, new, needle",
    [
        ('kind = "linear"', 'kind = "linaer"', "class.kind = 'linaer': expected one of linear"),
        ("B = 1.0", "B = -1.0", "class.B = -1.0: expected a finite number > 0"),
        ("replicates = 4", "replicates = 1", "run.replicates = 1: expected an integer >= 2"),
        ("sizes = [4, 8]", "sizes = [4, 1]", "run.sizes = [4, 1]: expected a list of distinct"),
        ("n_mc = 20", "n_mc = 20\nfoo = 3", "run.foo = 3: expected a known key"),
        ("weights = [0.2, 0.3, 0.5]", 'weights = "x"', "P.weights = 'x': expected an array"),
        ('name = "tiny"', 'name = "tiny"\ngenerator = 3', "generator = 3: expected a generator"),
        ("[run]", "[run]\ndelta = 1.5", "run.delta = 1.5: expected a number in (0, 1)"),
        ("weights = [0.3, 0.4, 0.3]", "weights = [0.3, 0.4, 0.4]", "[Q]"),
        ('name = "tiny"', "name = = 1", "not valid TOML"),
    ],
)
def test_spec_errors_are_one_line_with_exit_2(tmp_path, capsys, old, new, needle):
    text = textwrap.dedent(GOOD)
    assert old in text
    path = _write(tmp_path, text.replace(old, new, 1))
    assert main(["simulate", "--spec", str(path), "--quiet"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    assert needle in err and str(path) in err, err
    assert "Traceback" not in err


def test_spec_flags_override_and_missing_file(tmp_path, capsys):
    path = _write(tmp_path, GOOD, "good.toml")
    out = tmp_path / "o"
    argv = ["simulate", "--spec", str(path), "--n", "5", "--replicates", "3", "--quiet"]
    assert main([*argv, "--out", str(out)]) == 0
    assert load_results(out).sizes == [5] and load_results(out).config["n_replicates"] == 3
    assert main(["simulate", "--spec", str(tmp_path / "nope.toml")]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert main(["simulate", "finite", "--spec", str(path)]) == 2


PLUGIN = """
import numpy as np
from boundkit.classes import LinearClass
from boundkit.distributions import FiniteDistribution
from boundkit.simulation import Experiment, register_toy

x = np.linspace(-1, 1, 5)[:, None]
register_toy(
    Experiment(
        FiniteDistribution(x, [0.1, 0.1, 0.2, 0.3, 0.3]),
        FiniteDistribution(x, np.full(5, 0.2)),
        LinearClass("poly", degree=2, B=1.0),
        "kl",
        name="plugin-toy",
    ),
    overwrite=True,
)
"""


def test_plugin_toys_from_the_cli(tmp_path, capsys):
    plugin = tmp_path / "my_toys.py"
    plugin.write_text(PLUGIN)
    base = ["simulate", "plugin-toy", "--plugin", str(plugin), "--n", "4,12"]
    base += ["--replicates", "6", "--block-size", "2", "--n-mc", "20", "--quiet"]
    assert main([*base, "--out", str(tmp_path / "one")]) == 0
    assert main([*base, "--out", str(tmp_path / "two"), "--workers", "2"]) == 0
    a = (tmp_path / "one" / "results.csv").read_bytes()
    assert a == (tmp_path / "two" / "results.csv").read_bytes()
    assert a.splitlines()[1].startswith(b"plugin-toy,")
    capsys.readouterr()
    assert main(["simulate", "--list", "--plugin", str(plugin)]) == 0
    assert "plugin-toy" in capsys.readouterr().out
    spec = _write(tmp_path, 'toy = "plugin-toy"\n[run]\nsizes = [4]\nreplicates = 3\n', "t.toml")
    figs = tmp_path / "figs"
    argv = ["figures", "--spec", str(spec), "--plugin", str(plugin), "--out", str(figs)]
    assert main([*argv, "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert sorted(Path(p).name for p in doc["figures"]) == [
        "bound_vs_gap.png",
        "improvement.png",
        "slack.png",
        "tightness_map.png",
    ]
    assert main(["simulate", "plugin-toy", "--plugin", str(tmp_path / "missing.py")]) == 2


GOOD3 = """
    name = "tiny3"
    generator = "kl"
    [P]
    kind = "gaussian"
    mean = [0.5, 0.0, 0.0]
    cov = [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]
    [Q]
    kind = "gaussian"
    mean = [0.0, 0.0, 0.0]
    cov = [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]
    [class]
    kind = "linear"
    B = 1.0
    [population]
    kind = "monte-carlo"
    mc_size = 4096
    [run]
    sizes = [4, 8]
    replicates = 4
    n_mc = 20
"""
_Q3 = "mean = [0.0, 0.0, 0.0]\n    cov = [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]"


@pytest.mark.parametrize(
    "old, new, needle",
    [
        (
            'generator = "kl"',
            '[generator]\nalpha = "x"',
            "generator.alpha = 'x': expected a finite",
        ),
        ('generator = "kl"', "[generator]\nfoo = 1", "generator.foo = 1: expected a known key"),
        (
            'generator = "kl"',
            '[generator]\nname = "kl"\nexpression = "u"',
            "expected exactly one of name, alpha, expression",
        ),
        (
            'generator = "kl"',
            '[generator]\nexpression = "u**"',
            "generator.expression = 'u**': expected a catalogue name (kl, pearson, ...) or a "
            "convex expression in u",
        ),
        ('generator = "kl"', 'generator = "alpha"', "generator = 'alpha': expected a value for"),
        ('generator = "kl"', 'generator = "klx"', "generator = 'klx': expected a catalogue name"),
        ('generator = "kl"', "[generator]\nalpha = 1e400", "generator.alpha = inf: expected"),
        (
            'kind = "monte-carlo"',
            'kind = "mc"',
            "population.kind = 'mc': expected one of auto, finite, grid, monte-carlo",
        ),
        (
            "mc_size = 4096",
            "mc_size = 100",
            "population.mc_size = 100: expected an integer >= 4096",
        ),
        ("mc_size = 4096", "mc_size = 4096.5", "population.mc_size = 4096.5: expected an integer"),
        ("mc_size = 4096", "mc_seed = -1", "population.mc_seed = -1: expected an integer >= 0"),
        ('kind = "monte-carlo"', 'kind = "grid"', "population.mc_size = 4096: expected nothing"),
        (
            "cov = [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]",
            "cov = [[1.0, 0.0], [0.0, 1.0]]",
            "P.cov = [[1.0, 0.0], [0.0, 1.0]]: expected a 3 x 3 matrix",
        ),
        ("mean = [0.5, 0.0, 0.0]", "mean = [[0.5, 0.0, 0.0]]", "P.mean = [[0.5, 0.0, 0.0]]: exp"),
        (_Q3, "mean = [0.0, 0.0]\n    cov = [[1.0, 0.0], [0.0, 1.0]]", "Q.mean = [0.0, 0.0]: exp"),
    ],
)
def test_new_spec_keys_errors_are_one_line_with_exit_2(tmp_path, capsys, old, new, needle):
    text = textwrap.dedent(GOOD3)
    assert textwrap.dedent(old) in text or old in GOOD3
    text = textwrap.dedent(GOOD3.replace(old, new.replace("\n", "\n    "), 1))
    path = _write(tmp_path, text)
    assert main(["simulate", "--spec", str(path), "--quiet"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    assert needle in err and str(path) in err, err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    "gen, name",
    [
        ("[generator]\nalpha = 0.5", "alpha=1/2"),
        ('[generator]\nname = "alpha"\nalpha = 2', "alpha=2"),
        ('[generator]\nname = "squared_hellinger"', "squared_hellinger"),
        ('[generator]\nexpression = "u*log(u) - u + 1"', "u*log(u) - u + 1"),
        ('generator = "u*log(u)"', "u*log(u)"),
    ],
)
def test_generator_kinds_and_3d_gaussians_in_a_spec(tmp_path, gen, name):
    from boundkit.generators import is_kl

    text = textwrap.dedent(GOOD3.replace('generator = "kl"', gen.replace("\n", "\n    "), 1))
    spec = load_spec(_write(tmp_path, text, "ok.toml"))
    assert spec.toy._g.name == name
    assert is_kl(spec.toy._g) == name.startswith("u*log(u)")
    assert spec.toy.P.dim == 3 and spec.toy.population_kind == "monte-carlo"
    assert spec.toy.config()["mc_size"] == 4096
