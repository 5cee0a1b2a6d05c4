r"""f-divergences D_f(P||Q): exact, by quadrature, closed form or Monte Carlo (claim C2)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from boundkit._errors import BoundkitError
from boundkit.distributions import (
    Distribution,
    FiniteDistribution,
    Gaussian,
    GridDensity,
    from_scipy,
    is_scipy_frozen,
)
from boundkit.duality._common import (
    _check_pq,
    as_h_values,
    discrete_view,
    finite_problem,
    fprime_at_inf,
    identify_generator,
    resolve_generator,
)
from boundkit.duality._tails import KHAT_THRESHOLD, pareto_khat
from boundkit.generators import is_kl, perspective_divergence, shift_functional

__all__ = [
    "DivergenceResult",
    "check_density_ratios",
    "VariationalBound",
    "divergence",
    "divergence_from_weights",
    "gaussian_closed_form_available",
    "gaussian_divergence",
    "gaussian_kl",
    "gaussian_log_affinity",
    "generator_tail_exponents",
    "variational_bound",
]


@dataclass(frozen=True)
class DivergenceResult:
    r"""An f-divergence value with how it was computed.

    Attributes
    ----------
    value : float
        :math:`D_f(P\|Q)` (``inf`` when :math:`P \not\ll Q` and :math:`f'(\infty) = \infty`).
    stderr : float
        Standard error (0 for exact, quadrature and closed-form values).
    method : str
        ``"exact"``, ``"quadrature"``, ``"closed_form"``, ``"singular"`` or ``"monte_carlo"``.
    generator : str
        Name of the generator.
    n_samples : int
        Monte Carlo sample size (0 otherwise).
    seed : int or None
        The seed used for Monte Carlo (``None`` otherwise).
    khat : float or None
        Monte Carlo only: the Pareto :math:`\hat k` of the summands' tails
        (:func:`boundkit.duality.pareto_khat`); an estimate is returned only when it is at most
        :data:`boundkit.duality.KHAT_THRESHOLD`.
    """

    value: float
    stderr: float
    method: str
    generator: str
    n_samples: int = 0
    seed: int | None = None
    khat: float | None = None

    def __float__(self) -> float:
        return float(self.value)


def _f_terms(g: Any, u: np.ndarray) -> np.ndarray:
    vals = np.asarray(g.f_numeric(u), dtype=float)
    if np.any(np.isnan(vals)):
        raise BoundkitError("the generator returned NaN for f(u) on u >= 0")
    return vals


def divergence_from_weights(generator: Any, p: Any, q: Any) -> float:
    r"""Exact :math:`D_f(P\|Q)` between probability vectors on a common finite support.

    Parameters
    ----------
    generator : Generator or str
    p, q : array_like, shape (k,)
        Probability vectors (non-negative, summing to 1).

    Returns
    -------
    float
        The divergence; ``inf`` when it is infinite; never NaN.

    Notes
    -----
    .. math:: D_f(P\|Q) = \sum_{i: q_i > 0} q_i f(p_i / q_i)
              + f'(\infty) \sum_{i: q_i = 0} p_i,

    with :math:`0 \cdot \infty = 0` (a term with :math:`p_i = 0` never contributes), computed
    by :func:`boundkit.generators.perspective_divergence` (stable near :math:`P = Q` and for
    tiny masses).

    Examples
    --------
    >>> round(divergence_from_weights("kl", [0.5, 0.5], [0.25, 0.75]), 12)
    0.143841036226
    >>> divergence_from_weights("kl", [0.5, 0.5], [1.0, 0.0])
    inf
    """
    g = resolve_generator(generator)
    p, q = _check_pq(p, q)
    return _div_pq(g, p, q)


def _div_pq(g: Any, p: np.ndarray, q: np.ndarray) -> float:
    return float(perspective_divergence(g, p, q))


# ------------------------------------------------------------------------ Gaussian closed forms
def _gauss_parts(P: Gaussian, Q: Gaussian):
    if P.dim != Q.dim:
        raise BoundkitError(f"P has dimension {P.dim} but Q has dimension {Q.dim}")
    return P.mean, P.cov, Q.mean, Q.cov


def gaussian_log_affinity(P: Gaussian, Q: Gaussian, alpha: float) -> float:
    r"""Closed-form :math:`\log \int p^\alpha q^{1-\alpha}\,dx` between two Gaussians.

    Parameters
    ----------
    P, Q : Gaussian
        :math:`\mathcal N(\mu_P, \Sigma_P)` and :math:`\mathcal N(\mu_Q, \Sigma_Q)`.
    alpha : float
        Any real number.

    Returns
    -------
    float
        ``inf`` when the integral diverges: for :math:`\alpha \notin [0, 1]` exactly when
        :math:`\Sigma_\alpha = \alpha\Sigma_Q + (1-\alpha)\Sigma_P` is not positive definite.

    Notes
    -----
    With :math:`\lambda_i` the generalized eigenvalues of :math:`\Sigma_P` relative to
    :math:`\Sigma_Q` (:math:`V^\top\Sigma_Q V = I`, :math:`V^\top\Sigma_P V = \mathrm{diag}
    \lambda`), :math:`\delta = V^\top(\mu_P - \mu_Q)` and :math:`s_i = \alpha + (1-\alpha)
    \lambda_i`:

    .. math::
        \log\int p^\alpha q^{1-\alpha} = \sum_i \Big[\tfrac{1-\alpha}{2}\log\lambda_i
        - \tfrac12\log s_i - \tfrac{\alpha(1-\alpha)}{2}\,\frac{\delta_i^2}{s_i}\Big],

    finite iff every :math:`s_i > 0` (the Gaussian integral of
    :math:`\exp(-\frac12 x^\top(\alpha\Sigma_P^{-1} + (1-\alpha)\Sigma_Q^{-1})x + \dots)`
    converges iff that matrix, congruent to :math:`\mathrm{diag}(s_i/\lambda_i)`, is positive
    definite). :math:`\lambda_i - 1` are computed directly (generalized eigenvalues of
    :math:`\Sigma_P - \Sigma_Q`) and the logs use ``log1p``, so nearly equal P, Q lose no
    accuracy.

    References
    ----------
    Gil, Alajaji, Linder (2013), Renyi divergence measures for commonly used univariate
    continuous distributions, Information Sciences 249; Pardo (2006), Statistical Inference
    Based on Divergence Measures, p. 33.

    Examples
    --------
    >>> P, Q = Gaussian([0.0], 1.0), Gaussian([1.0], 1.0)
    >>> round(gaussian_log_affinity(P, Q, 0.5), 12)   # -delta^2 / 8
    -0.125
    """
    from scipy.linalg import eigh

    m0, S0, m1, S1 = _gauss_parts(P, Q)
    a = float(alpha)
    if not np.isfinite(a):
        raise BoundkitError(f"alpha must be a finite number, got {alpha!r}")
    # lambda - 1 directly, as eigenvalues of (S_P - S_Q) relative to S_Q (same eigenvectors):
    # no cancellation for nearly equal covariances
    dl, V = eigh(S0 - S1, S1)
    dl = np.maximum(dl, np.finfo(float).tiny - 1.0)
    delta = V.T @ (m0 - m1)
    s = 1.0 + (1.0 - a) * dl  # alpha + (1 - alpha) lambda
    if np.any(s <= 0.0):
        return float("inf")
    total = _log_det_part(dl, 1.0 - a) - 0.5 * a * (1.0 - a) * delta**2 / s
    return float(np.sum(total))


def _log_det_part(dl: np.ndarray, b: float) -> np.ndarray:
    r""":math:`h(x) = \frac b2\log(1 + x) - \frac12\log(1 + b x)` without cancellation.

    :math:`h(0) = h'(0) = 0`, so for :math:`|x| < 10^{-3}` the series
    :math:`h(x) = -\frac12\sum_{k \ge 2} \frac{(-x)^k}{k}(b - b^k)` (8 terms, relative error
    below :math:`10^{-20}`) replaces the difference of two nearly equal logs.
    """
    with np.errstate(all="ignore"):
        direct = 0.5 * b * np.log1p(dl) - 0.5 * np.log1p(b * dl)
    series = np.zeros_like(dl)
    for k in range(9, 1, -1):
        series = series + (-dl) ** k / k * (b - b**k)
    series = -0.5 * series
    return np.where(np.abs(dl) < 1e-3, series, direct)


def _alpha_of(g: Any) -> float | None:
    """The alpha of a member of the catalogue's alpha family (None for anything else)."""
    params = getattr(g, "params", None) or {}
    a = params.get("alpha")
    name = str(getattr(g, "name", ""))
    if a is None or not name.startswith("alpha=") or getattr(g, "is_symbolic", True):
        return None
    return float(a)


