r"""Symbolic-level checks of C2, C3, C4, C5 and C8: the derivations of :mod:`boundkit.symbolic`.

Each check runs the relevant derivations for a few catalogue generators (more with
``quick=False``). A derivation either verifies its final identity (simplification to zero, or
agreement at random points to 50 digits when simplification stalls), or honestly reports that
sympy cannot close it (``not-closed``, e.g. no closed-form shift for reverse KL), or finds a
counterexample. The check fails on any counterexample, is inconclusive when nothing could be
verified, and passes otherwise; the message names the method used and what was not closed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from boundkit.claims._registry import CheckOutcome, claim

__all__: list[str] = []

_QUICK = ("kl", "pearson")
_FULL = (
    "kl",
    "kl_standard",
    "reverse_kl",
    "pearson",
    "squared_hellinger",
    "gan",
    "total_variation",
)


def _run(names: Sequence[str], generators: Sequence[str]) -> CheckOutcome:
    from boundkit.generators import get_generator
    from boundkit.symbolic import derive

    failed: list[str] = []
    verified: list[str] = []
    open_: list[str] = []
    methods: set[str] = set()
    cex: dict[str, Any] | None = None
    for gname in generators:
        g = get_generator(gname)
        for name in names:
            d = derive(name, g)
            label = f"{name}[{gname}]"
            if d.status == "failed":
                failed.append(label)
                if cex is None:
                    cex = {"derivation": name, "generator": gname, **dict(d.counterexample or {})}
            elif d.verified:
                verified.append(label)
                methods.add(d.method)
            else:
                open_.append(label)
    cases = len(failed) + len(verified) + len(open_)
    how = " and ".join(sorted(methods)) or "none"
    msg = f"{len(verified)}/{cases} derivations verified ({how})"
    if open_:
        msg += "; not closed by sympy: " + ", ".join(open_)
    if failed:
        msg += "; COUNTEREXAMPLE in " + ", ".join(failed)
        return CheckOutcome(float(len(failed)), 0.0, cases, counterexample=cex, message=msg)
    if not verified:
        return CheckOutcome(0.0, 0.0, cases, status="inconclusive", message=msg)
    return CheckOutcome(0.0, 0.0, cases, message=msg)


@claim("C2", level="symbolic", builtin=True)
def check_c2_symbolic(*, quick: bool, rng: Any) -> CheckOutcome:
    """Variational representation and its maximiser f'(dP/dQ); shift functional closed forms."""
    return _run(("variational", "shift"), _QUICK if quick else _FULL)


@claim("C3", level="symbolic", builtin=True)
def check_c3_symbolic(*, quick: bool, rng: Any) -> CheckOutcome:
    """Weak duality from the Fenchel-Young gap, with equality at the refined model."""
    return _run(("weak-duality",), _QUICK if quick else _FULL)


@claim("C4", level="symbolic", builtin=True)
def check_c4_symbolic(*, quick: bool, rng: Any) -> CheckOutcome:
    """Fenchel-Young equality D_f(Q_h||Q) = E_Qh h - Lambda, normalisation, KKT over an l2 ball."""
    return _run(("fenchel-young", "kkt", "refined-density"), _QUICK if quick else _FULL)


@claim("C5", level="symbolic", builtin=True)
def check_c5_symbolic(*, quick: bool, rng: Any) -> CheckOutcome:
    """KL refinement identity on a support of three symbolic atoms."""
    return _run(("kl-identity",), ("kl",) if quick else ("kl", "kl_standard"))


@claim("C8", level="symbolic", builtin=True)
def check_c8_symbolic(*, quick: bool, rng: Any) -> CheckOutcome:
    """GAN link at log d is the odds; KL with logit d tilts Q by the odds; Bayes-optimal d."""
    return _run(("guidance",), ("gan", "kl") if quick else ("gan", "kl", "pearson", "reverse_kl"))
