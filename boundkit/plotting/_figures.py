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
    from boundkit.simulation._harness import load_results, simulate

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


def simulation_figures(results: dict[str, Any], out_dir: str | Path) -> list[Path]:
    """Draw the three simulation figures from loaded results; returns the written paths."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    from boundkit.plotting._simulation import plot_bound_vs_gap, plot_calibration, plot_improvement
    from boundkit.plotting._style import use_style, write_figure

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    names = list(results)
    bounded = [k for k in names if results[k].value_range is not None]
    with use_style():
        for fname, fn, keys in (
            ("bound_vs_gap.png", plot_bound_vs_gap, names),
            ("improvement.png", plot_improvement, names),
            ("calibration.png", plot_calibration, bounded),
        ):
            if not keys:
                continue
            ncols = len(keys) if len(keys) <= 3 else 2
            nrows = -(-len(keys) // ncols)
            fig, axes = plt.subplots(
                nrows, ncols, figsize=(4.6 * ncols, 3.7 * nrows), squeeze=False
            )
            flat = list(axes.ravel())
            for ax, k in zip(flat, keys, strict=False):
                fn(results[k], ax=ax)
            for ax in flat[len(keys) :]:
                ax.set_visible(False)
            paths.append(write_figure(fig, out / fname))
        from boundkit.plotting._tightness import plot_tightness_map

        records = {k: results[k].tightness(holdout=True) for k in names}
        paths.append(write_figure(plot_tightness_map(records), out / "tightness_map.png"))
    return paths


def make_all_figures(
    out_dir: str | Path,
    *,
    quick: bool = False,
    results_dir: str | Path | None = None,
    n_jobs: int = 1,
    seed: int = 0,
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
        paths = simulation_figures(results, out)
    if importlib.util.find_spec("boundkit.plotting._guidance") is not None:
        guidance = importlib.import_module("boundkit.plotting._guidance")
        extra = guidance.guidance_figures(out, quick=quick)
        paths.extend(Path(p) for p in (extra or []))
    return paths
