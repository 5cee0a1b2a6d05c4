r"""``reproduce``: verify every claim, regenerate every figure, write ``report.md``.

The figures come from ``boundkit.plotting._figures.make_all_figures(out_dir, quick=...)``. When
that module or function does not exist (yet), the report says so and the run still succeeds;
when it exists but raises, the error is reported and the run fails.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import os
import platform
import time
import traceback
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from boundkit._errors import BoundkitError

__all__ = ["FigureRun", "ReproduceResult", "make_figures", "reproduce"]

FIGURES_MODULE = "boundkit.plotting._figures"
FIGURES_FUNCTION = "make_all_figures"
IMAGE_SUFFIXES = (".png", ".svg", ".jpg", ".jpeg", ".gif", ".pdf")
#: Time budgets (seconds) of the issue: < 1 minute with ``quick``, < 5 minutes otherwise.
BUDGET_QUICK = 60.0
BUDGET_FULL = 300.0


@dataclass(frozen=True)
class FigureRun:
    r"""What happened when the figures were regenerated.

    Attributes
    ----------
    status : {"ok", "missing", "error", "skipped"}
        ``ok``: the figure function ran; ``missing``: ``boundkit.plotting._figures.
        make_all_figures`` does not exist (a note, not a failure); ``error``: it raised (a
        failure); ``skipped``: figures were not requested.
    files : tuple of Path
        The figure files made (absolute paths), in the order the function returned them (or
        sorted by name when it returned nothing usable).
    note : str
        One-line explanation for the report (empty when ``ok``).
    detail : str
        The traceback when ``status`` is ``error``.
    elapsed : float
        Wall-clock seconds.
    """

    status: str
    files: tuple[Path, ...] = ()
    note: str = ""
    detail: str = ""
    elapsed: float = 0.0

    @property
    def ok(self) -> bool:
        """Whether the figure step is not a failure (``ok``, ``missing`` or ``skipped``)."""
        return self.status != "error"


@dataclass(frozen=True)
class ReproduceResult:
    r"""The outcome of :func:`reproduce`.

    Attributes
    ----------
    out_dir : Path
        The output directory.
    report_path, json_path : Path
        ``report.md`` and ``verify.json`` under ``out_dir``.
    records : tuple of CheckRecord
        One per (claim, level) check, as in ``boundkit verify``.
    figures : FigureRun
        The figure step.
    load_errors : mapping
        Built-in claim modules that failed to import (they are also failing records).
    quick : bool
        Whether the quick settings were used.
    seed : int
        The root seed.
    elapsed : float
        Wall-clock seconds of the whole run.
    cpu : float
        CPU seconds of this process (worker processes not included).
    """

    out_dir: Path
    report_path: Path
    json_path: Path
    records: tuple[Any, ...]
    figures: FigureRun
    load_errors: Mapping[str, str] = field(default_factory=dict)
    quick: bool = False
    seed: int = 0
    elapsed: float = 0.0
    cpu: float = 0.0

    @property
    def exit_status(self) -> int:
        """0 when every check is as expected and the figure step did not fail, else 1."""
        from boundkit.claims import exit_status

        return 1 if exit_status(self.records) or not self.figures.ok else 0

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready summary (paths as strings; the records are in ``verify.json``)."""
        from boundkit.claims import summary_line

        return {
            "out_dir": str(self.out_dir),
            "report": str(self.report_path),
            "verify_json": str(self.json_path),
            "exit_status": self.exit_status,
            "summary": summary_line(self.records),
            "checks": len(self.records),
            "unexpected": [f"{r.claim}/{r.level}" for r in self.records if not r.as_expected],
            "figures": {
                "status": self.figures.status,
                "files": [str(p) for p in self.figures.files],
                "note": self.figures.note,
            },
            "load_errors": sorted(self.load_errors),
            "quick": self.quick,
            "seed": self.seed,
            "elapsed": self.elapsed,
            "cpu": self.cpu,
        }


def _collect_files(returned: Any, fig_dir: Path) -> tuple[Path, ...]:
    """Figure files from the function's return value, or else the images in ``fig_dir``."""
    candidates: list[Any] = []
    if isinstance(returned, Mapping):
        candidates = list(returned.values())
    elif isinstance(returned, str | os.PathLike):
        candidates = [returned]
    elif isinstance(returned, Iterable):
        candidates = list(returned)
    files: list[Path] = []
    for item in candidates:
        if isinstance(item, list | tuple):  # e.g. (png, pdf) pairs
            files.extend(Path(x) for x in item if isinstance(x, str | os.PathLike))
        elif isinstance(item, str | os.PathLike):
            files.append(Path(item))
    files = [p if p.is_absolute() or p.exists() else fig_dir / p for p in files]
    files = [p.resolve() for p in files if p.is_file()]
    if not files:
        found = [p for p in fig_dir.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES]
        files = sorted((p.resolve() for p in found), key=lambda p: str(p))
    return tuple(dict.fromkeys(files))


