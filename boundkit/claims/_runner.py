r"""Running checks: one check (:func:`run_check`), replaying a record (:func:`rerun`), many
checks (:func:`verify`, serial or in worker processes) and the exit status.

``verify`` never reports success with nothing verified: a check that raises anything (also
``SystemExit``), returns something other than a :class:`CheckOutcome`, returns NaN, says
``pass`` above its tolerance, passes without a single case, or runs past its time limit, is a
failed check.
"""

from __future__ import annotations

import math
import signal
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from typing import Any

import numpy as np

from boundkit._errors import BoundkitError
from boundkit.claims import _registry
from boundkit.claims._records import (
    LEVELS,
    CheckOutcome,
    CheckRecord,
    outcome_status,
    record_from_dict,
)
from boundkit.claims._registry import Claim, get_claim, registry

__all__ = ["run_check", "rerun", "verify", "plan", "exit_status"]


class _CheckTimeout(BaseException):
    """Raised inside a check when its time limit is reached (a BaseException, so that a
    check's own ``except Exception`` cannot swallow it)."""


def _claim_seed(claim_id: str, level: str, seed: int) -> int:
    """A per-(claim, level) seed derived from the root seed, stable across runs."""
    salt = sum((i + 1) * ord(c) for i, c in enumerate(f"{claim_id}/{level}"))
    return int(np.random.SeedSequence([seed, salt]).generate_state(1)[0])


def _call_with_timeout(fn: Callable[[], Any], timeout: float | None) -> Any:
    """Call ``fn()``; raise :class:`_CheckTimeout` after ``timeout`` seconds (main thread only:
    elsewhere the call runs without a limit)."""
    if timeout is None or threading.current_thread() is not threading.main_thread():
        return fn()

    def on_alarm(signum: int, frame: Any) -> None:
        raise _CheckTimeout

    old = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, float(timeout))
    try:
        return fn()
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0.0)
        signal.signal(signal.SIGALRM, old)


def _check_timeout(timeout: float | None) -> float | None:
    if timeout is None:
        return None
    if isinstance(timeout, bool) or not isinstance(timeout, int | float):
        raise BoundkitError(f"timeout must be a positive number of seconds, got {timeout!r}")
    if not (math.isfinite(timeout) and timeout > 0):
        raise BoundkitError(f"timeout must be a positive number of seconds, got {timeout!r}")
    return float(timeout)


def _check_budget(search: int) -> int:
    if isinstance(search, bool) or not isinstance(search, int | np.integer) or search < 0:
        raise BoundkitError(f"the search budget must be a non-negative integer, got {search!r}")
    return int(search)


def _run(
    claim_obj: Claim,
    level: str,
    quick: bool,
    rng: np.random.Generator,
    check_seed: int,
    search: int,
) -> CheckOutcome:
    out = claim_obj.checks[level](quick=quick, rng=rng)
    spaces = claim_obj.searches.get(level, ())
    if search and spaces and isinstance(out, CheckOutcome):
        from boundkit.claims._falsifier import falsify, merge_search

        for i, space in enumerate(spaces):
            found = falsify(space, budget=search, seed=check_seed + i)
            out = merge_search(out, found)
    return out


