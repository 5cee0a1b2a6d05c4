r"""Base models known by samples and, optionally, a log-density."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from boundkit._errors import BoundkitError
from boundkit._validation import check_points
from boundkit.distributions import Distribution, Gaussian, from_sklearn

__all__ = ["FittedBase", "SampleModel", "as_model", "fit_base_model"]

_SKLEARN_DENSITIES = ("GaussianMixture", "BayesianGaussianMixture", "KernelDensity")


class SampleModel(Distribution):
    r"""A generative model known through ``sample(n, rng)`` and, optionally, ``logpdf(x)``.

    Parameters
    ----------
    sampler : callable
        ``sampler(n, rng) -> (n, dim)`` with ``rng`` a :class:`numpy.random.Generator`.
    dim : int
        Dimension of the samples.
    logpdf : callable, optional
        ``logpdf(x) -> (m,)`` for points ``(m, dim)``; without it the model is sample-only
        (held-out log-likelihoods are then not available, improvements still are).
    name : str
        A label for reports.

    Notes
    -----
    Every expectation under a sample-only model is a Monte Carlo average
    :math:`\frac1m\sum_{i\le m} g(X_i)`, :math:`X_i \sim Q`, reported with its standard error.
    """

    def __init__(
        self,
        sampler: Callable[[int, np.random.Generator], Any],
        dim: int,
        *,
        logpdf: Callable[[np.ndarray], Any] | None = None,
        name: str = "model",
    ) -> None:
        self._sampler = sampler
        self._logpdf = logpdf
        self.dim = int(dim)
        self.name = name

    def __repr__(self) -> str:
        kind = "sample + logpdf" if self._logpdf is not None else "sample only"
        return f"SampleModel({self.name}, dim={self.dim}, {kind})"

    @property
    def has_logpdf(self) -> bool:
        """Whether the model has a log-density."""
        return self._logpdf is not None

    def sample(self, n: int, *, rng: Any = None) -> np.ndarray:
        """``n`` samples of shape ``(n, dim)``, checked finite."""
        n = self._n(n)
        out = np.asarray(self._sampler(n, np.random.default_rng(rng)), dtype=float)
        if out.ndim == 1 and self.dim == 1:
            out = out[:, None]
        if out.shape != (n, self.dim):
            raise BoundkitError(
                f"the model's sample({n}, rng) returned shape {out.shape}, expected ({n}, "
                f"{self.dim})"
            )
        if not np.all(np.isfinite(out)):
            raise BoundkitError("the model's samples contain NaN or infinite values")
        return out

    def logpdf(self, x: Any) -> np.ndarray:
        """The model's log-density at ``x`` (m, dim); raises when it has none."""
        if self._logpdf is None:
            raise BoundkitError(f"{self.name} is sample-only: it has no logpdf")
        pts = check_points(x, self.dim)
        out = np.asarray(self._logpdf(pts), dtype=float).reshape(-1)
        if out.shape != (pts.shape[0],) or np.any(np.isnan(out)):
            raise BoundkitError(f"{self.name}.logpdf returned NaN or a wrong shape {out.shape}")
        return out


def has_logpdf(model: Distribution) -> bool:
    """Whether a base model (as returned by :func:`as_model`) has a log-density."""
    return bool(getattr(model, "has_logpdf", True))


def _call_sample(obj: Any, n: int, rng: np.random.Generator) -> Any:
    """Call ``obj.sample`` with ``rng=`` (boundkit style) or ``random_state=`` (sklearn)."""
    try:
        return obj.sample(n, rng=rng)
    except TypeError:
        return obj.sample(n, random_state=int(rng.integers(2**31 - 1)))


def as_model(obj: Any, dim: int | None = None, *, name: str | None = None) -> Distribution:
    r"""Turn a generative model into a boundkit base model.

    Parameters
    ----------
    obj : object
        A boundkit :class:`~boundkit.distributions.Distribution`; a fitted scikit-learn
        ``GaussianMixture``, ``BayesianGaussianMixture`` or ``KernelDensity`` (via
        :func:`boundkit.distributions.from_sklearn`, exact densities); any object with
        ``sample(n, rng)`` (or ``sample(n, random_state=...)``) and optionally ``logpdf(x)``
        or ``score_samples(x)``; or a plain sampler callable ``f(n, rng) -> (n, d)``.
    dim : int, optional
        The dimension (read from a test draw when omitted).
    name : str, optional
        Label for reports.

    Returns
    -------
    Distribution
        A distribution with ``sample(n, rng=...)``; ``logpdf`` when the model has one.

    Raises
    ------
    BoundkitError
        If the object has no way to sample.

    Notes
    -----
    Nothing is assumed about the model beyond sampling: :math:`\Lambda_f^Q[h]` is then a Monte
    Carlo average over its samples (:func:`lambda_from_samples`).

    Examples
    --------
    >>> Q = as_model(lambda n, rng: rng.normal(size=(n, 2)))
    >>> Q.sample(3, rng=0).shape, Q.has_logpdf
    ((3, 2), False)
    """
    if isinstance(obj, Distribution):
        return obj
    label = name or type(obj).__name__
    if type(obj).__name__ in _SKLEARN_DENSITIES:
        return from_sklearn(obj)
    if hasattr(obj, "sample") and callable(obj.sample):
        lp = getattr(obj, "logpdf", None) or getattr(obj, "score_samples", None)
        if dim is None:
            dim = _probe_dim(lambda n, rng: _call_sample(obj, n, rng), label)
        return SampleModel(
            lambda n, rng: _first(_call_sample(obj, n, rng)),
            dim,
            logpdf=lp if callable(lp) else None,
            name=label,
        )
    if callable(obj) and not isinstance(obj, type):
        if dim is None:
            dim = _probe_dim(obj, label)
        return SampleModel(obj, dim, name=name or getattr(obj, "__name__", "sampler"))
    raise BoundkitError(
        f"cannot use {label} as a base model: it needs a sample(n, rng) method (or must be a "
        "sampler callable f(n, rng))"
    )


