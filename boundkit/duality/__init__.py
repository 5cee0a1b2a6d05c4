r"""Divergences, the restricted divergence and its primal, and the refined model (C2-C5).

- :func:`divergence`: :math:`D_f(P\|Q)` exactly on finite supports, by quadrature on grids, in
  closed form for Gaussian pairs, by Monte Carlo (with a standard error) otherwise;
  :func:`variational_bound`: the NWJ and shifted lower bounds at a discriminator.
- :func:`restricted_divergence` (dual) and :func:`primal` (inf-convolution) on finite
  supports, by cvxpy (:data:`CVXPY_GENERATORS`) or scipy, with :func:`duality_report` putting
  every identity of C4 side by side.
- :func:`ipm`: :math:`\mathrm{IPM}_{\mathcal H}(P, Q)` of any class, exact or a certified bracket.
- :func:`refine`: the refined model :math:`Q_h`, :math:`dQ_h/dQ = (f^*)'(h - \nu_h)`, as a
  distribution.
"""

from boundkit.duality._common import KnownForm, identify_generator, lambda_finite
from boundkit.duality._divergence import (
    DivergenceResult,
    VariationalBound,
    check_density_ratios,
    divergence,
    divergence_from_weights,
    gaussian_closed_form_available,
    gaussian_divergence,
    gaussian_kl,
    gaussian_log_affinity,
    generator_tail_exponents,
    variational_bound,
)
from boundkit.duality._ipm import IPMResult, ipm
from boundkit.duality._refine import (
    QuadraticFunction,
    RefinedDistribution,
    SamplingInfo,
    refine,
)
from boundkit.duality._report import DualityReport, Identity, duality_report
from boundkit.duality._restricted import (
    CVXPY_GENERATORS,
    ClassOnSupport,
    PrimalResult,
    RestrictedDivergence,
    class_on_support,
    primal,
    restricted_divergence,
    solver_paths,
)
from boundkit.duality._tails import KHAT_THRESHOLD, pareto_khat

__all__ = [
    "CVXPY_GENERATORS",
    "KHAT_THRESHOLD",
    "ClassOnSupport",
    "DivergenceResult",
    "DualityReport",
    "IPMResult",
    "Identity",
    "KnownForm",
    "PrimalResult",
    "QuadraticFunction",
    "RefinedDistribution",
    "RestrictedDivergence",
    "SamplingInfo",
    "VariationalBound",
    "check_density_ratios",
    "class_on_support",
    "divergence",
    "divergence_from_weights",
    "duality_report",
    "gaussian_closed_form_available",
    "gaussian_divergence",
    "gaussian_kl",
    "gaussian_log_affinity",
    "generator_tail_exponents",
    "identify_generator",
    "ipm",
    "lambda_finite",
    "pareto_khat",
    "primal",
    "refine",
    "restricted_divergence",
    "solver_paths",
    "variational_bound",
]