def make_figures(
    fig_dir: str | os.PathLike[str], *, quick: bool = False, seed: int = 0, n_jobs: int = 1
) -> FigureRun:
    r"""Regenerate every figure into ``fig_dir`` with ``make_all_figures``, never raising.

    Parameters
    ----------
    fig_dir : str or path
        Directory for the figure files (created).
    quick : bool
        Small sizes (passed on as ``quick=``).
    seed : int
        Passed on as ``seed=`` (or ``rng=``) when the figure function accepts it.
    n_jobs : int
        Passed on as ``n_jobs=`` when the figure function accepts it.

    Returns
    -------
    FigureRun
        ``status`` is ``missing`` when ``boundkit.plotting._figures.make_all_figures`` does not
        exist, ``error`` (with the traceback in ``detail``) when it raises.
    """
    start = time.perf_counter()
    fig_dir = Path(fig_dir)
    fig_dir.mkdir(parents=True, exist_ok=True)
    try:
        spec = importlib.util.find_spec(FIGURES_MODULE)
    except ModuleNotFoundError:
        spec = None
    if spec is None:
        return FigureRun(
            "missing",
            note=f"no figures: {FIGURES_MODULE} does not exist in this version of boundkit",
            elapsed=time.perf_counter() - start,
        )
    try:
        module = importlib.import_module(FIGURES_MODULE)
    except Exception as exc:  # noqa: BLE001 - reported in the report
        return FigureRun(
            "error",
            note=f"importing {FIGURES_MODULE} raised {type(exc).__name__}: {exc}",
            detail=traceback.format_exc(),
            elapsed=time.perf_counter() - start,
        )
    func = getattr(module, FIGURES_FUNCTION, None)
    if not callable(func):
        return FigureRun(
            "missing",
            note=f"no figures: {FIGURES_MODULE} has no function {FIGURES_FUNCTION}",
            elapsed=time.perf_counter() - start,
        )
    kwargs: dict[str, Any] = {"quick": quick}
    try:
        params: Mapping[str, Any] = inspect.signature(func).parameters
    except (TypeError, ValueError):
        params = {}
    if "seed" in params:
        kwargs["seed"] = seed
    elif "rng" in params:
        kwargs["rng"] = seed
    if "n_jobs" in params:
        kwargs["n_jobs"] = n_jobs
    try:
        returned = func(fig_dir, **kwargs)
    except Exception as exc:  # noqa: BLE001 - reported in the report
        return FigureRun(
            "error",
            note=f"{FIGURES_FUNCTION} raised {type(exc).__name__}: {exc}",
            detail=traceback.format_exc(),
            elapsed=time.perf_counter() - start,
        )
    files = _collect_files(returned, fig_dir)
    note = "" if files else f"{FIGURES_FUNCTION} ran but made no figure file"
    return FigureRun("ok", files=files, note=note, elapsed=time.perf_counter() - start)


def reproduce(
    out_dir: str | os.PathLike[str] = "reproduce-out",
    *,
    quick: bool = False,
    seed: int = 0,
    claims: Sequence[str] | None = None,
    figures: bool = True,
    n_jobs: int = 1,
    progress: Callable[[str], None] | None = None,
    on_record: Callable[[Any], None] | None = None,
) -> ReproduceResult:
    r"""Verify every claim, regenerate every figure and write the report under ``out_dir``.

    Parameters
    ----------
    out_dir : str or path
        Output directory (created; existing files of the same names are overwritten).
    quick : bool
        Quick settings for the checks and the figures (the CI main job).
    seed : int
        Root seed of the checks (see :func:`boundkit.claims.verify`).
    claims : sequence of str, optional
        Restrict the checks to these claims (default: every registered claim).
    figures : bool
        Regenerate the figures.
    n_jobs : int
        Worker processes for the checks; the records do not depend on it.
    progress, on_record : callable, optional
        Passed on to :func:`boundkit.claims.verify`.

    Returns
    -------
    ReproduceResult
        Paths, records and figure outcome; ``exit_status`` is 0 when every check is as
        expected (see :func:`boundkit.claims.exit_status`) and the figure step did not fail.

    Raises
    ------
    BoundkitError
        When ``out_dir`` exists and is not a directory, or for an unknown claim.

    Notes
    -----
    The shipped false claim ``X1-optimistic-refinement`` fails, with a counterexample, as it
    must: it is an *expected* failure and does not change the exit status. A built-in claim
    module that fails to import appears as a failing ``import:<module>`` check.
    """
    from boundkit.claims import builtin_load_errors, records_to_json, verify

    start, cpu_start = time.perf_counter(), time.process_time()
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise BoundkitError(f"--out {str(out)!r} exists and is not a directory")
    out.mkdir(parents=True, exist_ok=True)
    records = verify(
        claims, quick=quick, seed=seed, progress=progress, on_record=on_record, n_jobs=n_jobs
    )
    load_errors = builtin_load_errors()
    json_path = out / "verify.json"
    json_path.write_text(records_to_json(records) + "\n", encoding="utf-8")
    if figures:
        if progress is not None:
            progress("figures")
        fig_run = make_figures(out / "figures", quick=quick, seed=seed, n_jobs=n_jobs)
    else:
        fig_run = FigureRun("skipped", note="figures not requested (--no-figures)")
    elapsed = time.perf_counter() - start
    cpu = time.process_time() - cpu_start
    result = ReproduceResult(
        out_dir=out.resolve(),
        report_path=(out / "report.md").resolve(),
        json_path=json_path.resolve(),
        records=tuple(records),
        figures=fig_run,
        load_errors=load_errors,
        quick=quick,
        seed=seed,
        elapsed=elapsed,
        cpu=cpu,
    )
    result.report_path.write_text(render_report(result), encoding="utf-8")
    return result


