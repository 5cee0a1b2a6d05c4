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
import importlib.util
import inspect
import os
import pkgutil
import sys
import time
import traceback
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
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
    "rerun",
    "verify",
    "plan",
    "exit_status",
    "load_plugin",
    "builtin_load_errors",
    "unchecked_claims",
]

Level = Literal["symbolic", "numeric", "simulation"]
Status = Literal["pass", "fail", "inconclusive"]
LEVELS: tuple[str, ...] = ("symbolic", "numeric", "simulation")
STATUSES: tuple[str, ...] = ("pass", "fail", "inconclusive")
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
        The seed of the check's generator: :func:`rerun` replays the check from it, so the
        counterexample can be regenerated.
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
    sources: dict[str, str] = field(default_factory=dict)

    def levels(self) -> tuple[str, ...]:
        """The levels at which this claim has a check, in canonical order."""
        return tuple(lv for lv in LEVELS if lv in self.checks)

    def to_dict(self) -> dict[str, Any]:
        """Describe the claim (without its checks) as a JSON-serialisable dictionary."""
        return {
            "claim": self.id,
            "statement": self.statement,
            "latex": self.latex,
            "hypotheses": list(self.hypotheses),
            "levels": list(self.levels()),
            "builtin": self.builtin,
            "expected": self.expected,
        }


_REGISTRY: dict[str, Claim] = {}
_BUILTINS_LOADED = False
_LOAD_ERRORS: dict[str, str] = {}
_RECORDING: list[str] | None = None  # claim IDs registered while a plugin is imported
_PLUGIN_OF: dict[str, str] = {}  # claim ID -> plugin that registered it (for parallel workers)
_IN_WORKER = False  # True in a parallel worker: re-registering a slot replaces it silently


def _load_builtins() -> None:
    """Import every ``boundkit.claims._builtin_*`` module (each registers its claims).

    A module that fails to import does not stop the others: it is registered as a claim
    ``import:<module>`` whose only check fails with the import error, so that the breakage is
    reported by ``verify`` (loudly) instead of hiding every other claim.
    """
    global _BUILTINS_LOADED
    if _BUILTINS_LOADED:
        return
    _BUILTINS_LOADED = True
    import boundkit.claims as pkg

    _import_modules(pkg.__path__, "boundkit.claims", "_builtin_")


def _import_modules(paths: Iterable[str], package: str, prefix: str) -> list[str]:
    """Import the modules ``package.<prefix>*`` found in ``paths``, in name order.

    A module that raises (anything, including a syntax error) is recorded in the load errors
    and registered as a failing claim ``import:<module>``; the others are still imported.
    Returns the names of the modules that failed.
    """
    failed = []
    for info in sorted(pkgutil.iter_modules(list(paths)), key=lambda m: m.name):
        if not info.name.startswith(prefix):
            continue
        modname = f"{package}.{info.name}"
        try:
            importlib.import_module(modname)
        except Exception as exc:  # noqa: BLE001 - reported as a failing claim
            sys.modules.pop(modname, None)
            msg = f"importing {modname} raised {type(exc).__name__}: {exc}"
            _LOAD_ERRORS[modname] = msg + "\n" + traceback.format_exc()
            _register_import_failure(info.name, msg)
            failed.append(modname)
    return failed


def _register_import_failure(name: str, msg: str) -> None:
    def check(*, quick: bool, rng: np.random.Generator) -> CheckOutcome:
        raise ImportError(msg)

    register(
        f"import:{name}",
        "numeric",
        check,
        statement=f"The built-in claims module {name} imports.",
        builtin=True,
        replace=True,
    )


def builtin_load_errors() -> dict[str, str]:
    """Built-in claim modules that failed to import, with their tracebacks.

    Returns
    -------
    dict
        Module name to error text (empty when every built-in module imported).
    """
    _load_builtins()
    return dict(_LOAD_ERRORS)


def unchecked_claims() -> list[str]:
    """Identifiers of the theory's claims (C1-C9 and sub-items) that have no check registered.

    Returns
    -------
    list of str
        In statement-table order; empty when every claim of the theory has a check.
    """
    from boundkit.claims._statements import STATEMENTS

    reg = registry()
    return [cid for cid in STATEMENTS if cid not in reg or not reg[cid].checks]


def _source_of(fn: Callable[..., Any]) -> str:
    mod = getattr(fn, "__module__", None) or "?"
    qual = getattr(fn, "__qualname__", None) or getattr(fn, "__name__", None) or repr(fn)
    return f"{mod}.{qual}"


