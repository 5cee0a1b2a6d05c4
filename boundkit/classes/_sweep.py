r"""Exact suprema of a single ReLU neuron along a circle (the 1-D angle sweep) and a
great-circle ascent for higher dimensions."""

from __future__ import annotations

from typing import Any

import numpy as np

from boundkit._errors import BoundkitError

__all__ = ["neuron_sup_sweep", "neuron_sup_search", "sweep_values"]

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
    if shared and not return_argmax:
        value = sweep_values(Y, V2)[0]
        return float(value[0]) if one_d else value
    value, theta = _sweep(Yb, Vb)
    out: Any = (value, theta)
    if shared and one_d:
        out = (float(value[0]), float(theta[0]))
    return out if return_argmax else out[0]


#: the shared-sort sweep works on blocks of SWEEP_COLS sign vectors x SWEEP_CHUNK / SWEEP_COLS
#: events (three such blocks stay in cache)
SWEEP_COLS = 256
SWEEP_CHUNK = 1 << 16
#: elements (events x rows) per chunk of the sweep with maximising angles
_BATCH_CHUNK = 1 << 20


class _Events:
    r"""The sorted breakpoints of the points ``Y`` (n, 2), shared by every coefficient vector.

    Attributes (E = 2n events, arc k runs from ``beta[k]`` to the next breakpoint): ``pt``
    (E,) the point toggled at the start of arc k, ``w0, w1`` (E,) its signed coordinates,
    ``ca, sa`` (E,) :math:`u(\beta_k)`, ``cb, sb`` (E,) :math:`u` at the end of arc k,
    ``ref`` (n, 2) the coordinates of the points active before the first event, ``inv_c`` (E,)
    :math:`1/\cos(\ell/2)` for the longer arc next to each breakpoint, ``norms`` (n,) the
    :math:`\|y_i\|`.
    """

    def __init__(self, Y: np.ndarray) -> None:
        n = Y.shape[0]
        alpha = np.arctan2(Y[:, 1], Y[:, 0])
        nonzero = np.hypot(Y[:, 0], Y[:, 1]) > 0
        ang = np.concatenate([alpha - np.pi / 2, alpha + np.pi / 2]) % _TWO_PI
        order = np.argsort(ang, kind="stable")
        beta = ang[order]
        pt = np.concatenate([np.arange(n), np.arange(n)])[order]
        sign = np.concatenate([np.ones(n), -np.ones(n)])[order] * nonzero[pt]
        gap = np.diff(beta, append=beta[0] + _TWO_PI)
        L = int(np.argmax(gap))
        mid = beta[L] + 0.5 * gap[L]
        active = (Y @ np.array([np.cos(mid), np.sin(mid)]) > 0) & nonzero
        roll = (L + 1 + np.arange(2 * n)) % (2 * n)
        self.pt = pt[roll]
        w = Y[self.pt] * sign[roll][:, None]
        self.w0, self.w1 = w[:, 0].copy(), w[:, 1].copy()
        a_start = beta[roll]
        a_end = a_start + gap[roll]
        self.ca, self.sa = np.cos(a_start), np.sin(a_start)
        self.cb, self.sb = np.cos(a_end), np.sin(a_end)
        # 1 / cos(l/2) for the longer arc next to each breakpoint (capped: 1e-3 is safe)
        g_roll = gap[roll]
        longer = np.maximum(g_roll, np.roll(g_roll, 1))
        self.inv_c = 1.0 / np.maximum(np.cos(0.5 * np.minimum(longer, np.pi)), 1e-3)
        self.ref = Y * active[:, None]
        self.norms = np.hypot(Y[:, 0], Y[:, 1])