def _first(out: Any) -> Any:
    """sklearn's ``sample`` returns ``(X, labels)``: keep ``X``."""
    return out[0] if isinstance(out, tuple) else out


def _probe_dim(sampler: Callable[[int, np.random.Generator], Any], label: str) -> int:
    out = np.asarray(_first(sampler(2, np.random.default_rng(0))), dtype=float)
    if out.ndim == 1:
        return 1
    if out.ndim != 2 or out.shape[0] != 2:
        raise BoundkitError(f"{label}.sample(2, rng) returned shape {out.shape}, expected (2, d)")
    return int(out.shape[1])


@dataclass(frozen=True)
class FittedBase:
    r"""A base model fitted to training data from a short specification.

    Attributes
    ----------
    model : Distribution
        The boundkit model (exact densities for GMM/KDE/Gaussian).
    spec : str
        The specification (``"gmm:K"``, ``"kde:BANDWIDTH"``, ``"gaussian"``).
    estimator : object or None
        The fitted scikit-learn estimator (``None`` for ``"gaussian"``).
    fit_seconds : float
        Wall-clock time of the fit (the baseline of the refinement benchmark).
    """

    model: Distribution
    spec: str
    estimator: Any
    fit_seconds: float


def fit_base_model(spec: str, x: Any, *, rng: Any = None, reg_covar: float = 1e-3) -> FittedBase:
    r"""Fit a base model given by a specification string to training data.

    Parameters
    ----------
    spec : str
        ``"gmm:K"`` (scikit-learn ``GaussianMixture`` with K full-covariance components),
        ``"bgmm:K"`` (``BayesianGaussianMixture``, at most K components), ``"kde:BANDWIDTH"``
        (Gaussian ``KernelDensity``) or ``"gaussian"`` (one Gaussian, maximum likelihood).
    x : array_like, shape (n, d)
        Training points.
    rng : seed or Generator
        Seed of the EM initialisation.
    reg_covar : float
        Ridge added to every covariance (standardised data: relative to unit variance).

    Returns
    -------
    FittedBase

    Notes
    -----
    Gaussian: :math:`\hat\mu = \bar x`, :math:`\hat\Sigma = \frac1n\sum_i (x_i - \bar x)
    (x_i - \bar x)^\top + r I`. KDE with bandwidth :math:`b`:
    :math:`\hat q(x) = \frac1n\sum_i \mathcal N(x; x_i, b^2 I)`.

    Examples
    --------
    >>> fb = fit_base_model("gaussian", np.array([[0.0], [2.0]]), reg_covar=0.0)
    >>> fb.model.mean.tolist(), fb.model.cov.tolist()
    ([1.0], [[1.0]])
    """
    x = check_points(x, name="training data")
    gen = np.random.default_rng(rng)
    seed = int(gen.integers(2**31 - 1))
    kind, _, arg = str(spec).strip().partition(":")
    kind = kind.lower()
    t0 = time.perf_counter()
    est: Any = None
    if kind in ("gmm", "bgmm"):
        try:
            k = int(arg)
        except ValueError:
            raise BoundkitError(f"--model {spec!r}: expected {kind}:K with K an integer") from None
        if not 1 <= k <= x.shape[0]:
            raise BoundkitError(
                f"--model {spec!r}: K must be between 1 and the {x.shape[0]} training points"
            )
        from sklearn.mixture import BayesianGaussianMixture, GaussianMixture

        cls = GaussianMixture if kind == "gmm" else BayesianGaussianMixture
        est = cls(n_components=k, covariance_type="full", reg_covar=reg_covar, random_state=seed)
        if kind == "bgmm":
            est.set_params(max_iter=500)
        est.fit(x)
        model = from_sklearn(est)
    elif kind == "kde":
        try:
            bw = float(arg)
        except ValueError:
            raise BoundkitError(f"--model {spec!r}: expected kde:BANDWIDTH (a number)") from None
        if not (np.isfinite(bw) and bw > 0):
            raise BoundkitError(f"--model {spec!r}: the bandwidth must be > 0")
        from sklearn.neighbors import KernelDensity

        est = KernelDensity(bandwidth=bw).fit(x)
        model = from_sklearn(est)
    elif kind == "gaussian" and not arg:
        mean = x.mean(axis=0)
        cov = np.cov(x, rowvar=False, bias=True).reshape(x.shape[1], x.shape[1])
        model = Gaussian(mean, cov + reg_covar * np.eye(x.shape[1]))
    else:
        raise BoundkitError(
            f"unknown model {spec!r}: expected gmm:K, bgmm:K, kde:BANDWIDTH or gaussian"
        )
    return FittedBase(model, str(spec), est, time.perf_counter() - t0)