def gaussian_closed_form_available(g: Any) -> bool:
    r"""Whether :func:`gaussian_divergence` has a closed form for the generator ``g``.

    Parameters
    ----------
    g : Generator

    Returns
    -------
    bool
        True for KL, reverse KL, squared Hellinger, Pearson (recognised by their values, also
        as user expressions) and every numeric member of the alpha family.

    Notes
    -----
    The alpha family's divergence between Gaussians is closed-form for every real alpha:

    .. math:: D_{f_\alpha}(P\|Q) = \frac{\int p^\alpha q^{1-\alpha} - 1}{\alpha(\alpha-1)}.
    """
    if _alpha_of(g) is not None:
        return True
    form = identify_generator(g)
    return form is not None and form.key in ("kl", "reverse_kl", "hellinger", "pearson")


def gaussian_divergence(generator: Any, P: Gaussian, Q: Gaussian) -> float:
    r"""Closed-form :math:`D_f(P\|Q)` between Gaussians: KL and the alpha family.

    Parameters
    ----------
    generator : Generator or str
        KL :math:`u\log u`, reverse KL :math:`-\log u`, squared Hellinger
        :math:`(\sqrt u - 1)^2`, Pearson :math:`(u - 1)^2` (recognised numerically, also up to
        an affine term), or a member ``alpha=a`` of the alpha family.
    P, Q : Gaussian

    Returns
    -------
    float
        The divergence; ``inf`` for :math:`\alpha \notin (0, 1)` (Pearson is
        :math:`\alpha = 2`) when :math:`\alpha\Sigma_Q + (1-\alpha)\Sigma_P` is not positive
        definite.

    Notes
    -----
    With :math:`A_\alpha = \int p^\alpha q^{1-\alpha}` (:func:`gaussian_log_affinity`) and
    :math:`\delta = \mu_Q - \mu_P`:

    .. math::
        D_{f_\alpha} &= \frac{A_\alpha - 1}{\alpha(\alpha-1)}, \qquad
        f_\alpha(u) = \frac{u^\alpha - 1 - \alpha(u-1)}{\alpha(\alpha-1)},\\
        H^2 &= 2 - 2A_{1/2}, \qquad \chi^2 = A_2 - 1,\\
        \mathrm{KL} &= \tfrac12\big(\operatorname{tr}(\Sigma_Q^{-1}\Sigma_P) + \delta^\top
            \Sigma_Q^{-1}\delta - d + \log\tfrac{\det\Sigma_Q}{\det\Sigma_P}\big),

    computed as ``expm1`` of the log-affinity (no cancellation for nearly equal P, Q).

    Examples
    --------
    >>> round(gaussian_divergence("kl", Gaussian([0.0], 1.0), Gaussian([1.0], 1.0)), 12)
    0.5
    >>> gaussian_divergence("pearson", Gaussian([0.0], 1.0), Gaussian([0.0], 0.4))
    inf
    """
    g = resolve_generator(generator)
    a = _alpha_of(g)
    if a is not None:
        with np.errstate(over="ignore"):  # beyond float64: inf
            return float(np.expm1(gaussian_log_affinity(P, Q, a)) / (a * (a - 1.0)))
    form = identify_generator(g)
    key = form.key if form is not None else None
    if key not in ("kl", "reverse_kl", "hellinger", "pearson"):
        raise BoundkitError(
            "closed-form Gaussian divergences exist for kl, reverse kl, squared hellinger, "
            "pearson chi^2 and the alpha family (get_generator('alpha', alpha=a)) only"
        )
    if key == "reverse_kl":
        return _gauss_kl(Q, P)
    if key == "kl":
        return _gauss_kl(P, Q)
    if key == "hellinger":
        return float(-2.0 * np.expm1(gaussian_log_affinity(P, Q, 0.5)))
    with np.errstate(over="ignore"):  # beyond float64: inf
        return float(np.expm1(gaussian_log_affinity(P, Q, 2.0)))


