"""``boundkit figures``: regenerate every figure (PNG) from fresh Monte Carlo sweeps."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from boundkit.cli._cmd_simulate import add_plugin_argument, load_plugins, plugin_namespaces

HELP = "regenerate the figures (bound vs measured gap, improvement, slack of the bounds, guidance)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the ``figures`` arguments to ``parser``."""
    from boundkit.cli._common import seed, workers

    parser.add_argument(
        "--out", default=None, help="output directory (default figures/, or the spec's)"
    )
    parser.add_argument("--quick", action="store_true", help="small sweeps (smoke/CI)")
    parser.add_argument(
        "--spec",
        metavar="FILE.toml",
        help="draw the figures of an experiment spec (see examples/) instead of the built-ins",
    )
    add_plugin_argument(parser)
    parser.add_argument(
        "--results", metavar="DIR", help="keep the sweep results there (resumable rerun)"
    )
    parser.add_argument("--workers", type=workers, default=1, help="parallel workers (-1: all)")
    parser.add_argument("--seed", type=seed, default=None, help="root seed (default 0)")
    parser.add_argument(
        "--style",
        choices=("default", "paper"),
        default="default",
        help="paper: serif, double-column simulation figures, a PDF next to each PNG",
    )
    parser.add_argument("--json", action="store_true", help="print the written paths as JSON")


def _spec_figures(args: argparse.Namespace) -> list[Path]:
    """Run (or resume) the sweep of ``--spec`` and draw its figures."""
    from boundkit.plotting import simulation_figures
    from boundkit.simulation import load_spec

    spec = load_spec(args.spec, plugins=plugin_namespaces(args))
    overrides: dict[str, object] = {"n_jobs": args.workers, "progress": False}
    if args.seed is not None:
        overrides["seed"] = args.seed
    if args.results is not None:
        overrides["out_dir"] = args.results
    res = spec.simulate(**overrides)
    out = args.out or spec.figures_out or Path("figures") / spec.toy.name
    return simulation_figures({spec.toy.name: res}, out)


def run(args: argparse.Namespace) -> int:
    """Write the figures and list them."""
    from boundkit.cli._common import check_output_dir
    from boundkit.plotting import make_all_figures

    check_output_dir(args.out)
    check_output_dir(args.results, "--results")
    load_plugins(args)
    t0 = time.perf_counter()
    if args.spec is not None:
        paths = _spec_figures(args)
    else:
        paths = make_all_figures(
            args.out or "figures",
            quick=args.quick,
            results_dir=args.results,
            n_jobs=args.workers,
            seed=0 if args.seed is None else args.seed,
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
