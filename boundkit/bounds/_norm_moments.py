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

__all__ = ["NormMoments", "gaussian_quadratic_norm_moments", "mean_norm_moments"]


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


def _multi_indices(d: int, max_degree: int) -> list[tuple[int, ...]]:
    """All multi-indices in d variables of total degree <= max_degree, by increasing degree."""
    out = [tuple([0] * d)]
    frontier = [tuple([0] * d)]
    seen = set(out)
    for _ in range(max_degree):
        nxt = []
        for a in frontier:
            for i in range(d):
                b = a[:i] + (a[i] + 1,) + a[i + 1 :]
                if b not in seen:
                    seen.add(b)
                    nxt.append(b)
        out += nxt
        frontier = nxt
    return out


def _values_from_joint(
    joint: dict[tuple[int, ...], Fraction], gram: list[list[Fraction]], max_order: int
) -> list[list[Fraction]]:
    r""":math:`E\|S_n\|_G^{2k}` for n, k = 1..K from the joint moments :math:`E\prod_iY_i^{a_i}`
    of the centred summand (all total degrees <= 2K).

    Notes
    -----
    The moments of :math:`S_n = S_{n-1} + Y_n` follow from the binomial theorem,
    :math:`E S_n^\alpha = \sum_{\beta \le \alpha}\binom{\alpha}{\beta}E S_{n-1}^{\alpha-\beta}
    EY^\beta`, and :math:`\|S\|_G^{2k} = (\sum_{i,j}G_{ij}S_iS_j)^k` is expanded into monomials.
    """
    d = len(gram)
    idx = _multi_indices(d, 2 * max_order)
    pairs = {
        a: [
            (b, math.prod(math.comb(x, y) for x, y in zip(a, b, strict=True)))
            for b in idx
            if all(y <= x for x, y in zip(a, b, strict=True)) and joint.get(b, 0) != 0
        ]
        for a in idx
    }
    # the quadratic form as a polynomial, and its powers 1..K
    quad: dict[tuple[int, ...], Fraction] = {}
    for i in range(d):
        for j in range(d):
            e = tuple(int(t == i) + int(t == j) for t in range(d))
            quad[e] = quad.get(e, Fraction(0)) + gram[i][j]
    powers = []
    poly: dict[tuple[int, ...], Fraction] = {tuple([0] * d): Fraction(1)}
    for _ in range(max_order):
        nxt: dict[tuple[int, ...], Fraction] = {}
        for a, ca in poly.items():
            for b, cb in quad.items():
                e = tuple(x + y for x, y in zip(a, b, strict=True))
                nxt[e] = nxt.get(e, Fraction(0)) + ca * cb
        poly = nxt
        powers.append(poly)
    moments = {a: Fraction(int(not any(a))) for a in idx}  # S_0 = 0
    values = []
    for _ in range(max_order):
        moments = {
            a: sum(
                (
                    c * moments[tuple(x - y for x, y in zip(a, b, strict=True))] * joint[b]
                    for b, c in pairs[a]
                ),
                Fraction(0),
            )
            for a in idx
        }
        values.append([sum((c * moments[e] for e, c in pw.items()), Fraction(0)) for pw in powers])
    return values


def _values_by_enumeration(
    pf: list[Fraction], ys: list[list[Fraction]], gram: list[list[Fraction]], max_order: int
) -> list[list[Fraction]]:
    r"""The values of :func:`_values_from_joint` for P on atoms, by enumerating the multinomial
    counts N of n = 1..K draws: :math:`E\|S_n\|_G^{2k} = \sum_N \binom nN\prod_jp_j^{N_j}
    (N^\top\Gamma N)^k`, :math:`\Gamma_{jl} = Y_j^\top GY_l` (integer arithmetic). Its cost
    grows with the number of atoms, the recursion's with the dimension; both are exact and
    equal (tested)."""
    m, d = len(ys), len(gram)
    gy = [[sum(gram[a][b] * ys[j][b] for b in range(d)) for a in range(d)] for j in range(m)]
    gam = [[sum(ys[j][a] * gy[l][a] for a in range(d)) for l in range(m)] for j in range(m)]
    g_den = math.lcm(*(g.denominator for row in gam for g in row))
    g_int = [[int(g * g_den) for g in row] for row in gam]
    p_den = math.lcm(*(v.denominator for v in pf))
    a_int = [int(v * p_den) for v in pf]
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
    return values