def _x_minus_log1p(x: np.ndarray) -> np.ndarray:
    r""":math:`x - \log(1 + x) = \sum_{k\ge2} (-x)^k/k` for :math:`x > -1`, by its series
    (Horner, 40 terms) for :math:`|x| < 1/4` and directly elsewhere: no cancellation near 0."""
    x = np.asarray(x, dtype=float)
    out = np.empty_like(x)
    small = np.abs(x) < 0.25
    xs = x[small]
    acc = np.zeros_like(xs)
    for k in range(41, 1, -1):
        acc = acc * (-xs) + 1.0 / k
    out[small] = acc * xs * xs
    xl = x[~small]
    out[~small] = xl - np.log1p(xl)
    return out


def gaussian_kl(mu1: Any, var1: Any, mu2: Any, var2: Any) -> np.ndarray:
    r"""KL divergence between univariate Gaussians, vectorised over the arguments.

    Parameters
    ----------
    mu1, var1 : array_like
        Mean and variance of :math:`P`.
    mu2, var2 : array_like
        Mean and variance of :math:`Q` (broadcast together).

    Returns
    -------
    ndarray

    Notes
    -----
    .. math::

        \mathrm{KL}(N(\mu_1, v_1)\|N(\mu_2, v_2))
        = \tfrac12\Big(x - \log(1 + x) + \frac{(\mu_1-\mu_2)^2}{v_2}\Big),
        \qquad x = \frac{v_1 - v_2}{v_2},

    with :math:`x - \log(1 + x)` by its series near 0, so nearly equal P and Q keep full
    relative accuracy (the textbook :math:`\log(v_2/v_1) + v_1/v_2 - 1` loses it all). The
    same form in :math:`d` dimensions is :func:`gaussian_divergence` with ``"kl"``.

    Examples
    --------
    >>> float(gaussian_kl(0.0, 1.0, 1.0, 1.0))
    0.5
    >>> round(float(gaussian_kl(0.0, 1.0 + 2e-8, 0.0, 1.0)) * 1e16, 6)  # about x^2 / 4
    1.0
    """
    mu1, var1, mu2, var2 = (np.asarray(v, dtype=float) for v in (mu1, var1, mu2, var2))
    x = (var1 - var2) / var2
    return 0.5 * (_x_minus_log1p(x) + (mu1 - mu2) ** 2 / var2)


