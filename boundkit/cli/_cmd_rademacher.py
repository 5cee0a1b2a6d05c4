"""``boundkit rademacher``: Rademacher complexity of a discriminator class on data or a toy."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from boundkit._errors import BoundkitError

HELP = "empirical (or expected) Rademacher complexity of a class, with error bars and C9 bounds"

CLASSES = ("linear-l1", "linear-l2", "linear-linf", "rkhs", "relu2", "finite")
#: simple samplers available besides the simulation toys
BASIC_TOYS = ("gaussian", "uniform")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the ``rademacher`` arguments to ``parser``."""
    parser.add_argument(
        "--class", dest="cls", required=True, choices=CLASSES, help="the discriminator class"
    )
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
    parser.add_argument("--n", type=int, help="sample size with --toy")
    parser.add_argument("--dim", type=int, default=2, help="dimension of the basic toys (2)")
    parser.add_argument("--B", type=float, default=1.0, help="radius of the class (1.0)")
    lin = parser.add_argument_group("linear classes")
    lin.add_argument("--features", default="identity", choices=("identity", "poly", "rff"))
    lin.add_argument(
        "--degree", type=int, default=2, help="polynomial degree (poly features, poly kernel)"
    )
    lin.add_argument("--n-components", type=int, default=100, help="random Fourier features")
    lin.add_argument("--bias", action="store_true", help="append a constant feature")
    ker = parser.add_argument_group("rkhs")
    ker.add_argument("--kernel", default="rbf", choices=("rbf", "laplacian", "poly"))
    ker.add_argument("--gamma", type=float, default=None, help="kernel bandwidth (default 1/d)")
    net = parser.add_argument_group("relu2")
    net.add_argument("--width", type=int, default=16)
    net.add_argument("--B1", type=float, default=1.0, help="neuron norm bound (1.0)")
    net.add_argument("--B2", type=float, default=None, help="output l1 bound (default --B)")
    net.add_argument("--restarts", type=int, default=8, help="optimiser starts (d >= 2)")
    est = parser.add_argument_group("estimation")
    est.add_argument("--sigmas", type=int, default=200, help="Monte Carlo sign vectors (200)")
    est.add_argument(
        "--method",
        default="auto",
        choices=("auto", "exact", "monte-carlo"),
        help="auto: exact enumeration when n <= 20",
    )
    est.add_argument(
        "--samples",
        type=int,
        default=None,
        help="with --toy: average over this many fresh samples (expected R_n)",
    )
    parser.add_argument("--seed", type=int, default=0, help="seed (0)")
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    parser.add_argument("--quiet", action="store_true", help="no progress on stderr")


def _load(path: str) -> np.ndarray:
    p = Path(path)
    if not p.exists():
        raise BoundkitError(f"data file {path!r} does not exist")
    try:
        if p.suffix == ".npy":
            arr = np.load(p, allow_pickle=False)
        else:
            delim = "," if p.suffix == ".csv" else None
            arr = np.loadtxt(p, delimiter=delim, ndmin=2)
    except (ValueError, OSError) as exc:
        raise BoundkitError(f"cannot read {path!r}: {exc}") from None
    arr = np.asarray(arr, dtype=float)
    if arr.size == 0:
        raise BoundkitError(f"data file {path!r} is empty")
    if not np.all(np.isfinite(arr)):
        raise BoundkitError(f"data file {path!r} contains NaN or infinite values")
    return arr


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


def _make_class(args: argparse.Namespace) -> Any:
    from boundkit.classes import FiniteClass, LinearClass, ReLUNetwork2, RKHSBall

    if args.cls.startswith("linear-"):
        p = {"linear-l1": 1, "linear-l2": 2, "linear-linf": "inf"}[args.cls]
        return LinearClass(
            args.features,
            degree=args.degree,
            n_components=args.n_components,
            gamma=args.gamma,
            p=p,
            B=args.B,
            bias=args.bias,
            rng=args.seed,
        )
    if args.cls == "rkhs":
        return RKHSBall(args.kernel, B=args.B, gamma=args.gamma, degree=args.degree)
    if args.cls == "relu2":
        B2 = args.B if args.B2 is None else args.B2
        return ReLUNetwork2(
            width=args.width, B1=args.B1, B2=B2, n_restarts=args.restarts, rng=args.seed
        )
    return FiniteClass


def run(args: argparse.Namespace) -> int:
    """Compute the complexity and print it (text or ``--json``)."""
    from boundkit.classes import FiniteClass
    from boundkit.complexity import empirical_rademacher, expected_rademacher

    if (args.data is None) == (args.toy is None):
        raise BoundkitError("give exactly one of --data FILE or --toy NAME (with --n N)")
    if args.B <= 0 or not np.isfinite(args.B):
        raise BoundkitError(f"--B must be a finite number > 0, got {args.B}")
    if args.sigmas < 2:
        raise BoundkitError(f"--sigmas must be >= 2, got {args.sigmas}")
    cls = _make_class(args)
    info: dict[str, Any] = {"class": args.cls, "B": args.B, "seed": args.seed}
    if args.cls == "finite":
        if args.data is None:
            raise BoundkitError("--class finite needs --data FILE with the values matrix")
        values = _load(args.data)
        cls = FiniteClass(values)
        x = None
        info["n_functions"] = int(values.shape[0])
    elif args.data is not None:
        x = _load(args.data)
    else:
        if args.n is None or args.n < 1:
            raise BoundkitError("--toy needs --n N with N >= 1")
        info["toy"] = args.toy
        sampler = _sampler(args)
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


def _emit(out: dict[str, Any], args: argparse.Namespace) -> None:
    if args.json:
        sys.stdout.write(json.dumps(out, indent=2) + "\n")
        return
    lines = [
        f"{out['quantity']} of {out['class']} (B = {out['B']}), n = {out['n']}",
        f"  estimate  {out['estimate']:.6g} +- {out['stderr']:.2g}  ({out['method']})",
        f"  bracket   [{out['lower']:.6g}, {out['upper']:.6g}]",
    ]
    for b in out.get("bounds", []):
        lines.append(f"  {b['kind']:5s} {b['name']:24s} {b['value']:.6g}   {b['formula']}")
    sys.stdout.write("\n".join(lines) + "\n")


def _tick(bar: Any) -> Callable[[int], None]:
    """A progress callback that advances ``bar`` by one step per call."""

    def tick(_k: int) -> None:
        bar.update(1)

    return tick
