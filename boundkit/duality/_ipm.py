r"""The integral probability metric :math:`\mathrm{IPM}_{\mathcal H}(P, Q)` of any class."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from boundkit._errors import BoundkitError
from boundkit.distributions import Distribution, FiniteDistribution, GridDensity
from boundkit.duality._common import finite_problem
from boundkit.duality._refine import _quadrature

__all__ = ["IPMResult", "ipm"]


@dataclass(frozen=True)
class IPMResult:
    r"""The IPM of a class between two distributions, as a certified bracket.

    Attributes
    ----------
    value : float
        The IPM (exact when :attr:`exact`), otherwise the attained lower end :attr:`lower`.
    lower, upper : float
        A certified bracket :math:`\mathrm{lower} \le \mathrm{IPM} \le \mathrm{upper}` of the
        IPM of the discretised pair (``lower == upper == value`` when exact).
    exact : bool
        Whether the support function of the class is exact on these points.
    method : str
        ``"exact"`` (finite supports), ``"quadrature"`` (Gauss-Hermite nodes of Gaussians and
        mixtures, or grid cells), plus ``" + bracket"`` for a ReLU class in ``d >= 2``.
    n_points : int
        Size of the common (discretised) support.
    """

    value: float
    lower: float
    upper: float
    exact: bool
    method: str
    n_points: int


def _nodes(D: Any, name: str) -> tuple[np.ndarray, np.ndarray, bool]:
    """Points and probabilities of ``D`` (exact for finite, quadrature for the others)."""
    if isinstance(D, FiniteDistribution | GridDensity):
        atoms = D.atoms if isinstance(D, FiniteDistribution) else D.nodes
        w = D.pmf if isinstance(D, FiniteDistribution) else D.masses
        return atoms, w, isinstance(D, FiniteDistribution)
    pmf = getattr(D, "pmf", None)
    if pmf is not None and getattr(D, "atoms", None) is not None:  # refined finite/grid model
        return np.asarray(D.atoms, dtype=float), np.asarray(pmf, dtype=float), False
    quad = _quadrature(D) if isinstance(D, Distribution) else None
    if quad is None:
        raise BoundkitError(
            f"{name} has no exact expectations (finite, grid, Gaussian or mixture expected); "
            "pass its samples as a FiniteDistribution for the empirical IPM"
        )
    return quad[0], quad[1], False


def _relu_upper(cls: Any, x: np.ndarray, v: np.ndarray) -> float:
    r"""A certified upper bound of the ReLU support function (any dimension).

    With :math:`\tilde x_i = (x_i, 1)` and :math:`\mathrm{relu}(z) = (z + |z|)/2`, for every
    unit :math:`u`: :math:`\sum_i v_i\,\mathrm{relu}(u\cdot\tilde x_i) \le
    \min\big(\sum_{v_i > 0} v_i\|\tilde x_i\|,\ \tfrac12\|\sum_i v_i\tilde x_i\|
    + \tfrac12\sum_{v_i>0} v_i\|\tilde x_i\|\big)`; the same for :math:`-v`.
    """
    xt = np.column_stack([x, np.ones(x.shape[0])])
    r = np.linalg.norm(xt, axis=1)
    best = 0.0
    for s in (v, -v):
        pos = float(np.sum(np.clip(s, 0.0, None) * r))
        half = 0.5 * float(np.linalg.norm(s @ xt)) + 0.5 * pos
        best = max(best, min(pos, half))
    return float(cls.B1) * float(cls.B2) * best


def ipm(P: Distribution, Q: Distribution, cls: Any) -> IPMResult:
    r"""The integral probability metric :math:`\sup_{h\in\mathcal H} \mathbb E_P h - \mathbb E_Q h`.

    Parameters
    ----------
    P, Q : Distribution
        Finite distributions (exact), grid densities, Gaussians or Gaussian mixtures in
        dimension <= 3 (quadrature: Gauss-Hermite nodes, grid cells), or refined finite models.
    cls : DiscriminatorClass
        Any boundkit class: :class:`~boundkit.classes.LinearClass`,
        :class:`~boundkit.classes.RKHSBall`, :class:`~boundkit.classes.FiniteClass` (its support
        must contain the points), :class:`~boundkit.classes.ReLUNetwork2`.

    Returns
    -------
    IPMResult
        ``value`` with a certified bracket ``[lower, upper]`` (equal ends when exact).

    Notes
    -----
    On the common support :math:`x_1..x_k` of the two (discretised) laws, with
    :math:`v_i = p_i - q_i`, the IPM is the support function of the class:

    .. math:: \mathrm{IPM}_{\mathcal H}(P, Q) = \sup_{h\in\mathcal H}\sum_i v_i h(x_i)
       = \begin{cases} B\,\|\sum_i v_i\phi(x_i)\|_q & \text{linear, } \|w\|_p \le B,\\
       B\sqrt{v^\top K v} & \text{RKHS ball (} B\cdot\mathrm{MMD}_k\text{)},\\
       \max_j \sum_i v_i h_j(x_i) & \text{finite class},\\
       B_1B_2\max_{\|u\|=1}|\sum_i v_i\,\mathrm{relu}(u\cdot(x_i, 1))| & \text{ReLU}.
       \end{cases}

    Exact for finite supports (every class except ReLU with ``d >= 2``). For continuous laws
    the sum is the quadrature of the expectations (exact for polynomial features of degree
    below 80 under Gaussians). For a ReLU class in ``d >= 2`` the maximum over directions is a
    non-concave search: its attained value is a certified lower end, and
    :math:`\min(\sum_{v_i>0} v_i\|\tilde x_i\|, \tfrac12\|\sum_i v_i\tilde x_i\|
    + \tfrac12\sum_{v_i>0}v_i\|\tilde x_i\|)` (per sign of :math:`v`, with
    :math:`\tilde x_i = (x_i, 1)`) a certified upper end.

    Examples
    --------
    >>> from boundkit.classes import LinearClass
    >>> P = FiniteDistribution([[0.0], [2.0]], [0.5, 0.5])
    >>> Q = FiniteDistribution([[0.0], [2.0]], [0.75, 0.25])
    >>> r = ipm(P, Q, LinearClass("identity", B=2.0))   # 2 |E_P x - E_Q x| = 2 * 0.5
    >>> r.value, r.exact
    (1.0, True)
    """
    for name, D in (("P", P), ("Q", Q)):
        if not isinstance(D, Distribution):
            raise BoundkitError(f"{name} must be a boundkit Distribution, got {type(D).__name__}")
    if P.dim != Q.dim:
        raise BoundkitError(f"P has dimension {P.dim} but Q has dimension {Q.dim}")
    if not hasattr(cls, "support_function"):
        raise BoundkitError(
            f"cls must be a discriminator class with support_function, got {type(cls).__name__}"
        )
    exact_laws = True
    try:
        atoms, p, q = finite_problem(P, Q)
        exact_laws = not any(isinstance(D, GridDensity) for D in (P, Q))
    except BoundkitError:
        xp, wp, ep = _nodes(P, "P")
        xq, wq, eq = _nodes(Q, "Q")
        atoms = np.vstack([xp, xq])
        p = np.concatenate([wp, np.zeros(len(wq))])
        q = np.concatenate([np.zeros(len(wp)), wq])
        exact_laws = ep and eq
    v = p - q
    value = float(cls.support_function(atoms, v))
    method = "exact" if exact_laws else "quadrature"
    is_exact = getattr(cls, "support_is_exact", None)
    if is_exact is not None and not is_exact(atoms):
        upper = _relu_upper(cls, atoms, v)
        return IPMResult(value, value, upper, False, method + " + bracket", atoms.shape[0])
    return IPMResult(value, value, value, True, method, atoms.shape[0])
