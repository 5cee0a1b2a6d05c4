r"""The asymptotic prediction of the gap (not a bound): the sandwich constant d_eff / (2n).

For the KL refinement with a class linear in features, :math:`h_w = w\cdot\phi`,
:math:`\|w\|_2 \le B`, the empirical maximiser :math:`w_n` is an M-estimator of
:math:`w^* = \arg\max_{\|w\| \le B} w\cdot E_P\phi - A(w)`, :math:`A(w) = \log E_Q e^{w\cdot\phi}`.
The asymptotic prediction of ``docs/theory.md`` (boundkit's own statement and argument):

* interior optimum (:math:`\|w^*\| < B`, including :math:`w^* = 0`):
  :math:`n\,(\mathrm{KL}(P\|Q_{h_n}) - \mathrm{KL}(P\|Q_{h^*})) \to \tfrac12\sum_j\lambda_j
  \chi^2_{1,j}` in law, :math:`\lambda_j` the eigenvalues of :math:`H^{-1}\Sigma_P`,
  :math:`H = \mathrm{Cov}_{Q_{h^*}}(\phi)`, :math:`\Sigma_P = \mathrm{Cov}_P(\phi)`; so
  :math:`E\,\text{excess} \approx d_{\mathrm{eff}}/(2n)`, :math:`d_{\mathrm{eff}} =
  \mathrm{tr}(H^{-1}\Sigma_P)`;
* active constraint with multiplier :math:`\lambda^* > 0`
  (:math:`E_P\phi - \nabla A(w^*) = \lambda^* w^*`): the same with
  :math:`M = U^\top(H + \lambda^* I)U` (the Hessian of the Lagrangian on the tangent space,
  :math:`U` an orthonormal basis of :math:`w^{*\perp}`) and :math:`\phi` projected,
  :math:`\lambda_j = \mathrm{eig}(M^{-1}U^\top\Sigma_P U)`;
* active with multiplier 0 (degenerate): :math:`\sqrt n(w_n - w^*)` converges to the
  :math:`H`-projection of a Gaussian on the half-space :math:`\{v : w^*\cdot v \le 0\}`, and
  :math:`n\,E\,\text{excess} \to \tfrac12\big(\mathrm{tr}(H^{-1}\Sigma_P) - \tfrac12
  \frac{a^\top H^{-1}\Sigma_P H^{-1}a}{a^\top H^{-1}a}\big)`, :math:`a = w^*`.

:func:`compare_with_measured` reports prediction / measured per n with its Monte Carlo error.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from boundkit._errors import BoundkitError
from boundkit.generators import is_kl
from boundkit.simulation._toys import Toy, get_toy

__all__ = [
    "AsymptoticPrediction",
    "LinearKLMoments",
    "asymptotic_excess",
    "compare_with_measured",
    "linear_kl_moments",
    "sandwich_prediction",
    "toy_fast_rate_constants",
    "toy_profile_fast_rate",
]

_N_LAW_DRAWS = 200_000


@dataclass(frozen=True)
class LinearKLMoments:
    r"""Population moments of the KL refinement with a linear class on a ball.

    Attributes
    ----------
    mean_p, cov_p : ndarray, shapes (d,), (d, d)
        :math:`E_P\phi`, :math:`\Sigma_P = \mathrm{Cov}_P(\phi)`.
    mean_star, cov_star : ndarray, shapes (d,), (d, d)
        :math:`E_{Q_{h^*}}\phi = \nabla A(w^*)`, :math:`H = \mathrm{Cov}_{Q_{h^*}}\phi =
        \nabla^2 A(w^*)`.
    w_star : ndarray, shape (d,)
        The population maximiser.
    radius : float
        B.
    """

    mean_p: np.ndarray
    cov_p: np.ndarray
    mean_star: np.ndarray
    cov_star: np.ndarray
    w_star: np.ndarray
    radius: float

    @property
    def multiplier(self) -> float:
        r"""The KKT multiplier :math:`\lambda^* = (E_P\phi - \nabla A(w^*))\cdot w^*/B^2`
        (meaningful when the constraint is active)."""
        return float((self.mean_p - self.mean_star) @ self.w_star / self.radius**2)


def _cov(weights: np.ndarray, phi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    m = weights @ phi
    c = phi - m
    return m, c.T @ (c * weights[:, None])


def _gauss_moments(mean: float, var: float) -> tuple[np.ndarray, np.ndarray]:
    r"""Mean and covariance of :math:`(x, x^2)` under :math:`N(\mu, v)`."""
    m = np.array([mean, mean**2 + var])
    c = np.array([[var, 2 * mean * var], [2 * mean * var, 2 * var**2 + 4 * mean**2 * var]])
    return m, c


def _finite_supports(toy: Toy) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, Any]:
    """(phi on Q's atoms, Q* weights, phi on P's atoms, P weights, w*) for a KL experiment with
    an L2 linear class on a finite support or a quadrature grid."""
    from boundkit.simulation._experiment import Experiment
    from boundkit.simulation._linear_kl import tilt

    if isinstance(toy, Experiment) and toy.population_kind in ("finite", "grid"):
        if not is_kl(toy.generator):
            raise BoundkitError(f"toy {toy.name!r} uses {toy.generator}: the prediction is for KL")
        if toy._fast:
            sup, phi = toy.support, toy._phi
            assert sup is not None and phi is not None
            w = toy.best_weights()
            qs = np.exp(tilt(np.log(sup.q), phi, w[None, :])[0][0])
            return phi, qs, phi, sup.p, w
    raise BoundkitError(
        f"toy {toy.name!r} ({type(toy).__name__}) is not a linear-in-features KL toy on a "
        "finite support or grid"
    )


def linear_kl_moments(toy: str | Toy) -> LinearKLMoments:
    r"""The population moments of a linear-in-features KL toy.

    Any KL :class:`~boundkit.simulation.Experiment` (every built-in toy is one) with
    ``population="closed-form"`` (``gauss1d-quadratic``): closed forms (:math:`\phi = (x,
    x^2)`, Gaussian moments of :math:`P` and of :math:`Q_{h^*} = N(\mu_{h^*}, v_{h^*})`); with
    an L2 linear class on a finite support (``finite``): exact finite sums; on a grid (the
    mixture toys with features): the quadrature grid (its ``quadrature_error`` applies).

    Examples
    --------
    >>> m = linear_kl_moments("gauss1d-quadratic")
    >>> m.cov_star.shape
    (2, 2)
    """
    from boundkit.simulation._experiment import Experiment

    toy = get_toy(toy)
    closed = toy._closed if isinstance(toy, Experiment) else None
    if closed is not None:
        w = toy.best_values()
        mu, v = closed.refined_params(w)
        mp, cp = _gauss_moments(closed.mean_p, closed.std_p**2)
        ms, cs = _gauss_moments(float(mu), float(v))
        return LinearKLMoments(mp, cp, ms, cs, w, closed.B)
    phi_q, qs, phi_p, p, w = _finite_supports(toy)
    ms, cs = _cov(qs, phi_q)
    mp, cp = _cov(p, phi_p)
    return LinearKLMoments(mp, cp, ms, cs, np.asarray(w, dtype=float), float(toy.cls.B))


@dataclass(frozen=True)
class AsymptoticPrediction:
    r"""The limit law of :math:`n\times` excess and the predicted mean :math:`d_{\rm eff}/(2n)`.

    Attributes
    ----------
    case : {"interior", "active", "active-zero-multiplier"}
        Which regime (see the module docstring).
    d_eff : float
        :math:`\lim_n 2n\,E\,\text{excess}`.
    eigenvalues : ndarray
        :math:`\lambda_j`: :math:`n\,\text{excess} \to \tfrac12\sum_j \lambda_j\chi^2_{1,j}`
        (interior and active cases; for the degenerate case those of the unconstrained
        sandwich :math:`H^{-1}\Sigma_P`).
    multiplier : float
        :math:`\lambda^*` (0 inside the ball).
    norm_ratio : float
        :math:`\|w^*\|_2/B`.
    """

    case: str
    d_eff: float
    eigenvalues: np.ndarray
    multiplier: float
    norm_ratio: float
    _hinv: np.ndarray | None = None
    _a: np.ndarray | None = None
    _cov_p: np.ndarray | None = None

    def mean(self, n: Any) -> np.ndarray | float:
        r"""The predicted mean excess :math:`d_{\rm eff}/(2n)`."""
        out = self.d_eff / (2.0 * np.asarray(n, dtype=float))
        return float(out) if np.ndim(out) == 0 else out

    def law_draws(self, size: int = _N_LAW_DRAWS, *, rng: Any = 0) -> np.ndarray:
        r"""Draws of the limit law of :math:`n\times` excess (fixed seed by default)."""
        gen = np.random.default_rng(rng)
        if self.case != "active-zero-multiplier":
            z2 = gen.standard_normal((size, self.eigenvalues.size)) ** 2
            return 0.5 * z2 @ self.eigenvalues
        assert self._hinv is not None and self._a is not None and self._cov_p is not None
        vals, vecs = np.linalg.eigh(self._cov_p)
        g = gen.standard_normal((size, vals.size)) @ (vecs * np.sqrt(np.maximum(vals, 0))).T
        hg = g @ self._hinv
        quad = (g * hg).sum(1)
        s = hg @ self._a
        den = float(self._a @ self._hinv @ self._a)
        return 0.5 * np.where(s > 0, quad - s * s / den, quad)

    def quantile(self, n: Any, level: float, *, size: int = _N_LAW_DRAWS) -> dict[str, float]:
        r"""Predicted ``level`` quantile of the excess at n, from ``size`` draws of the limit
        law (seed 0), with a 95% interval from the order statistics.

        Notes
        -----
        The interval uses the ranks :math:`Np \pm 1.96\sqrt{Np(1-p)}` of the sorted draws.
        """
        if not 0 < level < 1:
            raise BoundkitError(f"level must lie in (0, 1); got {level!r}")
        draws = np.sort(self.law_draws(size))
        k = level * size
        half = 1.96 * np.sqrt(size * level * (1 - level))
        lo = int(np.clip(np.floor(k - half), 0, size - 1))
        hi = int(np.clip(np.ceil(k + half), 0, size - 1))
        n = float(n)
        return {
            "value": float(np.quantile(draws, level)) / n,
            "ci_low": float(draws[lo]) / n,
            "ci_high": float(draws[hi]) / n,
        }

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dictionary."""
        return {
            "case": self.case,
            "d_eff": float(self.d_eff),
            "eigenvalues": [float(v) for v in self.eigenvalues],
            "multiplier": float(self.multiplier),
            "norm_ratio": float(self.norm_ratio),
        }


