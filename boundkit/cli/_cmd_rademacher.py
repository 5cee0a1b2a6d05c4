"""``boundkit rademacher``: Rademacher complexity of a discriminator class on data or a toy."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any

from boundkit._errors import BoundkitError
from boundkit.cli._common import (
    CLASS_NAMES,
    add_class_arguments,
    add_json_argument,
    add_seed_argument,
    build_class,
    load_array,
    positive_int,
    write_json,
)

HELP = "empirical (or expected) Rademacher complexity of a class, with error bars and C9 bounds"

CLASSES = CLASS_NAMES
#: simple samplers available besides the simulation toys
BASIC_TOYS = ("gaussian", "uniform")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the ``rademacher`` arguments to ``parser``."""
    add_class_arguments(parser)
    src = parser.add_argument_group("data (one of)")
    src.add_argument(
        "--data",
        metavar="FILE",
        help=".npy, .csv or whitespace-separated text: points (n, d); for "
        "--class finite the values matrix (n_functions, n)",
    )
    src.add_argument(
        "--toy",
        metavar="NAME",
        help=f"sample from a toy: {', '.join(BASIC_TOYS)} (with --dim) or a "
        "boundkit.simulation toy",
    )
    parser.add_argument("--n", type=positive_int, help="sample size with --toy")
    parser.add_argument(
        "--dim", type=positive_int, default=2, help="dimension of the basic toys (2)"
    )
    est = parser.add_argument_group("estimation")
    est.add_argument(
        "--sigmas", type=positive_int, default=200, help="Monte Carlo sign vectors (200)"
    )
    est.add_argument(
        "--method",
        default="auto",
        choices=("auto", "exact", "monte-carlo"),
        help="auto: exact enumeration when n <= 20",
    )
    est.add_argument(
        "--samples",
        type=positive_int,
        default=None,
        help="with --toy: average over this many fresh samples (expected R_n)",
    )
    add_seed_argument(parser)
    add_json_argument(parser)
    parser.add_argument("--quiet", action="store_true", help="no progress on stderr")


def _sampler(args: argparse.Namespace) -> Any:
    name = args.toy
    if name in BASIC_TOYS:
        if args.dim < 1:
            raise BoundkitError(f"--dim must be >= 1, got {args.dim}")
        if name == "gaussian":
            return lambda n, rng: rng.normal(size=(n, args.dim))
        return lambda n, rng: rng.uniform(-1.0, 1.0, size=(n, args.dim))
    from boundkit.simulation import get_toy, toy_names

    try:
        toy = get_toy(name)
    except (BoundkitError, KeyError):
        names = ", ".join([*BASIC_TOYS, *toy_names()])
        raise BoundkitError(f"unknown toy {name!r}: expected one of {names}") from None
    return toy.P


def run(args: argparse.Namespace) -> int:
    """Compute the complexity and print it (text or ``--json``)."""
    from boundkit.complexity import empirical_rademacher, expected_rademacher

    if (args.data is None) == (args.toy is None):
        raise BoundkitError("give exactly one of --data FILE or --toy NAME (with --n N)")
    if args.sigmas < 2:
        raise BoundkitError(f"--sigmas must be >= 2, got {args.sigmas}")
    info: dict[str, Any] = {"class": args.cls, "B": args.B, "seed": args.seed}
    if args.cls == "finite":
        if args.data is None:
            raise BoundkitError("--class finite needs --data FILE with the values matrix")
        values = load_array(args.data, "--data", ndmin=2)
        cls = build_class(args, None, values=values)
        x = None
        info["n_functions"] = int(values.shape[0])
    elif args.data is not None:
        x = load_array(args.data, "--data", ndmin=2)
        cls = build_class(args, x.shape[1])
    else:
        if args.n is None or args.n < 1:
            raise BoundkitError("--toy needs --n N with N >= 1")
        info["toy"] = args.toy
        sampler = _sampler(args)
        from boundkit._validation import check_size

        check_size("--n x dimension", args.n * _sampler_dim(args, sampler), unit="coordinates")
        cls = build_class(args, _sampler_dim(args, sampler))
        if args.samples is not None:
            if args.samples < 2:
                raise BoundkitError(f"--samples must be >= 2, got {args.samples}")
            bar = None
            if not args.quiet and sys.stderr.isatty():
                from tqdm import tqdm

                bar = tqdm(total=args.samples, desc="samples", file=sys.stderr, leave=False)
            try:
                expected = expected_rademacher(
                    cls,
                    sampler,
                    args.n,
                    n_samples=args.samples,
                    n_sigmas=args.sigmas,
                    method=args.method,
                    rng=args.seed,
                    progress=None if bar is None else _tick(bar),
                )
            finally:
                if bar is not None:
                    bar.close()
            out = {
                **expected.to_dict(),
                **info,
                "class_repr": repr(cls),
                "quantity": "expected R_n",
            }
            _emit(out, args)
            return 0
        import numpy as np

        gen = np.random.default_rng(args.seed)
        x = sampler.sample(args.n, rng=gen) if hasattr(sampler, "sample") else sampler(args.n, gen)
    bar = None
    if not args.quiet and sys.stderr.isatty():
        from tqdm import tqdm

        bar = tqdm(total=100, desc="R_S", unit="%", file=sys.stderr, leave=False)

    def _progress(frac: float) -> None:
        assert bar is not None
        bar.update(int(round(100 * frac)) - bar.n)

    try:
        res = empirical_rademacher(
            cls,
            x,
            n_sigmas=args.sigmas,
            method=args.method,
            rng=args.seed,
            progress=None if bar is None else _progress,
        )
    finally:
        if bar is not None:
            bar.close()
    out = {**res.to_dict(), **info, "class_repr": repr(cls), "quantity": "empirical R_S"}
    _emit(out, args)
    return 0


def _sampler_dim(args: argparse.Namespace, sampler: Any) -> int:
    dim = getattr(sampler, "dim", None)
    return int(dim) if dim is not None else int(args.dim)


def _emit(out: dict[str, Any], args: argparse.Namespace) -> None:
    if args.json:
        write_json(out)
        return
    lines = [
        f"{out['quantity']} of {out['class']} (B = {out['B']}), n = {out['n']}",
        f"  estimate  {_num(out['estimate'], '.6g')} +- {_num(out['stderr'], '.2g')}  "
        f"({out['method']})",
        f"  bracket   [{_num(out['lower'], '.6g')}, {_num(out['upper'], '.6g')}]",
    ]
    for b in out.get("bounds", []):
        lines.append(f"  {b['kind']:5s} {b['name']:24s} {_num(b['value'], '.6g')}   {b['formula']}")
    sys.stdout.write("\n".join(lines) + "\n")


def _num(x: Any, spec: str) -> str:
    """A number of a result dict (non-finite values arrive as "inf"/"nan" strings)."""
    return x if isinstance(x, str) else format(x, spec)


def _tick(bar: Any) -> Callable[[int], None]:
    """A progress callback that advances ``bar`` by one step per call."""

    def tick(_k: int) -> None:
        bar.update(1)

    return tick
