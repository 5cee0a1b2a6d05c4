r"""Gaussian and Gaussian-mixture distributions on :math:`\mathbb R^d`."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np
from scipy.special import logsumexp

from boundkit._errors import BoundkitError
from boundkit.distributions._base import Distribution, _eval_func, as_points, check_weights

__all__ = ["Gaussian", "GaussianMixture"]

_LOG_2PI = float(np.log(2.0 * np.pi))


def _as_cov(cov: Any, d: int, *, name: str = "cov") -> np.ndarray:
    c = np.asarray(cov, dtype=float)
    if c.ndim == 0:
        c = c * np.eye(d)
    elif c.ndim == 1 and c.shape[0] == d:
        c = np.diag(c)
    if c.shape != (d, d):
        raise BoundkitError(f"{name} must have shape ({d}, {d}), got {c.shape}")
    if not np.all(np.isfinite(c)):
        raise BoundkitError(f"{name} contains NaN or infinite values")
    if not np.allclose(c, c.T, rtol=1e-10, atol=1e-12):
        raise BoundkitError(f"{name} is not symmetric")
    try:
        np.linalg.cholesky(c)
    except np.linalg.LinAlgError:
        raise BoundkitError(f"{name} is not positive definite") from None
    return 0.5 * (c + c.T)


@functools.lru_cache(maxsize=32)
def _hermite_nodes(d: int, order: int) -> tuple[np.ndarray, np.ndarray]:
    """Tensor Gauss-Hermite nodes and weights for the standard normal in dimension d (cached;
    the arrays are read-only)."""
    z, w = np.polynomial.hermite_e.hermegauss(order)
    w = w / w.sum()
    grids = np.meshgrid(*([z] * d), indexing="ij")
    wgrids = np.meshgrid(*([w] * d), indexing="ij")
    nodes = np.stack([g.ravel() for g in grids], axis=1)
    weights = np.prod(np.stack([g.ravel() for g in wgrids], axis=1), axis=1)
    nodes.flags.writeable = False
    weights.flags.writeable = False
    return nodes, weights


class Gaussian(Distribution):
    r"""The normal distribution :math:`\mathcal N(\mu, \Sigma)` on :math:`\mathbb R^d`.

    Parameters
    ----------
    mean : array_like, shape (d,) or scalar
    cov : array_like, shape (d, d), (d,) (diagonal) or scalar (isotropic)
        Symmetric positive definite.

    Notes
    -----
    .. math:: \log p(x) = -\tfrac12\big(d \log 2\pi + \log\det\Sigma
              + (x-\mu)^\top \Sigma^{-1} (x-\mu)\big).

    :meth:`expect` uses tensor Gauss-Hermite quadrature (exact for polynomials of degree
    below ``2 * order`` in each coordinate).

    Examples
    --------
    >>> G = Gaussian([0.0], [[4.0]])
    >>> bool(np.isclose(G.logpdf([[0.0]])[0], -0.5 * np.log(2 * np.pi * 4.0)))
    True
    >>> round(G.expect(lambda x: x[:, 0] ** 2), 10)
    4.0
    """

    def __init__(self, mean: Any, cov: Any = 1.0) -> None:
        m = np.atleast_1d(np.asarray(mean, dtype=float))
        if m.ndim != 1:
            raise BoundkitError(f"mean must be a vector, got shape {m.shape}")
        if not np.all(np.isfinite(m)):
            raise BoundkitError("mean contains NaN or infinite values")
        self.mean = m
        self.dim = int(m.shape[0])
        self.cov = _as_cov(cov, self.dim)
        self._chol = np.linalg.cholesky(self.cov)
        self._logdet = 2.0 * float(np.sum(np.log(np.diag(self._chol))))

    def __repr__(self) -> str:
        return f"Gaussian(mean={self.mean.tolist()}, cov={self.cov.tolist()})"

    def sample(self, n: int, *, rng: Any = None) -> np.ndarray:
        r""":math:`\mu + L z` with :math:`z \sim \mathcal N(0, I)`, :math:`LL^\top = \Sigma`."""
        n = self._n(n)
        gen = np.random.default_rng(rng)
        return self.mean + gen.standard_normal((n, self.dim)) @ self._chol.T

    def logpdf(self, x: Any) -> np.ndarray:
        """Log-density at ``x`` of shape ``(m, d)``; returns shape ``(m,)``."""
        pts = as_points(x, self.dim)
        from scipy.linalg import solve_triangular

        z = solve_triangular(self._chol, (pts - self.mean).T, lower=True)
        return -0.5 * (self.dim * _LOG_2PI + self._logdet + np.sum(z * z, axis=0))

    def quadrature(self, order: int = 40) -> tuple[np.ndarray, np.ndarray]:
        r"""Tensor Gauss-Hermite nodes and weights of this Gaussian (dimension at most 3).

        Parameters
        ----------
        order : int
            Nodes per axis.

        Returns
        -------
        nodes : ndarray, shape (order**d, d)
            :math:`x_j = \mu + L z_j` with :math:`\Sigma = L L^\top` and :math:`z_j` the
            probabilists' Hermite nodes.
        weights : ndarray, shape (order**d,)
            Non-negative, summing to 1: :math:`\mathbb E g(X) \approx \sum_j w_j g(x_j)`,
            exact for polynomials of degree at most :math:`2\,\mathrm{order} - 1` per axis.
        """
        if self.dim > 3:
            raise BoundkitError("Gaussian quadrature is available for dimension <= 3 only")
        z, w = _hermite_nodes(self.dim, order)
        return self.mean + z @ self._chol.T, w

    def expect(self, func: Callable[[np.ndarray], Any], *, order: int = 40) -> float:
        r"""Gauss-Hermite quadrature of :math:`\mathbb E[g(X)]` (``order`` nodes per axis),
        :math:`\sum_j w_j g(x_j)` on the nodes of :meth:`quadrature`."""
        if self.dim > 3:
            raise BoundkitError("Gaussian.expect is available for dimension <= 3 only")
        x, w = self.quadrature(order)
        return float(np.dot(w, _eval_func(func, x)))


class GaussianMixture(Distribution):
    r"""A finite mixture of Gaussians :math:`\sum_k \pi_k \mathcal N(\mu_k, \Sigma_k)`.

    Parameters
    ----------
    weights : array_like, shape (K,)
        Mixture weights (non-negative, summing to 1).
    means : array_like, shape (K, d)
    covs : array_like, shape (K, d, d), or (d, d) / scalar shared by every component

    Notes
    -----
    .. math:: \log p(x) = \operatorname{logsumexp}_k \big(\log \pi_k
              + \log \mathcal N(x; \mu_k, \Sigma_k)\big).

    A Gaussian kernel density estimate with bandwidth :math:`b` is the mixture with equal
    weights, the training points as means and :math:`\Sigma = b^2 I`.

    Examples
    --------
    >>> M = GaussianMixture([0.5, 0.5], [[-1.0], [1.0]], 1.0)
    >>> round(M.expect(lambda x: x[:, 0] ** 2), 10)
    2.0
    """

    def __init__(self, weights: Any, means: Any, covs: Any = 1.0) -> None:
        mu = np.asarray(means, dtype=float)
        if mu.ndim == 1:
            mu = mu.reshape(-1, 1)
        if mu.ndim != 2:
            raise BoundkitError(f"means must have shape (K, d), got {mu.shape}")
        if not np.all(np.isfinite(mu)):
            raise BoundkitError("means contain NaN or infinite values")
        self.means = mu
        k, d = mu.shape
        self.weights = check_weights(weights, k, name="weights")
        self.dim = int(d)
        c = np.asarray(covs, dtype=float)
        if c.ndim == 3:
            if c.shape[0] != k:
                raise BoundkitError(f"covs has {c.shape[0]} matrices for {k} components")
            self.covs = np.stack([_as_cov(ci, d, name=f"covs[{i}]") for i, ci in enumerate(c)])
            self._tied = bool(np.all(self.covs == self.covs[0]))
        else:
            one = _as_cov(c, d, name="covs")
            self.covs = np.broadcast_to(one, (k, d, d))
            self._tied = True
        self._chols = (
            np.linalg.cholesky(self.covs[:1]) if self._tied else np.linalg.cholesky(self.covs)
        )
        self._logdets = 2.0 * np.sum(np.log(np.diagonal(self._chols, axis1=1, axis2=2)), axis=1)
        with np.errstate(divide="ignore"):
            self._logw = np.log(self.weights)

    @property
    def n_components(self) -> int:
        """Number of components ``K``."""
        return int(self.means.shape[0])

    def __repr__(self) -> str:
        return f"GaussianMixture(n_components={self.n_components}, dim={self.dim})"

    def components(self) -> list[Gaussian]:
        """The components as :class:`Gaussian` objects."""
        return [Gaussian(m, c) for m, c in zip(self.means, self.covs, strict=True)]

    def sample(self, n: int, *, rng: Any = None) -> np.ndarray:
        """Pick a component by weight, then draw from it; shape ``(n, d)``."""
        n = self._n(n)
        gen = np.random.default_rng(rng)
        comp = np.minimum(
            np.searchsorted(np.cumsum(self.weights), gen.random(n), side="right"),
            self.n_components - 1,
        )
        z = gen.standard_normal((n, self.dim))
        if self._tied:
            return self.means[comp] + z @ self._chols[0].T
        # one component at a time: never an (n, d, d) stack of Cholesky factors in memory
        out = np.empty((n, self.dim))
        for k in np.unique(comp):
            sel = comp == k
            out[sel] = self.means[k] + np.einsum("ij,nj->ni", self._chols[k], z[sel])
        return out

    def component_logpdf(self, x: Any) -> np.ndarray:
        """Log-density of every component at ``x``; shape ``(m, K)``."""
        pts = as_points(x, self.dim)
        if self._tied:
            # differences first (no |x|^2 + |m|^2 - 2 x.m cancellation for means ~1e8), in
            # blocks of points so that the (m, K, d) array stays small
            from scipy.linalg import solve_triangular

            k_, d = self.n_components, self.dim
            out = np.empty((pts.shape[0], k_))
            block = max(1, 2_000_000 // max(k_ * d, 1))
            for s in range(0, pts.shape[0], block):
                diff = (pts[s : s + block, None, :] - self.means[None, :, :]).reshape(-1, d)
                z = solve_triangular(self._chols[0], diff.T, lower=True)
                sq = np.sum(z * z, axis=0).reshape(-1, k_)
                out[s : s + block] = -0.5 * (d * _LOG_2PI + self._logdets[0] + sq)
            return out
        out = np.empty((pts.shape[0], self.n_components))
        for k in range(self.n_components):
            diff = pts - self.means[k]
            z = np.linalg.solve(self._chols[k], diff.T)
            out[:, k] = -0.5 * (self.dim * _LOG_2PI + self._logdets[k] + np.sum(z * z, axis=0))
        return out

    def logpdf(self, x: Any) -> np.ndarray:
        """Log-density at ``x`` of shape ``(m, d)``; returns shape ``(m,)``."""
        pts = as_points(x, self.dim)
        out = np.empty(pts.shape[0])
        chunk = max(1, 4_000_000 // max(self.n_components, 1))
        for s in range(0, pts.shape[0], chunk):
            lp = self.component_logpdf(pts[s : s + chunk]) + self._logw
            out[s : s + chunk] = logsumexp(lp, axis=1)
        return out

    def expect(self, func: Callable[[np.ndarray], Any], *, order: int = 40) -> float:
        r"""Gauss-Hermite quadrature per component, :math:`\sum_k \pi_k \mathbb E_k g`."""
        return float(
            sum(
                w * c.expect(func, order=order)
                for w, c in zip(self.weights, self.components(), strict=True)
                if w > 0
            )
        )
