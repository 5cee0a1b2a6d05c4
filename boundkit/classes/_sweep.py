r"""Exact suprema of a single ReLU neuron along a circle (the 1-D angle sweep) and a
great-circle ascent for higher dimensions."""

from __future__ import annotations

from typing import Any

import numpy as np

from boundkit._errors import BoundkitError

__all__ = ["neuron_sup_sweep", "neuron_sup_search"]

_TWO_PI = 2.0 * np.pi


def neuron_sup_sweep(y: Any, v: Any, *, return_argmax: bool = False) -> Any:
    r"""Exact :math:`\max_\theta \sum_i v_i\,\mathrm{relu}(\langle u(\theta), y_i\rangle)` over
    the unit circle, by sweeping the angle across the :math:`2n` breakpoints.

    Parameters
    ----------
    y : array_like, shape (n, 2) or (b, n, 2)
        Points of :math:`\mathbb R^2` (for a 1-D input ``x`` and a neuron with bias, use
        :math:`y_i = (x_i, 1)`); a leading batch axis is allowed.
    v : array_like, shape (n,), (n, m) or (b, n)
        Coefficients; with ``y`` of shape (n, 2), the columns of ``v`` (n, m) share the sort.
    return_argmax : bool
        Also return the maximising angles.

    Returns
    -------
    value : float or ndarray
        The maximum over the circle, per column (or batch element). It may be negative (the
        maximum over the *disc* is ``max(value, 0)``).
    theta : float or ndarray
        Maximising angles, :math:`u = (\cos\theta, \sin\theta)` (when ``return_argmax``).

    Notes
    -----
    With :math:`u(\theta) = (\cos\theta, \sin\theta)`, point :math:`i` is active on the open half
    circle :math:`|\theta - \alpha_i| < \pi/2`, :math:`\alpha_i = \operatorname{atan2}(y_{i2},
    y_{i1})`. Between consecutive breakpoints :math:`\alpha_i \pm \pi/2` the active set
    :math:`A` is constant and the function is :math:`\langle z_A, u\rangle` with
    :math:`z_A = \sum_{i\in A} v_i y_i`, so on an arc :math:`[a, b]`

    .. math:: \max_{\theta\in[a,b]} \langle z_A, u(\theta)\rangle =
        \begin{cases} \|z_A\| & \operatorname{atan2}(z_A) \in [a, b] \\
        \max(\langle z_A, u(a)\rangle, \langle z_A, u(b)\rangle) & \text{otherwise.}\end{cases}

    The active sets along the sweep are cumulative sums of :math:`\pm v_i y_i`, so the cost is
    :math:`O(n \log n)` per column. At a breakpoint the toggling points contribute 0, so arcs of
    zero length (ties) give the right value.

    Examples
    --------
    >>> y = np.array([[1.0, 1.0], [-1.0, 1.0]])       # x = (1, -1) with bias
    >>> round(float(neuron_sup_sweep(y, np.array([1.0, -1.0]))), 12)  # u = (1, 1)/sqrt(2)
    1.414213562373
    """
    Y = np.asarray(y, dtype=float)
    V = np.asarray(v, dtype=float)
    shared = Y.ndim == 2
    if shared:
        one_d = V.ndim == 1
        V2 = V[:, None] if one_d else V
        if Y.shape[1] != 2 or V2.ndim != 2 or V2.shape[0] != Y.shape[0]:
            raise BoundkitError(
                f"y must have shape (n, 2) and v (n,) or (n, m); got {Y.shape}, {V.shape}"
            )
        Yb = Y[None]
        Vb = V2.T  # (m, n)
    else:
        one_d = False
        if Y.ndim != 3 or Y.shape[2] != 2 or V.shape != Y.shape[:2]:
            raise BoundkitError(
                f"batched y must have shape (b, n, 2) and v (b, n); got {Y.shape}, {V.shape}"
            )
        Yb, Vb = Y, V
    value, theta = _sweep(Yb, Vb)
    out: Any = (value, theta)
    if shared and one_d:
        out = (float(value[0]), float(theta[0]))
    return out if return_argmax else out[0]


