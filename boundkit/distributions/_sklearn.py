r"""Wrap fitted scikit-learn density models as boundkit distributions."""

from __future__ import annotations

from typing import Any

import numpy as np

from boundkit._errors import BoundkitError
from boundkit.distributions._base import Distribution, as_points
from boundkit.distributions._gaussian import GaussianMixture

__all__ = ["SklearnDensity", "from_sklearn"]


class SklearnDensity(Distribution):
    r"""A fitted scikit-learn density model with ``score_samples`` and ``sample``.

    Used for models without an exact boundkit counterpart (e.g. a ``KernelDensity`` with a
    non-Gaussian kernel). Expectations are not exact: use Monte Carlo on samples.

    Parameters
    ----------
    model : estimator
        A fitted model with ``score_samples(X)`` (log-density) and, for sampling,
        ``sample(n, random_state=...)``.
    dim : int
        Dimension of the data it was fitted on.

    Notes
    -----
    .. math:: \log p(x) = \texttt{model.score\_samples}(x).
    """

    def __init__(self, model: Any, dim: int) -> None:
        self.model = model
        self.dim = int(dim)

    def __repr__(self) -> str:
        return f"SklearnDensity({type(self.model).__name__}, dim={self.dim})"

    def logpdf(self, x: Any) -> np.ndarray:
        """``model.score_samples(x)``; shape ``(m,)``."""
        return np.asarray(self.model.score_samples(as_points(x, self.dim)), dtype=float)

    def sample(self, n: int, *, rng: Any = None) -> np.ndarray:
        """``model.sample`` seeded from ``rng``; shape ``(n, d)``."""
        n = self._n(n)
        gen = np.random.default_rng(rng)
        seed = int(gen.integers(2**31 - 1))
        try:
            out = self.model.sample(n, random_state=seed)
        except NotImplementedError as exc:
            raise BoundkitError(f"{type(self.model).__name__} cannot sample: {exc}") from None
        out = out[0] if isinstance(out, tuple) else out
        return np.asarray(out, dtype=float).reshape(n, self.dim)


def _gmm_covs(model: Any) -> np.ndarray:
    k, d = model.means_.shape
    ct = model.covariance_type
    c = np.asarray(model.covariances_, dtype=float)
    if ct == "full":
        return c
    if ct == "tied":
        return np.broadcast_to(c, (k, d, d)).copy()
    if ct == "diag":
        return np.stack([np.diag(ci) for ci in c])
    if ct == "spherical":
        return np.stack([ci * np.eye(d) for ci in c])
    raise BoundkitError(f"unknown covariance_type {ct!r}")


def from_sklearn(model: Any) -> Distribution:
    r"""Turn a fitted ``GaussianMixture`` or ``KernelDensity`` into a boundkit distribution.

    A ``GaussianMixture`` and a Gaussian-kernel ``KernelDensity`` become an exact
    :class:`GaussianMixture` (a KDE with bandwidth :math:`b` on points :math:`x_1..x_n` is the
    mixture :math:`\frac1n\sum_i \mathcal N(x_i, b^2 I)`, with sample weights if given); other
    kernels become a :class:`SklearnDensity`.

    Parameters
    ----------
    model : sklearn.mixture.GaussianMixture or sklearn.neighbors.KernelDensity
        A fitted model.

    Returns
    -------
    Distribution

    Notes
    -----
    .. math:: \hat q_{\mathrm{KDE}}(x) = \sum_i w_i\, \mathcal N(x; x_i, b^2 I).

    Examples
    --------
    >>> from sklearn.neighbors import KernelDensity
    >>> X = np.array([[0.0], [1.0]])
    >>> kde = KernelDensity(bandwidth=0.5).fit(X)
    >>> Q = from_sklearn(kde)
    >>> bool(np.allclose(Q.logpdf(X), kde.score_samples(X)))
    True
    """
    name = type(model).__name__
    if name in ("GaussianMixture", "BayesianGaussianMixture"):
        if not hasattr(model, "means_"):
            raise BoundkitError(f"the {name} is not fitted: call .fit(X) first")
        return GaussianMixture(
            model.weights_ / np.sum(model.weights_), model.means_, _gmm_covs(model)
        )
    if name == "KernelDensity":
        tree = getattr(model, "tree_", None)
        if tree is None:
            raise BoundkitError("the KernelDensity is not fitted: call .fit(X) first")
        data = np.asarray(tree.data, dtype=float)
        d = data.shape[1]
        if model.kernel == "gaussian" and getattr(model, "metric", "euclidean") == "euclidean":
            b = float(getattr(model, "bandwidth_", model.bandwidth))
            sw = getattr(tree, "sample_weight", None)
            w = (
                np.full(data.shape[0], 1.0 / data.shape[0])
                if sw is None
                else np.asarray(sw, dtype=float) / np.sum(sw)
            )
            return GaussianMixture(w, data, b * b * np.eye(d))
        return SklearnDensity(model, d)
    if hasattr(model, "score_samples") and hasattr(model, "n_features_in_"):
        return SklearnDensity(model, int(model.n_features_in_))
    raise BoundkitError(f"cannot wrap {name}: expected a fitted GaussianMixture or KernelDensity")
