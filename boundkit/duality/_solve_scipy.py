r"""The scipy path of the restricted divergence, for any generator with numeric f, f* and link:
the dual by SLSQP / L-BFGS-B with a certified Frank-Wolfe gap, the primal by SLSQP."""

from __future__ import annotations

from typing import Any

import numpy as np

from boundkit._errors import SolverError
from boundkit.duality._common import fprime_at_inf
from boundkit.duality._support import ClassOnSupport, _clean_eta
from boundkit.generators import shift_functional

__all__: list[str] = []


def _scipy_dual(g, p, q, H: ClassOnSupport, tol, w0=None):
    from scipy.optimize import minimize

    Phi = H.Phi
    m = Phi.shape[1]
    c = Phi.T @ p
    qon = q > 0

    def fun(w):
        hv = Phi @ w
        lam = shift_functional(g, hv, q, h_null=hv[(q == 0) & (p > 0)])
        # the gradient of Lambda in h is the refined model q * dQ_h/dQ
        grad = c - Phi.T @ np.where(qon, q * lam.ratio, 0.0)
        return -(float(c @ w) - lam.value), -grad

    B = H.B
    opts = {"maxiter": 100 if w0 is not None else 2000, "ftol": 1e-15}
    x0 = np.zeros(m) if w0 is None else np.asarray(w0, dtype=float)
    if H.p == np.inf:
        res = minimize(
            fun,
            x0,
            jac=True,
            method="L-BFGS-B",
            bounds=[(-B, B)] * m,
            options={"maxiter": opts["maxiter"] * 2, "ftol": 1e-15, "gtol": 1e-12},
        )
        w = res.x
        method = "L-BFGS-B"
    elif H.p == 2.0:
        cons = {"type": "ineq", "fun": lambda w: B * B - w @ w, "jac": lambda w: -2 * w}
        res = minimize(fun, x0, jac=True, method="SLSQP", constraints=[cons], options=opts)
        w = res.x
        method = "SLSQP"
    else:

        def fun1(z):
            val, grad = fun(z[:m] - z[m:])
            return val, np.concatenate([grad, -grad])

        cons = {"type": "ineq", "fun": lambda z: B - z.sum(), "jac": lambda z: -np.ones(2 * m)}
        z0 = np.concatenate([np.maximum(x0, 0.0), np.maximum(-x0, 0.0)])
        res = minimize(
            fun1,
            z0,
            jac=True,
            method="SLSQP",
            constraints=[cons],
            bounds=[(0, None)] * (2 * m),
            options=opts,
        )
        w = res.x[:m] - res.x[m:]
        method = "SLSQP"
    w = H.project(w)
    _, grad = fun(w)
    grad = -grad
    gap = float(B * np.linalg.norm(grad, ord=H.q) - grad @ w)
    return w, f"scipy:{method}", str(res.message), max(gap, 0.0)


def _scipy_primal(g, p, q, H: ClassOnSupport, tol):
    r"""SLSQP on :math:`\eta = (q \odot u, t)` (``t`` the mass off the support of Q, allowed
    when :math:`f'(\infty) < \infty`) with an epigraph variable for the IPM term (linear
    constraints for finite classes and :math:`q \in \{1, \infty\}`; the Euclidean norm is
    kept in the objective, smooth away from :math:`\Phi^\top(p - \eta) = 0`)."""
    from scipy.optimize import minimize

    k = p.shape[0]
    on = q > 0
    fpi = fprime_at_inf(g)
    off = ~on if np.isfinite(fpi) else np.zeros(k, dtype=bool)
    idx_on, idx_off = np.flatnonzero(on), np.flatnonzero(off)
    n_on, n_off = idx_on.size, idx_off.size
    n_eta = n_on + n_off
    A = H.values.T if H.kind == "finite" else H.Phi  # z = A^T (p - eta)
    n_z = A.shape[1]
    euclid = H.kind == "ball" and H.q == 2.0
    n_s = 0 if euclid else (n_z if (H.kind == "ball" and H.q == 1.0) else 1)
    scale = 1.0 if H.kind == "finite" else H.B
    n_x = n_eta + n_s
    # d z / d x
    J = np.zeros((n_z, n_x))
    J[:, :n_on] = -(A[idx_on].T * q[idx_on])
    J[:, n_on:n_eta] = -A[idx_off].T

    def eta_of(x):
        eta = np.zeros(k)
        eta[idx_on] = q[idx_on] * x[:n_on]
        eta[idx_off] = x[n_on:n_eta]
        return eta

    def z_of(x):
        return A.T @ (p - eta_of(x))

    def fun(x):
        u = x[:n_on]
        val = float(q[idx_on] @ np.asarray(g.f_numeric(u), dtype=float))
        grad = np.zeros(n_x)
        grad[:n_on] = q[idx_on] * np.asarray(g.fprime(np.maximum(u, 0.0)), dtype=float)
        if n_off:
            val += fpi * float(np.sum(x[n_on:n_eta]))
            grad[n_on:n_eta] = fpi
        if euclid:
            z = z_of(x)
            nz = float(np.linalg.norm(z))
            val += scale * nz
            if nz > 0:
                grad += scale * (z / nz) @ J
        else:
            val += scale * float(np.sum(x[n_eta:]))
            grad[n_eta:] = scale
        return val, grad

    eq_jac = np.concatenate([q[idx_on], np.ones(n_off), np.zeros(n_s)])[None, :]
    cons = [
        {"type": "eq", "fun": lambda x: np.array([eta_of(x).sum() - 1.0]), "jac": lambda x: eq_jac}
    ]
    if not euclid:
        E = np.zeros((n_z, n_x))
        if n_s == 1:
            E[:, -1] = 1.0
        else:
            E[:, n_eta:] = np.eye(n_z)
        if H.kind == "finite":  # s >= z_j
            cons.append({"type": "ineq", "fun": lambda x: E @ x - z_of(x), "jac": lambda x: E - J})
        else:  # s >= |z_j| (one s for q = inf, one per coordinate for q = 1)
            cons.append(
                {
                    "type": "ineq",
                    "fun": lambda x: np.concatenate([E @ x - z_of(x), E @ x + z_of(x)]),
                    "jac": lambda x: np.vstack([E - J, E + J]),
                }
            )
    x = np.concatenate([np.ones(n_on), np.zeros(n_off), np.zeros(n_s)])
    if not euclid:
        z0 = z_of(x)
        if H.kind == "finite":
            x[-1] = float(np.max(z0))
        elif n_s == 1:
            x[-1] = float(np.max(np.abs(z0)))
        else:
            x[n_eta:] = np.abs(z0)
    bounds = (
        [(1e-12, None)] * n_on
        + [(0.0, None)] * n_off
        + [(None if H.kind == "finite" else 0.0, None)] * n_s
    )
    # status 8 ("positive directional derivative in line search") is SLSQP stalling at its
    # precision limit; restarting from the point usually finishes. The final point is feasible
    # and its value exact, so a last stall is kept with its status; other failures raise.
    res: Any = None
    for _ in range(4):
        res = minimize(
            fun,
            x,
            jac=True,
            method="SLSQP",
            bounds=bounds,
            constraints=cons,
            options={"maxiter": 3000, "ftol": 1e-15},
        )
        if res.status not in (0, 8):
            raise SolverError(
                f"scipy SLSQP failed on the primal: {res.message} (status {res.status})"
            )
        moved = float(np.max(np.abs(res.x - x)))
        x = res.x
        if res.success or moved == 0.0:
            break
    status = "optimal" if res.success else f"stalled: {res.message}"
    return _clean_eta(eta_of(x), q, g), "scipy:SLSQP", status
