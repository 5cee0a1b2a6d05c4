r"""What a check returns (:class:`CheckOutcome`) and what ``verify`` reports (:class:`CheckRecord`).

A record is believed only when it says what was checked: a status among ``pass``, ``fail`` and
``inconclusive``; a ``pass`` needs a finite worst violation not above the tolerance and at
least one case. Everything else is turned into a ``fail`` by :func:`outcome_status`.

*Margin.* For an inequality :math:`\mathrm{lhs} \le \mathrm{base} + \mathrm{part}`, where
``part`` is the complexity/deviation part of the bound, the *tightness* of the instances checked
is :math:`c^* = \max_i (\mathrm{lhs}_i - \mathrm{base}_i) / \mathrm{part}_i`, the smallest
factor :math:`c` such that :math:`c \times \mathrm{part}` would still have passed. The record's
``margin`` is :math:`1 - c^*` (clipped to :math:`[0, 1]`): the fraction of the part the check
never needed. A margin above :data:`WEAK_MARGIN` means the check could not tell a correct
constant from one off by a factor 2: the record is flagged ``weak``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from boundkit._errors import BoundkitError

__all__ = [
    "LEVELS",
    "STATUSES",
    "WEAK_MARGIN",
    "CheckOutcome",
    "CheckRecord",
    "margin_from_tightness",
    "outcome_status",
    "record_from_dict",
]

Level = Literal["symbolic", "certified", "numeric", "simulation"]
Status = Literal["pass", "fail", "inconclusive"]
#: The levels a check can work at, in the order ``verify`` runs them.
LEVELS: tuple[str, ...] = ("symbolic", "certified", "numeric", "simulation")
#: The statuses a record can have.
STATUSES: tuple[str, ...] = ("pass", "fail", "inconclusive")
#: A record whose margin exceeds this is ``weak``: halving the bound's part would still pass.
WEAK_MARGIN = 0.5


def margin_from_tightness(tightness: float) -> float:
    r"""The margin :math:`\min(1, \max(0, 1 - c^*))` of a tightness :math:`c^*`.

    Examples
    --------
    >>> margin_from_tightness(0.9), margin_from_tightness(-3.0), margin_from_tightness(1.2)
    (0.09999999999999998, 1.0, 0.0)
    """
    c = float(tightness)
    if math.isnan(c):
        raise BoundkitError("the tightness of a check is NaN: expected a number")
    return float(min(1.0, max(0.0, 1.0 - c)))


@dataclass(frozen=True)
class CheckOutcome:
    r"""What a check function returns.

    Parameters
    ----------
    worst_violation : float
        The largest amount by which the claim failed over the cases tried (for an identity
        :math:`a = b`, :math:`\max |a - b|`, possibly relative; for an inequality
        :math:`a \le b`, :math:`\max (a - b)`, negative when it held with room).
    tolerance : float
        The claim passes when ``worst_violation <= tolerance``.
    cases : int
        How many instances were checked.
    counterexample : mapping, optional
        The worst instance, reproducible from the record's seed (JSON-serialisable values).
    status : {"pass", "fail", "inconclusive"}, optional
        Forces the status (e.g. ``"inconclusive"`` when sympy could not close a proof); by
        default it is derived from ``worst_violation`` and ``tolerance``. A forced ``"pass"``
        is believed only when the violation is finite and within the tolerance.
    message : str
        A one-line explanation shown in reports.
    margin : float, optional
        For inequality claims, :math:`1 - c^*` with :math:`c^*` the tightness of the instances
        checked (see the module notes); None for identities.
    search : mapping, optional
        What the falsifier did (evaluations, best witness, its violation), when it ran.
    tightness : mapping, optional
        For checks of a bound against a measured excess over sample sizes: the record of
        :func:`boundkit.simulation.tightness_record` (bound / measured per n, its median over n,
        fitted slopes over all n and over n >= 300). The report's tightness column shows its
        median when present.
    """

    worst_violation: float
    tolerance: float
    cases: int
    counterexample: Mapping[str, Any] | None = None
    status: Status | None = None
    message: str = ""
    margin: float | None = None
    search: Mapping[str, Any] | None = None
    tightness: Mapping[str, Any] | None = None


def outcome_status(out: CheckOutcome) -> tuple[str, str]:
    """The status ``verify`` believes for ``out``, and a note when it overrode the check.

    NaN is never a pass, a forced ``pass`` above the tolerance is a ``fail``, and a pass
    with no case checked is a ``fail``.
    """
    try:
        worst = float(out.worst_violation)
        tol = float(out.tolerance)
        cases = int(out.cases)
    except (TypeError, ValueError):
        return "fail", "the check returned a non-numeric violation, tolerance or case count"
    if out.status is not None and out.status not in STATUSES:
        return "fail", f"the check returned an unknown status {out.status!r}"
    if math.isnan(worst) or math.isnan(tol):
        return "fail", "the worst violation or the tolerance is NaN (NaN is never a pass)"
    held = worst <= tol
    if out.status == "inconclusive":
        return "inconclusive", ""
    if out.status == "fail":
        return "fail", ""
    if out.status == "pass" and not held:
        return "fail", f"the check said pass, but its worst violation {worst:.3g} > {tol:.3g}"
    if held and cases < 1:
        return "fail", "the check passed without checking a single case"
    return ("pass" if held else "fail"), ""


def _clean(x: Any) -> Any:
    """Turn numpy scalars/arrays and non-finite floats into JSON-ready values."""
    if isinstance(x, bool | np.bool_):
        return bool(x)
    if isinstance(x, float | np.floating):
        x = float(x)
        return x if np.isfinite(x) else str(x)
    if isinstance(x, np.integer):
        return int(x)
    if isinstance(x, np.ndarray):
        return [_clean(v) for v in x.tolist()]
    if isinstance(x, Mapping):
        return {str(k): _clean(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_clean(v) for v in x]
    if x is None or isinstance(x, str | int):
        return x
    return repr(x)


@dataclass(frozen=True)
class CheckRecord:
    r"""The result of checking one claim at one level (JSON-ready with :meth:`to_dict`).

    Attributes
    ----------
    claim, level : str
        Which check ran.
    status : {"pass", "fail", "inconclusive"}
        What the check found.
    worst_violation, tolerance : float
        The claim passes when ``worst_violation <= tolerance``.
    cases : int
        Number of instances checked.
    seed : int
        The seed of the check's generator: :func:`boundkit.claims.rerun` replays the check
        from it, so the counterexample can be regenerated.
    elapsed : float
        Wall-clock seconds.
    counterexample : mapping or None
        The worst instance when the check failed.
    message : str
        One-line explanation.
    expected : {"pass", "fail"}
        What the claim is expected to report (``"fail"`` for shipped false claims).
    quick : bool
        Whether the quick (CI) settings were used.
    margin : float or None
        :math:`1 - c^*` for inequality claims (see the module notes), else None.
    search : mapping or None
        The falsifier's summary when ``verify`` ran with a search budget.
    budget : int
        The falsifier's evaluation budget the record was made with (0: no search); used by
        :func:`boundkit.claims.rerun`.
    tightness : mapping or None
        Bound / measured per n, its median and fitted slopes (see :class:`CheckOutcome`).
    """

    claim: str
    level: str
    status: str
    worst_violation: float
    tolerance: float
    cases: int
    seed: int
    elapsed: float
    counterexample: Mapping[str, Any] | None = None
    message: str = ""
    expected: str = "pass"
    quick: bool = False
    margin: float | None = None
    search: Mapping[str, Any] | None = None
    budget: int = 0
    tightness: Mapping[str, Any] | None = None

    @property
    def weak(self) -> bool:
        """Whether the margin exceeds :data:`WEAK_MARGIN` (the check could not tell a factor 2)."""
        return self.margin is not None and self.margin > WEAK_MARGIN

    @property
    def as_expected(self) -> bool:
        """Whether the status is not in contradiction with the expectation.

        A claim expected to pass must not fail; a claim expected to fail must not pass.
        ``"inconclusive"`` contradicts neither.
        """
        if self.expected == "fail":
            return self.status != "pass"
        return self.status != "fail"

    @property
    def verdict(self) -> str:
        """A short label for tables: ``pass``, ``FAIL``, ``fail (expected)``, ``UNEXPECTED PASS``
        or ``inconclusive``."""
        if self.status == "inconclusive":
            return "inconclusive"
        if self.expected == "fail":
            return "fail (expected)" if self.status == "fail" else "UNEXPECTED PASS"
        return "pass" if self.status == "pass" else "FAIL"

    def to_dict(self) -> dict[str, Any]:
        """Return the record as a JSON-serialisable dictionary (non-finite floats as strings)."""
        return _clean(
            {
                "claim": self.claim,
                "level": self.level,
                "status": self.status,
                "expected": self.expected,
                "as_expected": self.as_expected,
                "worst_violation": self.worst_violation,
                "tolerance": self.tolerance,
                "cases": self.cases,
                "seed": self.seed,
                "quick": self.quick,
                "elapsed": self.elapsed,
                "margin": self.margin,
                "weak": self.weak,
                "search": self.search,
                "budget": self.budget,
                "tightness": self.tightness,
                "counterexample": self.counterexample,
                "message": self.message,
            }
        )


def _real(x: Any, name: str) -> float:
    if isinstance(x, str) and x in ("inf", "-inf", "nan"):
        return float(x)
    if isinstance(x, bool) or not isinstance(x, int | float):
        raise BoundkitError(f"record field {name!r} must be a number, got {x!r}")
    return float(x)


def record_from_dict(data: Mapping[str, Any]) -> CheckRecord:
    """Rebuild a :class:`CheckRecord` from :meth:`CheckRecord.to_dict` (e.g. ``verify --json``).

    Raises
    ------
    BoundkitError
        When a required field is missing or has the wrong type.

    Examples
    --------
    >>> r = CheckRecord("C5", "numeric", "pass", -1e-13, 1e-9, 10, 7, 0.1, quick=True)
    >>> record_from_dict(r.to_dict()) == r
    True
    """
    if not isinstance(data, Mapping):
        raise BoundkitError(f"a record must be a mapping (from verify --json), got {data!r:.60}")
    missing = [k for k in ("claim", "level", "seed") if k not in data]
    if missing:
        raise BoundkitError(
            f"the record lacks the field {missing[0]!r}: expected a record from verify --json"
        )
    if not isinstance(data["claim"], str) or data["level"] not in LEVELS:
        raise BoundkitError(
            f"the record names claim {data['claim']!r} at level {data['level']!r}: expected a "
            f"claim identifier and one of {', '.join(LEVELS)}"
        )
    seed = data["seed"]
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise BoundkitError(f"record field 'seed' must be a non-negative integer, got {seed!r}")
    margin = data.get("margin")
    return CheckRecord(
        claim=data["claim"],
        level=data["level"],
        status=str(data.get("status", "inconclusive")),
        worst_violation=_real(data.get("worst_violation", "nan"), "worst_violation"),
        tolerance=_real(data.get("tolerance", "nan"), "tolerance"),
        cases=int(data.get("cases", 0)),
        seed=seed,
        elapsed=float(data.get("elapsed", 0.0)),
        counterexample=data.get("counterexample"),
        message=str(data.get("message", "")),
        expected=str(data.get("expected", "pass")),
        quick=bool(data.get("quick", False)),
        margin=None if margin is None else _real(margin, "margin"),
        search=data.get("search"),
        budget=int(data.get("budget", 0)),
        tightness=data.get("tightness"),
    )
