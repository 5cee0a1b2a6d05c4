r"""A certified numerical curvature profile of the log-partition over the class (THEORY C10 (5)).

For a class linear in features, :math:`A(w) = \log E_Qe^{w\cdot\phi}`, a metric :math:`M \succ 0`
(boundkit uses :math:`M = H = \nabla^2A(w^*)`) and the ball :math:`K = \{\|w\|_2 \le B\}`, the
*profile* is a non-increasing step function :math:`\tilde\kappa` with

.. math::

    u^\top\nabla^2A(w^* + ru)\,u \ge \tilde\kappa(r) \qquad \text{for every } \|u\|_M = 1
    \text{ and } r \ge 0 \text{ with } w^* + ru \in K,

the curvature along rays from :math:`w^*`, which is what the proof of C10 (1) uses. In the
whitened coordinates :math:`z = L^\top(w - w^*)`, :math:`M = LL^\top`, it is
:math:`f(z) = \hat z^\top C(z)\hat z`, :math:`C(z) = L^{-1}\nabla^2A(w)L^{-\top}`,
:math:`\hat z = z/\|z\|`, and :math:`\|w - w^*\|_M = \|z\|`.

One branch and bound (:func:`_search`) bounds :math:`f` from below on shells of :math:`\|z\|`:
boxes whose lower bound is within a tolerance of the smallest value of :math:`f` found at box
centres of their innermost shell are kept, the others bisected; a shell's level is the
smallest bound among the boxes reaching it or an inner shell. The box bound is family
specific:

* finite support (:func:`certified_curvature_profile`): the density ratio
  :math:`dQ_z/dQ_c \ge e^{-\ell}` on the support (oscillation and centred Bennett bounds,
  :func:`_box_loss`) gives :math:`C(z) \succeq e^{-\ell}C(c)`, and the spread of the
  directions over the box costs :math:`2\delta\|C(c)\hat c\|` (:func:`_direction_bound`);
* Gaussian Q with quadratic features (:func:`gaussian_quadratic_curvature_profile`; unbounded
  features): interval arithmetic on the closed-form Hessian.

With this profile the envelope :math:`\tilde F` of C10 (5) is finite for every
:math:`\varepsilon`, because :math:`\|w_n - w^*\|_M \le D` (the :math:`M`-diameter of K seen
from :math:`w^*`): every sample localises.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from boundkit._errors import BoundkitError
from boundkit.bounds._concentration import _EPS

__all__ = [
    "CurvatureProfile",
    "certified_curvature_profile",
    "gaussian_quadratic_curvature_profile",
]

# relative margin for the floating-point evaluation of lambda_min at a box centre (4x4 to
# 8x8 symmetric eigenproblems and log-sum-exp weights: errors ~1e-15 relative)
_EVAL_MARGIN = 1e-9


@dataclass(frozen=True)
class CurvatureProfile:
    r"""A non-increasing step profile :math:`\tilde\kappa` on :math:`[0, D]`.

    Attributes
    ----------
    radii : numpy.ndarray, shape (J + 1,)
        :math:`0 = s_0 < s_1 < \dots < s_J = D`.
    levels : numpy.ndarray, shape (J,)
        :math:`\tilde\kappa = \kappa_j` on :math:`(s_{j-1}, s_j]`, non-increasing, positive.
    evaluations : int
        Curvature evaluations spent by the search (0 for a profile given by hand).
    gap : float
        The largest relative distance between a level and the smallest curvature found in
        its shells (the search's tolerance when it converged).
    analytic : (rho, rho_center), optional
        When the analytic profile of :func:`boundkit.bounds.curvature_profile` also holds (same
        metric), :meth:`envelope` is the smaller of the two envelopes (both are bounds).
    """

    radii: np.ndarray
    levels: np.ndarray
    evaluations: int = 0
    gap: float = 0.0
    analytic: tuple[float, float] | None = None

    def __post_init__(self) -> None:
        s = np.asarray(self.radii, dtype=float)
        k = np.asarray(self.levels, dtype=float)
        if s.ndim != 1 or k.shape != (s.size - 1,) or s.size < 2:
            raise BoundkitError("radii must have one more entry than levels (>= 1 level)")
        if s[0] != 0 or np.any(np.diff(s) <= 0) or not np.all(np.isfinite(s)):
            raise BoundkitError("radii must start at 0 and increase strictly")
        if np.any(~(k > 0)) or np.any(np.diff(k) > 0) or np.any(k > 1 + 1e-12):
            raise BoundkitError("levels must be positive, at most 1 and non-increasing")
        object.__setattr__(self, "radii", s)
        object.__setattr__(self, "levels", k)

    @property
    def diameter(self) -> float:
        r""":math:`D = s_J`: every :math:`w \in K` has :math:`\|w - w^*\|_M \le D`."""
        return float(self.radii[-1])

    @property
    def integral_to_diameter(self) -> float:
        r""":math:`\tilde K(D) = \int_0^D\tilde\kappa` (rounded down): beyond it the envelope is
        linear with slope D."""
        return float(self._tables()[0][-1])

    def _tables(self) -> tuple[np.ndarray, np.ndarray]:
        ds = np.diff(self.radii)
        # K(s_j) = int_0^{s_j} kappa (rounded down: T = K^{-1} is then rounded up) and
        # psi(s_j) = int_0^{s_j} r kappa(r) dr (rounded down: F = t eps - psi rounded up)
        k_cum = np.concatenate([[0.0], np.cumsum(self.levels * ds)]) * (1 - 1e-12)
        psi = np.concatenate(
            [[0.0], np.cumsum(self.levels * ds * (self.radii[1:] + self.radii[:-1]) / 2)]
        ) * (1 - 1e-12)
        return k_cum, psi

    def localisation(self, epsilon: Any) -> np.ndarray:
        r""":math:`\bar t(\varepsilon) = \min(K^{-1}(\varepsilon), D)` (rounded up), the bound
        on :math:`\|w_n - w^*\|_M` of a sample with :math:`\varepsilon_n = \varepsilon`."""
        eps = np.asarray(epsilon, dtype=float)
        k_cum, _ = self._tables()
        j = np.clip(np.searchsorted(k_cum, eps, side="right"), 1, self.levels.size)
        t = self.radii[j - 1] + (eps - k_cum[j - 1]) / self.levels[j - 1]
        return np.minimum(t * (1 + 8 * _EPS), self.diameter)

    def envelope(self, epsilon: Any) -> np.ndarray:
        r"""The deterministic envelope :math:`\tilde F(\varepsilon) \ge` excess of every sample
        with :math:`\varepsilon_n = \varepsilon` (rounded upwards).

        Notes
        -----
        With :math:`K(t) = \int_0^t\tilde\kappa`, :math:`\psi(t) = \int_0^t r\tilde\kappa(r)dr`
        and :math:`\bar t = \min(K^{-1}(\varepsilon), D)`,

        .. math::

            \tilde F(\varepsilon) = \bar t\,\varepsilon - \psi(\bar t)
            = \varepsilon^2/2 + O(\varepsilon^3),

        piecewise quadratic; linear with slope D beyond :math:`K(D)`. With ``analytic``, the
        smaller of this and :math:`F_\kappa(\varepsilon)` of
        :func:`boundkit.bounds.fast_rate_function`.

        Examples
        --------
        >>> prof = CurvatureProfile(np.array([0.0, 10.0]), np.array([1.0]))
        >>> round(float(prof.envelope(0.1)), 9)
        0.005
        """
        eps = np.asarray(epsilon, dtype=float)
        if np.any(np.isnan(eps)) or np.any(eps < 0):
            raise BoundkitError("epsilon must be >= 0")
        t = self.localisation(eps)
        k_cum, psi = self._tables()
        j = np.clip(np.searchsorted(self.radii, t, side="left"), 1, self.levels.size)
        lo = self.radii[j - 1]
        psi_t = psi[j - 1] + self.levels[j - 1] * (t * t - lo * lo) / 2 * (1 - 1e-12)
        val = np.maximum(t * eps - psi_t, 0.0) * (1 + 1e-10) + 1e-300
        if self.analytic is not None:
            from boundkit.bounds._fast_rate import fast_rate_function

            val = np.minimum(val, fast_rate_function(eps, *self.analytic))
        return val

    def to_dict(self) -> dict[str, Any]:
        """Summary for JSON records (the step table is long; its ends and size)."""
        return {
            "diameter": self.diameter,
            "steps": int(self.levels.size),
            "level_at": {
                f"{s:g}": float(
                    self.levels[min(np.searchsorted(self.radii, s), self.levels.size) - 1]
                )
                for s in (0.05, 0.1, 0.2, 0.5, 1.0)
                if s <= self.diameter
            },
            "evaluations": int(self.evaluations),
            "gap": float(self.gap),
        }


def _shell_radii(diameter: float) -> np.ndarray:
    """Shell boundaries: 0, geometric from 1e-4 to 0.05, steps of 0.005 up to 1, then 0.025,
    up to the diameter."""
    geo = np.geomspace(1e-4, 0.05, 60)
    fine = np.arange(0.05, min(diameter, 1.0), 0.005)
    coarse = np.arange(1.0, diameter, 0.025) if diameter > 1.0 else np.empty(0)
    s = np.concatenate([[0.0], geo, fine, coarse, [diameter]])
    s = np.unique(s[s <= diameter])
    return s[np.concatenate([[True], np.diff(s) > 1e-9])]


def _centre_terms(
    z: np.ndarray, w_star: np.ndarray, l_inv_t: np.ndarray, phi: np.ndarray, log_q: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    r"""At :math:`w = w^* + L^{-\top}z`, with whitened features :math:`y = L^{-1}\phi` and
    :math:`C = \mathrm{Cov}_{Q_w}(y) = L^{-1}\nabla^2A(w)L^{-\top}`: :math:`\lambda_{\min}(C)`,
    per coordinate the largest deviation :math:`\max_x|y_i(x) - E_{Q_w}y_i|`, and
    :math:`\sqrt{C_{ii}}`; and (columns) the radial curvature :math:`u^\top Cu`,
    :math:`u = z/\|z\|`, and :math:`\|Cu\|_2`."""
    w = w_star + z @ l_inv_t.T
    a = w @ phi.T + log_q
    a -= a.max(axis=1, keepdims=True)
    pw = np.exp(a)
    pw /= pw.sum(axis=1, keepdims=True)
    y = phi @ l_inv_t  # (atoms, d): y_i(x) = (L^{-T} e_i) . phi(x)
    mean = pw @ y
    yc = y[None, :, :] - mean[:, None, :]  # centred per box (no cancellation in the covariance)
    cov = np.einsum("mk,mkd,mke->mde", pw, yc, yc)
    dev = np.maximum(y.max(axis=0)[None, :] - mean, mean - y.min(axis=0)[None, :])
    sd = np.sqrt(np.maximum(np.einsum("mdd->md", cov), 0.0))
    # the radial curvature u^T C u, u = z/||z||, and ||C u||_2 (u = 0 at z = 0)
    nz = np.linalg.norm(z, axis=1, keepdims=True)
    u = np.divide(z, nz, out=np.zeros_like(z), where=nz > 0)
    cu = np.einsum("mde,me->md", cov, u)
    lam = np.linalg.eigvalsh(cov)[:, 0]
    # at z = 0 every direction is a ray direction: the radial curvature there is lambda_min
    along = np.where(nz[:, 0] > 0, np.einsum("md,md->m", u, cu), lam)
    radial = np.stack([along, np.linalg.norm(cu, axis=1)], axis=1)
    return lam, dev, sd, radial


def _box_loss(halves: np.ndarray, osc: np.ndarray, dev: np.ndarray, sd: np.ndarray) -> np.ndarray:
    r"""An upper bound on :math:`-\log\inf_x dQ_{c+v}/dQ_c(x)` over a box of half-widths h.

    Notes
    -----
    The smaller of :math:`\sum_i h_io_i` (the oscillation of :math:`v\cdot y`) and
    :math:`a + \sigma^2(e^a - 1 - a)/a^2`, :math:`a = \sum_i h_i\,\mathrm{dev}_i`,
    :math:`\sigma = \sum_i h_i\,\mathrm{sd}_i`: :math:`\log dQ_{c+v}/dQ_c = Y -
    \log E_{Q_c}e^Y`, :math:`Y = v\cdot(y - E_{Q_c}y)`, centred, :math:`|Y| \le a`,
    :math:`\mathrm{Var}\,Y \le \sigma^2`, and Bennett's bound on :math:`\log E e^Y`.
    """
    a = np.einsum("md,md->m", halves, dev)
    sig2 = np.einsum("md,md->m", halves, sd) ** 2
    with np.errstate(invalid="ignore", divide="ignore"):
        bennett = np.where(a > 1e-8, (np.expm1(a) - a) / (a * a), 0.5 + a / 6 + a * a / 24)
    return np.minimum(halves @ osc, a + sig2 * bennett) * (1 + 1e-12)


def _direction_bound(
    centres: np.ndarray, r_z: np.ndarray, lam: np.ndarray, rad: np.ndarray
) -> np.ndarray:
    r"""A lower bound on :math:`u^\top C(c)u` over the directions :math:`u = z/\|z\|` of a box
    (centre c, radius :math:`r_z`).

    Notes
    -----
    Always :math:`\ge \lambda_{\min}(C)`. If :math:`r_z < \|c\|`, every direction is within
    :math:`\delta = \sqrt{2(1 - \sqrt{1 - (r_z/\|c\|)^2})}` of :math:`u_c = c/\|c\|`, and
    with :math:`u = u_c + e`, :math:`u^\top Cu \ge u_c^\top Cu_c - 2\delta\|Cu_c\|_2`
    (:math:`e^\top Ce \ge 0`).
    """
    nc = np.linalg.norm(centres, axis=1)
    ratio = np.divide(r_z, nc, out=np.full_like(nc, np.inf), where=nc > 0) * (1 + 1e-12)
    inner = np.sqrt(np.maximum(1.0 - np.minimum(ratio, 1.0) ** 2, 0.0))
    delta = np.sqrt(2.0 * (1.0 - inner)) * (1 + 1e-12)
    near = rad[:, 0] - 2.0 * delta * rad[:, 1] * (1 + 1e-12) - 1e-12
    return np.maximum(lam, np.where(ratio < 1, near, -np.inf))


def certified_curvature_profile(
    phi_q: Any,
    q: Any,
    w_star: Any,
    radius: float,
    *,
    metric: Any,
    tol: float = 0.05,
    max_evaluations: int = 1_000_000,
    analytic: tuple[float, float] | None = None,
) -> CurvatureProfile:
    r"""Branch-and-bound lower bound on the curvature of :math:`A` over the ball (module doc).

    Parameters
    ----------
    phi_q : array_like, shape (m, d)
        Features on the support of Q.
    q : array_like, shape (m,)
        Probabilities of Q (> 0).
    w_star : array_like, shape (d,)
        The population maximiser (the profile's centre), inside the ball.
    radius : float
        B, the radius of the Euclidean ball K.
    metric : array_like, shape (d, d)
        M, symmetric positive definite (boundkit: :math:`H = \nabla^2A(w^*)`).
    tol : float
        Relative tolerance of the search (a level may sit up to this fraction below the
        smallest curvature found in its shells).
    max_evaluations : int
        Budget; when it runs out the remaining boxes keep their (valid, looser) bounds and
        ``gap`` says how loose.
    analytic : (rho, rho_center), optional
        The constants of :func:`boundkit.bounds.curvature_profile` in the same metric: each
        level is at least that profile at its shell's outer radius.

    Returns
    -------
    CurvatureProfile

    Notes
    -----
    With :math:`M = LL^\top`, :math:`z = L^\top(w - w^*)`, :math:`C(z) = L^{-1}\nabla^2A(w)
    L^{-\top}` and shells :math:`0 = s_0 < s_1 < \dots`, the level of shell j is

    .. math::

        \kappa_j = \min_{i \le j}\ \min_{\text{boxes } \beta \text{ reaching shell } i}
        e^{-\ell(\beta)}\max\big(\lambda_{\min}(C(c_\beta)),\ u_c^\top C(c_\beta)u_c -
        2\delta_\beta\|C(c_\beta)u_c\|_2\big) \le \inf_{\|z\| \le s_j,\ w \in K}
        \hat z^\top C(z)\hat z,

    :math:`\ell(\beta) = \min(\sum_i h_io_i,\ a + \sigma^2(e^a - 1 - a)/a^2)` the box's
    density-ratio loss (:func:`_box_loss`), :math:`\delta_\beta` the spread of the directions
    :math:`\hat z = z/\|z\|` over the box (:func:`_direction_bound`), then
    :math:`\kappa_j \leftarrow \max(\kappa_j, \kappa_{\rm analytic}(s_j))` and the running
    minimum. Along the segment from :math:`w^*` to any :math:`w \in K` the curvature of
    :math:`A` in the segment's direction is at least :math:`\tilde\kappa(\|w - w^*\|_M)`,
    which is what C10 (1)'s proof uses.
    """
    phi = np.asarray(phi_q, dtype=float)
    q = np.asarray(q, dtype=float)
    w_star = np.asarray(w_star, dtype=float)
    if phi.ndim != 2 or q.shape != (phi.shape[0],) or w_star.shape != (phi.shape[1],):
        raise BoundkitError("phi_q (m, d), q (m,) and w_star (d,) must agree in shape")
    if not (np.all(np.isfinite(phi)) and np.all(np.isfinite(w_star)) and np.all(q > 0)):
        raise BoundkitError("phi_q and w_star must be finite and q > 0 on every atom")
    if not (math.isfinite(radius) and radius > 0 and np.linalg.norm(w_star) <= radius * (1 + 1e-9)):
        raise BoundkitError("need a finite radius B > 0 with ||w_star||_2 <= B")
    d = phi.shape[1]
    if d > 8:
        raise BoundkitError(
            f"the certified curvature profile searches a box in R^d; d = {d} > 8 is out of reach"
        )
    chol = _cholesky(metric)
    l_inv_t = np.linalg.inv(chol).T  # w - w* = L^{-T} z
    log_q = np.log(q)
    # oscillation of each whitened coordinate feature (L^{-T} e_i) . phi over the support
    y = phi @ l_inv_t
    osc = (y.max(axis=0) - y.min(axis=0)) * (1 + 1e-12)

    def evaluate(centres: np.ndarray, halves: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        lam, dev, sd, rad = _centre_terms(centres, w_star, l_inv_t, phi, log_q)
        r_z = np.linalg.norm(halves, axis=1)
        lb = np.exp(-_box_loss(halves, osc, dev, sd)) * _direction_bound(centres, r_z, lam, rad)
        return lb * (1 - _EVAL_MARGIN), rad[:, 0]

    return _search(evaluate, osc, chol, w_star, radius, tol, max_evaluations, analytic)


def _cholesky(metric: Any) -> np.ndarray:
    try:
        return np.linalg.cholesky(np.asarray(metric, dtype=float))
    except np.linalg.LinAlgError as err:
        raise BoundkitError("the metric must be symmetric positive definite") from err


def _search(
    evaluate: Any,
    split_weight: np.ndarray,
    chol: np.ndarray,
    w_star: np.ndarray,
    radius: float,
    tol: float,
    max_evaluations: int,
    analytic: tuple[float, float] | None,
) -> CurvatureProfile:
    r"""The branch and bound shared by the families: ``evaluate(centres, halves)`` returns, per
    box of the whitened coordinates, a lower bound on the radial curvature over the box and its
    value at the centre; boxes are bisected along the axis of largest ``halves * split_weight``.
    """
    if not (0 < tol < 1):
        raise BoundkitError(f"tol must lie in (0, 1); got {tol!r}")
    m_mat = chol @ chol.T
    l_inv_t = np.linalg.inv(chol).T
    # the region in z: ||w* + L^{-T} z||_2 <= B; its bounding box |z_i + (L^T w*)_i| <= B ||L e_i||
    centre0 = -(chol.T @ w_star)
    half0 = radius * np.linalg.norm(chol, axis=0)
    diameter = float(
        (math.sqrt(w_star @ m_mat @ w_star) + radius * math.sqrt(np.linalg.eigvalsh(m_mat)[-1]))
        * (1 + 1e-12)
    )
    s = _shell_radii(diameter)
    n_sh = s.size - 1
    col_norm = np.linalg.norm(l_inv_t, axis=0)  # ||L^{-T} e_i||_2
    # looser far out, where the profile only meets rare samples: tol * max(1, s / 0.25)
    tol_shell = np.minimum(tol * np.maximum(1.0, s[1:] / 0.25), 0.5)
    centres = centre0[None, :]
    halves = half0[None, :]
    lb, point = evaluate(centres, halves)
    evals = 1
    ub = np.full(n_sh, np.inf)
    while True:
        r_z = np.linalg.norm(halves, axis=1)
        nc = np.linalg.norm(centres, axis=1)
        # the innermost shell a box reaches (its radius rounded down, so that rounding never
        # assigns a box to a shell outside one it touches)
        inner = np.maximum(nc - r_z * (1 + 1e-12) - 1e-15, 0.0)
        lo = np.clip(np.searchsorted(s, inner, side="right") - 1, 0, n_sh - 1)
        # boxes that miss the ball K are dropped (conservative test)
        w_c = w_star + centres @ l_inv_t.T
        keep = np.linalg.norm(w_c, axis=1) - halves @ col_norm * (1 + 1e-12) <= radius * (1 + 1e-12)
        centres, halves, lb, point, lo, nc, w_c = (
            a[keep] for a in (centres, halves, lb, point, lo, nc, w_c)
        )
        # the smallest curvature found at centres inside K, per shell (an upper bound on the
        # true minimum), made non-increasing
        inside = np.linalg.norm(w_c, axis=1) <= radius
        j_c = np.clip(np.searchsorted(s, nc, side="left") - 1, 0, n_sh - 1)
        np.minimum.at(ub, j_c[inside], point[inside])
        ub_mono = np.minimum.accumulate(ub)
        split = lb < (1 - tol_shell[lo]) * ub_mono[lo]
        if not split.any() or evals + 2 * int(split.sum()) > max_evaluations:
            break
        c_s, h_s = centres[split], halves[split]
        rows = np.arange(c_s.shape[0])
        axis = np.argmax(h_s * split_weight, axis=1)
        h_new = h_s.copy()
        h_new[rows, axis] /= 2
        step = np.zeros_like(c_s)
        step[rows, axis] = h_new[rows, axis]
        kids_c = np.concatenate([c_s - step, c_s + step])
        kids_h = np.concatenate([h_new, h_new])
        kids_lb, kids_point = evaluate(kids_c, kids_h)
        evals += kids_c.shape[0]
        centres = np.concatenate([centres[~split], kids_c])
        halves = np.concatenate([halves[~split], kids_h])
        lb = np.concatenate([lb[~split], kids_lb])
        point = np.concatenate([point[~split], kids_point])
    # level of shell j: the smallest box bound among boxes reaching down to shell j or below
    level = np.full(n_sh, np.inf)
    np.minimum.at(level, lo, lb)
    level = np.minimum(np.minimum.accumulate(level), 1.0)
    if analytic is not None:
        from boundkit.bounds._fast_rate import curvature_profile

        level = np.maximum(level, curvature_profile(s[1:] * (1 + 1e-12), *analytic))
        level = np.minimum.accumulate(level)
    finite_ub = np.isfinite(ub_mono)
    finite_ub &= ub_mono > 0
    gap = float(np.max(1 - level[finite_ub] / ub_mono[finite_ub])) if finite_ub.any() else 1.0
    if not np.all(level > 0):
        raise BoundkitError("the curvature search found a zero curvature: A is not strictly convex")
    return CurvatureProfile(s, level, evaluations=evals, gap=max(gap, 0.0), analytic=analytic)


def _imul(a_lo: Any, a_hi: Any, b_lo: Any, b_hi: Any) -> tuple[np.ndarray, np.ndarray]:
    """Interval product (corners)."""
    c = np.stack([a_lo * b_lo, a_lo * b_hi, a_hi * b_lo, a_hi * b_hi])
    return c.min(axis=0), c.max(axis=0)


def _trig_range(centre: np.ndarray, half: np.ndarray) -> tuple[np.ndarray, ...]:
    r"""Ranges of :math:`\cos t` and :math:`\sin t` for t in ``[centre - half, centre + half]``
    (half < pi)."""
    lo, hi = centre - half, centre + half
    grid = np.stack([lo, hi])
    c_lo, c_hi = np.cos(grid).min(axis=0), np.cos(grid).max(axis=0)
    s_lo, s_hi = np.sin(grid).min(axis=0), np.sin(grid).max(axis=0)

    def contains(t0: float) -> np.ndarray:  # some t0 + 2 pi k in [lo, hi]
        k = np.ceil((lo - t0) / (2 * np.pi))
        return t0 + 2 * np.pi * k <= hi

    c_hi = np.where(contains(0.0), 1.0, c_hi)
    c_lo = np.where(contains(np.pi), -1.0, c_lo)
    s_hi = np.where(contains(np.pi / 2), 1.0, s_hi)
    s_lo = np.where(contains(-np.pi / 2), -1.0, s_lo)
    return c_lo, c_hi, s_lo, s_hi


def gaussian_quadratic_curvature_profile(
    mean_q: float,
    std_q: float,
    w_star: Any,
    radius: float,
    *,
    metric: Any,
    tol: float = 0.05,
    max_evaluations: int = 3_000_000,
) -> CurvatureProfile:
    r"""The certified profile for :math:`Q = N(\mu_Q, \sigma_Q^2)` and :math:`h = ax + bx^2`,
    :math:`\|(a, b)\|_2 \le B < 1/(2\sigma_Q^2)` (the features are unbounded, so the box bound
    is interval arithmetic on the closed-form Hessian instead of a density ratio).

    Parameters
    ----------
    mean_q, std_q : float
        The Gaussian base model.
    w_star : array_like, shape (2,)
        The population maximiser :math:`(a^*, b^*)`.
    radius : float
        B.
    metric : array_like, shape (2, 2)
        M (boundkit: :math:`H = \nabla^2A(w^*)`).
    tol, max_evaluations : float, int
        As :func:`certified_curvature_profile`.

    Returns
    -------
    CurvatureProfile

    Notes
    -----
    :math:`Q_{(a,b)} = N(\mu, v)`, :math:`k = 1 - 2b\sigma_Q^2`, :math:`v = \sigma_Q^2/k`,
    :math:`\mu = (\mu_Q + a\sigma_Q^2)/k`, and

    .. math::

        \nabla^2A(a, b) = \mathrm{Cov}_{N(\mu, v)}(x, x^2) =
        \begin{pmatrix} v & 2\mu v \\ 2\mu v & 2v^2 + 4\mu^2v \end{pmatrix}.

    On a box the ranges of a and b give intervals for :math:`k, v, \mu` and the three entries
    (monotone and corner products), then for the whitened :math:`C = L^{-1}\nabla^2AL^{-\top}`
    (signed linear combinations), and a lower bound on :math:`\hat z^\top C\hat z =
    \tfrac12(C_{11} + C_{22}) + \tfrac12(C_{11} - C_{22})\cos2\theta + C_{12}\sin2\theta` over the
    box's directions :math:`\theta`, or on :math:`\lambda_{\min}(C) = \tfrac12(C_{11} + C_{22}) -
    \sqrt{\tfrac14(C_{11} - C_{22})^2 + C_{12}^2}`, whichever is larger; lowered by a relative
    :math:`10^{-9}` for rounding.
    """
    w_star = np.asarray(w_star, dtype=float)
    if not (math.isfinite(mean_q) and math.isfinite(std_q) and std_q > 0):
        raise BoundkitError(f"need a finite mean_q and std_q > 0; got {mean_q!r}, {std_q!r}")
    s2 = float(std_q) ** 2
    if not (0 < radius < 1 / (2 * s2)) or w_star.shape != (2,) or not np.all(np.isfinite(w_star)):
        raise BoundkitError("need a finite w_star of shape (2,) and 0 < B < 1/(2 std_q^2)")
    if np.linalg.norm(w_star) > radius * (1 + 1e-9):
        raise BoundkitError("w_star must lie in the ball ||w||_2 <= B")
    chol = _cholesky(metric)
    li = np.linalg.inv(chol)
    l_inv_t = li.T
    # whitened entries as combinations of (H11, H12, H22): C_pq = sum coef * H_rs
    coef = {
        (p, q): (
            li[p, 0] * li[q, 0],
            li[p, 0] * li[q, 1] + li[p, 1] * li[q, 0],
            li[p, 1] * li[q, 1],
        )
        for p, q in ((0, 0), (0, 1), (1, 1))
    }

    def hess_point(w: np.ndarray) -> np.ndarray:
        k = 1 - 2 * w[:, 1] * s2
        v = s2 / k
        mu = (mean_q + w[:, 0] * s2) / k
        h = np.empty((w.shape[0], 2, 2))
        h[:, 0, 0], h[:, 0, 1] = v, 2 * mu * v
        h[:, 1, 0], h[:, 1, 1] = h[:, 0, 1], 2 * v * v + 4 * mu * mu * v
        return np.einsum("pr,mrs,qs->mpq", li, h, li)

    def evaluate(centres: np.ndarray, halves: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        w_c = w_star + centres @ l_inv_t.T
        spread = halves @ np.abs(l_inv_t).T  # half-ranges of (a, b) over the box
        a_lo, a_hi = w_c[:, 0] - spread[:, 0], w_c[:, 0] + spread[:, 0]
        b_lo, b_hi = w_c[:, 1] - spread[:, 1], w_c[:, 1] + spread[:, 1]
        k_lo, k_hi = 1 - 2 * b_hi * s2, 1 - 2 * b_lo * s2
        ok = k_lo > 0
        k_lo = np.where(ok, k_lo, 1.0)
        v_lo, v_hi = s2 / k_hi, s2 / k_lo
        mu_lo, mu_hi = _imul(mean_q + a_lo * s2, mean_q + a_hi * s2, 1 / k_hi, 1 / k_lo)
        h12 = _imul(mu_lo, mu_hi, v_lo, v_hi)
        h12 = (2 * h12[0], 2 * h12[1])
        mu2_lo = np.where((mu_lo <= 0) & (mu_hi >= 0), 0.0, np.minimum(mu_lo**2, mu_hi**2))
        mu2_hi = np.maximum(mu_lo**2, mu_hi**2)
        h22 = (2 * v_lo**2 + 4 * mu2_lo * v_lo, 2 * v_hi**2 + 4 * mu2_hi * v_hi)
        ints = ((v_lo, v_hi), h12, h22)
        c = {}
        for key, cf in coef.items():
            lo = sum(np.where(f >= 0, f * iv[0], f * iv[1]) for f, iv in zip(cf, ints, strict=True))
            hi = sum(np.where(f >= 0, f * iv[1], f * iv[0]) for f, iv in zip(cf, ints, strict=True))
            c[key] = (lo, hi)
        (c11_lo, c11_hi), (c12_lo, c12_hi), (c22_lo, c22_hi) = c[(0, 0)], c[(0, 1)], c[(1, 1)]
        half_tr = (c11_lo + c22_lo) / 2
        diff_lo, diff_hi = (c11_lo - c22_hi) / 2, (c11_hi - c22_lo) / 2
        lam_lb = half_tr - np.sqrt(
            np.maximum(diff_lo**2, diff_hi**2) + np.maximum(c12_lo**2, c12_hi**2)
        )
        nc = np.linalg.norm(centres, axis=1)
        r_z = np.linalg.norm(halves, axis=1)
        away = r_z < nc
        dtheta = np.arcsin(np.minimum(np.divide(r_z, nc, out=np.ones_like(nc), where=nc > 0), 1.0))
        theta = np.arctan2(centres[:, 1], centres[:, 0])
        cos_lo, cos_hi, sin_lo, sin_hi = _trig_range(2 * theta, 2 * dtheta * (1 + 1e-12))
        rad_lb = (
            half_tr
            + _imul(diff_lo, diff_hi, cos_lo, cos_hi)[0]
            + _imul(c12_lo, c12_hi, sin_lo, sin_hi)[0]
        )
        lb = np.maximum(lam_lb, np.where(away, rad_lb, -np.inf))
        lb = np.where(ok, np.maximum(lb, 0.0) * (1 - _EVAL_MARGIN) - 1e-12, 0.0)
        lb = np.maximum(lb, 0.0)
        # the radial curvature at the centre (lambda_min at z = 0)
        cc = hess_point(w_c)
        u = np.divide(centres, nc[:, None], out=np.zeros_like(centres), where=nc[:, None] > 0)
        point = np.where(nc > 0, np.einsum("md,mde,me->m", u, cc, u), np.linalg.eigvalsh(cc)[:, 0])
        return lb, np.where(1 - 2 * w_c[:, 1] * s2 > 0, point, np.inf)

    return _search(evaluate, np.ones(2), chol, w_star, radius, tol, max_evaluations, None)
