"""``boundkit simulate``: Monte Carlo sweep of a toy (predicted bounds vs measured gaps)."""

from __future__ import annotations

import argparse
import json
import sys

from boundkit._errors import BoundkitError

HELP = "Monte Carlo sweep of a toy: measured KL/IPM of the refined model vs the bounds C6/C7"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the ``simulate`` arguments to ``parser``."""
    parser.add_argument("toy", nargs="?", metavar="TOY", help="toy name (see --list)")
    parser.add_argument("--list", action="store_true", help="list the registered toys and exit")
    parser.add_argument(
        "--n",
        default="10,30,100,300,1000",
        help="comma-separated sample sizes (default %(default)s)",
    )
    parser.add_argument("--replicates", type=int, default=200, help="replicates per size")
    parser.add_argument("--delta", type=float, default=0.05, help="confidence of C6b/C6c")
    parser.add_argument("--seed", type=int, default=0, help="root seed (default 0)")
    parser.add_argument("--workers", type=int, default=1, help="parallel workers (-1: all)")
    parser.add_argument(
        "--backend", default=None, help="joblib backend (loky, threading, dask; default loky)"
    )
    parser.add_argument("--scheduler", metavar="ADDRESS", help="dask scheduler (tcp://HOST:PORT)")
    parser.add_argument("--out", metavar="DIR", help="write results.csv/results.json (resumable)")
    parser.add_argument("--block-size", type=int, default=250, help="replicates per task")
    parser.add_argument("--n-mc", type=int, default=2000, help="Monte Carlo draws for R_n")
    parser.add_argument("--overwrite", action="store_true", help="replace a different sweep in DIR")
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


_COLUMNS = (
    ("n", "n", "{:d}"),
    ("divergence_mean", "D(P||Q_hn)", "{:.4g}"),
    ("excess_mean", "excess", "{:.3g}"),
    ("excess_se", "se", "{:.2g}"),
    ("improvement_mean", "improvement", "{:.3g}"),
    ("bound_C6a", "C6a", "{:.3g}"),
    ("violation_rate_C6b", "viol C6b", "{:.3f}"),
    ("violation_rate_C6c", "viol C6c", "{:.3f}"),
    ("ipm_mean", "IPM(P,Q_hn)", "{:.3g}"),
    ("bound_C7", "C7 (E)", "{:.3g}"),
    ("c7_pointwise_violations", "C7 viol", "{:d}"),
)


def run(args: argparse.Namespace) -> int:
    """Run the sweep and print a summary table (or JSON with ``--json``)."""
    from boundkit.simulation import get_toy, simulate, toy_names

    if args.list:
        names = toy_names()
        if args.json:
            sys.stdout.write(
                json.dumps([{"name": n, "description": get_toy(n).description} for n in names])
                + "\n"
            )
        else:
            for n in names:
                sys.stdout.write(f"{n:<20} {get_toy(n).description}\n")
        return 0
    if args.toy is None:
        raise BoundkitError("give a toy name (see `boundkit simulate --list`)")
    progress = None if not args.quiet else False
    res = simulate(
        args.toy,
        args.n,
        n_replicates=args.replicates,
        delta=args.delta,
        seed=args.seed,
        n_jobs=args.workers,
        backend=args.backend,
        scheduler=args.scheduler,
        out_dir=args.out,
        block_size=args.block_size,
        n_mc=args.n_mc,
        progress=progress,
        overwrite=args.overwrite,
    )
    rows = res.summary()
    if args.json:
        full = res.to_dict()
        doc = {
            "toy": full["config"]["toy"],
            "delta": res.delta,
            "seed": res.config["seed"],
            "population": full["population"],
            "summary": full["summary"],
            "out": args.out,
        }
        sys.stdout.write(json.dumps(doc) + "\n")
        return 0
    cols = [c for c in _COLUMNS if c[0] in rows[0]]
    cells = [[fmt.format(r[key]) for key, _, fmt in cols] for r in rows]
    heads = [h for _, h, _ in cols]
    widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(heads)]
    pop = res.population
    out = [
        f"{res.config['toy']['name']}: {res.config['description']}",
        f"D(P||Q) = {pop['divergence_base']:.6g}, D(P||Q_h*) = {pop['divergence_best']:.6g}, "
        f"quadrature error {pop['quadrature_error']:.2g}; R = {res.config['n_replicates']}, "
        f"delta = {res.delta:g}, seed = {res.config['seed']}",
        "  ".join(h.rjust(w) for h, w in zip(heads, widths, strict=True)),
    ]
    out += ["  ".join(c.rjust(w) for c, w in zip(row, widths, strict=True)) for row in cells]
    if args.out:
        out.append(f"results written to {args.out}/results.csv and results.json")
    sys.stdout.write("\n".join(out) + "\n")
    return 0
