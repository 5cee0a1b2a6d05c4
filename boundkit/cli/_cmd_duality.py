"""``boundkit duality``: dual, primal and refined model of a finite problem (claims C3-C5).

Reads atoms and the two probability vectors from ``.npy`` or ``.csv`` files, builds a linear
class (``--features`` expressions in ``x``) or an RKHS ball (``--kernel``), solves both sides
and prints every identity of C4 side by side (``--json``: one JSON object).
"""

from __future__ import annotations

import argparse

from boundkit._errors import BoundkitError
from boundkit.cli._common import (
    add_class_arguments,
    add_generator_argument,
    add_json_argument,
    add_seed_argument,
    build_class,
    load_array,
    positive_float,
    write_json,
)

HELP = "restricted divergence, its primal and the refined model on a finite problem (C3-C5)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the ``duality`` arguments to ``parser``."""
    parser.epilog = (
        "Example: boundkit duality --atoms x.npy --p p.npy --q q.npy --features 'x, x**2' "
        "--f kl --B 1 --json (RKHS ball: --class rkhs --kernel rbf --gamma 2)"
    )
    parser.add_argument("--atoms", required=True, help="atoms, (k,) or (k, d), .npy or .csv")
    parser.add_argument("--p", required=True, help="probabilities of P on the atoms (.npy/.csv)")
    parser.add_argument("--q", required=True, help="probabilities of Q on the atoms (.npy/.csv)")
    add_generator_argument(parser)
    add_class_arguments(
        parser, classes=("linear-l2", "linear-l1", "linear-linf", "rkhs"), default="linear-l2"
    )
    parser.add_argument("--solver", choices=("auto", "cvxpy", "scipy"), default="auto")
    parser.add_argument("--tol", type=positive_float, default=1e-10, help="solver tolerance")
    add_seed_argument(parser, help="seed of random Fourier features (default 0)")
    add_json_argument(parser)


def run(args: argparse.Namespace) -> int:
    """Run ``boundkit duality``; return the exit status."""
    from boundkit.distributions import FiniteDistribution
    from boundkit.duality import duality_report

    atoms = load_array(args.atoms, "--atoms")
    p = load_array(args.p, "--p").reshape(-1)
    q = load_array(args.q, "--q").reshape(-1)
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
        write_json(rep.to_dict(), indent=None)
        return 0
    d = rep.to_dict()
    print(f"generator {d['generator']}, {d['n_atoms']} atoms, status {d['status']}")
    print(f"dual   D_f^H(P||Q) = {rep.dual:.12g}   ({d['dual_solver']})")
    print(f"primal             = {rep.primal:.12g}   ({d['primal_solver']})")
    print(f"gap                = {rep.gap:.3g}")
    print(f"||eta* - Q_h*||_1  = {rep.refined_l1_to_primal:.3g}")
    print(rep.table())
    return 0
