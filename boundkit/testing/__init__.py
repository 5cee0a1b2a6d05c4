r"""Hypothesis strategies for property-testing claims about f-divergences and refinements.

Strategies for generators (catalogue, random :math:`\alpha`, positive combinations, which are
still valid generators), pairs of finite distributions with controllable support overlap
(including :math:`P \not\ll Q`), discriminator values and classes, seeds and samples. hypothesis
is imported only when a strategy is made, so ``import boundkit.testing`` is cheap. :func:`targeted`
wraps any strategy with ``hypothesis.target`` so that property tests search for violations, and
:func:`boundkit.claims.property_claim` registers a property as a numeric claim. See
``docs/testing.md`` for a ten-line property test of a duality claim.

Examples
--------
>>> from boundkit.testing import finite_pairs
>>> strategy = finite_pairs(max_atoms=4, p_ll_q=False)  # a hypothesis SearchStrategy
"""

from boundkit.testing._strategies import (
    FAST_GENERATORS,
    alpha_generators,
    alphas,
    discriminator_classes,
    finite_classes,
    finite_pairs,
    generator_names,
    generators,
    h_values,
    linear_classes,
    positive_combinations,
    relu_networks,
    rkhs_balls,
    samples,
    seeds,
    targeted,
)

__all__ = [
    "FAST_GENERATORS",
    "alpha_generators",
    "alphas",
    "discriminator_classes",
    "finite_classes",
    "finite_pairs",
    "generator_names",
    "generators",
    "h_values",
    "linear_classes",
    "positive_combinations",
    "relu_networks",
    "rkhs_balls",
    "samples",
    "seeds",
    "targeted",
]