def _gauss_kl(P: Gaussian, Q: Gaussian) -> float:
    r""":math:`\tfrac12\sum_i [\ell_i - \log(1 + \ell_i)] + \tfrac12\|V^\top\delta\|^2` with
    :math:`\ell_i = \lambda_i - 1` the generalised eigenvalues of
    :math:`(\Sigma_P - \Sigma_Q, \Sigma_Q)`, :math:`V^\top\Sigma_Q V = I` (so
    :math:`\delta^\top\Sigma_Q^{-1}\delta = \|V^\top\delta\|^2`): the trace and log-determinant
    terms without cancellation near :math:`P = Q`."""
    from scipy.linalg import eigh

    m0, S0, m1, S1 = _gauss_parts(P, Q)
    dl, V = eigh(S0 - S1, S1)
    dl = np.maximum(dl, np.finfo(float).tiny - 1.0)
    delta = V.T @ (m0 - m1)
    return float(0.5 * (np.sum(_x_minus_log1p(dl)) + delta @ delta))


# ------------------------------------------------------------------------ the dispatcher
def _is_continuous(D: Any) -> bool:
    return isinstance(D, Distribution) and not isinstance(D, FiniteDistribution)


def divergence(
    generator: Any,
    P: Any,
    Q: Any,
    *,
    method: str = "auto",
    n_samples: int = 100_000,
    rng: Any = None,
) -> DivergenceResult:
    r"""The f-divergence :math:`D_f(P\|Q)`, exactly where possible.

    Parameters
    ----------
    generator : Generator or str
        A catalogue name, an expression in ``u``, or a :class:`boundkit.generators.Generator`.
    P, Q : Distribution
        Two distributions on the same space.
    method : {"auto", "exact", "quadrature", "closed_form", "monte_carlo"}
        ``"auto"`` picks, in order: exact sums for finite supports; quadrature for two
        :class:`~boundkit.distributions.GridDensity` on one grid; the closed form for two
        Gaussians (KL, reverse KL, squared Hellinger, Pearson); the singular case (one finite,
        one continuous); Monte Carlo otherwise.
    n_samples : int
        Monte Carlo sample size.
    rng : seed or numpy.random.Generator
        Randomness for Monte Carlo.

    Returns
    -------
    DivergenceResult
        Value, standard error (0 unless Monte Carlo), method.

    Notes
    -----
    .. math:: D_f(P\|Q) = \mathbb E_Q f\Big(\frac{dP}{dQ}\Big) + f'(\infty)\,P(dQ = 0).

    Monte Carlo uses :math:`X_i \sim Q` and :math:`\frac1n\sum_i f(p(X_i)/q(X_i))` with its
    standard error, except for KL where it uses :math:`X_i \sim P` and
    :math:`\frac1n\sum_i \log(p(X_i)/q(X_i))` (smaller variance). When one distribution is
    finite and the other has a density, they are mutually singular and
    :math:`D_f = f(0) + f'(\infty)`.

    Examples
    --------
    >>> from boundkit.distributions import FiniteDistribution
    >>> P = FiniteDistribution([0.0, 1.0], [0.5, 0.5])
    >>> Q = FiniteDistribution([0.0, 1.0], [0.25, 0.75])
    >>> r = divergence("kl", P, Q)
    >>> r.method, round(r.value, 12)
    ('exact', 0.143841036226)
    """
    g = resolve_generator(generator)
    name = str(getattr(g, "name", "f"))
    P, Q = (from_scipy(D) if is_scipy_frozen(D) else D for D in (P, Q))
    P, Q = discrete_view(P), discrete_view(Q)
    valid = ("auto", "exact", "quadrature", "closed_form", "monte_carlo")
    if method not in valid:
        raise BoundkitError(f"unknown method {method!r}: expected one of {', '.join(valid)}")
    both_finite = isinstance(P, FiniteDistribution | GridDensity) and isinstance(
        Q, FiniteDistribution | GridDensity
    )
    if method in ("exact", "quadrature") or (method == "auto" and both_finite):
        atoms, p, q = finite_problem(P, Q)
        kind = "quadrature" if isinstance(P, GridDensity) else "exact"
        return DivergenceResult(_div_pq(g, p, q), 0.0, kind, name)
    if method == "closed_form" or (
        method == "auto"
        and isinstance(P, Gaussian)
        and isinstance(Q, Gaussian)
        and gaussian_closed_form_available(g)
    ):
        if not (isinstance(P, Gaussian) and isinstance(Q, Gaussian)):
            raise BoundkitError("closed forms need two Gaussian distributions")
        return DivergenceResult(gaussian_divergence(g, P, Q), 0.0, "closed_form", name)
    if method == "auto" and (
        (isinstance(P, FiniteDistribution) and _is_continuous(Q))
        or (isinstance(Q, FiniteDistribution) and _is_continuous(P))
    ):
        f0 = float(np.asarray(g.f_numeric(np.array([0.0])), dtype=float)[0])
        fpi = fprime_at_inf(g)
        return DivergenceResult(float(f0 + fpi), 0.0, "singular", name)
    return _monte_carlo(g, name, P, Q, n_samples, rng)


