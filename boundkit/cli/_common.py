r"""The one command-line layer shared by every ``boundkit`` subcommand.

Each subcommand builds its parser from these pieces, so the flags, their validation and their
error messages are the same everywhere:

* argparse *types* that validate on parsing (``seed``, ``positive_int``, ``positive_float``,
  ``finite_float``, ``probability``), so a bad value is one ``usage`` line and exit 2;
* common flags: ``--seed``, ``--json``, ``--workers`` (never ``--jobs``), ``--f`` (the generator);
* one array loader (``.npy`` without pickles, ``.csv`` with or without a header line, text);
* one grammar for discriminator classes (``--class linear-l2|linear-l1|linear-linf|rkhs|relu2|
  finite`` with ``--B``, ``--features``, ``--kernel``, ``--gamma``, ...) and one builder;
* one JSON writer with one policy for non-finite numbers: ``"inf"``, ``"-inf"``, ``"nan"``.

numpy is imported inside the functions that need it, so ``boundkit --help`` stays fast.
"""

from __future__ import annotations

import argparse
import ast
import math
import sys
from collections.abc import Callable
from typing import Any

from boundkit._errors import BoundkitError
from boundkit._json import json_text, jsonable

__all__ = [
    "CLASS_NAMES",
    "seed",
    "positive_int",
    "nonnegative_int",
    "positive_float",
    "finite_float",
    "probability",
    "workers",
    "add_seed_argument",
    "add_json_argument",
    "add_workers_argument",
    "add_generator_argument",
    "add_class_arguments",
    "build_class",
    "compile_feature",
    "load_array",
    "check_output_dir",
    "jsonable",
    "json_text",
    "write_json",
]

#: the discriminator classes every subcommand names the same way
CLASS_NAMES: tuple[str, ...] = ("linear-l2", "linear-l1", "linear-linf", "rkhs", "relu2", "finite")

#: largest seed accepted (numpy accepts any non-negative integer; a bound keeps input sane)
_MAX_SEED = 2**128 - 1


# --------------------------------------------------------------------------- argparse types
def seed(text: str) -> int:
    """argparse type of a seed: an integer in ``[0, 2**128)``."""
    try:
        value = int(text, 10)
    except (TypeError, ValueError):
        raise argparse.ArgumentTypeError(f"expected a non-negative integer, got {text!r}") from None
    if not 0 <= value <= _MAX_SEED:
        raise argparse.ArgumentTypeError(f"expected an integer in [0, 2**128), got {text!r}")
    return value


def _int(text: str) -> int:
    try:
        return int(text, 10)
    except (TypeError, ValueError):
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None


def positive_int(text: str) -> int:
    """argparse type of an integer ``>= 1``."""
    value = _int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected an integer >= 1, got {text!r}")
    return value


def nonnegative_int(text: str) -> int:
    """argparse type of an integer ``>= 0``."""
    value = _int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected an integer >= 0, got {text!r}")
    return value


def finite_float(text: str) -> float:
    """argparse type of a finite real number (``inf`` and ``nan`` are refused)."""
    try:
        value = float(text)
    except (TypeError, ValueError):
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"expected a finite number, got {text!r}")
    return value


def positive_float(text: str) -> float:
    """argparse type of a finite number ``> 0``."""
    value = finite_float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a finite number > 0, got {text!r}")
    return value


def probability(text: str) -> float:
    """argparse type of a confidence parameter ``delta`` in the open interval (0, 1)."""
    value = finite_float(text)
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"expected a number in (0, 1), got {text!r}")
    return value


def workers(text: str) -> int:
    """argparse type of a worker count: an integer ``>= 1``, or ``-1`` for all cores."""
    value = _int(text)
    if value == 0 or value < -1:
        raise argparse.ArgumentTypeError(
            f"expected an integer >= 1 or -1 (all cores), got {text!r}"
        )
    return value


# --------------------------------------------------------------------------- common flags
def add_seed_argument(parser: argparse.ArgumentParser, *, default: int = 0, help: str = "") -> None:
    """``--seed N``: the root seed (a non-negative integer)."""
    parser.add_argument(
        "--seed", type=seed, default=default, help=help or f"root seed (default {default})"
    )


