r"""The worst case of a built-in check: the largest violation, where it occurred, how many
cases, and (for inequalities) the tightness that gives the record its margin.

Every built-in check aggregates through :class:`WorstCase`, so there is one place that decides
what "worst" means: the *largest* violation is kept, and a NaN violation makes the outcome NaN
(which ``verify`` reports as a failure, never as a pass).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from boundkit.claims._records import CheckOutcome, margin_from_tightness

__all__ = ["WorstCase"]


class WorstCase:
    r"""Tracks the largest violation over the cases of a check and the case it came from.

    ``value`` starts at ``-inf`` and ``where`` at None. A NaN violation is remembered (the
    first NaN case becomes ``where``) and turns :meth:`outcome` into a NaN violation.

    For an inequality :math:`\mathrm{lhs} \le \mathrm{base} + \mathrm{part}`,
    :meth:`tightness` records :math:`(\mathrm{lhs} - \mathrm{base}) / \mathrm{part}`; the
    outcome's margin is one minus the largest of these (see
    :func:`boundkit.claims._records.margin_from_tightness`).
    """

    def __init__(self) -> None:
        self.value: Any = -math.inf
        self.where: Mapping[str, Any] | None = None
        self.cases = 0
        self.nan_where: Mapping[str, Any] | None = None
        self.tight: float | None = None
        self.tight_where: Mapping[str, Any] | None = None

    def record(self, violation: Any, where: Mapping[str, Any]) -> None:
        """Count one case and keep ``where`` when ``violation`` is the largest so far."""
        self.cases += 1
        v = float(violation)
        if math.isnan(v):
            if self.nan_where is None:
                self.nan_where = where
            return
        if v > self.value:
            self.value, self.where = v, where

    def labelled(self, name: str, violation: float, **info: Any) -> None:
        """Record the case ``name``, described by ``{"check": name, "violation": ..., **info}``."""
        self.record(violation, {"check": name, "violation": violation, **info})

    def tightness(self, ratio: float, where: Mapping[str, Any] | None = None) -> None:
        r"""Record the tightness :math:`(\mathrm{lhs}-\mathrm{base})/\mathrm{part}` of one case."""
        c = float(ratio)
        if math.isnan(c):
            if self.nan_where is None:
                self.nan_where = {"tightness": "nan", **(where or {})}
            return
        if self.tight is None or c > self.tight:
            self.tight, self.tight_where = c, where

    @property
    def margin(self) -> float | None:
        """One minus the largest tightness recorded (None when no tightness was recorded)."""
        return None if self.tight is None else margin_from_tightness(self.tight)

    def outcome(self, tolerance: float, message: str, **extra: Any) -> CheckOutcome:
        """The check's outcome: the worst violation, ``tolerance``, the count, the case, the
        margin; a NaN case makes the violation NaN (a failure)."""
        if self.nan_where is not None:
            return CheckOutcome(
                math.nan,
                tolerance,
                self.cases,
                counterexample=self.nan_where,
                message="a case gave NaN: " + message,
                margin=self.margin,
                **extra,
            )
        return CheckOutcome(
            self.value,
            tolerance,
            self.cases,
            counterexample=self.where,
            message=message,
            margin=self.margin,
            **extra,
        )