def _versions() -> str:
    import numpy
    import scipy
    import sympy

    from boundkit import __version__

    return (
        f"boundkit {__version__}, Python {platform.python_version()}, numpy {numpy.__version__}, "
        f"scipy {scipy.__version__}, sympy {sympy.__version__}"
    )


def _caption(path: Path) -> str:
    return path.stem.replace("_", " ").replace("-", " ")


def render_report(result: ReproduceResult) -> str:
    r"""The Markdown text of ``report.md`` for a :class:`ReproduceResult`."""
    from boundkit.claims import (
        registry,
        render_claims,
        render_markdown,
        summary_line,
        unchecked_claims,
    )

    records = result.records
    budget = BUDGET_QUICK if result.quick else BUDGET_FULL
    verdict = "everything as expected" if result.exit_status == 0 else "**FAILED**"
    lines = [
        "# boundkit reproduce report",
        "",
        f"- result: {verdict} (exit status {result.exit_status})",
        f"- checks: {summary_line(records)}",
        f"- figures: {result.figures.status}"
        + (f" ({len(result.figures.files)} files)" if result.figures.files else "")
        + (f" -- {result.figures.note}" if result.figures.note else ""),
        f"- settings: {'quick' if result.quick else 'full'}, root seed {result.seed}",
        f"- time: {result.elapsed:.1f} s wall, {result.cpu:.1f} s CPU in the main process "
        f"(budget {budget:.0f} s on 2 idle cores"
        + ("" if result.elapsed <= budget else "; exceeded on this run")
        + ")",
        f"- software: {_versions()}",
        "",
        "Reading the table: `pass` / `FAIL` for claims of the theory; `fail (expected)` for a "
        "false claim shipped on purpose (`X1-...`), which must fail with a counterexample to show "
        "that the checks can fail, and does not count as a failure; `UNEXPECTED PASS` if such a "
        "claim passes (a failure). Every record carries its seed: "
        "`boundkit.claims.rerun(record)` replays it. The same records are in "
        "[verify.json](verify.json).",
        "",
        "## Verify",
        "",
        render_markdown(records, details=True),
        "",
    ]
    if result.load_errors:
        lines += ["## Built-in claim modules that failed to import", ""]
        for mod, text in sorted(result.load_errors.items()):
            lines += [f"### {mod}", "", "```text", text.rstrip(), "```", ""]
    missing = unchecked_claims()
    if missing:
        lines += [
            f"Claims of the theory with no check registered: {', '.join(missing)}.",
            "",
        ]
    slow = sorted(records, key=lambda r: r.elapsed, reverse=True)[:5]
    if slow:
        lines += [
            "Slowest checks: "
            + ", ".join(f"{r.claim}/{r.level} {r.elapsed:.1f} s" for r in slow)
            + f"; figures {result.figures.elapsed:.1f} s.",
            "",
        ]
    lines += ["## Figures", ""]
    if result.figures.status == "ok" and result.figures.files:
        for path in result.figures.files:
            try:
                rel = path.relative_to(result.out_dir).as_posix()
            except ValueError:
                rel = path.as_posix()
            if path.suffix.lower() == ".pdf":
                lines += [f"- [{_caption(path)}]({rel})", ""]
            else:
                lines += [f"### {_caption(path)}", "", f"![{_caption(path)}]({rel})", ""]
    else:
        lines += [f"_{result.figures.note or 'no figures'}_", ""]
        if result.figures.detail:
            lines += ["```text", result.figures.detail.rstrip(), "```", ""]
    ran = {r.claim for r in records}
    lines += [
        "## The claims",
        "",
        render_claims([c for cid, c in registry().items() if cid in ran], markdown=True),
        "",
    ]
    return "\n".join(lines)
