r"""Feature maps :math:`\phi` of the linear classes: identity, polynomial, random Fourier."""

from __future__ import annotations

from collections.abc import Callable
from itertools import combinations_with_replacement
from typing import Any

import numpy as np

from boundkit._errors import BoundkitError

__all__: list[str] = []


def polynomial_features(x: np.ndarray, degree: int) -> np.ndarray:
    r"""All monomials :math:`\prod_j x_j^{k_j}` with :math:`1 \le \sum_j k_j \le` ``degree``."""
    n, d = x.shape
    cols = []
    for deg in range(1, degree + 1):
        for combo in combinations_with_replacement(range(d), deg):
            col = np.ones(n)
            for j in combo:
                col = col * x[:, j]
            cols.append(col)
    return np.column_stack(cols)


def rff_weights(d: int, n_components: int, gamma: float, rng: Any) -> tuple[np.ndarray, np.ndarray]:
    r"""Frequencies :math:`W \sim N(0, 2\gamma I)` (d, D) and phases :math:`b \sim U[0, 2\pi)`."""
    gen = np.random.default_rng(rng)
    W = gen.normal(scale=np.sqrt(2.0 * gamma), size=(d, n_components))
    b = gen.uniform(0.0, 2.0 * np.pi, size=n_components)
    return W, b


def rff_features(x: np.ndarray, W: np.ndarray, b: np.ndarray) -> np.ndarray:
    r""":math:`\phi(x) = \sqrt{2/D}\cos(x W + b)`, so that :math:`\phi(x)\cdot\phi(y) \approx
    e^{-\gamma\|x - y\|^2}`."""
    D = W.shape[1]
    return np.sqrt(2.0 / D) * np.cos(x @ W + b)


def call_user_features(fn: Callable[[np.ndarray], Any], x: np.ndarray) -> np.ndarray:
    """Call a user feature map and validate its output: finite, shape (n, k)."""
    out = np.asarray(fn(x), dtype=float)
    if out.ndim == 1:
        out = out[:, None]
    if out.ndim != 2 or out.shape[0] != x.shape[0]:
        raise BoundkitError(
            f"the feature callable must return an array of shape (n, k) for x of shape "
            f"{x.shape}, got {out.shape}"
        )
    if not np.all(np.isfinite(out)):
        raise BoundkitError("the feature callable returned NaN or infinite values")
    return out
