r"""Rendering of check records: terminal table, Markdown table, JSON.

The JSON form (a list of :meth:`CheckRecord.to_dict` dictionaries) is documented by the schema
``docs/verify.schema.json``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from typing import Any

from boundkit.claims._records import WEAK_MARGIN, CheckRecord
from boundkit.claims._registry import Claim

__all__ = [
    "render_table",
    "render_markdown",
    "render_claims",
    "records_to_json",
    "summary_line",
]

_COLUMNS = (
    "claim",
    "level",
    "status",
    "worst violation",
    "tolerance",
    "cases",
    "margin",
    "tightness",
    "time",
)


def _margin(r: CheckRecord) -> str:
    """The margin cell: ``-`` for identities, ``0.04``, or ``0.97 weak``."""
    if r.margin is None:
        return "-"
    return f"{r.margin:.2f}" + (" weak" if r.weak else "")


def _tightness(r: CheckRecord) -> str:
    r"""The tightness cell. For a bound checked against a measured excess over sample sizes
    (the record carries ``tightness``): the median over n of bound / measured, ``3.2x med``.
    Otherwise: bound part / measured part at the tightest instance checked,
    :math:`1/c^* = 1/(1 - \text{margin})` (``1`` is exact; ``-`` for identities; ``inf``
    when no instance came close; ``<=1`` when an instance reached the bound)."""
    med = (r.tightness or {}).get("ratio_median")
    if isinstance(med, int | float) and not isinstance(med, bool):
        return f"{float(med):.3g}x med" if math.isfinite(med) else "inf med"
    if isinstance(med, str) and med == "inf":
        return "inf med"
    if r.margin is None:
        return "-"
    if r.margin >= 1:
        return "inf"
    if r.margin <= 0:
        return "<=1"
    return f"{1.0 / (1.0 - r.margin):.3g}x"


def _num(x: float) -> str:
    if isinstance(x, str):
        return x
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    if x == 0:
        return "0"
    return f"{x:.3g}"


def _secs(x: float) -> str:
    return f"{x:.2f} s" if x < 100 else f"{x:.0f} s"


def _rows(records: Iterable[CheckRecord]) -> list[tuple[str, ...]]:
    return [
        (
            r.claim,
            r.level,
            r.verdict,
            _num(r.worst_violation),
            _num(r.tolerance),
            str(r.cases),
            _margin(r),
            _tightness(r),
            _secs(r.elapsed),
        )
        for r in records
    ]


def summary_line(records: Sequence[CheckRecord]) -> str:
    """One line counting passes, failures, expected failures and inconclusive checks.

    Examples
    --------
    >>> from boundkit.claims import CheckRecord
    >>> r = CheckRecord("C5", "numeric", "pass", -1e-13, 1e-9, 10, 0, 0.1)
    >>> summary_line([r])
    '1 check: 1 passed, 0 failed, 0 failed as expected, 0 passed unexpectedly, 0 inconclusive'
    """
    n = len(records)
    passed = sum(r.status == "pass" and r.expected == "pass" for r in records)
    failed = sum(r.status == "fail" and r.expected == "pass" for r in records)
    xfail = sum(r.status == "fail" and r.expected == "fail" for r in records)
    xpass = sum(r.status == "pass" and r.expected == "fail" for r in records)
    inconc = sum(r.status == "inconclusive" for r in records)
    return (
        f"{n} check{'s' if n != 1 else ''}: {passed} passed, {failed} failed, "
        f"{xfail} failed as expected, {xpass} passed unexpectedly, {inconc} inconclusive"
    )


def render_table(records: Sequence[CheckRecord], *, counterexample_width: int = 240) -> str:
    r"""A fixed-width text table of records for the terminal, with a summary line.

    Parameters
    ----------
    records : sequence of CheckRecord
        Records from :func:`boundkit.claims.verify`.
    counterexample_width : int
        Failures are followed by their counterexample as one line of JSON, cut to this many
        characters (the full one is in ``--json`` and in the record).

    Returns
    -------
    str
        The table; failures (and expected failures) are followed by their message and their
        counterexample with the seed that regenerates it.

    Examples
    --------
    >>> from boundkit.claims import CheckRecord
    >>> r = CheckRecord("C5", "numeric", "pass", -1e-13, 1e-9, 10, 0, 0.1)
    >>> print(render_table([r]).splitlines()[2])
    C5     numeric  pass             -1e-13      1e-09     10       -          -  0.10 s
    """
    rows = _rows(records)
    widths = [max([len(c)] + [len(row[i]) for row in rows]) for i, c in enumerate(_COLUMNS)]
    right = {3, 4, 5, 6, 7, 8}

    def fmt(cells: Sequence[str]) -> str:
        out = []
        for i, cell in enumerate(cells):
            out.append(cell.rjust(widths[i]) if i in right else cell.ljust(widths[i]))
        return "  ".join(out).rstrip()

    lines = [fmt(_COLUMNS), fmt(["-" * w for w in widths])]
    for r, row in zip(records, rows, strict=True):
        lines.append(fmt(row))
        if r.search:
            lines.append(f"    -> {_search_line(r.search)}")
        if r.status != "pass" and r.message:
            lines.append(f"    -> {r.message.splitlines()[0]}")
        if r.status == "fail" and r.counterexample:
            ce = r.to_dict()["counterexample"]
            if isinstance(ce, dict):  # scalars first: they say most in one line
                ce = dict(sorted(ce.items(), key=lambda kv: isinstance(kv[1], list | dict)))
            text = json.dumps(ce, separators=(", ", ": "))
            if len(text) > counterexample_width:
                text = text[: counterexample_width - 3] + "..."
            lines.append(f"    -> counterexample (seed {r.seed}): {text}")
    lines.append("")
    lines.append(summary_line(records))
    weak = _weak_note(records)
    if weak:
        lines.append(weak)
    return "\n".join(lines)


def _search_line(search: Any) -> str:
    """One line summarising a record's falsifier runs."""
    parts = []
    for sp in search.get("spaces", []):
        hit = f"counterexample at evaluation {sp['first_hit']}" if sp.get("found") else "none"
        m = sp.get("margin")
        parts.append(
            f"{sp.get('space') or 'search'}: {hit} ({sp.get('evaluations')} evaluations"
            + (f", best margin {m:.3g}" if isinstance(m, float) else "")
            + ")"
        )
    return "search " + "; ".join(parts)


