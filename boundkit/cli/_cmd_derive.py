"""``boundkit derive``: step-by-step symbolic derivations of the duality identities (C2-C5, C8).

Exit status: 0 when the final identity is verified or sympy honestly could not close it
(``not-closed``, with the reason), 1 when a counterexample was found, 2 on a usage error.
"""

from __future__ import annotations

import argparse
import math
import sys
from typing import Any

from boundkit._errors import BoundkitError
from boundkit.cli._common import write_json

HELP = (
    "derive the shift functional, refined density, Fenchel-Young, KL, KKT and guidance identities"
)

_EPILOG = """examples:
  boundkit derive shift --f kl
  boundkit derive shift --f pearson --latex
  boundkit derive fenchel-young --f "u*log(u) - u + 1" --json
  boundkit derive guidance --f gan
  boundkit derive kkt --f alpha --alpha 2
status: 'verified' (by simplification, or at random points with 50 digits when simplification
stalls: the method is printed), 'not-closed' (the reason is printed), 'failed' (exit 1).
"""

_NAMES = (
    "shift",
    "refined-density",
    "fenchel-young",
    "kl-identity",
    "kkt",
    "guidance",
    "variational",
    "weak-duality",
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the ``derive`` arguments to ``parser``."""
    parser.epilog = _EPILOG
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.add_argument("derivation", choices=_NAMES, help="which derivation")
    parser.add_argument(
        "--f",
        dest="f",
        default=None,
        metavar="NAME|EXPR",
        help="generator: catalogue name or alias, or an expression in u (default: kl)",
    )
    fmt = parser.add_mutually_exclusive_group()
    fmt.add_argument("--latex", action="store_true", help="print a LaTeX fragment")
    fmt.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument(
        "--alpha", metavar="A", default=None, help="value of alpha for the alpha family"
    )
    parser.add_argument(
        "-k",
        "--atoms",
        type=int,
        choices=(2, 3, 4),
        default=3,
        metavar="K",
        help="number of symbolic atoms of the finite supports (2-4, default 3)",
    )


def _generator(args: argparse.Namespace) -> Any:
    from boundkit.generators import get_generator

    name = args.f if args.f is not None else "kl"
    if not str(name).strip():
        raise BoundkitError("--f must be a catalogue name or an expression in u")
    params: dict[str, Any] = {}
    if args.alpha is not None:
        try:
            params["alpha"] = float(args.alpha)
        except ValueError:
            raise BoundkitError(f"--alpha must be a number; got {args.alpha!r}") from None
        if not math.isfinite(params["alpha"]):
            raise BoundkitError(f"--alpha must be a finite number; got {args.alpha!r}")
        if params["alpha"] == int(params["alpha"]):
            params["alpha"] = int(params["alpha"])
    return get_generator(name, **params)


def run(args: argparse.Namespace) -> int:
    """Run the derivation and print it as text, LaTeX or JSON; 1 if it found a counterexample."""
    from boundkit.symbolic import derive

    gen = _generator(args)
    d = derive(args.derivation, gen, k=args.atoms)
    if args.json:
        write_json(d.to_dict())
    elif args.latex:
        sys.stdout.write(d.to_latex() + "\n")
    else:
        sys.stdout.write(d.to_text() + "\n")
    return 1 if d.status == "failed" else 0
