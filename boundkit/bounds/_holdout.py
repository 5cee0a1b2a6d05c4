r"""Certificates from held-out data: a lower confidence bound on what a refinement gained.

By C5, for KL and :math:`P \ll Q`, :math:`\mathrm{KL}(P\|Q) - \mathrm{KL}(P\|Q_h) = E_P h -
\Lambda(h)` with :math:`\Lambda(h) = \log E_Q e^h`, computable from Q alone. With :math:`m`
points of P *independent of h* (held out from the training of h, however h was trained), a
lower confidence bound on :math:`E_P h` minus :math:`\Lambda(h)` is a lower confidence bound on
the improvement. For any generator f, :math:`E_P h - \Lambda_f^Q[h] \le D_f^{\mathcal H}(P\|Q)
\le D_f(P\|Q)` for every :math:`h \in \mathcal H` (C2), so the same number certifies a lower
bound on the restricted divergence. THEORY C11 in ``docs/theory.md``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import special, stats

from boundkit._errors import BoundkitError
from boundkit.bounds._concentration import (
    _down,
    empirical_bernstein_deviation,
    hoeffding_deviation,
)

__all__ = ["HOLDOUT_METHODS", "HoldoutCertificate", "holdout_certificate"]

#: The lower confidence bounds on :math:`E_P h` that :func:`holdout_certificate` offers.
HOLDOUT_METHODS: tuple[str, ...] = ("hoeffding", "empirical-bernstein", "binomial")


@dataclass(frozen=True)
class HoldoutCertificate:
    r"""A lower confidence bound on :math:`E_P h - \Lambda_f^Q[h]` from held-out points.

    Attributes
    ----------
    value : float
        The certificate: with probability at least :math:`1 - \delta` over the held-out
        points, :math:`E_P h - \Lambda_f^Q[h] \ge` ``value``.
    mean : float
        :math:`\frac1m\sum_j h(x_j)` over the held-out points.
    lower_mean : float
        The lower confidence bound on :math:`E_P h`.
    lam : float
        :math:`\Lambda_f^Q[h]`.
    m : int
        Number of held-out points.
    delta : float
        Confidence parameter.
    method : str
        One of :data:`HOLDOUT_METHODS`.
    value_range : tuple of float or None
        The range [a, b] of h on the support of P used by the method.
    generator : str
        Generator name (``"kl"`` unless given).
    """

    value: float
    mean: float
    lower_mean: float
    lam: float
    m: int
    delta: float
    method: str
    value_range: tuple[float, float] | None
    generator: str = "kl"
    notes: tuple[str, ...] = field(default=())

    @property
    def deviation(self) -> float:
        """``mean - lower_mean``: the price of the confidence statement."""
        return float(self.mean - self.lower_mean)

    @property
    def terms(self) -> Mapping[str, float]:
        """The itemised terms: value = mean - deviation - lam."""
        return {"mean": self.mean, "deviation": self.deviation, "lam": self.lam}

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dictionary."""
        return {
            "value": float(self.value),
            "mean": float(self.mean),
            "lower_mean": float(self.lower_mean),
            "deviation": self.deviation,
            "lam": float(self.lam),
            "m": int(self.m),
            "delta": float(self.delta),
            "method": self.method,
            "value_range": None if self.value_range is None else list(self.value_range),
            "generator": self.generator,
            "notes": list(self.notes),
        }


def _clopper_pearson_lower(count: int, m: int, alpha: float) -> float:
    r"""The Clopper--Pearson lower bound on a binomial proportion, never above the exact one.

    Returns :math:`p_L` with :math:`P(\mathrm{Bin}(m, p_L) \ge \text{count}) \le \alpha`
    (so any p with :math:`P(\mathrm{Bin}(m,p) \ge \text{count}) > \alpha` lies above it).
    """
    if count == 0:
        return 0.0
    p = float(special.betaincinv(count, m - count + 1, alpha))
    # the exact lower end solves P(Bin(m, p) >= count) = alpha; step down until the float
    # value is certainly not above it
    for _ in range(200):
        if stats.binom.sf(count - 1, m, p) <= alpha * (1 - 1e-9):
            return _down(p)
        p = p * (1 - 1e-10) - 1e-300
    raise BoundkitError("Clopper-Pearson bound: could not certify the lower end")


def _lam(lam: Any, generator: Any, h_on_q: Any, q_weights: Any) -> tuple[float, str]:
    from boundkit.bounds._bound import generator_name

    name = "kl" if generator is None else generator_name(generator)
    if lam is not None:
        if h_on_q is not None:
            raise BoundkitError("give either lam or h_on_q (with q_weights), not both")
        val = float(lam)
        if not math.isfinite(val):
            raise BoundkitError(f"lam must be finite; got {lam!r}")
        return val, name
    if h_on_q is None:
        raise BoundkitError(
            "Lambda_f^Q[h] is needed: pass lam=..., or h_on_q (h at the atoms of Q) and q_weights"
        )
    from boundkit.generators import shift_functional

    return float(
        shift_functional("kl" if generator is None else generator, h_on_q, q_weights).value
    ), name


