r"""Rademacher sign vectors: exact enumeration of :math:`\{-1, +1\}^n` and reproducible
random blocks."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

__all__: list[str] = []

#: random signs are drawn per column block (one spawned generator each) and, inside a block,
#: per row block of this fixed size, so the stream never depends on how callers chunk.
COL_BLOCK = 256
ROW_BLOCK = 1 << 15
#: exact enumeration processes this many sign vectors at a time
ENUM_BLOCK = 1 << 15


def enumerate_signs(n: int, start: int, stop: int) -> np.ndarray:
    r"""Sign vectors number ``start..stop-1`` of :math:`\{-1,+1\}^n`, as an (n, stop-start)
    float array: :math:`\sigma_i(s) = 1 - 2\,\mathrm{bit}_i(s)`."""
    s = np.arange(start, stop, dtype=np.int64)
    bits = (s[None, :] >> np.arange(n, dtype=np.int64)[:, None]) & 1
    return 1.0 - 2.0 * bits


def enum_blocks(n: int) -> Iterator[np.ndarray]:
    """All :math:`2^n` sign vectors in column blocks of at most ``ENUM_BLOCK``."""
    total = 1 << n
    for start in range(0, total, ENUM_BLOCK):
        yield enumerate_signs(n, start, min(total, start + ENUM_BLOCK))


def random_bits(gen: np.random.Generator, rows: int, cols: int) -> np.ndarray:
    """Uniform bits as a uint8 array (rows, cols), from the raw bytes of ``gen``."""
    nbytes = (rows * cols + 7) // 8
    raw = np.frombuffer(gen.bytes(nbytes), dtype=np.uint8)
    return np.unpackbits(raw, count=rows * cols).reshape(rows, cols)


class SignStream:
    r"""The random sign matrix :math:`\sigma \in \{-1,+1\}^{n \times m}` of a seed, served in
    blocks; the same ``(rng, n, m)`` always gives the same matrix, whatever the blocking."""

    def __init__(self, gen: np.random.Generator, n: int, m: int) -> None:
        self.n = n
        self.m = m
        n_col_blocks = (m + COL_BLOCK - 1) // COL_BLOCK
        seed_seq: Any = gen.bit_generator.seed_seq
        self._children = seed_seq.spawn(n_col_blocks)

    def col_blocks(self) -> Iterator[tuple[int, int]]:
        """Column ranges ``(start, stop)`` of the blocks."""
        for c in range(len(self._children)):
            yield c * COL_BLOCK, min(self.m, (c + 1) * COL_BLOCK)

    def bit_rows(self, c: int) -> Iterator[tuple[int, int, np.ndarray]]:
        """For column block ``c``: ``(row_start, row_stop, bits)`` with bits (rows, width) uint8,
        sign = 1 - 2 bit."""
        start, stop = c * COL_BLOCK, min(self.m, (c + 1) * COL_BLOCK)
        gen = np.random.default_rng(self._children[c])
        for r0 in range(0, self.n, ROW_BLOCK):
            r1 = min(self.n, r0 + ROW_BLOCK)
            yield r0, r1, random_bits(gen, r1 - r0, stop - start)

    def block(self, c: int, dtype: Any = float) -> np.ndarray:
        """The signs of column block ``c`` as an array (n, width) of ``dtype`` (float64, or
        int8 for a kernel that only gathers them)."""
        start, stop = c * COL_BLOCK, min(self.m, (c + 1) * COL_BLOCK)
        out = np.empty((self.n, stop - start), dtype=dtype)
        for r0, r1, bits in self.bit_rows(c):
            signs = bits.view(np.int8)  # a fresh array: sign = 1 - 2 bit, exactly, in a byte
            signs *= -2
            signs += 1
            np.copyto(out[r0:r1], signs)
        return out

    def matrix(self) -> np.ndarray:
        """The whole sign matrix (n, m) (small problems and tests)."""
        return np.hstack([self.block(c) for c in range(len(self._children))])
