"""``boundkit verify``: check the claims of the theory (and users' own) and report.

Exit status: 0 when every check is as expected, 1 when a claim fails (or a claim shipped false
on purpose passes), 2 on a usage error. The shipped false claim ``X1-optimistic-refinement``
is reported as ``fail (expected)`` with its counterexample and does not change the exit status;
``--strict`` makes every failure count.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Sequence

from boundkit._errors import BoundkitError
from boundkit.cli._common import (
    add_seed_argument,
    add_workers_argument,
    positive_float,
    positive_int,
)

HELP = "check the claims C1-C9 (and your own) symbolically, numerically and by simulation"
#: Falsifier evaluations per instance family with ``--search`` and no ``--budget``.
DEFAULT_BUDGET = 150


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the ``verify`` arguments to ``parser``."""
    parser.epilog = (
        "Exit status: 0 if every check is as expected, 1 if a claim fails, 2 on a usage error. "
        "Claims shipped false on purpose (X1-...) must fail: they are shown as 'fail (expected)' "
        "with a counterexample and do not change the exit status unless --strict is given."
    )
    parser.add_argument(
        "--claim",
        action="append",
        metavar="ID",
        help="claim to check (repeatable or comma-separated; default: all registered claims)",
    )
    parser.add_argument(
        "--level",
        action="append",
        metavar="L",
        help="level to run: symbolic, numeric or simulation (repeatable; default: all)",
    )
    parser.add_argument("--quick", action="store_true", help="small CI settings")
    parser.add_argument("--json", action="store_true", help="print the records as JSON")
    parser.add_argument("--list", action="store_true", help="list the registered claims and exit")
    parser.add_argument(
        "--plugin",
        action="append",
        metavar="PATH_OR_MODULE",
        help="import a .py file or module that registers claims (repeatable)",
    )
    parser.add_argument(
        "--strict",
        action="store_true",
        help="count expected failures (claims shipped false on purpose, X1-...) as failures: "
        "exit 1 if any check fails at all",
    )
    add_workers_argument(parser)
    add_seed_argument(parser)
    parser.add_argument(
        "--search",
        action="store_true",
        help="run the falsifier on every check with an instance family (seeded, budgeted)",
    )
    parser.add_argument(
        "--budget",
        type=positive_int,
        default=None,
        metavar="N",
        help=f"falsifier evaluations per instance family (default {DEFAULT_BUDGET}; "
        "implies --search)",
    )
    parser.add_argument(
        "--timeout",
        type=positive_float,
        default=None,
        metavar="S",
        help="seconds per check; a check that runs longer fails",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress on stderr")


def _split(values: Sequence[str] | None) -> list[str] | None:
    if not values:
        return None
    out: list[str] = []
    for v in values:
        out.extend(s.strip() for s in v.split(",") if s.strip())
    return out or None


def progress_reporter(
    total: int, *, quiet: bool, label: str = "verify"
) -> tuple[Callable[[str], None], Callable[[object], None], Callable[[], None]]:
    """Progress on stderr: a tqdm bar on a terminal, one line per check otherwise.

    Returns
    -------
    (before, after, close)
        ``before(name)`` before each check, ``after(record)`` after it, ``close()`` at the end.
    """
    if quiet:
        return (lambda name: None), (lambda rec: None), (lambda: None)
    if sys.stderr.isatty():
        from tqdm import tqdm

        bar = tqdm(total=total, desc=label, unit="check", file=sys.stderr, leave=False)

        def before(name: str) -> None:
            bar.set_postfix_str(name)

        def after(rec: object) -> None:
            bar.update(1)

        return before, after, bar.close

    state = {"i": 0}

    def before_line(name: str) -> None:
        state["i"] += 1
        sys.stderr.write(f"[{state['i']}/{total}] {name} ... ")
        sys.stderr.flush()

    def after_line(rec: object) -> None:
        verdict = getattr(rec, "verdict", getattr(rec, "status", ""))
        elapsed = getattr(rec, "elapsed", 0.0)
        sys.stderr.write(f"{verdict} ({elapsed:.2f} s)\n")
        sys.stderr.flush()

    return before_line, after_line, (lambda: None)


def run(args: argparse.Namespace) -> int:
    """Run ``boundkit verify``; return 1 if a claim contradicts its expectation.

    A claim shipped false on purpose (``expected="fail"``, e.g. ``X1-optimistic-refinement``)
    is shown as ``fail (expected)`` with its counterexample and does not change the exit status
    (so ``boundkit verify`` of the built-ins exits 0); with ``--strict`` every failure, expected
    or not, gives exit status 1. ``UNEXPECTED PASS`` (a false claim that passes) gives 1.
    """
    from boundkit.claims import (
        LEVELS,
        exit_status,
        load_plugin,
        plan,
        records_to_json,
        registry,
        render_claims,
        render_table,
        unchecked_claims,
        verify,
    )

    for spec in args.plugin or ():
        new = load_plugin(spec)
        if not args.quiet and not args.json:
            sys.stderr.write(f"plugin {spec}: registered {', '.join(new) or 'no claims'}\n")
    claims = _split(args.claim)
    levels = _split(args.level)
    if levels:
        for lv in levels:
            if lv not in LEVELS:
                raise BoundkitError(f"unknown level {lv!r}: expected one of {', '.join(LEVELS)}")

    if args.list:
        reg = registry()
        chosen = [reg[c] for c in claims if c in reg] if claims else list(reg.values())
        if claims:
            missing = [c for c in claims if c not in reg]
            if missing:
                raise BoundkitError(
                    f"unknown claim {missing[0]!r}: known claims are {', '.join(reg)}"
                )
        if levels:
            chosen = [c for c in chosen if set(c.levels()) & set(levels)]
        if args.json:
            print(json.dumps([c.to_dict() for c in chosen], indent=2))
        else:
            print(render_claims(chosen))
        return 0

    if args.budget is not None and args.budget < 1:
        raise BoundkitError(f"--budget must be a positive integer, got {args.budget}")
    if args.timeout is not None and not (args.timeout > 0 and args.timeout < float("inf")):
        raise BoundkitError(f"--timeout must be a positive number of seconds, got {args.timeout}")
    budget = 0
    if args.search or args.budget is not None:
        budget = args.budget if args.budget is not None else DEFAULT_BUDGET
    todo = plan(claims, levels)
    if not todo:
        what = f"claims {', '.join(claims)}" if claims else "the registered claims"
        raise BoundkitError(
            f"no check of {what} at level {', '.join(levels or LEVELS)}: nothing to verify"
        )
    before, after, close = progress_reporter(len(todo), quiet=args.quiet)
    start = time.perf_counter()
    try:
        records = verify(
            claims,
            levels,
            quick=args.quick,
            seed=args.seed,
            progress=before,
            on_record=after,
            n_jobs=args.workers,
            search=budget,
            timeout=args.timeout,
        )
    finally:
        close()
    if args.json:
        print(records_to_json(records))
    else:
        print(render_table(records))
        missing = unchecked_claims() if claims is None else []
        if missing:
            print(f"note: claims of the theory with no check registered: {', '.join(missing)}")
        if not args.quiet:
            sys.stderr.write(
                f"verify: {len(records)} checks in {time.perf_counter() - start:.1f} s "
                f"(seed {args.seed}{', quick' if args.quick else ''})\n"
            )
    status = exit_status(records, expected_count=len(todo))
    if status == 0 and len(records) != len(todo):
        status = 1
    if args.strict:
        return status or (0 if all(r.status != "fail" for r in records) else 1)
    return status