def _weak_note(records: Sequence[CheckRecord]) -> str:
    """One line naming the weak records (margin above WEAK_MARGIN), or ''."""
    weak = [f"{r.claim}/{r.level}" for r in records if r.weak]
    if not weak:
        return ""
    return (
        f"weak (margin > {WEAK_MARGIN:g}: these instances could not tell a factor 2 in the "
        f"bound's complexity/deviation part): {', '.join(weak)}"
    )


def _md_escape(text: str) -> str:
    return text.replace("|", r"\|").replace("\n", " ")


def _compact_json(obj: Any) -> str:
    """A mapping as JSON with one top-level key per line and compact values."""
    if not isinstance(obj, dict) or not obj:
        return json.dumps(obj)
    items = [f"  {json.dumps(k)}: {json.dumps(v, separators=(', ', ': '))}" for k, v in obj.items()]
    return "{\n" + ",\n".join(items) + "\n}"


def render_markdown(records: Sequence[CheckRecord], *, details: bool = True) -> str:
    r"""A Markdown table of records, optionally followed by the failures' counterexamples.

    Parameters
    ----------
    records : sequence of CheckRecord
        Records from :func:`boundkit.claims.verify`.
    details : bool
        Append a section per non-passing record with its message, seed and counterexample.

    Returns
    -------
    str
        Markdown text.

    Examples
    --------
    >>> from boundkit.claims import CheckRecord
    >>> r = CheckRecord("C5", "numeric", "pass", -1e-13, 1e-9, 10, 0, 0.1)
    >>> print(render_markdown([r]).splitlines()[2])
    | C5 | numeric | pass | -1e-13 | 1e-09 | 10 | - | - | 0.10 s |
    """
    header = "| " + " | ".join(_COLUMNS) + " |"
    sep = "|" + "|".join(["---"] * 3 + ["---:"] * 6) + "|"
    lines = [header, sep]
    for row in _rows(records):
        cells = list(row)
        if cells[2] in ("FAIL", "UNEXPECTED PASS"):
            cells[2] = f"**{cells[2]}**"
        lines.append("| " + " | ".join(_md_escape(c) for c in cells) + " |")
    lines.append("")
    lines.append(summary_line(records) + ".")
    weak = _weak_note(records)
    if weak:
        lines.append("")
        lines.append(weak + ".")
    if details:
        for r in records:
            if r.status == "pass":
                continue
            lines.append("")
            lines.append(f"#### {r.claim} / {r.level}: {r.verdict}")
            lines.append("")
            if r.message:
                lines.append(f"- message: {_md_escape(r.message)}")
            lines.append(
                f"- seed: `{r.seed}` (replay with `boundkit.claims.rerun(record)`), "
                f"quick: `{r.quick}`"
            )
            if r.counterexample:
                lines.append("- counterexample:")
                lines.append("")
                lines.append("```json")
                lines.append(_compact_json(r.to_dict()["counterexample"]))
                lines.append("```")
    return "\n".join(lines)


def render_claims(claims: Iterable[Claim], *, markdown: bool = False) -> str:
    r"""List claims (identifier, levels, statement), as text or Markdown.

    Parameters
    ----------
    claims : iterable of Claim
        E.g. ``registry().values()``.
    markdown : bool
        Markdown bullet list with LaTeX instead of plain text.

    Returns
    -------
    str
        One entry per claim.
    """
    lines = []
    for c in claims:
        levels = ", ".join(c.levels()) or "(no checks)"
        tags = [] if c.builtin else ["user"]
        if c.expected == "fail":
            tags.append("expected to fail")
        tag = f" [{'; '.join(tags)}]" if tags else ""
        if markdown:
            lines.append(f"- **{c.id}**{tag} ({levels}): {c.statement}")
            if c.latex:
                lines.append(f"  $${c.latex}$$")
            if c.hypotheses:
                lines.append(f"  Hypotheses: {'; '.join(c.hypotheses)}.")
        else:
            lines.append(f"{c.id}{tag}  [{levels}]")
            lines.append(f"    {c.statement}")
            if c.hypotheses:
                lines.append(f"    hypotheses: {'; '.join(c.hypotheses)}")
    return "\n".join(lines)


def records_to_json(records: Sequence[CheckRecord], *, indent: int | None = 2) -> str:
    r"""The records as one JSON document: a list of :meth:`CheckRecord.to_dict` objects.

    Non-finite floats are written as the strings ``"inf"``, ``"-inf"``, ``"nan"`` so the output
    is strict JSON (see ``docs/verify.schema.json``).

    Examples
    --------
    >>> import json
    >>> from boundkit.claims import CheckRecord
    >>> r = CheckRecord("C5", "numeric", "fail", float("inf"), 0.0, 0, 1, 0.1)
    >>> json.loads(records_to_json([r]))[0]["worst_violation"]
    'inf'
    """
    data: list[dict[str, Any]] = [r.to_dict() for r in records]
    return json.dumps(data, indent=indent, allow_nan=False)
