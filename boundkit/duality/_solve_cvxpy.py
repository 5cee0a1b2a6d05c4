r"""The cvxpy (Clarabel) path of the restricted divergence: the dual in :math:`(w, \nu)` and
the primal inf-convolution, for the generators with a cvxpy form
(:func:`boundkit.generators.cvxpy_form`)."""

from __future__ import annotations

from typing import Any

import numpy as np

from boundkit._errors import SolverError
from boundkit.duality._common import KnownForm, fprime_at_inf
from boundkit.duality._support import ClassOnSupport, _clean_eta

__all__: list[str] = []


_CVX_TOL = 1e-10


def _cvx_solve(prob: Any, solver: str | None, tol: float) -> tuple[str, str, float]:
    """Solve; on an inaccurate result or a numerical failure retry with a 100x, then
    10^4 x looser tolerance.

    Returns ``(solver label, status, tolerance used)``; raises SolverError otherwise.
    """
    import warnings

    import cvxpy as cp

    name = (solver or "CLARABEL").upper()
    status = "not solved"
    for attempt_tol in (tol, 100.0 * tol, 1e4 * tol):
        kwargs: dict[str, Any] = {}
        if name == "CLARABEL":
            kwargs = dict(
                tol_gap_abs=attempt_tol, tol_gap_rel=attempt_tol, tol_feas=attempt_tol, max_iter=500
            )
        elif name == "SCS":
            kwargs = dict(eps_abs=attempt_tol, eps_rel=attempt_tol, max_iters=200_000)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                prob.solve(solver=name, **kwargs)
        except cp.error.SolverError as exc:
            # a numerical breakdown at a tight tolerance often passes at a looser one
            status = f"failed: {exc}"
            continue
        status = str(prob.status)
        if status == cp.OPTIMAL:
            return f"cvxpy:{name}", status, attempt_tol
    raise SolverError(f"cvxpy solver {name} returned status {status!r}")


def _reduced_design(H: ClassOnSupport) -> tuple[Any, Any]:
    r"""For p = 2, a full-column-rank design :math:`U_r S_r` with the same ball image, and the
    map :math:`V_r` back to the original weights (``None`` when no reduction applies)."""
    Phi = H.Phi
    if H.p != 2.0 or min(Phi.shape) == 0:
        return Phi, None
    U, S, Vt = np.linalg.svd(Phi, full_matrices=False)
    keep = S > 1e-10 * max(float(S[0]) if S.size else 0.0, np.finfo(float).tiny)
    if np.all(keep) and Phi.shape[1] <= Phi.shape[0]:
        return Phi, None
    return U[:, keep] * S[keep], Vt[keep].T


def _cvx_dual(g, form: KnownForm, p, q, H: ClassOnSupport, solver, tol):
    import cvxpy as cp

    on = q > 0
    Phi, back = _reduced_design(H)
    m = Phi.shape[1]
    w = cp.Variable(m)
    h = Phi @ w
    cons = [H_norm(w, H.p) <= H.B]
    if form.key == "kl":
        obj = p @ h - cp.log_sum_exp(Phi[on] @ w + np.log(q[on]))
    else:
        nu = cp.Variable()
        t = (Phi[on] @ w) - nu
        obj = p @ h - nu - q[on] @ form.fstar_cvx(t)
        if np.isfinite(form.dom_upper) and form.dom_closed:
            cons.append(t <= form.dom_upper)
        null = (~on) & (p > 0)
        if np.isfinite(form.dom_upper) and np.any(null):
            # atoms P charges and Q does not: h - nu stays in the closure of dom f*
            cons.append(Phi[null] @ w - nu <= form.dom_upper)
    prob = cp.Problem(cp.Maximize(obj), cons)
    name, status, used = _cvx_solve(prob, solver, tol)
    wv = np.asarray(w.value, dtype=float)
    if back is not None:
        wv = back @ wv
    return H.project(wv), name, status, used


def H_norm(w: Any, p: float) -> Any:
    """The cvxpy norm ``||w||_p`` for p in {1, 2, inf}."""
    import cvxpy as cp

    return {1.0: cp.norm1, 2.0: cp.norm2}.get(p, cp.norm_inf)(w)


def _cvx_primal(g, form: KnownForm, p, q, H: ClassOnSupport, solver, tol):
    import cvxpy as cp

    k = p.shape[0]
    on = q > 0
    if form.key == "pearson":
        # chi^2 in the whitened variable r = (eta - q) / sqrt(q): the perspective
        # (eta - q)^2 / q has coefficients 1 / q (up to 1e30 on grid tails) and makes
        # Clarabel fail or stop far from the optimum; ||r||^2 is perfectly conditioned.
        # Pearson has f'(inf) = inf, so eta = 0 where q = 0.
        sq = np.sqrt(q[on])
        r = cp.Variable(int(np.count_nonzero(on)))
        embed = np.zeros((k, sq.size))
        embed[np.flatnonzero(on), np.arange(sq.size)] = 1.0
        eta = embed @ (q[on] + cp.multiply(sq, r))
        cons = [r >= -sq, sq @ r == 1.0 - float(np.sum(q[on]))]
        div = cp.sum_squares(r)
    else:
        eta = cp.Variable(k, nonneg=True)
        cons = [cp.sum(eta) == 1]
        div = cp.sum(form.persp_cvx(eta[on], q[on])) if np.any(on) else 0
    if form.key != "pearson" and not np.all(on):
        fpi = fprime_at_inf(g)
        if np.isfinite(fpi):
            div = div + fpi * cp.sum(eta[~on])
        else:
            cons.append(eta[~on] == 0)
    v = p - eta
    if H.kind == "finite":
        ipm = cp.max(H.values @ v)
    else:
        Phi, _ = _reduced_design(H)
        ipm = H.B * {1.0: cp.norm1, 2.0: cp.norm2}.get(H.q, cp.norm_inf)(Phi.T @ v)
    prob = cp.Problem(cp.Minimize(div + ipm), cons)
    name, status, used = _cvx_solve(prob, solver, tol)
    return _clean_eta(np.asarray(eta.value, dtype=float), q, g), name, status, used
