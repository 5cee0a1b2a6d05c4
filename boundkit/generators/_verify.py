r"""Independent checks of a derived conjugate: brute force and the analytic structure.

A closed form :math:`f^*` is accepted only if, at test points on every branch (including points
close to the end of :math:`\mathrm{dom} f^*`, where the maximiser is huge):

* it is not below the supremum over a grid (:math:`f^*(t) \ge tu - f(u)` for every grid u:
  a closed form smaller than the supremum is caught whatever the size of the maximiser);
* on a stationary branch the maximiser :math:`u(t) = (f^*)'(t)` solves :math:`f'(u) = t`, lies
  in the piece, and :math:`f^*(t) = t u(t) - f(u(t))` (Fenchel-Young equality). Since f is
  convex, a stationary point is the global maximiser, so these three facts prove the value,
  with no bound on u (a bounded grid search cannot see a maximiser at :math:`u = 10^{50}`);
* the link is non-decreasing along the branch, and on zero and kink branches the value is
  :math:`-f(0)` or :math:`tk - f(k)` with :math:`t` between the one-sided slopes;
* outside the domain the value is :math:`+\infty`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from boundkit.generators._generator import Generator

__all__ = ["brute_force_conjugate", "verify_closed_form"]


def _float(x: Any) -> float:
    import sympy as sp

    if x == sp.oo:
        return float("inf")
    if x == -sp.oo:
        return float("-inf")
    return float(x)


def _grid_excess(f_num, t: float, c: float, grid: np.ndarray, f0: float) -> float:
    r"""How far the grid supremum exceeds ``c``: :math:`\max_v (tv - f(v) - c)^+ / (1 + |c|)`.

    Each grid value is trusted to its rounding error :math:`10^{-13}(|tv| + |f(v)|)`.
    """
    with np.errstate(all="ignore"):
        fv = f_num(grid)
        vals = t * grid - fv
        slack = 1e-13 * (np.abs(t * grid) + np.abs(fv))
    ok = np.isfinite(vals) & np.isfinite(slack)
    excess = float(np.max(vals[ok] - slack[ok] - c, initial=-np.inf))
    if np.isfinite(f0):
        excess = max(excess, -f0 - c - 1e-13 * abs(f0))
    return max(excess, 0.0) / (1.0 + abs(c))


def brute_force_conjugate(f_num, t: float, *, f0: float, u_max: float = 1e8) -> float:
    r"""Brute-force :math:`\sup_{u \ge 0}(tu - f(u))` by a log-grid search and local refinement.

    Parameters
    ----------
    f_num : callable
        Vectorised :math:`f` on :math:`(0, \infty)`.
    t : float
        Where to evaluate.
    f0 : float
        :math:`f(0+)` (may be ``inf``).
    u_max : float
        Largest u searched; a supremum approached beyond it is reported as ``inf``.

    Returns
    -------
    float

    Notes
    -----
    An independent reference used for verification only:
    :math:`\max\{-f(0),\ \max_{u \in \text{grid}} (tu - f(u))\}`, refined by a bounded scalar
    search around the best grid point. It is only a lower bound of :math:`f^*(t)` when the
    maximiser exceeds ``u_max`` (then ``inf`` is returned); :func:`verify_closed_form` uses it
    one-sidedly and proves the value from the stationarity of the maximiser instead.

    Examples
    --------
    >>> round(brute_force_conjugate(lambda u: (u - 1) ** 2, 2.0, f0=1.0), 9)
    3.0
    """
    from scipy.optimize import minimize_scalar

    grid = np.logspace(-14, np.log10(u_max), 6001)
    with np.errstate(all="ignore"):
        vals = t * grid - f_num(grid)
    vals = np.where(np.isfinite(vals), vals, -np.inf)
    i = int(np.argmax(vals))
    best = float(vals[i])
    if i == len(grid) - 1 and vals[-1] > vals[-2] + 1e-12 * abs(vals[-1]):
        return float("inf")
    lo, hi = grid[max(i - 1, 0)], grid[min(i + 1, len(grid) - 1)]
    res = minimize_scalar(
        lambda x: -(t * x - float(f_num(np.array([x]))[0])),
        bounds=(lo, hi),
        method="bounded",
        options={"xatol": 1e-14 * max(1.0, hi)},
    )
    if np.isfinite(res.fun):
        best = max(best, -float(res.fun))
    if np.isfinite(f0):
        best = max(best, -f0)
    return best


def _branch_points(lo: float, hi: float, n: int) -> list[float]:
    """Test points of a branch (lo, hi), dense near a finite right end (the hard place)."""
    if np.isfinite(lo) and np.isfinite(hi):
        width = hi - lo
        pts = [lo + width * q for q in np.linspace(0.1, 0.9, n)]
        pts += [hi - width * d for d in (1e-3, 1e-6)]
        return pts
    if np.isfinite(hi):
        scale = 1.0 + abs(hi)
        return [hi - d for d in (7.0, 1.3, 0.05)[:n]] + [
            hi - scale * d for d in (0.5, 0.1, 1e-2, 1e-3, 1e-6)
        ]
    if np.isfinite(lo):
        return [lo + d for d in (0.05, 1.3, 4.0)[:n]] + [lo + 30.0]
    return [-3.0, 0.0, 2.0][:n] + [-30.0, 30.0]


def verify_closed_form(g: Generator, *, n_per_branch: int = 3) -> tuple[float, list[float]]:
    r"""Check a derived closed form against brute force and its own analytic structure.

    Parameters
    ----------
    g : Generator
        A numeric (non-symbolic) generator with ``closed_form`` True.
    n_per_branch : int
        Interior test points per branch of :math:`f^*` (points near a finite end are added).

    Returns
    -------
    worst : float
        Largest violation, each relative to the scale of its terms (see Notes).
    ts : list of float
        The points tested.

    Notes
    -----
    With :math:`u = (f^*)'(t)` on a stationary branch and :math:`s = 1 + |tu| + |f(u)|`:

    .. math::
        \frac{\max_{v \in \mathrm{grid}} (tv - f(v)) - f^*(t)}{1 + |f^*(t)|},\quad
        \frac{|f'(u) - t|}{1 + |t|},\quad
        \frac{|f^*(t) - (tu - f(u))|}{s}

    (the first only counts when positive: the grid gives a lower bound), the link's decrease
    along the branch, and the zero / kink / infinite branches' values.

    Examples
    --------
    >>> from boundkit.generators import get_generator
    >>> worst, _ = verify_closed_form(get_generator("pearson"))
    >>> worst < 1e-9
    True
    """
    d = g.derivation
    fnum = g._compiled("f")
    f0 = _float(g.f_at_0)
    grid = np.logspace(-14, 12, 4001)
    ts: list[float] = []
    worst = 0.0
    prev = -np.inf
    for br in d.branches:
        hi = _float(br.upper)
        if br.kind == "infinite":
            if np.isfinite(prev):
                pts = [prev + 0.5, prev + 1e3]
                vals = np.atleast_1d(g.conjugate(np.asarray(pts)))
                ts.extend(pts)
                ref = [brute_force_conjugate(fnum, t, f0=f0) for t in pts]
                ok = all(np.isinf(v) and v > 0 for v in vals) and all(
                    np.isinf(r) and r > 0 for r in ref
                )
                worst = max(worst, 0.0 if ok else np.inf)
            break
        if br.kind == "limit":
            # f* is non-decreasing and lower semicontinuous: f*(s_inf) = lim_{t -> s_inf-} f*(t),
            # so it is >= every value before it (and >= the grid supremum at s_inf), and the
            # gaps to values approaching s_inf shrink monotonically
            c_end = float(g.conjugate(hi))
            near = hi - (1.0 + abs(hi)) * np.logspace(-2, -12, 6)
            c_near = np.atleast_1d(np.asarray(g.conjugate(near), dtype=float))
            ts.append(hi)
            gaps = c_end - c_near
            tol = 1e-9 * (1.0 + abs(c_end))
            if not np.isfinite(c_end) or np.any(gaps < -tol) or np.any(np.diff(gaps) > tol):
                worst = np.inf
            else:
                worst = max(worst, _grid_excess(fnum, hi, c_end, grid, f0))
            continue
        lo = prev
        pts = _branch_points(prev, hi, n_per_branch)
        if br.kind in ("zero", "kink") and np.isfinite(prev) and np.isfinite(hi):
            pts = [prev + (hi - prev) * q for q in np.linspace(0.0, 1.0, n_per_branch + 2)]
            pts = pts[1:-1] + ([hi] if br.closed else [])
        elif br.kind == "zero":
            pts = [hi - 10.0, hi - 1.0] + ([hi] if br.closed else [])
        pts = sorted(pts)
        prev = hi
        ts.extend(pts)
        arr = np.asarray(pts, dtype=float)
        c = np.atleast_1d(np.asarray(g.conjugate(arr), dtype=float))
        u = np.atleast_1d(np.asarray(g.link(arr), dtype=float))
        if br.kind == "stationary" and np.isfinite(hi):
            # near a finite end the maximiser may exceed float64 (u = 1e400): not testable
            width = (hi - lo) if np.isfinite(lo) else (1.0 + abs(hi))
            keep = np.isfinite(u) | (arr < hi - 0.6 * width)
            arr, c, u = arr[keep], c[keep], u[keep]
            if arr.size < 2:
                worst = np.inf  # too few representable points to test the branch
                continue
            pts = [p for p, k in zip(pts, keep, strict=True) if k]
        # one-sided brute force: no closed form may lie below the supremum over a grid
        for t, cv in zip(pts, c, strict=True):
            if not np.isfinite(cv):
                worst = np.inf
                continue
            worst = max(worst, _grid_excess(fnum, t, float(cv), grid, f0))
        with np.errstate(invalid="ignore"):
            decreasing = np.diff(u) < -1e-9 * (1.0 + np.abs(u[1:]))
        if np.any(decreasing):
            worst = np.inf
        if br.kind == "zero":
            worst = max(worst, float(np.max(np.abs(c + f0) / (1.0 + abs(f0)))))
            worst = max(worst, float(np.max(np.abs(u))))
            continue
        if not np.all(np.isfinite(u)) or np.any(u < 0):
            worst = np.inf
            continue
        fu = np.asarray(g.f_numeric(u), dtype=float)
        scale = 1.0 + np.abs(arr * u) + np.abs(fu)
        worst = max(worst, float(np.max(np.abs(c - (arr * u - fu)) / scale)))
        if br.kind == "kink":
            k = float(u[0])
            left = float(g.fprime(k * (1 - 1e-9))) if k > 0 else -np.inf
            right = float(g.fprime(k))
            tol = 1e-6 * (1.0 + abs(left) + abs(right))
            if np.any(arr < left - tol) or np.any(arr > right + tol):
                worst = np.inf
        else:
            # stationary: f'(u(t)) = t, which with convexity proves the supremum
            fp = np.asarray(g.fprime(u), dtype=float)
            worst = max(worst, float(np.max(np.abs(fp - arr) / (1.0 + np.abs(arr)))))
    return worst, ts
