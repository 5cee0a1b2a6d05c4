r"""Generalisation bounds of the refined model (THEORY C6, C7, C10, C11), itemised, and the
classic concentration / PAC-Bayes calculators with safe-side inversions.

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
)
from boundkit.bounds._concentration import (
    bernstein_deviation,
    bernstein_sample_size,
    empirical_bernstein_deviation,
    empirical_bernstein_sample_size,
    hoeffding_deviation,
    hoeffding_sample_size,
    kl_bernoulli,
    kl_inverse_lower,
    kl_inverse_upper,
    mcallester_sample_size,
    mcdiarmid_deviation,
    pac_bayes_catoni,
    pac_bayes_kl,
    pac_bayes_mcallester,
)
from boundkit.bounds._curvature_profile import (
    CurvatureProfile,
    certified_curvature_profile,
    gaussian_quadratic_curvature_profile,
)
from boundkit.bounds._fast_rate import (
    FastRateConstants,
    FastRateResult,
    active_rate_function,
    curvature_profile,
    fast_rate_bound,
    fast_rate_constants,
    fast_rate_function,
    localisation_limit,
)
from boundkit.bounds._formulas import (
    CLAIMS,
    HIGH_PROBABILITY,
    HOEFFDING_EXPONENT,
    bound_terms,
    c7_pointwise_rhs,
    check_n_delta,
    deviation_term,
    hoeffding_term,
    log_inverse_delta,
    rademacher_multiplier,
    sum_terms,
    uniform_deviation,
)
from boundkit.bounds._holdout import HOLDOUT_METHODS, HoldoutCertificate, holdout_certificate
from boundkit.bounds._norm_moments import (
    NormMoments,
    gaussian_quadratic_norm_moments,
    mean_norm_moments,
)
from boundkit.bounds._profile_bound import (
    ProfileFastRate,
    moment_deviation,
    moment_envelope_bound,
    profile_fast_rate_bound,
)

__all__ = [
    "CurvatureProfile",
    "NormMoments",
    "ProfileFastRate",
    "certified_curvature_profile",
    "gaussian_quadratic_curvature_profile",
    "gaussian_quadratic_norm_moments",
    "mean_norm_moments",
    "moment_deviation",
    "moment_envelope_bound",
    "profile_fast_rate_bound",
    "CLAIMS",
    "FastRateConstants",
    "FastRateResult",
    "HOLDOUT_METHODS",
    "HoldoutCertificate",
    "active_rate_function",
    "bernstein_deviation",
    "bernstein_sample_size",
    "curvature_profile",
    "empirical_bernstein_deviation",
    "empirical_bernstein_sample_size",
    "fast_rate_bound",
    "fast_rate_constants",
    "fast_rate_function",
    "localisation_limit",
    "hoeffding_deviation",
    "holdout_certificate",
    "hoeffding_sample_size",
    "kl_bernoulli",
    "kl_inverse_lower",
    "kl_inverse_upper",
    "mcallester_sample_size",
    "mcdiarmid_deviation",
    "pac_bayes_catoni",
    "pac_bayes_kl",
    "pac_bayes_mcallester",
    "HIGH_PROBABILITY",
    "BoundResult",
    "bound",
    "bound_terms",
    "c7_pointwise_rhs",
    "check_n_delta",
    "check_population",
    "deviation_term",
    "HOEFFDING_EXPONENT",
    "hoeffding_term",
    "generator_name",
    "log_inverse_delta",
    "rademacher_multiplier",
    "sum_terms",
    "uniform_deviation",
]
