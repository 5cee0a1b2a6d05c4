r"""Exact even moments of the localised deviation :math:`\varepsilon_n` on a finite support.

:math:`\varepsilon_n = \|\bar\phi_n - E_P\phi\|_{M^{-1}}` for n i.i.d. draws from a P on finitely
many atoms. With :math:`Y = \phi(X) - E_P\phi` (exactly centred) and :math:`S_n = \sum_i Y_i`,
expanding :math:`\|S_n\|_{M^{-1}}^{2k} = (\sum_{i,j}Y_i^\top M^{-1}Y_j)^k` over index tuples,
a tuple whose indices form b distinct values contributes :math:`n(n-1)\cdots(n-b+1)` times a
moment of Y, and a tuple with an index seen once contributes 0, so b ≤ k and

.. math::

    E\|S_n\|_{M^{-1}}^{2k} = \mathcal P_k(n),\qquad \mathcal P_k \text{ a polynomial of degree}
    \le k,\ \mathcal P_k(0) = 0 .

boundkit computes :math:`\mathcal P_k(1), \dots, \mathcal P_k(k)` by exact enumeration of the
multinomial counts (integer arithmetic on the floats' exact rational values) and interpolates;
:math:`E\varepsilon_n^{2k} = \mathcal P_k(n)/n^{2k}` is then exact for every n, rounded up to a
float.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from itertools import combinations_with_replacement
from typing import Any

import numpy as np

from boundkit._errors import BoundkitError

__all__ = ["NormMoments", "mean_norm_moments"]


@dataclass(frozen=True)
class NormMoments:
    r"""The polynomials :math:`\mathcal P_k(n) = E\|S_n\|_{M^{-1}}^{2k}`, k = 1..K (exact).

    Attributes
    ----------
    coefficients : tuple of tuple of Fraction
        ``coefficients[k-1][j]`` is the coefficient of :math:`n^{j+1}` in :math:`\mathcal P_k`.
    """

    coefficients: tuple[tuple[Fraction, ...], ...]

    @property
    def max_order(self) -> int:
        """K: the largest k with :math:`E\\varepsilon_n^{2k}` available."""
        return len(self.coefficients)

    def exact(self, n: int, k: int) -> Fraction:
        r""":math:`E\varepsilon_n^{2k}` as an exact fraction."""
        n = int(n)
        poly = self.coefficients[k - 1]
        return sum((c * n ** (j + 1) for j, c in enumerate(poly)), Fraction(0)) / n ** (2 * k)

    def even(self, n: int) -> np.ndarray:
        r""":math:`(E\varepsilon_n^2, E\varepsilon_n^4, \dots, E\varepsilon_n^{2K})`, each rounded
        up to the next float."""
        if isinstance(n, bool) or not float(n).is_integer() or int(n) < 1:
            raise BoundkitError(f"n must be an integer >= 1; got {n!r}")
        return np.array(
            [
                math.nextafter(float(self.exact(n, k)), math.inf)
                for k in range(1, self.max_order + 1)
            ]
        )

    def moments(self, n: int) -> dict[int, float]:
        r"""Upper bounds on :math:`E\varepsilon_n^j`, j = 2..2K: exact for even j; for odd j
        :math:`\sqrt{E\varepsilon_n^{j-1}E\varepsilon_n^{j+1}}` (Cauchy–Schwarz), j < 2K."""
        ev = self.even(n)
        out = {2 * (k + 1): float(ev[k]) for k in range(self.max_order)}
        for j in range(3, 2 * self.max_order, 2):
            out[j] = math.nextafter(math.sqrt(out[j - 1] * out[j + 1]), math.inf)
        return dict(sorted(out.items()))


def _exact_inverse(a: list[list[Fraction]]) -> list[list[Fraction]]:
    """Gauss-Jordan inverse of a small matrix of fractions."""
    d = len(a)
    aug = [row[:] + [Fraction(int(i == j)) for j in range(d)] for i, row in enumerate(a)]
    for col in range(d):
        piv = next((r for r in range(col, d) if aug[r][col] != 0), None)
        if piv is None:
            raise BoundkitError("the metric is singular")
        aug[col], aug[piv] = aug[piv], aug[col]
        inv = 1 / aug[col][col]
        aug[col] = [v * inv for v in aug[col]]
        for r in range(d):
            if r != col and aug[r][col] != 0:
                f = aug[r][col]
                aug[r] = [v - f * w for v, w in zip(aug[r], aug[col], strict=True)]
    return [row[d:] for row in aug]


def mean_norm_moments(
    phi_p: Any, p: Any, metric: Any, *, max_order: int = 5, max_outcomes: int = 200_000
) -> NormMoments:
    r"""Exact :math:`E\|\bar\phi_n - E_P\phi\|_{M^{-1}}^{2k}` for every n, k = 1..``max_order``.

    Parameters
    ----------
    phi_p : array_like, shape (m, d)
        Features on the atoms of P.
    p : array_like, shape (m,)
        Probabilities (>= 0; normalised exactly).
    metric : array_like, shape (d, d)
        M, symmetric positive definite; its float entries are used as exact rationals.
    max_order : int
        K; the enumeration visits the multinomial counts of n = 1..K draws.
    max_outcomes : int
        Refuse when that enumeration would exceed this many count vectors.

    Returns
    -------
    NormMoments

    Notes
    -----
    With counts :math:`N \sim \mathrm{Mult}(n, p)`, :math:`Y_j = \phi_j - \sum_l p_l\phi_l` and
    :math:`G_{jl} = Y_j^\top M^{-1}Y_l`,

    .. math::

        \mathcal P_k(n) = E\,(N^\top GN)^k = \sum_{|N| = n}\binom{n}{N}\prod_j p_j^{N_j}
        (N^\top GN)^k \ (n \le k),\qquad E\varepsilon_n^{2k} = \mathcal P_k(n)/n^{2k},

    :math:`\mathcal P_k` the Lagrange interpolant through n = 0, 1, ..., k (exact).

    Examples
    --------
    >>> mom = mean_norm_moments([[0.0], [1.0]], [0.5, 0.5], [[1.0]], max_order=2)
    >>> float(mom.exact(10, 1))  # Var/n = 0.25/10
    0.025
    """
    phi = np.asarray(phi_p, dtype=float)
    pv = np.asarray(p, dtype=float)
    mm = np.asarray(metric, dtype=float)
    if phi.ndim != 2 or pv.shape != (phi.shape[0],) or mm.shape != (phi.shape[1],) * 2:
        raise BoundkitError("phi_p (m, d), p (m,) and metric (d, d) must agree in shape")
    if not (np.all(np.isfinite(phi)) and np.all(np.isfinite(mm)) and np.all(pv >= 0)):
        raise BoundkitError("features and metric must be finite and p >= 0")
    if int(max_order) != max_order or max_order < 1:
        raise BoundkitError(f"max_order must be a positive integer; got {max_order!r}")
    max_order = int(max_order)
    keep = pv > 0
    phi, pv = phi[keep], pv[keep]
    m, d = phi.shape
    if math.comb(max_order + m - 1, m - 1) > max_outcomes:
        raise BoundkitError(
            f"exact moments of order {2 * max_order} on {m} atoms would enumerate "
            f"{math.comb(max_order + m - 1, m - 1)} count vectors (> {max_outcomes})"
        )
    # exact rationals: p normalised, mu = sum p phi, Y_j = phi_j - mu, G = Y M^{-1} Y^T
    pf = [Fraction(float(v)) for v in pv]
    tot = sum(pf)
    pf = [v / tot for v in pf]
    ph = [[Fraction(float(v)) for v in row] for row in phi]
    mu = [sum(pf[j] * ph[j][i] for j in range(m)) for i in range(d)]
    ys = [[ph[j][i] - mu[i] for i in range(d)] for j in range(m)]
    minv = _exact_inverse([[Fraction(float(v)) for v in row] for row in mm])
    my = [[sum(minv[a][b] * ys[j][b] for b in range(d)) for a in range(d)] for j in range(m)]
    gram = [[sum(ys[j][a] * my[l][a] for a in range(d)) for l in range(m)] for j in range(m)]
    # integers: G = G_int / g_den, p_j = a_j / p_den
    g_den = math.lcm(*(g.denominator for row in gram for g in row))
    g_int = [[int(g * g_den) for g in row] for row in gram]
    p_den = math.lcm(*(v.denominator for v in pf))
    a_int = [int(v * p_den) for v in pf]
    # values[n-1][k-1] = E ||S_n||^{2k} for n = 1..K
    values = []
    for n in range(1, max_order + 1):
        sums = [0] * max_order
        for combo in combinations_with_replacement(range(m), n):
            counts: dict[int, int] = {}
            for j in combo:
                counts[j] = counts.get(j, 0) + 1
            weight = math.factorial(n)
            for j, c in counts.items():
                weight = weight // math.factorial(c) * a_int[j] ** c
            items = list(counts.items())
            qf = sum(ci * cl * g_int[j][l] for j, ci in items for l, cl in items)
            power = 1
            for k in range(max_order):
                power *= qf
                sums[k] += weight * power
        values.append([Fraction(sums[k], p_den**n * g_den ** (k + 1)) for k in range(max_order)])
    coeffs = []
    for k in range(1, max_order + 1):
        # the polynomial of degree <= k through (0, 0), (1, v_1), ..., (k, v_k)
        pts = [(0, Fraction(0))] + [(n, values[n - 1][k - 1]) for n in range(1, k + 1)]
        poly = [Fraction(0)] * (k + 1)
        for i, (xi, yi) in enumerate(pts):
            basis = [Fraction(1)]
            denom = Fraction(1)
            for jdx, (xj, _) in enumerate(pts):
                if jdx == i:
                    continue
                basis = [Fraction(0)] + basis  # multiply by n
                for t in range(len(basis) - 1):
                    basis[t] -= xj * basis[t + 1]
                denom *= xi - xj
            for t, bcoef in enumerate(basis):
                poly[t] += yi * bcoef / denom
        if poly[0] != 0:
            raise BoundkitError("internal: the moment polynomial must vanish at n = 0")
        coeffs.append(tuple(poly[1:]))
    return NormMoments(tuple(coeffs))
