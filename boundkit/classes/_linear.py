r"""Linear discriminators in features: :math:`h(x) = \langle w, \phi(x)\rangle`,
:math:`\|w\|_p \le B`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from boundkit._errors import BoundkitError
from boundkit._validation import check_int as _check_int
from boundkit._validation import check_norm_exponent as _norm_exponent
from boundkit.classes._base import (
    DiscriminatorClass,
    FittedDiscriminator,
    _as_coefficients,
    _as_points,
    _check_optional_radius,
    _check_radius,
    dual_exponent,
    lp_norm,
    project_ball,
)
from boundkit.classes._features import (
    call_user_features,
    polynomial_features,
    rff_features,
    rff_weights,
)

__all__ = ["LinearClass"]

_FEATURES = ("identity", "poly", "rff")


class LinearClass(DiscriminatorClass):
    r"""Linear functions of features with a norm-bounded weight vector.

    .. math:: \mathcal H = \{x \mapsto \langle w, \phi(x)\rangle : \|w\|_p \le B\}.

    Parameters
    ----------
    features : {"identity", "poly", "rff"} or callable
        The feature map :math:`\phi`: ``"identity"`` (:math:`\phi(x) = x`), ``"poly"`` (all
        monomials of degree 1..``degree``, no constant), ``"rff"`` (``n_components`` random
        Fourier features of the RBF kernel :math:`e^{-\gamma\|x-y\|^2}`), or a callable mapping
        an array (n, d) to an array (n, k).
    degree : int
        Degree of the polynomial features.
    n_components : int
        Number of random Fourier features.
    gamma : float, optional
        Bandwidth of the random Fourier features (``None``: :math:`1/d`).
    p : {1, 2, inf}
        The weight norm.
    B : float
        The radius of the weight ball (> 0).
    bias : bool
        Append a constant feature 1 (the bias weight is inside the same norm ball).
    rng : None, int or numpy.random.Generator
        Seed of the random Fourier frequencies (drawn once, at first use, per input dimension,
        and kept in the fitted attribute ``rff_``).

    Notes
    -----
    The class contract (shared by :class:`RKHSBall`):

    - ``design_matrix(x)`` returns :math:`\Phi` (n, k) with :math:`h(x_i) = (\Phi w)_i`;
    - ``support_function(x, v)`` returns
      :math:`\sup_{h} \sum_i v_i h(x_i) = B\,\|\Phi^\top v\|_q` with :math:`1/p + 1/q = 1`,
      a float for ``v`` of shape (n,) and an array (m,) for ``v`` of shape (n, m);
    - ``evaluate(params, x)`` with ``params = w`` (k,) returns :math:`\Phi(x) w`;
    - ``q`` is the dual exponent, ``dual_norm(z)`` is :math:`\|z\|_q` along axis 0;
    - ``cvxpy_constraint(w)`` returns the constraint ``cp.norm(w, p) <= B``;
    - ``fit(...)`` maximises :math:`\sum_j p_j h(x_j) - \Lambda_f^Q[h]` (concave in ``w``).

    Examples
    --------
    >>> cls = LinearClass(p=2, B=2.0)
    >>> x = np.array([[1.0, 0.0], [0.0, 1.0]])
    >>> cls.support_function(x, np.array([3.0, 4.0]))
    10.0
    >>> cls.evaluate(np.array([1.0, -1.0]), x)
    array([ 1., -1.])
    """

    symmetric: bool = True

    def __init__(
        self,
        features: str | Callable[[np.ndarray], Any] = "identity",
        *,
        degree: int = 2,
        n_components: int = 100,
        gamma: float | None = None,
        p: Any = 2,
        B: float = 1.0,
        bias: bool = False,
        rng: Any = None,
    ) -> None:
        self.features = features
        self.degree = degree
        self.n_components = n_components
        self.gamma = gamma
        self.p = p
        self.B = B
        self.bias = bias
        self.rng = rng
        self._validate_params()

    def _validate_params(self) -> None:
        feats = self.features
        if not callable(feats) and feats not in (*_FEATURES, "polynomial"):
            raise BoundkitError(
                f"unknown features {feats!r}: expected one of {', '.join(_FEATURES)} or a callable"
            )
        if feats in ("poly", "polynomial"):
            _check_int(self.degree, "degree")
        if feats == "rff":
            _check_int(self.n_components, "n_components")
        _check_optional_radius(self.gamma, "gamma")
        dual_exponent(self.p)
        self._radius()
        if not isinstance(self.bias, bool | np.bool_):
            raise BoundkitError(f"bias must be True or False, got {self.bias!r}")

    # -- validated views of the hyper-parameters -------------------------------------------
    @property
    def q(self) -> float:
        """The dual exponent of ``p`` (``inf`` for p = 1, 2 for p = 2, 1 for p = inf)."""
        return dual_exponent(self.p)

    def _radius(self) -> float:
        return _check_radius(self.B)

    def dual_norm(self, z: Any) -> np.ndarray | float:
        r"""The dual norm :math:`\|z\|_q` along axis 0 (float for 1-D ``z``, array otherwise)."""
        arr = np.asarray(z, dtype=float)
        out = lp_norm(arr, self.q, axis=0)
        return float(out) if arr.ndim == 1 else out

    def norm(self, params: Any) -> float:
        r"""The weight norm :math:`\|w\|_p` of ``params = w``."""
        return float(lp_norm(np.asarray(params, dtype=float).ravel(), _norm_exponent(self.p)))

    # -- features -----------------------------------------------------------------------------
    def design_matrix(self, x: Any) -> np.ndarray:
        r"""The feature matrix :math:`\Phi` (n, k), rows :math:`\phi(x_i)` (plus 1 with bias).

        Parameters
        ----------
        x : array_like, shape (n, d) or (n,)
            Points (a 1-D array is n points in dimension 1).

        Returns
        -------
        ndarray, shape (n, k)
            :math:`h(x_i) = (\Phi w)_i` for the member with weights ``w``.
        """
        x = _as_points(x)
        feats = self.features
        if callable(feats):
            phi = call_user_features(feats, x)
        elif feats == "identity":
            phi = x
        elif feats in ("poly", "polynomial"):
            deg = self.degree
            if isinstance(deg, bool) or not isinstance(deg, int | np.integer) or deg < 1:
                raise BoundkitError(f"degree must be an integer >= 1, got {deg!r}")
            phi = polynomial_features(x, int(deg))
        elif feats == "rff":
            phi = rff_features(x, *self._rff(x.shape[1]))
        else:
            raise BoundkitError(
                f"unknown features {feats!r}: expected one of {', '.join(_FEATURES)} or a callable"
            )
        if self.bias:
            phi = np.column_stack([phi, np.ones(x.shape[0])])
        return phi

    def _rff(self, d: int) -> tuple[np.ndarray, np.ndarray]:
        D = self.n_components
        if isinstance(D, bool) or not isinstance(D, int | np.integer) or D < 1:
            raise BoundkitError(f"n_components must be an integer >= 1, got {D!r}")
        gamma = 1.0 / d if self.gamma is None else _check_radius(self.gamma, "gamma")
        cache = getattr(self, "rff_", None)
        if cache is None:
            cache = {}
            self.rff_ = cache
        key = (d, int(D), gamma)
        if key not in cache:
            cache[key] = rff_weights(d, int(D), gamma, self.rng)
        return cache[key]

    # -- the class contract ---------------------------------------------------------------------
    def support_function(self, x: Any, v: Any) -> np.ndarray | float:
        r"""The support function :math:`\sup_{\|w\|_p \le B} \sum_i v_i \langle w,
        \phi(x_i)\rangle = B\,\|\Phi^\top v\|_q`.

        Parameters
        ----------
        x : array_like, shape (n, d) or (n,)
            Points.
        v : array_like, shape (n,) or (n, m)
            Coefficients, one column per direction.

        Returns
        -------
        float or ndarray, shape (m,)
            The support function, per column of ``v``.
        """
        B = self._radius()
        phi = self.design_matrix(x)
        v2, one_d = _as_coefficients(v, phi.shape[0])
        out = B * lp_norm(phi.T @ v2, self.q, axis=0)
        return float(out[0]) if one_d else out

    def evaluate(self, params: Any, x: Any) -> np.ndarray:
        r"""Values :math:`\Phi(x) w` of the member with weights ``params = w`` (k,)."""
        phi = self.design_matrix(x)
        w = np.asarray(params, dtype=float).ravel()
        if w.shape[0] != phi.shape[1]:
            raise BoundkitError(f"weights have length {w.shape[0]}, expected {phi.shape[1]}")
        return phi @ w

    def params_from_weights(self, x: Any, w: Any) -> np.ndarray:
        """Parameters of the member whose values on ``x`` are ``design_matrix(x) @ w``: ``w``."""
        return np.array(w, dtype=float).ravel()

    def random_params(self, x: Any, *, rng: Any = None) -> np.ndarray:
        r"""Weights of a random member: a Gaussian direction scaled to :math:`\|w\|_p = uB`,
        :math:`u \sim U[0, 1]`."""
        gen = np.random.default_rng(rng)
        k = self.design_matrix(x).shape[1]
        w = gen.normal(size=k)
        nrm = float(lp_norm(np.asarray(w), _norm_exponent(self.p)))
        return np.asarray(w / max(nrm, 1e-300) * self._radius() * gen.uniform())

    def cvxpy_constraint(self, w: Any) -> Any:
        """The cvxpy constraint ``cp.norm(w, p) <= B`` for a weight variable ``w``."""
        import cvxpy as cp

        p = _norm_exponent(self.p)
        norm = {1.0: cp.norm1, 2.0: cp.norm2}.get(p, cp.norm_inf)
        return norm(w) <= self._radius()

    def project(self, w: Any) -> np.ndarray:
        """Euclidean projection of weights onto the ball :math:`\\|w\\|_p \\le B`."""
        return project_ball(np.asarray(w, dtype=float), self.p, self._radius())

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
        r"""Maximise the variational objective over the class.

        Parameters
        ----------
        x_p : array_like, shape (n, d)
            Samples (or atoms) of :math:`P`.
        generator : Generator or str
            The f-divergence generator (a name is passed to ``boundkit.generators``).
        q_atoms : array_like, shape (k, d)
            Atoms of :math:`Q`.
        q_weights : array_like, shape (k,)
            Their probabilities.
        p_weights : array_like, shape (n,), optional
            Weights of ``x_p`` (uniform when omitted).
        rng : optional
            Unused (the problem is concave); accepted for the common signature.

        Returns
        -------
        FittedDiscriminator
            ``h``, ``nu``, ``value``, ``params`` (the weights) and diagnostics with a certified
            Frank-Wolfe ``gap``.

        Notes
        -----
        .. math:: \max_{\|w\|_p \le B} \sum_j p_j \langle w, \phi(x^P_j)\rangle
            - \Lambda_f^Q[\langle w, \phi\rangle]
        """
        from boundkit.classes._fit import fit_design

        return fit_design(self, x_p, generator, q_atoms, q_weights, p_weights=p_weights)
