r"""Seeded train/validation/test splits and the PCA plane for pictures."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from boundkit._errors import BoundkitError

__all__ = ["PCAPlane", "Split", "pca_fit", "split_indices"]


@dataclass(frozen=True)
class Split:
    r"""Indices of a train/validation/test split.

    Attributes
    ----------
    train, validation, test : ndarray of int
        Disjoint index arrays covering ``range(n)``.
    fractions : tuple of float
        The requested fractions.
    seed : int or None
        The seed of the permutation.
    """

    train: np.ndarray
    validation: np.ndarray
    test: np.ndarray
    fractions: tuple[float, float, float]
    seed: int | None

    def sizes(self) -> dict[str, int]:
        """Sizes of the three parts, by name."""
        return {
            "train": int(self.train.size),
            "validation": int(self.validation.size),
            "test": int(self.test.size),
        }


def split_indices(
    n: int, fractions: Any = (0.6, 0.2, 0.2), *, seed: int | None = 0, min_size: int = 2
) -> Split:
    r"""A seeded random split of ``range(n)`` into train, validation and test parts.

    Parameters
    ----------
    n : int
        Number of points.
    fractions : sequence of three floats
        Positive fractions summing to 1 (within 1e-6).
    seed : int or None
        Seed of the permutation (``numpy.random.default_rng(seed)``).
    min_size : int
        Every part must get at least this many points.

    Returns
    -------
    Split

    Notes
    -----
    With a uniform random permutation :math:`\pi` of :math:`\{0..n-1\}`, the sizes are
    :math:`n_{tr} = \lfloor f_1 n\rceil`, :math:`n_{va} = \lfloor f_2 n\rceil`,
    :math:`n_{te} = n - n_{tr} - n_{va}`.

    Examples
    --------
    >>> s = split_indices(10, (0.6, 0.2, 0.2), seed=0)
    >>> s.sizes()
    {'train': 6, 'validation': 2, 'test': 2}
    """
    try:
        fr = tuple(float(f) for f in fractions)
    except (TypeError, ValueError):
        raise BoundkitError(f"the split must be three numbers, got {fractions!r}") from None
    if len(fr) != 3 or not all(np.isfinite(f) and f > 0 for f in fr):
        raise BoundkitError(f"the split must be three positive fractions, got {fractions!r}")
    if abs(sum(fr) - 1.0) > 1e-6:
        raise BoundkitError(f"the split fractions must sum to 1, got {sum(fr):.6g}")
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 0:
        raise BoundkitError(f"n must be a non-negative integer, got {n!r}")
    n_tr = int(round(fr[0] * n))
    n_va = int(round(fr[1] * n))
    n_te = int(n) - n_tr - n_va
    if min(n_tr, n_va, n_te) < min_size:
        raise BoundkitError(
            f"too few points for the split {fr}: {n} points give train/validation/test sizes "
            f"{n_tr}/{n_va}/{n_te}, each must be >= {min_size}"
        )
    perm = np.random.default_rng(seed).permutation(int(n))
    return Split(
        np.sort(perm[:n_tr]),
        np.sort(perm[n_tr : n_tr + n_va]),
        np.sort(perm[n_tr + n_va :]),
        fr,  # type: ignore[arg-type]
        seed,
    )


@dataclass(frozen=True)
class PCAPlane:
    r"""A principal-component projection :math:`z = (x - \bar x) V^\top`.

    Attributes
    ----------
    mean : ndarray, shape (d,)
    components : ndarray, shape (k, d)
        Orthonormal rows :math:`V`.
    explained_variance_ratio : ndarray, shape (k,)
    """

    mean: np.ndarray
    components: np.ndarray
    explained_variance_ratio: np.ndarray

    def transform(self, x: Any) -> np.ndarray:
        """Project points of shape (m, d) to shape (m, k)."""
        arr = np.asarray(x, dtype=float)
        if arr.ndim != 2 or arr.shape[1] != self.mean.shape[0]:
            raise BoundkitError(
                f"points must have shape (m, {self.mean.shape[0]}), got {arr.shape}"
            )
        return (arr - self.mean) @ self.components.T


def pca_fit(x: Any, n_components: int = 2) -> PCAPlane:
    r"""Principal components of ``x`` (fit on the training part only, to keep test data out).

    Parameters
    ----------
    x : array_like, shape (n, d)
    n_components : int
        :math:`k \le \min(n, d)`.

    Returns
    -------
    PCAPlane

    Notes
    -----
    SVD of the centred data :math:`X - \bar x = U S V^\top`; the rows of :math:`V` are the
    components, explained-variance ratios :math:`s_j^2 / \sum_l s_l^2`.

    Examples
    --------
    >>> plane = pca_fit(np.array([[0.0, 0.0], [2.0, 0.0], [4.0, 0.0]]), 1)
    >>> plane.transform(np.array([[4.0, 0.0]])).round(6).tolist()
    [[2.0]]
    """
    arr = np.asarray(x, dtype=float)
    if arr.ndim != 2 or not np.all(np.isfinite(arr)):
        raise BoundkitError("pca_fit needs a finite array of shape (n, d)")
    k = int(n_components)
    if not 1 <= k <= min(arr.shape):
        raise BoundkitError(f"n_components must be in 1..{min(arr.shape)}, got {n_components}")
    mean = arr.mean(axis=0)
    _, s, vt = np.linalg.svd(arr - mean, full_matrices=False)
    # fix the sign of each component (largest loading positive) so results are reproducible
    signs = np.sign(vt[np.arange(vt.shape[0]), np.argmax(np.abs(vt), axis=1)])
    vt = vt * signs[:, None]
    var = s**2
    return PCAPlane(mean, vt[:k], var[:k] / var.sum())