def _sweep(Y: np.ndarray, V: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Core of the sweep. Y (1 or b, n, 2) shares its sort when the batch axis is 1; V (b, n)."""
    b = V.shape[0]
    n = Y.shape[1]
    alpha = np.arctan2(Y[..., 1], Y[..., 0])  # (bY, n)
    nonzero = np.hypot(Y[..., 0], Y[..., 1]) > 0
    # events: enter at alpha - pi/2, leave at alpha + pi/2 (mod 2 pi)
    ang = np.concatenate([alpha - np.pi / 2, alpha + np.pi / 2], axis=-1) % _TWO_PI
    sign = np.concatenate([np.ones(n), -np.ones(n)])
    idx = np.concatenate([np.arange(n), np.arange(n)])
    order = np.argsort(ang, axis=-1, kind="stable")  # (bY, 2n)
    beta = np.take_along_axis(ang, order, axis=-1)
    ev_pt = idx[order]  # (bY, 2n)
    ev_sign = sign[order] * np.take_along_axis(nonzero, ev_pt, axis=-1)
    E = 2 * n
    nxt = np.concatenate([beta[:, 1:], beta[:, :1] + _TWO_PI], axis=-1)
    gap = nxt - beta  # gap k: (beta_k, beta_{k+1})
    L = np.argmax(gap, axis=-1)  # (bY,)
    rows = np.arange(beta.shape[0])
    mid = beta[rows, L] + 0.5 * gap[rows, L]
    # reference active set at the middle of the longest gap
    um = np.stack([np.cos(mid), np.sin(mid)], axis=-1)  # (bY, 2)
    active = (np.einsum("bnk,bk->bn", Y, um) > 0) & nonzero  # (bY, n)
    # roll the events so that they start right after gap L
    roll = (L[:, None] + 1 + np.arange(E)[None, :]) % E  # (bY, E)
    ev_pt = np.take_along_axis(ev_pt, roll, axis=-1)
    ev_sign = np.take_along_axis(ev_sign, roll, axis=-1)
    a_start = np.take_along_axis(beta, roll, axis=-1)
    a_len = np.take_along_axis(gap, roll, axis=-1)
    Yev = np.take_along_axis(Y, ev_pt[..., None], axis=1) * ev_sign[..., None]  # (bY, E, 2)
    if Y.shape[0] == 1 and b > 1:
        z_ref = (V * active[0]) @ Y[0]  # (b, 2)
        Vg = V[:, ev_pt[0]]  # (b, E)
        z0 = np.cumsum(Vg * Yev[0, :, 0], axis=1)
        z1 = np.cumsum(Vg * Yev[0, :, 1], axis=1)
    else:
        z_ref = np.einsum("bn,bnk->bk", V * active, Y)
        Vg = np.take_along_axis(V, ev_pt, axis=-1)
        z0 = np.cumsum(Vg * Yev[..., 0], axis=1)
        z1 = np.cumsum(Vg * Yev[..., 1], axis=1)
    z0 += z_ref[:, :1]  # state on the gap after each event
    z1 += z_ref[:, 1:]
    a_end = a_start + a_len
    ca, sa, cb, sb = np.cos(a_start), np.sin(a_start), np.cos(a_end), np.sin(a_end)
    va = z0 * ca + z1 * sa
    vb = z0 * cb + z1 * sb
    # Events come in antipodal pairs (alpha - pi/2, alpha + pi/2), so no arc is longer than pi,
    # and z points into the arc [a, b] iff it is counter-clockwise from u(a) and clockwise
    # from u(b)
    inside = (ca * z1 - sa * z0 >= 0) & (z0 * sb - z1 * cb >= 0)
    norm = np.hypot(z0, z1)
    cand = np.where(inside, norm, np.maximum(va, vb))
    k = np.argmax(cand, axis=-1)
    r = np.arange(b)
    kz0, kz1 = z0[r, k], z1[r, k]
    kin = inside[r, k]
    a_s = np.broadcast_to(a_start, z0.shape)[r, k]
    a_e = np.broadcast_to(a_end, z0.shape)[r, k]
    th = np.where(kin, np.arctan2(kz1, kz0), np.where(va[r, k] >= vb[r, k], a_s, a_e))
    return cand[r, k], th % _TWO_PI


def _relu_values(Xt: np.ndarray, V: np.ndarray, U: np.ndarray) -> np.ndarray:
    """g(u) = sum_i v_i relu(u . xt_i) for batches: Xt (n, k), V (b, n), U (b, k) -> (b,)."""
    return np.einsum("bn,bn->b", V, np.maximum(U @ Xt.T, 0.0))


def neuron_sup_search(
    xt: Any,
    v: Any,
    *,
    n_restarts: int = 8,
    max_iter: int = 50,
    tol: float = 1e-12,
    rng: Any = None,
) -> tuple[np.ndarray, np.ndarray]:
    r"""A lower bound on :math:`\max_{\|u\|_2 = 1} \sum_i v_i\,\mathrm{relu}(\langle u,
    \tilde x_i\rangle)` by great-circle ascent from random starts.

    Parameters
    ----------
    xt : array_like, shape (n, k)
        The (augmented) points :math:`\tilde x_i` (with a trailing 1 for a bias).
    v : array_like, shape (n,) or (n, m)
        Coefficients, one column per problem.
    n_restarts : int
        Random starting directions (shared by all columns, so columns do not interact).
    max_iter : int
        Great-circle steps per start.
    tol : float
        Stop a start when a step gains less than ``tol``.
    rng : optional
        Seed of the starting directions.

    Returns
    -------
    value : ndarray, shape (m,)
        The best value found: an attained value, hence a certified lower bound on the maximum.
    u : ndarray, shape (m, k)
        The unit vectors attaining it.

    Notes
    -----
    Each step maximises *exactly* (with :func:`neuron_sup_sweep`) over the great circle through
    the current :math:`u` and the tangent part of the gradient
    :math:`z_A = \sum_{i \in A(u)} v_i \tilde x_i`, so the value never decreases; for
    :math:`k = 2` the first step already covers the whole circle and the result is exact.

    .. math:: u_{t+1} = \cos\theta^\star u_t + \sin\theta^\star e_t,\quad
        e_t \propto z_A - \langle z_A, u_t\rangle u_t .
    """
    Xt = np.asarray(xt, dtype=float)
    V = np.asarray(v, dtype=float)
    if V.ndim == 1:
        V = V[:, None]
    n, k = Xt.shape
    m = V.shape[1]
    gen = np.random.default_rng(rng)
    starts = gen.normal(size=(n_restarts, k))
    starts /= np.linalg.norm(starts, axis=1, keepdims=True)
    fallback = gen.normal(size=(n_restarts, k))
    # batch = (restart, column)
    U = np.repeat(starts, m, axis=0)  # (r*m, k)
    F = np.repeat(fallback, m, axis=0)
    Vb = np.tile(V.T, (n_restarts, 1))  # (r*m, n)
    val = _relu_values(Xt, Vb, U)
    live = np.ones(U.shape[0], dtype=bool)
    for _ in range(max_iter):
        if not live.any():
            break
        ids = np.nonzero(live)[0]
        u = U[ids]
        act = (u @ Xt.T) > 0
        z = (Vb[ids] * act) @ Xt
        e = z - np.sum(z * u, axis=1, keepdims=True) * u
        en = np.linalg.norm(e, axis=1)
        small = en <= 1e-12 * np.maximum(1.0, np.linalg.norm(z, axis=1))
        if small.any():  # stationary in the cell: try a fixed random great circle
            f = F[ids[small]]
            f = f - np.sum(f * u[small], axis=1, keepdims=True) * u[small]
            e[small] = f
            en[small] = np.linalg.norm(f, axis=1)
        e /= np.maximum(en, 1e-300)[:, None]
        Y = np.stack([Xt @ u.T, Xt @ e.T], axis=-1).transpose(1, 0, 2)  # (b, n, 2)
        new_val, th = _sweep(Y, Vb[ids])
        u_new = np.cos(th)[:, None] * u + np.sin(th)[:, None] * e
        u_new /= np.linalg.norm(u_new, axis=1, keepdims=True)
        new_val = _relu_values(Xt, Vb[ids], u_new)  # exact value at the attained point
        gain = new_val - val[ids]
        better = gain > 0
        U[ids[better]] = u_new[better]
        val[ids[better]] = new_val[better]
        live[ids[~(gain > tol)]] = False
    val = val.reshape(n_restarts, m)
    best = np.argmax(val, axis=0)
    cols = np.arange(m)
    return val[best, cols], U.reshape(n_restarts, m, k)[best, cols]