def _interpolate(values: list[list[Fraction]], max_order: int) -> NormMoments:
    r"""The polynomials :math:`\mathcal P_k` (degree <= k, :math:`\mathcal P_k(0) = 0`) through
    ``values[n-1][k-1]``, n = 1..k."""
    coeffs = []
    for k in range(1, max_order + 1):
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


def _check_order(max_order: Any) -> int:
    if isinstance(max_order, bool) or int(max_order) != max_order or max_order < 1:
        raise BoundkitError(f"max_order must be a positive integer; got {max_order!r}")
    return int(max_order)


def _fraction_metric_inverse(metric: Any, d: int) -> list[list[Fraction]]:
    mm = np.asarray(metric, dtype=float)
    if mm.shape != (d, d) or not np.all(np.isfinite(mm)):
        raise BoundkitError(f"metric must be a finite ({d}, {d}) matrix")
    return _exact_inverse([[Fraction(float(v)) for v in row] for row in mm])


def mean_norm_moments(
    phi_p: Any, p: Any, metric: Any, *, max_order: int = 5, method: str = "auto"
) -> NormMoments:
    r"""Exact :math:`E\|\bar\phi_n - E_P\phi\|_{M^{-1}}^{2k}` for every n, k = 1..``max_order``,
    for P on finitely many atoms.

    Parameters
    ----------
    phi_p : array_like, shape (m, d)
        Features on the atoms of P.
    p : array_like, shape (m,)
        Probabilities (>= 0; normalised exactly).
    metric : array_like, shape (d, d)
        M, symmetric positive definite; its float entries are used as exact rationals.
    max_order : int
        K (moments up to order 2K).
    method : {"auto", "enumeration", "recursion"}
        How :math:`\mathcal P_k(1..K)` are computed (both exact, equal): by enumerating the
        multinomial counts of K draws (cost growing with the number of atoms) or by the moment
        recursion (cost growing with the dimension); ``"auto"`` takes the enumeration up to
        50 000 count vectors.

    Returns
    -------
    NormMoments

    Notes
    -----
    With :math:`Y = \phi(X) - E_P\phi` (exact rationals: :math:`E_PY^\beta = \sum_jp_j
    \prod_iY_{ji}^{\beta_i}`) and :math:`G = M^{-1}`,

    .. math::

        \mathcal P_k(n) = E\|S_n\|_G^{2k}\ (n \le k,\ \text{moment recursion in } n),
        \qquad E\varepsilon_n^{2k} = \mathcal P_k(n)/n^{2k},

    :math:`\mathcal P_k` the Lagrange interpolant through n = 0, 1, ..., k (exact).

    Examples
    --------
    >>> mom = mean_norm_moments([[0.0], [1.0]], [0.5, 0.5], [[1.0]], max_order=2)
    >>> float(mom.exact(10, 1))  # Var/n = 0.25/10
    0.025
    """
    phi = np.asarray(phi_p, dtype=float)
    pv = np.asarray(p, dtype=float)
    if phi.ndim != 2 or pv.shape != (phi.shape[0],):
        raise BoundkitError("phi_p (m, d) and p (m,) must agree in shape")
    if not (np.all(np.isfinite(phi)) and np.all(pv >= 0) and pv.sum() > 0):
        raise BoundkitError("features must be finite and p >= 0 with a positive sum")
    max_order = _check_order(max_order)
    keep = pv > 0
    phi, pv = phi[keep], pv[keep]
    m, d = phi.shape
    gram = _fraction_metric_inverse(metric, d)
    pf = [Fraction(float(v)) for v in pv]
    tot = sum(pf)
    pf = [v / tot for v in pf]
    ph = [[Fraction(float(v)) for v in row] for row in phi]
    mu = [sum(pf[j] * ph[j][i] for j in range(m)) for i in range(d)]
    ys = [[ph[j][i] - mu[i] for i in range(d)] for j in range(m)]
    if method == "auto":
        # the enumeration visits C(m + K - 1, K) count vectors, the recursion a number of
        # multi-index pairs that grows like d^(2K): the cheaper of the two
        method = "enumeration" if math.comb(m + max_order - 1, max_order) <= 50_000 else "recursion"
    if method == "enumeration":
        return _interpolate(_values_by_enumeration(pf, ys, gram, max_order), max_order)
    if method != "recursion":
        raise BoundkitError(f"method must be 'auto', 'enumeration' or 'recursion'; got {method!r}")
    joint = {}
    for a in _multi_indices(d, 2 * max_order):
        joint[a] = sum(
            (pf[j] * math.prod(ys[j][i] ** a[i] for i in range(d)) for j in range(m)), Fraction(0)
        )
    return _interpolate(_values_from_joint(joint, gram, max_order), max_order)


