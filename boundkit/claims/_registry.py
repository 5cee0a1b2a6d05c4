r"""The claims registry: claims of the theory as objects that can be checked.

A *claim* has an identifier (``"C5"``, ``"C6b"``, or a user's own), a statement in plain text and
in LaTeX, its hypotheses, and one check per *level*:

``symbolic``
    sympy proves the identity or inequality (or reduces it to a stated fact);
``certified``
    exact rational instances evaluated in ball arithmetic (python-flint): a pass holds with
    rigorous error bounds, not within a float tolerance;
``numeric``
    exact computation on generated instances, compared to a tolerance;
``simulation``
    Monte Carlo against a bound, with a controlled false-alarm rate.

A check is a function ``check(*, quick: bool, rng: numpy.random.Generator) -> CheckOutcome``.
A claim may also carry a *search space* (:class:`boundkit.claims.SearchSpace`) that the falsifier
explores when ``verify`` runs with a search budget. Running checks is :mod:`._runner`'s job,
importing plugins :mod:`._plugins`'s.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import sys
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from boundkit._errors import BoundkitError
from boundkit.claims._records import LEVELS, CheckOutcome, CheckRecord, Status

__all__ = [
    "LEVELS",
    "Claim",
    "CheckOutcome",
    "CheckRecord",
    "claim",
    "register",
    "register_search",
    "unregister",
    "registry",
    "get_claim",
    "builtin_load_errors",
    "unchecked_claims",
]

CheckFn = Callable[..., CheckOutcome]


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
    searches: dict[str, Any] = field(default_factory=dict)

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

    A module that raises (anything, including a syntax error or ``SystemExit``) is recorded in
    the load errors and registered as a failing claim ``import:<module>``; the others are still
    imported.
    Returns the names of the modules that failed.
    """
    failed = []
    for info in sorted(pkgutil.iter_modules(list(paths)), key=lambda m: m.name):
        if not info.name.startswith(prefix):
            continue
        modname = f"{package}.{info.name}"
        try:
            importlib.import_module(modname)
        except KeyboardInterrupt:
            raise
        except BaseException as exc:  # noqa: BLE001 - SystemExit too: reported as a failing claim
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


def register_search(claim_id: str, level: str, space: Any) -> None:
    """Attach a falsifier search space to the ``level`` check of a registered claim.

    Parameters
    ----------
    claim_id : str
        A registered claim.
    level : str
        One of its levels; ``verify(..., search=budget)`` runs the falsifier over ``space``
        after that check and merges the worst witness into its record.
    space : SearchSpace
        See :class:`boundkit.claims.SearchSpace`. A check may carry several spaces; each gets
        the whole budget.

    Raises
    ------
    BoundkitError
        For an unknown claim or a level the claim has no check at.
    """
    c = get_claim(claim_id)
    if level not in c.checks:
        raise BoundkitError(f"claim {claim_id} has no {level} check to attach a search to")
    c.searches.setdefault(level, []).append(space)