def check_density_ratios(ratio: np.ndarray, *, what: str = "", tail: bool = True) -> None:
    r"""Refuse a sample that cannot back an importance-sampling estimate.

    Parameters
    ----------
    ratio : ndarray, shape (n,)
        Density ratios :math:`r_i = p(X_i)/q(X_i)` at :math:`X_i \sim Q`.
    what : str, optional
        What the ratios are, for the message (default: dP/dQ on a sample from Q).
    tail : bool
        Also test the tail (off for ratios bounded by construction: the top values of a
        bounded variable can mimic a Pareto tail).

    Raises
    ------
    BoundkitError
        When the ratios overflow, their mean is not 1 or their tail is heavy.

    Notes
    -----
    The ratios must have :math:`\mathbb E_Q r = 1` (within 4 standard errors: a false refusal
    has probability about :math:`6\cdot 10^{-5}` under the normal approximation) and a light
    tail (Pareto :math:`\hat k \le 0.7`); otherwise the sample misses where P has its mass (or a
    density is not normalised) and the average, however small its standard error, is not
    :math:`\mathbb E_P`.

    Examples
    --------
    >>> check_density_ratios(np.random.default_rng(0).exponential(size=1000))  # mean 1: passes
    """
    if not np.all(np.isfinite(ratio)):
        raise BoundkitError(
            "Monte Carlo estimate of D_f refused: dP/dQ overflows float64 on the sample"
        )
    n = ratio.size
    mean = float(np.mean(ratio))
    se = float(np.std(ratio, ddof=1) / np.sqrt(n))
    khat = pareto_khat(ratio) if tail else float("-inf")
    if khat > KHAT_THRESHOLD or abs(mean - 1.0) > 4.0 * se + 1e-12:
        if what:
            raise BoundkitError(
                f"Monte Carlo estimate refused: mean of {what} = {mean:.3g} +- {se:.2g}, "
                f"expected 1 (Pareto k-hat {khat:.2f}, threshold {KHAT_THRESHOLD}): is every "
                "logpdf normalised, and does the sample cover both distributions?"
            )
        raise BoundkitError(
            f"Monte Carlo estimate of D_f refused: the sample from Q does not cover P "
            f"(mean of dP/dQ = {mean:.3g} +- {se:.2g}, expected 1; Pareto k-hat of dP/dQ = "
            f"{khat:.2f}, threshold {KHAT_THRESHOLD}): use a closed form (Gaussians), a "
            "finite support, or a Q closer to P"
        )


