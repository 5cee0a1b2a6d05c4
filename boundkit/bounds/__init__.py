r"""Generalisation bounds of the refined model (THEORY C6, C7), with itemised terms.

:func:`bound` evaluates C6(a)/(b)/(c) (KL) or C7 (any f) from the population term, the
Rademacher complexity and, for the high-probability bounds, the range :math:`[a, b]` of the
class. :func:`bound_terms` is the one implementation of the bound arithmetic (vectorised): the
simulation harness and the figures compute every bound column with it. The toys of
:mod:`boundkit.simulation` supply exact population terms
(:func:`boundkit.simulation.toy_bound`).
"""

from boundkit.bounds._bound import (
    BoundResult,
    bound,
    check_population,
    generator_name,
    is_kl_generator,
)
from boundkit.bounds._formulas import (
    CLAIMS,
    HIGH_PROBABILITY,
    bound_terms,
    c7_pointwise_rhs,
    check_n_delta,
    deviation_term,
    log_inverse_delta,
    rademacher_multiplier,
    sum_terms,
)

__all__ = [
    "CLAIMS",
    "HIGH_PROBABILITY",
    "BoundResult",
    "bound",
    "bound_terms",
    "c7_pointwise_rhs",
    "check_n_delta",
    "check_population",
    "deviation_term",
    "generator_name",
    "is_kl_generator",
    "log_inverse_delta",
    "rademacher_multiplier",
    "sum_terms",
]
