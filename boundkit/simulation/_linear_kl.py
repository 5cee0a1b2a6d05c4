r"""Batched KL refinement with a linear class on a finite support (or a quadrature grid).

On atoms :math:`x_1..x_K` with base weights :math:`q_k` and features :math:`\Phi` (K, d), the
class is :math:`\mathcal H = \{\Phi w : \|w\|_2 \le B\}` and every replicate :math:`r` solves

.. math::

    \max_{\|w\|_2 \le B}\; m_r^\top w - \log\sum_k q_k e^{(\Phi w)_k},

with :math:`m_r` the empirical feature mean of its sample. All replicates are solved at once:
Newton for the unconstrained problem; where its maximiser leaves the ball (or does not exist)
the KKT system :math:`m - \Phi^\top q_w = \lambda w`, :math:`\|w\| = B`, :math:`\lambda > 0` is
solved by a safeguarded Newton iteration on the secular equation
:math:`1/\|w(\lambda)\| = 1/B`, where :math:`w(\lambda)` maximises the ridge-penalised problem.
"""

from __future__ import annotations

import numpy as np

from boundkit._errors import SolverError
from boundkit.generators import get_generator, log_partition, shift_functional

_KL = get_generator("kl")

__all__ = ["fit_linear_kl", "tilt"]


