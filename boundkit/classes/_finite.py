r"""Finite classes :math:`\mathcal H = \{h_1, \dots, h_k\}` given by their values on a support."""

from __future__ import annotations

from typing import Any

import numpy as np

from boundkit._errors import BoundkitError
from boundkit.classes._base import (
    DiscriminatorClass,
    FittedDiscriminator,
    _as_coefficients,
    _as_points,
)

__all__ = ["FiniteClass"]


class FiniteClass(DiscriminatorClass):
    r"""A finite class of functions given by a matrix of values.

    .. math:: \mathcal H = \{h_1, \dots, h_k\}, \qquad h_j(z_i) = \text{values}[j, i].

    Parameters
    ----------
    values : array_like, shape (n_functions, n_points)
        Row :math:`j` holds the values of :math:`h_j` on the support points.
    support : array_like, shape (n_points, d) or (n_points,), optional
        The support points :math:`z_i`. With a support, points ``x`` passed to the methods are
        looked up in it (exact match; repeats allowed). Without one, ``x`` is either ``None`` or
        any array with ``n_points`` rows and the values are taken in order.

    Notes
    -----
    The support function is an exact maximum,

    .. math:: \sup_{h\in\mathcal H} \sum_i v_i h(x_i) = \max_j \sum_i v_i h_j(x_i),

    and ``evaluate`` accepts either an index :math:`j` or mixture weights
    :math:`\lambda \in \Delta_k` (a member of the convex hull, whose support function is the
    same: :math:`\mathfrak R(\mathrm{conv}\,\mathcal H) = \mathfrak R(\mathcal H)`).

    Examples
    --------
    >>> cls = FiniteClass(np.array([[1.0, -1.0], [0.0, 2.0]]))
    >>> cls.support_function(None, np.array([1.0, 1.0]))
    2.0
    """

    _fixed_support: bool = True

    def __init__(self, values: Any, *, support: Any = None) -> None:
        self.values = values
        self.support = support
        self._validate_params()

    def _validate_params(self) -> None:
        self._values()

    def _values(self) -> np.ndarray:
        try:
            V = np.asarray(self.values, dtype=float)
        except (TypeError, ValueError):
            raise BoundkitError("values must be a numeric (n_functions, n_points) array") from None
        if V.ndim == 1:
            V = V[None, :]
        if V.ndim != 2 or V.shape[0] == 0 or V.shape[1] == 0:
            raise BoundkitError(
                f"values must be a non-empty (n_functions, n_points) array, got {V.shape}"
            )
        if not np.all(np.isfinite(V)):
            raise BoundkitError("values contains NaN or infinite values")
        return V

    @property
    def n_functions(self) -> int:
        """Number of functions :math:`k = |\\mathcal H|`."""
        return int(self._values().shape[0])

    def _example_points(self, rng: np.random.Generator) -> Any:
        """Points for the check suite: the support itself (or ``n_points`` dummy rows)."""
        V = self._values()
        if self.support is not None:
            return _as_points(self.support, "support")
        return np.zeros((V.shape[1], 1))

    def _columns(self, x: Any) -> np.ndarray:
        """Indices into the support of the points ``x``."""
        V = self._values()
        n_points = V.shape[1]
        if self.support is None:
            if x is None:
                return np.arange(n_points)
            arr = np.asarray(x, dtype=float)
            if arr.ndim == 0 or arr.shape[0] != n_points:
                raise BoundkitError(
                    f"x must have {n_points} rows (one per column of values), got shape "
                    f"{arr.shape}; give a support to evaluate elsewhere"
                )
            if arr.size and not np.all(np.isfinite(arr)):
                raise BoundkitError("x contains NaN or infinite values")
            return np.arange(n_points)
        Z = _as_points(self.support, "support")
        if Z.shape[0] != n_points:
            raise BoundkitError(
                f"support has {Z.shape[0]} points but values has {n_points} columns"
            )
        if x is None:
            return np.arange(n_points)
        X = _as_points(x)
        if X.shape[1] != Z.shape[1]:
            raise BoundkitError(f"x has dimension {X.shape[1]}, the support has {Z.shape[1]}")
        lookup = {row.tobytes(): i for i, row in enumerate(np.ascontiguousarray(Z) + 0.0)}
        idx = np.empty(X.shape[0], dtype=int)
        for i, row in enumerate(np.ascontiguousarray(X) + 0.0):
            j = lookup.get(row.tobytes())
            if j is None:
                raise BoundkitError(f"point {X[i].tolist()} is not in the support of the class")
            idx[i] = j
        return idx

    def values_on(self, x: Any) -> np.ndarray:
        """The matrix :math:`h_j(x_i)` of shape (n_functions, n) on the points ``x``."""
        return self._values()[:, self._columns(x)]

    def support_function(self, x: Any, v: Any) -> np.ndarray | float:
        r"""The exact maximum :math:`\max_j \sum_i v_i h_j(x_i)`.

        Parameters
        ----------
        x : array_like or None
            Points in the support (or ``None``: the support itself, in order).
        v : array_like, shape (n,) or (n, m)
            Coefficients, one column per direction.

        Returns
        -------
        float or ndarray, shape (m,)
            The support function, per column of ``v``.
        """
        H = self.values_on(x)
        v2, one_d = _as_coefficients(v, H.shape[1])
        out = (H @ v2).max(axis=0)
        return float(out[0]) if one_d else out

    def evaluate(self, params: Any, x: Any) -> np.ndarray:
        r"""Values of :math:`h_j` (``params = j``) or of :math:`\sum_j \lambda_j h_j`
        (``params`` = weights :math:`\lambda`, non-negative, summing to 1)."""
        H = self.values_on(x)
        if isinstance(params, int | np.integer) and not isinstance(params, bool):
            if not 0 <= int(params) < H.shape[0]:
                raise BoundkitError(f"function index {params} out of range [0, {H.shape[0]})")
            return H[int(params)].copy()
        lam = np.asarray(params, dtype=float).ravel()
        if lam.shape[0] != H.shape[0] or np.any(lam < 0) or abs(lam.sum() - 1.0) > 1e-9:
            raise BoundkitError(
                f"params must be an index or {H.shape[0]} non-negative weights summing to 1"
            )
        return lam @ H

    def random_params(self, x: Any, *, rng: Any = None) -> int:
        """The index of a uniformly random member."""
        return int(np.random.default_rng(rng).integers(self._values().shape[0]))

    def fit(
        self,
        x_p: Any,
        generator: Any,
        q_atoms: Any,
        q_weights: Any,
        *,
        p_weights: Any = None,
        rng: Any = None,
    ) -> FittedDiscriminator:
        r"""Maximise the variational objective by exhaustive search over the class.

        Parameters
        ----------
        x_p, generator, q_atoms, q_weights, p_weights, rng
            As in :meth:`LinearClass.fit`; the points must lie in the support.

        Returns
        -------
        FittedDiscriminator
            ``params`` is the index of the best function; the result is exact.

        Notes
        -----
        .. math:: \max_j \sum_i p_i h_j(x^P_i) - \Lambda_f^Q[h_j].
        """
        from boundkit.classes._fit import _generator, _lambda, _weights

        if self.support is None:
            raise BoundkitError("FiniteClass.fit needs a support to locate x_p and q_atoms")
        Hp, Hq = self.values_on(x_p), self.values_on(q_atoms)
        pw = _weights(p_weights, Hp.shape[1], "p_weights")
        qw = _weights(q_weights, Hq.shape[1], "q_weights")
        g = _generator(generator)
        best = (-np.inf, 0.0, 0)
        vals = []
        for j in range(Hp.shape[0]):
            lam, nu = _lambda(g, Hq[j], qw)
            val = float(pw @ Hp[j]) - lam
            vals.append(val)
            if val > best[0]:
                best = (val, nu, j)
        val, nu, j = best
        if not np.isfinite(val):
            raise BoundkitError("the objective is not finite for any function of the class")

        def h(x: Any, _j: int = j) -> np.ndarray:
            return self.evaluate(_j, x)

        diagnostics = {
            "converged": True,
            "iterations": len(vals),
            "status": "exhaustive search",
            "values": np.array(vals),
        }
        return FittedDiscriminator(
            h=h, nu=float(nu), value=float(val), params=j, diagnostics=diagnostics
        )
