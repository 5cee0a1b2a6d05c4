r"""Generalisation bounds of the refined model (THEORY C6, C7), with itemised terms.

:func:`bound` evaluates C6(a)/(b)/(c) (KL) or C7 (any f) from the population term, the
Rademacher complexity and, for the high-probability bounds, the range :math:`[a, b]` of the
class. The toys of :mod:`boundkit.simulation` supply exact population terms
(:func:`boundkit.simulation.toy_bound`).
"""

from boundkit.bounds._bound import BoundResult, bound, generator_name
from boundkit.bounds._formulas import (
    CLAIMS,
    HIGH_PROBABILITY,
    check_n_delta,
    deviation_term,
    rademacher_multiplier,
)

__all__ = [
    "CLAIMS",
    "HIGH_PROBABILITY",
    "BoundResult",
    "bound",
    "check_n_delta",
    "deviation_term",
    "generator_name",
    "rademacher_multiplier",
]
