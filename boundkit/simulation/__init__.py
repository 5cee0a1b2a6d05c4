r"""Toys, experiments and the Monte Carlo harness: predicted vs measured generalisation.

A *toy* (:class:`Toy`) has exact population quantities; :func:`simulate` draws replicates of
the sample for several sample sizes, fits the refined model :math:`Q_{h_n}` on each, measures
it exactly against :math:`P` and evaluates the bounds of C6/C7 (:mod:`boundkit.bounds`) on the
same sample. :class:`Experiment` builds one from parts, any distribution pair, discriminator
class and generator (population terms exact, by quadrature with its error, or, in dimension
3 and up or for models without a known box, a stated Monte Carlo estimate whose standard
errors go into every column: ``population="monte-carlo"``), and :func:`load_spec` from a TOML
spec file (``boundkit simulate --spec FILE``).
Built-in toys: ``gauss1d-quadratic`` (closed form), ``finite`` (a finite support, any
generator), ``mixture1d`` and ``mixture2d`` (grid quadrature with a reported error; random
Fourier features), and the ``mixture1d`` variants ``mixture1d-rkhs`` (RKHS ball),
``mixture1d-relu`` (two-layer ReLU network) and ``mixture1d-kde`` (a memorising KDE as Q).
Every one is a named :class:`Experiment` (one code path with a user's experiment). A user toy
is one line, e.g. ``register_toy(Experiment(P, Q, cls, "kl", name="mine"))``.
"""

from boundkit.simulation._asymptotic import (
    AsymptoticPrediction,
    LinearKLMoments,
    asymptotic_excess,
    compare_with_measured,
    linear_kl_moments,
    sandwich_prediction,
    toy_fast_rate_constants,
    toy_profile_fast_rate,
)
from boundkit.simulation._experiment import Experiment
from boundkit.simulation._finite_toy import FiniteToy, finite_kl
from boundkit.simulation._gauss1d import Gauss1DQuadratic
from boundkit.simulation._harness import parse_sizes, simulate
from boundkit.simulation._mixture import MixtureToy
from boundkit.simulation._relu_toy import ReLUMixtureToy
from boundkit.simulation._results import SimulationResult, load_results
from boundkit.simulation._seeding import block_seeds, replicate_seeds
from boundkit.simulation._spec import ExperimentSpec, load_spec
from boundkit.simulation._tightness import fitted_slope, tightness, tightness_record
from boundkit.simulation._toys import (
    PopulationTerms,
    Toy,
    get_toy,
    register_toy,
    toy_bound,
    toy_names,
)

__all__ = [
    "Experiment",
    "ExperimentSpec",
    "AsymptoticPrediction",
    "LinearKLMoments",
    "asymptotic_excess",
    "compare_with_measured",
    "linear_kl_moments",
    "sandwich_prediction",
    "toy_fast_rate_constants",
    "toy_profile_fast_rate",
    "fitted_slope",
    "tightness",
    "tightness_record",
    "FiniteToy",
    "Gauss1DQuadratic",
    "MixtureToy",
    "PopulationTerms",
    "ReLUMixtureToy",
    "SimulationResult",
    "Toy",
    "block_seeds",
    "finite_kl",
    "get_toy",
    "load_results",
    "load_spec",
    "parse_sizes",
    "register_toy",
    "replicate_seeds",
    "simulate",
    "toy_bound",
    "toy_names",
]