def add_json_argument(parser: argparse.ArgumentParser, *, help: str = "") -> None:
    """``--json``: print exactly one JSON document on stdout."""
    parser.add_argument("--json", action="store_true", help=help or "print one JSON document")


def add_workers_argument(parser: argparse.ArgumentParser) -> None:
    """``--workers N``: parallel workers (``-1``: all cores); results never depend on it."""
    parser.add_argument(
        "--workers", type=workers, default=1, help="parallel workers (-1: all cores; default 1)"
    )


def add_generator_argument(parser: argparse.ArgumentParser, *, default: str = "kl") -> None:
    """``--f NAME|EXPR``: the generator f (a catalogue name or an expression in u)."""
    parser.add_argument(
        "--f",
        default=default,
        metavar="NAME|EXPR",
        help=f"generator: a catalogue name or an expression in u (default {default})",
    )


def add_class_arguments(
    parser: argparse.ArgumentParser,
    *,
    classes: tuple[str, ...] = CLASS_NAMES,
    required: bool = True,
    default: str | None = None,
) -> None:
    """The discriminator-class grammar shared by every subcommand.

    ``--class linear-l2|linear-l1|linear-linf|rkhs|relu2|finite`` with its hyper-parameters:
    ``--B`` (radius), ``--features identity|poly|rff|'EXPR, EXPR, ...'``, ``--degree``,
    ``--n-components``, ``--bias``; ``--kernel rbf|laplacian|poly`` and ``--gamma`` (the RBF
    kernel is :math:`e^{-\\gamma\\|x - y\\|^2}` everywhere); ``--width``, ``--B1``, ``--B2``,
    ``--restarts`` for the two-layer ReLU network.
    """
    parser.add_argument(
        "--class",
        dest="cls",
        choices=classes,
        required=required and default is None,
        default=default,
        help="discriminator class: " + ", ".join(classes),
    )
    parser.add_argument(
        "--B", type=positive_float, default=1.0, help="radius of the class (> 0, default 1)"
    )
    lin = parser.add_argument_group("linear classes")
    lin.add_argument(
        "--features",
        default="identity",
        help="identity, poly, rff, or comma-separated expressions in x (x1, x2, ... for "
        "coordinates), e.g. 'x, x**2, exp(-x)'",
    )
    lin.add_argument(
        "--degree", type=positive_int, default=2, help="degree of poly features / poly kernel"
    )
    lin.add_argument(
        "--n-components", type=positive_int, default=100, help="random Fourier features (100)"
    )
    lin.add_argument("--bias", action="store_true", help="append a constant feature")
    ker = parser.add_argument_group("rkhs (and rff features)")
    ker.add_argument("--kernel", default="rbf", choices=("rbf", "laplacian", "poly"))
    ker.add_argument(
        "--gamma",
        type=positive_float,
        default=None,
        help="kernel parameter: rbf exp(-gamma |x-y|^2), laplacian exp(-gamma |x-y|_1) "
        "(default 1/d)",
    )
    net = parser.add_argument_group("relu2")
    net.add_argument("--width", type=positive_int, default=16, help="hidden units (16)")
    net.add_argument("--B1", type=positive_float, default=1.0, help="neuron norm bound (1.0)")
    net.add_argument(
        "--B2", type=positive_float, default=None, help="output l1 bound (default --B)"
    )
    net.add_argument(
        "--restarts", type=positive_int, default=8, help="optimiser starts for d >= 2 (8)"
    )


#: sizes above which a class is refused before anything is allocated
MAX_FEATURES = 100_000
MAX_WIDTH = 100_000
MAX_RESTARTS = 10_000


def _n_poly_features(d: int, degree: int) -> int:
    # monomials of degree 1..degree in d variables: C(d + degree, degree) - 1
    return math.comb(d + degree, degree) - 1


