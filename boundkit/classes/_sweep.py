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
#: events (two such blocks stay in cache); the candidate search works on sub-blocks of
#: SWEEP_SUB events, recomputed only where an interior maximum can beat the final maximum
SWEEP_COLS = 256
SWEEP_CHUNK = 1 << 16
SWEEP_SUB = 32
#: (sub-block, column) pairs recomputed at a time
_PAIR_CHUNK = 1 << 12
#: elements (events x rows) per chunk of the sweep with maximising angles
_BATCH_CHUNK = 1 << 20


class _Events:
    r"""The sorted breakpoints of the points ``Y`` (n, 2), shared by every coefficient vector.

    Attributes (E = 2n events, arc k runs from ``beta[k]`` to the next breakpoint): ``pt``
    (E,) the point toggled at the start of arc k, ``w`` (E,) its signed coordinates as
    :math:`w_0 + i w_1`,
    ``ca, sa`` (E,) :math:`u(\beta_k)`, ``a_end`` (E,) the angle at the end of arc k,
    ``ref`` (n, 2) the coordinates of the points active before the first event (None when there
    are none), ``inv_c`` (E,)
    :math:`1/\cos(\ell/2)` for the longer arc next to each breakpoint, ``norms`` (n,) the
    :math:`\|y_i\|`.
    """

    def __init__(self, Y: np.ndarray) -> None:
        n = Y.shape[0]
        E = 2 * n
        alpha = np.arctan2(Y[:, 1], Y[:, 0])
        self.norms = np.hypot(Y[:, 0], Y[:, 1])
        nonzero = self.norms > 0
        ang = np.concatenate([alpha - np.pi / 2, alpha + np.pi / 2]) % _TWO_PI
        order = np.argsort(ang)
        beta = ang[order]
        gap = np.diff(beta, append=beta[0] + _TWO_PI)
        if np.any(gap[:-1] == 0.0):  # ties: the stable order (beta and gap are the same)
            order = np.argsort(ang, kind="stable")
        # start in the longest of the gaps with the fewest active points (for y = (x, 1):
        # none, so the first state needs no product), among gaps not much shorter than the
        # longest (the active set at the middle of a gap of length l is decided with a margin
        # of sin(l / 2) |y_i|); the counts along the sweep are cumulative sums of the toggles
        count = np.cumsum(np.where(order < n, 1.0, -1.0) * nonzero[order % n])
        ok = gap >= 1e-3 * gap.max()
        fewest = ok & (count == count[ok].min())
        L = int(np.argmax(np.where(fewest, gap, -1.0)))
        active = _active(Y, beta[L] + 0.5 * gap[L], nonzero)
        # events from the one right after gap L on (np.roll: contiguous copies)
        ev = np.roll(order, -(L + 1))
        self.pt = ev % n  # events n.. are the second breakpoints of points 0..
        sign = np.where(ev < n, 1.0, -1.0) * nonzero[self.pt]
        # w0 + i w1: one complex product and cumulative sum serve both coordinates (the real
        # and imaginary parts are added separately, so the sums are those of each coordinate)
        self.w = np.empty(E, dtype=complex)
        self.w.real, self.w.imag = Y[self.pt, 0] * sign, Y[self.pt, 1] * sign
        a_start = np.roll(beta, -(L + 1))
        g_roll = np.roll(gap, -(L + 1))
        a_end = a_start + g_roll
        self.ca, self.sa = np.cos(a_start), np.sin(a_start)
        self.a_end = a_end  # u(a_end) only for the arcs examined (_interior)
        # 1 / cos(l/2) for the longer arc next to each breakpoint (capped: 1e-3 is safe)
        longer = np.maximum(g_roll, np.roll(g_roll, 1))
        self.inv_c = 1.0 / np.maximum(np.cos(0.5 * np.minimum(longer, np.pi)), 1e-3)
        self.ref = Y * active[:, None] if active.any() else None
        self._tables: _SubTables | None = None

    def sub_tables(self) -> _SubTables:
        """The event arrays cut into sub-blocks of ``SWEEP_SUB`` (built once)."""
        if self._tables is None or self._tables.sub != SWEEP_SUB:
            self._tables = _SubTables(self, SWEEP_SUB)
        return self._tables


