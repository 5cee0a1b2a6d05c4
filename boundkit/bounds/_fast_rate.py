r"""A fast-rate (O(1/n)) bound for the KL refinement with a class linear in features.

boundkit's own statement (THEORY C10 in ``docs/theory.md``, with the proof). The class is
:math:`\mathcal H = \{w\cdot\phi : w \in K\}` with :math:`K` closed and convex (the toys use
the ball :math:`\|w\|_2 \le B`), :math:`A(w) = \log E_Q e^{w\cdot\phi}`, :math:`h^* = w^*\cdot\phi`
the population maximiser and :math:`h_n = w_n\cdot\phi` the empirical one. With

* :math:`H = \nabla^2 A(w^*) = \mathrm{Cov}_{Q_{h^*}}(\phi)` (positive definite),
* :math:`\rho = \sup_{x, x' \in \mathrm{supp}\,Q}\|\phi(x) - \phi(x')\|_{H^{-1}}` (finite when
  :math:`\phi` is bounded on the support of Q),
* :math:`\varepsilon_n = \|\bar\phi_n - E_P\phi\|_{H^{-1}} = \sup_{\|v\|_H \le 1}
  v\cdot(\bar\phi_n - E_P\phi)` (the supremum of the empirical process over the *localised*
  class, an ellipsoid, in closed form),

every sample with :math:`\rho\varepsilon_n < 1` satisfies

.. math::

    \mathrm{KL}(P\|Q_{h_n}) - \mathrm{KL}(P\|Q_{h^*}) \le F_\rho(\varepsilon_n)
    = \frac{-\log(1 - \rho\varepsilon_n) - \rho\varepsilon_n}{\rho^2}
    = \frac{\varepsilon_n^2}{2} + \frac{\rho\varepsilon_n^3}{3} + \dots,

and more sharply :math:`\le F_\kappa(\varepsilon_n)` for :math:`\varepsilon_n < K(\infty)`,
with the curvature profile :math:`\kappa` of :func:`curvature_profile` (which also uses
:math:`\rho_0 = \sup\|\phi - E_{Q_{h^*}}\phi\|_{H^{-1}}`). With an active ball constraint
(KKT multiplier :math:`\lambda > 0`) the same holds in the :math:`N = H + (\lambda/2)I` norm
with the envelope :math:`G_\kappa(\varepsilon) = \varepsilon K^{-1}(\varepsilon)`
(:func:`active_rate_function`; C10 (4)), even when :math:`H` is singular;
and :math:`E\varepsilon_n^2 = d_H/n` with :math:`d_H = \mathrm{tr}(H^{-1}\Sigma_P)`,
:math:`\Sigma_P = \mathrm{Cov}_P(\phi)`. The functions below turn this into a
high-probability bound (Bousquet's inequality for :math:`\varepsilon_n`) and a bound in
expectation (the layer-cake formula with Bousquet's tail integrated, minimised over a grid of
the localisation threshold). Every returned value is rounded upwards.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np

from boundkit._errors import BoundkitError
from boundkit.bounds._concentration import _EPS, _up

__all__ = [
    "FastRateConstants",
    "FastRateResult",
    "fast_rate_bound",
    "fast_rate_constants",
    "curvature_profile",
    "active_rate_function",
    "fast_rate_function",
    "localisation_limit",
]


def _g(x: np.ndarray) -> np.ndarray:
    r""":math:`g(x) = (-\log(1-x) - x)/x^2 = \sum_{k\ge2} x^{k-2}/k`, increasing on [0, 1)."""
    return (-np.log1p(-x) - x) / (x * x)


def fast_rate_function(epsilon: Any, rho: float, rho_center: float = math.inf) -> np.ndarray:
    r"""The deterministic fast-rate envelope :math:`F_\kappa(\varepsilon)` (``inf`` where the
    localisation fails), rounded upwards.

    Parameters
    ----------
    epsilon : array_like
        :math:`\varepsilon_n \ge 0`.
    rho : float
        :math:`\rho \ge 0`.
    rho_center : float
        :math:`\rho_0` (``inf``: the profile :math:`e^{-\rho s}` alone).

    Notes
    -----
    With :math:`\kappa` from :func:`curvature_profile`, :math:`K(t) = \int_0^t\kappa` and
    :math:`T(\varepsilon) = K^{-1}(\varepsilon)`,

    .. math::

        F_\kappa(\varepsilon) = \int_0^{T(\varepsilon)} K(r)\,dr
        \le F_\rho(\varepsilon) = \frac{-\log(1 - \rho\varepsilon) - \rho\varepsilon}{\rho^2}
        = \varepsilon^2 \sum_{k \ge 2} \frac{(\rho\varepsilon)^{k-2}}{k},
        \qquad F_0(\varepsilon) = \varepsilon^2/2;

    :math:`F_\rho` (the profile :math:`e^{-\rho s}`) in closed form, evaluated with the series
    when :math:`\rho\varepsilon < 10^{-2}` (no cancellation); with :math:`\rho_0` the smaller
    of :math:`F_\rho` and an upper Riemann sum of :math:`F_\kappa` on a grid of 200 000 steps
    (geometric, relative steps :math:`10^{-4}`; :math:`T` rounded up to the next grid point).

    Examples
    --------
    >>> round(float(fast_rate_function(0.1, 0.0)), 12)
    0.005
    >>> bool(fast_rate_function(0.5, 2.0) == np.inf)
    True
    >>> bool(fast_rate_function(0.1, 6.0, 4.0) < fast_rate_function(0.1, 6.0))
    True
    """
    eps = np.asarray(epsilon, dtype=float)
    rho = float(rho)
    if math.isnan(rho) or rho < 0:
        raise BoundkitError(f"rho must be >= 0; got {rho!r}")
    rho_center = float(rho_center)
    if math.isnan(rho_center) or rho_center < 0:
        raise BoundkitError(f"rho_center must be >= 0; got {rho_center!r}")
    if np.any(np.isnan(eps)) or np.any(eps < 0):
        raise BoundkitError("epsilon must be >= 0")
    with np.errstate(invalid="ignore"):
        x = rho * eps if math.isfinite(rho) else np.where(eps > 0, np.inf, 0.0)
    # F increases with x: rounding x up keeps the value on the safe side
    x = np.where(np.isfinite(x), x * (1 + 2 * _EPS), x)
    out = np.full(eps.shape, np.inf)
    small = x < 1e-2
    ks = np.arange(2, 40)
    xs = np.where(small, x, 0.0)
    series = (xs[..., None] ** (ks - 2) / ks).sum(-1)
    out = np.where(small, eps**2 * series, out)
    mid = (x >= 1e-2) & (x < 1)
    xm = np.where(mid, x, 0.5)
    direct = (-np.log1p(-xm) - xm) / (rho * rho if 0 < rho < math.inf else 1.0)
    out = np.where(mid, direct, out)
    # the subtraction -log1p(-x) - x loses at most a factor 2/x <= 200 of relative accuracy
    out = np.where(np.isfinite(out), out * (1 + 1024 * _EPS) + 1e-300, out)
    if 0 < rho < math.inf and 0 < rho_center < math.inf:
        out = np.minimum(out, _profile_lookup(eps, rho, rho_center)[0])
    return out


def curvature_profile(s: Any, rho: float, rho_center: float = math.inf) -> np.ndarray:
    r"""The curvature lower bound :math:`\kappa(s)`: :math:`\nabla^2A(w^* + v) \succeq
    \kappa(\|v\|_H)\,H` for every v (THEORY C10).

    Notes
    -----
    .. math::

        \kappa(s) = \max\Big(e^{-\rho s},\ \exp\Big(-\rho_0 s -
        \frac{e^{\rho_0 s} - 1 - \rho_0 s}{\rho_0^2}\Big)\Big),

    the first from the oscillation of :math:`v\cdot\phi`, the second from Bennett's bound on
    :math:`\log E_{Q_{h^*}}e^{v\cdot\phi}` (variance :math:`\|v\|_H^2`, deviations at most
    :math:`\rho_0\|v\|_H`); non-increasing, :math:`\kappa(0) = 1`.

    Examples
    --------
    >>> float(curvature_profile(0.0, 3.0, 2.0))
    1.0
    >>> bool(curvature_profile(0.1, 3.0, 2.0) > np.exp(-0.3))
    True
    """
    s = np.asarray(s, dtype=float)
    out = np.exp(-rho * s)
    if math.isfinite(rho_center) and rho_center > 0:
        x = rho_center * s
        with np.errstate(over="ignore"):
            bennett = np.exp(-x - (np.expm1(x) - x) / rho_center**2)
        out = np.maximum(out, bennett)
    return out


_N_TABLE = 200_000


@lru_cache(maxsize=8)
def _envelope_table(rho: float, rho_center: float) -> tuple[np.ndarray, ...]:
    r"""Grid :math:`t_j` on :math:`[0, 50/\rho]` (0, then geometric from :math:`10^{-7}/\rho`:
    relative steps :math:`10^{-4}`) with :math:`\underline K_j \le K(t_j) =
    \int_0^{t_j}\kappa`, :math:`\overline F_j \ge \int_0^{t_j}K` and :math:`\kappa(t_j)`
    (Riemann sums of monotone functions, rounded outwards)."""
    t = np.concatenate([[0.0], np.geomspace(1e-7 / rho, 50.0 / rho, _N_TABLE)])
    kap = curvature_profile(t, rho, rho_center)
    dt = np.diff(t)
    k_lo = np.concatenate([[0.0], np.cumsum(dt * kap[1:])]) * (1 - 1e-9)
    k_hi = np.concatenate([[0.0], np.cumsum(dt * kap[:-1])]) * (1 + 1e-9)
    f_hi = np.concatenate([[0.0], np.cumsum(dt * k_hi[1:])]) * (1 + 1e-9)
    return t, k_lo, f_hi, kap


def _profile_lookup(eps: np.ndarray, rho: float, rho_center: float) -> tuple[np.ndarray, ...]:
    r"""Per :math:`\varepsilon`: an upper bound on :math:`F_\kappa(\varepsilon)` and a lower
    bound on :math:`\kappa(T(\varepsilon))` (``inf`` and 0 beyond the table)."""
    t, k_lo, f_hi, kap = _envelope_table(float(rho), float(rho_center))
    j = np.searchsorted(k_lo, eps, side="left")  # first t_j with K(t_j) >= eps
    inside = j < k_lo.size
    jj = np.minimum(j, k_lo.size - 1)
    return np.where(inside, f_hi[jj], np.inf), np.where(inside, kap[jj], 0.0)


def active_rate_function(epsilon: Any, rho: float, rho_center: float = math.inf) -> np.ndarray:
    r"""The envelope of the active-constraint variant of C10, :math:`G_\kappa(\varepsilon) =
    \varepsilon\,K^{-1}(\varepsilon)` (``inf`` where :math:`\varepsilon \ge K(\infty)`),
    rounded upwards; here :math:`\rho`, :math:`\rho_0` and :math:`\varepsilon` are in the
    :math:`N = H + (\lambda/2)I` norm.

    Notes
    -----
    .. math::

        G_\kappa(\varepsilon) = \varepsilon\,T(\varepsilon),\quad K(T(\varepsilon)) =
        \varepsilon,\qquad G_\kappa(\varepsilon) = \varepsilon^2 + O(\rho\varepsilon^3)
        \ \ (\text{twice } F_\kappa \text{ to leading order}),

    with :math:`K = \int_0^\cdot\kappa` (:func:`curvature_profile`); for the profile
    :math:`e^{-\rho s}` alone :math:`T(\varepsilon) = -\log(1 - \rho\varepsilon)/\rho`
    (closed form, used when :math:`\rho_0` is ``inf``); with :math:`\rho_0` the smaller of that
    and :math:`\varepsilon` times the next grid point of :func:`fast_rate_function`'s table.

    Examples
    --------
    >>> round(float(active_rate_function(0.01, 1e-9)), 12)
    0.0001
    >>> bool(active_rate_function(0.5, 2.0) == np.inf)
    True
    """
    eps = np.asarray(epsilon, dtype=float)
    rho, rho_center = float(rho), float(rho_center)
    if not (rho > 0 and math.isfinite(rho)):
        raise BoundkitError(f"rho must be a finite number > 0; got {rho!r}")
    if math.isnan(rho_center) or rho_center < 0:
        raise BoundkitError(f"rho_center must be >= 0; got {rho_center!r}")
    if np.any(np.isnan(eps)) or np.any(eps < 0):
        raise BoundkitError("epsilon must be >= 0")
    x = rho * eps * (1 + 2 * _EPS)
    xm = np.where(x < 1, x, 0.0)
    t_rho = np.where(x < 1, -np.log1p(-xm) / rho * (1 + 64 * _EPS), np.inf)
    out = np.where(np.isfinite(t_rho), eps * t_rho, np.inf)
    if 0 < rho_center < math.inf:
        t, k_lo = _envelope_table(rho, rho_center)[:2]
        j = np.searchsorted(k_lo, eps, side="left")
        inside = j < k_lo.size
        t_hi = np.where(inside, t[np.minimum(j, k_lo.size - 1)], np.inf)
        out = np.minimum(out, np.where(inside, eps * t_hi, np.inf))
    return np.where(np.isfinite(out), out * (1 + 64 * _EPS) + 1e-300, out)


def localisation_limit(rho: float, rho_center: float = math.inf) -> float:
    r"""A lower bound on :math:`K(\infty) = \int_0^\infty\kappa` (:func:`curvature_profile`):
    the envelope is finite for :math:`\varepsilon_n` below it.

    Notes
    -----
    Without :math:`\rho_0`, :math:`K(\infty) = \int_0^\infty e^{-\rho s}ds = 1/\rho`; with it,
    the lower Riemann sum :math:`\sum_j (t_{j+1} - t_j)\,\kappa(t_{j+1})` over the grid of
    :func:`fast_rate_function` on :math:`[0, 50/\rho]` (:math:`\kappa` non-increasing),
    rounded down.

    Examples
    --------
    >>> localisation_limit(4.0)
    0.25
    >>> bool(localisation_limit(6.28, 4.53) > 1 / 6.28)
    True
    """
    if not (math.isfinite(rho_center) and rho_center > 0):
        return 1.0 / rho
    return float(_envelope_table(float(rho), float(rho_center))[1][-1])


@dataclass(frozen=True)
class FastRateConstants:
    r"""The population constants entering the fast-rate bound (see the module docstring).

    Attributes
    ----------
    d_h : float
        :math:`d_H = \mathrm{tr}(H^{-1}\Sigma_P)` (:math:`= n E\varepsilon_n^2`).
    sigma2 : float
        :math:`\lambda_{\max}(H^{-1/2}\Sigma_P H^{-1/2})
        = \sup_{\|v\|_H\le1}\mathrm{Var}_P(v\cdot\phi)`.
    rho : float
        :math:`\sup_{x,x'\in\mathrm{supp}Q}\|\phi(x)-\phi(x')\|_{H^{-1}}`.
    b : float
        :math:`\sup_{x\in\mathrm{supp}P}\|\phi(x) - E_P\phi\|_{H^{-1}}`.
    m4 : float
        :math:`E_P\|\phi - E_P\phi\|_{H^{-1}}^4`.
    tr_cov2 : float
        :math:`\mathrm{tr}\big((H^{-1/2}\Sigma_P H^{-1/2})^2\big)`.
    trace_cov_p : float
        :math:`\mathrm{tr}\,\Sigma_P` (Euclidean).
    radius : float
        :math:`\sup_{w, w' \in K}\|w - w'\|_2 / 2` (B for the ball).
    h_max : float
        :math:`\lambda_{\max}(H)` (``inf``, the default, drops the tail bound that uses it).
    rho_center : float
        :math:`\rho_0 = \sup_{x\in\mathrm{supp}Q}\|\phi(x) - E_{Q_{h^*}}\phi\|_{H^{-1}}`
        (:math:`\rho/2 \le \rho_0 \le \rho`; ``inf``, the default, drops the Bennett
        curvature profile, see :func:`curvature_profile`).
    multiplier : float
        0 (the default): every norm above is the :math:`H` norm and the envelope is
        :math:`F_\kappa`. :math:`\lambda > 0`: the KKT multiplier of an active ball
        constraint (:math:`E_P\phi - \nabla A(w^*) = \lambda w^*`, :math:`\|w^*\|_2 = B`);
        every norm is then the :math:`N = H + (\lambda/2)I` norm (``h_max`` is
        :math:`\lambda_{\max}(N)`) and the envelope is :math:`G_\kappa(\varepsilon) =
        \varepsilon K^{-1}(\varepsilon)` (THEORY C10 (4)).
    """

    d_h: float
    sigma2: float
    rho: float
    b: float
    m4: float
    tr_cov2: float
    trace_cov_p: float
    radius: float
    h_max: float = math.inf
    rho_center: float = math.inf
    multiplier: float = 0.0

    def to_dict(self) -> dict[str, float]:
        """The constants as a plain dictionary."""
        return {k: float(getattr(self, k)) for k in self.__dataclass_fields__}

    def fourth_moment(self, n: int) -> float:
        r""":math:`E\varepsilon_n^4` exactly.

        Notes
        -----
        With :math:`Y_i = H^{-1/2}(\phi(x_i) - E_P\phi)` i.i.d., mean zero, covariance
        :math:`C`: :math:`E\|\sum_i Y_i\|^4 = n E\|Y\|^4 + n(n-1)\big((\mathrm{tr}C)^2 +
        2\,\mathrm{tr}C^2\big)`, divided by :math:`n^4`.
        """
        n = int(n)
        return (n * self.m4 + n * (n - 1) * (self.d_h**2 + 2 * self.tr_cov2)) / n**4


def fast_rate_constants(
    phi_q: Any,
    q_star: Any,
    phi_p: Any,
    p: Any,
    *,
    radius: float,
    multiplier: float = 0.0,
) -> FastRateConstants:
    r"""The constants of the fast-rate bound for finite supports (exact finite sums).

    Parameters
    ----------
    phi_q : array_like, shape (K, d)
        Features on the support of Q.
    q_star : array_like, shape (K,)
        Weights of :math:`Q_{h^*}` on those atoms.
    phi_p : array_like, shape (J, d)
        Features on the support of P.
    p : array_like, shape (J,)
        Weights of P.
    radius : float
        :math:`B` (half the Euclidean diameter of the parameter set).
    multiplier : float
        :math:`\lambda \ge 0`, the KKT multiplier of the active ball constraint
        (:math:`\|w^*\|_2 = B`); with :math:`\lambda > 0` the constants are taken in the
        :math:`N = H + (\lambda/2)I` norm, which is positive definite even when :math:`H` is
        singular (THEORY C10 (4)). 0: the :math:`H` norm.

    Returns
    -------
    FastRateConstants

    Raises
    ------
    BoundkitError
        When :math:`\mathrm{Cov}_{Q_{h^*}}(\phi)` is singular (the bound needs it invertible).

    Notes
    -----
    With :math:`H = \mathrm{Cov}_{Q_{h^*}}\phi`, :math:`\mu = E_P\phi`,
    :math:`Y = H^{-1/2}(\phi - \mu)` under P and :math:`C = E_P YY^\top`:

    .. math::

        d_H = \mathrm{tr}\,C,\quad \sigma^2 = \lambda_{\max}(C),\quad
        \rho = \max_{k, l}\|\phi_k - \phi_l\|_{H^{-1}},\quad
        b = \max_{j: p_j > 0}\|Y_j\|,\quad m_4 = E_P\|Y\|^4 .

    Examples
    --------
    >>> phi = np.array([[-1.0], [0.0], [1.0]])
    >>> c = fast_rate_constants(phi, [1/3, 1/3, 1/3], phi, [0.5, 0.25, 0.25], radius=1.0)
    >>> round(c.rho, 6), round(c.d_h, 6)
    (2.44949, 1.03125)
    """
    phi_q = np.atleast_2d(np.asarray(phi_q, dtype=float))
    phi_p = np.atleast_2d(np.asarray(phi_p, dtype=float))
    q_star = np.asarray(q_star, dtype=float)
    p = np.asarray(p, dtype=float)
    if phi_q.shape[0] != q_star.shape[0] or phi_p.shape[0] != p.shape[0]:
        raise BoundkitError("features and weights must have the same number of atoms")
    if phi_q.shape[1] != phi_p.shape[1]:
        raise BoundkitError("phi_q and phi_p must have the same number of features")
    multiplier = float(multiplier)
    if not (math.isfinite(multiplier) and multiplier >= 0):
        raise BoundkitError(f"multiplier must be a finite number >= 0; got {multiplier!r}")
    mq = q_star @ phi_q
    H = (phi_q - mq).T @ ((phi_q - mq) * q_star[:, None])
    vals, vecs = np.linalg.eigh(H + 0.5 * multiplier * np.eye(H.shape[0]))
    if vals.min() <= 1e-12 * max(vals.max(), 1e-300):
        raise BoundkitError(
            "Cov_{Q_{h*}}(phi) is singular (features collinear on the support of Q): the "
            "fast-rate bound needs it positive definite (or an active constraint, multiplier > 0)"
        )
    w_half = vecs / np.sqrt(vals)  # H^{-1/2} = w_half @ vecs.T; ||v||_{H^-1} = ||v @ w_half||
    mp = p @ phi_p
    yp = (phi_p - mp) @ w_half  # whitened centred P-features
    C = yp.T @ (yp * p[:, None])
    yq = phi_q @ w_half
    on = q_star > 0
    yq = yq[on]
    d2 = (yq * yq).sum(1)
    gram = yq @ yq.T
    pair = np.maximum(d2[:, None] + d2[None, :] - 2 * gram, 0.0)
    norms_p = (yp * yp).sum(1)
    on_p = p > 0
    return FastRateConstants(
        d_h=float(np.trace(C)),
        sigma2=float(np.linalg.eigvalsh(C).max()),
        rho=float(np.sqrt(pair.max())),
        b=float(np.sqrt(norms_p[on_p].max())),
        m4=float(p @ norms_p**2),
        tr_cov2=float(np.sum(C * C)),
        trace_cov_p=float(np.trace((phi_p - mp).T @ ((phi_p - mp) * p[:, None]))),
        radius=float(radius),
        h_max=float(vals.max()),
        rho_center=float(np.sqrt(((((phi_q[on] - mq) @ w_half) ** 2).sum(1)).max())),
        multiplier=multiplier,
    )


@dataclass(frozen=True)
class FastRateResult:
    r"""The fast-rate bound on the excess :math:`\mathrm{KL}(P\|Q_{h_n}) - \mathrm{KL}(P\|Q_{h^*})`.

    Attributes
    ----------
    kind : {"high-probability", "expectation"}
        What the value bounds.
    value : float
        The bound on the excess (``inf`` when the sample is too small for the localisation).
    n, delta : int, float or None
        Sample size and confidence (None for the expectation bound).
    terms : mapping
        ``epsilon`` (the bound on :math:`\varepsilon_n`) and the pieces of the value.
    constants : FastRateConstants
        The population constants used.
    constant_factor : float
        The factor multiplying the bound (1 for the theorem; a shipped false variant uses 0.1).
    """

    kind: str
    value: float
    n: int
    delta: float | None
    terms: Mapping[str, float]
    constants: FastRateConstants
    constant_factor: float = 1.0
    notes: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dictionary."""
        return {
            "kind": self.kind,
            "value": float(self.value),
            "n": int(self.n),
            "delta": None if self.delta is None else float(self.delta),
            "terms": {k: float(v) for k, v in self.terms.items()},
            "constants": self.constants.to_dict(),
            "constant_factor": float(self.constant_factor),
            "notes": list(self.notes),
        }