def _pinv_psd(a: np.ndarray, rtol: float = 1e-12) -> np.ndarray:
    vals, vecs = np.linalg.eigh(0.5 * (a + a.T))
    keep = vals > rtol * max(vals.max(), 1e-300)
    return (vecs[:, keep] / vals[keep]) @ vecs[:, keep].T


def asymptotic_excess(
    moments: LinearKLMoments, *, active_tol: float = 1e-7, multiplier_tol: float = 1e-9
) -> AsymptoticPrediction:
    r"""The sandwich prediction for the excess of the KL refinement (docs/theory.md).

    Parameters
    ----------
    moments : LinearKLMoments
        Population moments (:func:`linear_kl_moments`).
    active_tol : float
        The constraint is active when :math:`\|w^*\| \ge B(1 - \text{active\_tol})`.
    multiplier_tol : float
        An active constraint with :math:`\lambda^* \le \text{multiplier\_tol}\cdot
        \lambda_{\max}(H)` is treated as the degenerate zero-multiplier case.

    Returns
    -------
    AsymptoticPrediction

    Notes
    -----
    Interior: :math:`d_{\rm eff} = \mathrm{tr}(H^{-1}\Sigma_P)` (pseudo-inverse on the range of
    H: directions constant under :math:`Q_{h^*}` are constant under P too when
    :math:`P \ll Q`). Active, :math:`\lambda^* > 0`:

    .. math::

        M = U^\top (H + \lambda^* I) U,\qquad d_{\rm eff} = \mathrm{tr}(M^{-1} U^\top\Sigma_P U).

    Active, :math:`\lambda^* = 0`: :math:`d_{\rm eff} = \mathrm{tr}(H^{-1}\Sigma_P) - \tfrac12
    a^\top H^{-1}\Sigma_P H^{-1} a / a^\top H^{-1} a`.

    Examples
    --------
    >>> pred = asymptotic_excess(linear_kl_moments("gauss1d-quadratic"))
    >>> pred.case
    'active'
    """
    H = np.asarray(moments.cov_star, dtype=float)
    S = np.asarray(moments.cov_p, dtype=float)
    w = np.asarray(moments.w_star, dtype=float)
    B = float(moments.radius)
    d = w.size
    norm_ratio = float(np.linalg.norm(w) / B)
    hmax = float(np.linalg.eigvalsh(H).max())
    if norm_ratio < 1 - active_tol:
        hinv = _pinv_psd(H)
        ev = np.linalg.eigvals(hinv @ S).real
        return AsymptoticPrediction(
            "interior", float(np.trace(hinv @ S)), np.sort(ev), 0.0, norm_ratio
        )
    lam = moments.multiplier
    if lam < -multiplier_tol * hmax:
        raise BoundkitError(
            f"the KKT multiplier at w* is negative ({lam:.3g}): w* is not the maximiser"
        )
    if lam <= multiplier_tol * hmax:
        hinv = _pinv_psd(H)
        a = w / np.linalg.norm(w)
        den = float(a @ hinv @ a)
        d_eff = float(np.trace(hinv @ S) - 0.5 * (a @ hinv @ S @ hinv @ a) / den)
        ev = np.sort(np.linalg.eigvals(hinv @ S).real)
        return AsymptoticPrediction(
            "active-zero-multiplier", d_eff, ev, 0.0, norm_ratio, hinv, a, S
        )
    # orthonormal basis of the tangent space w*^perp
    q, _ = np.linalg.qr(np.column_stack([w / np.linalg.norm(w), np.eye(d)]))
    U = q[:, 1:d]
    M = U.T @ (H + lam * np.eye(d)) @ U
    Sp = U.T @ S @ U
    minv = np.linalg.inv(M)
    ev = np.sort(np.linalg.eigvals(minv @ Sp).real)
    return AsymptoticPrediction("active", float(np.trace(minv @ Sp)), ev, lam, norm_ratio)