def _exponent(f1: float, f2: float) -> float:
    if not np.isfinite(f2):
        return float("inf")
    if f1 <= 0.0 or f2 <= 0.0:
        return 0.0
    return max(float(np.log(f2 / f1) / np.log(1e8)), 0.0)


def generator_tail_exponents(generator: Any) -> tuple[float, float]:
    r"""How fast a generator grows at :math:`\infty` and blows up at 0.

    Parameters
    ----------
    generator : Generator or str

    Returns
    -------
    (beta, gamma) : tuple of float
        :math:`|f(u)| \approx u^\beta` as :math:`u \to \infty` and :math:`|f(u)| \approx
        u^{-\gamma}` as :math:`u \to 0` (0 when f is bounded there; ``inf`` when f overflows).

    Notes
    -----
    From :math:`u = 10^8, 10^{16}` and :math:`u = 10^{-8}, 10^{-16}`:
    :math:`\beta = \log(|f(10^{16})|/|f(10^8)|)/\log 10^8`, likewise :math:`\gamma`. A log
    factor shows as a small excess (KL: :math:`\beta \approx 1.04`). A Monte Carlo summand
    :math:`f(r)` of a ratio :math:`r` with Pareto tail index :math:`k` has tail index about
    :math:`\beta k` (large ratios) or :math:`\gamma k(1/r)` (small ones).

    Examples
    --------
    >>> beta, gamma = generator_tail_exponents("pearson")
    >>> round(beta, 6), round(gamma, 6)
    (2.0, 0.0)
    >>> round(generator_tail_exponents("neyman")[1], 6)
    1.0
    """
    g = resolve_generator(generator)
    with np.errstate(all="ignore"):
        vals = np.atleast_1d(g.f_numeric(np.array([1e8, 1e16, 1e-8, 1e-16])))
        f1, f2, z1, z2 = (abs(float(v)) for v in vals)
    return _exponent(f1, f2), _exponent(z1, z2)


