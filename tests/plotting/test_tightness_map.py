"""The tightness map and the bound-vs-gap figure's new lines draw from real records."""

from __future__ import annotations

import numpy as np
import pytest

from boundkit.simulation import simulate


@pytest.fixture(scope="module")
def result():
    return simulate("finite", [300, 3000], n_replicates=40, seed=4, n_mc=50, progress=False)


def test_tightness_map_panels_and_lines(result) -> None:
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    from boundkit.plotting import plot_tightness_map

    record = result.tightness(holdout=True)
    assert {"C6a", "C6b", "C6c", "fast-rate", "hold-out", "asymptotic"} <= set(record)
    fig = plot_tightness_map({"finite": record, "again": record})
    axes = [ax for ax in fig.axes if ax.get_visible()]
    assert len(axes) == 2
    labels = [ln.get_label() for ln in axes[0].get_lines()]
    assert any(lab.startswith("asymptotic") for lab in labels)
    assert any(lab.startswith("hold-out") for lab in labels)
    # the plotted ratios are the record's (finite ones), and the line y = 1 is drawn
    (asym,) = [ln for ln in axes[0].get_lines() if ln.get_label().startswith("asymptotic")]
    want = [v for v in record["asymptotic"]["ratio_per_n"].values() if np.isfinite(v)]
    assert np.allclose(asym.get_ydata(), want)
    assert any(np.allclose(ln.get_ydata(), 1.0) for ln in axes[0].get_lines())
    plt.close(fig)


def test_bound_vs_gap_has_prediction_and_fast_rate(result) -> None:
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    from boundkit.plotting import plot_bound_vs_gap

    ax = plot_bound_vs_gap(result)
    labels = [ln.get_label() for ln in ax.get_lines()]
    assert any(lab.startswith("asymptotic") for lab in labels)
    assert any(lab.startswith("fast rate") for lab in labels)
    plt.close(ax.figure)