def _sweep_both(
    ev: _Events, V: np.ndarray, v_bound: float | None = None
) -> tuple[np.ndarray, np.ndarray]:
    r"""Exact :math:`\max_\theta \pm\sum_i v_i\,\mathrm{relu}(\langle u(\theta), y_i\rangle)`
    for the columns of ``V`` (n, m): one gather and two cumulative sums per chunk of columns
    serve both signs (the state of :math:`-v` is :math:`-z`).

    The function is continuous, so its maximum is the largest breakpoint value unless it is
    interior to an arc, where it is :math:`\|z\|`; on an arc of length :math:`\ell \le \pi`
    that holds the direction of :math:`z` some end has value :math:`\ge \|z\|\cos(\ell/2)`,
    so only the arcs next to a breakpoint :math:`k` with
    :math:`g(\beta_k)/\cos(\ell_k/2) \ge \max_j g(\beta_j)` (:math:`\ell_k` the longer
    adjacent arc) are examined. Blocks of events x sign vectors stay in cache; the running
    maximum makes the candidate set a superset. ``v_bound``: a known bound on :math:`|v_{ij}|`
    (1 for sign vectors), else computed.
    """
    E = ev.pt.size
    m = V.shape[1]
    plus, minus = np.empty(m), np.empty(m)
    if v_bound is None:
        v_bound = float(np.abs(V).max(initial=0.0))
    slack = 1e-12 * v_bound * float(ev.norms.sum())
    w = min(m, SWEEP_COLS)
    rb = min(E, max(1, SWEEP_CHUNK // w))
    bufs = [np.empty(rb * w) for _ in range(4)]  # one cache-sized block, reused
    for c0 in range(0, m, w):
        c1 = min(m, c0 + w)
        Vc = np.ascontiguousarray(V[:, c0:c1])  # take() copies a strided source per call
        carry = ev.ref.T @ Vc  # (2, mc): the state before the first event
        hi = np.full(c1 - c0, -np.inf)
        lo = np.full(c1 - c0, np.inf)
        found: list[tuple[np.ndarray, ...]] = []
        for r0 in range(0, E, rb):
            r1 = min(E, r0 + rb)
            shape = (r1 - r0, c1 - c0)
            G, z0, va, t = (b[: shape[0] * shape[1]].reshape(shape) for b in bufs)
            np.take(Vc, ev.pt[r0:r1], axis=0, out=G, mode="clip")
            np.multiply(G, ev.w0[r0:r1, None], out=z0)
            z0[0] += carry[0]
            np.cumsum(z0, axis=0, out=z0)
            z1 = np.multiply(G, ev.w1[r0:r1, None], out=G)
            z1[0] += carry[1]
            np.cumsum(z1, axis=0, out=z1)
            carry = np.stack([z0[-1], z1[-1]])
            np.multiply(z0, ev.ca[r0:r1, None], out=va)  # the value at the start of each arc
            va += np.multiply(z1, ev.sa[r0:r1, None], out=t)
            b_hi, b_lo = va.max(axis=0), va.min(axis=0)
            np.maximum(hi, b_hi, out=hi)
            np.minimum(lo, b_lo, out=lo)
            # candidates (a superset: hi and lo only grow): breakpoints whose value over
            # cos(l/2) (l: the longer adjacent arc) reaches the best value so far; only the
            # columns whose block extremes can reach it are examined
            top_p = np.maximum(hi, 0.0) - slack
            top_m = np.minimum(lo, 0.0) + slack
            ic = ev.inv_c[r0:r1]
            ic_max = float(ic.max())
            q = np.nonzero(
                (np.maximum(b_hi * ic_max, b_hi) >= top_p)
                | (np.minimum(b_lo * ic_max, b_lo) <= top_m)
            )[0]
            if q.size == 0:
                continue
            sub = va[:, q] * ic[:, None]
            cand = (sub >= top_p[q]) | (sub <= top_m[q])
            k, jq = np.nonzero(cand)
            j = q[jq]
            if k.size:
                found.append((k + r0, j, z0[k, j], z1[k, j]))
        p_out, m_out = hi, -lo
        if found:
            k, j, a0, a1 = (np.concatenate(f) for f in zip(*found, strict=True))
            # arcs k (state a0, a1) and k - 1 (state before the toggle at breakpoint k)
            prev0, prev1 = _state_before(ev, Vc, k, j, a0, a1)
            _interior(
                ev,
                np.concatenate([k, (k - 1) % E]),
                np.concatenate([j, j]),
                np.concatenate([a0, prev0]),
                np.concatenate([a1, prev1]),
                p_out,
                m_out,
            )
        plus[c0:c1], minus[c0:c1] = p_out, m_out
    return plus, minus


def _state_before(
    ev: _Events,
    Vc: np.ndarray,
    k: np.ndarray,
    j: np.ndarray,
    a0: np.ndarray,
    a1: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """The state on arc k - 1 from the state on arc k: undo the toggle at breakpoint k (for
    k = 0 this is arc E - 1, since all toggles sum to 0)."""
    v = Vc[ev.pt[k], j]
    return a0 - v * ev.w0[k], a1 - v * ev.w1[k]


def _interior(
    ev: _Events,
    arc: np.ndarray,
    col: np.ndarray,
    a0: np.ndarray,
    a1: np.ndarray,
    p_out: np.ndarray,
    m_out: np.ndarray,
) -> None:
    r"""Raise ``p_out``/``m_out`` to :math:`\|z\|` where :math:`\pm z` points into its arc."""
    d_a = a1 * ev.ca[arc] - a0 * ev.sa[arc]  # g'(a+)
    d_b = a0 * ev.sb[arc] - a1 * ev.cb[arc]  # -g'(b-)
    # <z, u(a) + u(b)> >= 0 excludes a z opposite to a zero-length arc (tied breakpoints)
    mid = a0 * (ev.ca[arc] + ev.cb[arc]) + a1 * (ev.sa[arc] + ev.sb[arc])
    nrm = np.hypot(a0, a1)
    inside = (d_a >= 0) & (d_b >= 0) & (mid >= -1e-9 * nrm)
    np.maximum.at(p_out, col[inside], nrm[inside])
    inside = (d_a <= 0) & (d_b <= 0) & (mid <= 1e-9 * nrm)
    np.maximum.at(m_out, col[inside], nrm[inside])


def sweep_values(
    y: np.ndarray, v: np.ndarray, *, v_bound: float | None = None
) -> tuple[np.ndarray, np.ndarray]:
    r"""The exact circle maxima of :math:`\pm\sum_i v_i\,\mathrm{relu}(\langle u, y_i\rangle)`
    for every column of ``v`` (n, m), as ``(plus, minus)`` arrays (m,); ``y`` (n, 2) is sorted
    once (see :func:`neuron_sup_sweep` for the method). ``v_bound``: a known bound on
    :math:`|v_{ij}|` (1 for sign vectors), which saves a pass over ``v``."""
    return _sweep_both(_Events(y), v, v_bound)


def _sweep(Y: np.ndarray, V: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sweep with maximising angles. Y (1 or b, n, 2) shares its sort when the batch axis is
    1; V (b, n). Shared sorts are processed in chunks of rows of V."""
    if Y.shape[0] == 1 and V.shape[0] > 1:
        step = max(1, _BATCH_CHUNK // (2 * Y.shape[1]))
        if V.shape[0] > step:
            parts = [_sweep_batch(Y, V[r0 : r0 + step]) for r0 in range(0, V.shape[0], step)]
            return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])
    return _sweep_batch(Y, V)


def _sweep_batch(Y: np.ndarray, V: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Core of the sweep with argmax. Y (1 or b, n, 2) shares its sort when the batch axis is
    1; V (b, n)."""
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
    # from u(b); va + vb >= 0 excludes a z opposite to a zero-length arc (tied breakpoints)
    norm = np.hypot(z0, z1)
    inside = (ca * z1 - sa * z0 >= 0) & (z0 * sb - z1 * cb >= 0) & (va + vb >= -1e-9 * norm)
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
