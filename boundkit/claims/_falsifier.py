r"""The falsifier: maximise a claim's violation over a parametrised family of instances.

A :class:`SearchSpace` names the parameters of an instance family (box bounds; integer
parameters are rounded), a ``violation(params) -> float`` that is positive exactly where the
claim fails (beyond ``tolerance``), and *starts*: the near-tight instances theory points to,
evaluated first. :func:`falsify` spends its evaluation budget on

1. the starts;
2. a seeded uniform design (a few points per dimension);
3. local optimisation (bounded Nelder-Mead in the unit cube) from the best points so far;
4. scipy's ``differential_evolution`` (seeded, ``workers=1``) with what remains;

and stops at the first counterexample. Every random choice comes from
``numpy.random.default_rng(seed)``, the search runs in one process, and the budget is counted
in evaluations, so the result depends on the seed only (not on the number of ``verify``
workers). A wall-clock ``time_limit`` may stop the search earlier; the result then says so.
:func:`random_search` is the baseline the falsifier has to beat: uniform points of the same box.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from boundkit._errors import BoundkitError
from boundkit.claims._records import CheckOutcome, margin_from_tightness

__all__ = [
    "Parameter",
    "SearchResult",
    "SearchSpace",
    "falsify",
    "merge_search",
    "random_search",
    "evaluate_cases",
]


@dataclass(frozen=True)
class Parameter:
    """One coordinate of an instance family: a name and a box ``[low, high]``.

    ``integer=True`` rounds the value to the nearest integer before evaluation.
    """

    name: str
    low: float
    high: float
    integer: bool = False

    def __post_init__(self) -> None:
        if not (math.isfinite(self.low) and math.isfinite(self.high) and self.low < self.high):
            raise BoundkitError(
                f"parameter {self.name!r} needs finite bounds low < high, got "
                f"[{self.low}, {self.high}]"
            )


@dataclass(frozen=True)
class SearchSpace:
    r"""A parametrised family of instances of a claim, for the falsifier.

    Parameters
    ----------
    parameters : sequence of Parameter
        The coordinates and their boxes.
    violation : callable
        ``violation(params: dict) -> float``; the instance is a counterexample when the value
        exceeds ``tolerance``. NaN counts as a counterexample (a computation that gives NaN is
        a bug the search has found).
    tolerance : float
        See ``violation``.
    starts : sequence of mapping
        Near-tight instances from theory, evaluated first (missing keys: box centre).
    tightness : bool
        Whether ``violation`` is a tightness minus one, :math:`c^* - 1` with
        :math:`c^* = (\mathrm{lhs} - \mathrm{base})/\mathrm{part}`; the search then reports a
        margin :math:`1 - c^*`.
    describe : callable, optional
        ``describe(params) -> dict``: a JSON-ready description of the witness.
    name : str
        A label for reports.
    """

    parameters: Sequence[Parameter]
    violation: Callable[[dict[str, float]], float]
    tolerance: float = 0.0
    starts: Sequence[Mapping[str, float]] = ()
    tightness: bool = False
    describe: Callable[[dict[str, float]], dict[str, Any]] | None = None
    name: str = ""

    @property
    def dim(self) -> int:
        """The number of parameters."""
        return len(self.parameters)

    def point(self, z: np.ndarray) -> dict[str, float]:
        """The parameters at unit-cube coordinates ``z`` (clipped; integers rounded)."""
        out: dict[str, float] = {}
        for p, zi in zip(self.parameters, np.clip(z, 0.0, 1.0), strict=True):
            v = p.low + float(zi) * (p.high - p.low)
            out[p.name] = float(round(v)) if p.integer else v
        return out

    def unit(self, params: Mapping[str, float]) -> np.ndarray:
        """Unit-cube coordinates of ``params`` (missing names: the centre of their box)."""
        unknown = set(params) - {p.name for p in self.parameters}
        if unknown:
            raise BoundkitError(f"unknown search parameter {sorted(unknown)[0]!r}")
        return np.array(
            [
                (float(params[p.name]) - p.low) / (p.high - p.low) if p.name in params else 0.5
                for p in self.parameters
            ]
        ).clip(0.0, 1.0)


@dataclass(frozen=True)
class SearchResult:
    """What a search found.

    Attributes
    ----------
    best_violation : float
        The largest violation seen (``inf`` for a NaN evaluation).
    witness : dict
        The parameters of that instance (and ``describe``'s description under ``"instance"``).
    evaluations : int
        How many instances were evaluated.
    first_hit : int or None
        The evaluation (1-based) at which the first counterexample was found.
    tolerance : float
        The space's tolerance.
    margin : float or None
        :math:`1 - c^*` of the tightest instance, for tightness spaces.
    stopped : str
        ``"counterexample"``, ``"budget"`` or ``"time"``.
    elapsed : float
        Wall-clock seconds.
    """

    best_violation: float
    witness: dict[str, Any]
    evaluations: int
    first_hit: int | None
    tolerance: float
    margin: float | None
    stopped: str
    elapsed: float
    method: str = "falsifier"
    name: str = ""
    trace: tuple[float, ...] = field(default=(), repr=False)

    @property
    def found(self) -> bool:
        """Whether a counterexample was found."""
        return self.first_hit is not None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary (without the trace)."""
        return {
            "method": self.method,
            "space": self.name,
            "found": self.found,
            "best_violation": self.best_violation,
            "tolerance": self.tolerance,
            "evaluations": self.evaluations,
            "first_hit": self.first_hit,
            "margin": self.margin,
            "stopped": self.stopped,
            "witness": self.witness,
        }


class _Stop(Exception):
    """Internal: the budget, the time limit or a counterexample ends the search."""


class _Objective:
    """Counts evaluations, keeps the best point, stops at the first counterexample."""

    def __init__(
        self, space: SearchSpace, budget: int, time_limit: float | None, stop_first: bool
    ) -> None:
        self.space, self.budget, self.stop_first = space, budget, stop_first
        self.deadline = None if time_limit is None else time.perf_counter() + time_limit
        self.n = 0
        self.best = -math.inf
        self.best_z: np.ndarray | None = None
        self.first_hit: int | None = None
        self.stopped = "budget"
        self.trace: list[float] = []

    def __call__(self, z: np.ndarray) -> float:
        if self.n >= self.budget:
            self.stopped = "budget"
            raise _Stop
        if self.deadline is not None and time.perf_counter() > self.deadline:
            self.stopped = "time"
            raise _Stop
        z = np.clip(np.asarray(z, dtype=float), 0.0, 1.0)
        self.n += 1
        v = float(self.space.violation(self.space.point(z)))
        if math.isnan(v):
            v = math.inf
        self.trace.append(v)
        if v > self.best or self.best_z is None:
            self.best, self.best_z = v, z.copy()
        if v > self.space.tolerance and self.first_hit is None:
            self.first_hit = self.n
            if self.stop_first:
                self.stopped = "counterexample"
                raise _Stop
        return -v if math.isfinite(v) else -1e300


def _result(obj: _Objective, start: float, method: str) -> SearchResult:
    space = obj.space
    params = space.point(obj.best_z) if obj.best_z is not None else {}
    witness: dict[str, Any] = dict(params)
    if space.describe is not None and params:
        witness["instance"] = space.describe(params)
    margin = None
    if space.tightness and math.isfinite(obj.best):
        margin = margin_from_tightness(obj.best + 1.0)
    return SearchResult(
        best_violation=obj.best,
        witness=witness,
        evaluations=obj.n,
        first_hit=obj.first_hit,
        tolerance=space.tolerance,
        margin=margin,
        stopped=obj.stopped,
        elapsed=time.perf_counter() - start,
        method=method,
        name=space.name,
        trace=tuple(obj.trace),
    )


def _check(space: SearchSpace, budget: int) -> None:
    if not isinstance(space, SearchSpace):
        raise BoundkitError(f"expected a SearchSpace, got {type(space).__name__}")
    if isinstance(budget, bool) or not isinstance(budget, int | np.integer) or budget < 1:
        raise BoundkitError(f"the search budget must be a positive integer, got {budget!r}")


def falsify(
    space: SearchSpace,
    *,
    budget: int = 200,
    seed: int = 0,
    time_limit: float | None = None,
    stop_at_first: bool = True,
) -> SearchResult:
    """Search ``space`` for the instance with the largest violation.

    Parameters
    ----------
    space : SearchSpace
        The instance family.
    budget : int
        Maximum number of evaluations.
    seed : int
        Seed of every random choice (design, restarts, differential evolution).
    time_limit : float, optional
        Wall-clock seconds; reaching it ends the search (the result is then not reproducible).
    stop_at_first : bool
        Stop at the first counterexample (default) or spend the whole budget maximising.

    Returns
    -------
    SearchResult

    Examples
    --------
    >>> s = SearchSpace([Parameter("x", -2.0, 2.0)], lambda p: p["x"] ** 2 - 3.0)
    >>> r = falsify(s, budget=100, seed=1)
    >>> r.found, r.witness["x"] ** 2 > 3.0
    (True, True)
    """
    from scipy.optimize import differential_evolution, minimize

    _check(space, budget)
    start = time.perf_counter()
    rng = np.random.default_rng(seed)
    obj = _Objective(space, int(budget), time_limit, stop_at_first)
    d = space.dim
    try:
        for s in space.starts:
            obj(space.unit(s))
        design = rng.random((max(4, 4 * d), d))
        for z in design:
            obj(z)
        # local optimisation from the best points seen so far (and one fresh random point)
        points = [obj.best_z] + [rng.random(d)]
        local_budget = max(10, (budget - obj.n) // 3)
        for z0 in points:
            if z0 is None:
                continue
            minimize(
                obj,
                z0,
                method="Nelder-Mead",
                bounds=[(0.0, 1.0)] * d,
                options={"maxfev": local_budget // len(points), "xatol": 1e-6, "fatol": 1e-12},
            )
        remaining = budget - obj.n
        if remaining > 0:
            popsize = max(5, min(15, remaining // (10 * d) or 5))
            differential_evolution(
                obj,
                [(0.0, 1.0)] * d,
                seed=int(rng.integers(2**31)),
                popsize=popsize,
                maxiter=max(1, remaining // (popsize * d)),
                polish=False,
                tol=0.0,
                init="latinhypercube",
                workers=1,
                updating="immediate",
            )
        while obj.n < budget:  # whatever is left: uniform points
            obj(rng.random(d))
    except _Stop:
        pass
    return _result(obj, start, "falsifier")


def random_search(
    space: SearchSpace, *, budget: int = 200, seed: int = 0, stop_at_first: bool = True
) -> SearchResult:
    """The baseline: ``budget`` uniform random instances of the box (no starts, no optimiser).

    Examples
    --------
    >>> s = SearchSpace([Parameter("x", -2.0, 2.0)], lambda p: p["x"] ** 2 - 3.0)
    >>> random_search(s, budget=50, seed=0).found
    True
    """
    _check(space, budget)
    start = time.perf_counter()
    rng = np.random.default_rng(seed)
    obj = _Objective(space, int(budget), None, stop_at_first)
    try:
        while True:
            obj(rng.random(space.dim))
    except _Stop:
        pass
    return _result(obj, start, "random")


def merge_search(out: CheckOutcome, found: SearchResult) -> CheckOutcome:
    """Fold a search result into a check's outcome.

    The search's excess over its own tolerance is put on the check's scale
    (``out.tolerance + best - space tolerance``); when it is the worst, the witness becomes
    the counterexample. Margins combine by taking the smaller (the tighter instance set).
    """
    shifted = float(out.tolerance) + (found.best_violation - found.tolerance)
    margin = out.margin
    if found.margin is not None:
        margin = found.margin if margin is None else min(margin, found.margin)
    spaces = [*(out.search or {}).get("spaces", []), found.to_dict()]
    summary = {
        "found": any(sp["found"] for sp in spaces),
        "evaluations": sum(sp["evaluations"] for sp in spaces),
        "spaces": spaces,
    }
    worst, ce = float(out.worst_violation), out.counterexample
    if not math.isnan(worst) and shifted > worst:
        worst, ce = shifted, {"search": found.name, **found.witness}
    note = (
        f"search: {'counterexample' if found.found else 'none'} in {found.evaluations} evaluations"
    )
    return replace(
        out,
        worst_violation=worst,
        counterexample=ce,
        cases=int(out.cases) + found.evaluations,
        margin=margin,
        search=summary,
        message=f"{out.message}; {note}" if out.message else note,
    )


def evaluate_cases(space: SearchSpace, rng: np.random.Generator, n_random: int, worst: Any) -> None:
    """Evaluate the space's starts and ``n_random`` uniform instances into ``worst``.

    ``worst`` is a :class:`boundkit.claims._worst.WorstCase`: each instance is recorded with its
    violation put on the scale "0 means at the tolerance" (violation minus the space's
    tolerance), and, for tightness spaces, its tightness. This is how the plain checks (no
    search budget) use the near-tight instances of their family.
    """
    points = [space.unit(s) for s in space.starts] + list(rng.random((n_random, space.dim)))
    for i, z in enumerate(points):
        params = space.point(z)
        v = float(space.violation(params))
        where = {"family": space.name, "start" if i < len(space.starts) else "random": i, **params}
        worst.record(v - space.tolerance, where)
        if space.tightness and not math.isnan(v):
            worst.tightness(v + 1.0, where)
