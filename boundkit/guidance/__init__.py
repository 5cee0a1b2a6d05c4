r"""Discriminator guidance for diffusion models as a refinement: a low-dimensional laboratory (C8).

Toys where every score, every optimal discriminator and every target density is known exactly:
Gaussian-mixture targets P and misspecified base models Q diffused by the Ornstein-Uhlenbeck
process, time-dependent discriminators (Bayes-optimal, logistic, ReLU network), guided samplers
(reverse SDE and probability-flow ODE), the exactly refined model :math:`Q_h` with
:math:`h = \log(d_0/(1 - d_0))` and its exact guided score by quadrature, per-time accuracy
against the Bayes-optimal discriminator, and distances between particles and exact densities.
"""

from boundkit.guidance._diagnostics import TimeProfile, time_profile
from boundkit.guidance._discriminators import (
    DISCRIMINATOR_KINDS,
    Discriminator,
    LogisticDiscriminator,
    MLPDiscriminator,
    OptimalDiscriminator,
    make_discriminator,
    training_pairs,
)
from boundkit.guidance._experiment import (
    GuidanceResult,
    build_discriminators,
    parse_discriminator,
    run_guidance,
    sample_distances,
)
from boundkit.guidance._metrics import (
    GridDistances,
    SeedSummary,
    binning_gap,
    dkw_radius,
    grid_distances,
    ks_distance,
    mmd2,
    summarize_seeds,
    wasserstein1,
)
from boundkit.guidance._mixture import OUMixture, diffuse, ou_alpha, ou_sigma2
from boundkit.guidance._refined import RefinedModel, refine_by_discriminator
from boundkit.guidance._sampler import (
    SAMPLERS,
    GuidedSamples,
    guided_sample,
    guided_score,
    time_grid,
)
from boundkit.guidance._settings import (
    GuidanceSetting,
    default_guidance_setting,
    get_guidance_setting,
    list_guidance_settings,
)

__all__ = [
    "DISCRIMINATOR_KINDS",
    "SAMPLERS",
    "Discriminator",
    "GridDistances",
    "GuidanceResult",
    "GuidedSamples",
    "LogisticDiscriminator",
    "MLPDiscriminator",
    "OUMixture",
    "OptimalDiscriminator",
    "RefinedModel",
    "SeedSummary",
    "TimeProfile",
    "GuidanceSetting",
    "binning_gap",
    "build_discriminators",
    "default_guidance_setting",
    "diffuse",
    "dkw_radius",
    "get_guidance_setting",
    "grid_distances",
    "guided_sample",
    "guided_score",
    "ks_distance",
    "list_guidance_settings",
    "make_discriminator",
    "mmd2",
    "ou_alpha",
    "ou_sigma2",
    "parse_discriminator",
    "refine_by_discriminator",
    "run_guidance",
    "sample_distances",
    "summarize_seeds",
    "time_grid",
    "time_profile",
    "training_pairs",
    "wasserstein1",
]
