r"""Claims of the theory (C1-C9 and users' own) and the machinery that checks them.

Every claim of the theory is an object with an identifier, a statement (plain text and LaTeX),
its hypotheses and checks at up to three levels (``symbolic``, ``numeric``, ``simulation``).
:func:`verify` runs them and returns one :class:`CheckRecord` per (claim, level); a user adds a
claim with the :func:`claim` decorator (on a function or a small class) and the same machinery
checks it. ``X1-optimistic-refinement`` is a false claim shipped on purpose: it must fail.

Examples
--------
>>> from boundkit.claims import registry
>>> "X1-optimistic-refinement" in registry()
True
"""

from boundkit.claims._registry import (
    LEVELS,
    CheckOutcome,
    CheckRecord,
    Claim,
    builtin_load_errors,
    claim,
    exit_status,
    get_claim,
    load_plugin,
    plan,
    register,
    registry,
    rerun,
    run_check,
    unchecked_claims,
    unregister,
    verify,
)
from boundkit.claims._report import records_to_json, render_markdown, render_table

__all__ = [
    "LEVELS",
    "CheckOutcome",
    "CheckRecord",
    "Claim",
    "builtin_load_errors",
    "claim",
    "exit_status",
    "get_claim",
    "load_plugin",
    "plan",
    "records_to_json",
    "register",
    "registry",
    "render_markdown",
    "render_table",
    "rerun",
    "run_check",
    "unchecked_claims",
    "unregister",
    "verify",
]