def build_class(args: argparse.Namespace, d: int | None, *, values: Any = None) -> Any:
    """The discriminator class named by ``--class`` and its hyper-parameters.

    Parameters
    ----------
    args : argparse.Namespace
        Parsed arguments of :func:`add_class_arguments`.
    d : int or None
        Input dimension (needed for expression features and size checks); ``None`` if unknown.
    values : array, optional
        The values matrix ``(n_functions, n)`` of ``--class finite``.
    """
    from boundkit.classes import FiniteClass, LinearClass, ReLUNetwork2, RKHSBall

    name = args.cls
    if name == "finite":
        if values is None:
            raise BoundkitError("--class finite needs the values matrix (n_functions, n)")
        return FiniteClass(values)
    if name == "rkhs":
        return RKHSBall(args.kernel, B=args.B, gamma=args.gamma, degree=args.degree)
    if name == "relu2":
        if args.width > MAX_WIDTH:
            raise BoundkitError(f"--width {args.width} is above the limit {MAX_WIDTH}")
        if args.restarts > MAX_RESTARTS:
            raise BoundkitError(f"--restarts {args.restarts} is above the limit {MAX_RESTARTS}")
        B2 = args.B if args.B2 is None else args.B2
        return ReLUNetwork2(
            width=args.width, B1=args.B1, B2=B2, n_restarts=args.restarts, rng=args.seed
        )
    p = {"linear-l1": 1, "linear-l2": 2, "linear-linf": "inf"}[name]
    text = args.features.strip()
    features: Any
    if text in ("identity", "poly", "rff"):
        features = text
        if text == "poly" and d is not None:
            k = _n_poly_features(d, args.degree)
            if k > MAX_FEATURES:
                raise BoundkitError(
                    f"--features poly of degree {args.degree} in {d} dimensions has {k:.3g} "
                    f"features, above the limit {MAX_FEATURES}"
                )
        if text == "rff" and args.n_components > MAX_FEATURES:
            raise BoundkitError(
                f"--n-components {args.n_components} is above the limit {MAX_FEATURES}"
            )
    else:
        if d is None:
            raise BoundkitError("expression features need data of known dimension")
        parts = [s for s in text.split(",") if s.strip()]
        if not parts:
            raise BoundkitError("--features is empty")
        fns = [compile_feature(s, d) for s in parts]

        def features(x: Any, fns: list[Callable[[Any], Any]] = fns) -> Any:
            import numpy as np

            return np.column_stack([fn(x) for fn in fns])

    return LinearClass(
        features,
        degree=args.degree,
        n_components=args.n_components,
        gamma=args.gamma,
        p=p,
        B=args.B,
        bias=args.bias,
        rng=args.seed,
    )


# --------------------------------------------------------------------------- feature expressions
_FUNC_NAMES = ("exp", "log", "sqrt", "sin", "cos", "tanh", "abs", "relu")
_NODES = (
    ast.Expression,
    ast.BinOp,
    ast.UnaryOp,
    ast.Call,
    ast.Name,
    ast.Load,
    ast.Constant,
    ast.Add,
    ast.Sub,
    ast.Mult,
    ast.Div,
    ast.Pow,
    ast.USub,
    ast.UAdd,
)
_MAX_EXPR_CHARS = 2_000
_MAX_EXPR_NODES = 500


def _functions() -> dict[str, Any]:
    import numpy as np

    return {
        "exp": np.exp,
        "log": np.log,
        "sqrt": np.sqrt,
        "sin": np.sin,
        "cos": np.cos,
        "tanh": np.tanh,
        "abs": np.abs,
        "relu": lambda z: np.maximum(z, 0.0),
    }


class _FloatConstants(ast.NodeTransformer):
    """Replace every number by a name bound to a float64, so no Python big-integer is built."""

    def __init__(self) -> None:
        self.values: dict[str, float] = {}

    def visit_Constant(self, node: ast.Constant) -> ast.AST:
        name = f"_c{len(self.values)}"
        self.values[name] = float(node.value)
        return ast.copy_location(ast.Name(id=name, ctx=ast.Load()), node)