def gaussian_quadratic_norm_moments(
    mean: float, var: float, metric: Any, *, max_order: int = 5
) -> NormMoments:
    r"""Exact :math:`E\|\bar\phi_n - E_P\phi\|_{M^{-1}}^{2k}` for :math:`\phi(x) = (x, x^2)` and
    :math:`P = N(\mu, \sigma^2)` (the float parameters as exact rationals).

    Notes
    -----
    .. math::

        E_P x^r = \sum_{t \text{ even}} \binom rt\mu^{r-t}\sigma^t(t-1)!!,\qquad
        E_P(x - \mu_1)^a(x^2 - \mu_2)^b = \sum_{i,j}\binom ai\binom bj(-\mu_1)^{a-i}
        (-\mu_2)^{b-j}E_Px^{i+2j},

    :math:`\mu_1 = \mu`, :math:`\mu_2 = \mu^2 + \sigma^2`; then as :func:`mean_norm_moments`.

    Examples
    --------
    >>> mom = gaussian_quadratic_norm_moments(0.0, 1.0, [[1.0, 0.0], [0.0, 1.0]], max_order=1)
    >>> float(mom.exact(1, 1))  # Var x + Var x^2 = 1 + 2
    3.0
    """
    if not (math.isfinite(mean) and math.isfinite(var) and var > 0):
        raise BoundkitError(f"need a finite mean and a variance > 0; got {mean!r}, {var!r}")
    max_order = _check_order(max_order)
    gram = _fraction_metric_inverse(metric, 2)
    m, v = Fraction(float(mean)), Fraction(float(var))
    top = 4 * 2 * max_order

    def dfact(t: int) -> int:
        return math.prod(range(t - 1, 0, -2)) if t > 0 else 1

    raw = [
        sum(
            (math.comb(r, t) * m ** (r - t) * v ** (t // 2) * dfact(t) for t in range(0, r + 1, 2)),
            Fraction(0),
        )
        for r in range(top + 1)
    ]
    mu1, mu2 = m, m * m + v
    joint = {}
    for a, b in _multi_indices(2, 2 * max_order):
        joint[(a, b)] = sum(
            (
                math.comb(a, i)
                * math.comb(b, j)
                * (-mu1) ** (a - i)
                * (-mu2) ** (b - j)
                * raw[i + 2 * j]
                for i in range(a + 1)
                for j in range(b + 1)
            ),
            Fraction(0),
        )
    return _interpolate(_values_from_joint(joint, gram, max_order), max_order)