def sandwich_prediction(toy: str | Toy) -> AsymptoticPrediction:
    """The asymptotic prediction for a registered toy (see :func:`asymptotic_excess`)."""
    return asymptotic_excess(linear_kl_moments(toy))


def compare_with_measured(
    prediction: AsymptoticPrediction, result: Any, *, level: float = 0.9
) -> list[dict[str, float]]:
    r"""Prediction / measured, per sample size, for the mean and a quantile of the excess.

    Parameters
    ----------
    prediction : AsymptoticPrediction
    result : boundkit.simulation.SimulationResult
        A sweep of the same toy (its ``excess`` column).
    level : float
        The quantile compared.

    Returns
    -------
    list of dict
        Per n: ``predicted_mean``, ``measured_mean``, ``measured_se``, ``ratio`` (prediction
        / measured) and its delta-method standard error ``ratio_se``
        (:math:`\text{ratio}\cdot\mathrm{se}/\overline{x}`), ``predicted_quantile``,
        ``measured_quantile``.

    Notes
    -----
    .. math:: \text{ratio} = \frac{d_{\rm eff}/(2n)}{\overline{\text{excess}}},\qquad
       \mathrm{se}(\text{ratio}) \approx \text{ratio}\,\frac{\mathrm{se}(\overline{\text{excess}})}
       {\overline{\text{excess}}}.
    """
    rows = []
    for n in result.sizes:
        x = np.asarray(result.column("excess", n), dtype=float)
        mean = float(x.mean())
        se = float(x.std(ddof=1) / np.sqrt(x.size))
        pred = float(prediction.mean(n))
        ratio = pred / mean if mean > 0 else float("inf")
        rows.append(
            {
                "n": int(n),
                "predicted_mean": pred,
                "measured_mean": mean,
                "measured_se": se,
                "ratio": ratio,
                "ratio_se": abs(ratio) * se / mean if mean > 0 else float("inf"),
                "predicted_quantile": prediction.quantile(n, level)["value"],
                "measured_quantile": float(np.quantile(x, level)),
                "level": level,
            }
        )
    return rows


