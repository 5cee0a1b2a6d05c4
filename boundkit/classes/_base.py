r"""Shared machinery of the discriminator classes: parameters, validation, results."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from boundkit._errors import BoundkitError
from boundkit._validation import check_norm_exponent as _norm_exponent
from boundkit._validation import check_points, check_positive

__all__ = [
    "DiscriminatorClass",
    "FittedDiscriminator",
    "dual_exponent",
    "lp_norm",
    "project_ball",
]


def _as_points(x: Any, name: str = "x") -> np.ndarray:
    """Sample points of a class: :func:`boundkit._validation.check_points`, non-empty."""
    return check_points(x, name=name, nonempty=True)


def _check_radius(B: Any, name: str = "B") -> float:
    """A radius: :func:`boundkit._validation.check_positive` (a finite number > 0)."""
    return check_positive(name, B)


def dual_exponent(p: Any) -> float:
    r"""The dual exponent :math:`q` of a norm exponent :math:`p \in \{1, 2, \infty\}`.

    Parameters
    ----------
    p : {1, 2, inf} or str
        The norm exponent (``"inf"`` accepted).

    Returns
    -------
    float
        :math:`q` with :math:`1/p + 1/q = 1`.

    Notes
    -----
    .. math:: \sup_{\|w\|_p \le B} \langle w, z\rangle = B \|z\|_q, \qquad 1/p + 1/q = 1.

    Examples
    --------
    >>> dual_exponent(1), dual_exponent(2), dual_exponent("inf")
    (inf, 2.0, 1.0)
    """
    p = _norm_exponent(p)
    return {1.0: float("inf"), 2.0: 2.0, float("inf"): 1.0}[p]


def lp_norm(z: np.ndarray, p: float, axis: int = 0) -> np.ndarray:
    r"""The :math:`\ell_p` norm along ``axis`` for :math:`p \in \{1, 2, \infty\}` (fast paths).

    .. math:: \|z\|_p = \Big(\sum_i |z_i|^p\Big)^{1/p}, \quad \|z\|_\infty = \max_i |z_i|.
    """
    if p == 2.0:
        if axis == 0:
            return np.sqrt(np.einsum("i...,i...->...", z, z))
        return np.linalg.norm(z, axis=axis)
    if p == 1.0:
        return np.abs(z).sum(axis=axis)
    return np.abs(z).max(axis=axis)


def project_ball(w: np.ndarray, p: Any, B: float) -> np.ndarray:
    r"""Euclidean projection of a vector onto the ball :math:`\{\|w\|_p \le B\}`.

    Parameters
    ----------
    w : ndarray, shape (k,)
        The point to project.
    p : {1, 2, inf}
        The norm of the ball.
    B : float
        Its radius.

    Returns
    -------
    ndarray, shape (k,)
        :math:`\arg\min_{\|u\|_p \le B} \|u - w\|_2`.

    Notes
    -----
    :math:`p = 2`: rescaling; :math:`p = \infty`: clipping; :math:`p = 1`: soft-thresholding
    at the level found by sorting (Duchi et al., 2008).

    .. math:: \Pi_{\ell_1}(w)_i = \operatorname{sign}(w_i)\max(|w_i| - \theta, 0).

    Examples
    --------
    >>> project_ball(np.array([3.0, 4.0]), 2, 1.0)
    array([0.6, 0.8])
    >>> project_ball(np.array([0.8, -0.6]), 1, 1.0)
    array([ 0.6, -0.4])
    """
    p = _norm_exponent(p)
    w = np.asarray(w, dtype=float)
    if p == 2.0:
        nrm = float(np.linalg.norm(w))
        return w if nrm <= B else w * (B / nrm)
    if p == float("inf"):
        return np.clip(w, -B, B)
    a = np.abs(w)
    if a.sum() <= B:
        return w
    u = np.sort(a)[::-1]
    css = np.cumsum(u) - B
    idx = np.arange(1, u.size + 1)
    rho = np.nonzero(u - css / idx > 0)[0][-1]
    theta = css[rho] / (rho + 1.0)
    return np.sign(w) * np.maximum(a - theta, 0.0)


def _as_coefficients(v: Any, n: int) -> tuple[np.ndarray, bool]:
    """Validate coefficients ``v`` of shape (n,) or (n, m); return (2-D array, was_1d)."""
    try:
        arr = np.asarray(v, dtype=float)
    except (TypeError, ValueError):
        raise BoundkitError("v must be a numeric array of shape (n,) or (n, m)") from None
    one_d = arr.ndim == 1
    if one_d:
        arr = arr[:, None]
    if arr.ndim != 2 or arr.shape[0] != n:
        raise BoundkitError(f"v must have shape ({n},) or ({n}, m), got {np.shape(v)}")
    if not np.all(np.isfinite(arr)):
        raise BoundkitError("v contains NaN or infinite values")
    return arr, one_d


def _check_optional_radius(value: Any, name: str) -> None:
    """``None`` or a finite number > 0."""
    if value is not None:
        _check_radius(value, name)


@dataclass(frozen=True)
class FittedDiscriminator:
    r"""A discriminator fitted to the variational objective over a class.

    Parameters
    ----------
    h : callable
        ``h(x) -> ndarray (m,)`` for points ``x`` of shape (m, d) (or (m,) in 1-D).
    nu : float
        The optimal shift :math:`\nu_h` of :math:`\Lambda_f^Q[h]`.
    value : float
        The objective :math:`\sum_j p_j h(x_j) - \Lambda_f^Q[h]` at the returned ``h``.
    params : Any
        The class parameters of ``h`` (accepted by ``cls.evaluate(params, x)``).
    diagnostics : mapping
        At least ``converged`` (bool), ``iterations`` (int) and ``status`` (str); convex fits
        add ``gap``, a certified bound on the suboptimality of ``value``.

    Notes
    -----
    .. math:: \text{value} = \sum_j p_j h(x^P_j) - \Big(\nu + \sum_i q_i f^*(h(x^Q_i) - \nu)\Big).
    """

    h: Callable[[Any], np.ndarray]
    nu: float
    value: float
    params: Any
    diagnostics: Mapping[str, Any] = field(default_factory=dict)


class DiscriminatorClass:
    r"""Base class of boundkit's discriminator classes (scikit-learn constructor contract).

    Every constructor argument is a keyword hyper-parameter stored unchanged under its own name
    and validated at construction and by ``set_params`` (``_validate_params``, one line per
    error, scipy.stats style); attributes computed from data end in ``_``.
    Subclasses provide

    - ``support_function(x, v)``: :math:`\sup_{h \in \mathcal H} \sum_i v_i h(x_i)`, vectorised
      over the columns of ``v`` of shape (n, m);
    - ``evaluate(params, x)``: the values of the member with parameters ``params``;
    - ``random_params(x, *, rng)``: parameters of a random member of the class;
    - ``fit(x_p, generator, q_atoms, q_weights, *, p_weights=None, rng=None)``.

    Notes
    -----
    The empirical Rademacher complexity of the class on ``x`` is
    :math:`\mathfrak R_S = \frac1n \mathbb E_\sigma\, \mathrm{support\_function}(x, \sigma)`.
    """

    def get_params(self) -> dict[str, Any]:
        """The constructor hyper-parameters, by name, exactly as they were passed."""
        sig = inspect.signature(type(self).__init__)
        return {
            name: getattr(self, name)
            for name, prm in sig.parameters.items()
            if name != "self" and prm.kind not in (prm.VAR_POSITIONAL, prm.VAR_KEYWORD)
        }

    def set_params(self, **params: Any) -> DiscriminatorClass:
        """Set hyper-parameters by name (unknown names raise) and forget fitted attributes."""
        valid = self.get_params()
        for key, value in params.items():
            if key not in valid:
                raise BoundkitError(
                    f"{type(self).__name__} has no parameter {key!r}: expected one of "
                    f"{', '.join(valid)}"
                )
            setattr(self, key, value)
        self._validate_params()
        for key in [k for k in vars(self) if k.endswith("_") and not k.startswith("_")]:
            delattr(self, key)
        return self

    def _validate_params(self) -> None:
        """Raise :class:`BoundkitError` (one line) on an invalid hyper-parameter."""

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({args})"

    def values_matrix(self, params_list: list[Any], x: Any) -> np.ndarray:
        """Values of several members: array (len(params_list), n) of ``evaluate(params, x)``."""
        return np.stack([self.evaluate(pr, x) for pr in params_list])  # type: ignore[attr-defined]
