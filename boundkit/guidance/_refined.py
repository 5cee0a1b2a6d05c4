r"""The refined model :math:`Q_h` of a diffusion base model and its exact guided score.

For a base mixture :math:`Q` and a potential :math:`h` (for guidance, :math:`h = \ell_0`, the
logit of the discriminator at time 0), the refined model at time 0 is
:func:`boundkit.duality.refine` of :math:`Q` (tabulated on a quadrature grid over a box) by
:math:`h`, for any generator: :math:`dQ_h/dQ = (f^*)'(h - \nu_h)`. For KL this is
:math:`e^h/\mathbb E_Q e^h` (C8: the GAN refinement by the odds :math:`d/(1 - d)` when
:math:`h = \log(d/(1-d))`). Only the diffusion-specific part lives here: diffusing
:math:`Q_h` by the OU process gives the marginal

.. math:: q^h_t(x) = \int q_h(x_0)\,\mathcal N(x;\alpha_t x_0,\sigma_t^2 I)\,dx_0
   = q_t(x)\,\mathbb E_Q[(f^*)'(h(X_0) - \nu_h)\mid X_t = x],

so the exact guided score is :math:`\nabla\log q_t + \nabla\log\mathbb E_Q[(f^*)'(h(X_0)
- \nu_h)\mid X_t=x] = \nabla\log q^h_t`. Both are computed here by quadrature (1-D and 2-D).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.polynomial import hermite_e
from scipy.special import logsumexp

from boundkit._errors import BoundkitError
from boundkit.distributions import FiniteDistribution
from boundkit.duality import divergence_from_weights, refine
from boundkit.generators import get_generator, is_kl, refinement_ratio
from boundkit.guidance._mixture import OUMixture, ou_alpha, ou_sigma2

__all__ = ["RefinedModel", "refine_by_discriminator"]

Potential = Callable[[np.ndarray], np.ndarray]


class RefinedModel:
    r"""The refined model :math:`Q_h`, :math:`dQ_h/dQ = (f^*)'(h - \nu_h)`, on a box, by quadrature.

    Parameters
    ----------
    base : OUMixture
        The base model :math:`Q` (dimension 1 or 2).
    h : callable
        Potential, ``h(x)`` with ``x`` of shape (m, d) returning (m,).
    grad_h : callable
        Its gradient, shape (m, d) -> (m, d) (used by the exact guided score at small times).
    generator : Generator or str, optional
        The f-divergence of the refinement (default KL, the refinement of guidance).
    box : (lo, hi), optional
        Per-coordinate bounds of the integration box :math:`B`; by default 8 standard
        deviations around every component of :math:`Q`.
    n_grid : int, optional
        Nodes per coordinate (default 4001 in 1-D, 241 in 2-D).

    Attributes
    ----------
    refined : boundkit.duality.RefinedDistribution
        :func:`boundkit.duality.refine` of the tabulated base :attr:`base_grid` by ``h``: the
        refined probabilities of the nodes (``refined.pmf``), :math:`\nu_h` and
        :math:`\Lambda_f^{Q}[h]`.
    base_grid : FiniteDistribution
        :math:`Q` restricted to the box and tabulated on the nodes, masses
        :math:`\omega_j q(x_j)/Z_B` (trapezoidal weights :math:`\omega_j`).
    nu, lam : float
        :math:`\nu_h` and :math:`\Lambda_f^{Q_B}[h]` (for KL, :math:`\log\mathbb E_{Q_B}e^h`).

    Notes
    -----
    .. math:: q_h(x) = \frac{q(x)\,(f^*)'(h(x) - \nu_h)\,1_B(x)}{Z_B},\qquad
       Z_B = \int_B q\,dx,\qquad \textstyle\sum_j \omega_j q_h(x_j) = 1,

    with :math:`Z_B` and :math:`\nu_h` by the trapezoidal rule on the grid (spectrally
    accurate for integrands that are smooth and negligible at the edges of :math:`B`;
    ``edge_ratio`` reports the largest value of :math:`q\,(f^*)'(h - \nu_h)` on the boundary
    relative to its maximum). Restricting to :math:`B` is a definition, not an approximation,
    when :math:`\mathbb E_Q e^h = \infty` (e.g. a logistic discriminator with odd-degree
    polynomial features). The diffused density :math:`q^h_t` is computed by the trapezoidal
    rule in :math:`x_0` when the kernel width :math:`\sigma_t/\alpha_t` is at least 1.5 grid
    steps (error of order :math:`e^{-2\pi^2 (\sigma_t/\alpha_t\delta)^2}`), otherwise by
    Gauss-Hermite quadrature in :math:`z` with :math:`x_0 = (x - \sigma_t z)/\alpha_t`:

    .. math:: q^h_t(x) = \alpha_t^{-d}\,\mathbb E_{z\sim\mathcal N(0, I)}\,
       q_h\big((x - \sigma_t z)/\alpha_t\big),

    whose score needs :math:`\nabla\log q_h = \nabla\log q + \nabla h\cdot
    \frac{d}{dt}\log(f^*)'(t)\big|_{t = h - \nu_h}` (the last factor is 1 for KL; for the
    other generators a central difference of :math:`\log(f^*)'` with step
    :math:`10^{-5}(1 + |t|)`).

    Examples
    --------
    >>> q = OUMixture([1.0], [0.0], [1.0])
    >>> r = RefinedModel(q, lambda x: x[:, 0], lambda x: np.ones_like(x))
    >>> round(float(r.mean()[0]), 6)   # N(0, 1) tilted by e^x is N(1, 1)
    1.0
    """

    def __init__(
        self,
        base: OUMixture,
        h: Potential,
        grad_h: Potential,
        *,
        generator: Any = "kl",
        box: tuple[Any, Any] | None = None,
        n_grid: int | None = None,
    ) -> None:
        if base.dim not in (1, 2):
            raise BoundkitError(f"refined models need dimension 1 or 2, got {base.dim}")
        self.base = base
        self.dim = base.dim
        self.h = h
        self.grad_h = grad_h
        self.generator = get_generator(generator) if isinstance(generator, str) else generator
        if box is None:
            lo, hi = base.bounds(8.0)
        else:
            lo = np.broadcast_to(np.asarray(box[0], dtype=float), (self.dim,)).copy()
            hi = np.broadcast_to(np.asarray(box[1], dtype=float), (self.dim,)).copy()
        if not (np.all(np.isfinite(lo)) and np.all(np.isfinite(hi)) and np.all(lo < hi)):
            raise BoundkitError("box must be finite with lo < hi in every coordinate")
        n = int(n_grid) if n_grid is not None else (4001 if self.dim == 1 else 241)
        if n < 11:
            raise BoundkitError(f"n_grid must be >= 11, got {n}")
        self.lo, self.hi, self.n_grid = lo, hi, n
        self.axes = [np.linspace(lo[i], hi[i], n) for i in range(self.dim)]
        self.step = (hi - lo) / (n - 1)
        if self.dim == 1:
            nodes = self.axes[0][:, None]
        else:
            g0, g1 = np.meshgrid(self.axes[0], self.axes[1], indexing="ij")
            nodes = np.column_stack([g0.ravel(), g1.ravel()])
        self.nodes = nodes
        tw = np.ones(n)
        tw[0] = tw[-1] = 0.5
        logw = np.log(tw) + np.log(self.step[0])
        if self.dim == 2:
            logw = (logw[:, None] + (np.log(tw) + np.log(self.step[1]))[None, :]).ravel()
        hv = np.asarray(h(nodes), dtype=float).reshape(-1)
        if hv.shape != (len(nodes),) or not np.all(np.isfinite(hv)):
            raise BoundkitError("the potential h must return finite values of shape (m,)")
        lq = base.logpdf(nodes) + logw
        self._log_box_mass = float(logsumexp(lq))  # log Z_B
        self.base_grid = FiniteDistribution(nodes, np.exp(lq - self._log_box_mass))
        self.refined = refine(self.base_grid, hv, self.generator)
        self.nu = float(self.refined.nu)
        self.lam = float(self.refined.lam)
        self._kl = is_kl(self.generator)
        with np.errstate(divide="ignore"):
            self._lognode = np.log(self.refined.pmf) - logw  # log q_h at the nodes
        self._logw = logw
        edge = np.zeros(len(nodes), dtype=bool)
        for i in range(self.dim):
            edge |= (nodes[:, i] == lo[i]) | (nodes[:, i] == hi[i])
        self.edge_ratio = float(np.exp(self._lognode[edge].max() - self._lognode.max()))

    def __repr__(self) -> str:
        return (
            f"RefinedModel(dim={self.dim}, generator={self.generator.name}, "
            f"n_grid={self.n_grid}, edge_ratio={self.edge_ratio:.1e})"
        )

    def _log_ratio(self, hx: np.ndarray) -> np.ndarray:
        r""":math:`\log (f^*)'(h - \nu_h)` at values of h."""
        ratio = refinement_ratio(self.generator, np.asarray(hx, dtype=float), nu=self.nu)
        with np.errstate(divide="ignore"):
            return np.log(ratio)

    def _dlog_ratio(self, hx: np.ndarray) -> np.ndarray:
        r""":math:`\frac{d}{dt}\log(f^*)'(t)` at :math:`t = h - \nu_h` (1 for KL)."""
        if self._kl:
            return np.ones_like(np.asarray(hx, dtype=float))
        t = np.asarray(hx, dtype=float) - self.nu
        eps = 1e-5 * (1.0 + np.abs(t))
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            up = np.log(np.asarray(self.generator.link(t + eps), dtype=float))
            down = np.log(np.asarray(self.generator.link(t - eps), dtype=float))
            out = (up - down) / (2 * eps)
        return np.where(np.isfinite(out), out, 0.0)

    # --------------------------------------------------------------- time 0
    def logpdf(self, x: Any) -> np.ndarray:
        r"""Log density :math:`\log q_h(x) = \log q(x) + \log(f^*)'(h(x) - \nu_h) - \log Z_B`
        (``-inf`` outside the box).

        Examples
        --------
        >>> q = OUMixture([1.0], [0.0], [1.0])
        >>> r = RefinedModel(q, lambda x: 0.0 * x[:, 0], lambda x: 0.0 * x)
        >>> round(float(r.logpdf([[0.0]])[0]), 6)
        -0.918939
        """
        x = self.base._check_x(x)
        hx = np.asarray(self.h(x), dtype=float).reshape(-1)
        out = self.base.logpdf(x) + self._log_ratio(hx) - self._log_box_mass
        inside = np.all((x >= self.lo) & (x <= self.hi), axis=1)
        return np.where(inside, out, -np.inf)

    def pdf(self, x: Any) -> np.ndarray:
        r"""Density :math:`q_h(x)`."""
        return np.exp(self.logpdf(x))

    def node_weights(self) -> tuple[np.ndarray, np.ndarray]:
        r"""Quadrature nodes (N, d) and probability weights (N,) summing to one.

        Notes
        -----
        .. math:: \pi_j = \omega_j q_h(x_j),\qquad \textstyle\int\varphi\,dQ_h \approx
           \sum_j \pi_j\varphi(x_j)

        (the probabilities ``refined.pmf`` of :func:`boundkit.duality.refine`).
        """
        return self.nodes, self.refined.pmf

    def mean(self) -> np.ndarray:
        r"""Mean :math:`\mathbb E_{Q_h}X` by quadrature."""
        nodes, w = self.node_weights()
        return w @ nodes

    def expect(self, func: Potential) -> float:
        r"""Expectation :math:`\mathbb E_{Q_h}\varphi(X)` by quadrature."""
        nodes, w = self.node_weights()
        return float(w @ np.asarray(func(nodes), dtype=float).reshape(-1))

    def divergence_from(self, target: OUMixture, generator: Any = "kl") -> float:
        r""":math:`D_f(P\|Q_h) = \int q_h f(p/q_h)` by quadrature on the box.

        Notes
        -----
        :func:`boundkit.duality.divergence_from_weights` of the node masses
        :math:`\omega_j p(x_j)` (renormalised on the box) and :math:`\pi_j`. Mass of
        :math:`P` outside the box is dropped (below :math:`10^{-14}` for the default box of
        the settings); ``+inf`` if :math:`q_h = 0` where :math:`p > 0` and
        :math:`f'(\infty) = \infty`.
        """
        lp = target.logpdf(self.nodes) + self._logw
        p = np.exp(lp - logsumexp(lp))
        return divergence_from_weights(generator, p, self.refined.pmf)

    def kl_from(self, target: OUMixture) -> float:
        r""":math:`\mathrm{KL}(P\|Q_h)` (:meth:`divergence_from` with KL)."""
        return self.divergence_from(target, "kl")

    def cdf(self, x: Any) -> np.ndarray:
        r"""Distribution function (1-D), by the trapezoidal rule on the grid (linear between nodes).

        The density is interpolated linearly between nodes, so the CDF is accurate to
        :math:`O(\delta^2)` in the grid step (about :math:`10^{-6}` with the default grid).

        Examples
        --------
        >>> q = OUMixture([1.0], [0.0], [1.0])
        >>> r = RefinedModel(q, lambda x: 0.0 * x[:, 0], lambda x: 0.0 * x)
        >>> round(float(r.cdf([0.0])[0]), 8)
        0.5
        """
        xs, f, F = self._cdf_table()
        x = np.asarray(x, dtype=float).reshape(-1)
        i = np.clip(np.searchsorted(xs, x, side="right") - 1, 0, len(xs) - 2)
        u = np.clip(x - xs[i], 0.0, xs[i + 1] - xs[i])
        slope = (f[i + 1] - f[i]) / (xs[i + 1] - xs[i])
        out = F[i] + f[i] * u + 0.5 * slope * u * u
        return np.where(x < xs[0], 0.0, np.where(x >= xs[-1], 1.0, out))

    def _cdf_table(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if self.dim != 1:
            raise BoundkitError("cdf and quantiles need a one-dimensional model")
        if not hasattr(self, "_table"):
            xs = self.axes[0]
            f = np.exp(self._lognode)
            F = np.concatenate([[0.0], np.cumsum(0.5 * (f[1:] + f[:-1]) * np.diff(xs))])
            f, F = f / F[-1], F / F[-1]
            self._table = (xs, f, F)
        return self._table

    def sample(self, n: int, *, rng: Any = None) -> np.ndarray:
        r"""Draw ``n`` points from :math:`Q_h` (exact up to the quadrature), shape (n, d).

        Notes
        -----
        1-D: inverse of the piecewise-quadratic CDF of :meth:`cdf`. 2-D: a grid cell drawn
        with probability proportional to its quadrature weight, then a uniform point in it.
        """
        rng = np.random.default_rng(rng)
        n = int(n)
        if n < 1:
            raise BoundkitError(f"number of samples must be >= 1, got {n}")
        if self.dim == 1:
            xs, f, F = self._cdf_table()
            u = rng.random(n)
            i = np.clip(np.searchsorted(F, u, side="right") - 1, 0, len(xs) - 2)
            dx = xs[i + 1] - xs[i]
            a = 0.5 * (f[i + 1] - f[i]) / dx
            b = f[i]
            c = F[i] - u
            disc = np.maximum(b * b - 4 * a * c, 0.0)
            with np.errstate(divide="ignore", invalid="ignore"):
                root = np.where(
                    np.abs(a) * dx > 1e-12 * (b + 1e-300),
                    (-b + np.sqrt(disc)) / (2 * a),
                    -c / np.maximum(b, 1e-300),
                )
            return (xs[i] + np.clip(root, 0.0, dx))[:, None]
        nodes, w = self.node_weights()
        j = rng.choice(len(w), size=n, p=w)
        jitter = (rng.random((n, self.dim)) - 0.5) * self.step
        return np.clip(nodes[j] + jitter, self.lo, self.hi)

    # --------------------------------------------------------------- diffused
    def marginal_logpdf_and_score(self, x: Any, t: float) -> tuple[np.ndarray, np.ndarray]:
        r"""Diffused density :math:`\log q^h_t(x)` (m,) and exact guided score (m, d).

        Notes
        -----
        .. math:: \nabla\log q^h_t(x) = \nabla\log q_t(x)
           + \nabla_x\log\mathbb E_Q[(f^*)'(h(X_0) - \nu_h)\mid X_t = x]

        (the exact guided score of C8; for KL the conditional expectation is of
        :math:`e^{h(X_0)}` up to a constant), by the quadrature described in the class Notes.

        Examples
        --------
        >>> q = OUMixture([1.0], [0.0], [1.0])
        >>> r = RefinedModel(q, lambda x: 0.0 * x[:, 0], lambda x: 0.0 * x)
        >>> lp, s = r.marginal_logpdf_and_score([[1.0]], 0.3)
        >>> round(float(s[0, 0]), 8)   # Q_h = Q = N(0, 1) is invariant
        -1.0
        """
        x = self.base._check_x(x)
        t = float(t)
        if t < 0:
            raise BoundkitError(f"diffusion time must be >= 0, got {t}")
        a = float(ou_alpha(t))
        s2 = float(ou_sigma2(t))
        width = np.sqrt(s2) / a
        if width >= 1.5 * float(self.step.max()):
            return self._grid_marginal(x, a, s2)
        return self._hermite_marginal(x, a, s2)

    def guided_score(self, x: Any, t: float) -> np.ndarray:
        r"""Exact guided score :math:`\nabla\log q^h_t(x)`, shape (m, d)."""
        return self.marginal_logpdf_and_score(x, t)[1]

    def guidance_term(self, x: Any, t: float) -> np.ndarray:
        r"""Exact guidance term, shape (m, d).

        Notes
        -----
        .. math:: \nabla_x\log\mathbb E_Q[(f^*)'(h(X_0) - \nu_h)\mid X_t = x]
        """
        x = self.base._check_x(x)
        return self.guided_score(x, t) - self.base.score(x, t)

    def _grid_marginal(self, x: np.ndarray, a: float, s2: float) -> tuple[np.ndarray, np.ndarray]:
        logc = self._lognode + self._logw - 0.5 * self.dim * np.log(2 * np.pi * s2)
        keep = logc > logc.max() - 80.0
        nodes, logc = self.nodes[keep] * a, logc[keep]
        m = x.shape[0]
        lp = np.empty(m)
        sc = np.empty_like(x)
        chunk = max(1, int(4_000_000 // max(len(nodes), 1)))
        for s in range(0, m, chunk):
            xb = x[s : s + chunk]
            diff = xb[:, None, :] - nodes[None, :, :]
            ll = logc[None, :] - 0.5 * np.sum(diff * diff, axis=2) / s2
            mx = ll.max(axis=1, keepdims=True)
            e = np.exp(ll - mx)
            tot = e.sum(axis=1)
            lp[s : s + chunk] = mx[:, 0] + np.log(tot)
            sc[s : s + chunk] = -np.einsum("mn,mnd->md", e, diff) / (tot[:, None] * s2)
        return lp, sc

    def _hermite_marginal(
        self, x: np.ndarray, a: float, s2: float, n_nodes: int = 40
    ) -> tuple[np.ndarray, np.ndarray]:
        z1, w1 = hermite_e.hermegauss(n_nodes)
        w1 = w1 / w1.sum()
        if self.dim == 1:
            z, w = z1[:, None], w1
        else:
            za, zb = np.meshgrid(z1, z1, indexing="ij")
            z = np.column_stack([za.ravel(), zb.ravel()])
            w = np.outer(w1, w1).ravel()
        s = np.sqrt(s2)
        m, d = x.shape
        pts = ((x[:, None, :] - s * z[None, :, :]) / a).reshape(-1, d)
        lq = self.logpdf(pts)
        finite = np.isfinite(lq)
        g = np.zeros((len(pts), d))
        if np.any(finite):
            pf = pts[finite]
            slope = self._dlog_ratio(np.asarray(self.h(pf), dtype=float).reshape(-1))
            g[finite] = self.base.score(pf) + slope[:, None] * np.asarray(self.grad_h(pf))
        lq = lq.reshape(m, -1) + np.log(w)[None, :]
        g3 = g.reshape(m, -1, d)
        lse = logsumexp(lq, axis=1)
        r = np.exp(lq - lse[:, None])
        lp = lse - d * np.log(a)
        return lp, np.einsum("mn,mnd->md", r, g3) / a


def refine_by_discriminator(
    base: OUMixture,
    discriminator: Any,
    *,
    generator: Any = "kl",
    box: tuple[Any, Any] | None = None,
    n_grid: int | None = None,
) -> RefinedModel:
    r"""The model refined by a discriminator at time 0: :math:`Q_h`, :math:`h = \ell_0`.

    Parameters
    ----------
    base : OUMixture
        The base model Q.
    discriminator : Discriminator
        Anything with ``logit(x, t)`` and ``grad_logit(x, t)``.
    generator : Generator or str, optional
        The f-divergence of the refinement (default KL: discriminator guidance).
    box, n_grid
        Passed to :class:`RefinedModel`.

    Notes
    -----
    .. math:: h(x) = \log\frac{d_0(x)}{1 - d_0(x)},\qquad
       \frac{dQ_h}{dQ} = (f^*)'(h - \nu_h) \overset{\text{KL}}{=}
       \frac{e^{h}}{\mathbb E_Q e^h} \propto \frac{d_0}{1 - d_0}.

    With the Bayes-optimal discriminator and KL, :math:`h = \log(p/q)` and :math:`Q_h = P`.

    Examples
    --------
    >>> from boundkit.guidance import OptimalDiscriminator, get_guidance_setting
    >>> s = get_guidance_setting("gaussian")
    >>> r = refine_by_discriminator(s.q, OptimalDiscriminator(s.p, s.q))
    >>> round(float(r.mean()[0]), 8)   # Q_h = P = N(0.5, 0.8^2)
    0.5
    """
    if getattr(discriminator, "dim", base.dim) != base.dim:
        raise BoundkitError("discriminator and base model dimensions differ")
    return RefinedModel(
        base,
        lambda x: discriminator.logit(x, 0.0),
        lambda x: discriminator.grad_logit(x, 0.0),
        generator=generator,
        box=box,
        n_grid=n_grid,
    )
