"""``boundkit duality``: dual, primal and refined model of a finite problem (claims C3-C5).

Reads atoms and the two probability vectors from ``.npy`` or ``.csv`` files, builds a linear
class (``--features`` expressions in ``x``) or an RKHS ball (``--kernel``), solves both sides
and prints every identity of C4 side by side (``--json``: one JSON object).
"""

from __future__ import annotations

import argparse
import ast
import json
import math
from pathlib import Path
from typing import Any

import numpy as np

from boundkit._errors import BoundkitError

HELP = "restricted divergence, its primal and the refined model on a finite problem (C3-C5)"

_FUNCS = {
    "exp": np.exp,
    "log": np.log,
    "sqrt": np.sqrt,
    "sin": np.sin,
    "cos": np.cos,
    "tanh": np.tanh,
    "abs": np.abs,
    "relu": lambda z: np.maximum(z, 0.0),
}
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


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the ``duality`` arguments to ``parser``."""
    parser.epilog = (
        "Example: boundkit duality --atoms x.npy --p p.npy --q q.npy --features 'x, x**2' "
        "--f kl --B 1 --json"
    )
    parser.add_argument("--atoms", required=True, help="atoms, (k,) or (k, d), .npy or .csv")
    parser.add_argument("--p", required=True, help="probabilities of P on the atoms (.npy/.csv)")
    parser.add_argument("--q", required=True, help="probabilities of Q on the atoms (.npy/.csv)")
    parser.add_argument("--f", default="kl", help="generator: a name or an expression in u")
    parser.add_argument(
        "--class",
        dest="cls",
        choices=("linear", "rkhs"),
        default=None,
        help="discriminator class (default: rkhs if --kernel is given, else linear)",
    )
    parser.add_argument(
        "--features",
        default="identity",
        help="linear features: 'identity' or comma-separated expressions in x "
        "(x1, x2, ... for coordinates), e.g. 'x, x**2, exp(-x)'",
    )
    parser.add_argument("--norm", default="2", help="weight norm of the linear class: 1, 2, inf")
    parser.add_argument("--bias", action="store_true", help="add a constant feature")
    parser.add_argument("--kernel", choices=("rbf", "laplacian", "poly"), default=None)
    parser.add_argument(
        "--bandwidth",
        type=float,
        default=None,
        help="kernel bandwidth b (rbf: gamma = 1/(2 b^2); laplacian: 1/b)",
    )
    parser.add_argument("--B", type=float, default=1.0, help="radius of the class (> 0)")
    parser.add_argument("--solver", choices=("auto", "cvxpy", "scipy"), default="auto")
    parser.add_argument("--tol", type=float, default=1e-10, help="solver tolerance")
    parser.add_argument("--json", action="store_true", help="print one JSON object")


def _load(path: str, name: str) -> np.ndarray:
    p = Path(path)
    if not p.exists():
        raise BoundkitError(f"--{name}: file {path} does not exist")
    if p.suffix == ".npy":
        arr = np.load(p, allow_pickle=False)
    elif p.suffix in (".csv", ".txt"):
        try:
            arr = np.loadtxt(p, delimiter=",", ndmin=1)
        except ValueError as exc:
            raise BoundkitError(f"--{name}: cannot read {path} as numbers ({exc})") from None
    else:
        raise BoundkitError(f"--{name}: expected a .npy or .csv file, got {path}")
    arr = np.asarray(arr, dtype=float)
    if not np.all(np.isfinite(arr)):
        raise BoundkitError(f"--{name}: {path} contains NaN or infinite values")
    return arr


def _compile_feature(text: str, d: int):
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError:
        raise BoundkitError(f"cannot parse feature {text!r}") from None
    names = {"x"} if d == 1 else {f"x{i + 1}" for i in range(d)}
    for node in ast.walk(tree):
        if not isinstance(node, _NODES):
            raise BoundkitError(f"feature {text!r}: {type(node).__name__} is not allowed")
        if isinstance(node, ast.Name) and node.id not in names and node.id not in _FUNCS:
            raise BoundkitError(
                f"feature {text!r}: unknown name {node.id!r} (use {', '.join(sorted(names))} "
                f"and {', '.join(_FUNCS)})"
            )
        if isinstance(node, ast.Call) and not (
            isinstance(node.func, ast.Name) and node.func.id in _FUNCS
        ):
            raise BoundkitError(f"feature {text!r}: only {', '.join(_FUNCS)} may be called")
    code = compile(tree, "<feature>", "eval")

    def feature(x: np.ndarray) -> np.ndarray:
        env: dict[str, Any] = dict(_FUNCS)
        if d == 1:
            env["x"] = x[:, 0]
        else:
            env.update({f"x{i + 1}": x[:, i] for i in range(d)})
        with np.errstate(all="ignore"):
            val = eval(code, {"__builtins__": {}}, env)  # noqa: S307 - AST whitelisted above
        return np.broadcast_to(np.asarray(val, dtype=float), (x.shape[0],))

    return feature


def build_class(args: argparse.Namespace, d: int) -> Any:
    """The discriminator class described by the command-line arguments."""
    from boundkit.classes import LinearClass, RKHSBall

    kind = args.cls or ("rkhs" if args.kernel else "linear")
    if not (math.isfinite(args.B) and args.B > 0):
        raise BoundkitError(f"--B must be a finite number > 0, got {args.B}")
    if kind == "rkhs":
        kernel = args.kernel or "rbf"
        gamma = None
        if args.bandwidth is not None:
            b = args.bandwidth
            if not (math.isfinite(b) and b > 0):
                raise BoundkitError(f"--bandwidth must be > 0, got {b}")
            gamma = 1.0 / (2.0 * b * b) if kernel == "rbf" else 1.0 / b
        return RKHSBall(kernel=kernel, B=args.B, gamma=gamma)
    if args.kernel is not None:
        raise BoundkitError("--kernel needs --class rkhs")
    feats: Any = "identity"
    if args.features.strip() != "identity":
        parts = [s for s in args.features.split(",") if s.strip()]
        if not parts:
            raise BoundkitError("--features is empty")
        fns = [_compile_feature(s, d) for s in parts]

        def feats(x: np.ndarray, fns=fns) -> np.ndarray:
            return np.column_stack([fn(x) for fn in fns])

    return LinearClass(features=feats, p=args.norm, B=args.B, bias=args.bias)


def run(args: argparse.Namespace) -> int:
    """Run ``boundkit duality``; return the exit status."""
    from boundkit.distributions import FiniteDistribution
    from boundkit.duality import duality_report

    atoms = _load(args.atoms, "atoms")
    p = _load(args.p, "p").reshape(-1)
    q = _load(args.q, "q").reshape(-1)
    if atoms.ndim == 1:
        atoms = atoms[:, None]
    if atoms.ndim != 2:
        raise BoundkitError(f"--atoms must have shape (k,) or (k, d), got {atoms.shape}")
    k = atoms.shape[0]
    if p.shape[0] != k or q.shape[0] != k:
        raise BoundkitError(
            f"--p has {p.shape[0]} and --q has {q.shape[0]} entries, but there are {k} atoms"
        )
    P = FiniteDistribution(atoms, p)
    Q = FiniteDistribution(atoms, q)
    cls = build_class(args, atoms.shape[1])
    rep = duality_report(args.f, P, Q, cls, solver=args.solver, tol=args.tol)
    if args.json:
        print(json.dumps(rep.to_dict(), allow_nan=True))
        return 0
    d = rep.to_dict()
    print(f"generator {d['generator']}, {d['n_atoms']} atoms, status {d['status']}")
    print(f"dual   D_f^H(P||Q) = {rep.dual:.12g}   ({d['dual_solver']})")
    print(f"primal             = {rep.primal:.12g}   ({d['primal_solver']})")
    print(f"gap                = {rep.gap:.3g}")
    print(f"||eta* - Q_h*||_1  = {rep.refined_l1_to_primal:.3g}")
    print(rep.table())
    return 0