def run_check(
    claim_obj: Claim,
    level: str,
    *,
    quick: bool = False,
    seed: int = 0,
    check_seed: int | None = None,
    search: int = 0,
    timeout: float | None = None,
) -> CheckRecord:
    """Run one check of one claim and return its :class:`CheckRecord`.

    Parameters
    ----------
    claim_obj : Claim
        The claim (see :func:`get_claim`).
    level : str
        One of the claim's levels.
    quick : bool
        Quick (CI) settings.
    seed : int
        Root seed; the check's own seed is derived from it and the (claim, level) pair.
    check_seed : int, optional
        Use this seed for the check's generator directly (the ``seed`` of a record).
    search : int
        Falsifier budget (evaluations) for claims with a search space at this level; 0: none.
        The search is seeded by the check's seed.
    timeout : float, optional
        Seconds after which the check is stopped and reported as failed.

    Returns
    -------
    CheckRecord
        Anything raised inside the check (also ``SystemExit``) is reported as status ``"fail"``
        with the exception text as message: a check that crashes must not look like a pass.
        Only ``KeyboardInterrupt`` propagates.
    """
    if level not in claim_obj.checks:
        raise BoundkitError(f"claim {claim_obj.id} has no {level} check")
    search = _check_budget(search)
    timeout = _check_timeout(timeout)
    if check_seed is None:
        check_seed = _claim_seed(claim_obj.id, level, seed)
    rng = np.random.default_rng(check_seed)
    common = dict(
        claim=claim_obj.id,
        level=level,
        seed=int(check_seed),
        expected=claim_obj.expected,
        quick=bool(quick),
        budget=search if level in claim_obj.searches else 0,
    )
    start = time.perf_counter()

    def failed(message: str) -> CheckRecord:
        return CheckRecord(
            status="fail",
            worst_violation=float("inf"),
            tolerance=0.0,
            cases=0,
            elapsed=time.perf_counter() - start,
            message=message,
            **common,  # type: ignore[arg-type]
        )

    try:
        out = _call_with_timeout(
            lambda: _run(claim_obj, level, quick, rng, int(check_seed), search), timeout
        )
    except KeyboardInterrupt:
        raise
    except _CheckTimeout:
        return failed(f"check timed out after {timeout:g} s (--timeout)")
    except BaseException as exc:  # noqa: BLE001 - reported, never swallowed
        return failed(f"check raised {type(exc).__name__}: {exc}")
    elapsed = time.perf_counter() - start
    if isinstance(out, CheckRecord):
        return replace(out, elapsed=elapsed, **common)  # type: ignore[arg-type]
    if not isinstance(out, CheckOutcome):
        return failed(f"check returned {type(out).__name__}, expected CheckOutcome")
    status, note = outcome_status(out)
    try:
        worst, tol, cases = float(out.worst_violation), float(out.tolerance), int(out.cases)
    except (TypeError, ValueError):
        return failed(note)
    message = out.message if not note else (f"{note}; {out.message}" if out.message else note)
    margin = out.margin
    if margin is not None:
        margin = float(margin)
        if math.isnan(margin):
            status, message = "fail", "the check's margin is NaN; " + message
    return CheckRecord(
        status=status,
        worst_violation=worst,
        tolerance=tol,
        cases=cases,
        elapsed=elapsed,
        counterexample=out.counterexample if status == "fail" else None,
        message=message,
        margin=margin,
        search=out.search,
        tightness=out.tightness,
        **common,  # type: ignore[arg-type]
    )


def rerun(record: CheckRecord | Mapping[str, Any], *, timeout: float | None = None) -> CheckRecord:
    """Run the check behind ``record`` again, from the record's own seed and settings.

    Parameters
    ----------
    record : CheckRecord or mapping
        A record produced by :func:`verify` or :func:`run_check`, or one loaded from
        ``boundkit verify --json`` (a dictionary).
    timeout : float, optional
        As in :func:`run_check`.

    Returns
    -------
    CheckRecord
        The fresh record; for a deterministic check it reports the same status, worst violation
        and counterexample (this is how a counterexample is reproduced).

    Raises
    ------
    BoundkitError
        When ``record`` is not a record (e.g. a claim identifier: use :func:`verify`).
    """
    if isinstance(record, str):
        raise BoundkitError(
            f"rerun needs a record (from verify or verify --json), not the claim id {record!r}: "
            f"use verify(claims=[{record!r}]) to check a claim"
        )
    if isinstance(record, Mapping):
        record = record_from_dict(record)
    if not isinstance(record, CheckRecord):
        raise BoundkitError(
            f"rerun needs a CheckRecord or a record dictionary from verify --json, got "
            f"{type(record).__name__}"
        )
    return run_check(
        get_claim(record.claim),
        record.level,
        quick=record.quick,
        check_seed=record.seed,
        search=record.budget,
        timeout=timeout,
    )


