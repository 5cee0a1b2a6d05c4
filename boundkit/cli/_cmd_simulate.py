"""``boundkit simulate``: Monte Carlo sweep of a toy (predicted bounds vs measured gaps)."""

from __future__ import annotations

import argparse
import json
import sys

from boundkit._errors import BoundkitError

HELP = "Monte Carlo sweep of a toy: measured KL/IPM of the refined model vs the bounds C6/C7"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the ``simulate`` arguments to ``parser``."""
    from boundkit.cli._common import positive_int, probability, seed, workers

    parser.add_argument("toy", nargs="?", metavar="TOY", help="toy name (see --list)")
    parser.add_argument("--list", action="store_true", help="list the registered toys and exit")
    parser.add_argument(
        "--spec",
        metavar="FILE.toml",
        help="an experiment spec (P, Q, class, generator, sizes, ...; see examples/)",
    )
    add_plugin_argument(parser)
    parser.add_argument(
        "--n",
        default=None,
        help="comma-separated sample sizes (default 10,30,100,300,1000 or the spec's)",
    )
    parser.add_argument("--replicates", type=positive_int, help="replicates per size (200)")
    parser.add_argument("--delta", type=probability, help="confidence of C6b/C6c (0.05)")
    parser.add_argument("--seed", type=seed, help="root seed (default 0)")
    parser.add_argument("--workers", type=workers, help="parallel workers (-1: all)")
    parser.add_argument(
        "--backend", default=None, help="joblib backend (loky, threading, dask; default loky)"
    )
    parser.add_argument("--scheduler", metavar="ADDRESS", help="dask scheduler (tcp://HOST:PORT)")
    parser.add_argument("--out", metavar="DIR", help="write results.csv/results.json (resumable)")
    parser.add_argument("--block-size", type=positive_int, help="replicates per task (250)")
    parser.add_argument("--n-mc", type=int, help="Monte Carlo draws for R_n (>= 2; 2000)")
    parser.add_argument("--overwrite", action="store_true", help="replace a different sweep in DIR")
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


def add_plugin_argument(parser: argparse.ArgumentParser) -> None:
    """``--plugin FILE.py|MODULE`` (repeatable): import a file that registers toys/claims."""
    parser.add_argument(
        "--plugin",
        action="append",
        metavar="FILE.py|MODULE",
        help="import a plugin that registers toys (register_toy) or claims; repeatable",
    )


def load_plugins(args: argparse.Namespace) -> None:
    """Import every ``--plugin`` (a user's toys register themselves on import)."""
    from boundkit.claims import load_plugin

    for spec in getattr(args, "plugin", None) or ():
        load_plugin(spec)


def plugin_namespaces(args: argparse.Namespace) -> list[object]:
    """The modules of the ``--plugin`` arguments (loaded by :func:`load_plugins`), where a spec
    file's ``"plugin:NAME"`` values are looked up."""
    from boundkit.claims import plugin_module

    return [plugin_module(spec) for spec in getattr(args, "plugin", None) or ()]


def sweep_settings(args: argparse.Namespace) -> tuple[object, dict[str, object]]:
    """The toy and the ``simulate`` keyword arguments from ``--spec`` and the flags.

    A flag given on the command line overrides the spec; unset flags take the spec's value,
    else the defaults.
    """
    from boundkit.simulation import load_spec

    defaults: dict[str, object] = {
        "sizes": "10,30,100,300,1000",
        "n_replicates": 200,
        "delta": 0.05,
        "seed": 0,
        "n_jobs": 1,
        "n_mc": 2000,
        "block_size": 250,
        "out_dir": None,
    }
    if args.spec is not None:
        if args.toy is not None:
            raise BoundkitError("give a toy name or --spec FILE, not both")
        spec = load_spec(args.spec, plugins=plugin_namespaces(args))
        toy: object = spec.toy
        defaults.update(
            sizes=spec.sizes,
            n_replicates=spec.replicates,
            delta=spec.delta,
            seed=spec.seed,
            n_jobs=spec.workers,
            n_mc=spec.n_mc,
            block_size=spec.block_size,
            out_dir=spec.out,
        )
    else:
        if args.toy is None:
            raise BoundkitError("give a toy name (see `boundkit simulate --list`) or --spec FILE")
        toy = args.toy
    flags = {
        "sizes": args.n,
        "n_replicates": args.replicates,
        "delta": args.delta,
        "seed": args.seed,
        "n_jobs": args.workers,
        "n_mc": args.n_mc,
        "block_size": args.block_size,
        "out_dir": getattr(args, "out", None),
    }
    kw = {k: (flags[k] if flags.get(k) is not None else v) for k, v in defaults.items()}
    return toy, kw


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

    load_plugins(args)
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
    toy, kw = sweep_settings(args)
    progress = None if not args.quiet else False
    res = simulate(
        toy,
        kw.pop("sizes"),
        backend=args.backend,
        scheduler=args.scheduler,
        progress=progress,
        overwrite=args.overwrite,
        **kw,
    )
    out_dir = kw["out_dir"]
    rows = res.summary()
    if args.json:
        full = res.to_dict()
        doc = {
            "toy": full["config"]["toy"],
            "delta": res.delta,
            "seed": res.config["seed"],
            "population": full["population"],
            "summary": full["summary"],
            "out": None if out_dir is None else str(out_dir),
        }
        sys.stdout.write(json.dumps(doc) + "\n")
        return 0
    cols = [c for c in _COLUMNS if c[0] in rows[0]]
    cells = [[fmt.format(r[key]) for key, _, fmt in cols] for r in rows]
    heads = [h for _, h, _ in cols]
    widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(heads)]
    pop = res.population
    if "divergence_best_se" in pop:
        error = (
            f"Monte Carlo population, se {pop['divergence_base_se']:.2g} and "
            f"{pop['divergence_best_se']:.2g} (se columns include it)"
        )
    else:
        error = f"quadrature error {pop['quadrature_error']:.2g}"
    out = [
        f"{res.config['toy']['name']}: {res.config['description']}",
        f"D(P||Q) = {pop['divergence_base']:.6g}, D(P||Q_h*) = {pop['divergence_best']:.6g}, "
        f"{error}; R = {res.config['n_replicates']}, "
        f"delta = {res.delta:g}, seed = {res.config['seed']}",
        "  ".join(h.rjust(w) for h, w in zip(heads, widths, strict=True)),
    ]
    out += ["  ".join(c.rjust(w) for c, w in zip(row, widths, strict=True)) for row in cells]
    if out_dir is not None:
        out.append(f"results written to {out_dir}/results.csv and results.json")
    sys.stdout.write("\n".join(out) + "\n")
    return 0