def _parent_id(claim_id: str) -> str:
    """``"C9"`` for sub-items such as ``"C9a"`` or ``"C9-linear"`` of a theory claim."""
    if claim_id[:1] != "C" or not claim_id[1:2].isdigit():
        return ""
    digits = ""
    for ch in claim_id[1:]:
        if not ch.isdigit():
            break
        digits += ch
    return f"C{digits}"


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
    replace: bool = False,
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
        The claim in words and in LaTeX (needed the first time the claim is registered;
        filled in from boundkit's statement table for the theory's identifiers and their
        sub-items, e.g. ``"C9a"`` gets the statement of ``"C9"``).
    hypotheses : iterable of str
        The assumptions under which the claim is stated.
    builtin : bool
        True for boundkit's own claims.
    expected : {"pass", "fail"}
        What the check is expected to report; ``"fail"`` marks a false claim shipped (or
        registered by a user) to show that checks can fail.
    replace : bool
        Allow replacing an existing check of the same claim and level by a different function.

    Returns
    -------
    Claim
        The (possibly pre-existing) claim with the new check attached.

    Raises
    ------
    BoundkitError
        For an unknown level, an empty identifier, a claim without a statement, an
        ``expected`` other than pass/fail, or a second, different check for the same slot
        (unless ``replace=True``).
    """
    if level not in LEVELS:
        raise BoundkitError(f"unknown level {level!r}: expected one of {', '.join(LEVELS)}")
    if not claim_id or not isinstance(claim_id, str):
        raise BoundkitError("a claim needs a non-empty string identifier")
    if expected not in ("pass", "fail"):
        raise BoundkitError(f"expected must be 'pass' or 'fail', got {expected!r}")
    if not callable(check):
        raise BoundkitError(f"the {level} check of {claim_id} is not callable")
    if getattr(check, "__module__", "").startswith("boundkit.claims._builtin_"):
        builtin = True
    if not builtin:
        # user claims go after the built-ins, so that a clash is detected now, not later
        _load_builtins()
    if _RECORDING is not None:
        _RECORDING.append(claim_id)
    from boundkit.claims._statements import STATEMENTS

    text = STATEMENTS.get(claim_id) or STATEMENTS.get(_parent_id(claim_id))
    if text is not None:
        statement = statement or text.statement
        latex = latex or text.latex
        hypotheses = tuple(hypotheses) or text.hypotheses
    existing = _REGISTRY.get(claim_id)
    if existing is None:
        if not statement and builtin:
            # a built-in check of an identifier missing from the statement table: keep the
            # check (and say so) rather than lose the whole module
            statement = f"{claim_id} (no statement in boundkit/claims/_statements.py)"
        if not statement:
            raise BoundkitError(f"claim {claim_id!r} needs a statement (plain text)")
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
        if level in existing.checks and not (replace or _IN_WORKER):
            old, new = existing.sources.get(level, "?"), _source_of(check)
            if old != new:
                raise BoundkitError(
                    f"claim {claim_id} already has a {level} check ({old}); "
                    "pass replace=True to replace it"
                )
    existing.checks[level] = check
    existing.sources[level] = _source_of(check)
    return existing


def claim(
    claim_id: str,
    *,
    level: str | None = None,
    statement: str = "",
    latex: str = "",
    hypotheses: Iterable[str] = (),
    builtin: bool = False,
    expected: Status = "pass",
    replace: bool = False,
) -> Callable[[Any], Any]:
    """Decorator form of :func:`register`, for a check function or a small claim class.

    On a function, ``level`` is required. On a class, each method named after a level
    (``symbolic``, ``numeric``, ``simulation``) becomes that level's check, and the class
    attributes ``statement``, ``latex``, ``hypotheses`` and ``expected`` are used when the
    decorator does not give them. The class is instantiated once, without arguments.

    Examples
    --------
    A function:

    >>> from boundkit.claims import claim, CheckOutcome, verify, unregister
    >>> @claim("demo-square", level="numeric", statement="x^2 >= 0 for real x")
    ... def _check(*, quick, rng):
    ...     x = rng.normal(size=100)
    ...     return CheckOutcome(worst_violation=float(max(-(x**2))), tolerance=0.0, cases=100)
    >>> [r.status for r in verify(claims=["demo-square"])]
    ['pass']
    >>> unregister("demo-square")

    A small class with two levels:

    >>> @claim("demo-amgm")
    ... class AmGm:
    ...     statement = "(a + b) / 2 >= sqrt(a b) for a, b >= 0"
    ...     def numeric(self, *, quick, rng):
    ...         a, b = rng.uniform(0, 10, size=(2, 50))
    ...         gap = (a * b) ** 0.5 - (a + b) / 2
    ...         return CheckOutcome(float(gap.max()), 1e-12, 50)
    ...     def symbolic(self, *, quick, rng):
    ...         import sympy as sp
    ...         a, b = sp.symbols("a b", nonnegative=True)
    ...         diff = sp.factor((a + b) / 2 - sp.sqrt(a * b))  # = (sqrt a - sqrt b)^2 / 2
    ...         ok = sp.simplify(diff - (sp.sqrt(a) - sp.sqrt(b)) ** 2 / 2) == 0
    ...         return CheckOutcome(0.0 if ok else 1.0, 0.0, 1)
    >>> [(r.level, r.status) for r in verify(claims=["demo-amgm"])]
    [('symbolic', 'pass'), ('numeric', 'pass')]
    >>> unregister("demo-amgm")
    """

    def deco(obj: Any) -> Any:
        if inspect.isclass(obj):
            instance = obj()
            methods = [lv for lv in LEVELS if callable(getattr(instance, lv, None))]
            if level is not None:
                raise BoundkitError(
                    "on a class, do not pass level=: name the methods after the levels"
                )
            if not methods:
                raise BoundkitError(
                    f"claim class {obj.__name__} defines none of the methods {', '.join(LEVELS)}"
                )
            for lv in methods:
                register(
                    claim_id,
                    lv,
                    getattr(instance, lv),
                    statement=statement or getattr(obj, "statement", ""),
                    latex=latex or getattr(obj, "latex", ""),
                    hypotheses=tuple(hypotheses) or tuple(getattr(obj, "hypotheses", ())),
                    builtin=builtin,
                    expected=expected if expected != "pass" else getattr(obj, "expected", "pass"),
                    replace=replace,
                )
            return obj
        if level is None:
            raise BoundkitError(f"@claim({claim_id!r}) on a function needs level=")
        register(
            claim_id,
            level,
            obj,
            statement=statement,
            latex=latex,
            hypotheses=hypotheses,
            builtin=builtin,
            expected=expected,
            replace=replace,
        )
        return obj

    return deco


def unregister(claim_id: str) -> None:
    """Remove a claim (and all its checks) from the registry."""
    _load_builtins()
    if claim_id not in _REGISTRY:
        raise BoundkitError(f"no claim {claim_id!r} is registered")
    del _REGISTRY[claim_id]


def registry() -> dict[str, Claim]:
    """All registered claims (built-in ones loaded on first call), in identifier order.

    Built-in theory claims (C1, C2, ..., C6a, ...) come first in numeric order, then the other
    identifiers alphabetically.
    """
    _load_builtins()
    return dict(sorted(_REGISTRY.items(), key=lambda kv: _sort_key(kv[0])))


def _sort_key(claim_id: str) -> tuple[int, int, str]:
    if claim_id[:1] == "C" and claim_id[1:2].isdigit():
        digits = ""
        for ch in claim_id[1:]:
            if not ch.isdigit():
                break
            digits += ch
        return (0, int(digits), claim_id)
    return (1, 0, claim_id)


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


def run_check(
    claim_obj: Claim,
    level: str,
    *,
    quick: bool = False,
    seed: int = 0,
    check_seed: int | None = None,
) -> CheckRecord:
    """Run one check of one claim and return its :class:`CheckRecord`.

    Parameters
    ----------
    claim_obj : Claim
        The claim (see :func:`get_claim`).
    level : str
        One of the claim's levels.
    quick : bool
        Quick (CI) settings.
    seed : int
        Root seed; the check's own seed is derived from it and the (claim, level) pair.
    check_seed : int, optional
        Use this seed for the check's generator directly (the ``seed`` of a record).

    Returns
    -------
    CheckRecord
        An exception inside the check is reported as status ``"fail"`` with the exception text
        as message (a check that crashes must not look like a pass).
    """
    if level not in claim_obj.checks:
        raise BoundkitError(f"claim {claim_obj.id} has no {level} check")
    if check_seed is None:
        check_seed = _claim_seed(claim_obj.id, level, seed)
    rng = np.random.default_rng(check_seed)
    common = dict(
        claim=claim_obj.id,
        level=level,
        seed=int(check_seed),
        expected=claim_obj.expected,
        quick=bool(quick),
    )
    start = time.perf_counter()
    try:
        out = claim_obj.checks[level](quick=quick, rng=rng)
    except Exception as exc:  # noqa: BLE001 - reported, never swallowed
        elapsed = time.perf_counter() - start
        return CheckRecord(
            status="fail",
            worst_violation=float("inf"),
            tolerance=0.0,
            cases=0,
            elapsed=elapsed,
            message=f"check raised {type(exc).__name__}: {exc}",
            **common,  # type: ignore[arg-type]
        )
    elapsed = time.perf_counter() - start
    if isinstance(out, CheckRecord):
        return replace(out, elapsed=elapsed, **common)  # type: ignore[arg-type]
    if not isinstance(out, CheckOutcome):
        return CheckRecord(
            status="fail",
            worst_violation=float("inf"),
            tolerance=0.0,
            cases=0,
            elapsed=elapsed,
            message=f"check returned {type(out).__name__}, expected CheckOutcome",
            **common,  # type: ignore[arg-type]
        )
    worst = float(out.worst_violation)
    tol = float(out.tolerance)
    if out.status is not None:
        if out.status not in STATUSES:
            status = "fail"
        else:
            status = out.status
    elif np.isnan(worst) or np.isnan(tol):
        status = "fail"
    else:
        status = "pass" if worst <= tol else "fail"
    return CheckRecord(
        status=status,
        worst_violation=worst,
        tolerance=tol,
        cases=int(out.cases),
        elapsed=elapsed,
        counterexample=out.counterexample if status == "fail" else None,
        message=out.message,
        **common,  # type: ignore[arg-type]
    )


def rerun(record: CheckRecord) -> CheckRecord:
    """Run the check behind ``record`` again, from the record's own seed and settings.

    Parameters
    ----------
    record : CheckRecord
        A record produced by :func:`verify` or :func:`run_check`.

    Returns
    -------
    CheckRecord
        The fresh record; for a deterministic check it reports the same status, worst violation
        and counterexample (this is how a counterexample is reproduced).
    """
    return run_check(
        get_claim(record.claim), record.level, quick=record.quick, check_seed=record.seed
    )


def verify(
    claims: Iterable[str] | None = None,
    levels: Iterable[str] | None = None,
    *,
    quick: bool = False,
    seed: int = 0,
    include_expected_failures: bool = True,
    progress: Callable[[str], None] | None = None,
    on_record: Callable[[CheckRecord], None] | None = None,
    n_jobs: int = 1,
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
        Whether to run claims shipped as known-false examples (when ``claims`` is omitted).
    progress : callable, optional
        Called with ``"claim/level"`` before each check.
    on_record : callable, optional
        Called with each record as soon as it is available (in order).
    n_jobs : int
        Number of worker processes (joblib; ``-1`` for all cores). Every check gets the same
        seed whatever ``n_jobs`` is, so the records do not depend on it (except ``elapsed``).
        Workers see the built-in claims and the plugins loaded with :func:`load_plugin`; a
        check registered any other way (e.g. in an interactive session) runs in this process.

    Returns
    -------
    list of CheckRecord
        One record per (claim, level) run: claims in the order given (registry order when
        omitted), levels in canonical order.
    """
    todo = plan(claims, levels, include_expected_failures=include_expected_failures)
    if n_jobs == 0:
        raise BoundkitError("n_jobs must be a positive integer or -1, got 0")
    # records computed by worker processes, in task order; None: run the check here
    done: Iterable[CheckRecord | None] = (
        _worker_records(todo, quick, seed, n_jobs)
        if n_jobs != 1 and len(todo) > 1
        else [None] * len(todo)
    )
    records = []
    for (cid, c, level), rec in zip(todo, done, strict=True):
        if progress is not None:
            progress(f"{cid}/{level}")
        if rec is None:  # serial run, or a check the workers cannot see
            rec = run_check(c, level, quick=quick, seed=seed)
        if on_record is not None:
            on_record(rec)
        records.append(rec)
    return records


