r"""Feature maps :math:`\phi` of the linear classes and of the guidance discriminators:
monomials and products of cosines/sines (with their gradients in :math:`x`), random Fourier
features, validated user maps."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from itertools import combinations_with_replacement, product
from typing import Any

import numpy as np

from boundkit._errors import BoundkitError

__all__ = ["tensor_indices", "tensor_features", "FOURIER_OMEGA"]

#: base frequency of the trigonometric basis: cos/sin(k * pi/4 * x)
FOURIER_OMEGA = np.pi / 4.0
TENSOR_BASES = ("poly", "fourier")


def _check_basis(basis: str) -> None:
    if basis not in TENSOR_BASES:
        raise BoundkitError(f"unknown basis {basis!r}: expected poly or fourier")


def _order(basis: str, j: int) -> int:
    """Degree (poly) or frequency (fourier: 1 = 0; 2k - 1 = cos k; 2k = sin k) of index j."""
    return j if basis == "poly" else (j + 1) // 2


def tensor_indices(d: int, degree: int, basis: str = "poly") -> list[tuple[int, ...]]:
    r"""The multi-indices :math:`a = (a_1, \dots, a_d)` of :func:`tensor_features` of total
    order at most ``degree``, the constant :math:`(0, \dots, 0)` first.

    Parameters
    ----------
    d : int
        Dimension of :math:`x`.
    degree : int
        Largest total order: :math:`\sum_i a_i` for ``"poly"`` (exponents), the total
        frequency :math:`\sum_i \lceil a_i/2\rceil` for ``"fourier"``.
    basis : {"poly", "fourier"}

    Returns
    -------
    list of tuple of int
        In :func:`itertools.product` order over :math:`\{0, \dots, J\}^d` (:math:`J` =
        ``degree`` for ``"poly"``, ``2 degree`` for ``"fourier"``).

    Notes
    -----
    .. math:: \mathcal A = \{a \in \{0..J\}^d : \textstyle\sum_i \mathrm{ord}(a_i) \le
        \text{degree}\},\qquad \mathrm{ord}(j) = j\ \text{(poly)},\ \lceil j/2\rceil\
        \text{(fourier)}.

    Examples
    --------
    >>> tensor_indices(2, 1)
    [(0, 0), (0, 1), (1, 0)]
    >>> tensor_indices(1, 1, "fourier")
    [(0,), (1,), (2,)]
    """
    _check_basis(basis)
    n_basis = degree + 1 if basis == "poly" else 2 * degree + 1
    return [
        idx
        for idx in product(range(n_basis), repeat=d)
        if sum(_order(basis, j) for j in idx) <= degree
    ]


def _monomial(x: np.ndarray, e: Sequence[int]) -> np.ndarray:
    """prod_j x_j^{e_j}, by repeated multiplication in coordinate order (x_0 ... x_0 x_1 ...)."""
    col = np.ones(x.shape[0])
    for j, ej in enumerate(e):
        for _ in range(ej):
            col = col * x[:, j]
    return col


def _trig_basis(z: np.ndarray, J: int) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """b_0 = 1, b_{2k-1} = cos(k w z), b_{2k} = sin(k w z) up to index >= J, and derivatives."""
    om = FOURIER_OMEGA
    vals, ders = [np.ones_like(z)], [np.zeros_like(z)]
    for k in range(1, (J + 1) // 2 + 1):
        c, s = np.cos(k * om * z), np.sin(k * om * z)
        vals += [c, s]
        ders += [-k * om * s, k * om * c]
    return vals, ders


def tensor_features(
    x: Any, indices: Sequence[Sequence[int]], basis: str = "poly", *, grad: bool = False
) -> Any:
    r"""Products of one-dimensional basis functions, :math:`\phi_a(x) = \prod_i b_{a_i}(x_i)`,
    and optionally their gradients in :math:`x`.

    Parameters
    ----------
    x : array_like, shape (n, d)
        Points (already standardised by the caller if wanted).
    indices : sequence of tuples of int
        One multi-index :math:`a` (length d) per feature, e.g. from :func:`tensor_indices`.
    basis : {"poly", "fourier"}
        ``"poly"``: :math:`b_j(u) = u^j` (:math:`\phi_a` the monomial with exponents
        :math:`a`); ``"fourier"``: :math:`b_0 = 1`, :math:`b_{2k-1}(u) = \cos(k\omega u)`,
        :math:`b_{2k}(u) = \sin(k\omega u)`, :math:`\omega = \pi/4`.
    grad : bool
        Also return :math:`\partial\phi_a/\partial x_i`.

    Returns
    -------
    values : ndarray, shape (n, len(indices))
    gradient : ndarray, shape (n, len(indices), d)
        Only with ``grad=True``.

    Notes
    -----
    .. math:: \phi_a(x) = \prod_{i=1}^d b_{a_i}(x_i),\qquad
        \frac{\partial\phi_a}{\partial x_i} = b_{a_i}'(x_i)\prod_{i' \ne i} b_{a_{i'}}(x_{i'}),

    for monomials :math:`\partial_i x^a = a_i x^{a - e_i}`. Monomials are products in
    coordinate order (:math:`x_1^2 x_2 = (x_1 x_1) x_2`), the order of
    :func:`polynomial_features`.

    Examples
    --------
    >>> v, g = tensor_features(np.array([[2.0, 3.0]]), [(2, 1)], grad=True)
    >>> float(v[0, 0]), g[0, 0].tolist()
    (12.0, [12.0, 4.0])
    """
    _check_basis(basis)
    x = np.asarray(x, dtype=float)
    n, d = x.shape
    idx = [tuple(int(j) for j in a) for a in indices]
    if any(len(a) != d or min(a, default=0) < 0 for a in idx):
        raise BoundkitError(f"each multi-index must have {d} entries >= 0")
    # built feature by feature as contiguous rows; returned as (n, k) and (n, k, d) views
    vals = np.empty((len(idx), n))
    grads = np.zeros((d, len(idx), n)) if grad else None
    if basis == "poly":
        for c, a in enumerate(idx):
            vals[c] = _monomial(x, a)
            if grads is not None:
                for i in range(d):
                    if a[i]:
                        grads[i, c] = a[i] * _monomial(x, a[:i] + (a[i] - 1,) + a[i + 1 :])
    else:
        J = max((max(a, default=0) for a in idx), default=0)
        per = [_trig_basis(x[:, i], J) for i in range(d)]
        for c, a in enumerate(idx):
            v = per[0][0][a[0]]
            for i in range(1, d):
                v = v * per[i][0][a[i]]
            vals[c] = v
            if grads is not None:
                for i in range(d):
                    if a[i] == 0:
                        continue
                    g = per[i][1][a[i]]
                    for i2 in range(d):
                        if i2 != i:
                            g = g * per[i2][0][a[i2]]
                    grads[i, c] = g
    if grads is None:
        return vals.T
    return vals.T, grads.transpose(2, 1, 0)


def polynomial_features(x: np.ndarray, degree: int) -> np.ndarray:
    r"""All monomials :math:`\prod_j x_j^{k_j}` with :math:`1 \le \sum_j k_j \le` ``degree``
    (:func:`tensor_features`), graded: by degree, then in
    :func:`itertools.combinations_with_replacement` order of the coordinates."""
    d = x.shape[1]
    exps = [
        tuple(combo.count(j) for j in range(d))
        for deg in range(1, degree + 1)
        for combo in combinations_with_replacement(range(d), deg)
    ]
    return tensor_features(x, exps, "poly")


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
