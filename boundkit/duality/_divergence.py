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
from boundkit.generators import is_kl, perspective_divergence, shift_functional

__all__ = [
    "DivergenceResult",
    "VariationalBound",
    "divergence",
    "divergence_from_weights",
    "gaussian_divergence",
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
    """

    value: float
    stderr: float
    method: str
    generator: str
    n_samples: int = 0
    seed: int | None = None

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


def gaussian_divergence(generator: Any, P: Gaussian, Q: Gaussian) -> float:
    r"""Closed-form :math:`D_f(P\|Q)` between Gaussians for KL, squared Hellinger and Pearson.

    Parameters
    ----------
    generator : Generator or str
        Must equal (numerically) KL :math:`u\log u`, reverse KL :math:`-\log u`, squared
        Hellinger :math:`(\sqrt u - 1)^2` or Pearson :math:`(u - 1)^2`.
    P, Q : Gaussian

    Returns
    -------
    float
        The divergence (``inf`` for Pearson when :math:`2\Sigma_P^{-1} - \Sigma_Q^{-1}` is not
        positive definite).

    Notes
    -----
    With :math:`\delta = \mu_Q - \mu_P`:

    .. math::
        \mathrm{KL} &= \tfrac12\big(\operatorname{tr}(\Sigma_Q^{-1}\Sigma_P) + \delta^\top
            \Sigma_Q^{-1}\delta - d + \log\tfrac{\det\Sigma_Q}{\det\Sigma_P}\big),\\
        H^2 &= 2 - 2\,\frac{(\det\Sigma_P\det\Sigma_Q)^{1/4}}{\det\bar\Sigma^{1/2}}
            e^{-\delta^\top\bar\Sigma^{-1}\delta/8}, \quad \bar\Sigma = (\Sigma_P+\Sigma_Q)/2,\\
        \chi^2 &= \frac{\det\Sigma_Q^{1/2}}{\det\Sigma_P \det A^{1/2}}
            e^{b^\top A^{-1} b/2 - c/2} - 1, \quad A = 2\Sigma_P^{-1} - \Sigma_Q^{-1},

    with :math:`b = 2\Sigma_P^{-1}\mu_P - \Sigma_Q^{-1}\mu_Q` and
    :math:`c = 2\mu_P^\top\Sigma_P^{-1}\mu_P - \mu_Q^\top\Sigma_Q^{-1}\mu_Q`.

    Examples
    --------
    >>> round(gaussian_divergence("kl", Gaussian([0.0], 1.0), Gaussian([1.0], 1.0)), 12)
    0.5
    """
    g = resolve_generator(generator)
    form = identify_generator(g)
    key = form.key if form is not None else None
    if key not in ("kl", "reverse_kl", "hellinger", "pearson"):
        raise BoundkitError(
            "closed-form Gaussian divergences exist for kl, reverse kl, squared hellinger and "
            "pearson chi^2 only"
        )
    if key == "reverse_kl":
        return _gauss_kl(Q, P)
    if key == "kl":
        return _gauss_kl(P, Q)
    m0, S0, m1, S1 = _gauss_parts(P, Q)
    if key == "hellinger":
        Sb = 0.5 * (S0 + S1)
        d = m1 - m0
        _, ld0 = np.linalg.slogdet(S0)
        _, ld1 = np.linalg.slogdet(S1)
        _, ldb = np.linalg.slogdet(Sb)
        log_bc = 0.25 * (ld0 + ld1) - 0.5 * ldb - 0.125 * float(d @ np.linalg.solve(Sb, d))
        return float(-2.0 * np.expm1(log_bc))
    # pearson
    S0i = np.linalg.inv(S0)
    S1i = np.linalg.inv(S1)
    A = 2.0 * S0i - S1i
    A = 0.5 * (A + A.T)
    if np.linalg.eigvalsh(A).min() <= 0:
        return float("inf")
    b = 2.0 * S0i @ m0 - S1i @ m1
    c = 2.0 * m0 @ S0i @ m0 - m1 @ S1i @ m1
    _, ld0 = np.linalg.slogdet(S0)
    _, ld1 = np.linalg.slogdet(S1)
    _, ldA = np.linalg.slogdet(A)
    log_int = 0.5 * ld1 - ld0 - 0.5 * ldA + 0.5 * float(b @ np.linalg.solve(A, b)) - 0.5 * c
    return float(np.expm1(log_int))


def _gauss_kl(P: Gaussian, Q: Gaussian) -> float:
    m0, S0, m1, S1 = _gauss_parts(P, Q)
    d = m1 - m0
    S1i = np.linalg.inv(S1)
    _, ld0 = np.linalg.slogdet(S0)
    _, ld1 = np.linalg.slogdet(S1)
    return float(0.5 * (np.trace(S1i @ S0) + d @ S1i @ d - P.dim + ld1 - ld0))


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
        and (f := identify_generator(g)) is not None
        and f.key in ("kl", "reverse_kl", "hellinger", "pearson")
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
    else:
        x = Q.sample(n_samples, rng=gen)
        lp = P.logpdf(x)
        lq = Q.logpdf(x)
        with np.errstate(over="ignore"):
            terms = _f_terms(g, np.exp(lp - lq))
    if not np.all(np.isfinite(terms)):
        raise BoundkitError(
            "Monte Carlo met infinite terms (P may not be absolutely continuous w.r.t. Q)"
        )
    return DivergenceResult(
        float(np.mean(terms)),
        float(np.std(terms, ddof=1) / np.sqrt(n_samples)),
        "monte_carlo",
        name,
        int(n_samples),
        seed,
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
