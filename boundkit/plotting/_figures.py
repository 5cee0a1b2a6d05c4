r"""Regenerate every boundkit figure: ``make_all_figures(out_dir, quick=...)``.

Each figure is drawn from the results files (``results.csv`` / ``results.json``) of a Monte
Carlo sweep, which are written first (into ``results_dir``, a temporary directory by default;
with a persistent ``results_dir`` an interrupted run resumes). The guidance figures of
:mod:`boundkit.plotting._guidance` are added when that module exists.
"""

from __future__ import annotations

import importlib
import importlib.util
import tempfile
from pathlib import Path
from typing import Any

__all__ = ["SWEEPS", "make_all_figures", "simulation_figures"]

#: The sweeps behind the figures: toy -> (sizes, replicates, Monte Carlo draws for R_n).
SWEEPS: dict[bool, dict[str, tuple[list[int], int, int]]] = {
    False: {
        "gauss1d-quadratic": ([10, 20, 50, 100, 200, 500, 1000, 2000], 2000, 2000),
        "finite": ([5, 10, 20, 50, 100, 200, 500, 1000], 500, 1000),
        "mixture1d": ([10, 30, 100, 300, 1000, 3000], 300, 500),
        "mixture2d": ([10, 30, 100, 300, 1000], 150, 300),
        "mixture1d-rkhs": ([10, 30, 100, 300, 1000, 3000], 200, 300),
        # two-layer ReLU: every replicate is a non-concave fit (~0.3 s), so few replicates
        "mixture1d-relu": ([10, 30, 100, 300], 8, 100),
    },
    True: {
        "gauss1d-quadratic": ([10, 30, 100, 300], 200, 200),
        "finite": ([5, 20, 100], 100, 200),
        "mixture1d": ([10, 100, 1000], 30, 100),
        "mixture1d-relu": ([10, 100], 4, 50),
    },
}


def _run_sweeps(results_dir: Path, quick: bool, n_jobs: int, seed: int) -> dict[str, Any]:
    from boundkit.simulation import load_results, simulate

    out = {}
    for toy, (sizes, R, n_mc) in SWEEPS[quick].items():
        d = results_dir / toy
        simulate(
            toy,
            sizes,
            n_replicates=R,
            seed=seed,
            n_mc=n_mc,
            n_jobs=n_jobs,
            out_dir=d,
            overwrite=True,
        )
        out[toy] = load_results(d)
    return out


def simulation_figures(
    results: dict[str, Any], out_dir: str | Path, *, style: str = "default"
) -> list[Path]:
    """Draw the three simulation figures from loaded results; returns the written paths.

    ``bound_vs_gap``, ``improvement`` and ``slack`` (bounded classes only), one panel per
    toy, constrained layout, legends below the panels. ``style="paper"`` uses the serif paper
    style at double-column width and writes a vector PDF next to each PNG.
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    from boundkit.plotting._simulation import plot_bound_vs_gap, plot_improvement, plot_slack
    from boundkit.plotting._style import figure_size, use_style, write_figure

    formats = ("png", "pdf") if style == "paper" else ("png",)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    names = list(results)
    bounded = [k for k in names if results[k].value_range is not None]
    with use_style(style):
        for fname, fn, keys in (
            ("bound_vs_gap.png", plot_bound_vs_gap, names),
            ("improvement.png", plot_improvement, names),
            ("slack.png", plot_slack, bounded),
        ):
            if not keys:
                continue
            ncols = len(keys) if len(keys) <= 3 else 2
            nrows = -(-len(keys) // ncols)
            size = figure_size(
                "double" if style == "paper" else None, nrows=nrows, ncols=ncols, aspect=0.85
            )
            fig, axes = plt.subplots(
                nrows, ncols, figsize=size, squeeze=False, layout="constrained"
            )
            flat = list(axes.ravel())
            for ax, k in zip(flat, keys, strict=False):
                fn(results[k], ax=ax)
            for ax in flat[len(keys) :]:
                ax.set_visible(False)
            first = Path(write_figure(fig, out / fname, formats=formats))
            paths.extend(first.with_suffix(f".{fmt}") for fmt in formats)
        from boundkit.plotting._tightness import plot_tightness_map

        records = {k: results[k].tightness(holdout=True) for k in names}
        first = Path(
            write_figure(plot_tightness_map(records), out / "tightness_map.png", formats=formats)
        )
        paths.extend(first.with_suffix(f".{fmt}") for fmt in formats)
    return paths


def make_all_figures(
    out_dir: str | Path,
    *,
    quick: bool = False,
    results_dir: str | Path | None = None,
    n_jobs: int = 1,
    seed: int = 0,
    style: str = "default",
) -> list[Path]:
    r"""Run the sweeps, write their results, and draw every figure into ``out_dir``.

    Parameters
    ----------
    out_dir : path
        Where the PNG files go (created if needed).
    quick : bool
        Small sweeps (CI / smoke runs).
    results_dir : path, optional
        Keep the sweep results (``<toy>/results.csv``, ``results.json``) there; a rerun reuses
        finished cells. A temporary directory by default.
    n_jobs : int
        Workers of the sweeps (never changes a number).
    seed : int
        Root seed.
    style : {"default", "paper"}
        ``"paper"``: serif, double-column simulation figures, a vector PDF next to each PNG.

    Returns
    -------
    list of Path
        The figure files, simulation figures first, then the guidance figures (if any).
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        rdir = Path(results_dir) if results_dir is not None else Path(tmp)
        results = _run_sweeps(rdir, quick, n_jobs, seed)
        paths = simulation_figures(results, out, style=style)
    if importlib.util.find_spec("boundkit.plotting._guidance") is not None:
        guidance = importlib.import_module("boundkit.plotting._guidance")
        extra = guidance.guidance_figures(out, quick=quick)
        paths.extend(Path(p) for p in (extra or []))
    return paths
