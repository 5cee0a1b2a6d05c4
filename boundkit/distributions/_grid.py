r"""Densities tabulated on a regular grid in dimension 1 or 2 (exact quadrature expectations)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from boundkit._errors import BoundkitError
from boundkit.distributions._base import Distribution, _eval_func, as_points

__all__ = ["GridDensity"]


def _as_axis(a: Any, i: int) -> np.ndarray:
    ax = np.asarray(a, dtype=float)
    if ax.ndim != 1 or ax.size < 2:
        raise BoundkitError(f"axis {i} must be a 1-d array of at least 2 cell centres")
    if not np.all(np.isfinite(ax)):
        raise BoundkitError(f"axis {i} contains NaN or infinite values")
    step = np.diff(ax)
    if np.any(step <= 0) or not np.allclose(step, step[0], rtol=1e-9, atol=0.0):
        raise BoundkitError(f"axis {i} must be increasing and equally spaced")
    return ax


class GridDensity(Distribution):
    r"""A piecewise-constant density on a regular grid of cells in dimension 1 or 2.

    The box is cut into cells of equal size centred at the grid nodes; the density is constant
    on each cell. Expectations are the midpoint-rule sums, which are the exact expectations of
    this piecewise-constant model for functions affine on each cell, and a quadrature of order
    :math:`O(\Delta^2)` for smooth functions.

    Parameters
    ----------
    axes : sequence of 1-d arrays
        Cell centres along each axis (increasing, equally spaced); ``len(axes)`` is the
        dimension (1 or 2). A single 1-d array is accepted for dimension 1.
    density : array_like, shape ``tuple(len(a) for a in axes)``
        Non-negative (unnormalised) density values at the centres; normalised so that the
        cell masses sum to 1.

    Attributes
    ----------
    nodes : ndarray, shape (k, d)
        Cell centres, C-order (last axis fastest).
    masses : ndarray, shape (k,)
        Cell probabilities :math:`p_i\,|\mathrm{cell}|`.
    cell_volume : float

    Notes
    -----
    .. math:: \mathbb E g = \sum_i p_i\,|\mathrm{cell}|\; g(x_i), \qquad
              \sum_i p_i\,|\mathrm{cell}| = 1.

    Examples
    --------
    >>> x = np.linspace(-6, 6, 601)
    >>> G = GridDensity([x], np.exp(-x**2 / 2))
    >>> round(G.expect(lambda z: z[:, 0] ** 2), 3)
    1.0
    """

    def __init__(self, axes: Sequence[Any] | np.ndarray, density: Any) -> None:
        if isinstance(axes, np.ndarray) and axes.ndim == 1:
            axes = [axes]
        axes = list(axes)
        if len(axes) not in (1, 2):
            raise BoundkitError(f"GridDensity supports dimension 1 or 2, got {len(axes)} axes")
        self.axes = tuple(_as_axis(a, i) for i, a in enumerate(axes))
        self.dim = len(self.axes)
        shape = tuple(a.size for a in self.axes)
        dens = np.asarray(density, dtype=float)
        if dens.shape != shape:
            if dens.size == int(np.prod(shape)):
                dens = dens.reshape(shape)
            else:
                raise BoundkitError(f"density must have shape {shape}, got {dens.shape}")
        if not np.all(np.isfinite(dens)):
            raise BoundkitError("density contains NaN or infinite values")
        if np.any(dens < 0):
            raise BoundkitError("density has negative values")
        self.steps = np.array([a[1] - a[0] for a in self.axes])
        self.cell_volume = float(np.prod(self.steps))
        total = float(dens.sum()) * self.cell_volume
        if not total > 0:
            raise BoundkitError("density is zero everywhere on the grid")
        self.density = dens / total
        self.shape = shape
        grids = np.meshgrid(*self.axes, indexing="ij")
        self.nodes = np.stack([g.ravel() for g in grids], axis=1)
        self.masses = self.density.ravel() * self.cell_volume
        self.masses = self.masses / self.masses.sum()
        self._cdf = np.cumsum(self.masses)
        self.lower = np.array([a[0] for a in self.axes]) - self.steps / 2
        self.upper = np.array([a[-1] for a in self.axes]) + self.steps / 2

    @classmethod
    def from_function(
        cls,
        pdf: Callable[[np.ndarray], Any],
        bounds: Sequence[tuple[float, float]],
        n_points: int | Sequence[int] = 512,
        *,
        log: bool = False,
    ) -> GridDensity:
        r"""Tabulate a (log-)density ``pdf`` on ``n_points`` cell centres per axis of ``bounds``.

        ``bounds`` is a list of ``(low, high)`` per axis (the box edges); the cells tile it.
        """
        pairs: list[tuple[float, ...]] = [tuple(map(float, b)) for b in bounds]
        if len(pairs) not in (1, 2) or any(len(b) != 2 for b in pairs):
            raise BoundkitError("bounds must give 1 or 2 (low, high) pairs")
        n_any: Any = n_points
        scalar = bool(np.ndim(n_any) == 0)
        ns = [int(n_any)] * len(pairs) if scalar else [int(v) for v in n_any]
        axes = []
        for (lo, hi), n in zip(pairs, ns, strict=True):
            if not (np.isfinite(lo) and np.isfinite(hi) and hi > lo) or n < 2:
                raise BoundkitError(f"invalid grid bounds ({lo}, {hi}) with {n} points")
            step = (hi - lo) / n
            axes.append(lo + step * (np.arange(n) + 0.5))
        grids = np.meshgrid(*axes, indexing="ij")
        pts = np.stack([g.ravel() for g in grids], axis=1)
        vals = _eval_func(pdf, pts)
        if log:
            vals = np.exp(vals - np.max(vals))
        return cls(axes, vals.reshape(tuple(a.size for a in axes)))

    @classmethod
    def from_distribution(
        cls,
        dist: Distribution,
        bounds: Sequence[tuple[float, float]],
        n_points: int | Sequence[int] = 512,
    ) -> GridDensity:
        """Tabulate ``dist.logpdf`` on a grid (the mass outside ``bounds`` is dropped)."""
        return cls.from_function(dist.logpdf, bounds, n_points, log=True)

    @property
    def has_exact_expectation(self) -> bool:
        """Always True: expectations are quadrature sums of the tabulated model."""
        return True

    def __repr__(self) -> str:
        return f"GridDensity(shape={self.shape})"

    def same_grid(self, other: GridDensity) -> bool:
        """Whether ``other`` is tabulated on exactly the same cells."""
        return (
            isinstance(other, GridDensity)
            and self.shape == other.shape
            and all(np.array_equal(a, b) for a, b in zip(self.axes, other.axes, strict=True))
        )

    def _cell_index(self, pts: np.ndarray) -> np.ndarray:
        """Flat cell index of each point (``-1`` outside the box)."""
        rel = (pts - self.lower) / self.steps
        ij = np.floor(rel).astype(np.int64)
        inside = np.all((pts >= self.lower) & (pts <= self.upper), axis=1)
        for a in range(self.dim):
            ij[:, a] = np.clip(ij[:, a], 0, self.shape[a] - 1)
        flat = np.ravel_multi_index(tuple(ij.T), self.shape)
        return np.where(inside, flat, -1)

    def pdf(self, x: Any) -> np.ndarray:
        """Density of the cell containing each point (0 outside the box)."""
        pts = as_points(x, self.dim)
        idx = self._cell_index(pts)
        out = np.zeros(pts.shape[0])
        on = idx >= 0
        out[on] = self.masses[idx[on]] / self.cell_volume
        return out

    def logpdf(self, x: Any) -> np.ndarray:
        """Log-density (``-inf`` outside the box or on empty cells)."""
        with np.errstate(divide="ignore"):
            return np.log(self.pdf(x))

    def sample(self, n: int, *, rng: Any = None) -> np.ndarray:
        """Pick a cell by mass, then a uniform point in it; shape ``(n, d)``."""
        n = self._n(n)
        gen = np.random.default_rng(rng)
        idx = np.minimum(
            np.searchsorted(self._cdf, gen.random(n) * self._cdf[-1], side="right"),
            self.nodes.shape[0] - 1,
        )
        return self.nodes[idx] + (gen.random((n, self.dim)) - 0.5) * self.steps

    def expect(self, func: Callable[[np.ndarray], Any]) -> float:
        r"""Midpoint quadrature :math:`\sum_i m_i g(x_i)` over cells with positive mass."""
        on = self.masses > 0
        return float(np.dot(self.masses[on], _eval_func(func, self.nodes[on])))

    def to_finite(self):
        """The cell centres with their masses, as a :class:`FiniteDistribution`."""
        from boundkit.distributions._finite import FiniteDistribution

        return FiniteDistribution(self.nodes, self.masses)
