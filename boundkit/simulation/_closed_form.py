r"""Closed-form population of an experiment: Gaussian P and Q in 1-D, quadratic features, KL.

:math:`P = N(\mu_P, \sigma_P^2)`, :math:`Q = N(\mu_Q, \sigma_Q^2)`,
:math:`\mathcal H = \{a x + b x^2 : \|(a, b)\|_2 \le B\}` with :math:`B < 1/(2\sigma_Q^2)` so that
:math:`E_Q e^h < \infty` for every :math:`h \in \mathcal H`. Everything is closed form:

.. math::

    \Lambda(a, b) = \log E_Q e^{a x + b x^2}
    = -\tfrac12 \log k + \frac{(\mu_Q + a\sigma_Q^2)^2}{2\sigma_Q^2 k}
      - \frac{\mu_Q^2}{2\sigma_Q^2},
    \qquad k = 1 - 2 b \sigma_Q^2,

and :math:`Q_h = N(\mu_h, v_h)` with :math:`v_h = \sigma_Q^2 / k`,
:math:`\mu_h = (\mu_Q + a\sigma_Q^2)/k`. The empirical maximiser :math:`h_n` depends on the
sample only through :math:`(\bar x, \overline{x^2})`; all replicates are solved at once
(:func:`boundkit.simulation._ball2d.maximise_on_ball`). :class:`~boundkit.simulation.Experiment`
uses it with ``population="closed-form"``; the built-in ``gauss1d-quadratic`` is that experiment.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from boundkit._errors import BoundkitError
from boundkit.classes import LinearClass
from boundkit.distributions import Gaussian
from boundkit.duality import gaussian_kl
from boundkit.generators import is_kl
from boundkit.simulation._ball2d import maximise_on_ball
from boundkit.simulation._toys import PopulationTerms

__all__ = ["GaussianQuadraticKL"]


def _is_quadratic(cls: Any) -> bool:
    return (
        isinstance(cls, LinearClass)
        and cls.features in ("poly", "polynomial")
        and cls.degree == 2
        and float(cls.q) == 2.0
        and not cls.bias
    )


@dataclass(frozen=True)
class GaussianQuadraticKL:
    r"""The closed forms of KL refinement of :math:`N(\mu_Q, \sigma_Q^2)` by
    :math:`h = a x + b x^2`, :math:`\|(a, b)\|_2 \le B`, against :math:`N(\mu_P, \sigma_P^2)`.

    Attributes
    ----------
    mean_p, std_p, mean_q, std_q : float
        The two Gaussians.
    B : float
        Radius of the ball of :math:`(a, b)`, :math:`0 < B < 1/(2\sigma_Q^2)`.
    """

    mean_p: float
    std_p: float
    mean_q: float
    std_q: float
    B: float

    def __post_init__(self) -> None:
        if not (self.std_p > 0 and self.std_q > 0):
            raise BoundkitError("std_p and std_q must be positive")
        if not (0 < self.B < 1.0 / (2 * self.std_q**2)):
            raise BoundkitError(
                f"B must be in (0, 1/(2 std_q^2)) = (0, {1 / (2 * self.std_q**2):.4g}) so that "
                f"E_Q e^h is finite on the ball; got B={self.B}"
            )

    @classmethod
    def of(cls, P: Any, Q: Any, H: Any, generator: Any) -> GaussianQuadraticKL:
        """The closed forms for an experiment's parts (a one-line error when they do not apply:
        1-D Gaussian P and Q, ``LinearClass("poly", degree=2, p=2)`` without bias, KL)."""
        if not (isinstance(P, Gaussian) and isinstance(Q, Gaussian) and P.dim == Q.dim == 1):
            raise BoundkitError("population='closed-form' needs 1-D Gaussian P and Q")
        if not _is_quadratic(H):
            raise BoundkitError(
                "population='closed-form' needs the quadratic class "
                "LinearClass('poly', degree=2, p=2) without bias"
            )
        if not is_kl(generator):
            raise BoundkitError("population='closed-form' is the KL refinement (generator 'kl')")
        return cls(
            float(P.mean[0]),
            float(np.sqrt(P.cov[0, 0])),
            float(Q.mean[0]),
            float(np.sqrt(Q.cov[0, 0])),
            float(H.B),
        )

    # ------------------------------------------------------------------ closed forms
    def refined_params(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        r"""Mean and variance of :math:`Q_h` for ``theta = (a, b)`` of shape (..., 2)."""
        theta = np.asarray(theta, dtype=float)
        s2 = self.std_q**2
        k = 1.0 - 2.0 * theta[..., 1] * s2
        return (self.mean_q + theta[..., 0] * s2) / k, s2 / k

    def lam(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        r"""Value, gradient and Hessian of :math:`\Lambda(a, b) = \log E_Q e^{ax+bx^2}`."""
        theta = np.asarray(theta, dtype=float)
        s2 = self.std_q**2
        mq = self.mean_q
        k = 1.0 - 2.0 * theta[..., 1] * s2
        lin = mq + theta[..., 0] * s2
        val = -0.5 * np.log(k) + lin**2 / (2 * s2 * k) - mq**2 / (2 * s2)
        mu, v = lin / k, s2 / k
        grad = np.stack([mu, mu**2 + v], axis=-1)
        c = 2 * mu * v
        hess = np.stack(
            [np.stack([v, c], -1), np.stack([c, 2 * v**2 + 4 * mu**2 * v], -1)], axis=-2
        )
        return val, grad, hess

    def moments_p(self) -> np.ndarray:
        """(E_P x, E_P x^2)."""
        return np.array([self.mean_p, self.mean_p**2 + self.std_p**2])

    def fit(self, m: np.ndarray) -> np.ndarray:
        r"""Maximisers :math:`(a, b)` for rows of feature means ``m`` (shape (R, 2)).

        The unconstrained maximiser matches moments, :math:`Q_h = N(m_1, m_2 - m_1^2)`; when
        it lies outside the ball the maximiser is on the sphere (Newton in the angle,
        certified by the KKT conditions).
        """
        m = np.atleast_2d(np.asarray(m, dtype=float))
        s2 = self.std_q**2
        var = m[:, 1] - m[:, 0] ** 2
        with np.errstate(divide="ignore", invalid="ignore"):
            b = 0.5 * (1.0 / s2 - 1.0 / var)
            a = m[:, 0] / var - self.mean_q / s2
        interior = np.where((var > 0)[:, None], np.stack([a, b], -1), np.nan)
        return maximise_on_ball(m, self.lam, self.B, interior=interior).theta

    def objective(self, theta: np.ndarray, m: np.ndarray) -> np.ndarray:
        r""":math:`J(\theta) = m^\top\theta - \Lambda(\theta)`."""
        return (np.asarray(m) * np.asarray(theta)).sum(-1) - self.lam(theta)[0]

    def population(self) -> tuple[np.ndarray, PopulationTerms]:
        r"""The population maximiser :math:`(a^*, b^*)` and the exact population terms:
        :math:`\mathrm{KL}(P\|Q)`, :math:`\mathrm{KL}(P\|Q_{h^*})`, :math:`J(a^*, b^*)` and
        :math:`\mathrm{IPM} = B\|E_P\phi - E_Q\phi\|_2`."""
        mp = self.moments_p()
        theta = self.fit(mp[None, :])[0]
        mu, v = self.refined_params(theta)
        kl_base = float(gaussian_kl(self.mean_p, self.std_p**2, self.mean_q, self.std_q**2))
        kl_best = float(gaussian_kl(self.mean_p, self.std_p**2, mu, v))
        mq = np.array([self.mean_q, self.mean_q**2 + self.std_q**2])
        pop = PopulationTerms(
            divergence_base=kl_base,
            divergence_best=kl_best,
            restricted_divergence=float(self.objective(theta, mp)),
            ipm_base=float(self.B * np.linalg.norm(mp - mq)),
        )
        return theta, pop

    # ------------------------------------------------------------------ replicates
    def sufficient_statistics(self, n: int, seeds: Sequence[np.random.SeedSequence]) -> np.ndarray:
        r"""Feature means :math:`(\bar x, \overline{x^2})` of one sample per seed, shape (R, 2).

        Notes
        -----
        The sample enters only through its mean and biased variance, which for Gaussian data
        are independent with known laws, so they are drawn directly (two draws per replicate,
        whatever n):

        .. math::

            \bar x = \mu_P + \frac{\sigma_P}{\sqrt n} Z,\quad
            S^2 = \frac{\sigma_P^2}{n}\chi^2_{n-1},\quad \overline{x^2} = S^2 + \bar x^2 .
        """
        n = int(n)
        z = np.empty(len(seeds))
        c = np.empty(len(seeds))
        for r, ss in enumerate(seeds):
            gen = np.random.default_rng(ss)
            z[r] = gen.standard_normal()
            c[r] = gen.chisquare(n - 1)
        m1 = self.mean_p + self.std_p / np.sqrt(n) * z
        s2 = self.std_p**2 * c / n
        return np.stack([m1, s2 + m1**2], axis=-1)

    def measure(self, theta: np.ndarray, m: np.ndarray) -> dict[str, np.ndarray]:
        r"""Exact measurements of the refined models ``theta`` fitted on feature means ``m``:
        :math:`\mathrm{KL}(P\|Q_h)`, :math:`\mathrm{KL}(Q_h\|Q)`, and with
        :math:`E_{Q_h}\phi = (\mu_h, \mu_h^2 + v_h)` the IPMs :math:`B\|E_P\phi - E_{Q_h}\phi\|`,
        :math:`B\|m - E_{Q_h}\phi\|` and the deviations :math:`B\|E_P\phi - m\|`."""
        mu, v = self.refined_params(theta)
        mp = self.moments_p()
        kl = gaussian_kl(self.mean_p, self.std_p**2, mu, v)
        div_ref = gaussian_kl(mu, v, self.mean_q, self.std_q**2)
        mh = np.stack([mu, mu**2 + v], -1)
        ipm = self.B * np.linalg.norm(mp - mh, axis=-1)
        ipm_emp = self.B * np.linalg.norm(m - mh, axis=-1)
        dev = self.B * np.linalg.norm(mp - m, axis=-1)
        return {
            "divergence": kl,
            "divergence_refinement": div_ref,
            "ipm": ipm,
            "ipm_empirical": ipm_emp,
            "dev_up": dev,
            "dev_down": dev.copy(),
            "theta_0": theta[:, 0].copy(),
            "theta_1": theta[:, 1].copy(),
        }

    def run_replicates(
        self, n: int, seeds: Sequence[np.random.SeedSequence]
    ) -> dict[str, np.ndarray]:
        """All replicates at once: sufficient statistics, fits, exact measurements."""
        m = self.sufficient_statistics(n, seeds)
        return self.measure(self.fit(m), m)
