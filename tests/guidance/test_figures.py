"""Guidance figures: the plot functions draw, and guidance_figures writes PNG files."""

from __future__ import annotations

import matplotlib
import pytest

from boundkit.guidance import (
    OptimalDiscriminator,
    get_guidance_setting,
    guided_sample,
    run_guidance,
)
from boundkit.plotting._guidance import (
    guidance_figures,
    plot_distance_vs_weight,
    plot_guidance_densities,
    plot_refined_vs_target,
    plot_time_accuracy,
)

matplotlib.use("Agg")


def test_plot_functions_draw():
    import matplotlib.pyplot as plt

    toy = get_guidance_setting("bimodal")
    discs = {"optimal": OptimalDiscriminator(toy.p, toy.q)}
    res = run_guidance(
        toy,
        discs,
        weights=(0.0, 1.0),
        n_particles=300,
        n_steps=10,
        n_seeds=2,
        profile_times=(0.0, 1.0),
    )
    fig, axes = plt.subplots(1, 4)
    x = guided_sample(toy.q, discs["optimal"], n_particles=300, n_steps=10, rng=0).x
    plot_guidance_densities(toy, discs, {"optimal": x}, ax=axes[0])
    plot_distance_vs_weight(res, "w1", ax=axes[1])
    plot_time_accuracy(res.profiles, ax=axes[2])
    plot_refined_vs_target(res, 1.0, ax=axes[3])
    assert len(axes[1].lines) >= 1 and len(axes[2].lines) >= 1
    plt.close(fig)


@pytest.mark.slow
def test_guidance_figures_quick_writes_pngs(tmp_path):
    paths = guidance_figures(tmp_path, quick=True)
    assert len(paths) == 4
    for p in paths:
        assert p.exists() and p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
