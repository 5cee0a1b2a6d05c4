r"""Figures of boundkit: predicted bounds vs measured gaps, improvement, calibration, tightness.

matplotlib is imported only inside the plotting functions (``import boundkit.plotting`` stays
light). :func:`make_all_figures` regenerates every figure (``boundkit figures``).
"""

from boundkit.plotting._figures import make_all_figures, simulation_figures
from boundkit.plotting._refine import plot_plane_densities, plot_refine_sweep, refine_figures
from boundkit.plotting._simulation import (
    plot_bound_vs_gap,
    plot_calibration,
    plot_improvement,
)
from boundkit.plotting._tightness import plot_tightness, plot_tightness_map

__all__ = [
    "make_all_figures",
    "plot_bound_vs_gap",
    "plot_calibration",
    "plot_improvement",
    "plot_plane_densities",
    "plot_refine_sweep",
    "plot_tightness",
    "plot_tightness_map",
    "refine_figures",
    "simulation_figures",
]
