"""``boundkit bound``: evaluate a generalisation bound of C6/C7 with its terms itemised."""

from __future__ import annotations

import argparse
import json
import sys

from boundkit._errors import BoundkitError

HELP = "evaluate the bound C6a/C6b/C6c/C7 of a refined model, itemised (toy or given terms)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the ``bound`` arguments to ``parser``."""
    parser.add_argument("claim", metavar="CLAIM", help="C6a, C6b, C6c or C7")
    parser.add_argument(
        "--toy",
        metavar="NAME",
        help="a toy (see `boundkit simulate --list`) giving the exact population term, "
        "the range of the class and R_n",
    )
    parser.add_argument("--n", type=int, required=True, help="sample size (>= 2)")
    parser.add_argument("--delta", type=float, default=0.05, help="confidence (default 0.05)")
    parser.add_argument(
        "--population",
        type=float,
        help="population term (KL(P||Q_h*) for C6, IPM_H(P,Q) for C7) when no --toy",
    )
    parser.add_argument("--rademacher", type=float, help="R_n (R_S for C6c) when no --toy")
    parser.add_argument(
        "--range", metavar="A,B", help="range [a, b] of the class (C6b/C6c); write --range=-1,1"
    )
    parser.add_argument("--generator", default="kl", help="generator name (default kl)")
    parser.add_argument("--class", dest="cls", default="unspecified", help="class label")
    parser.add_argument(
        "--refinement-divergence",
        type=float,
        default=0.0,
        help="D_f(Q_{h_n}||Q) for C7 (default 0: term dropped)",
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of Monte Carlo estimates")
    parser.add_argument("--n-mc", type=int, default=2000, help="Monte Carlo draws for R_n")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")


def _parse_range(text: str | None) -> tuple[float, float] | None:
    if text is None:
        return None
    try:
        a, b = (float(v) for v in text.split(","))
    except ValueError:
        raise BoundkitError(f"--range must be two numbers A,B; got {text!r}") from None
    return a, b


def run(args: argparse.Namespace) -> int:
    """Evaluate the bound and print it (a table, or one JSON object with ``--json``)."""
    from boundkit.bounds import bound

    if args.toy is not None:
        from boundkit.simulation import toy_bound

        if args.population is not None or args.rademacher is not None:
            raise BoundkitError(
                "--toy computes the terms: do not also pass --population/--rademacher"
            )
        result = toy_bound(
            args.claim,
            args.toy,
            args.n,
            args.delta,
            rng=args.seed,
            n_mc=args.n_mc,
            refinement_divergence=args.refinement_divergence,
        )
    else:
        if args.population is None or args.rademacher is None:
            raise BoundkitError("give --toy NAME, or both --population and --rademacher")
        result = bound(
            args.claim,
            args.generator,
            args.cls,
            args.n,
            args.delta,
            population=args.population,
            rademacher=args.rademacher,
            value_range=_parse_range(args.range),
            refinement_divergence=args.refinement_divergence,
        )
    doc = result.to_dict()
    if args.json:
        sys.stdout.write(json.dumps(doc) + "\n")
        return 0
    lines = [f"{result.claim}  n={result.n}  delta={result.delta:g}  bound = {result.value:.6g}"]
    for k, v in result.terms.items():
        lines.append(f"  {k:<12} {v: .6g}")
    r = doc["rademacher"]
    lines.append(f"  R used: {r['value']:.6g} (se {r['se']:.2g}, {r['method']})")
    for note in result.notes:
        lines.append(f"  note: {note}")
    sys.stdout.write("\n".join(lines) + "\n")
    return 0