class _SubTables:
    """``pt, w, ca, sa, inv_c`` of :class:`_Events` as (n_sub, sub) arrays (the last
    sub-block padded with event 0 and zero weights; ``valid`` marks the real events)."""

    def __init__(self, ev: _Events, sub: int) -> None:
        E = ev.pt.size
        n_sub = -(-E // sub)
        self.sub, self.pad = sub, n_sub * sub - E

        def cut(a: np.ndarray) -> np.ndarray:
            out = np.zeros(n_sub * sub, dtype=a.dtype)
            out[:E] = a
            return out.reshape(n_sub, sub)

        self.pt, self.w, self.ca, self.sa = cut(ev.pt), cut(ev.w), cut(ev.ca), cut(ev.sa)
        self.inv_c, self.valid = cut(ev.inv_c), cut(np.ones(E, dtype=bool))


def _active(Y: np.ndarray, theta: float, nonzero: np.ndarray) -> np.ndarray:
    r"""The points with :math:`\langle y_i, u(\theta)\rangle > 0` (elementwise, no BLAS)."""
    return (Y[:, 0] * np.cos(theta) + Y[:, 1] * np.sin(theta) > 0) & nonzero


def _sweep_both(
    ev: _Events, V: np.ndarray, v_bound: float | None = None
) -> tuple[np.ndarray, np.ndarray]:
    r"""Exact :math:`\max_\theta \pm\sum_i v_i\,\mathrm{relu}(\langle u(\theta), y_i\rangle)`
    for the columns of ``V`` (n, m): one gather and one (complex) cumulative sum per chunk of
    columns serve both signs (the state of :math:`-v` is :math:`-z`).

    The function is continuous, so its maximum is the largest breakpoint value unless it is
    interior to an arc, where it is :math:`\|z\|`; on an arc of length :math:`\ell \le \pi`
    that holds the direction of :math:`z` some end has value :math:`\ge \|z\|\cos(\ell/2)`,
    so only the arcs next to a breakpoint :math:`k` with
    :math:`g(\beta_k)/\cos(\ell_k/2) \ge \max_j g(\beta_j)` (:math:`\ell_k` the longer
    adjacent arc) are examined. The first pass (blocks of events x sign vectors in cache)
    keeps, per sub-block of ``SWEEP_SUB`` events, the extreme breakpoint values and the state
    before it; the sub-blocks that can hold such a breakpoint for the *final* maximum are
    recomputed from their state (the same sums in the same order, so the same values).
    ``v_bound``: a known bound on :math:`|v_{ij}|` (1 for sign vectors), else computed.
    """
    E = ev.pt.size
    m = V.shape[1]
    plus, minus = np.empty(m), np.empty(m)
    if v_bound is None:
        v_bound = float(np.abs(V).max(initial=0.0))
    slack = 1e-12 * v_bound * float(ev.norms.sum())
    w = min(m, SWEEP_COLS)
    n_sub = -(-E // SWEEP_SUB)
    rb = min(n_sub, max(1, SWEEP_CHUNK // (w * SWEEP_SUB))) * SWEEP_SUB  # whole sub-blocks
    # one cache-sized block, reused: gathered coefficients (int8 signs are cheaper to gather),
    # the state z0 + i z1 and the breakpoint values
    bufs = (np.empty(rb * w, dtype=V.dtype), np.empty(rb * w, dtype=complex), np.empty(rb * w))
    # per sub-block and column: extreme breakpoint values, state before the sub-block
    s_hi, s_lo = np.empty((n_sub, w)), np.empty((n_sub, w))
    s_z = np.empty((n_sub, w), dtype=complex)
    ic_sub = np.maximum.reduceat(ev.inv_c, np.arange(0, E, SWEEP_SUB))[:, None]
    for c0 in range(0, m, w):
        c1 = min(m, c0 + w)
        Vc = np.ascontiguousarray(V[:, c0:c1])  # take() copies a strided source per call
        hi_c, lo_c, z_c = s_hi[:, : c1 - c0], s_lo[:, : c1 - c0], s_z[:, : c1 - c0]
        _first_pass(ev, Vc, rb, bufs, hi_c, lo_c, z_c)
        hi, lo = hi_c.max(axis=0), lo_c.min(axis=0)
        # sub-blocks that can hold a candidate breakpoint: value over cos(l/2) (l: the
        # longer adjacent arc) reaching the final maximum
        top_p = np.maximum(hi, 0.0) - slack
        top_m = np.minimum(lo, 0.0) + slack
        reach = (np.maximum(hi_c * ic_sub, hi_c) >= top_p) | (
            np.minimum(lo_c * ic_sub, lo_c) <= top_m
        )
        t_all, j_all = np.nonzero(reach)
        p_out, m_out = hi, -lo
        for p0 in range(0, t_all.size, _PAIR_CHUNK):
            t, j = t_all[p0 : p0 + _PAIR_CHUNK], j_all[p0 : p0 + _PAIR_CHUNK]
            arc, col, z = _candidates(ev, Vc, t, j, z_c[t, j], top_p, top_m)
            _interior(ev, arc, col, z.real, z.imag, p_out, m_out)
        plus[c0:c1], minus[c0:c1] = p_out, m_out
    return plus, minus


def _first_pass(
    ev: _Events,
    Vc: np.ndarray,
    rb: int,
    bufs: tuple[np.ndarray, np.ndarray, np.ndarray],
    s_hi: np.ndarray,
    s_lo: np.ndarray,
    s_z: np.ndarray,
) -> None:
    r"""The sweep over all events for the columns of ``Vc``: fills, per sub-block of
    ``SWEEP_SUB`` events, the largest and smallest breakpoint values
    :math:`g(\beta_k) = \langle z_k, u(\beta_k)\rangle` (``s_hi``, ``s_lo``) and the state
    :math:`z_0 + i z_1` before the sub-block (``s_z``). ``bufs``: flat buffers for the
    gathered coefficients (dtype of ``Vc``), the states (complex) and the values."""
    E, w, sub = ev.pt.size, Vc.shape[1], SWEEP_SUB
    # (w,): the state before the first event (no point active: 0)
    carry = np.zeros(w, dtype=complex)
    if ev.ref is not None:
        carry.real, carry.imag = ev.ref.T @ Vc
    for r0 in range(0, E, rb):
        r1 = min(E, r0 + rb)
        rows = r1 - r0
        G, Z, va = (b[: rows * w].reshape(rows, w) for b in bufs)
        np.take(Vc, ev.pt[r0:r1], axis=0, out=G, mode="clip")
        np.multiply(G, ev.w[r0:r1, None], out=Z)
        Z[0] += carry
        np.cumsum(Z, axis=0, out=Z)
        t0, t1 = r0 // sub, -(-r1 // sub)
        s_z[t0] = carry
        s_z[t0 + 1 : t1] = Z[sub - 1 : rows - 1 : sub]
        carry = Z[-1].copy()
        # the value at the start of each arc: z0 ca + z1 sa (the state is not needed after)
        np.multiply(Z.real, ev.ca[r0:r1, None], out=va)
        z1sa = np.multiply(Z.imag, ev.sa[r0:r1, None], out=Z.imag)
        va += z1sa
        full = rows - rows % sub
        if full:
            blocks = va[:full].reshape(-1, sub, w)
            blocks.max(axis=1, out=s_hi[t0 : t0 + full // sub])
            blocks.min(axis=1, out=s_lo[t0 : t0 + full // sub])
        if full < rows:
            va[full:].max(axis=0, out=s_hi[t1 - 1])
            va[full:].min(axis=0, out=s_lo[t1 - 1])


def _candidates(
    ev: _Events,
    Vc: np.ndarray,
    t: np.ndarray,
    j: np.ndarray,
    b: np.ndarray,
    top_p: np.ndarray,
    top_m: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Recompute sub-blocks ``t`` of columns ``j`` from the states ``b`` before them (the
    first pass's products and sums, in the same order, so the same states) and return
    ``(arc, column, z)`` for the arcs next to each candidate breakpoint k (whose value over
    cos(l/2) reaches ``top_p`` or ``top_m``): arc k and arc k - 1, each with its own state
    from the sums (arc -1 is arc E - 1, whose state is the one before event 0)."""
    E = ev.pt.size
    tab = ev.sub_tables()
    Z = Vc[tab.pt[t], j[:, None]] * tab.w[t]  # (P, SUB)
    Z[:, 0] += b
    np.cumsum(Z, axis=1, out=Z)
    va = Z.real * tab.ca[t]
    va += Z.imag * tab.sa[t]
    va *= tab.inv_c[t]  # 0 past the last event
    cand = (va >= top_p[j, None]) | (va <= top_m[j, None])
    if tab.pad:
        cand &= tab.valid[t]
    p, q = np.nonzero(cand)
    k = t[p] * SWEEP_SUB + q
    prev = np.where(q == 0, b[p], Z[p, np.maximum(q - 1, 0)])
    return (
        np.concatenate([k, (k - 1) % E]),
        np.concatenate([j[p], j[p]]),
        np.concatenate([Z[p, q], prev]),
    )


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
    ca, sa = ev.ca[arc], ev.sa[arc]
    cb, sb = np.cos(ev.a_end[arc]), np.sin(ev.a_end[arc])
    d_a = a1 * ca - a0 * sa  # g'(a+)
    d_b = a0 * sb - a1 * cb  # -g'(b-)
    # <z, u(a) + u(b)> >= 0 excludes a z opposite to a zero-length arc (tied breakpoints)
    mid = a0 * (ca + cb) + a1 * (sa + sb)
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
    once (see :func:`neuron_sup_sweep` for the method). ``v`` is float64, or int8 for sign
    vectors (the same values, cheaper to gather). ``v_bound``: a known bound on
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