def _bousquet(c: FastRateConstants, n: int) -> tuple[float, float, float]:
    r"""The coefficients :math:`(m, \sqrt k, c)` of Bousquet's deviation function
    :math:`\bar\varepsilon(x) = m + \sqrt{kx} + cx`: :math:`m = \sqrt{d_H/n}`,
    :math:`k = 2(\sigma^2 + 2bm)/n`, :math:`c = b/(3n)`; :math:`P(\varepsilon_n >
    \bar\varepsilon(x)) \le e^{-x}` for every :math:`x > 0`."""
    m = math.sqrt(c.d_h / n)
    return m, math.sqrt(2.0 * (c.sigma2 + 2.0 * c.b * m) / n), c.b / (3.0 * n)


def _epsilon_hp(c: FastRateConstants, n: int, delta: float) -> float:
    r"""Bousquet's bound :math:`\bar\varepsilon(\log(1/\delta))` on :math:`\varepsilon_n` at
    confidence :math:`1 - \delta`."""
    L = math.log(1.0 / delta)
    m, sk, cc = _bousquet(c, n)
    return _up(m + sk * math.sqrt(L) + cc * L)


def _bousquet_level(c: FastRateConstants, n: int, r: np.ndarray) -> np.ndarray:
    r"""The largest :math:`x \ge 0` with :math:`\bar\varepsilon(x) \le r` (0 where
    :math:`r \le m`), rounded downwards, so that :math:`P(\varepsilon_n > r) \le e^{-x}`."""
    m, sk, cc = _bousquet(c, n)
    gap = np.maximum(np.asarray(r, dtype=float) - m, 0.0)
    # sqrt(x) is the positive root of cc y^2 + sk y - gap = 0 (stable form of the root)
    y = 2.0 * gap / (sk + np.sqrt(sk * sk + 4.0 * cc * gap))
    return np.maximum(y * y * (1.0 - 64 * _EPS) - 1e-300, 0.0)


