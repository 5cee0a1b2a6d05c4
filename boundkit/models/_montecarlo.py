r"""Monte Carlo estimate of :math:`\Lambda_f^Q[h]` and :math:`\nu_h` from model samples."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from boundkit._errors import BoundkitError

__all__ = ["MonteCarloLambda", "lambda_from_samples", "resolve_generator"]


def resolve_generator(generator: Any) -> Any:
    """A :class:`~boundkit.generators.Generator` from a name, expression or generator."""
    from boundkit.generators import get_generator

    return get_generator(generator) if isinstance(generator, str) else generator


@dataclass(frozen=True)
class MonteCarloLambda:
    r"""A Monte Carlo estimate of the shift functional with its standard errors.

    Attributes
    ----------
    value, se : float
        :math:`\hat\Lambda = \min_\nu \nu + \frac1m\sum_i f^*(h(X_i) - \nu)` and its standard
        error :math:`\mathrm{sd}_i\, f^*(h(X_i) - \hat\nu)/\sqrt m` (delta method: the
        derivative in :math:`\nu` vanishes at the minimiser).
    nu, nu_se : float
        :math:`\hat\nu` and its standard error
        :math:`\mathrm{sd}_i\,(f^*)'(h_i - \hat\nu) / (\sqrt m\ \overline{(f^*)''(h - \hat\nu)})`.
    m : int
        Number of model samples.
    ess : float
        Effective sample size :math:`(\sum_i r_i)^2 / \sum_i r_i^2` of the refinement weights
        :math:`r_i = (f^*)'(h_i - \hat\nu)`.
    """

    value: float
    se: float
    nu: float
    nu_se: float
    m: int
    ess: float

    def to_dict(self) -> dict[str, float]:
        """The numbers as a plain dictionary."""
        return {
            "value": self.value,
            "se": self.se,
            "nu": self.nu,
            "nu_se": self.nu_se,
            "m": self.m,
            "ess": self.ess,
        }


def _link_slope(g: Any, t: np.ndarray) -> np.ndarray:
    """Central difference of the link, :math:`(f^*)''(t)` (the link need not be smooth)."""
    eps = 1e-5 * np.maximum(1.0, np.abs(t))
    with np.errstate(all="ignore"):
        return (np.asarray(g.link(t + eps)) - np.asarray(g.link(t - eps))) / (2 * eps)


def lambda_from_samples(generator: Any, h_values: Any) -> MonteCarloLambda:
    r"""Estimate :math:`\Lambda_f^Q[h]` and :math:`\nu_h` from values of h on model samples.

    Parameters
    ----------
    generator : Generator or str
    h_values : array_like, shape (m,)
        :math:`h(X_i)` at independent samples :math:`X_i \sim Q`, :math:`m \ge 2`.

    Returns
    -------
    MonteCarloLambda

    Notes
    -----
    The estimate is the shift functional of the empirical measure :math:`Q_m` (uniform
    weights), computed by the one kernel
    :func:`boundkit.generators.shift_functional`:

    .. math:: \hat\Lambda = \Lambda_f^{Q_m}[h] = \min_\nu\ \nu + \frac1m\sum_{i=1}^m
              f^*(h(X_i) - \nu), \qquad \frac1m\sum_i (f^*)'(h(X_i) - \hat\nu) = 1.

    For KL, :math:`\hat\Lambda = \log\frac1m\sum_i e^{h(X_i)}` and
    :math:`\mathrm{se} = \mathrm{sd}(e^{h})/(\sqrt m\,\overline{e^{h}})`.

    Examples
    --------
    >>> lam = lambda_from_samples("kl", np.log([1.0, 3.0]))
    >>> round(lam.value, 12)  # log((1 + 3) / 2)
    0.69314718056
    """
    from boundkit.generators import shift_functional

    g = resolve_generator(generator)
    h = np.asarray(h_values, dtype=float).reshape(-1)
    m = int(h.size)
    if m < 2:
        raise BoundkitError(f"need at least 2 model samples to estimate Lambda, got {m}")
    if not np.all(np.isfinite(h)):
        raise BoundkitError("h is NaN or infinite at some model samples")
    lam = shift_functional(g, h)
    with np.errstate(all="ignore"):
        conj = np.asarray(g.conjugate(h - lam.nu), dtype=float)
    ratio = np.asarray(lam.ratio, dtype=float)
    if not (np.all(np.isfinite(conj)) and np.all(np.isfinite(ratio))):
        raise BoundkitError(
            "f*(h - nu) is infinite at some model samples: the Monte Carlo estimate of Lambda "
            "has no finite standard error"
        )
    se = float(np.std(conj, ddof=1) / np.sqrt(m))
    slope = float(np.mean(_link_slope(g, h - lam.nu)))
    nu_se = float(np.std(ratio, ddof=1) / np.sqrt(m) / slope) if slope > 0 else float("inf")
    total = float(ratio.sum())
    ess = total * total / float(np.sum(ratio * ratio)) if total > 0 else 0.0
    return MonteCarloLambda(float(lam.value), se, float(lam.nu), nu_se, m, ess)
