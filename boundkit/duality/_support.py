r"""A discriminator class restricted to a finite support, and the clean-up of a primal
measure: the pieces both solver paths of the restricted divergence share."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from boundkit._errors import BoundkitError, SolverError
from boundkit._validation import check_positive
from boundkit.duality._common import fprime_at_inf

__all__ = ["ClassOnSupport", "class_on_support"]


@dataclass(frozen=True)
class ClassOnSupport:
    r"""A discriminator class restricted to a finite support.

    Either a norm ball in design coordinates, :math:`\{\Phi w : \|w\|_p \le B\}` (linear and
    RKHS classes), or a finite set of functions given by their values (``values``, one row per
    function; not convex in general).

    Attributes
    ----------
    kind : str
        ``"ball"`` or ``"finite"``.
    Phi : ndarray, shape (k, m) or None
        The design matrix on the support.
    p : float
        Norm of the ball (1, 2 or inf).
    B : float
        Radius of the ball.
    values : ndarray, shape (n_functions, k) or None
        The functions of a finite class.

    Notes
    -----
    .. math:: \sup_{h\in\mathcal H} \langle h, v\rangle = B\|\Phi^\top v\|_{q}
              \ \text{(ball)}, \qquad \max_j \langle h_j, v\rangle \ \text{(finite)}.
    """

    kind: str
    Phi: Any = None
    p: float = 2.0
    B: float = 1.0
    values: Any = None

    @property
    def q(self) -> float:
        """The dual exponent of :attr:`p`."""
        return {1.0: np.inf, 2.0: 2.0, np.inf: 1.0}[self.p]

    @property
    def convex(self) -> bool:
        """Whether the class is convex (balls are; finite classes are treated as not)."""
        return self.kind == "ball"

    def support(self, v: Any) -> float:
        r""":math:`\sup_{h \in \mathcal H} \sum_i v_i h(x_i)` (the IPM when ``v = p - eta``)."""
        v = np.asarray(v, dtype=float)
        if self.kind == "finite":
            return float(np.max(self.values @ v))
        z = self.Phi.T @ v
        return float(self.B * np.linalg.norm(z, ord=self.q))

    def project(self, w: np.ndarray) -> np.ndarray:
        """Project design weights onto the ball (removes solver round-off only)."""
        from boundkit.classes import project_ball

        return project_ball(np.asarray(w, dtype=float), self.p, self.B)


def _check_B(B: Any) -> float:
    return check_positive("B", B)


def class_on_support(cls: Any, atoms: np.ndarray) -> ClassOnSupport:
    r"""Restrict a discriminator class to the finite support ``atoms``.

    Parameters
    ----------
    cls : LinearClass, RKHSBall, FiniteClass or array_like
        A class with ``design_matrix`` (and ``p``, ``B``), an object with ``values`` (a
        finite class on this support), or an array ``(n_functions, k)`` of function values.
    atoms : ndarray, shape (k, d)

    Returns
    -------
    ClassOnSupport

    Notes
    -----
    For an RKHS ball the design matrix is :math:`K^{1/2}` on the support, so the class is
    :math:`\{K^{1/2} w : \|w\|_2 \le B\}`.
    """
    k = atoms.shape[0]
    if hasattr(cls, "design_matrix"):
        from boundkit._validation import check_norm_exponent

        B = _check_B(getattr(cls, "B", None))
        p = check_norm_exponent(getattr(cls, "p", 2.0))
        Phi = np.asarray(cls.design_matrix(atoms), dtype=float)
        if Phi.ndim != 2 or Phi.shape[0] != k or not np.all(np.isfinite(Phi)):
            raise BoundkitError(f"the design matrix must be finite with {k} rows")
        return ClassOnSupport("ball", Phi=Phi, p=p, B=B)
    vals = getattr(cls, "values", cls)
    if callable(vals) or vals is None:
        raise BoundkitError(
            "the class must provide design_matrix(x) (linear, RKHS) or finite values "
            "(n_functions, k)"
        )
    arr = np.asarray(vals, dtype=float)
    if arr.ndim == 1:
        arr = arr[None, :]
    if arr.ndim != 2 or arr.shape[1] != k:
        raise BoundkitError(
            f"a finite class needs values of shape (n_functions, {k}), got {arr.shape}"
        )
    if not np.all(np.isfinite(arr)):
        raise BoundkitError("the finite class has NaN or infinite values")
    return ClassOnSupport("finite", values=arr)


def _clean_eta(eta: np.ndarray, q: np.ndarray, g: Any) -> np.ndarray:
    eta = np.maximum(eta, 0.0)
    if not np.isfinite(fprime_at_inf(g)):
        eta = np.where(q > 0, eta, 0.0)
    s = eta.sum()
    if not s > 0:
        raise SolverError("the primal solver returned a zero measure")
    return eta / s
