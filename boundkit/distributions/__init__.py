r"""Distributions on :math:`\mathbb R^d` with sampling, log-densities and exact expectations.

Finite supports (:class:`FiniteDistribution`), Gaussians and Gaussian mixtures, grid densities
in dimension 1 or 2 (:class:`GridDensity`, exact quadrature), and fitted scikit-learn models
(:func:`from_sklearn`). All share ``dim``, ``sample(n, *, rng)``, ``logpdf(x)``, ``pdf(x)`` and,
where exact expectations exist, ``expect(func)``.
"""

from boundkit.distributions._base import Distribution, as_points, check_weights
from boundkit.distributions._finite import FiniteDistribution, common_support
from boundkit.distributions._gaussian import Gaussian, GaussianMixture
from boundkit.distributions._grid import GridDensity
from boundkit.distributions._scipy import ScipyDistribution, from_scipy, is_scipy_frozen
from boundkit.distributions._sklearn import SklearnDensity, from_sklearn

__all__ = [
    "Distribution",
    "FiniteDistribution",
    "Gaussian",
    "GaussianMixture",
    "GridDensity",
    "ScipyDistribution",
    "SklearnDensity",
    "as_points",
    "check_weights",
    "common_support",
    "from_scipy",
    "from_sklearn",
    "is_scipy_frozen",
]
