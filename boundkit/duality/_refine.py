r"""The refined model :math:`Q_h`, :math:`dQ_h/dQ = (f^*)'(h - \nu_h)` (claims C4, C5)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from boundkit._errors import BoundkitError
from boundkit._validation import check_points as as_points
from boundkit._validation import evaluate_at as _eval_func
from boundkit.distributions import (
    Distribution,
    FiniteDistribution,
    Gaussian,
    GaussianMixture,
    GridDensity,
)
from boundkit.duality._adapted_rule import adapted_rule, gauss_hermite_rule
from boundkit.duality._common import resolve_generator
from boundkit.generators import fast_link, kl_affine_shift, shift_functional

__all__ = ["QuadraticFunction", "RefinedDistribution", "SamplingInfo", "refine"]


class QuadraticFunction:
    r"""A quadratic discriminator :math:`h(x) = x^\top A x + b^\top x + c`.

    Parameters
    ----------
    A : array_like, shape (d, d)
        Symmetric matrix (symmetrised if not).
    b : array_like, shape (d,), optional
    c : float

    Notes
    -----
    .. math:: h(x) = x^\top A x + b^\top x + c.

    Examples
    --------
    >>> h = QuadraticFunction([[-0.5]], [1.0], 0.0)
    >>> h(np.array([[2.0]])).tolist()
    [0.0]
    """

    def __init__(self, A: Any, b: Any = None, c: float = 0.0) -> None:
        A = np.atleast_2d(np.asarray(A, dtype=float))
        if A.ndim != 2 or A.shape[0] != A.shape[1]:
            raise BoundkitError(f"A must be a square matrix, got shape {A.shape}")
        d = A.shape[0]
        b = np.zeros(d) if b is None else np.atleast_1d(np.asarray(b, dtype=float))
        if b.shape != (d,):
            raise BoundkitError(f"b must have shape ({d},), got {b.shape}")
        c = float(c)
        if not (np.all(np.isfinite(A)) and np.all(np.isfinite(b)) and np.isfinite(c)):
            raise BoundkitError("A, b and c must be finite")
        self.A = 0.5 * (A + A.T)
        self.b = b
        self.c = c
        self.dim = d

    def __call__(self, x: Any) -> np.ndarray:
        """Values :math:`h(x_i)` at the points ``x`` of shape (m, d); returns shape (m,)."""
        pts = as_points(x, self.dim)
        return np.einsum("ij,jk,ik->i", pts, self.A, pts) + pts @ self.b + self.c

    def __repr__(self) -> str:
        return f"QuadraticFunction(A={self.A.tolist()}, b={self.b.tolist()}, c={self.c})"


@dataclass(frozen=True)
class SamplingInfo:
    r"""Samples of a refined model with the diagnostics of how they were drawn.

    Attributes
    ----------
    samples : ndarray, shape (n, d)
    method : str
        ``"exact"`` (finite/grid/closed form), ``"sir"`` (importance resampling) or
        ``"rejection"``.
    n_proposals : int
        Draws from the base model used.
    acceptance_rate : float
        Rejection: accepted / proposed (expected :math:`1/M`); ``nan`` otherwise.
    M : float
        Rejection bound :math:`M \ge \sup (f^*)'(h - \nu)`; ``nan`` otherwise.
    ess : float
        SIR: effective sample size :math:`(\sum w)^2/\sum w^2` of the self-normalised weights;
        ``nan`` otherwise.
    """

    samples: np.ndarray
    method: str
    n_proposals: int
    acceptance_rate: float = float("nan")
    M: float = float("nan")
    ess: float = float("nan")


def _quadrature(Q: Any) -> tuple[np.ndarray, np.ndarray] | None:
    """Nodes and weights of an exact (or quadrature) expectation under ``Q``."""
    if isinstance(Q, FiniteDistribution):
        return Q.atoms, Q.pmf
    if isinstance(Q, GridDensity):
        return Q.nodes, Q.masses
    if isinstance(Q, Gaussian | GaussianMixture) and Q.dim <= 3:
        return gauss_hermite_rule(Q, 40 if Q.dim <= 2 else 16)
    return None


class RefinedDistribution(Distribution):
    r"""The refined model :math:`Q_h` with :math:`dQ_h/dQ = (f^*)'(h - \nu_h)`.

    Build it with :func:`refine`. On finite supports and grids it is exact (its :attr:`pmf`
    sums to 1 up to rounding); for a Gaussian base with a quadratic ``h`` and KL it is the
    Gaussian :attr:`closed_form`; for other densities with a quadrature rule :math:`\nu_h` is
    exact to quadrature; for a sample-only base it is estimated by self-normalised Monte Carlo.

    Attributes
    ----------
    base : Distribution
        :math:`Q`.
    h : callable or None
        The discriminator (``None`` when given by values on a finite support).
    h_values : ndarray or None
        Values of ``h`` on the atoms/cells (finite and grid bases).
    generator : Generator
    nu : float
        :math:`\nu_h`.
    lam : float
        :math:`\Lambda_f^Q[h]` (a Monte Carlo estimate for a sample-only base; then
        :attr:`normalisation` says so).
    normalisation : str
        ``"exact"``, ``"quadrature"``, ``"closed_form"`` or ``"self-normalised Monte Carlo"``.
    pmf, atoms : ndarray or None
        Refined probabilities on the support (finite and grid bases).
    closed_form : Gaussian or None
        The refined Gaussian (KL, Gaussian base, quadratic ``h``).
    quadrature_error : float
        Gaussian and Gaussian-mixture bases: the estimated error of :math:`(\nu_h, \Lambda)`
        from the order-doubling check of the quadrature (0 otherwise); :meth:`expect` uses the
        same rule.
    dim : int

    Notes
    -----
    .. math:: \frac{dQ_h}{dQ}(x) = (f^*)'(h(x) - \nu_h), \qquad
              \mathbb E_Q (f^*)'(h - \nu_h) = 1.

    For KL, :math:`Q_h \propto Q e^h`. When :math:`\nu_h` sits at the closed end of
    :math:`\mathrm{dom} f^*` (total variation), :math:`Q_h` is not unique; the mass missing
    from :math:`q\,(f^*)'(h - \nu_h)` goes to the atoms where :math:`h - \nu_h` reaches
    :math:`\sup\mathrm{dom} f^*`, in proportion to :math:`q`.
    """

    base: Any
    pmf: Any
    atoms: Any
    h_values: Any

    def __init__(
        self,
        base: Any,
        generator: Any,
        nu: float,
        lam: float,
        normalisation: str,
        *,
        h: Callable[[np.ndarray], Any] | None = None,
        h_values: np.ndarray | None = None,
        pmf: np.ndarray | None = None,
        closed_form: Gaussian | None = None,
        nu_stderr: float = 0.0,
        rule: tuple[np.ndarray, np.ndarray] | None = None,
        quadrature_error: float = 0.0,
    ) -> None:
        self.base = base
        self.generator = generator
        self.nu = float(nu)
        self.lam = float(lam)
        self.normalisation = normalisation
        self.h = h
        self.h_values = h_values
        self.pmf = pmf
        self.closed_form = closed_form
        self.nu_stderr = float(nu_stderr)
        self._rule = rule
        self.quadrature_error = float(quadrature_error)
        self.dim = int(base.dim)
        self.atoms = None
        self._finite: FiniteDistribution | None = None
        if pmf is not None:
            self.atoms = base.atoms if isinstance(base, FiniteDistribution) else base.nodes
            self._cdf = np.cumsum(pmf)

    def __repr__(self) -> str:
        name = getattr(self.generator, "name", "?")
        return (
            f"RefinedDistribution(base={self.base!r}, generator={name}, "
            f"nu={self.nu:.6g}, normalisation={self.normalisation!r})"
        )

    # ---------------------------------------------------------------- density ratio
    def ratio(self, x: Any) -> np.ndarray:
        r"""The density ratio :math:`dQ_h/dQ(x) = (f^*)'(h(x) - \nu_h)`; shape ``(m,)``."""
        if self.h is None:
            raise BoundkitError("h was given by its values on the support: use .pmf")
        pts = as_points(x, self.dim)
        hv = _eval_func(self.h, pts)
        return _link(self.generator, hv - self.nu)

    @property
    def has_exact_expectation(self) -> bool:
        """True for finite, grid, closed-form and quadrature refinements."""
        return self.normalisation != "self-normalised Monte Carlo"

    def to_finite(self) -> FiniteDistribution:
        """The refined model on the base support (finite and grid bases)."""
        if self.pmf is None:
            raise BoundkitError("only finite and grid refinements have a finite support")
        if self._finite is None:
            self._finite = FiniteDistribution(self.atoms, self.pmf)
        return self._finite

    def pdf(self, x: Any) -> np.ndarray:
        r""":math:`q(x)\,(f^*)'(h(x) - \nu_h)` (a pmf on finite supports); shape ``(m,)``."""
        if self.closed_form is not None:
            return self.closed_form.pdf(x)
        if isinstance(self.base, FiniteDistribution):
            return self.to_finite().pdf(x)
        if isinstance(self.base, GridDensity):
            pts = as_points(x, self.dim)
            idx = self.base._cell_index(pts)
            out = np.zeros(pts.shape[0])
            on = idx >= 0
            out[on] = self.pmf[idx[on]] / self.base.cell_volume
            return out
        return self.base.pdf(x) * self.ratio(x)

    def logpdf(self, x: Any) -> np.ndarray:
        """Log of :meth:`pdf` (``-inf`` where it is 0)."""
        if self.closed_form is not None:
            return self.closed_form.logpdf(x)
        if self.pmf is not None:
            with np.errstate(divide="ignore"):
                return np.log(self.pdf(x))
        with np.errstate(divide="ignore"):
            return self.base.logpdf(x) + np.log(self.ratio(x))

    def expect(self, func: Callable[[np.ndarray], Any]) -> float:
        r""":math:`\mathbb E_{Q_h} g = \mathbb E_Q[g\,(f^*)'(h - \nu_h)]` (exact or quadrature)."""
        if self.closed_form is not None:
            return self.closed_form.expect(func)
        if self.pmf is not None:
            on = self.pmf > 0
            return float(np.dot(self.pmf[on], _eval_func(func, self.atoms[on])))
        quad = self._rule if self._rule is not None else _quadrature(self.base)
        if quad is None:
            raise BoundkitError(
                "this refined model has no exact expectation (sample-only base): use samples"
            )
        nodes, w = quad
        r = self.ratio(nodes)
        return float(np.dot(w * r, _eval_func(func, nodes)))

    # ---------------------------------------------------------------- sampling
    def sample(self, n: int, *, rng: Any = None) -> np.ndarray:
        """Draw ``n`` points: exactly when possible, else by importance resampling."""
        return self.sample_info(n, rng=rng).samples

    def sample_info(
        self,
        n: int,
        *,
        rng: Any = None,
        method: str = "auto",
        n_proposals: int | None = None,
        h_max: float | None = None,
    ) -> SamplingInfo:
        r"""Draw ``n`` points and report how.

        Parameters
        ----------
        n : int
        rng : seed or numpy.random.Generator
        method : {"auto", "exact", "sir", "rejection"}
            ``"auto"``: exact for finite, grid and closed-form models, else ``"sir"``.
        n_proposals : int, optional
            SIR: number of proposals from the base (default ``10 n``).
        h_max : float, optional
            Rejection: an upper bound of :math:`h` on the support of :math:`Q`; then
            :math:`M = (f^*)'(h_{\max} - \nu_h)` (computed exactly for finite and grid bases).

        Returns
        -------
        SamplingInfo

        Notes
        -----
        SIR draws :math:`x_1..x_m \sim Q` and resamples with the self-normalised weights
        :math:`w_i / \sum_j w_j`, :math:`w_i = (f^*)'(h(x_i) - \nu_h)` (consistent as
        :math:`m \to \infty`, biased for finite :math:`m`). Rejection accepts
        :math:`x \sim Q` with probability :math:`w(x)/M`; its acceptance rate is :math:`1/M`
        in expectation and its samples are exact.
        """
        n = self._n(n)
        gen = np.random.default_rng(rng)
        exact_ok = self.pmf is not None or self.closed_form is not None
        if method == "auto":
            method = "exact" if exact_ok else "sir"
        if method == "exact":
            if not exact_ok:
                raise BoundkitError("exact sampling needs a finite, grid or closed-form model")
            if self.closed_form is not None:
                return SamplingInfo(self.closed_form.sample(n, rng=gen), "exact", 0)
            idx = np.minimum(
                np.searchsorted(self._cdf, gen.random(n) * self._cdf[-1], side="right"),
                self.pmf.size - 1,
            )
            x = self.atoms[idx]
            if isinstance(self.base, GridDensity):
                x = x + (gen.random((n, self.dim)) - 0.5) * self.base.steps
            return SamplingInfo(x, "exact", 0)
        if method == "sir":
            m = 10 * n if n_proposals is None else int(n_proposals)
            if m < 1:
                raise BoundkitError(f"n_proposals must be >= 1, got {m}")
            xs = self.base.sample(m, rng=gen)
            w = self._weights_at(xs)
            total = float(w.sum())
            if not (np.isfinite(total) and total > 0):
                raise BoundkitError("all importance weights are zero or infinite")
            pw = w / total
            idx = gen.choice(m, size=n, replace=True, p=pw)
            ess = 1.0 / float(np.sum(pw * pw))
            return SamplingInfo(xs[idx], "sir", m, ess=ess)
        if method == "rejection":
            M = self._rejection_bound(h_max)
            out = []
            got = 0
            proposed = 0
            batch = max(64, int(1.2 * n * M) + 16)
            for _ in range(10_000):
                xs = self.base.sample(batch, rng=gen)
                proposed += batch
                w = self._weights_at(xs)
                if np.any(w > M * (1 + 1e-9)):
                    raise BoundkitError("h_max is not an upper bound of h: a weight exceeds M")
                acc = gen.random(batch) * M < w
                out.append(xs[acc])
                got += int(acc.sum())
                if got >= n:
                    break
            else:  # pragma: no cover - needs an absurd M
                raise BoundkitError("rejection sampling accepted too few points")
            samples = np.vstack(out)[:n]
            return SamplingInfo(samples, "rejection", proposed, got / proposed, M)
        raise BoundkitError(
            f"unknown method {method!r}: expected 'auto', 'exact', 'sir' or 'rejection'"
        )

    def _weights_at(self, xs: np.ndarray) -> np.ndarray:
        if self.h is not None:
            return self.ratio(xs)
        # finite/grid base with h given by values: look the atoms up
        if isinstance(self.base, FiniteDistribution):
            idx = self.base.index_of(xs)
        else:
            idx = self.base._cell_index(xs)
        return _link(self.generator, self.h_values[idx] - self.nu)

    def _rejection_bound(self, h_max: float | None) -> float:
        if h_max is None:
            if self.h_values is not None:
                on = (
                    self.base.pmf if isinstance(self.base, FiniteDistribution) else self.base.masses
                ) > 0
                h_max = float(np.max(self.h_values[on]))
            elif isinstance(self.h, QuadraticFunction) and np.all(np.linalg.eigvalsh(self.h.A) < 0):
                x0 = np.linalg.solve(-2.0 * self.h.A, self.h.b)
                h_max = float(self.h(x0[None, :])[0])
            else:
                raise BoundkitError(
                    "rejection sampling needs h_max, an upper bound of h on the support of Q"
                )
        M = float(_link(self.generator, np.array([float(h_max) - self.nu]))[0])
        if not (np.isfinite(M) and M > 0):
            raise BoundkitError(f"the rejection bound M = {M} is not a finite positive number")
        return max(M, 1.0)


def _link(g: Any, t: np.ndarray) -> np.ndarray:
    with np.errstate(all="ignore"):
        out = np.asarray(fast_link(g)(np.asarray(t, dtype=float)), dtype=float)
    if np.any(np.isnan(out)):
        raise BoundkitError("the generator's link returned NaN")
    return out


def _gaussian_tilt(Q: Gaussian, h: QuadraticFunction) -> tuple[Gaussian, float]:
    r"""KL refinement of :math:`N(\mu, \Sigma)` by :math:`x^\top A x + b^\top x + c`."""
    if h.dim != Q.dim:
        raise BoundkitError(f"h has dimension {h.dim} but Q has dimension {Q.dim}")
    S_inv = np.linalg.inv(Q.cov)
    prec = S_inv - 2.0 * h.A
    prec = 0.5 * (prec + prec.T)
    if np.linalg.eigvalsh(prec).min() <= 0:
        raise BoundkitError("E_Q exp(h) is infinite: Sigma^{-1} - 2A is not positive definite")
    cov = np.linalg.inv(prec)
    cov = 0.5 * (cov + cov.T)
    eta = S_inv @ Q.mean + h.b
    mean = cov @ eta
    _, ld_cov = np.linalg.slogdet(cov)
    lam = (
        h.c
        + 0.5 * float(mean @ prec @ mean)
        - 0.5 * float(Q.mean @ S_inv @ Q.mean)
        + 0.5 * ld_cov
        - 0.5 * Q._logdet
    )
    return Gaussian(mean, cov), float(lam)


def refine(
    Q: Distribution,
    h: Any,
    generator: Any = "kl",
    *,
    n_nu: int = 100_000,
    rng: Any = None,
) -> RefinedDistribution:
    r"""The refined model :math:`Q_h` of a base model ``Q`` by a discriminator ``h``.

    Parameters
    ----------
    Q : Distribution
        The base model: finite, grid, Gaussian, mixture, or any distribution that can sample.
    h : callable or array_like
        ``h(x) -> (m,)`` for points ``(m, d)``; for finite and grid bases also its values on
        the atoms / cell centres (shape ``(k,)``). A :class:`QuadraticFunction` with a
        Gaussian base and KL gives the closed form.
    generator : Generator or str
    n_nu : int
        Sample size of the self-normalised Monte Carlo estimate of :math:`\nu_h` (sample-only
        bases only).
    rng : seed or numpy.random.Generator
        Randomness for that estimate.

    Returns
    -------
    RefinedDistribution

    Notes
    -----
    .. math:: \frac{dQ_h}{dQ} = (f^*)'(h - \nu_h), \qquad
              \nu_h = \arg\min_\nu\ \nu + \mathbb E_Q f^*(h - \nu).

    For KL and :math:`Q = \mathcal N(\mu, \Sigma)`, :math:`h = x^\top A x + b^\top x + c`:
    :math:`Q_h = \mathcal N(\mu', \Sigma')` with :math:`\Sigma'^{-1} = \Sigma^{-1} - 2A`,
    :math:`\mu' = \Sigma'(\Sigma^{-1}\mu + b)` and
    :math:`\log\mathbb E_Q e^h = c + \tfrac12\mu'^\top\Sigma'^{-1}\mu'
    - \tfrac12\mu^\top\Sigma^{-1}\mu + \tfrac12\log\frac{\det\Sigma'}{\det\Sigma}`.

    Other Gaussian and Gaussian-mixture bases (dimension at most 3) use Gauss-Hermite
    quadrature whose order is doubled until :math:`(\nu_h, \Lambda)` agree to about
    :math:`10^{-11}`; when :math:`h` moves the mass where :math:`Q` has little, Gaussians on
    the modes of :math:`\log q + h` join the rule (see ``boundkit.duality._adapted_rule``).
    The estimated error is :attr:`RefinedDistribution.quadrature_error`.

    Examples
    --------
    >>> from boundkit.distributions import FiniteDistribution
    >>> Q = FiniteDistribution([0.0, 1.0], [0.5, 0.5])
    >>> Qh = refine(Q, np.log([1.0, 3.0]), "kl")
    >>> Qh.pmf.round(12).tolist()
    [0.25, 0.75]
    """
    g = resolve_generator(generator)
    if not isinstance(Q, Distribution):
        raise BoundkitError(f"Q must be a boundkit Distribution, got {type(Q).__name__}")
    c_kl = kl_affine_shift(g)
    if isinstance(Q, FiniteDistribution | GridDensity):
        nodes, w = (Q.atoms, Q.pmf) if isinstance(Q, FiniteDistribution) else (Q.nodes, Q.masses)
        if callable(h):
            hv = _eval_func(h, nodes)
        else:
            hv = np.asarray(h, dtype=float).reshape(-1)
            if hv.shape[0] != nodes.shape[0]:
                raise BoundkitError(
                    f"h has {hv.shape[0]} values but Q has {nodes.shape[0]} atoms/cells"
                )
        if not np.all(np.isfinite(hv[w > 0])):
            raise BoundkitError("h has NaN or infinite values on the support of Q")
        lam = shift_functional(g, hv, w)
        pmf = np.where(w > 0, w * lam.ratio, 0.0)
        kind = "exact" if isinstance(Q, FiniteDistribution) else "quadrature"
        return RefinedDistribution(
            Q, g, lam.nu, lam.value, kind, h=h if callable(h) else None, h_values=hv, pmf=pmf
        )
    if not callable(h):
        raise BoundkitError("h must be a callable for a continuous base model")
    if isinstance(Q, Gaussian) and isinstance(h, QuadraticFunction) and c_kl is not None:
        G, lam_kl = _gaussian_tilt(Q, h)
        return RefinedDistribution(
            Q, g, lam_kl - 1.0 - c_kl, lam_kl, "closed_form", h=h, closed_form=G
        )
    if isinstance(Q, Gaussian | GaussianMixture) and Q.dim <= 3:
        rule = adapted_rule(Q, h, g)
        return RefinedDistribution(
            Q,
            g,
            rule.nu,
            rule.value,
            "quadrature",
            h=h,
            rule=(rule.nodes, rule.weights),
            quadrature_error=rule.error,
        )
    # sample-only base: self-normalised Monte Carlo for nu
    gen = np.random.default_rng(rng)
    xs = Q.sample(int(n_nu), rng=gen)
    res = shift_functional(g, _eval_func(h, xs))
    return RefinedDistribution(Q, g, res.nu, res.value, "self-normalised Monte Carlo", h=h)
