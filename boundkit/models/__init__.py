r"""Refine a generative model you already have, from its samples, and measure the gain.

A base model is anything with ``sample(n, rng)`` and optionally ``logpdf(x)``
(:func:`as_model`: boundkit distributions, scikit-learn ``GaussianMixture``,
``BayesianGaussianMixture``, ``KernelDensity``, a sampler callable). The discriminator is
fitted from data and model samples (:func:`fit_discriminator`: the variational objective
:math:`\mathbb E_{P_n} h - \Lambda_f^{Q_m}[h]` over a class of :mod:`boundkit.classes`, or
:math:`h = \mathrm{logit}\, d` of a cross-entropy classifier); :math:`\Lambda_f^Q[h]` and
:math:`\nu_h` are Monte Carlo estimates with standard errors (:func:`lambda_from_samples`);
the refined model :math:`\log q_h = \log q + \log (f^*)'(h - \hat\nu)` samples by importance
resampling or exact rejection (:func:`refine_from_samples`). :func:`measure_holdout` gives
held-out log-likelihoods with intervals and a certified improvement; :func:`mmd_test` a
two-sample test; :func:`run_refinement` does it all on a data set, with a sweep of the class
radius against the complexity term of C6c.
"""

from boundkit.models._base import FittedBase, SampleModel, as_model, fit_base_model
from boundkit.models._discriminators import (
    CLASSIFIERS,
    NystromFeatures,
    SampleDiscriminator,
    class_radius,
    fit_discriminator,
    landmark_class,
    with_radius,
)
from boundkit.models._experiment import (
    PlaneDensities,
    RadiusResult,
    RefinementResult,
    plane_densities,
    run_refinement,
)
from boundkit.models._holdout import (
    Certificate,
    Estimate,
    HeldOut,
    holdout_certificate_mc,
    measure_holdout,
)
from boundkit.models._montecarlo import MonteCarloLambda, lambda_from_samples
from boundkit.models._refined import MAX_REJECTION_M, SampleRefinement, refine_from_samples
from boundkit.models._twosample import MMDTest, mmd_test

__all__ = [
    "CLASSIFIERS",
    "Certificate",
    "Estimate",
    "FittedBase",
    "HeldOut",
    "MAX_REJECTION_M",
    "MMDTest",
    "MonteCarloLambda",
    "NystromFeatures",
    "PlaneDensities",
    "RadiusResult",
    "RefinementResult",
    "SampleDiscriminator",
    "SampleModel",
    "SampleRefinement",
    "as_model",
    "fit_base_model",
    "fit_discriminator",
    "holdout_certificate_mc",
    "lambda_from_samples",
    "class_radius",
    "landmark_class",
    "measure_holdout",
    "mmd_test",
    "plane_densities",
    "refine_from_samples",
    "run_refinement",
    "with_radius",
]