def toy_fast_rate_constants(toy: str | Toy, *, active_constraint: bool = False) -> Any:
    r"""The constants of the fast-rate bound (THEORY C10) for a finite-support KL toy.

    Parameters
    ----------
    toy : str or Toy
        A registered toy or a toy.
    active_constraint : bool
        False: the :math:`H`-norm constants of C10 (1)-(3); only toys whose P and Q both live
        on a finite support are accepted (``finite`` and its variants): :math:`\rho` and
        :math:`b` are suprema over the supports, computed exactly there. True: the constants
        of C10 (4) in the :math:`N = H + (\lambda/2)I` norm, for a toy whose ball constraint
        is active with multiplier :math:`\lambda > 0`; also accepted for the mixture toys
        with features, whose constants are then computed on the toy's quadrature grid (its
        ``quadrature_error`` applies, and the suprema are over the grid's points: not exact).

    Returns
    -------
    boundkit.bounds.FastRateConstants

    Raises
    ------
    BoundkitError
        For other toys, or with ``active_constraint`` when the constraint is inactive or its
        multiplier is not positive.
    """
    from boundkit.bounds import fast_rate_constants
    from boundkit.simulation._experiment import Experiment

    toy = get_toy(toy)
    if not active_constraint:
        # P and Q on a finite support (``finite`` and any Experiment with finite P and Q):
        # rho and b are suprema over the atoms, exact
        if not (isinstance(toy, Experiment) and toy.population_kind == "finite"):
            raise BoundkitError(
                f"the fast-rate constants are computed exactly for finite-support toys; toy "
                f"{toy.name!r} is {type(toy).__name__}"
                + (
                    f" with a {toy.population_kind} population"
                    if isinstance(toy, Experiment)
                    else ""
                )
            )
        phi_q, qs, phi_p, p, _ = _finite_supports(toy)
        return fast_rate_constants(phi_q, qs, phi_p, p, radius=float(toy.cls.B))
    phi_q, qs, phi_p, p, w = _finite_supports(toy)
    mom = linear_kl_moments(toy)
    ratio = float(np.linalg.norm(mom.w_star) / mom.radius)
    lam = mom.multiplier
    if ratio < 1 - 1e-7 or not lam > 0:
        raise BoundkitError(
            f"toy {toy.name!r}: the ball constraint is not active with a positive multiplier "
            f"(||w*||/B = {ratio:.6g}, multiplier {lam:.3g}); C10 (4) does not apply"
        )
    return fast_rate_constants(phi_q, qs, phi_p, p, radius=toy.B, multiplier=lam)


