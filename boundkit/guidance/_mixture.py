r"""Gaussian mixtures and their closed-form Ornstein-Uhlenbeck (variance-preserving) marginals.

The forward process is the Ornstein-Uhlenbeck diffusion

.. math:: dX_t = -X_t\,dt + \sqrt 2\,dW_t,\qquad X_t \mid X_0 \sim
   \mathcal N(\alpha_t X_0, \sigma_t^2 I),\quad \alpha_t = e^{-t},\ \sigma_t^2 = 1 - e^{-2t},

whose stationary law is :math:`\mathcal N(0, I)`. A Gaussian mixture
:math:`\sum_k w_k \mathcal N(\mu_k, \Sigma_k)` stays a Gaussian mixture along it:
:math:`p_t = \sum_k w_k \mathcal N(\alpha_t\mu_k, \alpha_t^2\Sigma_k + \sigma_t^2 I)`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.special import logsumexp, ndtr

from boundkit._errors import BoundkitError
from boundkit.distributions import GaussianMixture

__all__ = ["OUMixture", "ou_alpha", "ou_sigma2", "diffuse"]

_LOG2PI = float(np.log(2.0 * np.pi))


def ou_alpha(t: Any) -> np.ndarray:
    r"""Signal coefficient :math:`\alpha_t = e^{-t}` of the OU forward process.

    Examples
    --------
    >>> float(ou_alpha(0.0))
    1.0
    """
    return np.exp(-np.asarray(t, dtype=float))


def ou_sigma2(t: Any) -> np.ndarray:
    r"""Noise variance :math:`\sigma_t^2 = 1 - e^{-2t}` of the OU forward process.

    Examples
    --------
    >>> float(ou_sigma2(0.0))
    0.0
    """
    return -np.expm1(-2.0 * np.asarray(t, dtype=float))


def diffuse(x0: np.ndarray, t: Any, *, rng: Any = None) -> np.ndarray:
    r"""Run the forward process exactly: :math:`X_t = \alpha_t X_0 + \sigma_t \varepsilon`.

    Parameters
    ----------
    x0 : ndarray, shape (m, d)
        Starting points.
    t : float or ndarray, shape (m,)
        Diffusion time(s), ``t >= 0``.
    rng : seed or Generator, optional
        Randomness.

    Returns
    -------
    ndarray, shape (m, d)

    Notes
    -----
    .. math:: X_t = e^{-t} X_0 + \sqrt{1 - e^{-2t}}\,\varepsilon,\quad
       \varepsilon\sim\mathcal N(0, I)

    Examples
    --------
    >>> diffuse(np.zeros((2, 1)), 0.0, rng=0).tolist()
    [[0.0], [0.0]]
    """
    rng = np.random.default_rng(rng)
    x0 = np.asarray(x0, dtype=float)
    t = np.asarray(t, dtype=float)
    if np.any(t < 0):
        raise BoundkitError("diffusion times must be >= 0")
    a = ou_alpha(t)
    s = np.sqrt(ou_sigma2(t))
    if t.ndim == 1:
        a = a[:, None]
        s = s[:, None]
    return a * x0 + s * rng.standard_normal(x0.shape)


def _inv_logdet(cov: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Inverse and log-determinant of a stack of SPD matrices (closed form for d <= 2)."""
    d = cov.shape[-1]
    if d == 1:
        c = cov[..., 0, 0]
        return (1.0 / c)[..., None, None], np.log(c)
    if d == 2:
        a, b, c = cov[..., 0, 0], cov[..., 0, 1], cov[..., 1, 1]
        det = a * c - b * b
        inv = np.empty_like(cov)
        inv[..., 0, 0] = c / det
        inv[..., 1, 1] = a / det
        inv[..., 0, 1] = -b / det
        inv[..., 1, 0] = -b / det
        return inv, np.log(det)
    sign, logdet = np.linalg.slogdet(cov)
    return np.linalg.inv(cov), logdet


