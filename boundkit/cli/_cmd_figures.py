"""``boundkit figures``: regenerate every figure (PNG) from fresh Monte Carlo sweeps."""

from __future__ import annotations

import argparse
import json
import sys
import time

HELP = "regenerate the figures (bound vs measured gap, improvement, slack of the bounds, guidance)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the ``figures`` arguments to ``parser``."""
    parser.add_argument("--out", default="figures", help="output directory (default figures/)")
    parser.add_argument("--quick", action="store_true", help="small sweeps (smoke/CI)")
    parser.add_argument(
        "--results", metavar="DIR", help="keep the sweep results there (resumable rerun)"
    )
    parser.add_argument("--workers", type=int, default=1, help="parallel workers (-1: all)")
    parser.add_argument("--seed", type=int, default=0, help="root seed (default 0)")
    parser.add_argument(
        "--style",
        choices=("default", "paper"),
        default="default",
        help="paper: serif, double-column simulation figures, a PDF next to each PNG",
    )
    parser.add_argument("--json", action="store_true", help="print the written paths as JSON")


def run(args: argparse.Namespace) -> int:
    """Write the figures and list them."""
    from boundkit.plotting import make_all_figures

    t0 = time.perf_counter()
    paths = make_all_figures(
        args.out,
        quick=args.quick,
        results_dir=args.results,
        n_jobs=args.workers,
        seed=args.seed,
        style=args.style,
    )
    elapsed = time.perf_counter() - t0
    if args.json:
        sys.stdout.write(
            json.dumps({"figures": [str(p) for p in paths], "seconds": elapsed}) + "\n"
        )
    else:
        for p in paths:
            sys.stdout.write(f"{p}\n")
        sys.stderr.write(f"{len(paths)} figures in {elapsed:.1f} s\n")
    return 0
