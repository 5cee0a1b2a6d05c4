r"""The closed-form toy ``gauss1d-quadratic``: Gaussians in 1-D and quadratic discriminators.

:math:`P = N(\mu_P, \sigma_P^2)`, :math:`Q = N(\mu_Q, \sigma_Q^2)`,
:math:`\mathcal H = \{a x + b x^2 : \|(a, b)\|_2 \le B\}` with :math:`B < 1/(2\sigma_Q^2)`. It is
a named :class:`~boundkit.simulation.Experiment` with ``population="closed-form"`` (the closed
forms of :mod:`boundkit.simulation._closed_form`): one code path with a user's experiment.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from boundkit._errors import BoundkitError
from boundkit.classes import LinearClass
from boundkit.distributions import Gaussian
from boundkit.simulation._closed_form import GaussianQuadraticKL
from boundkit.simulation._experiment import Experiment

__all__ = ["Gauss1DQuadratic"]


def _normal(mean: float, std: float) -> Gaussian:
    return Gaussian(np.array([mean]), np.array([[std**2]]))


class Gauss1DQuadratic(Experiment):
    r"""Gaussian P and Q in 1-D, quadratic discriminators in an L2 ball (all closed form).

    Parameters
    ----------
    name : str
        Registry name.
    mean_p, std_p : float
        :math:`P = N(\mu_P, \sigma_P^2)`.
    mean_q, std_q : float
        :math:`Q = N(\mu_Q, \sigma_Q^2)`.
    B : float
        Radius of the ball of :math:`(a, b)`; must satisfy :math:`B < 1/(2\sigma_Q^2)`.

    Notes
    -----
    With :math:`m = (\bar x, \overline{x^2})` the objective is
    :math:`J(a, b) = a m_1 + b m_2 - \Lambda(a, b)`, concave, with
    :math:`\nabla\Lambda = (\mu_h, \mu_h^2 + v_h)` and
    :math:`\nabla^2\Lambda = \mathrm{Cov}_{Q_h}(x, x^2)`. The unconstrained maximiser matches
    moments, :math:`Q_h = N(m_1, m_2 - m_1^2)`; when it lies outside the ball the maximiser is on
    the sphere, found by Newton in the angle and certified by the KKT conditions.
    :math:`\mathrm{IPM}_\mathcal H(P, \eta) = B\|(E_P x - E_\eta x, E_P x^2 - E_\eta x^2)\|_2`.

    Examples
    --------
    >>> toy = Gauss1DQuadratic()
    >>> pop = toy.population()
    >>> bool(0 < pop.divergence_best < pop.divergence_base)
    True
    """

    def __init__(
        self,
        name: str = "gauss1d-quadratic",
        *,
        mean_p: float = 0.5,
        std_p: float = 0.7,
        mean_q: float = 0.0,
        std_q: float = 1.0,
        B: float = 0.4,
    ) -> None:
        if not (std_p > 0 and std_q > 0):
            raise BoundkitError("std_p and std_q must be positive")
        if not (0 < B < 1.0 / (2 * std_q**2)):
            raise BoundkitError(
                f"B must be in (0, 1/(2 std_q^2)) = (0, {1 / (2 * std_q**2):.4g}) so that "
                f"E_Q e^h is finite on the ball; got B={B}"
            )
        self.mean_p, self.std_p = float(mean_p), float(std_p)
        self.mean_q, self.std_q = float(mean_q), float(std_q)
        self.B = float(B)
        super().__init__(
            _normal(mean_p, std_p),
            _normal(mean_q, std_q),
            LinearClass("poly", degree=2, p=2, B=self.B),
            "kl",
            name=name,
            population="closed-form",
            description=(
                f"P=N({mean_p:g},{std_p:g}^2), Q=N({mean_q:g},{std_q:g}^2), "
                f"H={{ax+bx^2: ||(a,b)||<={B:g}}}, KL"
            ),
        )
        self.class_name = "quadratic"
        assert self._closed is not None
        self.closed: GaussianQuadraticKL = self._closed

    # ------------------------------------------------------------------ closed forms
    def refined_params(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        r"""Mean and variance of :math:`Q_h` for ``theta = (a, b)`` of shape (..., 2)."""
        return self.closed.refined_params(theta)

    def lam(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        r"""Value, gradient and Hessian of :math:`\Lambda(a, b) = \log E_Q e^{ax+bx^2}`."""
        return self.closed.lam(theta)

    def moments_p(self) -> np.ndarray:
        """(E_P x, E_P x^2)."""
        return self.closed.moments_p()

    def fit(self, m: np.ndarray) -> np.ndarray:
        r"""Maximisers :math:`(a, b)` for rows of feature means ``m`` (shape (R, 2))."""
        return self.closed.fit(m)

    def objective(self, theta: np.ndarray, m: np.ndarray) -> np.ndarray:
        r""":math:`J(\theta) = m^\top\theta - \Lambda(\theta)`."""
        return self.closed.objective(theta, m)

    def best_theta(self) -> np.ndarray:
        r"""The population maximiser :math:`h^* = (a^*, b^*)`."""
        return self.best_values()

    # ------------------------------------------------------------------ replicates
    def sufficient_statistics(self, n: int, seeds: Sequence[np.random.SeedSequence]) -> np.ndarray:
        r"""Feature means :math:`(\bar x, \overline{x^2})` of one sample per seed, shape (R, 2)
        (see :meth:`GaussianQuadraticKL.sufficient_statistics`)."""
        return self.closed.sufficient_statistics(n, seeds)

    def measure(self, theta: np.ndarray, m: np.ndarray) -> dict[str, np.ndarray]:
        """Exact measurements of the refined models ``theta`` fitted on feature means ``m``."""
        return self.closed.measure(theta, m)

    def config(self) -> dict[str, Any]:
        """JSON-ready configuration (the Experiment's, plus the toy's parameters)."""
        return {
            **super().config(),
            "mean_p": self.mean_p,
            "std_p": self.std_p,
            "mean_q": self.mean_q,
            "std_q": self.std_q,
            "B": self.B,
        }