def _run_in_worker(
    cid: str, level: str, source: str, plugin: str | None, quick: bool, seed: int
) -> CheckRecord | None:
    """Run one check in a worker process; None when the worker does not have the same check."""
    global _IN_WORKER
    _IN_WORKER = True
    reg = registry()
    if (cid not in reg or reg[cid].sources.get(level) != source) and plugin is not None:
        try:
            load_plugin(plugin)
        except BoundkitError:
            return None
        reg = registry()
    c = reg.get(cid)
    if c is None or c.sources.get(level) != source:
        return None
    return run_check(c, level, quick=quick, seed=seed)


def _worker_records(
    todo: list[tuple[str, Claim, str]], quick: bool, seed: int, n_jobs: int
) -> Iterable[CheckRecord | None]:
    """The checks of ``todo`` run by joblib workers, yielded in task order as they finish."""
    from joblib import Parallel, delayed

    tasks = (
        delayed(_run_in_worker)(
            cid, level, c.sources.get(level, "?"), _PLUGIN_OF.get(cid), quick, seed
        )
        for cid, c, level in todo
    )
    return Parallel(n_jobs=n_jobs, return_as="generator")(tasks)


def plan(
    claims: Iterable[str] | None = None,
    levels: Iterable[str] | None = None,
    *,
    include_expected_failures: bool = True,
) -> list[tuple[str, Claim, str]]:
    """The (claim id, claim, level) triples :func:`verify` would run, in order.

    Raises
    ------
    BoundkitError
        For an unknown claim or level.
    """
    reg = registry()
    ids = list(reg) if claims is None else list(dict.fromkeys(claims))
    lv = None if levels is None else list(levels)
    if lv is not None:
        for level in lv:
            if level not in LEVELS:
                raise BoundkitError(f"unknown level {level!r}: expected one of {', '.join(LEVELS)}")
    out = []
    for cid in ids:
        c = get_claim(cid)
        if claims is None and not include_expected_failures and c.expected == "fail":
            continue
        for level in c.levels():
            if lv is not None and level not in lv:
                continue
            out.append((cid, c, level))
    return out