def verify(
    claims: Iterable[str] | None = None,
    levels: Iterable[str] | None = None,
    *,
    quick: bool = False,
    seed: int = 0,
    include_expected_failures: bool = True,
    progress: Callable[[str], None] | None = None,
    on_record: Callable[[CheckRecord], None] | None = None,
    n_jobs: int = 1,
    search: int = 0,
    timeout: float | None = None,
) -> list[CheckRecord]:
    """Check claims at the requested levels.

    Parameters
    ----------
    claims : iterable of str, optional
        Claim identifiers; all registered claims when omitted.
    levels : iterable of str, optional
        Levels to run; all levels a claim supports when omitted.
    quick : bool
        Smaller instance counts (CI settings).
    seed : int
        Root seed; each (claim, level) check gets its own derived seed, in the record.
    include_expected_failures : bool
        Whether to run claims shipped as known-false examples (when ``claims`` is omitted).
    progress : callable, optional
        Called with ``"claim/level"`` before each check.
    on_record : callable, optional
        Called with each record as soon as it is available (in order).
    n_jobs : int
        Number of worker processes (joblib; ``-1`` for all cores). Every check gets the same
        seed whatever ``n_jobs`` is, so the records do not depend on it (except ``elapsed``).
        Workers see the built-in claims and the plugins loaded with :func:`load_plugin`; a
        check registered any other way (e.g. in an interactive session) runs in this process.
    search : int
        Falsifier budget in evaluations per check that has a search space (0: no search).
    timeout : float, optional
        Per-check time limit in seconds; a check that runs past it fails.

    Returns
    -------
    list of CheckRecord
        One record per (claim, level) run: claims in the order given (registry order when
        omitted), levels in canonical order.
    """
    todo = plan(claims, levels, include_expected_failures=include_expected_failures)
    if n_jobs == 0:
        raise BoundkitError("n_jobs must be a positive integer or -1, got 0")
    search = _check_budget(search)
    timeout = _check_timeout(timeout)
    # records computed by worker processes, in task order; None: run the check here
    done: Iterable[CheckRecord | None] = (
        _worker_records(todo, quick, seed, n_jobs, search, timeout)
        if n_jobs != 1 and len(todo) > 1
        else [None] * len(todo)
    )
    records = []
    for (cid, c, level), rec in zip(todo, done, strict=True):
        if progress is not None:
            progress(f"{cid}/{level}")
        if rec is None:  # serial run, or a check the workers cannot see
            rec = run_check(c, level, quick=quick, seed=seed, search=search, timeout=timeout)
        if on_record is not None:
            on_record(rec)
        records.append(rec)
    return records


def _run_in_worker(
    cid: str,
    level: str,
    source: str,
    plugin: str | None,
    quick: bool,
    seed: int,
    search: int = 0,
    timeout: float | None = None,
) -> CheckRecord | None:
    """Run one check in a worker process; None when the worker does not have the same check."""
    from boundkit.claims._plugins import load_plugin

    _registry._IN_WORKER = True
    reg = registry()
    if (cid not in reg or reg[cid].sources.get(level) != source) and plugin is not None:
        try:
            load_plugin(plugin)
        except BoundkitError:
            return None
        reg = registry()
    c = reg.get(cid)
    if c is None or c.sources.get(level) != source:
        return None
    return run_check(c, level, quick=quick, seed=seed, search=search, timeout=timeout)


def _worker_records(
    todo: list[tuple[str, Claim, str]],
    quick: bool,
    seed: int,
    n_jobs: int,
    search: int = 0,
    timeout: float | None = None,
) -> Iterable[CheckRecord | None]:
    """The checks of ``todo`` run by joblib workers, yielded in task order as they finish."""
    from joblib import Parallel, delayed

    tasks = (
        delayed(_run_in_worker)(
            cid,
            level,
            c.sources.get(level, "?"),
            _registry._PLUGIN_OF.get(cid),
            quick,
            seed,
            search,
            timeout,
        )
        for cid, c, level in todo
    )
    return Parallel(n_jobs=n_jobs, return_as="generator")(tasks)


def plan(
    claims: Iterable[str] | None = None,
    levels: Iterable[str] | None = None,
    *,
    include_expected_failures: bool = True,
) -> list[tuple[str, Claim, str]]:
    """The (claim id, claim, level) triples :func:`verify` would run, in order.

    Raises
    ------
    BoundkitError
        For an unknown claim or level.
    """
    reg = registry()
    ids = list(reg) if claims is None else list(dict.fromkeys(claims))
    lv = None if levels is None else list(levels)
    if lv is not None:
        for level in lv:
            if level not in LEVELS:
                raise BoundkitError(f"unknown level {level!r}: expected one of {', '.join(LEVELS)}")
    out = []
    for cid in ids:
        c = get_claim(cid)
        if claims is None and not include_expected_failures and c.expected == "fail":
            continue
        for level in c.levels():
            if lv is not None and level not in lv:
                continue
            out.append((cid, c, level))
    return out


def exit_status(records: Iterable[CheckRecord], *, expected_count: int | None = None) -> int:
    """The ``verify`` exit status: 0 only when every requested check gave a believable record.

    Parameters
    ----------
    records : iterable of CheckRecord
        The records of one run.
    expected_count : int, optional
        How many checks were requested; fewer records than that gives 1.

    Returns
    -------
    int
        1 if there is no record at all, fewer records than requested, a record with an
        unknown status, a claim expected to pass that fails, or a claim expected to fail that
        passes; else 0 (``"inconclusive"`` results and expected failures give 0).
    """
    recs = list(records)
    if not recs or (expected_count is not None and len(recs) < expected_count):
        return 1
    if any(
        not isinstance(r, CheckRecord) or r.status not in ("pass", "fail", "inconclusive")
        for r in recs
    ):
        return 1
    return 0 if all(r.as_expected for r in recs) else 1
