r"""Fixed, print-readable matplotlib styles for boundkit figures (imported lazily).

``"default"``: the screen/README style. ``"paper"``: serif text sized for a journal page,
figures :data:`PAPER_WIDTHS` wide (single or double column), written as vector PDF next to
the PNG.
"""

from __future__ import annotations

from typing import Any

from boundkit._errors import BoundkitError

__all__ = [
    "COLORS",
    "CYCLE",
    "PAPER_RC",
    "PAPER_WIDTHS",
    "RC",
    "figure_size",
    "savefig",
    "use_style",
    "write_figure",
]

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

#: Widths in inches of a single and a double journal column.
PAPER_WIDTHS: dict[str, float] = {"single": 3.4, "double": 7.0}

#: rcParams of the ``paper`` style, applied on top of :data:`RC`.
PAPER_RC: dict[str, Any] = {
    "font.family": "serif",
    "font.serif": ["DejaVu Serif"],
    "mathtext.fontset": "dejavuserif",
    "font.size": 8,
    "axes.titlesize": 8,
    "axes.labelsize": 8,
    "legend.fontsize": 7,
    "xtick.labelsize": 7,
    "ytick.labelsize": 7,
    "lines.linewidth": 1.2,
    "lines.markersize": 3.5,
    "savefig.dpi": 300,
    "pdf.fonttype": 42,
    "figure.figsize": (PAPER_WIDTHS["single"], 0.8 * PAPER_WIDTHS["single"]),
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

#: Colours of user curves, in order (the rest of the Okabe-Ito palette).
CYCLE: tuple[str, ...] = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9")


def _rc(style: str) -> dict[str, Any]:
    if style == "default":
        return dict(RC)
    if style == "paper":
        return {**RC, **PAPER_RC}
    raise BoundkitError(f"unknown style {style!r}: expected 'default' or 'paper'")


def use_style(style: str = "default") -> Any:
    """A context manager applying the ``"default"`` or ``"paper"`` rcParams."""
    import matplotlib as mpl

    return mpl.rc_context(_rc(style))  # type: ignore[arg-type]


def figure_size(
    columns: str | None = None, *, nrows: int = 1, ncols: int = 1, aspect: float = 0.8
) -> tuple[float, float]:
    r"""Figure size in inches for a grid of panels.

    Parameters
    ----------
    columns : {"single", "double"} or None
        Fit one or two journal columns (:data:`PAPER_WIDTHS`); ``None``: 4.6 inches per panel.
    nrows, ncols : int
        Panels of the grid.
    aspect : float
        Panel height over panel width (the legends below the panels are added on top).

    Examples
    --------
    >>> figure_size("single")
    (3.4, 3.4)
    """
    if columns is None:
        width = 4.6 * ncols
    elif columns in PAPER_WIDTHS:
        width = PAPER_WIDTHS[columns]
    else:
        raise BoundkitError(f"columns must be 'single' or 'double', got {columns!r}")
    panel = width / ncols
    return (round(width, 3), round(nrows * panel * (aspect + 0.2), 3))


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


def write_figure(fig: Any, path: Any, *, formats: tuple[str, ...] = ("png",)) -> Any:
    """Lay out ``fig``, save it reproducibly in every format, close it; return the first path.

    With ``formats=("png", "pdf")`` the vector PDF is written next to the PNG (same stem).
    A figure made with constrained layout keeps it; others get ``tight_layout``.
    """
    from pathlib import Path

    import matplotlib.pyplot as plt

    if fig.get_layout_engine() is None:
        fig.tight_layout()
    path = Path(path)
    paths = [path.with_suffix(f".{fmt}") for fmt in formats]
    for p in paths:
        savefig(fig, p)
    plt.close(fig)
    return paths[0]