def exit_status(records: Iterable[CheckRecord]) -> int:
    """The ``verify`` exit status: 1 if any record contradicts its expectation, else 0.

    A claim expected to pass that fails, or a claim expected to fail that passes, gives 1;
    ``"inconclusive"`` results and expected failures give 0.
    """
    return 0 if all(r.as_expected for r in records) else 1


def load_plugin(spec: str | os.PathLike[str]) -> list[str]:
    """Import a user's file or module that registers claims; return the new claim IDs.

    Parameters
    ----------
    spec : str or path
        A path to a ``.py`` file, or an importable module name (``mypkg.my_claims``).

    Returns
    -------
    list of str
        Identifiers of the claims the plugin registered checks for, in registration order.

    Raises
    ------
    BoundkitError
        When the file or module does not exist or fails to import.
    """
    global _RECORDING
    _load_builtins()
    text = os.fspath(spec)
    path = Path(text)
    _RECORDING = []
    try:
        if text.endswith(".py") or path.exists():
            if not path.is_file():
                raise BoundkitError(f"plugin file {text!r} does not exist")
            name = "boundkit_plugin_" + "".join(
                ch if ch.isalnum() else "_" for ch in str(path.resolve())
            )
            module_spec = importlib.util.spec_from_file_location(name, path)
            if module_spec is None or module_spec.loader is None:
                raise BoundkitError(f"cannot import plugin file {text!r}")
            module = importlib.util.module_from_spec(module_spec)
            sys.modules[name] = module
            try:
                module_spec.loader.exec_module(module)
            except BaseException:
                sys.modules.pop(name, None)
                raise
        else:
            if importlib.util.find_spec(text) is None:
                raise BoundkitError(f"plugin {text!r} is neither a file nor an importable module")
            if text in sys.modules:
                importlib.reload(sys.modules[text])
            else:
                importlib.import_module(text)
        loaded = str(path.resolve()) if (text.endswith(".py") or path.exists()) else text
        new_ids = list(dict.fromkeys(_RECORDING))
        for cid in new_ids:
            _PLUGIN_OF[cid] = loaded
        return new_ids
    except BoundkitError:
        raise
    except ModuleNotFoundError as exc:
        raise BoundkitError(f"plugin {text!r} could not be imported: {exc}") from exc
    except Exception as exc:
        raise BoundkitError(
            f"plugin {text!r} raised {type(exc).__name__} on import: {exc}"
        ) from exc
    finally:
        _RECORDING = None
