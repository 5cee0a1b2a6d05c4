r"""Exact tail probabilities of deviations on a finite support, by enumerating every sample.

A sample of size n from a distribution P with rational weights on k atoms is, up to order, a
count vector c (a composition of n into k parts) with the multinomial probability
:math:`n!/\prod_j c_j! \prod_j p_j^{c_j}`; every quantity below depends on the sample through c
only, so enumerating the :math:`\binom{n+k-1}{k-1}` count vectors gives probabilities that are
exact rationals (:class:`fractions.Fraction`). For a finite class given by a rational matrix
:math:`h_{ij} = h_i(x_j)`:

- the one-sided deviation :math:`\sup_i (E_P h_i - E_{P_n} h_i)` is an exact rational;
- :math:`\hat{\mathfrak R}_S = E_\sigma \max_i \frac1n\sum_j h_{ij} S_j`, with
  :math:`S_j` the sum of the :math:`c_j` signs on atom j (:math:`S_j = 2B_j - c_j`,
  :math:`B_j \sim \mathrm{Bin}(c_j, 1/2)`), is an exact rational from the
  :math:`\prod_j(c_j+1)` values of :math:`(S_j)_j`;
- :math:`\mathfrak R_n = E_S \hat{\mathfrak R}_S` is their exact mean.

A threshold computed in floating point (a bound of :mod:`boundkit.bounds`) is itself a
rational number, so "P(deviation > threshold) <= delta" is decided exactly too.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from boundkit._errors import BoundkitError

__all__ = [
    "SampleTable",
    "compositions",
    "quantile_ratio",
    "sample_table",
    "tail_probability",
]


def compositions(n: int, k: int) -> list[tuple[int, ...]]:
    """Every count vector of ``n`` draws on ``k`` atoms, in lexicographic order.

    Examples
    --------
    >>> compositions(2, 2)
    [(0, 2), (1, 1), (2, 0)]
    """
    out = []
    for bars in itertools.combinations(range(n + k - 1), k - 1):
        edges = (-1, *bars, n + k - 1)
        out.append(tuple(edges[j + 1] - edges[j] - 1 for j in range(k)))
    return out


def _multinomial(counts: Sequence[int], p: Sequence[Fraction]) -> Fraction:
    coef = math.factorial(sum(counts))
    prob = Fraction(1)
    for c, pj in zip(counts, p, strict=True):
        coef //= math.factorial(c)
        prob *= pj**c
    return coef * prob


def _rademacher_counts(counts: Sequence[int], h: np.ndarray, denom: int) -> Fraction:
    r""":math:`\hat{\mathfrak R}_S` of the class ``h / denom`` (integer matrix, m x k) on a
    sample with these counts: :math:`E_\sigma\max_i\frac1n\sum_j h_{ij}S_j`, exactly."""
    n = int(sum(counts))
    ranges = [range(c + 1) for c in counts]
    b = np.array(list(itertools.product(*ranges)), dtype=np.int64).reshape(-1, len(counts))
    s = 2 * b - np.asarray(counts, dtype=np.int64)
    weights = np.ones(b.shape[0], dtype=np.int64)
    for j, c in enumerate(counts):
        weights *= np.array([math.comb(c, int(v)) for v in b[:, j]], dtype=np.int64)
    best = (s @ h.T).max(axis=1)
    return Fraction(int(weights @ best), (2**n) * n * denom)


@dataclass(frozen=True)
class SampleTable:
    r"""Every sample of size n, with its exact probability, deviation and complexity.

    Attributes
    ----------
    counts : list of tuple of int
        The count vectors.
    prob : list of Fraction
        Their multinomial probabilities (they sum to 1).
    sup_dev : list of Fraction
        :math:`\sup_i(E_P h_i - E_{P_n} h_i)` per sample.
    rs : list of Fraction
        :math:`\hat{\mathfrak R}_S` per sample.
    n : int
    """

    counts: list[tuple[int, ...]]
    prob: list[Fraction]
    sup_dev: list[Fraction]
    rs: list[Fraction]
    n: int

    @property
    def rn(self) -> Fraction:
        r""":math:`\mathfrak R_n = \sum_S P(S)\hat{\mathfrak R}_S`, exactly."""
        return sum((p * r for p, r in zip(self.prob, self.rs, strict=True)), Fraction(0))


def sample_table(p: Sequence[Fraction], h: Sequence[Sequence[Fraction]], n: int) -> SampleTable:
    r"""Enumerate every sample of size ``n`` from ``p`` for the finite class ``h``.

    Parameters
    ----------
    p : sequence of Fraction, length k
        The weights of P (non-negative, summing to 1).
    h : sequence of sequences of Fraction, shape (m, k)
        The class: :math:`h_{ij} = h_i(x_j)`.
    n : int
        Sample size, at least 1.

    Returns
    -------
    SampleTable

    Examples
    --------
    >>> from fractions import Fraction as F
    >>> t = sample_table([F(1, 2), F(1, 2)], [[F(0), F(1)]], 1)
    >>> t.prob, t.sup_dev, t.rn
    ([Fraction(1, 2), Fraction(1, 2)], [Fraction(-1, 2), Fraction(1, 2)], Fraction(0, 1))
    """
    p = [Fraction(v) for v in p]
    hf = [[Fraction(v) for v in row] for row in h]
    k = len(p)
    if n < 1 or k < 1 or any(len(row) != k for row in hf) or not hf:
        raise BoundkitError("sample_table needs n >= 1 and a non-empty m x k class")
    if any(v < 0 for v in p) or sum(p) != 1:
        raise BoundkitError("the weights of P must be non-negative and sum to 1")
    denom = math.lcm(*(v.denominator for row in hf for v in row))
    h_int = np.array([[int(v * denom) for v in row] for row in hf], dtype=np.int64)
    mean_p = [sum((pj * v for pj, v in zip(p, row, strict=True)), Fraction(0)) for row in hf]
    table = SampleTable([], [], [], [], n)
    for c in compositions(n, k):
        pr = _multinomial(c, p)
        if pr == 0:
            continue
        dev = max(
            mp - Fraction(sum(cj * int(v) for cj, v in zip(c, hi, strict=True)), n * denom)
            for mp, hi in zip(mean_p, h_int, strict=True)
        )
        table.counts.append(c)
        table.prob.append(pr)
        table.sup_dev.append(dev)
        table.rs.append(_rademacher_counts(c, h_int, denom))
    return table


def tail_probability(values: Sequence[Fraction], prob: Sequence[Fraction]) -> Fraction:
    """The exact probability that a per-sample value is positive: :math:`P(V > 0)`."""
    return sum((p for v, p in zip(values, prob, strict=True) if v > 0), Fraction(0))


def quantile_ratio(
    ratios: Sequence[Fraction], prob: Sequence[Fraction], delta: Fraction
) -> Fraction:
    r"""The tightness of a high-probability bound on an exactly enumerated instance.

    With :math:`r(S) = \mathrm{lhs}(S)/\mathrm{bound}(S)` per sample, the smallest c such that
    :math:`P(\mathrm{lhs} > c\,\mathrm{bound}) \le \delta`, i.e. the largest value v of r with
    :math:`P(r \ge v) > \delta`; the bound fails on the instance exactly when this exceeds 1.

    Examples
    --------
    >>> from fractions import Fraction as F
    >>> quantile_ratio([F(2), F(1, 2)], [F(1, 4), F(3, 4)], F(1, 5))
    Fraction(2, 1)
    >>> quantile_ratio([F(2), F(1, 2)], [F(1, 4), F(3, 4)], F(1, 2))
    Fraction(1, 2)
    """
    order = sorted(zip(ratios, prob, strict=True), key=lambda t: t[0], reverse=True)
    acc = Fraction(0)
    for v, p in order:
        acc += p
        if acc > delta:
            return v
    return order[-1][0]