def _epsilon_tail(c: FastRateConstants, n: int, r: Any) -> np.ndarray:
    r"""An upper bound on :math:`P(\varepsilon_n > r)`, non-increasing in r.

    Notes
    -----
    .. math::

        P(\varepsilon_n > r) \le \min\Big(1,\ \frac{d_H/n}{r^2},\
        \frac{E\varepsilon_n^4}{r^4},\ e^{-x(r)}\Big),

    Chebyshev/Markov with the exact second and fourth moments and Bousquet's inequality,
    :math:`x(r)` the level at which :math:`\bar\varepsilon(x) = r` (0 for :math:`r \le
    \sqrt{d_H/n}`).
    """
    r = np.asarray(r, dtype=float)
    with np.errstate(divide="ignore"):
        cheb = np.where(r > 0, c.d_h / n / (r * r), np.inf)
        markov = np.where(r > 0, c.fourth_moment(n) / r**4, np.inf)
    bq = np.exp(-_bousquet_level(c, n, r))
    return np.minimum(np.minimum(1.0, cheb), np.minimum(markov, bq)) * (1 + 64 * _EPS)


def _epsilon_tail_mean(c: FastRateConstants, n: int, s: np.ndarray) -> np.ndarray:
    r"""An upper bound on :math:`E[\varepsilon_n 1\{\varepsilon_n > s\}]`.

    Notes
    -----
    With :math:`x_0 = x(s)` (:func:`_epsilon_tail`), integrating Bousquet's tail,

    .. math::

        E[\varepsilon_n 1\{\varepsilon_n > s\}] \le \int_{x_0}^\infty e^{-x}\bar\varepsilon(x)dx
        = e^{-x_0}\big(m + c(1 + x_0)\big) + \sqrt k\,\Gamma(3/2, x_0),

    and also :math:`\le E\varepsilon_n^4/s^3`; the smaller is returned.
    """
    from scipy.special import gamma, gammaincc

    m, sk, cc = _bousquet(c, n)
    x0 = _bousquet_level(c, n, s)
    integ = np.exp(-x0) * (m + cc * (1.0 + x0)) + sk * gamma(1.5) * gammaincc(1.5, x0)
    with np.errstate(divide="ignore"):
        markov = np.where(s > 0, c.fourth_moment(n) / s**3, np.inf)
    return np.minimum(integ, markov) * (1 + 64 * _EPS)


