r"""The one reader of user arrays: ``.npy`` (never pickles), ``.csv`` or whitespace text."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from boundkit._errors import BoundkitError

__all__ = ["read_array", "read_header"]


def _looks_numeric(line: str, delimiter: str | None) -> bool:
    cells = [c for c in (line.split(delimiter) if delimiter else line.split()) if c.strip()]
    try:
        [float(c) for c in cells]
    except ValueError:
        return False
    return bool(cells)


def read_header(path: Any) -> tuple[str, ...] | None:
    """The column names of a text file's header line (``None`` without a header or for .npy)."""
    p = Path(path)
    if p.suffix == ".npy" or not p.is_file():
        return None
    delim = "," if p.suffix == ".csv" else None
    with p.open(encoding="utf-8") as fh:
        first = fh.readline()
    if _looks_numeric(first, delim):
        return None
    cells = first.split(delim) if delim else first.split()
    return tuple(c.strip() for c in cells)


def read_array(path: Any, name: str, *, ndmin: int = 1) -> Any:
    r"""Read a real array from ``.npy``, ``.csv`` (a header line is skipped) or whitespace text.

    Parameters
    ----------
    path : str or path
    name : str
        What the array is (an option name such as ``"--data"``), used in error messages.
    ndmin : int
        Minimum number of dimensions of the result.

    Returns
    -------
    ndarray of float

    Raises
    ------
    BoundkitError
        One line naming ``name``: a missing file, a pickled or corrupt ``.npy``, complex or
        non-numeric data, NaN or infinite values, an empty array.

    Notes
    -----
    A ``.csv`` file is comma-separated; its first line is skipped when it is not all numbers
    (a header). Arrays are never unpickled (``numpy.load(allow_pickle=False)``).
    """
    import numpy as np

    p = Path(path)
    if not p.exists():
        raise BoundkitError(f"{name}: file {str(path)!r} does not exist")
    if p.is_dir():
        raise BoundkitError(f"{name}: {str(path)!r} is a directory, expected a file")
    try:
        if p.suffix == ".npy":
            arr = np.load(p, allow_pickle=False)
        else:
            delim = "," if p.suffix == ".csv" else None
            with p.open(encoding="utf-8") as fh:
                first = fh.readline()
            skip = 0 if _looks_numeric(first, delim) else 1
            arr = np.loadtxt(p, delimiter=delim, ndmin=ndmin, skiprows=skip)
    except (ValueError, OSError, UnicodeDecodeError, EOFError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        if "pickle" in reason.lower():
            reason = "it holds pickled objects, which are never loaded"
        raise BoundkitError(f"{name}: cannot read {str(path)!r}: {reason}") from None
    if arr.dtype.kind == "c":
        raise BoundkitError(f"{name}: {str(path)!r} holds complex numbers, expected real numbers")
    if arr.dtype.kind not in "biuf":
        raise BoundkitError(f"{name}: {str(path)!r} holds {arr.dtype} data, expected real numbers")
    arr = np.asarray(arr, dtype=float)
    if arr.ndim < ndmin:
        arr = arr.reshape((1,) * (ndmin - arr.ndim) + arr.shape)
    if arr.size == 0:
        raise BoundkitError(f"{name}: {str(path)!r} is empty")
    if not np.all(np.isfinite(arr)):
        raise BoundkitError(f"{name}: {str(path)!r} contains NaN or infinite values")
    return arr
