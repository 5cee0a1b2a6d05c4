"""The shared feature maps (monomials, trigonometric products) and their x-gradients, against
independent formulas and finite differences."""

from __future__ import annotations

import math

import numpy as np
import pytest

from boundkit import BoundkitError
from boundkit.classes import LinearClass, tensor_features, tensor_indices


def _fd(f, x, eps=1e-6):
    """Central differences of a (n, k)-valued map: (n, k, d)."""
    out = []
    for i in range(x.shape[1]):
        e = np.zeros(x.shape[1])
        e[i] = eps
        out.append((f(x + e) - f(x - e)) / (2 * eps))
    return np.stack(out, axis=-1)


def _trig(j, u):
    """Independent 1-D trigonometric basis: 1, cos(k pi u / 4), sin(k pi u / 4)."""
    k = (j + 1) // 2
    if j == 0:
        return np.ones_like(u)
    return np.cos(k * math.pi * u / 4) if j % 2 else np.sin(k * math.pi * u / 4)


@pytest.mark.parametrize("d", [1, 2, 3])
@pytest.mark.parametrize("degree", [1, 2, 4])
def test_indices_count_and_order(d, degree):
    poly = tensor_indices(d, degree, "poly")
    assert len(poly) == math.comb(d + degree, d)  # monomials of degree <= `degree`
    assert poly[0] == (0,) * d and len(set(poly)) == len(poly)
    assert all(sum(a) <= degree for a in poly)
    four = tensor_indices(d, degree, "fourier")
    assert four[0] == (0,) * d and all(sum((j + 1) // 2 for j in a) <= degree for a in four)
    # every frequency vector k (|k|_1 <= degree) appears with 2^(#nonzero) cos/sin choices
    want = sum(
        2 ** sum(1 for ki in k if ki) for k in np.ndindex(*(degree + 1,) * d) if sum(k) <= degree
    )
    assert len(four) == want


def test_monomials_and_their_gradients():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(20, 3))
    idx = tensor_indices(3, 3, "poly")
    vals, grads = tensor_features(x, idx, "poly", grad=True)
    want = np.stack([np.prod(x ** np.array(a), axis=1) for a in idx], axis=1)
    np.testing.assert_allclose(vals, want, rtol=1e-13, atol=1e-14)
    # closed form a_i x^(a - e_i), and central differences (error O(eps^2))
    closed = np.zeros_like(grads)
    for c, a in enumerate(idx):
        for i in range(3):
            if a[i]:
                e = np.array(a) - np.eye(3, dtype=int)[i]
                closed[:, c, i] = a[i] * np.prod(x**e, axis=1)
    np.testing.assert_allclose(grads, closed, rtol=1e-13, atol=1e-14)
    np.testing.assert_allclose(grads, _fd(lambda y: tensor_features(y, idx), x), atol=1e-7)


def test_trigonometric_products_and_their_gradients():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(20, 2)) * 2.0
    idx = tensor_indices(2, 3, "fourier")
    vals, grads = tensor_features(x, idx, "fourier", grad=True)
    want = np.stack([_trig(a[0], x[:, 0]) * _trig(a[1], x[:, 1]) for a in idx], axis=1)
    np.testing.assert_allclose(vals, want, rtol=1e-13, atol=1e-14)
    fd = _fd(lambda y: tensor_features(y, idx, "fourier"), x)
    np.testing.assert_allclose(grads, fd, atol=1e-8)
    assert np.abs(grads).max() > 0.5  # not trivially zero


def test_polynomial_features_are_the_graded_monomials_bit_for_bit():
    """The linear classes' poly features are tensor_features of the graded exponents."""
    rng = np.random.default_rng(2)
    x = rng.normal(size=(15, 3))
    phi = LinearClass("poly", degree=3).design_matrix(x)
    cols = {tuple(a): c for c, a in enumerate(tensor_indices(3, 3, "poly"))}
    vals = tensor_features(x, list(cols), "poly")
    assert phi.shape[1] == len(cols) - 1  # no constant
    for c in range(phi.shape[1]):
        match = [a for a, k in cols.items() if np.array_equal(vals[:, k], phi[:, c])]
        assert len(match) == 1 and sum(match[0]) >= 1


def test_bad_bases_and_indices():
    with pytest.raises(BoundkitError, match="unknown basis"):
        tensor_indices(1, 2, "chebyshev")
    with pytest.raises(BoundkitError, match="unknown basis"):
        tensor_features(np.ones((2, 1)), [(1,)], "chebyshev")
    with pytest.raises(BoundkitError, match="2 entries"):
        tensor_features(np.ones((2, 2)), [(1,)])