def compile_feature(text: str, d: int) -> Callable[[Any], Any]:
    """A feature ``x -> phi(x)`` of shape ``(n,)`` from an expression in ``x`` (or ``x1, ...``).

    Only arithmetic, numbers and the functions exp, log, sqrt, sin, cos, tanh, abs, relu are
    allowed (an AST allowlist: nothing is executed but that arithmetic). Numbers are evaluated
    as float64, so ``9**9**9`` is ``inf`` (then refused as non-finite), never a huge integer.
    """
    text = text.strip()
    if len(text) > _MAX_EXPR_CHARS:
        raise BoundkitError(f"feature expression longer than {_MAX_EXPR_CHARS} characters")
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError:
        raise BoundkitError(f"cannot parse feature {text!r}") from None
    names = {"x"} if d == 1 else {f"x{i + 1}" for i in range(d)}
    n_nodes = 0
    for node in ast.walk(tree):
        n_nodes += 1
        if not isinstance(node, _NODES):
            raise BoundkitError(f"feature {text!r}: {type(node).__name__} is not allowed")
        if isinstance(node, ast.Constant) and (
            isinstance(node.value, bool) or not isinstance(node.value, (int, float))
        ):
            raise BoundkitError(f"feature {text!r}: only numbers may appear as constants")
        if isinstance(node, ast.Name) and node.id not in names and node.id not in _FUNC_NAMES:
            raise BoundkitError(
                f"feature {text!r}: unknown name {node.id!r} (use {', '.join(sorted(names))} "
                f"and {', '.join(_FUNC_NAMES)})"
            )
        if isinstance(node, ast.Call) and not (
            isinstance(node.func, ast.Name) and node.func.id in _FUNC_NAMES and not node.keywords
        ):
            raise BoundkitError(f"feature {text!r}: only {', '.join(_FUNC_NAMES)} may be called")
    if n_nodes > _MAX_EXPR_NODES:
        raise BoundkitError(f"feature {text!r} has more than {_MAX_EXPR_NODES} terms")
    consts = _FloatConstants()
    tree = ast.fix_missing_locations(consts.visit(tree))
    code = compile(tree, "<feature>", "eval")

    def feature(x: Any) -> Any:
        import numpy as np

        env: dict[str, Any] = _functions()
        env.update({k: np.float64(v) for k, v in consts.values.items()})
        if d == 1:
            env["x"] = x[:, 0]
        else:
            env.update({f"x{i + 1}": x[:, i] for i in range(d)})
        with np.errstate(all="ignore"):
            val = eval(code, {"__builtins__": {}}, env)  # noqa: S307 - AST allowlisted above
        out = np.broadcast_to(np.asarray(val, dtype=float), (x.shape[0],))
        if not np.all(np.isfinite(out)):
            raise BoundkitError(f"feature {text!r} is not finite on the data")
        return out

    return feature


# --------------------------------------------------------------------------- arrays
def load_array(path: str, name: str, *, ndmin: int = 1) -> Any:
    """Read a real array from ``.npy``, ``.csv`` (a header line is skipped) or whitespace text.

    The one reader is :func:`boundkit.datasets.read_array`; refused, each with one line naming
    the option: a missing file, a pickled or corrupt ``.npy``, complex or non-numeric data,
    NaN or infinite values, an empty array.
    """
    from boundkit.datasets import read_array

    return read_array(path, name, ndmin=ndmin)


# --------------------------------------------------------------------------- output folders
def check_output_dir(path: Any, option: str = "--out") -> None:
    """Refuse, before any work, an output folder that names an existing file (or sits in one)."""
    from pathlib import Path

    if path is None:
        return
    p = Path(path)
    for parent in (p, *p.parents):
        if parent.exists():
            if not parent.is_dir():
                raise BoundkitError(
                    f"{option} {str(path)!r}: {str(parent)!r} exists and is not a directory"
                )
            return


# --------------------------------------------------------------------------- JSON
def write_json(obj: Any, *, indent: int | None = 2) -> None:
    """Print ``obj`` as one JSON document on stdout (policy: :func:`boundkit._json.jsonable`)."""
    sys.stdout.write(json_text(obj, indent=indent) + "\n")
