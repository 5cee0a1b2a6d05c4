"""``boundkit conjugate``: derive the conjugate of a catalogue or user generator."""

from __future__ import annotations

import argparse
import math
from typing import Any

from boundkit._errors import BoundkitError
from boundkit.cli._common import add_json_argument, json_text, write_json

HELP = "derive f*(t) = sup_{u >= 0} (t u - f(u)), its domain and link for a generator"

_EPILOG = """examples:
  boundkit conjugate kl
  boundkit conjugate pearson --json
  boundkit conjugate "u*log(u) - log(u)" --latex
  boundkit conjugate alpha --alpha 0.5
  boundkit conjugate --list
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the ``conjugate`` arguments to ``parser``."""
    parser.epilog = _EPILOG
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.add_argument(
        "generator",
        nargs="?",
        metavar="NAME|EXPR",
        help="catalogue name or alias (see --list) or an expression in u, e.g. 'u*log(u)'",
    )
    parser.add_argument(
        "--f",
        dest="f_option",
        metavar="NAME|EXPR",
        help="the generator, as an option (same as the positional argument)",
    )
    parser.add_argument("--list", action="store_true", help="list the catalogue and exit")
    parser.add_argument("--latex", action="store_true", help="print LaTeX")
    add_json_argument(parser)
    parser.add_argument(
        "--alpha", metavar="A", help="value of alpha for the alpha family (default: symbolic)"
    )
    parser.add_argument(
        "--alpha-range",
        choices=("(1, oo)", "(0, 1)", "(-oo, 0)"),
        default=None,
        help="regime assumed for a symbolic alpha (default '(1, oo)')",
    )
    parser.add_argument(
        "--normalise",
        "--normalize",
        choices=("constant", "affine"),
        default=None,
        help="for expressions: subtract f(1) ('constant') or also the affine part ('affine')",
    )


def _number(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise BoundkitError(f"--alpha must be a number, got {text!r}") from None
    if not math.isfinite(value):
        raise BoundkitError(f"--alpha must be a finite number, got {text!r}")
    return value


def _listing(as_json: bool) -> str:
    from boundkit.generators import catalogue_entries

    entries = catalogue_entries()
    rows: list[dict[str, Any]] = []
    for e in entries:
        rows.append(
            {
                "name": e.name,
                "aliases": list(e.aliases),
                "f": str(e.build() if not e.params else e.build(_alpha_symbol())),
                "params": list(e.params),
                "description": e.description,
            }
        )
    if as_json:
        return json_text(rows)
    width = max(len(r["name"]) for r in rows)
    fw = max(len(r["f"]) for r in rows)
    lines = [f"{'name':<{width}}  {'f(u)':<{fw}}  aliases"]
    for r in rows:
        lines.append(f"{r['name']:<{width}}  {r['f']:<{fw}}  {', '.join(r['aliases'])}")
    lines.append("")
    lines.append("any other generator: boundkit conjugate 'EXPR' with EXPR an expression in u")
    return "\n".join(lines)


def _alpha_symbol():
    from boundkit.generators import ALPHA

    return ALPHA


def _text(g: Any) -> str:
    from boundkit.generators import domain_string

    lines = [
        f"generator   {g.name}",
        f"f(u)        = {g.f}",
        f"f*(t)       = {g.conjugate_expr if g.closed_form else '(no closed form: numeric)'}",
        f"dom f*      = {domain_string(g.domain)}",
        f"(f*)'(t)    = {g.link_expr if g.closed_form else '(no closed form: numeric)'}",
        f"f'(1)       = {g.fprime_at_1}",
        f"f'(oo)      = {g.fprime_at_inf}",
        f"closed form : {'yes' if g.closed_form else 'no (numeric conjugate)'}",
    ]
    for note in g.notes:
        lines.append(f"note: {note}")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    """Run ``boundkit conjugate``; return the exit status."""
    if args.list:
        print(_listing(args.json))
        return 0
    spec = args.generator
    if args.f_option is not None:
        if spec is not None and spec != args.f_option:
            raise BoundkitError("give the generator once: positionally or with --f, not both")
        spec = args.f_option
    if spec is None:
        raise BoundkitError(
            "no generator given: boundkit conjugate NAME|EXPR (see boundkit conjugate --list)"
        )
    from boundkit.generators import get_generator

    params: dict[str, Any] = {}
    if args.alpha is not None:
        params["alpha"] = _number(args.alpha)
    if args.alpha_range is not None:
        if args.alpha is not None:
            raise BoundkitError("--alpha-range is for a symbolic alpha: drop it or --alpha")
        params["alpha_range"] = args.alpha_range
    normalise: bool | str = args.normalise or False
    g = get_generator(spec, normalise=normalise, **params)
    if args.json:
        out = g.to_dict()
        if args.latex:
            out["latex"] = g.latex()
        write_json(out)
    elif args.latex:
        print(g.latex())
    else:
        print(_text(g))
    return 0
