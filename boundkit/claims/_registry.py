r"""The claims registry: claims of the theory as objects that can be checked.

A *claim* has an identifier (``"C5"``, ``"C6b"``, or a user's own), a statement in plain text and
in LaTeX, its hypotheses, and one check per *level*:

``symbolic``
    sympy proves the identity or inequality (or reduces it to a stated fact);
``numeric``
    exact computation on generated instances, compared to a tolerance;
``simulation``
    Monte Carlo against a bound, with a controlled false-alarm rate.

A check is a function ``check(*, quick: bool, rng: numpy.random.Generator) -> CheckOutcome``.
The machinery times it, seeds it and turns its outcome into a :class:`CheckRecord`.
"""

from __future__ import annotations

import importlib
import pkgutil
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from boundkit._errors import BoundkitError

__all__ = [
    "LEVELS",
    "Claim",
    "CheckOutcome",
    "CheckRecord",
    "claim",
    "register",
    "unregister",
    "registry",
    "get_claim",
    "run_check",
    "verify",
]

Level = Literal["symbolic", "numeric", "simulation"]
Status = Literal["pass", "fail", "inconclusive"]
LEVELS: tuple[str, ...] = ("symbolic", "numeric", "simulation")
CheckFn = Callable[..., "CheckOutcome"]


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
        default it is derived from ``worst_violation`` and ``tolerance``.
    message : str
        A one-line explanation shown in reports.
    """

    worst_violation: float
    tolerance: float
    cases: int
    counterexample: Mapping[str, Any] | None = None
    status: Status | None = None
    message: str = ""


@dataclass(frozen=True)
class CheckRecord:
    """The result of checking one claim at one level (JSON-ready with :meth:`to_dict`)."""

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

    def to_dict(self) -> dict[str, Any]:
        """Return the record as a JSON-serialisable dictionary (non-finite floats as strings)."""

        def clean(x: Any) -> Any:
            if isinstance(x, float | np.floating):
                x = float(x)
                return x if np.isfinite(x) else str(x)
            if isinstance(x, np.integer):
                return int(x)
            if isinstance(x, np.ndarray):
                return [clean(v) for v in x.tolist()]
            if isinstance(x, Mapping):
                return {str(k): clean(v) for k, v in x.items()}
            if isinstance(x, list | tuple):
                return [clean(v) for v in x]
            return x

        return clean(
            {
                "claim": self.claim,
                "level": self.level,
                "status": self.status,
                "worst_violation": self.worst_violation,
                "tolerance": self.tolerance,
                "cases": self.cases,
                "seed": self.seed,
                "elapsed": self.elapsed,
                "counterexample": self.counterexample,
                "message": self.message,
            }
        )


@dataclass
class Claim:
    """A claim of the theory with its checks, one per level."""

    id: str
    statement: str
    latex: str = ""
    hypotheses: tuple[str, ...] = ()
    checks: dict[str, CheckFn] = field(default_factory=dict)
    builtin: bool = True
    expected: Status = "pass"

    def levels(self) -> tuple[str, ...]:
        """The levels at which this claim has a check, in canonical order."""
        return tuple(lv for lv in LEVELS if lv in self.checks)


_REGISTRY: dict[str, Claim] = {}
_BUILTINS_LOADED = False


def _load_builtins() -> None:
    """Import every ``boundkit.claims._builtin_*`` module (each registers its claims)."""
    global _BUILTINS_LOADED
    if _BUILTINS_LOADED:
        return
    _BUILTINS_LOADED = True
    import boundkit.claims as pkg

    for info in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda m: m.name):
        if info.name.startswith("_builtin_"):
            importlib.import_module(f"boundkit.claims.{info.name}")


def register(
    claim_id: str,
    level: str,
    check: CheckFn,
    *,
    statement: str = "",
    latex: str = "",
    hypotheses: Iterable[str] = (),
    builtin: bool = False,
    expected: Status = "pass",
) -> Claim:
    """Register ``check`` as the ``level`` check of claim ``claim_id``.

    Parameters
    ----------
    claim_id : str
        Identifier, e.g. ``"C5"`` or ``"my-bound"``.
    level : {"symbolic", "numeric", "simulation"}
        The level the check works at.
    check : callable
        ``check(*, quick, rng) -> CheckOutcome``.
    statement, latex : str
        The claim in words and in LaTeX (needed the first time the claim is registered).
    hypotheses : iterable of str
        The assumptions under which the claim is stated.
    builtin : bool
        True for boundkit's own claims.
    expected : {"pass", "fail"}
        What the check is expected to report; ``"fail"`` marks a shipped false claim used to
        show that checks can fail.

    Returns
    -------
    Claim
        The (possibly pre-existing) claim with the new check attached.
    """
    if level not in LEVELS:
        raise BoundkitError(f"unknown level {level!r}: expected one of {', '.join(LEVELS)}")
    if not claim_id or not isinstance(claim_id, str):
        raise BoundkitError("a claim needs a non-empty string identifier")
    from boundkit.claims._statements import STATEMENTS

    if claim_id in STATEMENTS:
        text = STATEMENTS[claim_id]
        statement = statement or text.statement
        latex = latex or text.latex
        hypotheses = tuple(hypotheses) or text.hypotheses
    existing = _REGISTRY.get(claim_id)
    if existing is None:
        existing = Claim(
            id=claim_id,
            statement=statement,
            latex=latex,
            hypotheses=tuple(hypotheses),
            builtin=builtin,
            expected=expected,
        )
        _REGISTRY[claim_id] = existing
    else:
        if statement and not existing.statement:
            existing.statement = statement
        if latex and not existing.latex:
            existing.latex = latex
        if hypotheses and not existing.hypotheses:
            existing.hypotheses = tuple(hypotheses)
    existing.checks[level] = check
    return existing


def claim(
    claim_id: str,
    *,
    level: str,
    statement: str = "",
    latex: str = "",
    hypotheses: Iterable[str] = (),
    builtin: bool = False,
    expected: Status = "pass",
) -> Callable[[CheckFn], CheckFn]:
    """Decorator form of :func:`register`.

    Examples
    --------
    >>> from boundkit.claims import claim, CheckOutcome, verify, unregister
    >>> @claim("demo-square", level="numeric", statement="x^2 >= 0 for real x")
    ... def _check(*, quick, rng):
    ...     x = rng.normal(size=100)
    ...     return CheckOutcome(worst_violation=float(max(-(x**2))), tolerance=0.0, cases=100)
    >>> [r.status for r in verify(claims=["demo-square"])]
    ['pass']
    >>> unregister("demo-square")
    """

    def deco(fn: CheckFn) -> CheckFn:
        register(
            claim_id,
            level,
            fn,
            statement=statement,
            latex=latex,
            hypotheses=hypotheses,
            builtin=builtin,
            expected=expected,
        )
        return fn

    return deco


def unregister(claim_id: str) -> None:
    """Remove a claim (and all its checks) from the registry."""
    _load_builtins()
    if claim_id not in _REGISTRY:
        raise BoundkitError(f"no claim {claim_id!r} is registered")
    del _REGISTRY[claim_id]


def registry() -> dict[str, Claim]:
    """All registered claims (built-in ones loaded on first call), in identifier order."""
    _load_builtins()
    return dict(sorted(_REGISTRY.items(), key=lambda kv: _sort_key(kv[0])))


def _sort_key(claim_id: str) -> tuple[int, str]:
    if claim_id[:1] == "C" and claim_id[1:2].isdigit():
        return (0, claim_id)
    return (1, claim_id)


def get_claim(claim_id: str) -> Claim:
    """Return the claim with this identifier, or raise :class:`BoundkitError`."""
    reg = registry()
    if claim_id in reg:
        return reg[claim_id]
    raise BoundkitError(
        f"unknown claim {claim_id!r}: known claims are {', '.join(reg) or '(none)'}"
    )


def _claim_seed(claim_id: str, level: str, seed: int) -> int:
    """A per-(claim, level) seed derived from the root seed, stable across runs."""
    salt = sum((i + 1) * ord(c) for i, c in enumerate(f"{claim_id}/{level}"))
    return int(np.random.SeedSequence([seed, salt]).generate_state(1)[0])


def run_check(claim_obj: Claim, level: str, *, quick: bool = False, seed: int = 0) -> CheckRecord:
    """Run one check of one claim and return its :class:`CheckRecord`.

    An exception inside the check is reported as status ``"fail"`` with the exception text as
    message (a check that crashes must not look like a pass).
    """
    if level not in claim_obj.checks:
        raise BoundkitError(f"claim {claim_obj.id} has no {level} check")
    check_seed = _claim_seed(claim_obj.id, level, seed)
    rng = np.random.default_rng(check_seed)
    start = time.perf_counter()
    try:
        out = claim_obj.checks[level](quick=quick, rng=rng)
    except Exception as exc:  # noqa: BLE001 - reported, never swallowed
        elapsed = time.perf_counter() - start
        return CheckRecord(
            claim=claim_obj.id,
            level=level,
            status="fail",
            worst_violation=float("inf"),
            tolerance=0.0,
            cases=0,
            seed=check_seed,
            elapsed=elapsed,
            message=f"check raised {type(exc).__name__}: {exc}",
        )
    elapsed = time.perf_counter() - start
    if not isinstance(out, CheckOutcome):
        raise BoundkitError(
            f"check {claim_obj.id}/{level} returned {type(out).__name__}, expected CheckOutcome"
        )
    worst = float(out.worst_violation)
    if out.status is not None:
        status = out.status
    elif np.isnan(worst):
        status = "fail"
    else:
        status = "pass" if worst <= out.tolerance else "fail"
    return CheckRecord(
        claim=claim_obj.id,
        level=level,
        status=status,
        worst_violation=worst,
        tolerance=float(out.tolerance),
        cases=int(out.cases),
        seed=check_seed,
        elapsed=elapsed,
        counterexample=out.counterexample if status == "fail" else None,
        message=out.message,
    )


def verify(
    claims: Iterable[str] | None = None,
    levels: Iterable[str] | None = None,
    *,
    quick: bool = False,
    seed: int = 0,
    include_expected_failures: bool = True,
    progress: Callable[[str], None] | None = None,
) -> list[CheckRecord]:
    """Check claims at the requested levels.

    Parameters
    ----------
    claims : iterable of str, optional
        Claim identifiers; all registered claims when omitted.
    levels : iterable of str, optional
        Levels to run; all levels a claim supports when omitted.
    quick : bool
        Smaller instance counts (CI settings).
    seed : int
        Root seed; each (claim, level) check gets its own derived seed, in the record.
    include_expected_failures : bool
        Whether to run claims shipped as known-false examples.
    progress : callable, optional
        Called with ``"claim/level"`` before each check.

    Returns
    -------
    list of CheckRecord
        One record per (claim, level) run, in registry order.
    """
    reg = registry()
    ids = list(reg) if claims is None else list(claims)
    lv = None if levels is None else list(levels)
    if lv is not None:
        for level in lv:
            if level not in LEVELS:
                raise BoundkitError(
                    f"unknown level {level!r}: expected one of {', '.join(LEVELS)}"
                )
    records = []
    for cid in ids:
        c = get_claim(cid)
        if claims is None and not include_expected_failures and c.expected == "fail":
            continue
        for level in c.levels():
            if lv is not None and level not in lv:
                continue
            if progress is not None:
                progress(f"{cid}/{level}")
            records.append(run_check(c, level, quick=quick, seed=seed))
    return records
