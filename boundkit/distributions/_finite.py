r"""Distributions with finite support: atoms and weights."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from boundkit._errors import BoundkitError
from boundkit.distributions._base import Distribution, _eval_func, as_points, check_weights

__all__ = ["FiniteDistribution", "common_support"]


class FiniteDistribution(Distribution):
    r"""A probability distribution on finitely many atoms of :math:`\mathbb R^d`.

    Parameters
    ----------
    atoms : array_like, shape (k, d) or (k,)
        Distinct support points (a 1-d array is read as ``k`` points of dimension 1).
    weights : array_like, shape (k,)
        Probabilities, non-negative, summing to 1 (to 1e-9). Zero weights are allowed, so two
        distributions can share one support.

    Attributes
    ----------
    atoms : ndarray, shape (k, d)
    pmf : ndarray, shape (k,)
        The weights, aligned with ``atoms`` (``weights`` is an alias).
    dim : int

    Notes
    -----
    :math:`P = \sum_{i=1}^k p_i \delta_{x_i}`, so
    :math:`\mathbb E_P g = \sum_i p_i g(x_i)`. The "density" returned by :meth:`pdf` is the
    probability mass function (density with respect to counting measure on the atoms):
    ``pdf(x) = p_i`` if ``x`` is atom ``x_i``, else 0.

    Examples
    --------
    >>> P = FiniteDistribution([0.0, 1.0, 2.0], [0.2, 0.3, 0.5])
    >>> round(P.expect(lambda x: x[:, 0]), 12)
    1.3
    >>> P.pdf([[1.0], [5.0]]).tolist()
    [0.3, 0.0]
    """

    def __init__(self, atoms: Any, weights: Any) -> None:
        self.atoms = as_points(atoms, name="atoms")
        k = self.atoms.shape[0]
        self.pmf = check_weights(weights, k)
        self.dim = int(self.atoms.shape[1])
        if k > 1:
            uniq = np.unique(self.atoms, axis=0)
            if uniq.shape[0] != k:
                raise BoundkitError("atoms must be distinct (merge repeated atoms' weights)")
        self._index: dict[bytes, int] | None = None
        self._cdf = np.cumsum(self.pmf)

    @property
    def weights(self) -> np.ndarray:
        """Alias of :attr:`pmf`."""
        return self.pmf

    @property
    def size(self) -> int:
        """Number of atoms ``k``."""
        return int(self.atoms.shape[0])

    @property
    def has_exact_expectation(self) -> bool:
        """Always True: expectations are finite sums."""
        return True

    def __repr__(self) -> str:
        show = 6
        atoms = self.atoms[:, 0] if self.dim == 1 else self.atoms
        items = [
            f"{np.array2string(np.asarray(a), precision=4)}: {w:.4g}"
            for a, w in zip(atoms[:show], self.pmf[:show], strict=True)
        ]
        more = f", ... ({self.size - show} more)" if self.size > show else ""
        return f"FiniteDistribution(k={self.size}, dim={self.dim}, {{{', '.join(items)}{more}}})"

    def sample(self, n: int, *, rng: Any = None) -> np.ndarray:
        r"""Draw ``n`` atoms i.i.d. with probabilities :attr:`pmf`; shape ``(n, dim)``."""
        n = self._n(n)
        gen = np.random.default_rng(rng)
        return self.atoms[self.sample_indices(n, rng=gen)]

    def sample_indices(self, n: int, *, rng: Any = None) -> np.ndarray:
        """Draw ``n`` atom indices i.i.d. with probabilities :attr:`pmf`; shape ``(n,)``."""
        n = self._n(n)
        gen = np.random.default_rng(rng)
        idx = np.searchsorted(self._cdf, gen.random(n) * self._cdf[-1], side="right")
        return np.minimum(idx, self.size - 1)

    def index_of(self, x: Any) -> np.ndarray:
        """Index of each point of ``x`` among the atoms (``-1`` when not an atom)."""
        pts = as_points(x, self.dim)
        if self._index is None:
            self._index = {row.tobytes(): i for i, row in enumerate(self.atoms + 0.0)}
        return np.array([self._index.get((row + 0.0).tobytes(), -1) for row in pts], dtype=int)

    def pdf(self, x: Any) -> np.ndarray:
        """Probability mass at each point of ``x`` (0 off the support); shape ``(m,)``."""
        idx = self.index_of(x)
        out = np.zeros(idx.shape[0])
        on = idx >= 0
        out[on] = self.pmf[idx[on]]
        return out

    def logpdf(self, x: Any) -> np.ndarray:
        """Log probability mass at each point of ``x`` (``-inf`` off the support)."""
        p = self.pdf(x)
        with np.errstate(divide="ignore"):
            return np.log(p)

    def expect(self, func: Callable[[np.ndarray], Any]) -> float:
        r""":math:`\sum_i p_i\, g(x_i)` (atoms with zero weight are skipped)."""
        on = self.pmf > 0
        vals = _eval_func(func, self.atoms[on])
        return float(np.dot(self.pmf[on], vals))


def common_support(
    P: FiniteDistribution, Q: FiniteDistribution
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""Align two finite distributions on the union of their atoms.

    Returns
    -------
    atoms : ndarray, shape (k, d)
        The union of the supports (``P``'s atoms first, in order, then ``Q``'s new atoms).
    p, q : ndarray, shape (k,)
        The two probability vectors on ``atoms``.

    Examples
    --------
    >>> P = FiniteDistribution([0.0, 1.0], [0.5, 0.5])
    >>> Q = FiniteDistribution([1.0, 2.0], [0.25, 0.75])
    >>> atoms, p, q = common_support(P, Q)
    >>> atoms[:, 0].tolist(), p.tolist(), q.tolist()
    ([0.0, 1.0, 2.0], [0.5, 0.5, 0.0], [0.0, 0.25, 0.75])
    """
    if not isinstance(P, FiniteDistribution) or not isinstance(Q, FiniteDistribution):
        raise BoundkitError("common_support needs two FiniteDistribution objects")
    if P.dim != Q.dim:
        raise BoundkitError(f"P has dimension {P.dim} but Q has dimension {Q.dim}")
    if P.atoms is Q.atoms or (P.atoms.shape == Q.atoms.shape and (P.atoms == Q.atoms).all()):
        return P.atoms, P.pmf.copy(), Q.pmf.copy()
    idx_q_in_p = P.index_of(Q.atoms)
    new = idx_q_in_p < 0
    atoms = np.vstack([P.atoms, Q.atoms[new]])
    k = atoms.shape[0]
    p = np.zeros(k)
    p[: P.size] = P.pmf
    q = np.zeros(k)
    pos = np.where(new, P.size + np.cumsum(new) - 1, idx_q_in_p)
    q[pos] = Q.pmf
    return atoms, p, q
