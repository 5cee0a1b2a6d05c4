"""Plot functions: they draw what the results say (checked on the artists), slopes, files."""

from __future__ import annotations

import sys

import matplotlib
import numpy as np
import pytest

from boundkit.plotting import (
    plot_bound_vs_gap,
    plot_improvement,
    plot_slack,
    simulation_figures,
)
from boundkit.simulation._harness import simulate

matplotlib.use("Agg")


@pytest.fixture(scope="module")
def results():
    return {
        "finite": simulate("finite", [5, 20, 80], n_replicates=30, seed=0, n_mc=100),
        "gauss1d-quadratic": simulate(
            "gauss1d-quadratic", [10, 40, 160], n_replicates=40, seed=0, n_mc=100
        ),
    }


def test_legend_slope_is_the_simulation_slope():
    from boundkit.plotting._simulation import _slope
    from boundkit.simulation import fitted_slope

    n = np.array([10.0, 100.0, 1000.0])
    assert fitted_slope(n, 3 * n**-0.5) == pytest.approx(-0.5, abs=1e-12)
    assert _slope(n, 3 * n**-0.5) == "-0.50"
    assert np.isnan(fitted_slope([1, 2], [0.0, -1.0])) and _slope([1, 2], [0.0, -1.0]) == "n/a"


def test_bound_vs_gap_plots_the_summary(results):
    import matplotlib.pyplot as plt

    res = results["finite"]
    ax = plot_bound_vs_gap(res)
    rows = res.summary()
    ydata = [ln.get_ydata() for ln in ax.get_lines()]
    excess = np.array([r["excess_mean"] for r in rows])
    assert any(np.allclose(y, excess) for y in ydata if len(y) == 3)
    gap = np.array([r["bound_C6a"] for r in rows]) - res.population["divergence_best"]
    assert any(np.allclose(y, gap) for y in ydata if len(y) == 3)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any(lbl.startswith("C6b") for lbl in labels) and any("slope" in lbl for lbl in labels)
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    plt.close("all")


def test_improvement_and_slack(results):
    import matplotlib.pyplot as plt

    res = results["gauss1d-quadratic"]
    ax = plot_improvement(res)
    dh = res.population["restricted_divergence"]
    rn = np.array([res.rademacher[str(n)]["estimate"] for n in res.sizes])
    assert any(
        np.allclose(ln.get_ydata(), dh - 2 * rn)
        for ln in ax.get_lines()
        if len(ln.get_ydata()) == 3
    )
    ax2 = plot_slack(results["finite"], deltas=[0.1, 0.5])
    c6b = [ln for ln in ax2.get_lines() if ln.get_label() == "C6b"]
    assert len(c6b) == 1
    fin = results["finite"]
    best = fin.population["divergence_best"]
    expect = [fin.hp_bound("C6b", d)[fin.table["n"] == 80][0] - best for d in (0.1, 0.5)]
    assert np.allclose(c6b[0].get_ydata(), expect)
    plt.close("all")


def test_simulation_figures_files_are_reproducible(results, tmp_path):
    one = {"finite": results["finite"]}
    a = simulation_figures(one, tmp_path / "a")
    b = simulation_figures(one, tmp_path / "b")
    assert [p.name for p in a] == [
        "bound_vs_gap.png",
        "improvement.png",
        "slack.png",
        "tightness_map.png",
    ]
    for pa, pb in zip(a, b, strict=True):
        data = pa.read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n"
        assert data == pb.read_bytes()


def test_import_boundkit_plotting_does_not_import_matplotlib():
    import subprocess

    code = "import boundkit, boundkit.plotting, sys; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_plots_of_an_unbounded_relu_toy():
    """The ReLU toy has no range: the panels draw C6a only (no C6b/C6c) and no slack plot."""
    import matplotlib.pyplot as plt

    from boundkit.simulation._relu_toy import ReLUMixtureToy

    toy = ReLUMixtureToy(
        "relu-plot",
        weights=[0.75, 0.25],
        means=[[-1.0], [2.0]],
        stds=[0.6, 0.4],
        width=3,
        n_restarts=1,
        max_iter=100,
        box=7.0,
        n_grid=151,
    )
    res = simulate(toy, [10, 40], n_replicates=3, seed=0, n_mc=30)
    ax = plot_bound_vs_gap(res)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any(lbl.startswith("C6a") for lbl in labels)
    assert not any(lbl.startswith(("C6b", "C6c")) for lbl in labels)
    ax2 = plot_improvement(res)
    imp = np.array([r["improvement_mean"] for r in res.summary()])
    assert any(
        np.allclose(ln.get_ydata(), imp) for ln in ax2.get_lines() if len(ln.get_ydata()) == 2
    )
    plt.close("all")
