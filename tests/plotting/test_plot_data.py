"""Plotting from plain arrays and from results draws the same data; layout, slack, style."""

from __future__ import annotations

import matplotlib
import numpy as np
import pytest

from boundkit._errors import BoundkitError
from boundkit.plotting import (
    PlotData,
    bound_vs_gap_data,
    figure_size,
    plot_bound_vs_gap,
    plot_improvement,
    plot_slack,
    quantile_band,
    slack_data,
    to_latex,
    use_style,
)
from boundkit.simulation._harness import simulate

matplotlib.use("Agg")


@pytest.fixture(scope="module")
def res():
    return simulate("finite", [5, 20, 80], n_replicates=40, seed=3, n_mc=100)


def _artists(ax):
    """Everything drawn, as numbers: lines, collections (bands, error bars), texts, scales."""
    lines = [(ln.get_label(), np.asarray(ln.get_xydata(), dtype=float)) for ln in ax.get_lines()]
    colls = []
    for c in ax.collections:
        if hasattr(c, "get_segments"):
            colls.append([np.asarray(s) for s in c.get_segments()])
        else:
            colls.append([np.asarray(p.vertices) for p in c.get_paths()])
    legend = ax.get_legend()
    labels = [t.get_text() for t in legend.get_texts()] if legend is not None else []
    return lines, colls, labels, ax.get_xscale(), ax.get_yscale(), ax.get_title()


def _same(a, b):
    la, ca, ta, *rest_a = a
    lb, cb, tb, *rest_b = b
    assert [x[0] for x in la] == [x[0] for x in lb]
    for (_, xa), (_, xb) in zip(la, lb, strict=True):
        np.testing.assert_array_equal(xa, xb)
    assert len(ca) == len(cb)
    for sa, sb in zip(ca, cb, strict=True):
        assert len(sa) == len(sb)
        for pa, pb in zip(sa, sb, strict=True):
            np.testing.assert_array_equal(pa, pb)
    assert ta == tb and rest_a == rest_b


def test_bound_vs_gap_from_arrays_equals_from_result(res):
    import matplotlib.pyplot as plt

    # the arrays a user would have, built from the summary rows (not from bound_vs_gap_data)
    rows = res.summary()
    best = res.population["divergence_best"]
    n = [r["n"] for r in rows]
    c6a = r"C6a: $2\mathfrak{R}_n$"
    bounds = {
        c6a: [r["bound_C6a"] - best for r in rows],
        r"C6b ($\delta$=0.05)": [r["bound_C6b_mean"] - best for r in rows],
        r"C6c ($\delta$=0.05)": [r["bound_C6c_mean"] - best for r in rows],
    }
    from boundkit.plotting._tightness import FAMILY_STYLES

    record = res.tightness()
    for fam in (
        "asymptotic",
        "fast-rate",
        "fast-rate-expectation",
        "fast-rate-profile",
        "fast-rate-profile-expectation",
    ):
        if fam in record:
            gaps = {int(float(k)): float(v) for k, v in record[fam]["gap_per_n"].items()}
            y = np.array([gaps.get(m, np.nan) for m in n])
            bounds[FAMILY_STYLES[fam][2]] = np.where(np.isfinite(y) & (y > 0), y, np.nan)
    rn_se = [2 * res.rademacher[str(m)]["stderr"] for m in n]
    from_result = _artists(plot_bound_vs_gap(res))
    title = from_result[-1]
    from_arrays = _artists(
        plot_bound_vs_gap(
            n=n,
            mean=[r["excess_mean"] for r in rows],
            se=[r["excess_se"] for r in rows],
            bounds=bounds,
            bounds_se={c6a: rn_se},
            title=title,
        )
    )
    _same(from_result, from_arrays)
    # the C6a band is 2 R_n +- 1.96 * 2 se(R_n)
    band = [c for c in from_result[1] if len(c) == 1 and len(c[0]) > 2]
    assert band, "no error band around 2 R_n"
    ys = band[0][0][:, 1]
    lo = np.array(bounds[c6a]) - 1.96 * np.array(rn_se)
    hi = np.array(bounds[c6a]) + 1.96 * np.array(rn_se)
    assert np.isclose(ys.min(), lo.min()) and np.isclose(ys.max(), hi.max())
    plt.close("all")


def test_plotdata_object_is_the_same_as_the_result(res):
    import matplotlib.pyplot as plt

    _same(_artists(plot_bound_vs_gap(res)), _artists(plot_bound_vs_gap(bound_vs_gap_data(res))))
    plt.close("all")


