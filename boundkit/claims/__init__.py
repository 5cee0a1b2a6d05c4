"""Claims of the theory (C1-C9 and users' own) and the machinery that checks them."""

from boundkit.claims._registry import (
    LEVELS,
    CheckOutcome,
    CheckRecord,
    Claim,
    claim,
    get_claim,
    register,
    registry,
    run_check,
    unregister,
    verify,
)

__all__ = [
    "LEVELS",
    "CheckOutcome",
    "CheckRecord",
    "Claim",
    "claim",
    "get_claim",
    "register",
    "registry",
    "run_check",
    "unregister",
    "verify",
]
