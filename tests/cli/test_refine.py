"""``boundkit refine``: report, JSON, figures and one-line errors (exit 2)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from boundkit.cli import main

SMALL = ["--n-eval", "2000", "--n-sigmas", "10", "--permutations", "20", "--quiet"]


def test_report_json_and_figures(tmp_path, capsys):
    out = tmp_path / "run"
    args = [
        "refine",
        "--dataset",
        "iris",
        "--model",
        "gmm:2",
        "--class",
        "rkhs",
        "--landmarks",
        "30",
        "--sweep",
        "B=0.3,1",
        "--out",
        str(out),
        "--json",
        *SMALL,
    ]
    assert main(args) == 0
    doc = json.loads(capsys.readouterr().out)
    assert [r["B"] for r in doc["sweep"]] == [0.3, 1.0]
    best = doc["best"]
    for key in ("improvement", "base_loglik", "refined_loglik"):
        e = best["test"][key]
        assert e["lower"] <= e["value"] <= e["upper"] and e["se"] > 0
    assert best["test"]["certificate"]["value"] < best["test"]["improvement"]["upper"]
    assert best["c6c"]["terms"]["rademacher"] == pytest.approx(2 * best["rademacher"]["value"])
    assert (out / "report.md").read_text().startswith("# Refinement of `gmm:2` on `iris`")
    assert json.loads((out / "result.json").read_text())["best_B"] == doc["best_B"]
    assert (out / "sweep_iris.png").stat().st_size > 0 and (out / "plane_iris.png").exists()


def test_same_seed_same_numbers(capsys):
    args = [
        "refine",
        "--dataset",
        "wine",
        "--model",
        "gaussian",
        "--class",
        "linear-l2",
        "--json",
        *SMALL,
    ]
    assert main(args) == 0
    one = json.loads(capsys.readouterr().out)
    assert main(args) == 0
    two = json.loads(capsys.readouterr().out)
    one.pop("timings"), two.pop("timings")
    for d in (one, two):
        for row in d["sweep"]:
            row.pop("fit_seconds")
        d["best"].pop("fit_seconds")
    assert one == two


def test_classifier_recipe_and_text_output(capsys):
    args = ["refine", "--dataset", "iris", "--model", "kde:0.5", "--class", "logistic", *SMALL]
    assert main(args) == 0
    assert "held-out improvement" in capsys.readouterr().out


def _nan_csv(tmp_path):
    p = tmp_path / "nan.csv"
    p.write_text("a,b\n1,2\n3,nan\n5,6\n7,8\n", encoding="utf-8")
    return str(p)


def _tiny_csv(tmp_path):
    p = tmp_path / "tiny.csv"
    np.savetxt(p, np.arange(10.0).reshape(5, 2), delimiter=",")
    return str(p)


def _no_sample_model(tmp_path):
    p = tmp_path / "mymodel.py"
    p.write_text("class M:\n    def logpdf(self, x):\n        return x[:, 0]\n\nmodel = M()\n")
    return f"{p}:model"


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--dataset", "mnist"], "unknown data set"),
        (["--dataset", "NAN"], "NaN"),
        (["--dataset", "TINY"], "too few points"),
        (["--dataset", "iris", "--B", "0"], "> 0"),
        (["--dataset", "iris", "--sweep", "B=-1,1"], "radius"),
        (["--dataset", "iris", "--model", "MODEL"], "sample(n, rng)"),
        (["--dataset", "iris", "--model", "flow:3"], "unknown model"),
        (["--dataset", "iris", "--class", "tree"], "invalid choice"),
        (["--dataset", "iris", "--split", "0.5,0.5"], "three"),
    ],
)
def test_bad_inputs_one_line_exit_2(tmp_path, capsys, extra, message):
    subst = {
        "NAN": _nan_csv(tmp_path),
        "TINY": _tiny_csv(tmp_path),
        "MODEL": _no_sample_model(tmp_path),
    }
    extra = [subst.get(a, a) for a in extra]
    assert main(["refine", *extra, *SMALL]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_user_sampler_only_model(tmp_path, capsys):
    # a plain sampler callable: no log-likelihoods, the improvement and certificate still
    p = tmp_path / "sampler.py"
    p.write_text(
        "import numpy as np\n\ndef draw(n, rng):\n    return rng.normal(size=(n, 4))\n",
        encoding="utf-8",
    )
    args = ["refine", "--dataset", "iris", "--model", f"{p}:draw", "--json", *SMALL]
    assert main(args) == 0
    doc = json.loads(capsys.readouterr().out)
    test = doc["best"]["test"]
    assert doc["settings"]["base_has_logpdf"] is False
    assert test["base_loglik"] is None and test["refined_loglik"] is None
    # N(0, I) against standardised iris (two clusters): the refinement certainly helps
    assert test["improvement"]["lower"] > 0