def test_improvement_from_arrays_and_negative_prediction_is_visible(res):
    import matplotlib.pyplot as plt

    rows = res.summary()
    dh = res.population["restricted_divergence"]
    best = res.population["divergence_best"]
    pred = [dh - (r["bound_C6a"] - best) for r in rows]
    assert min(pred) < 0  # small n: the C5 + C6a bound is negative
    lbl = r"predicted: $D^{\mathcal{H}} - 2\mathfrak{R}_n$"
    ax = plot_improvement(res)
    from_arrays = plot_improvement(
        n=[r["n"] for r in rows],
        mean=[r["improvement_mean"] for r in rows],
        se=[r["improvement_se"] for r in rows],
        bounds={lbl: pred},
        bounds_se={lbl: [2 * res.rademacher[str(r["n"])]["stderr"] for r in rows]},
        reference=dh,
        title=ax.get_title(),
    )
    _same(_artists(ax), _artists(from_arrays))
    assert ax.get_yscale() == "symlog"
    lo, hi = ax.get_ylim()
    assert lo <= min(pred) and hi >= max(r["improvement_mean"] for r in rows)
    plt.close("all")


def test_slack_from_arrays_equals_from_result(res):
    import matplotlib.pyplot as plt

    deltas = [0.05, 0.1, 0.3]
    m = 80
    ex = np.sort(res.column("excess", m))
    R = ex.size
    q = [ex[int(np.ceil(R * (1 - d))) - 1] for d in deltas]  # order statistic, by hand
    band = (
        [quantile_band(ex, 1 - d)[1] for d in deltas],
        [quantile_band(ex, 1 - d)[2] for d in deltas],
    )
    best = res.population["divergence_best"]
    on = res.table["n"] == m
    bounds = {
        "C6b": [float(np.median(res.hp_bound("C6b", d)[on])) - best for d in deltas],
        "C6c (median over replicates)": [
            float(np.median(res.hp_bound("C6c", d)[on])) - best for d in deltas
        ],
    }
    ax = plot_slack(res, n=m, deltas=deltas)
    ax2 = plot_slack(deltas=deltas, quantile=q, band=band, bounds=bounds, title=ax.get_title())
    _same(_artists(ax), _artists(ax2))
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    # the bounds hold: above the quantile and the (finite) upper end of its band
    d = slack_data(res, m, deltas=deltas)
    finite = np.isfinite(d.band_high)
    assert np.all(d.bounds["C6b"] > d.quantile)
    assert np.all(d.bounds["C6b"][finite] > d.band_high[finite])
    plt.close("all")


@pytest.mark.parametrize("R", [20, 57, 200, 1000])
@pytest.mark.parametrize("p", [0.5, 0.9, 0.95, 0.99])
def test_quantile_band_exact_coverage(R, p):
    """P(x_(l) <= xi_p <= x_(u)) = F_B(u - 1) - F_B(l - 1) >= 0.95 (exact, any continuous law)."""
    from scipy.stats import binom

    x = np.arange(1.0, R + 1)
    _, low, high = quantile_band(x, p)
    lo_j = 0 if np.isinf(low) else int(low)
    hi_j = R + 1 if np.isinf(high) else int(high)
    miss_low = binom.cdf(lo_j - 1, R, p) if lo_j >= 1 else 0.0
    miss_high = 1.0 - binom.cdf(hi_j - 1, R, p) if hi_j <= R else 0.0
    assert miss_low <= 0.025 + 1e-12 and miss_high <= 0.025 + 1e-12


def test_quantile_band_simulated_coverage():
    """Coverage of the 0.9-quantile of N(0, 1) from R = 80 draws, 4000 repetitions.

    The true coverage is >= 0.95; the empirical rate falls below 0.94 with probability
    < 1e-5 (binomial tail, sd 0.0034).
    """
    from scipy.stats import norm

    rng = np.random.default_rng(12)
    xi = norm.ppf(0.9)
    hits = 0
    for _ in range(4000):
        _, lo, hi = quantile_band(rng.standard_normal(80), 0.9)
        hits += lo <= xi <= hi
    assert hits / 4000 >= 0.94


def _inside(bbox, fig_bbox, tol=1.0):
    return (
        bbox.x0 >= fig_bbox.x0 - tol
        and bbox.y0 >= fig_bbox.y0 - tol
        and bbox.x1 <= fig_bbox.x1 + tol
        and bbox.y1 <= fig_bbox.y1 + tol
    )


@pytest.mark.parametrize("plot", [plot_bound_vs_gap, plot_improvement, plot_slack])
def test_labels_and_legend_fit_and_legend_covers_no_point(res, plot):
    import matplotlib.pyplot as plt

    ax = plot(res)
    fig = ax.figure
    fig.canvas.draw()
    r = fig.canvas.get_renderer()
    fb = fig.bbox
    for artist in (ax.xaxis.label, ax.yaxis.label, ax.title, ax.get_legend()):
        assert _inside(artist.get_window_extent(r), fb), f"{artist} is cut off"
    leg = ax.get_legend().get_window_extent(r)
    for ln in ax.get_lines():
        pts = ax.transData.transform(np.asarray(ln.get_xydata(), dtype=float))
        ok = np.all(np.isfinite(pts), axis=1)
        pts = pts[ok]
        inside = (
            (pts[:, 0] >= leg.x0)
            & (pts[:, 0] <= leg.x1)
            & (pts[:, 1] >= leg.y0)
            & (pts[:, 1] <= leg.y1)
        )
        assert not np.any(inside), f"legend covers {ln.get_label()}"
    plt.close("all")


