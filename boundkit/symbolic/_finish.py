r"""How a derivation ends: the result of its identity checks, or the reason it did not close."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from boundkit.symbolic._core import GenInfo
from boundkit.symbolic._derivation import Derivation, Step
from boundkit.symbolic._verify import IdentityCheck, combine_checks

__all__ = ["from_check", "from_checks", "not_closed"]


def not_closed(name: str, info: GenInfo, steps: Sequence[Step], note: str) -> Derivation:
    """The derivation ``name`` stopped before its identity: not verified, ``note`` says why."""
    return Derivation(name, info.name, tuple(steps), None, False, "not-closed", note, {})


def from_check(
    name: str,
    info: GenInfo,
    steps: Sequence[Step],
    identity: Any,
    check: IdentityCheck,
    results: Mapping[str, Any],
) -> Derivation:
    """The derivation ``name`` whose final ``identity`` was checked once, by ``check``."""
    return Derivation(
        name,
        info.name,
        tuple(steps),
        identity,
        check.verified,
        check.method,
        check.note,
        results,
        check.counterexample,
    )


def from_checks(
    name: str,
    info: GenInfo,
    steps: Sequence[Step],
    identity: Any,
    checks: Sequence[tuple[str, IdentityCheck]],
    results: Mapping[str, Any],
    *,
    note_suffix: str = "",
) -> Derivation:
    """The derivation ``name`` whose labelled ``checks`` are merged by ``combine_checks``."""
    verified, method, note, cex = combine_checks(checks)
    return Derivation(
        name, info.name, tuple(steps), identity, verified, method, note + note_suffix, results, cex
    )