def toy_profile_fast_rate(toy: str | Toy, *, tol: float = 0.05) -> Any:
    r"""Everything the fast-rate bound C10 (5) needs for a KL toy with an L2-ball linear class.

    Parameters
    ----------
    toy : str or Toy
        A registered toy or a toy of one of two kinds: P and Q on a finite support
        (``finite``, its variants and any Experiment with finite P and Q) with at most 8
        features; or the closed-form Gaussian toy with quadratic features
        (``gauss1d-quadratic`` and experiments with ``population="closed-form"``).
    tol : float
        Tolerance of the curvature search (:func:`boundkit.bounds.certified_curvature_profile`,
        :func:`boundkit.bounds.gaussian_quadratic_curvature_profile`).

    Returns
    -------
    boundkit.bounds.ProfileFastRate
        The constants in the :math:`H` norm (for the Gaussian toy :math:`\rho = b = \infty`:
        the features are unbounded, so the high-probability version uses Markov's bound on
        the exact moments only), the certified curvature profile around :math:`w^*` and the
        exact moments :math:`E\varepsilon_n^{2k}`, k = 1..5. Cached on the toy (the finite
        search takes a few seconds).

    Raises
    ------
    BoundkitError
        For other toys.

    Notes
    -----
    C10 (5): every sample has :math:`\text{excess} \le \tilde F(\varepsilon_n)` and
    :math:`E\,\text{excess} \le \min_a\sum_ja_jE\varepsilon_n^j` over
    :math:`\sum_ja_j\varepsilon^j \ge \tilde F(\varepsilon)`
    (:func:`boundkit.bounds.profile_fast_rate_bound`).
    """
    from boundkit.bounds import (
        FastRateConstants,
        ProfileFastRate,
        certified_curvature_profile,
        gaussian_quadratic_curvature_profile,
        gaussian_quadratic_norm_moments,
        mean_norm_moments,
    )
    from boundkit.simulation._experiment import Experiment

    toy = get_toy(toy)
    key = ("c10-profile", float(tol))
    cache = toy.__dict__.setdefault("_c10_cache", {})
    if key in cache:
        return cache[key]
    closed = toy._closed if isinstance(toy, Experiment) else None
    if closed is not None:
        mom = linear_kl_moments(toy)
        H = mom.cov_star
        profile = gaussian_quadratic_curvature_profile(
            closed.mean_q, closed.std_q, mom.w_star, closed.B, metric=H, tol=tol
        )
        moments = gaussian_quadratic_norm_moments(closed.mean_p, closed.std_p**2, H)
        white = np.linalg.solve(np.linalg.cholesky(H), np.linalg.cholesky(mom.cov_p))
        c_mat = white @ white.T  # H^{-1/2} Sigma_P H^{-1/2} up to rotation
        const = FastRateConstants(
            d_h=float(np.trace(c_mat)),
            sigma2=float(np.linalg.eigvalsh(c_mat)[-1]),
            rho=math.inf,
            b=math.inf,
            m4=float(moments.exact(1, 2)),
            tr_cov2=float(np.sum(c_mat * c_mat)),
            trace_cov_p=float(np.trace(mom.cov_p)),
            radius=float(closed.B),
            h_max=float(np.linalg.eigvalsh(H)[-1]),
        )
    else:
        const = toy_fast_rate_constants(toy)
        phi_q, qs, phi_p, p, w = _finite_supports(toy)
        mq = qs @ phi_q
        H = (phi_q - mq).T @ ((phi_q - mq) * qs[:, None])
        profile = certified_curvature_profile(
            phi_q,
            np.asarray(toy.support.q, dtype=float),
            np.asarray(w, dtype=float),
            float(toy.cls.B),
            metric=H,
            tol=tol,
            analytic=(const.rho, const.rho_center),
        )
        moments = mean_norm_moments(phi_p, p, H)
    cache[key] = ProfileFastRate(const, profile, moments)
    return cache[key]