def _growth_exponent(g: Any) -> float:
    r""":math:`\beta` with :math:`|f(u)| \approx u^\beta` as :math:`u \to \infty` (see
    :func:`generator_tail_exponents`)."""
    return generator_tail_exponents(g)[0]


def _summand_khat(g: Any, ratio: np.ndarray, terms: np.ndarray) -> float:
    r"""Tail index of the summands :math:`f(r_i)`, :math:`r_i = dP/dQ(X_i)`, :math:`X_i \sim Q`.

    Large summands come from large ratios (:math:`f(r) \approx r^\beta`: tail index
    :math:`\beta\,\hat k(r)`) or, when :math:`f(0) = \infty`, from ratios near 0 (the
    summands' own right tail). A generator bounded near 0 is not tested on its summands'
    tail directly: a bounded variable's top values can mimic a Pareto tail.
    """
    k_ratio = pareto_khat(ratio)
    beta = _growth_exponent(g)
    k = beta * k_ratio if k_ratio > 0 else k_ratio
    f0 = float(np.atleast_1d(g.f_numeric(np.array([0.0])))[0])
    if not np.isfinite(f0):
        k = max(k, pareto_khat(terms))
    return float(k)


def _monte_carlo(g, name, P, Q, n_samples, rng) -> DivergenceResult:
    if isinstance(n_samples, bool) or not isinstance(n_samples, int | np.integer) or n_samples < 2:
        raise BoundkitError(f"n_samples must be an integer >= 2, got {n_samples!r}")
    if getattr(P, "dim", None) != getattr(Q, "dim", None):
        raise BoundkitError("P and Q must have the same dimension")
    seed = int(np.random.default_rng(rng).integers(2**63 - 1))
    gen = np.random.default_rng(seed)
    if is_kl(g):
        x = P.sample(n_samples, rng=gen)
        terms = P.logpdf(x) - Q.logpdf(x)
        ratio: np.ndarray | None = None
    else:
        x = Q.sample(n_samples, rng=gen)
        lp = P.logpdf(x)
        lq = Q.logpdf(x)
        with np.errstate(over="ignore"):
            ratio = np.exp(lp - lq)
        terms = _f_terms(g, ratio)
        check_density_ratios(ratio)
    if not np.all(np.isfinite(terms)):
        raise BoundkitError(
            "Monte Carlo met infinite terms (P may not be absolutely continuous w.r.t. Q)"
        )
    # heavy tails: a finite average with a small standard error can be far from the truth
    # (even when the truth is +inf), so refuse rather than report it
    khat = pareto_khat(terms) if ratio is None else _summand_khat(g, ratio, terms)
    if khat > KHAT_THRESHOLD:
        raise BoundkitError(
            f"Monte Carlo estimate of D_f refused: the summands are heavy-tailed (Pareto "
            f"k-hat = {khat:.2f} > {KHAT_THRESHOLD}; the divergence or its variance may be "
            "infinite): use a closed form (Gaussians), a finite support, or a closer Q"
        )
    return DivergenceResult(
        float(np.mean(terms)),
        float(np.std(terms, ddof=1) / np.sqrt(n_samples)),
        "monte_carlo",
        name,
        int(n_samples),
        seed,
        float(khat) if np.isfinite(khat) else None,
    )