def test_titles_are_readable(res):
    import matplotlib.pyplot as plt

    title = plot_bound_vs_gap(res).get_title()
    assert title == "Finite support: polynomial ball, KL"
    plt.close("all")


def test_plain_data_errors():
    with pytest.raises(BoundkitError, match="n= and mean="):
        plot_bound_vs_gap(n=[1, 2])
    with pytest.raises(BoundkitError, match="one per sample size"):
        PlotData.from_arrays([10, 100], [0.1], [0.0])
    with pytest.raises(BoundkitError, match="without a bound curve"):
        PlotData.from_arrays([10], [0.1], None, {"a": [1.0]}, bounds_se={"b": [0.1]})
    with pytest.raises(BoundkitError, match="not both"):
        plot_bound_vs_gap(PlotData.from_arrays([10], [0.1]), n=[10])


def test_paper_style_writes_pdf_next_to_png(tmp_path, res):
    import matplotlib as mpl

    from boundkit.plotting import simulation_figures

    with use_style("paper"):
        assert mpl.rcParams["font.family"] == ["serif"]
    a = simulation_figures({"finite": res}, tmp_path / "a", style="paper")
    b = simulation_figures({"finite": res}, tmp_path / "b", style="paper")
    names = [p.name for p in a]
    assert names == [
        "bound_vs_gap.png",
        "bound_vs_gap.pdf",
        "improvement.png",
        "improvement.pdf",
        "slack.png",
        "slack.pdf",
        "tightness_map.png",
        "tightness_map.pdf",
    ]
    for pa, pb in zip(a, b, strict=True):
        assert pa.read_bytes() == pb.read_bytes()
    assert a[1].read_bytes()[:5] == b"%PDF-"
    assert figure_size("double", ncols=2)[0] == 7.0
    with pytest.raises(BoundkitError, match="style"):
        use_style("poster")


def test_to_latex_booktabs(res):
    tex = to_latex(res, digits=3)
    lines = tex.splitlines()
    assert lines[0] == r"\begin{tabular}{rrrrrr}" and lines[1] == r"\toprule"
    assert lines[3] == r"\midrule" and lines[-2] == r"\bottomrule"
    rows = res.summary()
    first = lines[4].split(" & ")
    assert first[0] == "5"
    assert first[1] == f"${rows[0]['excess_mean']:.3g} \\pm {rows[0]['excess_se']:.3g}$"
    gap = rows[0]["bound_C6a"] - res.population["divergence_best"]
    assert first[2] == f"{gap:.3g}"
    assert len(lines) == 4 + len(rows) + 2
    wrapped = to_latex(res, caption="Finite toy", label="tab:finite")
    assert wrapped.startswith(r"\begin{table}") and r"\label{tab:finite}" in wrapped
    assert "$\\infty$" in to_latex(
        [{"n": 1, "x": float("inf")}], [("n", "n", None), ("x", "x", None)]
    )
    with pytest.raises(BoundkitError, match="unknown columns"):
        to_latex(res, [("nope", "x", None)])


def test_figures_cli_paper_style(capsys, tmp_path, monkeypatch):
    import importlib.machinery
    import json
    import sys
    import types

    from boundkit.cli import main
    from boundkit.plotting import _figures

    monkeypatch.setitem(_figures.SWEEPS, True, {"finite": ([5, 50], 20, 50)})
    fake = types.ModuleType("boundkit.plotting._guidance")
    fake.__spec__ = importlib.machinery.ModuleSpec("boundkit.plotting._guidance", None)
    fake.guidance_figures = lambda out_dir, *, quick: []
    monkeypatch.setitem(sys.modules, "boundkit.plotting._guidance", fake)
    out = tmp_path / "fig"
    argv = ["figures", "--quick", "--style", "paper", "--out", str(out), "--json"]
    assert main([*argv, "--results", str(tmp_path / "r")]) == 0
    names = [p.rsplit("/", 1)[1] for p in json.loads(capsys.readouterr().out)["figures"]]
    assert names == [
        "bound_vs_gap.png",
        "bound_vs_gap.pdf",
        "improvement.png",
        "improvement.pdf",
        "slack.png",
        "slack.pdf",
        "tightness_map.png",
        "tightness_map.pdf",
    ]
