r"""Loaders: the data sets bundled with scikit-learn, and user CSV/NPY files."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from boundkit._errors import BoundkitError
from boundkit._validation import check_finite_array

__all__ = ["DATASETS", "Dataset", "load_dataset", "standardise_columns"]

#: The data sets shipped with scikit-learn (read by ``sklearn.datasets.load_<name>``).
DATASETS: tuple[str, ...] = ("iris", "wine", "breast_cancer", "digits", "diabetes")


@dataclass(frozen=True)
class Dataset:
    r"""A standardised data set.

    Attributes
    ----------
    name : str
        The data set name (or the file path).
    x : ndarray, shape (n, d)
        The standardised points :math:`(x - \mu) / \sigma` (kept columns only).
    raw : ndarray, shape (n, d_raw)
        The points as read.
    feature_names : tuple of str
        Names of the kept columns.
    mean, scale : ndarray, shape (d,)
        :math:`\mu` and :math:`\sigma` of the kept columns (``scale`` 1 when not standardised).
    dropped : tuple of str
        Columns dropped because they are constant (zero variance).
    source : str
        ``"sklearn.datasets.load_<name>"`` or ``"file"``.
    """

    name: str
    x: np.ndarray
    raw: np.ndarray
    feature_names: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    dropped: tuple[str, ...] = field(default=())
    source: str = "file"

    @property
    def n(self) -> int:
        """Number of points."""
        return int(self.x.shape[0])

    @property
    def dim(self) -> int:
        """Number of (kept) columns."""
        return int(self.x.shape[1])


def standardise_columns(x: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    r"""Drop constant columns and standardise the others.

    Parameters
    ----------
    x : array_like, shape (n, d)
        Finite data, at least two rows.

    Returns
    -------
    z : ndarray, shape (n, k)
        :math:`(x_{:, j} - \mu_j)/\sigma_j` for the kept columns.
    mean, scale : ndarray, shape (k,)
        :math:`\mu_j` and :math:`\sigma_j` (population standard deviation).
    keep : ndarray of bool, shape (d,)
        Which columns were kept (:math:`\sigma_j > 0`).

    Notes
    -----
    .. math:: \mu_j = \frac1n\sum_i x_{ij}, \qquad
              \sigma_j^2 = \frac1n\sum_i (x_{ij} - \mu_j)^2 .

    Examples
    --------
    >>> z, mu, s, keep = standardise_columns([[0.0, 1.0], [2.0, 1.0]])
    >>> z.tolist(), keep.tolist()
    ([[-1.0], [1.0]], [True, False])
    """
    arr = _check_data(np.asarray(x, dtype=float), "the data")
    mean = arr.mean(axis=0)
    scale = arr.std(axis=0)
    keep = scale > 1e-12 * np.maximum(1.0, np.abs(mean))
    if not np.any(keep):
        raise BoundkitError("every column of the data is constant: nothing to model")
    return (arr[:, keep] - mean[keep]) / scale[keep], mean[keep], scale[keep], keep


def _check_data(arr: np.ndarray, what: str) -> np.ndarray:
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2 or arr.shape[0] < 2 or arr.shape[1] < 1:
        raise BoundkitError(f"{what} must be a table of shape (n, d) with n >= 2, got {arr.shape}")
    return check_finite_array(arr, name=what)


def load_dataset(name: str | Path, *, standardise: bool = True) -> Dataset:
    r"""Load a scikit-learn data set by name, or a CSV/NPY file by path, standardised.

    Parameters
    ----------
    name : str or path
        One of :data:`DATASETS` (read with ``sklearn.datasets.load_<name>``, shipped with
        scikit-learn: nothing is downloaded) or the path of a ``.csv`` (optional header row,
        comma-separated numbers) or ``.npy`` file (a numeric array of shape (n, d)).
    standardise : bool
        Standardise the kept columns (constant columns are always dropped).

    Returns
    -------
    Dataset

    Raises
    ------
    BoundkitError
        Unknown name, unreadable file, NaN/inf values, fewer than two rows.

    Notes
    -----
    Only the features are used (the targets of the supervised data sets are ignored): the
    task is density estimation. With standardisation,

    .. math:: x \mapsto (x - \mu)/\sigma \quad\text{column by column.}

    Examples
    --------
    >>> ds = load_dataset("wine")
    >>> ds.x.shape, ds.source
    ((178, 13), 'sklearn.datasets.load_wine')
    >>> bool(abs(ds.x.std(axis=0) - 1).max() < 1e-12)
    True
    """
    key = str(name)
    if key in DATASETS:
        import sklearn.datasets as skd

        bunch = getattr(skd, f"load_{key}")()
        raw = np.asarray(bunch.data, dtype=float)
        names = tuple(str(f) for f in getattr(bunch, "feature_names", [])) or tuple(
            f"x{j}" for j in range(raw.shape[1])
        )
        if len(names) != raw.shape[1]:
            names = tuple(f"x{j}" for j in range(raw.shape[1]))
        source = f"sklearn.datasets.load_{key}"
    else:
        path = Path(key)
        if not path.exists():
            raise BoundkitError(
                f"unknown data set {key!r}: expected one of {', '.join(DATASETS)} or the path "
                "of a .csv/.npy file"
            )
        from boundkit.datasets._files import read_array, read_header

        raw = read_array(path, f"data set {key!r}", ndmin=2)
        names = read_header(path) or ()
        source = "file"
    raw = _check_data(raw, f"data set {key!r}")
    if len(names) != raw.shape[1]:
        names = tuple(f"x{j}" for j in range(raw.shape[1]))
    z, mean, scale, keep = standardise_columns(raw)
    if not standardise:
        z = raw[:, keep]
        mean = np.zeros(z.shape[1])
        scale = np.ones(z.shape[1])
    kept = tuple(n for n, k in zip(names, keep, strict=True) if k)
    dropped = tuple(n for n, k in zip(names, keep, strict=True) if not k)
    return Dataset(key, z, raw, kept, mean, scale, dropped, source)
