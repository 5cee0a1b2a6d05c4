r"""One entry point for every derivation, by name."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from boundkit._errors import BoundkitError
from boundkit.symbolic._derivation import Derivation
from boundkit.symbolic._guidance import derive_guidance
from boundkit.symbolic._identities import (
    derive_fenchel_young,
    derive_kl_identity,
    derive_variational,
    derive_weak_duality,
)
from boundkit.symbolic._kkt import derive_kkt
from boundkit.symbolic._shift import derive_refined_density, derive_shift

__all__ = ["DERIVATIONS", "derive"]

#: Name -> derivation function (each takes a generator and ``k``) and the claim it supports.
DERIVATIONS: dict[str, tuple[Callable[..., Derivation], str]] = {
    "shift": (derive_shift, "C2"),
    "refined-density": (derive_refined_density, "C4"),
    "fenchel-young": (derive_fenchel_young, "C4"),
    "kl-identity": (derive_kl_identity, "C5"),
    "kkt": (derive_kkt, "C4"),
    "guidance": (derive_guidance, "C8"),
    "variational": (derive_variational, "C2"),
    "weak-duality": (derive_weak_duality, "C3"),
}


def derive(name: str, f: Any = "kl", *, k: int = 3, **params: Any) -> Derivation:
    r"""Run the derivation ``name`` for the generator ``f``.

    Parameters
    ----------
    name : str
        One of ``"shift"``, ``"refined-density"``, ``"fenchel-young"``, ``"kl-identity"``,
        ``"kkt"``, ``"guidance"``, ``"variational"``, ``"weak-duality"``.
    f : str or Generator
        A catalogue name, an expression in ``u`` (e.g. ``"u*log(u) - u + 1"``) or a
        :class:`boundkit.generators.Generator`.
    k : int
        Number of symbolic atoms of the finite supports (2 to 4).
    **params
        Generator parameters (e.g. ``alpha=0.5``), passed to ``get_generator``.

    Returns
    -------
    Derivation
        Steps, final identity, and how it was checked (``method``); ``status`` is
        ``"verified"``, ``"not-closed"`` (with the reason in ``note``) or ``"failed"``.

    Notes
    -----
    Derivations are cached per (name, generator, k): sympy is slow and they are pure.

    Examples
    --------
    >>> d = derive("shift", "kl")
    >>> print(d.result("lambda"))
    log(E_Q[exp(h)])
    >>> d.method
    'simplify'
    """
    if name not in DERIVATIONS:
        raise BoundkitError(
            f"unknown derivation {name!r}: expected one of {', '.join(DERIVATIONS)}"
        )
    if not isinstance(k, int) or isinstance(k, bool) or not 2 <= k <= 4:
        raise BoundkitError(f"k must be an integer between 2 and 4; got {k!r}")
    if params:
        from boundkit.symbolic._core import resolve_generator

        f = resolve_generator(f, **params)
    fn = DERIVATIONS[name][0]
    return fn(f, k=k)
