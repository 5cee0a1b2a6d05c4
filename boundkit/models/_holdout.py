r"""Held-out measurement: log-likelihoods with intervals and a certified improvement."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.stats import norm

from boundkit._errors import BoundkitError
from boundkit.models._base import has_logpdf
from boundkit.models._montecarlo import resolve_generator

__all__ = ["Certificate", "Estimate", "HeldOut", "holdout_certificate_mc", "measure_holdout"]


@dataclass(frozen=True)
class Estimate:
    r"""A number with its standard error and a normal confidence interval.

    Attributes
    ----------
    value, se : float
    lower, upper : float
        :math:`\text{value} \mp z_{(1+\text{level})/2}\,\text{se}`.
    level : float
    """

    value: float
    se: float
    lower: float
    upper: float
    level: float

    @classmethod
    def normal(cls, value: float, se: float, level: float) -> Estimate:
        """The normal interval at ``level`` around ``value``."""
        z = float(norm.ppf(0.5 + 0.5 * level))
        return cls(float(value), float(se), float(value - z * se), float(value + z * se), level)

    def to_dict(self) -> dict[str, float]:
        """The numbers as a plain dictionary."""
        return {
            "value": self.value,
            "se": self.se,
            "lower": self.lower,
            "upper": self.upper,
            "level": self.level,
        }


@dataclass(frozen=True)
class Certificate:
    r"""A lower confidence bound on :math:`\mathbb E_P h - \Lambda_f^Q[h]` from held-out data,
    with Q known only by samples.

    For KL this is the improvement :math:`\mathrm{KL}(P\|Q) - \mathrm{KL}(P\|Q_h)` (C5);
    for any f a lower bound on :math:`D_f(P\|Q)`. It holds with probability at least
    :math:`1 - \delta` over the test points and the model samples, for any h fixed
    beforehand (however it was trained).

    Attributes
    ----------
    value : float
        ``p_lower - lambda_upper``.
    p_lower : float
        Lower confidence bound of :math:`\mathbb E_P h` (confidence :math:`1 - \delta/2`,
        :func:`boundkit.bounds.holdout_certificate`).
    lambda_upper : float
        Upper bound of :math:`\Lambda_f^Q[h]` at a fixed shift :math:`\nu_0` (empirical
        Bernstein over the model samples, confidence :math:`1 - \delta/2`).
    delta : float
    n_test, m : int
    nu0 : float
    method : str
        The method of the held-out side (:data:`boundkit.bounds.HOLDOUT_METHODS`).
    """

    value: float
    p_lower: float
    lambda_upper: float
    delta: float
    n_test: int
    m: int
    nu0: float
    method: str

    def to_dict(self) -> dict[str, Any]:
        """The numbers as a plain dictionary."""
        return {
            "value": self.value,
            "p_lower": self.p_lower,
            "lambda_upper": self.lambda_upper,
            "delta": self.delta,
            "n_test": self.n_test,
            "m": self.m,
            "nu0": self.nu0,
            "method": self.method,
        }


def holdout_certificate_mc(
    h_test: Any,
    h_model: Any,
    generator: Any,
    value_range: tuple[float, float],
    *,
    nu0: float,
    delta: float = 0.05,
    method: str = "hoeffding",
) -> Certificate:
    r"""Certified lower bound on :math:`\mathbb E_P h - \Lambda_f^Q[h]`, Q known by samples.

    Parameters
    ----------
    h_test : array_like, shape (n,)
        h at held-out points of P (independent of h).
    h_model : array_like, shape (m,)
        h at fresh samples of Q (independent of h and of ``nu0``).
    generator : Generator or str
    value_range : (a, b)
        A range containing every value of h.
    nu0 : float
        A shift fixed beforehand (e.g. :math:`\nu_h` on the fitting samples).
    delta : float
        Total error probability, split evenly between the two sides.
    method : str
        Held-out side: ``"hoeffding"`` or ``"empirical-bernstein"``
        (:func:`boundkit.bounds.holdout_certificate`).

    Returns
    -------
    Certificate

    Notes
    -----
    Since :math:`\Lambda_f^Q[h] \le \nu_0 + \mathbb E_Q f^*(h - \nu_0)` for every
    :math:`\nu_0`, and :math:`f^*` is non-decreasing, :math:`Y = f^*(h(X) - \nu_0)` lies in
    :math:`[f^*(a - \nu_0), f^*(b - \nu_0)]` (width :math:`R`). With probability
    :math:`\ge 1 - \delta`, for Hoeffding on the held-out side,

    .. math:: \mathbb E_P h - \Lambda_f^Q[h] \ge \bar h_{\text{test}} - (b - a)
        \sqrt{\frac{\log(2/\delta)}{2n}} - \nu_0 - \Big(\bar Y + \sqrt{\frac{2 V_m
        \log(4/\delta)}{m}} + \frac{7 R \log(4/\delta)}{3(m - 1)}\Big),

    the empirical Bernstein bound (Maurer and Pontil 2009, Thm 4; :math:`V_m` the unbiased
    sample variance) on the model samples. Both deviations come from :mod:`boundkit.bounds`
    (:func:`~boundkit.bounds.holdout_certificate`,
    :func:`~boundkit.bounds.empirical_bernstein_deviation`).

    Examples
    --------
    >>> c = holdout_certificate_mc(np.ones(100), np.zeros(10_000), "kl", (-1.0, 1.0), nu0=-1.0)
    >>> bool(c.value < 1.0)   # true value: 1 - log E_Q e^0 = 1
    True
    """
    from boundkit.bounds import check_n_delta, empirical_bernstein_deviation, holdout_certificate

    g = resolve_generator(generator)
    ht = np.asarray(h_test, dtype=float).reshape(-1)
    hm = np.asarray(h_model, dtype=float).reshape(-1)
    n, m = int(ht.size), int(hm.size)
    check_n_delta(min(n, m), delta)
    a, b = (float(v) for v in value_range)
    if not (math.isfinite(a) and math.isfinite(b) and a <= b):
        raise BoundkitError(f"value_range must be finite with a <= b, got {value_range!r}")
    if min(hm.min(), ht.min()) < a or max(hm.max(), ht.max()) > b:
        raise BoundkitError("h takes values outside value_range: the certificate needs a range")
    with np.errstate(all="ignore"):
        y = np.asarray(g.conjugate(hm - nu0), dtype=float)
        ends = np.asarray(g.conjugate(np.array([a - nu0, b - nu0])), dtype=float)
    if not (np.all(np.isfinite(y)) and np.all(np.isfinite(ends))):
        raise BoundkitError("f*(h - nu0) is infinite on the range: choose another nu0")
    dev_q = empirical_bernstein_deviation(
        m, delta / 2.0, float(np.var(y, ddof=1)), (float(ends[0]), float(ends[1]))
    )
    lam_upper = float(nu0 + y.mean() + dev_q)
    held = holdout_certificate(
        ht, lam_upper, delta=delta / 2.0, method=method, value_range=(a, b), generator=g
    )
    return Certificate(
        float(held.value),
        float(held.lower_mean),
        lam_upper,
        float(delta),
        n,
        m,
        float(nu0),
        f"{method} (test) + empirical-bernstein (model samples)",
    )


@dataclass(frozen=True)
class HeldOut:
    r"""Held-out measurements of a base model and its refinement.

    Attributes
    ----------
    improvement : Estimate
        :math:`\frac1n\sum_{i} \log (f^*)'(h(x_i) - \hat\nu)` over the held-out points: the
        log-likelihood gain of :math:`Q_h` over :math:`Q` (for KL an estimate of
        :math:`\mathrm{KL}(P\|Q) - \mathrm{KL}(P\|Q_h)`); its se includes the normaliser.
    base_loglik, refined_loglik : Estimate or None
        Mean held-out log-likelihoods (``None`` for a sample-only base).
    certificate : Certificate or None
        Certified lower bound on the improvement (``None`` when not requested).
    n : int
    """

    improvement: Estimate
    base_loglik: Estimate | None
    refined_loglik: Estimate | None
    certificate: Certificate | None
    n: int

    def to_dict(self) -> dict[str, Any]:
        """The numbers as a plain dictionary."""
        return {
            "n": self.n,
            "improvement": self.improvement.to_dict(),
            "base_loglik": None if self.base_loglik is None else self.base_loglik.to_dict(),
            "refined_loglik": (
                None if self.refined_loglik is None else self.refined_loglik.to_dict()
            ),
            "certificate": None if self.certificate is None else self.certificate.to_dict(),
        }


def measure_holdout(
    refinement: Any,
    x: Any,
    *,
    level: float = 0.95,
    certify: bool = False,
    delta: float = 0.05,
    nu0: float | None = None,
    method: str = "hoeffding",
) -> HeldOut:
    r"""Held-out log-likelihoods of the base and the refined model, and the improvement.

    Parameters
    ----------
    refinement : SampleRefinement
    x : array_like, shape (n, d)
        Held-out points of P (not used to fit the base model or h).
    level : float
        Confidence level of the intervals.
    certify : bool
        Also compute :func:`holdout_certificate_mc` (needs a bounded h and ``nu0``).
    delta : float
        Error probability of the certificate.
    nu0 : float, optional
        The certificate's fixed shift (default: the discriminator's ``nu_fit``).
    method : {"hoeffding", "empirical-bernstein"}
        The certificate's held-out side (:func:`holdout_certificate_mc`).

    Returns
    -------
    HeldOut

    Notes
    -----
    With :math:`r_i = \log (f^*)'(h(x_i) - \hat\nu)` and :math:`\ell_i = \log q(x_i)`,

    .. math:: \widehat{\Delta} = \bar r, \qquad \mathrm{se}^2 = \frac{s_r^2}{n}
        + \big(\overline{\partial_\nu r}\big)^2 \mathrm{se}(\hat\nu)^2,

    and the refined log-likelihood :math:`\overline{\ell + r}` with the same normaliser term
    (independent model samples). For KL, :math:`r_i = h(x_i) - \hat\Lambda`.
    """
    if not 0 < level < 1:
        raise BoundkitError(f"level must lie in (0, 1), got {level!r}")
    pts = np.asarray(x, dtype=float)
    n = int(pts.shape[0])
    if n < 2:
        raise BoundkitError(f"need at least 2 held-out points, got {n}")
    lam = refinement.lam
    r = refinement.log_ratio(pts)
    if not np.all(np.isfinite(r)):
        raise BoundkitError(
            "the refined density is 0 at some held-out points (log-likelihood -inf): the "
            "generator's link vanishes there"
        )
    eps = 1e-4 * max(1.0, abs(lam.nu))
    slope = float(
        np.mean(
            (
                refinement.log_ratio_at_shift(pts, lam.nu + eps)
                - refinement.log_ratio_at_shift(pts, lam.nu - eps)
            )
            / (2 * eps)
        )
    )
    norm_var = (slope * lam.nu_se) ** 2
    imp = Estimate.normal(float(r.mean()), math.sqrt(np.var(r, ddof=1) / n + norm_var), level)
    base_ll = refined_ll = None
    base = refinement.model.base
    if has_logpdf(base):
        ell = np.asarray(base.logpdf(pts), dtype=float)
        base_ll = Estimate.normal(float(ell.mean()), float(np.std(ell, ddof=1) / np.sqrt(n)), level)
        tot = ell + r
        refined_ll = Estimate.normal(
            float(tot.mean()), math.sqrt(np.var(tot, ddof=1) / n + norm_var), level
        )
    cert = None
    if certify:
        disc = refinement.discriminator
        lo, hi = getattr(disc, "lower", None), getattr(disc, "upper", None)
        if lo is None or hi is None:
            raise BoundkitError("the certificate needs a discriminator with a known range")
        shift = getattr(disc, "nu_fit", None) if nu0 is None else nu0
        if shift is None:
            raise BoundkitError("the certificate needs a fixed shift nu0")
        cert = holdout_certificate_mc(
            disc(pts),
            refinement.h_model,
            refinement.generator,
            (lo, hi),
            nu0=shift,
            delta=delta,
            method=method,
        )
    return HeldOut(imp, base_ll, refined_ll, cert, n)