def _expectation(c: FastRateConstants, n: int) -> tuple[float, dict[str, float]]:
    r"""The expectation bound minimised over the fixed grid :math:`\tau = 0.01, \dots, 0.99`
    (and the slow-rate candidate :math:`\tau = 0`); see :func:`fast_rate_bound`."""
    d_n = c.d_h / n
    hmax = math.sqrt(c.h_max) if math.isfinite(c.h_max) else math.inf
    e_l2 = math.sqrt(c.trace_cov_p / n)
    # tau = 0: excess <= 2B ||e||_2 always, E||e||_2 <= sqrt(tr Sigma_P / n)
    slow = _up(2 * c.radius * min(e_l2, hmax * math.sqrt(d_n)))
    best = (slow, 0.0, 0.0, slow)
    if not (math.isfinite(c.rho) and c.rho > 0):
        return slow, {"tau": 0.0, "main": 0.0, "tail": slow}
    sub = 40  # sub-intervals of the layer-cake integral per step of tau
    taus = np.round(np.arange(1, 100) * 0.01, 2)
    limit = localisation_limit(c.rho, c.rho_center)
    r = np.linspace(0.0, 0.99 * limit, 99 * sub + 1)
    # kappa(T(r)) >= 1 - rho r (the profile e^{-rho s}) and >= the table's value
    x_r = c.rho * r[1:] * (1 + 4 * _EPS)
    kap = np.maximum(1.0 - x_r, 0.0)
    # T(r) <= -log(1 - rho r)/rho (the profile e^{-rho s}) and <= the table's next point
    t_hi = np.where(x_r < 1, -np.log1p(-np.minimum(x_r, 1 - 1e-16)) / c.rho, np.inf)
    if math.isfinite(c.rho_center) and c.rho_center > 0:
        kap = np.maximum(kap, _profile_lookup(r[1:], c.rho, c.rho_center)[1])
        t_tab, k_lo = _envelope_table(float(c.rho), float(c.rho_center))[:2]
        j = np.minimum(np.searchsorted(k_lo, r[1:], side="left"), k_lo.size - 1)
        t_hi = np.minimum(t_hi, t_tab[j])
    # upper Riemann sum of A(r) P(eps > r), A = F'(r) - r = r (1/kappa(T(r)) - 1) for the
    # envelope F_kappa, A = G'(r) - 2r = T(r) - r + r (1/kappa(T(r)) - 1) for G_kappa
    # (active constraint): A increasing, P non-increasing, so each piece is at most
    # A(right end) * P(left end)
    a = r[1:] * (1.0 / kap - 1.0)
    if c.multiplier > 0:
        a = a + np.maximum(t_hi * (1 + 64 * _EPS) - r[1:], 0.0)
    a = a * (1 + 4 * _EPS)
    piece = np.diff(r) * a * _epsilon_tail(c, n, r[:-1])
    third = np.cumsum(piece)[sub - 1 :: sub] * (1 + 1e4 * _EPS)
    s = taus * limit * (1 - 4 * _EPS)
    if c.multiplier > 0:
        main = d_n + third  # int_0^s 2r P(eps > r) dr <= E eps^2 = d/n
    else:
        x = c.rho * s
        g_branch = np.where(x < 1, _g(np.minimum(x, 0.999)) * d_n, np.inf)
        main = np.minimum(g_branch, 0.5 * d_n + third)
    tail = (
        2
        * c.radius
        * np.minimum(
            e_l2 * np.sqrt(np.minimum(_epsilon_tail(c, n, s), 1.0)),
            hmax * _epsilon_tail_mean(c, n, s),
        )
    )
    total = main + tail
    i = int(np.argmin(total))
    if _up(float(total[i])) < best[0]:
        best = (_up(float(total[i])), float(taus[i]), float(main[i]), float(tail[i]))
    return best[0], {"tau": best[1], "main": best[2], "tail": best[3]}


