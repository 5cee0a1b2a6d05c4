r"""Toys and the Monte Carlo harness: predicted vs measured generalisation of refined models.

A *toy* (:class:`Toy`) has exact population quantities; :func:`simulate` draws replicates of
the sample for several sample sizes, fits the refined model :math:`Q_{h_n}` on each, measures
it exactly against :math:`P` and evaluates the bounds of C6/C7 on the same sample.
Built-in toys: ``gauss1d-quadratic`` (closed form), ``finite`` (exact sums, any generator),
``mixture1d`` and ``mixture2d`` (grid quadrature with a reported error; random Fourier
features), and the ``mixture1d`` variants ``mixture1d-rkhs`` (RKHS ball), ``mixture1d-relu``
(two-layer ReLU network) and ``mixture1d-kde`` (a memorising KDE as Q). A user toy is one
line, e.g. ``register_toy(FiniteToy("mine", p=[...], q=[...], B=2.0))``.
"""

from boundkit.simulation._asymptotic import (
    AsymptoticPrediction,
    LinearKLMoments,
    asymptotic_excess,
    compare_with_measured,
    linear_kl_moments,
    sandwich_prediction,
    toy_fast_rate_constants,
)
from boundkit.simulation._finite_toy import FiniteToy, finite_kl
from boundkit.simulation._gauss1d import Gauss1DQuadratic, gaussian_kl
from boundkit.simulation._harness import (
    SimulationResult,
    load_results,
    parse_sizes,
    replicate_seeds,
    simulate,
)
from boundkit.simulation._mixture import MixtureToy
from boundkit.simulation._relu_toy import ReLUMixtureToy
from boundkit.simulation._toys import (
    PopulationTerms,
    Toy,
    get_toy,
    register_toy,
    toy_bound,
    toy_names,
)

__all__ = [
    "AsymptoticPrediction",
    "LinearKLMoments",
    "asymptotic_excess",
    "compare_with_measured",
    "linear_kl_moments",
    "sandwich_prediction",
    "toy_fast_rate_constants",
    "FiniteToy",
    "Gauss1DQuadratic",
    "MixtureToy",
    "PopulationTerms",
    "ReLUMixtureToy",
    "SimulationResult",
    "Toy",
    "finite_kl",
    "gaussian_kl",
    "get_toy",
    "load_results",
    "parse_sizes",
    "register_toy",
    "replicate_seeds",
    "simulate",
    "toy_bound",
    "toy_names",
]
