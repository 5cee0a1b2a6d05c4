r"""Distances between particle sets and exact densities: grid KL/TV, exact 1-D W1, MMD.

The binned KL and TV are :func:`boundkit.duality.divergence_from_weights` of the histogram and
the exact bin probabilities (the one finite f-divergence of boundkit); only the
sample-vs-law distances specific to this laboratory (W1, KS, MMD, Monte Carlo floors) live here.

Every distance takes particles ``x`` (n, d) and an exact reference law: an
:class:`~boundkit.guidance.OUMixture` (closed forms) or a
:class:`~boundkit.guidance.RefinedModel` (quadrature). :func:`distance_over_seeds` turns
per-seed values into a mean with its standard error.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.special import logsumexp, ndtr

from boundkit._errors import BoundkitError
from boundkit.duality import divergence_from_weights
from boundkit.guidance._mixture import OUMixture
from boundkit.guidance._refined import RefinedModel

__all__ = [
    "GridDistances",
    "SeedSummary",
    "grid_distances",
    "binning_gap",
    "wasserstein1",
    "ks_distance",
    "mmd2",
    "summarize_seeds",
    "dkw_radius",
]

Reference = OUMixture | RefinedModel


def _points(x: Any, dim: int) -> np.ndarray:
    x = np.asarray(x, dtype=float)
    if x.ndim == 1 and dim == 1:
        x = x[:, None]
    if x.ndim != 2 or x.shape[1] != dim or x.shape[0] < 1:
        raise BoundkitError(f"particles must have shape (n, {dim}) with n >= 1, got {x.shape}")
    if not np.all(np.isfinite(x)):
        raise BoundkitError("particles must be finite")
    return x


def _bin_edges(box: tuple[Any, Any], n_bins: int, dim: int) -> list[np.ndarray]:
    lo = np.broadcast_to(np.asarray(box[0], dtype=float), (dim,))
    hi = np.broadcast_to(np.asarray(box[1], dtype=float), (dim,))
    if not np.all(lo < hi):
        raise BoundkitError("box must have lo < hi in every coordinate")
    if int(n_bins) < 2:
        raise BoundkitError(f"n_bins must be >= 2, got {n_bins}")
    return [np.linspace(lo[i], hi[i], int(n_bins) + 1) for i in range(dim)]


def _bin_probs(ref: Reference, edges: list[np.ndarray]) -> np.ndarray:
    """Exact probabilities of the reference in each bin (outer bins absorb the tails)."""
    if ref.dim == 1:
        e = edges[0].copy()
        e[0], e[-1] = -np.inf, np.inf
        if isinstance(ref, OUMixture):
            mu, s = ref.means[:, 0], np.sqrt(ref.covs[:, 0, 0])
            F = ndtr((e[:, None] - mu) / s) @ ref.weights
        else:
            F = ref.cdf(np.clip(e, ref.lo[0] - 1.0, ref.hi[0] + 1.0))
        return np.maximum(np.diff(F), 0.0)
    # 2-D: Gauss-Legendre quadrature (6 x 6 nodes) inside each bin, tails in the outer bins
    g, gw = np.polynomial.legendre.leggauss(6)
    if isinstance(ref, OUMixture):
        lo, hi = ref.bounds(10.0)
    else:
        lo, hi = ref.lo, ref.hi
    centres, widths = [], []
    n_cells = []
    for i in range(2):
        ea = np.concatenate([[min(lo[i], edges[i][0])], edges[i][1:-1], [max(hi[i], edges[i][-1])]])
        c = 0.5 * (ea[1:] + ea[:-1])
        w = 0.5 * (ea[1:] - ea[:-1])
        centres.append((c[:, None] + w[:, None] * g[None, :]).ravel())
        widths.append((w[:, None] * gw[None, :]).ravel())
        n_cells.append(len(c))
    xa, xb = np.meshgrid(centres[0], centres[1], indexing="ij")
    dens = ref.pdf(np.column_stack([xa.ravel(), xb.ravel()])).reshape(xa.shape)
    dens = dens * widths[0][:, None] * widths[1][None, :]
    k = len(g)
    return dens.reshape(n_cells[0], k, n_cells[1], k).sum(axis=(1, 3)).ravel()


def _floors(pi: np.ndarray, n: int) -> tuple[float, float]:
    """Expected binned KL and TV of the histogram of n exact draws (multinomial counts).

    Bins with n pi <= 60 are summed exactly over the binomial law of their count; the others
    use the expansion of E f(N/n) to order 1/n^2 (KL) and the normal approximation (TV).
    """
    from scipy.stats import binom

    pi = pi[pi > 0]
    lam = n * pi
    small = lam <= 60.0
    kl = 0.0
    tv = 0.0
    if np.any(small):
        ps = pi[small]
        k = np.arange(0, 161)[None, :]
        pmf = binom.pmf(k, n, ps[:, None])
        mu = k / n
        with np.errstate(divide="ignore", invalid="ignore"):
            f = np.where(k > 0, mu * np.log(mu / ps[:, None]), 0.0)
        kl += float(np.sum(pmf * f))
        tv += 0.5 * float(np.sum(pmf * np.abs(mu - ps[:, None])))
    pb = pi[~small]
    kl += float(
        np.sum((1 - pb) / (2 * n) + (1 - pb) / (n * n * pb) * ((1 - pb) / 4 - (1 - 2 * pb) / 6))
    )
    tv += 0.5 * float(np.sum(np.sqrt(2.0 * pb * (1.0 - pb) / (np.pi * n))))
    return kl, tv


def _binned(mu: np.ndarray, pi: np.ndarray) -> tuple[float, float]:
    r"""KL and TV between two bin probability vectors (``pi`` renormalised to sum to one)."""
    pi = pi / pi.sum()
    return (
        divergence_from_weights("kl", mu, pi),
        divergence_from_weights("total_variation", mu, pi),
    )


def _bin_counts(x: np.ndarray, edges: list[np.ndarray]) -> np.ndarray:
    idx = []
    for i, e in enumerate(edges):
        idx.append(np.clip(np.searchsorted(e, x[:, i], side="right") - 1, 0, len(e) - 2))
    if len(edges) == 1:
        return np.bincount(idx[0], minlength=len(edges[0]) - 1).astype(float)
    flat = idx[0] * (len(edges[1]) - 1) + idx[1]
    return np.bincount(flat, minlength=(len(edges[0]) - 1) * (len(edges[1]) - 1)).astype(float)


@dataclass(frozen=True)
class GridDistances:
    r"""Binned KL and TV between a particle histogram and an exact reference.

    Attributes
    ----------
    kl : float
        :math:`\sum_i \hat\mu_i\log(\hat\mu_i/\pi_i)` (particles' histogram vs reference).
    tv : float
        :math:`\tfrac12\sum_i|\hat\mu_i - \pi_i|`.
    kl_floor, tv_floor : float
        Expected values of ``kl`` and ``tv`` if the particles were exact i.i.d. draws from the
        reference (the Monte Carlo floor), from the binomial law of each bin count: exact for
        bins with :math:`n\pi_i\le 60`, else :math:`(1-\pi_i)/(2n) + O(n^{-2})` (KL) and
        :math:`\sqrt{\pi_i(1 - \pi_i)/(2\pi n)}` (TV, normal approximation).
    n, n_bins : int
        Number of particles, bins per coordinate.
    bin_width : tuple of float
    """

    kl: float
    tv: float
    kl_floor: float
    tv_floor: float
    n: int
    n_bins: int
    bin_width: tuple[float, ...]


def grid_distances(
    x: Any, reference: Reference, box: tuple[Any, Any], *, n_bins: int = 200
) -> GridDistances:
    r"""Binned KL and total variation between particles and an exact law on a fine grid.

    Parameters
    ----------
    x : ndarray, shape (n, d)
        Particles.
    reference : OUMixture or RefinedModel
        Exact law (bin probabilities by closed form in 1-D, quadrature otherwise).
    box : (lo, hi)
        Per-coordinate range of the grid; the outer bins extend to infinity.
    n_bins : int
        Bins per coordinate.

    Returns
    -------
    GridDistances

    Notes
    -----
    With bins :math:`B_i`, :math:`\hat\mu_i = \#\{x_j\in B_i\}/n` and
    :math:`\pi_i = \mathrm{Ref}(B_i)`:

    .. math:: \widehat{\mathrm{KL}} = \sum_i\hat\mu_i\log\frac{\hat\mu_i}{\pi_i},\qquad
       \widehat{\mathrm{TV}} = \tfrac12\sum_i|\hat\mu_i - \pi_i|.

    Binning error: by the data-processing inequality the binned divergences of two laws are
    *lower bounds* on the continuous ones; :func:`binning_gap` gives the gap for a pair of
    exact laws at the same bins. Particles add the Monte Carlo floor ``kl_floor``/``tv_floor``.

    Examples
    --------
    >>> p = OUMixture([1.0], [0.0], [1.0])
    >>> g = grid_distances(p.sample(20000, rng=0), p, (-5, 5), n_bins=50)
    >>> bool(g.kl < 3 * g.kl_floor and g.tv < 2 * g.tv_floor)
    True
    """
    x = _points(x, reference.dim)
    edges = _bin_edges(box, n_bins, reference.dim)
    pi = _bin_probs(reference, edges)
    mu = _bin_counts(x, edges) / len(x)
    kl, tv = _binned(mu, pi)
    n = len(x)
    kl_floor, tv_floor = _floors(pi, n)
    widths = tuple(float(e[1] - e[0]) for e in edges)
    return GridDistances(kl, tv, kl_floor, tv_floor, n, int(n_bins), widths)


def binning_gap(
    law: Reference, reference: Reference, box: tuple[Any, Any], *, n_bins: int = 200
) -> dict[str, float]:
    r"""Continuous vs binned KL and TV between two exact 1-D laws (the binning error).

    Returns
    -------
    dict
        ``kl``, ``kl_binned``, ``tv``, ``tv_binned``; the continuous values by quadrature on
        a fine grid, the binned ones at ``n_bins`` bins on ``box``. The binned values are
        lower bounds (data processing); the differences are the binning errors.

    Notes
    -----
    .. math:: \mathrm{KL}(\mu\|\pi) - \sum_i\mu(B_i)\log\frac{\mu(B_i)}{\pi(B_i)} \ge 0.

    Examples
    --------
    >>> p, q = OUMixture([1.0], [0.0], [1.0]), OUMixture([1.0], [1.0], [1.0])
    >>> g = binning_gap(q, p, (-8, 8), n_bins=400)
    >>> round(g["kl"], 6), bool(0 <= g["kl"] - g["kl_binned"] < 1e-4)
    (0.5, True)
    """
    if law.dim != 1 or reference.dim != 1:
        raise BoundkitError("binning_gap is implemented for one-dimensional laws")
    edges = _bin_edges(box, n_bins, 1)
    mu, pi = _bin_probs(law, edges), _bin_probs(reference, edges)
    kl_b, tv_b = _binned(mu / mu.sum(), pi)
    lo = min(float(np.asarray(box[0]).min()), -40.0)
    hi = max(float(np.asarray(box[1]).max()), 40.0)
    xs = np.linspace(lo, hi, 200_001)[:, None]
    # the continuous divergences as the divergences of the fine-grid masses (Riemann sums);
    # nodes where the law's density is below e^-690 are dropped (mass below 1e-295). KL is
    # summed from the log masses, sum_i a_i (log a_i - log r_i): where the law has mass the
    # reference's density can be far below the smallest double (a wider law), and its masses
    # would round to 0 and make a finite KL infinite
    la = law.logpdf(xs)
    keep = la > -690.0
    log_a = la[keep] - logsumexp(la[keep])
    lr = reference.logpdf(xs[keep])
    log_r = lr - logsumexp(lr)
    a, r = np.exp(log_a), np.exp(log_r)
    kl = float(np.sum(a * (log_a - log_r)))
    tv = divergence_from_weights("total_variation", a, r / r.sum())
    return {"kl": kl, "kl_binned": kl_b, "tv": tv, "tv_binned": tv_b}


def _cdf_func(ref: Reference):
    if ref.dim != 1:
        raise BoundkitError("W1 and KS are implemented for one-dimensional laws")
    return ref.cdf


def ks_distance(x: Any, reference: Reference) -> float:
    r"""Kolmogorov-Smirnov distance :math:`\sup_x|F_n(x) - F(x)|` (exact, 1-D).

    Examples
    --------
    >>> p = OUMixture([1.0], [0.0], [1.0])
    >>> ks_distance(np.array([[0.0]]), p)
    0.5
    """
    x = np.sort(_points(x, 1)[:, 0])
    F = _cdf_func(reference)(x)
    n = len(x)
    i = np.arange(1, n + 1)
    return float(max(np.max(i / n - F), np.max(F - (i - 1) / n)))


def dkw_radius(n: int, alpha: float) -> float:
    r"""Dvoretzky-Kiefer-Wolfowitz radius: :math:`P(\sup|F_n - F| > \varepsilon)\le\alpha`.

    Notes
    -----
    .. math:: \varepsilon = \sqrt{\log(2/\alpha)/(2n)}\quad\text{(Massart's constant)}.

    Examples
    --------
    >>> round(dkw_radius(1000, 0.05), 4)
    0.0429
    """
    if not 0 < alpha < 1 or int(n) < 1:
        raise BoundkitError("dkw_radius needs n >= 1 and 0 < alpha < 1")
    return float(np.sqrt(np.log(2.0 / alpha) / (2.0 * int(n))))


def wasserstein1(x: Any, reference: Reference) -> float:
    r"""Exact 1-D Wasserstein-1 distance between particles and an exact law.

    Parameters
    ----------
    x : ndarray, shape (n, 1)
    reference : OUMixture or RefinedModel (1-D)

    Notes
    -----
    .. math:: W_1(\hat\mu_n, \pi) = \int_{\mathbb R}|F_n(x) - F(x)|\,dx,

    integrated piece by piece between order statistics with the closed-form integrated CDF
    :math:`G(x) = \int_{-\infty}^x F` of a Gaussian mixture; on each piece where
    :math:`F_n = c`, the crossing point :math:`F(x^*) = c` is found by bisection (to machine
    precision), so the result is exact up to rounding. For a :class:`RefinedModel` the CDF is
    the piecewise-quadratic quadrature CDF and the integral is done on its grid.

    Examples
    --------
    >>> p = OUMixture([1.0], [0.0], [1.0])
    >>> round(wasserstein1(np.array([[0.0]]), p), 6)   # E|X| = sqrt(2/pi)
    0.797885
    """
    _cdf_func(reference)
    x = np.sort(_points(x, 1)[:, 0])
    n = len(x)
    if isinstance(reference, OUMixture):
        return _w1_mixture(x, reference)
    xs, _, F = reference._cdf_table()
    # exact for the piecewise-linear-density model: integrate |F_n - F| on a merged fine grid
    grid = np.union1d(xs, x)
    grid = np.union1d(grid, np.linspace(grid[0], grid[-1], 20 * len(xs)))
    Fn = np.searchsorted(x, grid, side="right") / n
    Fg = reference.cdf(grid)
    # F_n is right-continuous and constant on [grid_i, grid_{i+1}); trapezoid on |Fn_i - F|
    left = np.abs(Fn[:-1] - Fg[:-1])
    right = np.abs(Fn[:-1] - Fg[1:])
    return float(np.sum(0.5 * (left + right) * np.diff(grid)))


def _w1_mixture(x: np.ndarray, ref: OUMixture) -> float:
    n = len(x)
    G = ref.integrated_cdf
    total = float(G(x[:1])[0]) + float(ref.upper_tail_integral(x[-1:])[0])
    if n == 1:
        return total
    a, b = x[:-1], x[1:]
    c = np.arange(1, n) / n
    # crossing point x* in [a, b] with F(x*) = c, clipped to the interval
    lo, hi = a.copy(), b.copy()
    Fa, Fb = ref.cdf(a), ref.cdf(b)
    for _ in range(100):
        mid = 0.5 * (lo + hi)
        below = ref.cdf(mid) < c
        lo = np.where(below, mid, lo)
        hi = np.where(below, hi, mid)
        if np.all(hi - lo <= 4 * np.finfo(float).eps * np.maximum(1.0, np.abs(hi))):
            break
    xs = np.where(Fa >= c, a, np.where(Fb <= c, b, 0.5 * (lo + hi)))
    Ga, Gb, Gs = G(a), G(b), G(xs)
    part = (c * (xs - a) - (Gs - Ga)) + ((Gb - Gs) - c * (b - xs))
    return total + float(np.sum(np.maximum(part, 0.0)))


def mmd2(
    x: Any,
    reference: Reference,
    *,
    bandwidth: float = 1.0,
    max_pairs_n: int = 3000,
) -> float:
    r"""Unbiased squared MMD between particles and an exact law, Gaussian kernel.

    Parameters
    ----------
    x : ndarray, shape (n, d)
    reference : OUMixture (closed form) or RefinedModel (quadrature)
    bandwidth : float
        Kernel :math:`k(x, y) = \exp(-\|x - y\|^2/(2\ell^2))`.
    max_pairs_n : int
        The within-particle term uses the first ``min(n, max_pairs_n)`` particles (still
        unbiased; the cross term uses all particles).

    Notes
    -----
    .. math:: \widehat{\mathrm{MMD}^2} = \frac{1}{m(m-1)}\sum_{i\ne j}k(x_i, x_j)
       - \frac2n\sum_i\mathbb E_{Y\sim\pi}k(x_i, Y) + \mathbb E_{Y, Y'\sim\pi}k(Y, Y'),

    with, for a Gaussian mixture :math:`\pi`, the closed forms
    :math:`\mathbb E_Y k(x, Y) = \sum_k w_k(\ell^2)^{d/2}|\ell^2 I+\Sigma_k|^{-1/2}
    \exp(-\tfrac12(x-\mu_k)^\top(\ell^2I+\Sigma_k)^{-1}(x-\mu_k))` and the analogous
    double sum with :math:`\Sigma_k + \Sigma_l`.

    Examples
    --------
    >>> p = OUMixture([1.0], [0.0], [1.0])
    >>> bool(abs(mmd2(p.sample(4000, rng=0), p)) < 5e-3)
    True
    """
    x = _points(x, reference.dim)
    ell2 = float(bandwidth) ** 2
    if not ell2 > 0:
        raise BoundkitError(f"bandwidth must be > 0, got {bandwidth}")
    m = min(len(x), int(max_pairs_n))
    if m < 2:
        raise BoundkitError("mmd2 needs at least two particles")
    xs = x[:m]
    sq = np.sum(xs * xs, axis=1)
    d2 = np.maximum(sq[:, None] + sq[None, :] - 2.0 * xs @ xs.T, 0.0)
    kxx = np.exp(-0.5 * d2 / ell2)
    term_xx = (kxx.sum() - np.trace(kxx)) / (m * (m - 1))
    d = reference.dim
    if isinstance(reference, OUMixture):
        eye = np.eye(d)
        cross = np.zeros(len(x))
        for w, mu, cov in zip(reference.weights, reference.means, reference.covs, strict=True):
            c = ell2 * eye + cov
            z = x - mu
            q = np.einsum("ni,ij,nj->n", z, np.linalg.inv(c), z)
            cross += w * np.sqrt(ell2**d / np.linalg.det(c)) * np.exp(-0.5 * q)
        term_yy = 0.0
        for wi, mi, ci in zip(reference.weights, reference.means, reference.covs, strict=True):
            for wj, mj, cj in zip(reference.weights, reference.means, reference.covs, strict=True):
                c = ell2 * eye + ci + cj
                z = mi - mj
                term_yy += (
                    wi
                    * wj
                    * np.sqrt(ell2**d / np.linalg.det(c))
                    * np.exp(-0.5 * z @ np.linalg.solve(c, z))
                )
    else:
        # quadrature on the tensor grid; the Gaussian kernel factorises over coordinates
        _, wfull = reference.node_weights()
        kx = [
            np.exp(-0.5 * (x[:, i, None] - ax[None, :]) ** 2 / ell2)
            for i, ax in enumerate(reference.axes)
        ]
        k1 = [np.exp(-0.5 * (ax[:, None] - ax[None, :]) ** 2 / ell2) for ax in reference.axes]
        if d == 1:
            cross = kx[0] @ wfull
            term_yy = float(wfull @ k1[0] @ wfull)
        else:
            W = wfull.reshape(reference.n_grid, reference.n_grid)
            cross = np.sum((kx[0] @ W) * kx[1], axis=1)
            term_yy = float(np.sum((k1[0] @ W @ k1[1]) * W))
    return float(term_xx - 2.0 * cross.mean() + term_yy)


@dataclass(frozen=True)
class SeedSummary:
    """Mean and standard error of a quantity over independent seeds.

    Attributes
    ----------
    mean, se : float
        Sample mean and its standard error (``nan``-free: ``se = 0`` for one seed).
    values : tuple of float
        Per-seed values in seed order.
    """

    mean: float
    se: float
    values: tuple[float, ...] = field(default=())

    @property
    def n_seeds(self) -> int:
        """Number of seeds."""
        return len(self.values)


def summarize_seeds(values: Sequence[float]) -> SeedSummary:
    r"""Mean and standard error :math:`s/\sqrt k` of per-seed values.

    Examples
    --------
    >>> s = summarize_seeds([1.0, 2.0, 3.0])
    >>> s.mean, round(s.se, 6)
    (2.0, 0.57735)
    """
    v = np.asarray(values, dtype=float).reshape(-1)
    if v.size < 1:
        raise BoundkitError("need at least one value to summarise")
    se = float(v.std(ddof=1) / np.sqrt(v.size)) if v.size > 1 else 0.0
    return SeedSummary(float(v.mean()), se, tuple(float(a) for a in v))
