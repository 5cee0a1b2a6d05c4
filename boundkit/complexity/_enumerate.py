r"""Exact enumeration of the :math:`2^n` sign vectors by meet in the middle.

Split the sample into two halves, :math:`\sigma = (s, t)`. For the classes whose supremum is a
function of a sum :math:`a(s) + b(t)` (linear, RKHS, finite), the :math:`2^n` suprema are all
pairs of the :math:`2^{n_1}` and :math:`2^{n_2}` half sums, evaluated chunk by chunk with one
GEMM (or one broadcast) per chunk; a symmetric class (:math:`\sup(-\sigma) = \sup(\sigma)`) needs
only the half with :math:`\sigma_n = +1`. Other classes are enumerated in blocks of sign
vectors (still using the symmetry when they have it).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from boundkit._errors import BoundkitError
from boundkit.complexity._signs import ENUM_BLOCK, enumerate_signs

__all__: list[str] = []

#: pairs evaluated per chunk (arrays of this many doubles: 8 MB)
PAIR_CHUNK = 1 << 20


def half_sums(rows: np.ndarray) -> np.ndarray:
    r"""All :math:`2^h` signed sums :math:`\sum_i s_i r_i` of the rows of ``rows`` (h, k), as a
    (2^h, k) array (built by doubling: :math:`O(2^h k)`).

    Examples
    --------
    >>> half_sums(np.array([[1.0], [10.0]])).ravel()
    array([ 11.,   9.,  -9., -11.])
    """
    out = np.zeros((1, rows.shape[1]))
    for r in rows:
        out = np.concatenate([out + r, out - r])
    return out


def half_signs(h: int) -> np.ndarray:
    r"""The :math:`2^h` sign vectors of length ``h`` as rows, in the order of :func:`half_sums`
    (so ``half_signs(h) @ rows == half_sums(rows)``)."""
    return half_sums(np.eye(h)) if h else np.zeros((1, 0))


def _split(n: int, symmetric: bool) -> tuple[int, int]:
    """Sizes (n1, n2) of the two enumerated halves (the last sign is fixed when symmetric)."""
    free = n - 1 if symmetric else n
    n1 = free // 2
    return n1, free - n1


def _row_chunks(n_rows: int, n_cols: int, width: int = 1) -> Iterator[tuple[int, int]]:
    step = max(1, PAIR_CHUNK // max(1, n_cols * width))
    for r0 in range(0, n_rows, step):
        yield r0, min(n_rows, r0 + step)


def _sum_pairs(
    n_rows: int,
    n_cols: int,
    block: Callable[[int, int], np.ndarray],
    progress: Callable[[float], None] | None,
    width: int = 1,
) -> float:
    """The sum of ``block(r0, r1)`` (the suprema of rows r0..r1 against all columns)."""
    parts = []
    for r0, r1 in _row_chunks(n_rows, n_cols, width):
        parts.append(float(block(r0, r1).sum()))
        if progress is not None:
            progress(r1 / n_rows)
    return math.fsum(parts)


def quadratic_mitm_sum(
    a_sq: np.ndarray,
    b_sq: np.ndarray,
    A: np.ndarray,
    Bm: np.ndarray,
    *,
    check_psd: float | None = None,
    progress: Callable[[float], None] | None = None,
) -> float:
    r"""The sum over all pairs :math:`(s, t)` of :math:`\sqrt{a_s + b_t + 2\langle A_s,
    B_t\rangle}` (clipped at 0).

    ``check_psd``: when given, a pair value below ``-check_psd`` raises (a kernel matrix that
    is not positive semi-definite).
    """
    BT = np.ascontiguousarray(Bm.T)

    def block(r0: int, r1: int) -> np.ndarray:
        Q = A[r0:r1] @ BT
        Q *= 2.0
        Q += a_sq[r0:r1, None]
        Q += b_sq[None, :]
        if check_psd is not None:
            low = float(Q.min())
            if low < -check_psd:
                raise BoundkitError(
                    f"the kernel matrix is not positive semi-definite (sigma' K sigma = "
                    f"{low:.3g} < 0)"
                )
        np.maximum(Q, 0.0, out=Q)
        return np.sqrt(Q, out=Q)

    return _sum_pairs(A.shape[0], Bm.shape[0], block, progress)


def linear_mitm_mean(
    phi: np.ndarray, q: float, progress: Callable[[float], None] | None = None
) -> float:
    r"""Exact :math:`\mathbb E_\sigma\|\Phi^\top\sigma\|_q` over all :math:`2^n` sign vectors.

    Notes
    -----
    With :math:`\sigma = (s, t, +1)` (the norm is even in :math:`\sigma`) and half sums
    :math:`a_s = \sum_{i\le n_1} s_i\phi_i`, :math:`b_t = \sum_{i>n_1} t_i\phi_i + \phi_n`,

    .. math:: \mathbb E_\sigma\|\Phi^\top\sigma\|_q = 2^{-(n-1)}\sum_{s,t}\|a_s + b_t\|_q,
        \qquad \|a + b\|_2^2 = \|a\|^2 + \|b\|^2 + 2\langle a, b\rangle .
    """
    n = phi.shape[0]
    n1, n2 = _split(n, True)
    A = half_sums(phi[:n1])
    Bm = half_sums(phi[n1 : n1 + n2]) + phi[n - 1]
    if q == 2.0:
        total = quadratic_mitm_sum(
            np.einsum("ij,ij->i", A, A), np.einsum("ij,ij->i", Bm, Bm), A, Bm, progress=progress
        )
    else:

        def block(r0: int, r1: int) -> np.ndarray:
            Z = np.abs(A[r0:r1, None, :] + Bm[None, :, :])
            return Z.sum(axis=2) if q == 1.0 else Z.max(axis=2)

        total = _sum_pairs(A.shape[0], Bm.shape[0], block, progress, width=phi.shape[1])
    return total / float(A.shape[0] * Bm.shape[0])


def rkhs_mitm_mean(K: np.ndarray, progress: Callable[[float], None] | None = None) -> float:
    r"""Exact :math:`\mathbb E_\sigma\sqrt{\sigma^\top K\sigma}` over all :math:`2^n` sign
    vectors (raises when some :math:`\sigma^\top K\sigma < 0`).

    Notes
    -----
    With :math:`\sigma = (s, t)`, :math:`t` including the fixed last sign :math:`+1`,

    .. math:: \sigma^\top K\sigma = s^\top K_{11}s + t^\top K_{22}t + 2\,(s^\top K_{12})\,t .
    """
    n = K.shape[0]
    n1, n2 = _split(n, True)
    S = half_signs(n1)
    T = np.hstack([half_signs(n2), np.ones((1 << n2, 1))])
    K11, K12, K22 = K[:n1, :n1], K[:n1, n1:], K[n1:, n1:]
    a_sq = np.einsum("ij,jk,ik->i", S, K11, S) if n1 else np.zeros(1)
    b_sq = np.einsum("ij,jk,ik->i", T, K22, T)
    A = S @ K12 if n1 else np.zeros((1, n - n1))
    scale = max(1.0, float(np.abs(K).max())) * n**2
    total = quadratic_mitm_sum(a_sq, b_sq, A, T, check_psd=1e-8 * scale, progress=progress)
    return total / float(S.shape[0] * T.shape[0])


def finite_mitm_mean(H: np.ndarray, progress: Callable[[float], None] | None = None) -> float:
    r"""Exact :math:`\mathbb E_\sigma\max_j\langle\sigma, H_j\rangle` over all :math:`2^n` sign
    vectors (no symmetry assumed).

    Notes
    -----
    .. math:: \max_j \langle\sigma, H_j\rangle = \max_j\,(a_{s j} + b_{t j}),\qquad
        a_s = H_{\cdot,\le n_1}s,\ b_t = H_{\cdot,>n_1}t .
    """
    n = H.shape[1]
    n1, n2 = _split(n, False)
    A = half_sums(H[:, :n1].T)
    Bm = half_sums(H[:, n1:].T)

    def block(r0: int, r1: int) -> np.ndarray:
        return (A[r0:r1, None, :] + Bm[None, :, :]).max(axis=2)

    total = _sum_pairs(A.shape[0], Bm.shape[0], block, progress, width=H.shape[0])
    return total / float(A.shape[0] * Bm.shape[0])


def block_enumeration(
    n: int,
    symmetric: bool,
    evaluate: Callable[[np.ndarray], Any],
    progress: Callable[[float], None] | None = None,
) -> tuple[float, ...]:
    r"""Sums of ``evaluate(S)`` (a tuple of (m,) arrays) over all sign vectors, in blocks of
    ``ENUM_BLOCK``, divided by their number; a symmetric class enumerates only
    :math:`\sigma_n = +1`."""
    free = n - 1 if symmetric else n
    total = 1 << free
    sums: list[list[float]] | None = None
    for start in range(0, total, ENUM_BLOCK):
        stop = min(total, start + ENUM_BLOCK)
        S = enumerate_signs(free, start, stop)
        if symmetric:
            S = np.vstack([S, np.ones((1, S.shape[1]))])
        vals = evaluate(S)
        if sums is None:
            sums = [[] for _ in vals]
        for acc, v in zip(sums, vals, strict=True):
            acc.append(float(np.sum(v)))
        if progress is not None:
            progress(stop / total)
    assert sums is not None
    return tuple(math.fsum(acc) / total for acc in sums)
