r"""The support on which an experiment's population quantities are computed.

Finite pairs are computed on the union of the atoms (exact sums); pairs with densities in
dimension 1 or 2 on a regular grid of cell midpoints (quadrature), with the quadrature error
estimated by the change of every population term when the spacing is halved, plus the mass of
P and Q outside the box.

.. math::

    p_k = \frac{p(x_k)}{\sum_j p(x_j)},\qquad q_k = \frac{q(x_k)}{\sum_j q(x_j)}
    \quad\text{(grid)};\qquad p_k = P(\{x_k\}),\ q_k = Q(\{x_k\})\quad\text{(finite)}.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from boundkit._errors import BoundkitError
from boundkit.distributions import FiniteDistribution, Gaussian, GaussianMixture, GridDensity

__all__ = ["Support", "finite_support", "grid_support", "default_box", "has_default_box"]

#: Largest number of grid nodes per axis in dimension 2.
MAX_NODES_2D = 161


@dataclass(frozen=True)
class Support:
    r"""Atoms :math:`x_k` with the probabilities of P and Q on them.

    Attributes
    ----------
    x : ndarray, shape (K, d)
    p, q : ndarray, shape (K,)
        Probability vectors.
    kind : str
        ``"finite"``, ``"grid"`` or ``"monte-carlo"``.
    outside_mass : float
        Mass of P plus mass of Q outside the grid's box (0 for finite supports).
    batch : ndarray of int, shape (K,), optional
        Monte Carlo supports: the batch of every point (batch means give standard errors).
    """

    x: np.ndarray
    p: np.ndarray
    q: np.ndarray
    kind: str
    outside_mass: float = 0.0
    batch: np.ndarray | None = None


def finite_support(P: FiniteDistribution, Q: FiniteDistribution) -> Support:
    """The union of the atoms of P and Q (P's atoms first, in order) with both pmfs on it."""
    if P.dim != Q.dim:
        raise BoundkitError(f"P has dimension {P.dim} but Q has dimension {Q.dim}")
    index: dict[bytes, int] = {}
    rows = []
    for a in (P.atoms, Q.atoms):
        for row in a + 0.0:
            key = row.tobytes()
            if key not in index:
                index[key] = len(rows)
                rows.append(row)
    x = np.array(rows, dtype=float)
    p = np.zeros(len(rows))
    q = np.zeros(len(rows))
    for dist, out in ((P, p), (Q, q)):
        for row, w in zip(dist.atoms + 0.0, dist.weights, strict=True):
            out[index[row.tobytes()]] += w
    return Support(x=x, p=p, q=q, kind="finite")


def has_default_box(*dists: Any) -> bool:
    """Whether :func:`default_box` can choose a box for these distributions."""
    return all(isinstance(D, Gaussian | GaussianMixture | GridDensity) for D in dists)


def default_box(*dists: Any, width: float = 8.0) -> np.ndarray:
    r"""A box (d, 2) holding Gaussian / mixture / grid distributions: means :math:`\pm` 8 sd."""
    lows, highs = [], []
    for D in dists:
        if isinstance(D, Gaussian):
            sd = np.sqrt(np.diag(D.cov))
            lows.append(D.mean - width * sd)
            highs.append(D.mean + width * sd)
        elif isinstance(D, GaussianMixture):
            sd = np.sqrt(np.diagonal(D.covs, axis1=1, axis2=2))
            lows.append((D.means - width * sd).min(0))
            highs.append((D.means + width * sd).max(0))
        elif isinstance(D, GridDensity):
            lows.append(D.lower)
            highs.append(D.upper)
        else:
            raise BoundkitError(
                f"cannot choose a quadrature box for {type(D).__name__}: pass box=[[lo, hi], ...]"
            )
    return np.stack([np.min(lows, axis=0), np.max(highs, axis=0)], axis=1)


def _nodes(box: np.ndarray, n_grid: int) -> tuple[np.ndarray, float]:
    axes = []
    for lo, hi in box:
        step = (hi - lo) / n_grid
        axes.append(lo + step * (np.arange(n_grid) + 0.5))
    mesh = np.meshgrid(*axes, indexing="ij")
    x = np.stack([m.ravel() for m in mesh], axis=1)
    vol = float(np.prod([(hi - lo) / n_grid for lo, hi in box]))
    return x, vol


def grid_support(P: Any, Q: Any, box: Any, n_grid: int) -> Support:
    """P and Q discretised on the midpoints of ``n_grid`` cells per axis of ``box``."""
    box = np.asarray(box, dtype=float)
    d = int(P.dim)
    if box.shape != (d, 2) or not np.all(np.isfinite(box)) or np.any(box[:, 1] <= box[:, 0]):
        raise BoundkitError(f"box must be {d} finite intervals [lo, hi] with lo < hi; got {box}")
    if d > 2:
        raise BoundkitError(
            f"grid quadrature supports dimension 1 or 2, P has dimension {d}: use finite "
            "distributions"
        )
    if d == 2 and n_grid > MAX_NODES_2D:
        raise BoundkitError(f"n_grid must be <= {MAX_NODES_2D} in dimension 2; got {n_grid}")
    x, vol = _nodes(box, n_grid)
    logs = []
    masses = []
    for D in (P, Q):
        lp = np.asarray(D.logpdf(x), dtype=float).reshape(-1)
        if np.any(np.isnan(lp)):
            raise BoundkitError(f"{type(D).__name__}.logpdf returned NaN on the grid")
        mx = float(lp.max())
        if not np.isfinite(mx):
            raise BoundkitError(f"{type(D).__name__} has no mass on the quadrature box {box}")
        w = np.exp(lp - mx)
        masses.append(float(np.exp(mx) * w.sum() * vol))
        logs.append(w / w.sum())
    outside = sum(abs(1.0 - m) for m in masses)
    return Support(x=x, p=logs[0], q=logs[1], kind="grid", outside_mass=float(outside))
