r"""The refined model of a sample-based base model, with its Monte Carlo normaliser."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from boundkit._errors import BoundkitError
from boundkit.models._montecarlo import MonteCarloLambda, lambda_from_samples, resolve_generator

__all__ = ["MAX_REJECTION_M", "SampleRefinement", "refine_from_samples"]

#: ``method="auto"`` samples by rejection only when :math:`M` is at most this (acceptance
#: rate :math:`\ge 1/M`); beyond it, by importance resampling.
MAX_REJECTION_M: float = 200.0


@dataclass(frozen=True)
class SampleRefinement:
    r"""A refined model :math:`Q_h` whose shift :math:`\nu_h` is estimated from model samples.

    Attributes
    ----------
    model : boundkit.duality.RefinedDistribution
        The refined model: ``logpdf`` (when the base has one), ``ratio``, ``sample_info``
        (importance resampling or exact rejection sampling).
    discriminator : callable
        The (bounded) discriminator h.
    lam : MonteCarloLambda
        :math:`\hat\Lambda`, :math:`\hat\nu` and their standard errors on the evaluation
        samples.
    h_model : ndarray, shape (m,)
        h at the evaluation samples (kept for the certificate).
    h_max : float or None
        An upper bound of h (enables rejection sampling).
    generator : Generator

    Notes
    -----
    .. math:: \log q_h(x) = \log q(x) + \log (f^*)'(h(x) - \hat\nu), \qquad
              \frac1m\sum_{i=1}^m (f^*)'(h(X_i) - \hat\nu) = 1,\ X_i \sim Q.
    """

    model: Any
    discriminator: Any
    lam: MonteCarloLambda
    h_model: np.ndarray
    h_max: float | None
    generator: Any

    def log_ratio(self, x: Any) -> np.ndarray:
        r""":math:`\log (f^*)'(h(x) - \hat\nu)` at points (m, d) (``-inf`` where the ratio is 0)."""
        with np.errstate(divide="ignore"):
            return np.log(self.model.ratio(x))

    def log_ratio_at_shift(self, x: Any, nu: float) -> np.ndarray:
        r""":math:`\log (f^*)'(h(x) - \nu)` at a given shift (for the delta method)."""
        from boundkit.generators import refinement_ratio

        hv = np.asarray(self.discriminator(x), dtype=float)
        with np.errstate(divide="ignore"):
            return np.log(refinement_ratio(self.generator, hv, nu=nu))

    @property
    def rejection_bound(self) -> float:
        r"""The rejection constant :math:`M = (f^*)'(h_{\max} - \hat\nu)` (``inf`` if unbounded)."""
        if self.h_max is None:
            return float("inf")
        from boundkit.generators import refinement_ratio

        with np.errstate(all="ignore"):
            M = float(refinement_ratio(self.generator, np.array([self.h_max]), nu=self.lam.nu)[0])
        return max(M, 1.0) if np.isfinite(M) else float("inf")

    def sample(self, n: int, *, method: str = "auto", rng: Any = None, n_proposals: Any = None):
        r"""Draw from :math:`Q_h`; returns :class:`boundkit.duality.SamplingInfo`.

        ``method="auto"`` uses exact rejection sampling when h is bounded above with
        :math:`M = (f^*)'(h_{\max} - \hat\nu) \le` :data:`MAX_REJECTION_M` (acceptance rate
        :math:`1/M` on average) and sampling-importance-resampling otherwise (its effective
        sample size is reported).
        """
        if method == "auto":
            method = "rejection" if self.rejection_bound <= MAX_REJECTION_M else "sir"
        if method == "rejection":
            if self.h_max is None:
                raise BoundkitError("rejection sampling needs a bounded discriminator")
            return self.model.sample_info(n, rng=rng, method="rejection", h_max=self.h_max)
        if method == "sir":
            return self.model.sample_info(n, rng=rng, method="sir", n_proposals=n_proposals)
        raise BoundkitError(f"unknown sampling method {method!r}: expected auto, rejection or sir")


def refine_from_samples(
    base: Any,
    h: Any,
    generator: Any = "kl",
    *,
    samples: Any = None,
    n_samples: int = 20_000,
    h_max: float | None = None,
    rng: Any = None,
) -> SampleRefinement:
    r"""Refine a base model by a discriminator, estimating :math:`\nu_h` from model samples.

    Parameters
    ----------
    base : Distribution
        The base model (see :func:`as_model`); ``logpdf`` is optional.
    h : callable
        ``h(x) -> (m,)``; a :class:`SampleDiscriminator` supplies ``h_max`` itself.
    generator : Generator or str
    samples : array_like, shape (m, d), optional
        Evaluation samples of the base (independent of those h was fitted on); drawn when
        omitted.
    n_samples : int
        Their number when drawn.
    h_max : float, optional
        An upper bound of h (rejection sampling); read from ``h.upper`` when present.
    rng : seed or Generator

    Returns
    -------
    SampleRefinement

    Notes
    -----
    The refined model is :class:`boundkit.duality.RefinedDistribution` (one implementation
    of :math:`dQ_h/dQ = (f^*)'(h - \nu_h)`), with :math:`\hat\nu` from
    :func:`lambda_from_samples`.

    Examples
    --------
    >>> from boundkit.distributions import Gaussian
    >>> ref = refine_from_samples(Gaussian([0.0], 1.0), lambda x: x[:, 0], "kl", rng=0)
    >>> abs(ref.lam.value - 0.5) < 4 * ref.lam.se   # log E e^X = 1/2
    True
    """
    from boundkit.duality import RefinedDistribution

    g = resolve_generator(generator)
    if not callable(h):
        raise BoundkitError("h must be a callable h(x) -> (m,)")
    if samples is None:
        samples = base.sample(int(n_samples), rng=rng)
    xs = np.asarray(samples, dtype=float)
    hv = np.asarray(h(xs), dtype=float).reshape(-1)
    lam = lambda_from_samples(g, hv)
    if h_max is None:
        h_max = getattr(h, "upper", None)
    model = RefinedDistribution(
        base, g, lam.nu, lam.value, "self-normalised Monte Carlo", h=h, nu_stderr=lam.nu_se
    )
    return SampleRefinement(model, h, lam, hv, None if h_max is None else float(h_max), g)