def tilt(logq: np.ndarray, phi: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    r"""Log-weights of :math:`Q_w \propto Q e^{\Phi w}` and :math:`\Lambda(w)` for rows of ``w``.

    :math:`\Lambda(w) = \Lambda_{\rm KL}^Q[\Phi w]` comes from the one kernel,
    :func:`boundkit.generators.shift_functional` (batched over the rows); for KL the refined
    model is :math:`\log q_w = \log q + \Phi w - \Lambda(w)`.

    Returns ``(log_qw (R, K), lam (R,))``.
    """
    H = np.atleast_2d(w) @ phi.T
    lam = np.asarray(shift_functional(_KL, H, np.exp(logq)).value, dtype=float).reshape(-1)
    return logq[None, :] + H - lam[:, None], lam


def _newton(
    m: np.ndarray,
    logq: np.ndarray,
    phi: np.ndarray,
    lam_ridge: np.ndarray,
    w: np.ndarray,
    *,
    max_iter: int = 100,
    tol: float = 1e-12,
    cap: float = np.inf,
    phi2: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Maximise m.w - Lambda(w) - lam/2 |w|^2 per row; returns (w, converged).

    Only the rows not yet converged are iterated; a row whose iterate leaves the ball of
    radius ``cap`` is frozen (reported as not converged).
    """
    w = w.copy()
    R, d = w.shape
    eye = np.eye(d)
    if phi2 is None:
        phi2 = (phi[:, :, None] * phi[:, None, :]).reshape(phi.shape[0], d * d)
    scale = 1.0 + np.abs(m).sum(1)
    converged = np.zeros(R, dtype=bool)
    active = np.arange(R)

    def obj(idx: np.ndarray, w_: np.ndarray) -> np.ndarray:
        lam = log_partition(logq[None, :] + w_ @ phi.T)
        return (m[idx] * w_).sum(1) - lam - 0.5 * lam_ridge[idx] * (w_ * w_).sum(1)

    for _ in range(max_iter):
        if active.size == 0:
            break
        wa, ma, la = w[active], m[active], lam_ridge[active]
        a = logq[None, :] + wa @ phi.T
        lse = log_partition(a)
        qw = np.exp(a - lse[:, None])
        val = (ma * wa).sum(1) - lse - 0.5 * la * (wa * wa).sum(1)
        mean = qw @ phi
        grad = ma - mean - la[:, None] * wa
        conv = np.linalg.norm(grad, axis=1) <= tol * scale[active]
        converged[active[conv]] = True
        keep = ~conv
        if np.isfinite(cap):
            far = np.linalg.norm(wa, axis=1) > cap
            keep &= ~far
        if not keep.any():
            break
        idx = active[keep]
        wa, grad, val, qw, mean, la = (
            wa[keep],
            grad[keep],
            val[keep],
            qw[keep],
            mean[keep],
            la[keep],
        )
        k = idx.size
        cov = (qw @ phi2).reshape(k, d, d) - mean[:, :, None] * mean[:, None, :]
        hess = cov + (la[:, None, None] + 1e-14) * eye
        step = np.linalg.solve(hess, grad[:, :, None])[:, :, 0]
        t = np.ones(k)
        for _ in range(40):
            nval = obj(idx, wa + t[:, None] * step)
            ok = nval >= val - 1e-13 * (1.0 + np.abs(val))
            if ok.all():
                break
            t = np.where(ok, t, 0.5 * t)
        w[idx] = wa + t[:, None] * step
        active = idx
    return w, converged


def fit_linear_kl(
    m: np.ndarray, logq: np.ndarray, phi: np.ndarray, B: float, *, tol: float = 1e-10
) -> tuple[np.ndarray, np.ndarray]:
    r"""Maximisers :math:`w_r` over the ball :math:`\|w\|_2 \le B` for rows of ``m``.

    Parameters
    ----------
    m : ndarray, shape (R, d)
        Empirical feature means.
    logq : ndarray, shape (K,)
        Log base weights (normalised).
    phi : ndarray, shape (K, d)
        Features of the atoms.
    B : float
        Radius.

    Returns
    -------
    w : ndarray, shape (R, d)
    multiplier : ndarray, shape (R,)
        KKT multiplier :math:`\lambda \ge 0` (0 inside the ball).
    """
    m = np.atleast_2d(np.asarray(m, dtype=float))
    R, d = m.shape
    phi2 = (phi[:, :, None] * phi[:, None, :]).reshape(phi.shape[0], d * d)
    w0, conv0 = _newton(
        m, logq, phi, np.zeros(R), np.zeros((R, d)), cap=4 * B, max_iter=60, phi2=phi2
    )
    inside = conv0 & (np.linalg.norm(w0, axis=1) < B)
    w = np.where(inside[:, None], w0, 0.0)
    mult = np.zeros(R)
    need = ~inside
    if need.any():
        mb = m[need]
        k = mb.shape[0]
        lo = np.zeros(k)
        hi = (np.linalg.norm(mb, axis=1) + np.linalg.norm(phi, axis=1).max()) / B
        lam = 0.5 * hi
        wb = np.zeros((k, d))
        done = np.zeros(k, dtype=bool)
        nrm = np.zeros(k)
        for _ in range(200):
            act = np.flatnonzero(~done)
            wa, _ = _newton(mb[act], logq, phi, lam[act], wb[act], tol=1e-13, phi2=phi2)
            wb[act] = wa
            na = np.linalg.norm(wa, axis=1)
            nrm[act] = na
            lo_a, hi_a, lam_a = lo[act], hi[act], lam[act]
            fin = (np.abs(na - B) <= tol * B) | (hi_a - lo_a <= 1e-14 * hi_a)
            done[act] = fin
            if fin.all():
                break
            big = na > B
            lo_a = np.where(big, lam_a, lo_a)
            hi_a = np.where(big, hi_a, lam_a)
            # secular Newton step on psi(lam) = 1/|w| - 1/B
            a = logq[None, :] + wa @ phi.T
            qw = np.exp(a - log_partition(a)[:, None])
            mean = qw @ phi
            cov = (qw @ phi2).reshape(act.size, d, d) - mean[:, :, None] * mean[:, None, :]
            amat = cov + lam_a[:, None, None] * np.eye(d)
            sol = np.linalg.solve(amat, wa[:, :, None])[:, :, 0]
            dpsi = (wa * sol).sum(1) / np.maximum(na, 1e-300) ** 3
            psi = 1.0 / np.maximum(na, 1e-300) - 1.0 / B
            cand = lam_a - psi / np.where(dpsi > 0, dpsi, np.inf)
            ok = (cand > lo_a) & (cand < hi_a) & np.isfinite(cand)
            lo[act], hi[act] = lo_a, hi_a
            lam[act] = np.where(fin, lam_a, np.where(ok, cand, 0.5 * (lo_a + hi_a)))
        if not done.all():
            i = int(np.flatnonzero(~done)[0])
            raise SolverError(
                f"linear KL refinement: the ball constraint was not met (|w|={nrm[i]:.6g}, "
                f"B={B:.6g}) after 200 secular iterations"
            )
        w[need] = wb * (B / np.linalg.norm(wb, axis=1))[:, None]
        mult[need] = lam
    return w, mult
