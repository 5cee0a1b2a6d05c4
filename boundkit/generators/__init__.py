r"""Generators of f-divergences, their derived convex conjugates, and the shift functional.

A generator is a convex :math:`f: [0, \infty) \to \mathbb R \cup \{+\infty\}` with
:math:`f(1) = 0`. boundkit derives (never hard-codes) its conjugate over the half-line
:math:`f^*(t) = \sup_{u \ge 0}(tu - f(u))`, the domain of :math:`f^*`, the link
:math:`(f^*)'`, and compiles vectorised numerics for all of them.

Examples
--------
>>> from boundkit.generators import get_generator
>>> g = get_generator("pearson")
>>> g.conjugate_expr
Piecewise((-1, t <= -2), (t*(t + 4)/4, True))
"""

from boundkit.generators._catalogue import (
    ALPHA,
    CatalogueEntry,
    catalogue,
    catalogue_entries,
    get_generator,
)
from boundkit.generators._conjugate_forms import (
    CVXPY_KEYS,
    CvxpyForm,
    cvxpy_form,
    fast_conjugate,
    fast_link,
    gap_conjugate,
    gap_link,
)
from boundkit.generators._derive import Branch, derive_bounded
from boundkit.generators._derive import Derivation as ConjugateDerivation
from boundkit.generators._derive import derive as derive_conjugate
from boundkit.generators._expr import GeneratorCheck, T, U, check_generator, parse_generator
from boundkit.generators._generator import Generator, domain_string
from boundkit.generators._numeric import lambdify_stable, log1mexp
from boundkit.generators._perspective import perspective_divergence, perspective_terms
from boundkit.generators._shift import (
    ShiftFunctional,
    conjugate_domain_end,
    is_kl,
    kl_affine_shift,
    lambda_differentiable,
    log_partition,
    refinement_ratio,
    shift_functional,
)
from boundkit.generators._verify import brute_force_conjugate

__all__ = [
    "ALPHA",
    "CVXPY_KEYS",
    "Branch",
    "CatalogueEntry",
    "ConjugateDerivation",
    "CvxpyForm",
    "Generator",
    "GeneratorCheck",
    "ShiftFunctional",
    "T",
    "U",
    "brute_force_conjugate",
    "catalogue",
    "catalogue_entries",
    "check_generator",
    "conjugate_domain_end",
    "cvxpy_form",
    "derive_conjugate",
    "derive_bounded",
    "domain_string",
    "fast_conjugate",
    "fast_link",
    "gap_conjugate",
    "gap_link",
    "get_generator",
    "is_kl",
    "kl_affine_shift",
    "lambda_differentiable",
    "log_partition",
    "lambdify_stable",
    "log1mexp",
    "parse_generator",
    "perspective_divergence",
    "perspective_terms",
    "refinement_ratio",
    "shift_functional",
]
