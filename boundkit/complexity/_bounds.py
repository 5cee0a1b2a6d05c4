r"""Closed-form bounds on empirical Rademacher complexities (THEORY C9).

boundkit's convention: :math:`\mathfrak R_S(\mathcal H) = \mathbb E_\sigma \sup_{h}
\frac1n\sum_i \sigma_i h(x_i)`, no absolute value. Bounds proved for the absolute-value version
are also upper bounds here.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from boundkit._errors import BoundkitError
from boundkit._validation import check_int, check_norm_exponent, check_points, check_positive
from boundkit.complexity._results import ComplexityBound

_LOG_FLOAT_MAX = math.log(np.finfo(float).max)

__all__ = [
    "khintchine_bracket",
    "linear_l1_bound",
    "linear_linf_bracket",
    "rkhs_trace_bracket",
    "massart_bound",
    "contraction_bound",
    "relu2_bound",
    "golowich_bound",
    "class_bounds",
]

_SZAREK = "Khintchine inequality with Szarek's optimal constant 1/sqrt(2) (Latala-Oleszkiewicz)"


def _matrix(a: Any, name: str) -> np.ndarray:
    arr = check_points(a, name=name, nonempty=True)
    return arr


def _khintchine_pair(
    up: float, names: tuple[str, str], root: str, jensen: str, terms: dict[str, Any]
) -> tuple[ComplexityBound, ComplexityBound]:
    r"""The bracket :math:`(u/\sqrt2, u)` of Szarek's Khintchine constant and Jensen's
    inequality, named ``names`` (lower, upper), with formulas :math:`\frac{B}{n\sqrt2}` and
    :math:`\frac Bn` times ``root``."""
    return (
        ComplexityBound(
            up / math.sqrt(2.0), names[0], r"\frac{B}{n\sqrt2}" + root, "lower", _SZAREK, terms
        ),
        ComplexityBound(up, names[1], r"\frac{B}{n}" + root, "upper", jensen, terms),
    )


def khintchine_bracket(phi: Any, B: float = 1.0) -> tuple[ComplexityBound, ComplexityBound]:
    r"""The Khintchine bracket of the linear class :math:`\{\langle w, \phi\rangle :
    \|w\|_2 \le B\}` (and of any Hilbert-space ball).

    Parameters
    ----------
    phi : array_like, shape (n, k)
        The feature vectors :math:`\phi(x_i)` (rows).
    B : float
        Radius of the weight ball.

    Returns
    -------
    (lower, upper) : tuple of ComplexityBound

    Notes
    -----
    .. math:: \frac{B}{n\sqrt 2}\sqrt{\sum_i\|\phi_i\|_2^2} \le \mathfrak R_S
        = \frac Bn \mathbb E_\sigma\Big\|\sum_i\sigma_i\phi_i\Big\|_2
        \le \frac Bn\sqrt{\sum_i\|\phi_i\|_2^2}.

    The upper side is Jensen's inequality; the lower side is the Khintchine-Kahane inequality
    with the optimal constant :math:`1/\sqrt 2` (Latala and Oleszkiewicz, 1994).

    Examples
    --------
    >>> lo, up = khintchine_bracket(np.array([[3.0, 4.0]]), B=2.0)
    >>> float(up), round(float(lo), 6)
    (10.0, 7.071068)
    """
    P = _matrix(phi, "phi")
    B = check_positive("B", B)
    n = P.shape[0]
    ss = float(np.sum(P * P))
    up = B * (math.sqrt(ss) / n)
    terms = {"n": n, "B": B, "sum_sq_norms": ss}
    return _khintchine_pair(
        up,
        ("khintchine-lower", "khintchine-upper"),
        r"\sqrt{\sum_i\|\phi(x_i)\|_2^2}",
        "Jensen's inequality",
        terms,
    )


def linear_l1_bound(phi: Any, B: float = 1.0) -> ComplexityBound:
    r"""Upper bound for :math:`\{\langle w, \phi\rangle : \|w\|_1 \le B\}` (Massart over the
    :math:`2k` vertices).

    Parameters
    ----------
    phi : array_like, shape (n, k)
        Feature vectors (rows).
    B : float
        Radius of the :math:`\ell_1` ball.

    Returns
    -------
    ComplexityBound

    Notes
    -----
    .. math:: \mathfrak R_S = \frac Bn\mathbb E\Big\|\sum_i\sigma_i\phi_i\Big\|_\infty
        \le B\max_i\|\phi_i\|_\infty\sqrt{\frac{2\log(2k)}{n}}.

    Examples
    --------
    >>> round(float(linear_l1_bound(np.ones((8, 2)))), 6)  # sqrt(2 log 4 / 8)
    0.588705
    """
    P = _matrix(phi, "phi")
    B = check_positive("B", B)
    n, k = P.shape
    mx = float(np.abs(P).max())
    val = B * mx * math.sqrt(2.0 * math.log(2 * k) / n)
    return ComplexityBound(
        val,
        "l1-massart",
        r"B\max_i\|\phi(x_i)\|_\infty\sqrt{2\log(2k)/n}",
        "upper",
        "Massart's finite-class lemma on the 2k vertices of the ball",
        {"n": n, "k": k, "B": B, "max_abs": mx},
    )


def linear_linf_bracket(phi: Any, B: float = 1.0) -> tuple[ComplexityBound, ComplexityBound]:
    r"""Bracket for :math:`\{\langle w, \phi\rangle : \|w\|_\infty \le B\}` (coordinatewise
    Khintchine).

    Parameters
    ----------
    phi : array_like, shape (n, k)
        Feature vectors (rows).
    B : float
        Radius of the :math:`\ell_\infty` ball.

    Returns
    -------
    (lower, upper) : tuple of ComplexityBound

    Notes
    -----
    With :math:`c_j = (\sum_i \phi_{ij}^2)^{1/2}` the column norms,

    .. math:: \frac{B}{n\sqrt2}\sum_j c_j \le \mathfrak R_S = \frac Bn\sum_j
        \mathbb E\Big|\sum_i\sigma_i\phi_{ij}\Big| \le \frac Bn\sum_j c_j.

    Examples
    --------
    >>> lo, up = linear_linf_bracket(np.eye(2))
    >>> float(up)
    1.0
    """
    P = _matrix(phi, "phi")
    B = check_positive("B", B)
    n = P.shape[0]
    cn = float(np.sqrt((P * P).sum(axis=0)).sum())
    up = B * (cn / n)
    terms = {"n": n, "B": B, "sum_column_norms": cn}
    return _khintchine_pair(
        up,
        ("linf-khintchine-lower", "linf-khintchine-upper"),
        r"\sum_j\|\phi_{\cdot j}\|_2",
        "Jensen's inequality per coordinate",
        terms,
    )


def rkhs_trace_bracket(K: Any, B: float = 1.0) -> tuple[ComplexityBound, ComplexityBound]:
    r"""The trace bracket of the RKHS ball :math:`\{\|h\|_K \le B\}`.

    Parameters
    ----------
    K : array_like, shape (n, n)
        Gram matrix on the sample.
    B : float
        Radius of the ball.

    Returns
    -------
    (lower, upper) : tuple of ComplexityBound

    Notes
    -----
    .. math:: \frac{B}{n\sqrt2}\sqrt{\operatorname{tr}K} \le \mathfrak R_S =
        \frac Bn\mathbb E_\sigma\sqrt{\sigma^\top K\sigma} \le \frac Bn\sqrt{\operatorname{tr}K}.

    Examples
    --------
    >>> lo, up = rkhs_trace_bracket(np.eye(4), B=1.0)
    >>> float(up)
    0.5
    """
    try:
        Km = np.asarray(K, dtype=float)
    except (TypeError, ValueError):
        raise BoundkitError("K must be a numeric (n, n) array") from None
    if Km.ndim != 2 or Km.shape[0] != Km.shape[1] or Km.shape[0] == 0:
        raise BoundkitError(f"K must be a square non-empty matrix, got shape {Km.shape}")
    if not np.all(np.isfinite(Km)):
        raise BoundkitError("K contains NaN or infinite values")
    return _rkhs_pair(float(np.trace(Km)), Km.shape[0], B)


def _rkhs_pair(tr: float, n: int, B: float) -> tuple[ComplexityBound, ComplexityBound]:
    r"""The trace bracket from :math:`\operatorname{tr}K` (no Gram matrix needed)."""
    B = check_positive("B", B)
    if tr < 0:
        raise BoundkitError(f"K is not positive semi-definite (negative trace {tr:.3g})")
    up = B * (math.sqrt(tr) / n)
    terms = {"n": n, "B": B, "trace": tr}
    return _khintchine_pair(
        up,
        ("rkhs-trace-lower", "rkhs-trace"),
        r"\sqrt{\operatorname{tr}K}",
        "Jensen's inequality (Bartlett and Mendelson, 2002)",
        terms,
    )


def massart_bound(values: Any) -> ComplexityBound:
    r"""Massart's finite-class lemma.

    Parameters
    ----------
    values : array_like, shape (n_functions, n)
        Row :math:`j` holds :math:`(h_j(x_i))_i`.

    Returns
    -------
    ComplexityBound

    Notes
    -----
    .. math:: \mathfrak R_S(\mathcal H) \le \frac{\max_j\|(h_j(x_i))_i\|_2\sqrt{2\log|\mathcal
        H|}}{n}.

    Examples
    --------
    >>> round(float(massart_bound(np.array([[1.0, 1.0], [-1.0, -1.0]]))), 6)
    0.832555
    """
    try:
        H = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise BoundkitError("values must be a numeric (n_functions, n) array") from None
    if H.ndim == 1:
        H = H[None, :]
    if H.ndim != 2 or H.size == 0:
        raise BoundkitError(f"values must be a non-empty (n_functions, n) array, got {H.shape}")
    if not np.all(np.isfinite(H)):
        raise BoundkitError("values contains NaN or infinite values")
    k, n = H.shape
    r = float(np.sqrt((H * H).sum(axis=1)).max())
    val = r * math.sqrt(2.0 * math.log(k)) / n
    return ComplexityBound(
        val,
        "massart",
        r"\frac{\max_h\|h(x)\|_2\sqrt{2\log|\mathcal H|}}{n}",
        "upper",
        "Massart's lemma",
        {"n": n, "n_functions": k, "max_norm": r},
    )


def contraction_bound(rademacher: float, lipschitz: float) -> ComplexityBound:
    r"""Ledoux-Talagrand contraction: :math:`\mathfrak R_S(\varphi\circ\mathcal H) \le L\,
    \mathfrak R_S(\mathcal H)` for an :math:`L`-Lipschitz :math:`\varphi`.

    Parameters
    ----------
    rademacher : float
        :math:`\mathfrak R_S(\mathcal H)` (no absolute value).
    lipschitz : float
        The Lipschitz constant :math:`L \ge 0` of :math:`\varphi`.

    Returns
    -------
    ComplexityBound

    Notes
    -----
    .. math:: \mathfrak R_S(\varphi\circ\mathcal H) \le L\,\mathfrak R_S(\mathcal H)

    (constant 1 without absolute value and without :math:`\varphi(0) = 0`).

    Examples
    --------
    >>> float(contraction_bound(0.25, 2.0))
    0.5
    """
    r = float(rademacher)
    L = float(lipschitz)
    if not math.isfinite(r) or not math.isfinite(L) or L < 0:
        raise BoundkitError(f"need a finite complexity and a Lipschitz constant >= 0, got {r}, {L}")
    return ComplexityBound(
        L * r,
        "contraction",
        r"L\,\mathfrak R_S(\mathcal H)",
        "upper",
        "Ledoux-Talagrand contraction lemma",
        {"rademacher": r, "L": L},
    )


def relu2_bound(x: Any, B1: float = 1.0, B2: float = 1.0) -> ComplexityBound:
    r"""Norm-based upper bound for two-layer ReLU networks
    :math:`\{\sum_j a_j\mathrm{relu}(\langle w_j, x\rangle + b_j): \|a\|_1\le B_2,
    \|(w_j, b_j)\|_2\le B_1\}`.

    Parameters
    ----------
    x : array_like, shape (n, d) or (n,)
        The sample.
    B1, B2 : float
        Neuron and output-layer radii.

    Returns
    -------
    ComplexityBound

    Notes
    -----
    One neuron attains the supremum, :math:`\sup_u|g| \le \sup_u g + \sup_u(-g)`, and
    contraction plus Jensen bound each term:

    .. math:: \mathfrak R_S \le \frac{2 B_2 B_1}{n}\sqrt{\sum_i(\|x_i\|_2^2 + 1)}.

    Examples
    --------
    >>> float(relu2_bound(np.zeros((4, 1))))  # 2 sqrt(4) / 4
    1.0
    """
    X = check_points(x, nonempty=True)
    B1, B2 = check_positive("B1", B1), check_positive("B2", B2)
    n = X.shape[0]
    ss = float(np.sum(X * X)) + n
    val = 2.0 * B1 * (B2 * (math.sqrt(ss) / n))
    return ComplexityBound(
        val,
        "relu2-norm",
        r"\frac{2B_2B_1}{n}\sqrt{\sum_i(\|x_i\|^2+1)}",
        "upper",
        "one-neuron reduction + contraction (THEORY C9)",
        {"n": n, "B1": B1, "B2": B2, "sum_sq_norms_plus_1": ss},
    )


def golowich_bound(
    x: Any, frobenius_norms: Sequence[float], *, bias: bool = True
) -> ComplexityBound:
    r"""The Golowich-Rakhlin-Shamir (2018, Thm 1) bound for depth-:math:`L` ReLU networks with
    Frobenius-norm-bounded layers.

    Parameters
    ----------
    x : array_like, shape (n, d) or (n,)
        The sample.
    frobenius_norms : sequence of float
        :math:`M_F(1), \dots, M_F(L)`, bounds on the Frobenius norms of the layers.
    bias : bool
        Biases are handled by appending a constant 1 to the inputs.

    Returns
    -------
    ComplexityBound

    Notes
    -----
    .. math:: \mathfrak R_S \le \frac1n\prod_{j=1}^L M_F(j)\,\big(\sqrt{2L\log 2} + 1\big)
        \sqrt{\sum_i\|\tilde x_i\|_2^2}.

    For :class:`~boundkit.classes.ReLUNetwork2` the layers satisfy
    :math:`M_F(1) = \sqrt{\text{width}}B_1`, :math:`M_F(2) = B_2` (since
    :math:`\|a\|_2 \le \|a\|_1`).

    Examples
    --------
    >>> round(float(golowich_bound(np.ones((1, 1)), [1.0], bias=False)), 6)
    2.17741
    """
    X = check_points(x, nonempty=True)
    M = [check_positive("frobenius norm", m) for m in frobenius_norms]
    if not M:
        raise BoundkitError("frobenius_norms must list at least one layer")
    L = len(M)
    n = X.shape[0]
    ss = float(np.sum(X * X)) + (n if bias else 0)
    # in logs: a product of large layer norms may exceed the float range (then +inf, the
    # vacuous upper bound it is), but never through an overflowing intermediate product
    log_val = (
        sum(math.log(m) for m in M)
        + math.log(math.sqrt(2 * L * math.log(2)) + 1.0)
        + math.log(math.sqrt(ss) / n)
        if ss > 0 and all(m > 0 for m in M)
        else -math.inf
    )
    val = math.exp(log_val) if log_val < _LOG_FLOAT_MAX else math.inf
    return ComplexityBound(
        val,
        "golowich-rakhlin-shamir",
        r"\frac1n\prod_j M_F(j)\,(\sqrt{2L\log2}+1)\sqrt{\sum_i\|\tilde x_i\|^2}",
        "upper",
        "Golowich, Rakhlin and Shamir (2018), Theorem 1",
        {"n": n, "depth": L, "frobenius_norms": M, "sum_sq_norms": ss},
    )


def class_bounds(cls: Any, x: Any = None, *, gram: Any = None) -> tuple[ComplexityBound, ...]:
    r"""The closed-form C9 bounds that apply to a class on a sample.

    Parameters
    ----------
    cls : DiscriminatorClass
        :class:`~boundkit.classes.LinearClass`, :class:`~boundkit.classes.RKHSBall`,
        :class:`~boundkit.classes.ReLUNetwork2` or :class:`~boundkit.classes.FiniteClass`.
    x : array_like or None
        The sample.
    gram : array_like, optional
        The Gram matrix of an :class:`~boundkit.classes.RKHSBall` on ``x``, when the caller
        has it already (its trace is used); otherwise the trace is summed from
        ``gram_diagonal(x)``, without forming the :math:`n \times n` matrix.

    Returns
    -------
    tuple of ComplexityBound
        Lower and upper bounds (empty for classes without closed forms).

    Notes
    -----
    Linear :math:`\ell_2` / RKHS: Khintchine / trace bracket; :math:`\ell_1`: Massart on the
    vertices; :math:`\ell_\infty`: coordinatewise Khintchine; finite: Massart; networks:
    :func:`relu2_bound` and :func:`golowich_bound`.

    Examples
    --------
    >>> from boundkit.classes import LinearClass
    >>> [b.name for b in class_bounds(LinearClass(), np.eye(2))]
    ['khintchine-lower', 'khintchine-upper']
    """
    from boundkit.classes import FiniteClass, LinearClass, ReLUNetwork2, RKHSBall

    if isinstance(cls, LinearClass):
        phi = cls.design_matrix(x)
        p = check_norm_exponent(cls.p)
        if p == 2.0:
            return khintchine_bracket(phi, cls.B)
        if p == 1.0:
            return (linear_l1_bound(phi, cls.B),)
        return linear_linf_bracket(phi, cls.B)
    if isinstance(cls, RKHSBall):
        if gram is not None:  # the caller's own (validated) Gram matrix
            return _rkhs_pair(float(np.trace(gram)), len(gram), cls.B)
        return _rkhs_pair(
            float(cls.gram_diagonal(x).sum()), check_points(x, nonempty=True).shape[0], cls.B
        )
    if isinstance(cls, FiniteClass):
        return (massart_bound(cls.values_on(x)),)
    if isinstance(cls, ReLUNetwork2):
        width = check_int(cls.width, "width")
        B1, B2 = cls._radii()
        return (relu2_bound(x, B1, B2), golowich_bound(x, [math.sqrt(width) * B1, B2]))
    return ()