def holdout_certificate(
    h_values: Any,
    lam: float | None = None,
    *,
    delta: float = 0.05,
    method: str = "empirical-bernstein",
    value_range: Any = None,
    levels: Any = None,
    generator: Any = None,
    h_on_q: Any = None,
    q_weights: Any = None,
) -> HoldoutCertificate:
    r"""Lower confidence bound on :math:`E_P h - \Lambda_f^Q[h]` from held-out points.

    Parameters
    ----------
    h_values : array_like, shape (m,)
        :math:`h(x_j)` at m points of P drawn independently of h (held out).
    lam : float, optional
        :math:`\Lambda_f^Q[h]` (for KL :math:`\log E_Q e^h`); or give ``h_on_q`` and
        ``q_weights`` to compute it with :func:`boundkit.generators.shift_functional`.
    delta : float
        Confidence parameter in (0, 1).
    method : {"hoeffding", "empirical-bernstein", "binomial"}
        How :math:`E_P h` is bounded below (see Notes).
    value_range : (a, b), optional
        The range of h on the support of P (needed by Hoeffding and empirical Bernstein).
    levels : array_like, optional
        For ``"binomial"``: all the values h can take on the support of P (fixed before the
        held-out points are seen, e.g. h at the atoms of a finite support).
    generator : str or Generator, optional
        The generator f (default KL).
    h_on_q, q_weights : array_like, optional
        h at the atoms of Q and their weights, to compute :math:`\Lambda_f^Q[h]`.

    Returns
    -------
    HoldoutCertificate

    Notes
    -----
    With :math:`\bar h = \frac1m\sum_j h(x_j)` and :math:`V` the unbiased sample variance,
    the certificate is :math:`\underline{E_P h} - \Lambda_f^Q[h]`, where
    :math:`\underline{E_P h}` is

    * Hoeffding: :math:`\bar h - (b-a)\sqrt{\log(1/\delta)/(2m)}`;
    * empirical Bernstein (Maurer and Pontil 2009, Thm 4):
      :math:`\bar h - \sqrt{2V\log(2/\delta)/m} - 7(b-a)\log(2/\delta)/(3(m-1))`;
    * binomial: with levels :math:`u_1 < \dots < u_k` (h takes no other value),
      :math:`h = u_1 + \sum_{j \ge 2}(u_j - u_{j-1})\,1\{h \ge u_j\}`, so

      .. math:: E_P h \ge u_1 + \sum_{j\ge2} (u_j - u_{j-1})\,
         \underline p_j,

      :math:`\underline p_j` the Clopper--Pearson lower bound on :math:`P(h \ge u_j)` at level
      :math:`\delta/(k-1)` (union bound).

    For KL and :math:`P \ll Q` the value bounds the improvement
    :math:`\mathrm{KL}(P\|Q) - \mathrm{KL}(P\|Q_h)` (C5); for any f and :math:`h\in\mathcal H`
    it bounds :math:`D_f^{\mathcal H}(P\|Q)` from below (C2). The held-out points must not
    have been used to choose h.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> h = rng.uniform(-1, 1, 500) + 0.2
    >>> c = holdout_certificate(h, lam=0.05, value_range=(-0.8, 1.2), delta=0.05)
    >>> bool(c.value < c.mean - c.lam) and c.method
    'empirical-bernstein'
    """
    if not (0.0 < float(delta) < 1.0):
        raise BoundkitError(f"delta must lie in the open interval (0, 1); got {delta!r}")
    delta = float(delta)
    h = np.asarray(h_values, dtype=float).reshape(-1)
    if h.size < 2 or not np.all(np.isfinite(h)):
        raise BoundkitError("h_values must hold at least 2 finite values (held-out points)")
    m = int(h.size)
    if method not in HOLDOUT_METHODS:
        raise BoundkitError(f"unknown method {method!r}: expected one of {HOLDOUT_METHODS}")
    lam_val, gname = _lam(lam, generator, h_on_q, q_weights)
    mean = float(h.mean())
    vr: tuple[float, float] | None = None
    if method in ("hoeffding", "empirical-bernstein"):
        if value_range is None:
            raise BoundkitError(f"method {method!r} needs value_range=(a, b): the range of h")
        a, b = (float(v) for v in value_range)
        if not (math.isfinite(a) and math.isfinite(b) and a <= b):
            raise BoundkitError(f"value_range must be finite with a <= b; got {value_range!r}")
        if h.min() < a or h.max() > b:
            raise BoundkitError(
                f"h_values leave value_range [{a:g}, {b:g}] (min {h.min():g}, max {h.max():g})"
            )
        vr = (a, b)
        if method == "hoeffding":
            dev = hoeffding_deviation(m, delta, vr)
        else:
            dev = empirical_bernstein_deviation(m, delta, float(h.var(ddof=1)), vr)
        lower = _down(mean - dev)
    else:
        if levels is None:
            raise BoundkitError(
                "method 'binomial' needs levels=: every value h takes on the support of P"
            )
        u = np.unique(np.asarray(levels, dtype=float))
        if u.size < 1 or not np.all(np.isfinite(u)):
            raise BoundkitError("levels must be finite values")
        if not np.all(np.isin(h, u)):
            raise BoundkitError("h_values contain a value that is not in levels")
        k = u.size
        lower = float(u[0])
        alpha = delta / max(k - 1, 1)
        for j in range(1, k):
            count = int(np.sum(h >= u[j]))
            lower += float(u[j] - u[j - 1]) * _clopper_pearson_lower(count, m, alpha)
        lower = _down(lower)
        vr = (float(u[0]), float(u[-1]))
    value = _down(lower - lam_val)
    return HoldoutCertificate(
        value=value,
        mean=mean,
        lower_mean=lower,
        lam=lam_val,
        m=m,
        delta=delta,
        method=method,
        value_range=vr,
        generator=gname,
    )
