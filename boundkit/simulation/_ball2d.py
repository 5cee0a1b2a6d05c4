r"""Vectorised maximisation of a concave objective over a 2-D Euclidean ball.

Every replicate of a two-parameter toy solves

.. math::

    \max_{\|\theta\|_2 \le B} \; m^\top \theta - \Lambda(\theta),

with :math:`\Lambda` convex and smooth. The solver handles all replicates at once: a damped
Newton method kept inside the ball finds interior optima; replicates whose optimum lies on the
sphere are solved in the angle :math:`\varphi` (grid search, then Newton in :math:`\varphi`).
Optimality is certified by the KKT conditions, which are sufficient for a concave problem:
interior, :math:`\nabla J(\theta) = 0`; boundary, :math:`\nabla J(\theta) = \lambda \theta`
with :math:`\lambda \ge 0`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from boundkit._errors import SolverError

__all__ = ["BallSolution", "maximise_on_ball"]

# lam(theta (..., 2)) -> (value (...), grad (..., 2), hess (..., 2, 2))
LamFn = Callable[[np.ndarray], tuple[np.ndarray, np.ndarray, np.ndarray]]


@dataclass(frozen=True)
class BallSolution:
    """Solutions of the batched ball-constrained problem (internal)."""

    theta: np.ndarray  # (R, 2)
    value: np.ndarray  # (R,) objective m.theta - Lambda(theta)
    on_boundary: np.ndarray  # (R,) bool
    multiplier: np.ndarray  # (R,) KKT multiplier lambda (0 inside)
    kkt_residual: np.ndarray  # (R,) norm of the KKT residual


def _solve2(h: np.ndarray, g: np.ndarray) -> np.ndarray:
    """Solve h x = g for a batch of 2x2 systems (explicit inverse)."""
    a, b, c, d = h[..., 0, 0], h[..., 0, 1], h[..., 1, 0], h[..., 1, 1]
    det = a * d - b * c
    det = np.where(np.abs(det) > 1e-300, det, 1e-300)
    x0 = (d * g[..., 0] - b * g[..., 1]) / det
    x1 = (-c * g[..., 0] + a * g[..., 1]) / det
    return np.stack([x0, x1], axis=-1)


def _objective(m: np.ndarray, lam: LamFn, theta: np.ndarray):
    val, grad, hess = lam(theta)
    return (m * theta).sum(-1) - val, m - grad, hess


def maximise_on_ball(
    m: np.ndarray,
    lam: LamFn,
    B: float,
    *,
    interior: np.ndarray | None = None,
    n_angles: int = 96,
    tol: float = 1e-9,
) -> BallSolution:
    r"""Maximise :math:`m^\top\theta - \Lambda(\theta)` over :math:`\|\theta\|_2 \le B`, batched.

    Parameters
    ----------
    m : ndarray, shape (R, 2)
        Linear terms (e.g. empirical feature means), one row per replicate.
    lam : callable
        ``lam(theta)`` for ``theta`` of shape ``(..., 2)`` returns the value, gradient and
        Hessian of the convex function :math:`\Lambda`.
    B : float
        Radius of the ball.
    interior : ndarray, shape (R, 2), optional
        The unconstrained maximiser when known in closed form (non-finite rows: none exists).
    n_angles : int
        Grid size for the boundary search.
    tol : float
        Relative tolerance of the KKT check.

    Returns
    -------
    BallSolution
    """
    m = np.asarray(m, dtype=float)
    R = m.shape[0]
    scale = 1.0 + np.linalg.norm(m, axis=-1)
    if interior is None:
        theta = np.zeros((R, 2))
        for _ in range(60):
            val, grad, hess = _objective(m, lam, theta)
            # Newton ascent direction: (Hess Lambda)^{-1} grad J
            d = _solve2(hess, grad)
            bad = ~np.isfinite(d).all(-1) | ((d * grad).sum(-1) <= 0)
            d[bad] = grad[bad]
            # largest step keeping the iterate in the ball
            dd = (d * d).sum(-1)
            td = (theta * d).sum(-1)
            tt = (theta * theta).sum(-1)
            disc = np.maximum(td**2 - dd * (tt - B**2), 0.0)
            tmax = np.where(dd > 0, (-td + np.sqrt(disc)) / np.where(dd > 0, dd, 1.0), 0.0)
            t = np.minimum(1.0, tmax)
            for _ in range(30):
                new = theta + t[:, None] * d
                nval = _objective(m, lam, new)[0]
                ok = nval >= val - 1e-15 * np.abs(val)
                if ok.all():
                    break
                t = np.where(ok, t, t / 2)
            theta = theta + t[:, None] * d
            if (np.linalg.norm(grad, axis=-1) < tol * scale).all():
                break
        inside_theta = theta
    else:
        inside_theta = np.asarray(interior, dtype=float)
    finite = np.asarray(np.isfinite(inside_theta).all(-1))
    safe = np.where(finite[:, None], inside_theta, 0.0)
    norm_in = np.linalg.norm(safe, axis=-1)
    _, grad_in, _ = _objective(m, lam, np.where((norm_in <= B)[:, None], safe, 0.0))
    res_in = np.linalg.norm(grad_in, axis=-1)
    is_inside = finite & (norm_in < B * (1 - 1e-12)) & (res_in <= tol * scale * 100)

    theta_out = np.where(is_inside[:, None], safe, 0.0)
    value = np.empty(R)
    mult = np.zeros(R)
    kkt = np.where(is_inside, res_in, np.inf)
    need = ~is_inside
    if need.any():
        mb = m[need]
        phis = np.linspace(-np.pi, np.pi, n_angles, endpoint=False)
        u = np.stack([np.cos(phis), np.sin(phis)], axis=-1)  # (K, 2)
        grid = B * u[None, :, :]  # (1, K, 2)
        grid = np.broadcast_to(grid, (mb.shape[0], n_angles, 2))
        gval = _objective(mb[:, None, :], lam, grid)[0]
        phi = phis[np.argmax(gval, axis=1)]
        step_cap = 2 * np.pi / n_angles
        for _ in range(50):
            c, s = np.cos(phi), np.sin(phi)
            th = B * np.stack([c, s], -1)
            dth = B * np.stack([-s, c], -1)
            _, grad, hess = _objective(mb, lam, th)
            g1 = (grad * dth).sum(-1)
            # d2/dphi2 J(theta(phi)) = dth' H_J dth + grad . theta''  with theta'' = -theta
            g2 = -np.einsum("ri,rij,rj->r", dth, hess, dth) - (grad * th).sum(-1)
            stepn = np.where(g2 < 0, -g1 / np.where(g2 < 0, g2, -1.0), np.sign(g1) * step_cap)
            step = np.clip(stepn, -step_cap, step_cap)
            phi = phi + step
            if (np.abs(g1) < 1e-13 * B * (1 + np.linalg.norm(grad, axis=-1))).all():
                break
        th = B * np.stack([np.cos(phi), np.sin(phi)], -1)
        val, grad, _ = _objective(mb, lam, th)
        lam_mult = (grad * th).sum(-1) / B**2
        resid = np.linalg.norm(grad - lam_mult[:, None] * th, axis=-1)
        theta_out[need] = th
        mult[need] = lam_mult
        kkt[need] = resid
        bad = (lam_mult < -tol * scale[need]) | (resid > tol * 1e3 * scale[need])
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise SolverError(
                "ball-constrained Newton solver: KKT check failed "
                f"(multiplier {lam_mult[i]:.3g}, residual {resid[i]:.3g}) for m={mb[i].tolist()}"
            )
    value = _objective(m, lam, theta_out)[0]
    return BallSolution(
        theta=theta_out,
        value=value,
        on_boundary=~is_inside,
        multiplier=mult,
        kkt_residual=kkt,
    )
