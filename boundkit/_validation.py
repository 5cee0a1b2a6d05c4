r"""The one input-validation layer of boundkit (points, weights, seeds, levels, arrays).

Every public function that takes user data validates it here, so that one kind of mistake
gets one message everywhere. Each check raises :class:`boundkit._errors.BoundkitError` with one
line saying what is wrong and what was expected, and returns the value as boundkit uses it.

Notes
-----
Probability weights are accepted when their sum is within :data:`WEIGHT_SUM_TOL` of 1 and are
then renormalised exactly (the tolerance only admits rounding, never a different measure).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from boundkit._errors import BoundkitError

__all__ = [
    "MAX_ELEMENTS",
    "MAX_WORK",
    "WEIGHT_SUM_TOL",
    "check_delta",
    "check_finite_array",
    "check_int",
    "check_norm_exponent",
    "check_points",
    "check_positive",
    "check_seed",
    "check_size",
    "check_weights",
    "evaluate_at",
]

#: Largest number of float64 values one request may allocate (2**28, i.e. 2 GiB).
MAX_ELEMENTS = 2**28

#: Largest number of elementary operations (e.g. sign vectors times sample size) one request
#: may ask for: about a minute of vectorised numpy on one core.
MAX_WORK = 10**11

#: The one tolerance on :math:`|\sum_i w_i - 1|` for probability vectors (absolute).
WEIGHT_SUM_TOL = 1e-9


def check_finite_array(
    x: Any, *, name: str = "x", ndim: int | tuple[int, ...] | None = None
) -> np.ndarray:
    r"""``x`` as a finite float64 array (of the given number of dimensions).

    Parameters
    ----------
    x : array_like
    name : str
        How the argument is called in the error message.
    ndim : int or tuple of int, optional
        Allowed numbers of dimensions.

    Returns
    -------
    numpy.ndarray

    Raises
    ------
    BoundkitError
        On a wrong number of dimensions, or NaN / infinite entries.

    Notes
    -----
    .. math:: x \in \mathbb R^{n_1 \times \dots \times n_d} \ (\text{every entry finite}).

    Examples
    --------
    >>> check_finite_array([1, 2], name="h", ndim=1).tolist()
    [1.0, 2.0]
    """
    try:
        arr = np.asarray(x, dtype=float)
    except (TypeError, ValueError):
        raise BoundkitError(f"{name} must be an array of numbers, got {type(x).__name__}") from None
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if arr.ndim not in allowed:
            want = " or ".join(str(a) for a in allowed)
            raise BoundkitError(f"{name} must have {want} dimension(s), got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise BoundkitError(f"{name} contains NaN or infinite values")
    return arr


def check_points(
    x: Any, dim: int | None = None, *, name: str = "x", nonempty: bool = False
) -> np.ndarray:
    r"""``x`` as a finite float array of points, shape ``(m, dim)``.

    A 1-d array is read as ``m`` points of dimension 1 when ``dim`` is 1 or unknown, and as a
    single point when ``dim`` equals its length (and is not 1); a scalar is one 1-d point.

    Parameters
    ----------
    x : array_like
    dim : int, optional
        Required number of columns.
    name : str
    nonempty : bool
        Refuse zero points (or zero columns).

    Returns
    -------
    numpy.ndarray, shape (m, dim)

    Raises
    ------
    BoundkitError
        On a wrong shape or NaN / infinite entries.

    Notes
    -----
    .. math:: x \in \mathbb R^{m \times d}.

    Examples
    --------
    >>> check_points([0.0, 1.0]).shape
    (2, 1)
    """
    try:
        arr = np.asarray(x, dtype=float)
    except (TypeError, ValueError):
        raise BoundkitError(f"{name} must be a numeric array of shape (n,) or (n, d)") from None
    if arr.ndim == 0:
        arr = arr.reshape(1, 1)
    elif arr.ndim == 1:
        single = dim is not None and dim != 1 and arr.size == dim
        arr = arr.reshape(1, -1) if single else arr.reshape(-1, 1)
    elif arr.ndim != 2:
        raise BoundkitError(f"{name} must have shape (m, d), got an array with shape {arr.shape}")
    if dim is not None and arr.shape[1] != dim:
        raise BoundkitError(f"{name} must have {dim} column(s), got shape {arr.shape}")
    if nonempty and (arr.shape[0] == 0 or arr.shape[1] == 0):
        raise BoundkitError(f"{name} is empty (shape {arr.shape}): need at least one point")
    if not np.all(np.isfinite(arr)):
        raise BoundkitError(f"{name} contains NaN or infinite values")
    return arr


def check_weights(
    w: Any, k: int | None = None, *, name: str = "weights", rows: bool = False
) -> np.ndarray:
    r"""Probability weights: finite, non-negative, summing to 1 within :data:`WEIGHT_SUM_TOL`.

    Parameters
    ----------
    w : array_like, shape (k,) (or (m, k) with ``rows``)
        One probability vector, or one per row.
    k : int, optional
        Required length (number of atoms).
    name : str
    rows : bool
        Accept a 2-d array of probability vectors, one per row.

    Returns
    -------
    numpy.ndarray
        The weights as float64, renormalised exactly to sum to 1 (row by row); the check
        guarantees the renormalisation only removes rounding.

    Raises
    ------
    BoundkitError
        On a wrong shape, NaN, negative entries, or a sum not within the tolerance of 1.

    Notes
    -----
    .. math:: w_i \ge 0, \qquad \Big|\sum_i w_i - 1\Big| \le 10^{-9}.

    Examples
    --------
    >>> check_weights([0.25, 0.75]).tolist()
    [0.25, 0.75]
    """
    try:
        arr = np.asarray(w, dtype=float)
    except (TypeError, ValueError):
        raise BoundkitError(f"{name} must be an array of numbers, got {type(w).__name__}") from None
    if arr.ndim not in ((1, 2) if rows else (1,)):
        want = "a 1-d or 2-d array" if rows else "a 1-d array"
        raise BoundkitError(f"{name} must be {want}, got shape {arr.shape}")
    if k is not None and arr.shape[-1] != k:
        raise BoundkitError(f"{name} has {arr.shape[-1]} entries but there are {k} atoms")
    if arr.shape[-1] == 0:
        raise BoundkitError(f"{name} is empty")
    if not np.all(np.isfinite(arr)):
        raise BoundkitError(f"{name} contains NaN or infinite values")
    if np.any(arr < 0):
        raise BoundkitError(f"{name} has negative entries (min {arr.min():.3g}); expected >= 0")
    total = arr.sum(axis=-1, keepdims=True)
    worst = float(np.max(np.abs(total - 1.0)))
    if not worst <= WEIGHT_SUM_TOL:
        bad = float(total.reshape(-1)[int(np.argmax(np.abs(total - 1.0)))])
        raise BoundkitError(
            f"{name} sum to {bad:.12g}, expected 1 (normalise them first, e.g. w / w.sum())"
        )
    return arr / total


def check_seed(seed: Any, *, name: str = "seed") -> int | None:
    r"""A seed: ``None`` or a non-negative integer (what :class:`numpy.random.SeedSequence`
    accepts as entropy).

    Parameters
    ----------
    seed : None or int
    name : str

    Returns
    -------
    int or None

    Raises
    ------
    BoundkitError
        On a bool, a non-integer or a negative integer.

    Notes
    -----
    .. math:: \text{seed} \in \{0, 1, 2, \dots\}.

    Examples
    --------
    >>> check_seed(7)
    7
    """
    if seed is None:
        return None
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise BoundkitError(f"{name} must be a non-negative integer or None, got {seed!r}")
    return int(seed)


def _real(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise BoundkitError(f"{name} must be a real number, got {value!r}")
    out = float(value)
    if np.isnan(out):
        raise BoundkitError(f"{name} must be a real number, got nan")
    return out


def check_delta(delta: Any, *, name: str = "delta") -> float:
    r"""A confidence level :math:`\delta \in (0, 1)`.

    Parameters
    ----------
    delta : float
    name : str

    Returns
    -------
    float

    Raises
    ------
    BoundkitError
        Unless :math:`0 < \delta < 1`.

    Notes
    -----
    .. math:: 0 < \delta < 1.

    Examples
    --------
    >>> check_delta(0.05)
    0.05
    """
    out = _real(delta, name)
    if not 0.0 < out < 1.0:
        raise BoundkitError(f"{name} must be in (0, 1), got {delta!r}")
    return out


def check_int(value: Any, name: str, low: int = 1, high: int | None = None) -> int:
    r"""An integer hyper-parameter in :math:`[\text{low}, \text{high}]` (not a bool).

    Examples
    --------
    >>> check_int(3, "width")
    3
    """
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < low:
        raise BoundkitError(f"{name} must be an integer >= {low}, got {value!r}")
    if high is not None and value > high:
        raise BoundkitError(f"{name} = {value} is above the limit {high}")
    return int(value)


def check_norm_exponent(p: Any) -> float:
    r"""A norm exponent :math:`p \in \{1, 2, \infty\}` as a float (``"inf"`` accepted).

    Examples
    --------
    >>> check_norm_exponent("inf")
    inf
    """
    if isinstance(p, str):
        if p.strip().lower() in {"inf", "infinity", "linf", "max"}:
            return float("inf")
        try:
            p = float(p)
        except ValueError:
            raise BoundkitError(f"norm p must be 1, 2 or inf, got {p!r}") from None
    if isinstance(p, bool) or not isinstance(p, int | float | np.integer | np.floating):
        raise BoundkitError(f"norm p must be 1, 2 or inf, got {p!r}")
    p = float(p)
    if p not in (1.0, 2.0, float("inf")):
        raise BoundkitError(f"norm p must be 1, 2 or inf, got {p!r}")
    return p


def check_positive(name: str, value: Any, *, allow_zero: bool = False) -> float:
    r"""A finite real number :math:`> 0` (or :math:`\ge 0` with ``allow_zero``).

    Parameters
    ----------
    name : str
        How the argument is called in the error message.
    value : float
    allow_zero : bool

    Returns
    -------
    float

    Raises
    ------
    BoundkitError
        Unless the value is finite and positive (non-negative).

    Notes
    -----
    .. math:: 0 < \text{value} < \infty.

    Examples
    --------
    >>> check_positive("B", 2)
    2.0
    """
    out = _real(value, name)
    ok = np.isfinite(out) and (out >= 0.0 if allow_zero else out > 0.0)
    if not ok:
        want = ">= 0" if allow_zero else "> 0"
        raise BoundkitError(f"{name} must be a finite number {want}, got {value!r}")
    return out


def evaluate_at(func: Callable[[np.ndarray], Any], x: np.ndarray) -> np.ndarray:
    r"""Values of a vectorised function at the points ``x`` of shape (m, d), shape (m,).

    Parameters
    ----------
    func : callable
        ``func(x)`` for an (m, d) array, returning m values (any shape with m entries).
    x : numpy.ndarray, shape (m, d)

    Returns
    -------
    numpy.ndarray, shape (m,)

    Raises
    ------
    BoundkitError
        When the function does not return one value per point.

    Notes
    -----
    .. math:: (h(x_1), \dots, h(x_m)).

    Examples
    --------
    >>> evaluate_at(lambda z: z[:, 0] ** 2, np.array([[1.0], [2.0]])).tolist()
    [1.0, 4.0]
    """
    vals = np.asarray(func(x), dtype=float)
    if vals.shape != (x.shape[0],):
        vals = vals.reshape(-1)
        if vals.shape != (x.shape[0],):
            raise BoundkitError(
                f"the function must map an (m, d) array to shape (m,), got {vals.shape}"
            )
    return vals


def check_size(what: str, count: Any, *, limit: int = MAX_ELEMENTS, unit: str = "values") -> int:
    r"""Refuse a request whose size (memory or work) is above ``limit``, before allocating.

    Parameters
    ----------
    what : str
        What is being counted, e.g. ``"--particles x --steps"``.
    count : int
        The estimated number of values (or operations) the request needs.
    limit : int
        The largest accepted count (:data:`MAX_ELEMENTS` by default, :data:`MAX_WORK` for work).
    unit : str
        What ``count`` counts, for the message.

    Returns
    -------
    int
        ``count``.

    Raises
    ------
    BoundkitError
        When :math:`\text{count} > \text{limit}`, naming both numbers.

    Notes
    -----
    .. math:: \text{count} \le \text{limit}.

    Examples
    --------
    >>> check_size("particles", 1000)
    1000
    """
    n = int(count)
    if n > limit:
        raise BoundkitError(f"{what} needs {n:.3g} {unit}, above the limit {limit:.3g}")
    return n
