r"""Claims of the theory (C1-C9 and users' own) and the machinery that checks them.

Every claim of the theory is an object with an identifier, a statement (plain text and LaTeX),
its hypotheses and checks at up to four levels (``symbolic``, ``certified``, ``numeric``,
``simulation``).
:func:`verify` runs them and returns one :class:`CheckRecord` per (claim, level); a user adds a
claim with the :func:`claim` decorator (on a function or a small class) and the same machinery
checks it. Claims shipped false on purpose (``X1``-``X6``) must fail; with a search budget
(``verify(search=N)``, ``boundkit verify --search``) a falsifier hunts for counterexamples, and
inequality records carry a *margin* (how much of the bound the instances never needed).

Examples
--------
>>> from boundkit.claims import registry
>>> "X1-optimistic-refinement" in registry()
True
"""

from boundkit.claims._falsifier import Parameter, SearchResult, SearchSpace, falsify
from boundkit.claims._plugins import load_plugin, plugin_module
from boundkit.claims._properties import property_claim
from boundkit.claims._records import (
    LEVELS,
    WEAK_MARGIN,
    CheckOutcome,
    CheckRecord,
    record_from_dict,
)
from boundkit.claims._registry import (
    Claim,
    builtin_load_errors,
    claim,
    get_claim,
    register,
    register_search,
    registry,
    unchecked_claims,
    unregister,
)
from boundkit.claims._report import (
    records_to_json,
    render_claims,
    render_markdown,
    render_table,
    summary_line,
)
from boundkit.claims._runner import exit_status, plan, rerun, run_check, verify

__all__ = [
    "LEVELS",
    "WEAK_MARGIN",
    "CheckOutcome",
    "CheckRecord",
    "Claim",
    "Parameter",
    "SearchResult",
    "SearchSpace",
    "builtin_load_errors",
    "claim",
    "exit_status",
    "falsify",
    "get_claim",
    "load_plugin",
    "plugin_module",
    "plan",
    "property_claim",
    "record_from_dict",
    "records_to_json",
    "register",
    "register_search",
    "registry",
    "render_claims",
    "render_markdown",
    "render_table",
    "rerun",
    "run_check",
    "summary_line",
    "unchecked_claims",
    "unregister",
    "verify",
]
