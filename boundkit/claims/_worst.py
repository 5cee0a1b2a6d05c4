"""The worst case of a built-in check: the largest violation, where it occurred, how many cases."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from boundkit.claims._registry import CheckOutcome

__all__ = ["WorstCase"]


class WorstCase:
    """Tracks the largest violation over the cases of a check and the case it came from.

    ``value`` starts at ``-inf`` and ``where`` at None; a violation that is NaN is counted but
    never kept.
    """

    def __init__(self) -> None:
        self.value: Any = -np.inf
        self.where: Mapping[str, Any] | None = None
        self.cases = 0

    def record(self, violation: Any, where: Mapping[str, Any]) -> None:
        """Count one case and keep ``where`` when ``violation`` is the largest so far."""
        self.cases += 1
        if violation > self.value:
            self.value, self.where = violation, where

    def labelled(self, name: str, violation: float, **info: Any) -> None:
        """Record the case ``name``, described by ``{"check": name, "violation": ..., **info}``."""
        self.record(violation, {"check": name, "violation": violation, **info})

    def outcome(self, tolerance: float, message: str) -> CheckOutcome:
        """The check's outcome: the worst violation, ``tolerance``, the count and the case."""
        return CheckOutcome(
            self.value, tolerance, self.cases, counterexample=self.where, message=message
        )
