r"""The formulas of C6 and C7 as small pure functions (vectorised over their arguments)."""

from __future__ import annotations

from typing import Any

import numpy as np

from boundkit._errors import BoundkitError

__all__ = [
    "CLAIMS",
    "HIGH_PROBABILITY",
    "check_n_delta",
    "deviation_term",
    "rademacher_multiplier",
]

#: The bounds :func:`boundkit.bounds.bound` evaluates.
CLAIMS: tuple[str, ...] = ("C6a", "C6b", "C6c", "C7")
#: The high-probability bounds (they need a range [a, b] and a delta).
HIGH_PROBABILITY: tuple[str, ...] = ("C6b", "C6c")


def check_n_delta(n: Any, delta: Any) -> None:
    """Raise :class:`BoundkitError` unless every n >= 2 is an integer and delta in (0, 1)."""
    n_arr = np.asarray(n)
    if n_arr.size == 0 or not np.all(np.isfinite(n_arr.astype(float))):
        raise BoundkitError(f"n must be an integer >= 2; got {n!r}")
    if np.any(n_arr.astype(float) != np.round(n_arr.astype(float))) or np.any(n_arr < 2):
        raise BoundkitError(f"n must be an integer >= 2; got {n!r}")
    d = np.asarray(delta, dtype=float)
    if not np.all((d > 0) & (d < 1)):
        raise BoundkitError(f"delta must lie in the open interval (0, 1); got {delta!r}")


def rademacher_multiplier(claim: str) -> float:
    r"""The factor in front of the Rademacher term: 2 for C6a/b/c, 4 for C7.

    Examples
    --------
    >>> rademacher_multiplier("C7")
    4.0
    """
    if claim not in CLAIMS:
        raise BoundkitError(f"unknown bound {claim!r}: expected one of {', '.join(CLAIMS)}")
    return 4.0 if claim == "C7" else 2.0


def deviation_term(claim: str, n: Any, delta: Any, width: Any) -> np.ndarray:
    r"""The deviation term of a high-probability bound (0 for C6a and C7).

    Parameters
    ----------
    claim : {"C6a", "C6b", "C6c", "C7"}
    n : int or array of int
        Sample size(s), at least 2.
    delta : float or array
        Confidence parameter(s) in (0, 1).
    width : float or array
        :math:`b - a`, the width of the range of the class.

    Returns
    -------
    ndarray
        Broadcast of the inputs.

    Notes
    -----
    .. math::

        \text{C6b: } 2(b-a)\sqrt{\frac{\log(2/\delta)}{2n}}, \qquad
        \text{C6c: } 4(b-a)\sqrt{\frac{\log(3/\delta)}{2n}}.

    Examples
    --------
    >>> round(float(deviation_term("C6b", 50, 0.05, 1.0)), 6)
    0.384129
    """
    rademacher_multiplier(claim)
    check_n_delta(n, delta)
    n_f = np.asarray(n, dtype=float)
    d = np.asarray(delta, dtype=float)
    w = np.asarray(width, dtype=float)
    if claim == "C6b":
        return 2.0 * w * np.sqrt(np.log(2.0 / d) / (2.0 * n_f))
    if claim == "C6c":
        return 4.0 * w * np.sqrt(np.log(3.0 / d) / (2.0 * n_f))
    return np.zeros(np.broadcast(n_f, d, w).shape)
