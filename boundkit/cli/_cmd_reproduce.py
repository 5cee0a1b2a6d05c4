"""``boundkit reproduce``: verify every claim, regenerate every figure, write a report."""

from __future__ import annotations

import argparse
import json
import os
import sys

from boundkit.cli._common import add_seed_argument, workers

HELP = "the main job: verify every claim, regenerate the figures, write report.md under --out"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the ``reproduce`` arguments to ``parser``."""
    parser.add_argument(
        "--out",
        default="reproduce-out",
        metavar="DIR",
        help="output directory for report.md, verify.json and figures/ (default reproduce-out)",
    )
    parser.add_argument(
        "--quick", action="store_true", help="small CI settings (target: under 1 minute)"
    )
    add_seed_argument(parser, help="root seed of the checks (default 0)")
    parser.add_argument(
        "--workers",
        type=workers,
        default=None,
        metavar="N",
        help="worker processes for the checks and the figure sweeps (default: 2, or 1 on a "
        "single core; -1: all cores); the numbers do not depend on it",
    )
    parser.add_argument(
        "--claim",
        action="append",
        metavar="ID",
        help="only these claims (repeatable or comma-separated; default: all)",
    )
    parser.add_argument(
        "--plugin",
        action="append",
        metavar="PATH_OR_MODULE",
        help="import a .py file or module that registers claims (repeatable)",
    )
    parser.add_argument("--no-figures", action="store_true", help="skip the figures")
    parser.add_argument(
        "--json", action="store_true", help="print a JSON summary of the run on stdout"
    )
    parser.add_argument("--quiet", action="store_true", help="no progress on stderr")


def run(args: argparse.Namespace) -> int:
    """Run ``boundkit reproduce``; return 1 if a check contradicts its expectation or the
    figures could not be made (an absent figure module is only a note)."""
    from boundkit.claims import load_plugin, plan
    from boundkit.cli._cmd_verify import _split, progress_reporter
    from boundkit.reproduce import reproduce

    if args.workers is None:
        args.workers = min(2, os.cpu_count() or 1)
    for spec in args.plugin or ():
        load_plugin(spec)
    claims = _split(args.claim)
    total = len(plan(claims)) + (0 if args.no_figures else 1)
    before, after, close = progress_reporter(total, quiet=args.quiet, label="reproduce")

    def progress(name: str) -> None:
        before(name)
        if name == "figures":
            state["figures"] = True

    state = {"figures": False}
    try:
        result = reproduce(
            args.out,
            quick=args.quick,
            seed=args.seed,
            claims=claims,
            figures=not args.no_figures,
            n_jobs=args.workers,
            progress=progress,
            on_record=after,
        )
        if state["figures"]:
            after(result.figures)
    finally:
        close()
    if args.json:
        print(json.dumps(result.to_dict(), indent=2))
    else:
        from boundkit.claims import summary_line

        print(f"report:  {result.report_path}")
        print(f"records: {result.json_path}")
        print(f"checks:  {summary_line(result.records)}")
        for r in result.records:
            if not r.as_expected:
                first = r.message.splitlines()[0] if r.message else ""
                print(f"  {r.verdict}: {r.claim}/{r.level} {first}")
        fig = result.figures
        print(
            f"figures: {fig.status}"
            + (f", {len(fig.files)} files" if fig.files else "")
            + (f" ({fig.note})" if fig.note else "")
        )
        print(f"time:    {result.elapsed:.1f} s")
    if not args.quiet and not args.json and result.exit_status:
        sys.stderr.write("boundkit reproduce: some checks or the figures failed (see report)\n")
    return result.exit_status