def _check_bound_arguments(
    n: Any, delta: Any, kind: str, constant_factor: float
) -> tuple[int, float]:
    """Validated (n, delta) of a fast-rate bound evaluation (delta only for the
    high-probability kind; 0.0 is returned for the expectation kind)."""
    if isinstance(n, bool) or not float(n).is_integer() or int(n) < 2:
        raise BoundkitError(f"n must be an integer >= 2; got {n!r}")
    if not (math.isfinite(constant_factor) and constant_factor > 0):
        raise BoundkitError(f"constant_factor must be > 0; got {constant_factor!r}")
    if kind == "high-probability":
        if delta is None or not (0.0 < float(delta) < 1.0):
            raise BoundkitError(f"delta must lie in the open interval (0, 1); got {delta!r}")
        return int(n), float(delta)
    if kind != "expectation":
        raise BoundkitError(f"kind must be 'expectation' or 'high-probability'; got {kind!r}")
    return int(n), 0.0


def fast_rate_bound(
    constants: FastRateConstants,
    n: int,
    delta: float | None = 0.05,
    *,
    kind: str = "high-probability",
    constant_factor: float = 1.0,
) -> FastRateResult:
    r"""Evaluate the fast-rate bound (THEORY C10) at sample size n.

    Parameters
    ----------
    constants : FastRateConstants
        From :func:`fast_rate_constants` (or a toy adapter).
    n : int
        Sample size, >= 2.
    delta : float
        Confidence for ``kind="high-probability"`` (ignored for the expectation bound).
    kind : {"high-probability", "expectation"}
        Which bound.
    constant_factor : float
        Multiplies the returned value. 1 for the theorem; anything else is *not* a theorem
        (used by the shipped false claims ``X6-fast-rate-over-10`` and ``X8-fast-rate-over-2``).

    Returns
    -------
    FastRateResult

    Notes
    -----
    *High probability.* Bousquet's inequality (2002, Thm 2.3) for
    :math:`n\varepsilon_n = \sup_{\|v\|_H\le1}\sum_i v\cdot(\phi(x_i) - E_P\phi)` (summands
    centred, at most :math:`b`, variance at most :math:`\sigma^2`, and
    :math:`E\varepsilon_n \le \sqrt{d_H/n}`), with :math:`L = \log(1/\delta)`:

    .. math::

        \varepsilon_n \le \bar\varepsilon = \sqrt{\frac{d_H}{n}}
        + \sqrt{\frac{2L(\sigma^2 + 2b\sqrt{d_H/n})}{n}} + \frac{bL}{3n},
        \qquad \text{excess} \le F_\kappa(\bar\varepsilon)
        \ \ (G_\kappa(\bar\varepsilon) \text{ with an active constraint}).

    *Expectation.* For every :math:`s < K(\infty)` (:func:`localisation_limit`): on
    :math:`\{\varepsilon_n \le s\}` the excess is at most :math:`F_\kappa(\varepsilon_n)`
    (:func:`fast_rate_function`), and always at most :math:`2B\|\bar\phi_n - E_P\phi\|_2 \le
    2B\sqrt{\lambda_{\max}(H)}\,\varepsilon_n`. With :math:`\bar P(r) \ge P(\varepsilon_n > r)`
    (:func:`_epsilon_tail`: Chebyshev, Markov on :math:`\varepsilon_n^4`, Bousquet) and the
    layer-cake formula :math:`E[F_\kappa(\varepsilon_n)1\{\varepsilon_n \le s\}] \le
    \int_0^s F_\kappa'(r)P(\varepsilon_n > r)\,dr`, :math:`F_\kappa'(r) = r/\kappa(T(r))`:

    .. math::

        E\,\text{excess} \le \min\Big(g(\rho s)\frac{d_H}{n},\ \frac{d_H}{2n} +
        \int_0^s r\Big(\frac{1}{\kappa(T(r))} - 1\Big)\bar P(r)\,dr\Big) + 2B\min\Big(
        \sqrt{\frac{\mathrm{tr}\Sigma_P}{n}\bar P(s)},\ \sqrt{\lambda_{\max}(H)}\,
        E[\varepsilon_n 1\{\varepsilon_n > s\}]\Big),

    :math:`g(x) = (-\log(1-x) - x)/x^2` (``inf`` for :math:`x \ge 1`), the last expectation
    bounded by :func:`_epsilon_tail_mean` (Bousquet's tail integrated). With an active
    constraint (``constants.multiplier > 0``, C10 (4), everything in the :math:`N` norm) the
    first term is :math:`d/n + \int_0^s (T(r) - r + r(1/\kappa(T(r)) - 1))\bar P(r)\,dr`. It
    holds for every :math:`s`, so its minimum over the fixed grid :math:`s = \tau
    \underline K`, :math:`\tau = 0.01, \dots, 0.99`, is a bound; so is the slow-rate value
    :math:`2B\min(\sqrt{\mathrm{tr}\Sigma_P/n}, \sqrt{\lambda_{\max}(H) d_H/n})`, which keeps
    it finite. The integral is an upper Riemann sum (its first factor increases, :math:`\bar P`
    decreases), with :math:`T(r)` rounded up and :math:`\kappa(T(r))` down.

    Examples
    --------
    >>> c = FastRateConstants(d_h=2.0, sigma2=1.0, rho=5.0, b=4.0, m4=10.0, tr_cov2=2.0,
    ...                       trace_cov_p=0.5, radius=1.0)
    >>> r = fast_rate_bound(c, 10_000, 0.05)
    >>> bool(0 < r.value < 1e-3)
    True
    """
    n, delta = _check_bound_arguments(n, delta, kind, constant_factor)
    c = constants
    if kind == "high-probability":
        eps = _epsilon_hp(c, n, delta)
        if c.multiplier > 0:
            val = float(active_rate_function(eps, c.rho, c.rho_center))
        else:
            val = float(fast_rate_function(eps, c.rho, c.rho_center))
        terms = {"epsilon": eps, "rho_epsilon": c.rho * eps, "envelope": val}
        notes = () if math.isfinite(val) else ("rho * epsilon >= 1: n too small to localise",)
        return FastRateResult(
            kind, constant_factor * val, n, float(delta), terms, c, constant_factor, notes
        )
    val, terms = _expectation(c, n)
    return FastRateResult("expectation", constant_factor * val, n, None, terms, c, constant_factor)
