r"""Result tables as LaTeX (booktabs) for a paper."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from boundkit._errors import BoundkitError

__all__ = ["DEFAULT_COLUMNS", "to_latex"]

#: Columns of :func:`to_latex` for a simulation result: (summary key, header, se key or None).
DEFAULT_COLUMNS: tuple[tuple[str, str, str | None], ...] = (
    ("n", "$n$", None),
    ("excess_mean", r"excess $\pm$ se", "excess_se"),
    ("bound_C6a", r"C6a gap", None),
    ("bound_C6b_mean", r"C6b gap", None),
    ("violation_rate_C6b", r"viol.\ C6b", None),
    ("improvement_mean", r"improvement $\pm$ se", "improvement_se"),
)

_LATEX_SPECIALS = {"&": r"\&", "%": r"\%", "#": r"\#", "_": r"\_"}


def _escape(text: str) -> str:
    if "$" in text or "\\" in text:
        return text  # already LaTeX
    return "".join(_LATEX_SPECIALS.get(c, c) for c in text)


def _number(x: Any, digits: int) -> str:
    if isinstance(x, bool):
        return str(x)
    if isinstance(x, int) or (isinstance(x, float) and x.is_integer() and abs(x) < 1e15):
        return str(int(x))
    v = float(x)
    if math.isnan(v):
        return "--"
    if math.isinf(v):
        return r"\infty" if v > 0 else r"-\infty"
    return f"{v:.{digits}g}"


def to_latex(
    result: Any,
    columns: Sequence[tuple[str, str, str | None]] | None = None,
    *,
    digits: int = 3,
    caption: str | None = None,
    label: str | None = None,
) -> str:
    r"""A booktabs LaTeX table of a result's summary, one row per sample size.

    Parameters
    ----------
    result : SimulationResult or sequence of mapping
        Anything with ``summary()`` (rows of aggregates), or the rows themselves.
    columns : sequence of (key, header, se_key or None), optional
        Which summary keys to show; with an ``se_key`` the cell is ``value \pm se``. Default
        :data:`DEFAULT_COLUMNS`, restricted to the keys the rows have (the bound columns of
        unbounded or non-KL toys are left out). Bound columns (``bound_*``) are shown as
        predicted gaps (bound minus :math:`\mathrm{KL}(P\|Q_{h^*})`) when the result has its
        population.
    digits : int
        Significant digits.
    caption, label : str, optional
        With either, the tabular is wrapped in a ``table`` environment.

    Returns
    -------
    str
        Needs ``\usepackage{booktabs}``.

    Examples
    --------
    >>> print(to_latex([{"n": 10, "excess_mean": 0.12345, "excess_se": 0.01}],
    ...                [("n", "$n$", None), ("excess_mean", "excess", "excess_se")]))
    \begin{tabular}{rr}
    \toprule
    $n$ & excess \\
    \midrule
    10 & $0.123 \pm 0.01$ \\
    \bottomrule
    \end{tabular}
    """
    rows = list(result.summary()) if hasattr(result, "summary") else list(result)
    if not rows or not all(isinstance(r, Mapping) for r in rows):
        raise BoundkitError("to_latex needs a result with summary() or a list of row mappings")
    if int(digits) < 1:
        raise BoundkitError(f"digits must be >= 1, got {digits}")
    best = None
    pop = getattr(result, "population", None)
    if pop is not None and "divergence_best" in pop:
        best = float(pop["divergence_best"])
    if columns is None:
        cols = [c for c in DEFAULT_COLUMNS if c[0] in rows[0]]
    else:
        cols = list(columns)
        missing = [c[0] for c in cols if c[0] not in rows[0]]
        if missing:
            raise BoundkitError(
                f"unknown columns {missing}: the rows have {', '.join(map(str, rows[0]))}"
            )
    lines = [
        r"\begin{tabular}{" + "r" * len(cols) + "}",
        r"\toprule",
        " & ".join(_escape(h) for _, h, _ in cols) + r" \\",
        r"\midrule",
    ]
    for row in rows:
        cells = []
        for key, _, se_key in cols:
            v = row[key]
            if key.startswith("bound_") and best is not None:
                v = float(v) - best
            text = _number(v, digits)
            if se_key is not None and se_key in row:
                text = f"${text} \\pm {_number(row[se_key], digits)}$"
            elif "\\" in text:
                text = f"${text}$"
            cells.append(text)
        lines.append(" & ".join(cells) + r" \\")
    lines += [r"\bottomrule", r"\end{tabular}"]
    body = "\n".join(lines)
    if caption is None and label is None:
        return body
    out = [r"\begin{table}", r"\centering"]
    if caption is not None:
        out.append(r"\caption{" + caption + "}")
    if label is not None:
        out.append(r"\label{" + label + "}")
    return "\n".join([*out, body, r"\end{table}"])