class OUMixture(GaussianMixture):
    r"""A Gaussian mixture with closed-form densities, scores and OU marginals.

    A :class:`boundkit.distributions.GaussianMixture` (its time-0 law: sampling, expectations
    and every duality computation are the shared ones) with the diffusion-specific parts: the
    marginals :math:`p_t` of the OU process, their scores, and 1-D distribution functions.

    Parameters
    ----------
    weights : array_like, shape (k,)
        Positive mixture weights (normalised to sum to one).
    means : array_like, shape (k, d) or (k,)
        Component means (a 1-D array means ``d = 1``).
    covs : array_like, shape (k, d, d), (k, d) or (k,)
        Full covariances, diagonal variances, or isotropic variances.

    Notes
    -----
    Density and score at diffusion time :math:`t` (``t = 0`` is the mixture itself):

    .. math::
        p_t(x) = \sum_k w_k\,\mathcal N(x; \alpha_t\mu_k, C_k(t)),\quad
        C_k(t) = \alpha_t^2\Sigma_k + \sigma_t^2 I,\qquad
        \nabla\log p_t(x) = -\sum_k r_k(x)\,C_k(t)^{-1}(x - \alpha_t\mu_k),

    where :math:`r_k(x) \propto w_k\mathcal N(x; \alpha_t\mu_k, C_k(t))` are the
    responsibilities.

    Examples
    --------
    >>> m = OUMixture([0.5, 0.5], [-1.0, 1.0], [0.25, 0.25])
    >>> round(float(m.pdf(np.array([[0.0]]))[0]), 6)
    0.107982
    >>> m.score(np.array([[0.0]])).tolist()
    [[0.0]]
    """

    def __init__(self, weights: Any, means: Any, covs: Any) -> None:
        w = np.asarray(weights, dtype=float).ravel()
        if w.size < 1 or np.any(~np.isfinite(w)) or np.any(w <= 0):
            raise BoundkitError("mixture weights must be positive and finite")
        mu = np.asarray(means, dtype=float)
        if mu.ndim == 1:
            mu = mu[:, None]
        if mu.ndim != 2 or mu.shape[0] != w.size:
            raise BoundkitError(
                f"means must have shape (k, d) with k = {w.size}, got {np.shape(means)}"
            )
        k, d = mu.shape
        c = np.asarray(covs, dtype=float)
        if c.ndim == 1 and c.shape == (k,):
            c = c[:, None, None] * np.eye(d)
        elif c.ndim == 2 and c.shape == (k, d):
            c = c[:, :, None] * np.eye(d)
        elif c.shape != (k, d, d):
            raise BoundkitError(
                f"covs must have shape (k,), (k, d) or (k, d, d) with k={k}, d={d}; "
                f"got {np.shape(covs)}"
            )
        if not np.all(np.isfinite(mu)) or not np.all(np.isfinite(c)):
            raise BoundkitError("mixture means and covariances must be finite")
        c = 0.5 * (c + np.swapaxes(c, -1, -2))
        if np.any(np.linalg.eigvalsh(c) <= 0):
            raise BoundkitError("mixture covariances must be positive definite")
        super().__init__(w / w.sum(), mu, c)

    def __repr__(self) -> str:
        return f"OUMixture(k={self.n_components}, dim={self.dim})"

    # ------------------------------------------------------------------ marginals
    def marginal(self, t: float) -> OUMixture:
        r"""The law of :math:`X_t` when :math:`X_0` follows this mixture (a mixture again).

        Examples
        --------
        >>> OUMixture([1.0], [2.0], [1.0]).marginal(50.0).means.round(6).tolist()
        [[0.0]]
        """
        t = float(t)
        if t < 0:
            raise BoundkitError(f"diffusion time must be >= 0, got {t}")
        a = float(ou_alpha(t))
        s2 = float(ou_sigma2(t))
        return OUMixture(self.weights, a * self.means, a * a * self.covs + s2 * np.eye(self.dim))

    def _params(self, t: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Means, precisions and log-normalisers at time(s) t (broadcastable to particles)."""
        t = np.asarray(t, dtype=float)
        if np.any(t < 0):
            raise BoundkitError("diffusion times must be >= 0")
        a = ou_alpha(t)
        s2 = ou_sigma2(t)
        eye = np.eye(self.dim)
        if t.ndim == 0:
            mu = a * self.means
            cov = a * a * self.covs + s2 * eye
        else:
            a = a.reshape(-1, 1, 1)
            mu = a * self.means[None]
            cov = (a * a)[..., None] * self.covs[None] + s2.reshape(-1, 1, 1, 1) * eye
        prec, logdet = _inv_logdet(cov)
        lognorm = np.log(self.weights) - 0.5 * (self.dim * _LOG2PI + logdet)
        return mu, prec, lognorm

    def _check_x(self, x: Any) -> np.ndarray:
        x = np.asarray(x, dtype=float)
        if x.ndim == 1 and self.dim == 1:
            x = x[:, None]
        if x.ndim != 2 or x.shape[1] != self.dim:
            raise BoundkitError(f"points must have shape (m, {self.dim}), got {x.shape}")
        return x

    def _terms(self, x: np.ndarray, t: Any) -> tuple[np.ndarray, list[list[np.ndarray]]]:
        """Per-component log weighted densities (k, m) and precision-times-offset columns.

        Components are looped over (k is small) so that every array is contiguous of length m:
        reductions over a short trailing axis are several times slower in numpy.
        """
        mu, prec, lognorm = self._params(t)
        d = self.dim
        m = x.shape[0]
        cols = [x[:, j] for j in range(d)]
        logc = np.empty((self.n_components, m))
        pzs: list[list[np.ndarray]] = []
        for k in range(self.n_components):
            muk = mu[..., k, :]
            pk = prec[..., k, :, :]
            z = [cols[j] - muk[..., j] for j in range(d)]
            if d == 1:
                pz = [pk[..., 0, 0] * z[0]]
            elif d == 2:
                pz = [
                    pk[..., 0, 0] * z[0] + pk[..., 0, 1] * z[1],
                    pk[..., 0, 1] * z[0] + pk[..., 1, 1] * z[1],
                ]
            else:
                pz = [sum(pk[..., i, j] * z[j] for j in range(d)) for i in range(d)]
            quad = pz[0] * z[0]
            for j in range(1, d):
                quad = quad + pz[j] * z[j]
            logc[k] = lognorm[..., k] - 0.5 * quad
            pzs.append(pz)
        return logc, pzs

    def _lse_score(self, x: np.ndarray, t: Any) -> tuple[np.ndarray, np.ndarray]:
        logc, pzs = self._terms(x, t)
        mx = logc.max(axis=0)
        np.subtract(logc, mx, out=logc)
        np.exp(logc, out=logc)
        tot = logc.sum(axis=0)
        d = self.dim
        num = [np.zeros(x.shape[0]) for _ in range(d)]
        for k, pz in enumerate(pzs):
            for j in range(d):
                num[j] -= logc[k] * pz[j]
        score = np.empty_like(x)
        for j in range(d):
            score[:, j] = num[j] / tot
        return mx + np.log(tot), score

    # ------------------------------------------------------------------ densities
    def logpdf(self, x: Any, t: Any = 0.0) -> np.ndarray:
        r"""Log density :math:`\log p_t(x)`; ``t`` a scalar or one time per point.

        Examples
        --------
        >>> round(float(OUMixture([1.0], [0.0], [1.0]).logpdf([[0.0]])[0]), 6)
        -0.918939
        """
        x = self._check_x(x)
        logc, _ = self._terms(x, t)
        return logsumexp(logc, axis=0)

    def pdf(self, x: Any, t: Any = 0.0) -> np.ndarray:
        r"""Density :math:`p_t(x)`.

        Examples
        --------
        >>> round(float(OUMixture([1.0], [0.0], [1.0]).pdf([[0.0]])[0]), 6)
        0.398942
        """
        return np.exp(self.logpdf(x, t))

    def score(self, x: Any, t: Any = 0.0) -> np.ndarray:
        r"""Score :math:`\nabla_x \log p_t(x)`, shape (m, d).

        Examples
        --------
        >>> OUMixture([1.0], [0.0], [4.0]).score([[2.0]]).tolist()
        [[-0.5]]
        """
        x = self._check_x(x)
        return self._lse_score(x, t)[1]

    def logpdf_and_score(self, x: Any, t: Any = 0.0) -> tuple[np.ndarray, np.ndarray]:
        r"""Both :math:`\log p_t(x)` (m,) and :math:`\nabla\log p_t(x)` (m, d) in one pass.

        Examples
        --------
        >>> lp, s = OUMixture([1.0], [0.0], [1.0]).logpdf_and_score([[1.0]])
        >>> s.tolist()
        [[-1.0]]
        """
        x = self._check_x(x)
        return self._lse_score(x, t)

    # ------------------------------------------------------------------ sampling
    def sample_marginal(self, n: int, t: Any, *, rng: Any = None) -> np.ndarray:
        r"""Draw ``n`` points from :math:`p_t` by running the forward process from time 0.

        Examples
        --------
        >>> OUMixture([1.0], [0.0], [1.0]).sample_marginal(3, 1.0, rng=0).shape
        (3, 1)
        """
        rng = np.random.default_rng(rng)
        return diffuse(self.sample(n, rng=rng), t, rng=rng)

    # ------------------------------------------------------------------ 1-D extras
    def _sd1(self) -> tuple[np.ndarray, np.ndarray]:
        if self.dim != 1:
            raise BoundkitError("this operation needs a one-dimensional mixture")
        return self.means[:, 0], np.sqrt(self.covs[:, 0, 0])

    def cdf(self, x: Any) -> np.ndarray:
        r"""Distribution function :math:`F(x) = \sum_k w_k\Phi((x - \mu_k)/s_k)` (1-D only).

        Examples
        --------
        >>> float(OUMixture([1.0], [0.0], [1.0]).cdf(np.array([0.0]))[0])
        0.5
        """
        mu, s = self._sd1()
        x = np.asarray(x, dtype=float).reshape(-1)
        return ndtr((x[:, None] - mu) / s) @ self.weights

    def integrated_cdf(self, x: Any) -> np.ndarray:
        r""":math:`G(x) = \int_{-\infty}^x F(y)\,dy = \mathbb E(x - X)_+` (1-D only).

        Notes
        -----
        .. math:: G(x) = \sum_k w_k\big[(x - \mu_k)\Phi(z_k) + s_k\varphi(z_k)\big],\quad
           z_k = (x - \mu_k)/s_k

        Examples
        --------
        >>> round(float(OUMixture([1.0], [0.0], [1.0]).integrated_cdf(np.array([0.0]))[0]), 6)
        0.398942
        """
        mu, s = self._sd1()
        x = np.asarray(x, dtype=float).reshape(-1)
        z = (x[:, None] - mu) / s
        phi = np.exp(-0.5 * z * z) / np.sqrt(2 * np.pi)
        return ((x[:, None] - mu) * ndtr(z) + s * phi) @ self.weights

    def upper_tail_integral(self, x: Any) -> np.ndarray:
        r""":math:`\int_x^\infty (1 - F(y))\,dy = \mathbb E(X - x)_+` (1-D only).

        Examples
        --------
        >>> round(float(OUMixture([1.0], [0.0], [1.0]).upper_tail_integral([0.0])[0]), 6)
        0.398942
        """
        mu, s = self._sd1()
        x = np.asarray(x, dtype=float).reshape(-1)
        z = (x[:, None] - mu) / s
        phi = np.exp(-0.5 * z * z) / np.sqrt(2 * np.pi)
        return (s * phi - (x[:, None] - mu) * ndtr(-z)) @ self.weights

    def bounds(self, n_sd: float = 8.0) -> tuple[np.ndarray, np.ndarray]:
        r"""Per-coordinate box :math:`\min_k(\mu_k - n_{sd}s_k)`, :math:`\max_k(\mu_k + n_{sd}s_k)`.

        Examples
        --------
        >>> lo, hi = OUMixture([1.0], [0.0], [1.0]).bounds(2.0)
        >>> lo.tolist(), hi.tolist()
        ([-2.0], [2.0])
        """
        sd = np.sqrt(np.diagonal(self.covs, axis1=1, axis2=2))
        return (self.means - n_sd * sd).min(axis=0), (self.means + n_sd * sd).max(axis=0)
