"""``boundkit bound``: evaluate a generalisation bound of C6/C7 with its terms itemised."""

from __future__ import annotations

import argparse
import json
import sys

from boundkit._errors import BoundkitError
from boundkit.cli._common import (
    add_generator_argument,
    add_json_argument,
    add_seed_argument,
    finite_float,
    positive_int,
    probability,
)

HELP = "evaluate the bound C6a/C6b/C6c/C7 of a refined model, itemised (toy or given terms)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the ``bound`` arguments to ``parser``."""
    parser.add_argument(
        "claim",
        metavar="CLAIM",
        help="C6a, C6b, C6c or C7; or `holdout` (C11: a certified lower bound on E_P h - "
        "Lambda_f^Q[h] from held-out values of h, see --values)",
    )
    parser.add_argument(
        "--toy",
        metavar="NAME",
        help="a toy (see `boundkit simulate --list`) giving the exact population term, "
        "the range of the class and R_n",
    )
    parser.add_argument(
        "--n", type=positive_int, help="sample size (>= 2; required except for holdout)"
    )
    parser.add_argument("--delta", type=probability, default=0.05, help="confidence (default 0.05)")
    parser.add_argument(
        "--population",
        type=finite_float,
        help="population term (KL(P||Q_h*) for C6, IPM_H(P,Q) for C7) when no --toy",
    )
    parser.add_argument("--rademacher", type=finite_float, help="R_n (R_S for C6c) when no --toy")
    parser.add_argument(
        "--range", metavar="A,B", help="range [a, b] of the class (C6b/C6c); write --range=-1,1"
    )
    add_generator_argument(parser)
    parser.add_argument("--class", dest="cls", default="unspecified", help="class label")
    parser.add_argument(
        "--refinement-divergence",
        type=finite_float,
        default=0.0,
        help="D_f(Q_{h_n}||Q) for C7 (default 0: term dropped)",
    )
    add_seed_argument(parser, help="seed of Monte Carlo estimates (default 0)")
    parser.add_argument(
        "--n-mc", type=positive_int, default=2000, help="Monte Carlo draws for R_n (2000)"
    )
    parser.add_argument(
        "--values",
        metavar="FILE",
        help="holdout: file of h(x_j) at held-out points of P (numbers separated by spaces, "
        "commas or newlines; '-' reads stdin)",
    )
    parser.add_argument("--lam", type=finite_float, help="holdout: Lambda_f^Q[h] (KL: log E_Q e^h)")
    parser.add_argument(
        "--method",
        default="empirical-bernstein",
        help="holdout: hoeffding, empirical-bernstein (default) or binomial",
    )
    parser.add_argument(
        "--levels", metavar="V1,V2,...", help="holdout, binomial: every value h can take"
    )
    add_json_argument(parser, help="print the result as JSON")


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

    if args.claim == "holdout":
        return _run_holdout(args)
    if args.n is None:
        raise BoundkitError(f"bound {args.claim} needs --n (the sample size)")
    if args.toy is not None:
        from boundkit._validation import MAX_ELEMENTS, MAX_WORK, check_size
        from boundkit.simulation import toy_bound

        check_size("--n", args.n, limit=MAX_ELEMENTS, unit="sample points")
        check_size("--n-mc x --n", args.n_mc * args.n, limit=MAX_WORK, unit="sign values")

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
            args.f,
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


def _read_numbers(path: str, what: str) -> list[float]:
    import re
    from pathlib import Path

    if path != "-" and Path(path).suffix.lower() == ".npy":
        from boundkit.cli._common import load_array

        return [float(v) for v in load_array(path, what).ravel()]
    try:
        text = sys.stdin.read() if path == "-" else Path(path).read_text()
    except OSError as exc:
        raise BoundkitError(f"cannot read {what} from {path!r}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise BoundkitError(f"cannot read {what} from {path!r}: not a text file") from None
    parts = [p for p in re.split(r"[\s,;]+", text) if p]
    try:
        return [float(p) for p in parts]
    except ValueError:
        raise BoundkitError(f"{what} in {path!r} must be numbers") from None


def _run_holdout(args: argparse.Namespace) -> int:
    """``boundkit bound holdout``: the hold-out certificate of C11."""
    from boundkit.bounds import holdout_certificate

    if args.values is None or args.lam is None:
        raise BoundkitError("bound holdout needs --values FILE (h at held-out points) and --lam")
    levels = None
    if args.levels is not None:
        try:
            levels = [float(v) for v in args.levels.split(",")]
        except ValueError:
            msg = f"--levels must be numbers V1,V2,...; got {args.levels!r}"
            raise BoundkitError(msg) from None
    cert = holdout_certificate(
        _read_numbers(args.values, "held-out values"),
        args.lam,
        delta=args.delta,
        method=args.method,
        value_range=_parse_range(args.range),
        levels=levels,
        generator=args.f,
    )
    if args.json:
        sys.stdout.write(json.dumps(cert.to_dict()) + "\n")
        return 0
    lines = [
        f"holdout ({cert.method})  m={cert.m}  delta={cert.delta:g}  "
        f"certificate = {cert.value:.6g}",
        f"  mean of h    {cert.mean: .6g}",
        f"  deviation    {cert.deviation: .6g}",
        f"  Lambda       {cert.lam: .6g}",
        "  with probability >= 1 - delta: E_P h - Lambda_f^Q[h] >= certificate "
        "(for KL: the improvement KL(P||Q) - KL(P||Q_h))",
    ]
    sys.stdout.write("\n".join(lines) + "\n")
    return 0
