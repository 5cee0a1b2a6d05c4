"""A fixed, print-readable matplotlib style for boundkit figures (imported lazily)."""

from __future__ import annotations

from typing import Any

__all__ = ["RC", "COLORS", "savefig", "use_style"]

#: rcParams applied to every boundkit figure (fixed so that files are reproducible).
RC: dict[str, Any] = {
    "figure.dpi": 100,
    "savefig.dpi": 150,
    "font.size": 10,
    "axes.titlesize": 10,
    "axes.labelsize": 10,
    "legend.fontsize": 8,
    "xtick.labelsize": 9,
    "ytick.labelsize": 9,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "lines.linewidth": 1.6,
    "lines.markersize": 5,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "svg.hashsalt": "boundkit",
    "path.simplify": False,
}

#: Colour-blind-safe palette (Okabe-Ito).
COLORS: dict[str, str] = {
    "measured": "#000000",
    "C6a": "#0072B2",
    "C6b": "#D55E00",
    "C6c": "#CC79A7",
    "C7": "#009E73",
    "reference": "#999999",
}


def use_style() -> Any:
    """Return a context manager applying :data:`RC` (with the Agg-safe defaults)."""
    import matplotlib as mpl

    return mpl.rc_context(RC)  # type: ignore[arg-type]


def savefig(fig: Any, path: Any) -> None:
    """Save ``fig`` to ``path`` without timestamps or version strings (reproducible bytes)."""
    from pathlib import Path

    path = Path(path)
    meta: dict[str, Any]
    if path.suffix.lower() == ".png":
        meta = {"Software": None}
    elif path.suffix.lower() == ".pdf":
        meta = {"Creator": None, "Producer": None, "CreationDate": None}
    elif path.suffix.lower() == ".svg":
        meta = {"Date": None, "Creator": None}
    else:
        meta = {}
    fig.savefig(path, metadata=meta, bbox_inches="tight")


def write_figure(fig: Any, path: Any) -> Any:
    """Lay out ``fig``, save it reproducibly with :func:`savefig`, close it; return the path."""
    import matplotlib.pyplot as plt

    fig.tight_layout()
    savefig(fig, path)
    plt.close(fig)
    return path
