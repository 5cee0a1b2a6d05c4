r"""Figures and tables of boundkit: bounds vs measured gaps, improvement, slack, tightness.

Every plot function takes a result object *or* plain arrays (sample sizes, measured mean, its
standard error, bound curves) and an optional ``ax``; the ``*_data`` functions return the
plotted data (:class:`PlotData`, :class:`SlackData`) of a result. :func:`use_style` applies
the ``"default"`` or ``"paper"`` style (serif, single/double column, PDF next to PNG);
:func:`to_latex` writes a result table in booktabs LaTeX. matplotlib is imported only inside
the plotting functions (``import boundkit.plotting`` stays light). :func:`make_all_figures`
regenerates every figure (``boundkit figures``).
"""

from boundkit.plotting._data import (
    PlotData,
    SlackData,
    bound_vs_gap_data,
    human_title,
    improvement_data,
    quantile_band,
    slack_data,
)
from boundkit.plotting._figures import make_all_figures, simulation_figures
from boundkit.plotting._refine import plot_plane_densities, plot_refine_sweep, refine_figures
from boundkit.plotting._simulation import (
    plot_bound_vs_gap,
    plot_improvement,
    plot_slack,
)
from boundkit.plotting._style import PAPER_WIDTHS, figure_size, use_style
from boundkit.plotting._tables import to_latex
from boundkit.plotting._tightness import plot_tightness, plot_tightness_map

__all__ = [
    "PAPER_WIDTHS",
    "PlotData",
    "SlackData",
    "bound_vs_gap_data",
    "figure_size",
    "human_title",
    "improvement_data",
    "make_all_figures",
    "plot_bound_vs_gap",
    "plot_improvement",
    "plot_plane_densities",
    "plot_refine_sweep",
    "plot_slack",
    "plot_tightness",
    "plot_tightness_map",
    "quantile_band",
    "refine_figures",
    "simulation_figures",
    "slack_data",
    "to_latex",
    "use_style",
]