# ------------------------------------------------------------------------ variational bounds
@dataclass(frozen=True)
class VariationalBound:
    r"""A variational lower bound on :math:`D_f(P\|Q)` at one discriminator :math:`h`.

    Attributes
    ----------
    value : float
        The bound.
    form : str
        ``"nwj"`` (:math:`\mathbb E_P h - \mathbb E_Q f^*(h)`) or ``"shifted"``
        (:math:`\mathbb E_P h - \Lambda_f^Q[h]`).
    e_p_h : float
        :math:`\mathbb E_P h`.
    penalty : float
        :math:`\mathbb E_Q f^*(h)` or :math:`\Lambda_f^Q[h]`.
    nu : float
        The optimal shift :math:`\nu_h` (0 for the NWJ form).
    """

    value: float
    form: str
    e_p_h: float
    penalty: float
    nu: float


def variational_bound(
    generator: Any, h: Any, P: Any, Q: Any, *, form: str = "shifted"
) -> VariationalBound:
    r"""The NWJ or shifted variational lower bound at ``h`` on finite supports.

    Parameters
    ----------
    generator : Generator or str
    h : callable or array_like
        The discriminator: ``h(atoms) -> (k,)`` or its values on the common support of
        ``(P, Q)`` (the union of their atoms, ``P``'s first; see
        :func:`boundkit.distributions.common_support`).
    P, Q : FiniteDistribution or GridDensity
    form : {"shifted", "nwj"}

    Returns
    -------
    VariationalBound

    Notes
    -----
    .. math:: \mathrm{NWJ}(h) = \mathbb E_P h - \mathbb E_Q f^*(h), \qquad
              \mathrm{S}(h) = \mathbb E_P h - \Lambda_f^Q[h], \qquad
              \Lambda_f^Q[h] = \inf_\nu\, \nu + \mathbb E_Q f^*(h - \nu).

    :math:`\mathrm{S}(h) \ge \mathrm{NWJ}(h)` (take :math:`\nu = 0`), both are
    :math:`\le D_f(P\|Q)`, with equality at :math:`h = f'(dP/dQ)`.

    Examples
    --------
    >>> from boundkit.distributions import FiniteDistribution
    >>> P = FiniteDistribution([0.0, 1.0], [0.5, 0.5])
    >>> Q = FiniteDistribution([0.0, 1.0], [0.25, 0.75])
    >>> h = 1.0 + np.log(np.array([2.0, 2.0 / 3.0]))   # f'(p/q) for KL
    >>> round(variational_bound("kl", h, P, Q, form="nwj").value, 12)
    0.143841036226
    """
    g = resolve_generator(generator)
    if form not in ("shifted", "nwj"):
        raise BoundkitError(f"unknown form {form!r}: expected 'shifted' or 'nwj'")
    atoms, p, q = finite_problem(P, Q)
    hv = as_h_values(h, atoms)
    e_p = float(np.dot(p, hv))
    if form == "nwj":
        on = q > 0
        fs = np.asarray(g.conjugate(hv[on]), dtype=float)
        if np.any(np.isnan(fs)):
            raise BoundkitError("the generator returned NaN for f*(t)")
        pen = float(np.dot(q[on], fs)) if np.all(np.isfinite(fs)) else float("inf")
        return VariationalBound(e_p - pen, "nwj", e_p, pen, 0.0)
    lam = shift_functional(g, hv, q, h_null=hv[(q == 0) & (p > 0)])
    return VariationalBound(e_p - lam.value, "shifted", e_p, lam.value, lam.nu)


def shift_value(g: Any, hv: np.ndarray, q: np.ndarray) -> tuple[float, float]:
    r""":math:`(\Lambda_f^Q[h], \nu_h)` on a finite support (see
    :func:`boundkit.duality.lambda_finite`; atoms with :math:`q_i = 0` dropped)."""
    lam = shift_functional(g, hv, q)
    return lam.value, lam.nu
