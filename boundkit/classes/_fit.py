r"""Fitting the variational objective :math:`\sum_j p_j h(x_j) - \Lambda_f^Q[h]` over a class."""

from __future__ import annotations

from typing import Any

import numpy as np

from boundkit._errors import BoundkitError
from boundkit.classes._base import FittedDiscriminator, _as_points, lp_norm

__all__: list[str] = []


def _weights(w: Any, n: int, name: str) -> np.ndarray:
    """Validate probability weights of length n (sum 1 within 1e-6, renormalised)."""
    if w is None:
        return np.full(n, 1.0 / n)
    try:
        arr = np.asarray(w, dtype=float).ravel()
    except (TypeError, ValueError):
        raise BoundkitError(f"{name} must be a numeric array of length {n}") from None
    if arr.shape[0] != n:
        raise BoundkitError(f"{name} has length {arr.shape[0]}, expected {n}")
    if not np.all(np.isfinite(arr)) or np.any(arr < 0):
        raise BoundkitError(f"{name} must be finite and non-negative")
    total = float(arr.sum())
    if abs(total - 1.0) > 1e-6:
        raise BoundkitError(f"{name} must sum to 1, got {total:.6g}")
    return arr / total


def _generator(generator: Any) -> Any:
    if isinstance(generator, str):
        from boundkit.generators import get_generator

        return get_generator(generator)
    return generator


def _lambda(g: Any, h: np.ndarray, q: np.ndarray) -> tuple[float, float]:
    """:math:`(\\Lambda_f^Q[h], \\nu_h)` via ``boundkit.generators.shift_functional``."""
    from boundkit.generators import shift_functional

    lam = shift_functional(g, h, q)
    return float(lam.value), float(lam.nu)


def prepare_fit(
    cls: Any, x_p: Any, q_atoms: Any, q_weights: Any, p_weights: Any
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray | None]:
    """Validate the data of a fit; return (x_p, q_atoms, p weights, q weights, support Z)."""
    x_p = _as_points(x_p, "x_p")
    q_atoms = _as_points(q_atoms, "q_atoms")
    if x_p.shape[1] != q_atoms.shape[1]:
        raise BoundkitError(
            f"x_p has dimension {x_p.shape[1]} but q_atoms has dimension {q_atoms.shape[1]}"
        )
    pw = _weights(p_weights, x_p.shape[0], "p_weights")
    qw = _weights(q_weights, q_atoms.shape[0], "q_weights")
    return x_p, q_atoms, pw, qw, None


def fit_design(
    cls: Any,
    x_p: Any,
    generator: Any,
    q_atoms: Any,
    q_weights: Any,
    *,
    p_weights: Any = None,
    max_iter: int = 5000,
    tol: float = 1e-8,
) -> FittedDiscriminator:
    r"""Projected gradient ascent in design coordinates for linear and RKHS classes.

    The objective :math:`J(w) = \langle c, w\rangle - \Lambda_f^Q[\Phi_Q w]` with
    :math:`c = \Phi_P^\top p` is concave; its gradient is
    :math:`c - \Phi_Q^\top (q \odot (f^*)'(\Phi_Q w - \nu_w))`. Steps are projected on the
    norm ball with backtracking; the Frank-Wolfe gap
    :math:`B\|\nabla J\|_q - \langle \nabla J, w\rangle \ge J^\star - J(w)` certifies the
    result and is reported as ``diagnostics["gap"]``.
    """
    from boundkit.classes._rkhs import RKHSBall

    x_p, q_atoms, pw, qw, _ = prepare_fit(cls, x_p, q_atoms, q_weights, p_weights)
    g = _generator(generator)
    B = cls._radius()
    if isinstance(cls, RKHSBall):
        Z = np.vstack([x_p, q_atoms])
        Phi = cls.design_matrix(Z)
        Phi_p, Phi_q = Phi[: x_p.shape[0]], Phi[x_p.shape[0] :]
    else:
        Z = None
        Phi_p, Phi_q = cls.design_matrix(x_p), cls.design_matrix(q_atoms)
    c = Phi_p.T @ pw
    q_exp = cls.q

    def objective(w: np.ndarray) -> tuple[float, float]:
        lam, nu = _lambda(g, Phi_q @ w, qw)
        return float(c @ w) - lam, nu

    def gradient(w: np.ndarray, nu: float) -> np.ndarray:
        link = np.asarray(g.link(Phi_q @ w - nu), dtype=float)
        link = np.where(qw > 0, link, 0.0)
        return c - Phi_q.T @ (qw * link)

    w = np.zeros(Phi_p.shape[1])
    val, nu = objective(w)
    if not np.isfinite(val):
        raise BoundkitError("the objective is not finite at h = 0: check the generator")
    step = 1.0
    status = "max_iter"
    converged = False
    gap = np.inf
    it = 0
    for it in range(1, max_iter + 1):  # noqa: B007 - reported in diagnostics
        grad = gradient(w, nu)
        gap = float(B * lp_norm(grad, q_exp) - grad @ w)
        if gap <= tol * max(1.0, abs(val)):
            converged, status = True, "gap below tolerance"
            break
        while True:
            w_new = cls.project(w + step * grad)
            val_new, nu_new = objective(w_new)
            diff = w_new - w
            if np.isfinite(val_new) and val_new >= val + grad @ diff - (diff @ diff) / (2 * step):
                break
            step *= 0.5
            if step < 1e-14:
                break
        if step < 1e-14:
            status = "step size underflow"
            break
        if np.allclose(w_new, w, rtol=0.0, atol=1e-15):
            w, val, nu = w_new, val_new, nu_new
            converged, status = True, "stationary"
            break
        w, val, nu = w_new, val_new, nu_new
        step *= 1.5
    params = cls.params_from_weights(Z, w) if Z is not None else cls.params_from_weights(x_p, w)

    def h(x: Any, _params: Any = params) -> np.ndarray:
        return cls.evaluate(_params, x)

    diagnostics = {
        "converged": bool(converged),
        "iterations": int(it),
        "status": status,
        "gap": float(gap),
        "weights": w,
    }
    return FittedDiscriminator(
        h=h, nu=float(nu), value=float(val), params=params, diagnostics=diagnostics
    )
