"""Exception types shared by every boundkit module."""

from __future__ import annotations

__all__ = ["BoundkitError", "SolverError", "DerivationError"]


class BoundkitError(ValueError):
    """A user-facing error: bad input, an unsupported combination, an invalid generator.

    The CLI prints the message of a :class:`BoundkitError` on one line to stderr and exits
    with status 2, without a traceback.
    """


class SolverError(BoundkitError):
    """A numerical solver did not reach a trustworthy optimum.

    The message names the solver and its status; boundkit never returns the number of a
    failed solve.
    """


class DerivationError(BoundkitError):
    """A symbolic derivation could not be carried out (and no closed form is returned)."""
