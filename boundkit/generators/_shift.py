r"""The shifted conjugate functional :math:`\Lambda_f^Q[h]`, its optimal shift and the
refinement ratio: the one batched kernel every package calls.

- :func:`shift_functional`: :math:`\Lambda_f^Q[h] = \min_\nu \nu + \sum_i w_i f^*(h_i - \nu)`
  and :math:`\nu_h`, for one discriminator (``h`` of shape ``(k,)``) or a batch of them (rows of
  ``h``, shape ``(m, k)``); KL (any affine variant :math:`u\log u + c(u-1)`) by its closed form
  :math:`\log\sum_i w_i e^{h_i}`, every other generator by one vectorised safeguarded
  regula-falsi on the first-order condition.
- :func:`refinement_ratio`: :math:`dQ_h/dQ = (f^*)'(h - \nu_h)` on the atoms.
- :func:`is_kl`: whether a generator's divergence is KL.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.optimize import brentq

from boundkit._errors import BoundkitError, SolverError
from boundkit._validation import check_weights
from boundkit.generators._conjugate_forms import (
    fast_conjugate,
    fast_link,
    gap_conjugate,
    gap_link,
)

__all__ = [
    "ShiftFunctional",
    "conjugate_domain_end",
    "is_kl",
    "kl_affine_shift",
    "lambda_differentiable",
    "log_partition",
    "refinement_ratio",
    "shift_functional",
]

_EPS = float(np.finfo(float).eps)
_MAX_ITER = 200


@dataclass(frozen=True)
class ShiftFunctional:
    r"""Result of :func:`shift_functional` (floats for ``h`` of shape (k,), arrays of shape
    (m,) for a batch ``h`` of shape (m, k)).

    Attributes
    ----------
    value : float or numpy.ndarray
        :math:`\Lambda_f^Q[h] = \min_\nu \{\nu + \sum_i w_i f^*(h_i - \nu)\}`.
    nu : float or numpy.ndarray
        The optimal shift :math:`\nu_h` (with ``h_null``: the constrained optimum).
    ratio : numpy.ndarray
        :math:`dQ_h/dQ` at the atoms (shape of ``h``), as :func:`refinement_ratio` returns it.
    mass : float or numpy.ndarray
        :math:`\sum_i w_i (f^*)'(h_i - \nu_h)`; 1 when the first-order condition holds (less
        at the closed end of :math:`\mathrm{dom} f^*`, e.g. total variation).
    method : str
        ``"logsumexp"`` (KL), ``"root"`` (root-find of the first-order condition),
        ``"boundary"`` (minimum at the end of :math:`\mathrm{dom} f^*`), ``"floor"`` (the
        constraint from ``h_null`` is active); for a batch the distinct methods joined by
        ``"+"``.
    iterations : int
        Root-finder iterations (the largest over the rows; 0 for the closed form).
    n : int
        Number of atoms with positive weight (the largest over the rows).
    """

    value: Any
    nu: Any
    ratio: np.ndarray
    mass: Any
    method: str
    iterations: int
    n: int


# ------------------------------------------------------------------------ generator facts
_KL_CACHE: dict[int, tuple[Any, float | None]] = {}
_U_KL = np.array([0.05, 0.3, 0.9, 1.7, 3.2, 11.0])


def _resolve(g: Any) -> Any:
    if isinstance(g, str):
        from boundkit.generators._catalogue import get_generator

        return get_generator(g)
    for attr in ("conjugate", "link"):
        if not hasattr(g, attr):
            raise BoundkitError(
                f"expected a generator name or a boundkit Generator, got {type(g).__name__}"
            )
    return g


def kl_affine_shift(g: Any) -> float | None:
    r"""The :math:`c` with :math:`f(u) = u\log u + c(u - 1)` when the generator is KL up to an
    affine term (same divergence, same :math:`\Lambda_f^Q`); ``None`` otherwise.

    Parameters
    ----------
    g : Generator or str

    Returns
    -------
    float or None

    Notes
    -----
    Recognised by value: :math:`(f(u) - u\log u)/(u - 1)` is the same constant at six points
    (relative agreement :math:`10^{-9}`), so a user generator equal to KL qualifies.

    .. math:: f(u) = u\log u + c\,(u-1) \iff f^*(t) = e^{t - c - 1} - c.

    Examples
    --------
    >>> kl_affine_shift("kl"), kl_affine_shift("kl_standard"), kl_affine_shift("pearson")
    (0.0, -1.0, None)
    """
    g = _resolve(g)
    hit = _KL_CACHE.get(id(g))
    if hit is not None and hit[0] is g:
        return hit[1]
    c: float | None = None
    try:
        fu = np.asarray(g.f_numeric(_U_KL), dtype=float)
    except (BoundkitError, AttributeError, TypeError, ValueError):
        fu = None
    if fu is not None and np.all(np.isfinite(fu)):
        slopes = (fu - _U_KL * np.log(_U_KL)) / (_U_KL - 1.0)
        mid = float(np.median(slopes))
        if np.allclose(slopes, mid, rtol=1e-9, atol=1e-11):
            c = 0.0 if abs(mid) < 1e-12 else mid
    if len(_KL_CACHE) > 512:
        _KL_CACHE.clear()
    _KL_CACHE[id(g)] = (g, c)
    return c


def is_kl(g: Any) -> bool:
    r"""Whether the generator's divergence is Kullback-Leibler.

    Parameters
    ----------
    g : Generator or str

    Returns
    -------
    bool
        True for :math:`f(u) = u\log u + c(u - 1)` with any constant :math:`c` (see
        :func:`kl_affine_shift`).

    Notes
    -----
    .. math:: D_f = \mathrm{KL} \iff f(u) = u\log u + c\,(u - 1).

    Examples
    --------
    >>> is_kl("kl"), is_kl("kl_standard"), is_kl("u*log(u)"), is_kl("reverse_kl")
    (True, True, True, False)
    """
    return kl_affine_shift(g) is not None


def conjugate_domain_end(g: Any) -> tuple[float, bool]:
    r"""The upper end of :math:`\mathrm{dom} f^*` and whether the domain contains it.

    Parameters
    ----------
    g : Generator or str

    Returns
    -------
    sup : float
        :math:`\sup\mathrm{dom} f^* = f'(\infty)` (``inf`` when unbounded).
    closed : bool
        True when :math:`f^*(\sup\mathrm{dom} f^*) < \infty` (total variation).

    Notes
    -----
    .. math:: \mathrm{dom} f^* = (-\infty, f'(\infty)) \text{ or } (-\infty, f'(\infty)].

    Examples
    --------
    >>> conjugate_domain_end("tv"), conjugate_domain_end("reverse_kl")
    ((0.5, True), (0.0, False))
    """
    g = _resolve(g)
    dom = getattr(g, "domain", None)
    if dom is not None:
        try:
            sup = float(dom.sup)
        except (TypeError, ValueError):
            sup = float("inf")
        closed = bool(np.isfinite(sup) and not getattr(dom, "right_open", True))
        return sup, closed
    val = getattr(g, "fprime_at_inf", None)
    try:
        sup = float(val)
    except (TypeError, ValueError):
        sup = float("inf")
    if np.isnan(sup):
        raise BoundkitError("f'(inf) of the generator is undefined")
    closed = bool(np.isfinite(sup) and np.isfinite(float(np.asarray(g.conjugate(sup)))))
    return sup, closed


def lambda_differentiable(g: Any) -> bool:
    r"""Whether :math:`\Lambda_f^Q` is differentiable for this generator (claim C4 assumes it).

    Parameters
    ----------
    g : Generator or str

    Returns
    -------
    bool
        False when :math:`\mathrm{dom} f^*` is closed and the link is finite at its end
        (total variation, hinge-like generators): the optimal shift can then sit at the end of
        the domain, where :math:`f^*` has a kink, :math:`Q_h` is not unique and the first-order
        identities of C4 need not hold for the representative returned.

    Notes
    -----
    .. math:: \Lambda_f^Q \text{ differentiable} \iff \neg\big(\sup\mathrm{dom} f^* \in
              \mathrm{dom} f^* \text{ and } (f^*)'(\sup\mathrm{dom} f^*) < \infty\big).

    Examples
    --------
    >>> lambda_differentiable("tv"), lambda_differentiable("neyman"), lambda_differentiable("kl")
    (False, True, True)
    """
    g = _resolve(g)
    sup, closed = conjugate_domain_end(g)
    if not closed:
        return True
    return not bool(np.isfinite(float(np.asarray(fast_link(g)(np.array([sup])))[0])))


def _unit_link_point(g: Any) -> float:
    """A point c with (f*)'(c) = 1 (c = f'(1), the right derivative at a kink)."""
    try:
        c = float(g.fprime_at_1)
    except (TypeError, ValueError, AttributeError):
        raise BoundkitError(
            f"generator {getattr(g, 'name', g)} needs numeric parameters for shift_functional"
        ) from None
    return c


# ------------------------------------------------------------------------ inputs
def _inputs(h: Any, weights: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, bool]:
    """``(H, Hraw, W, on, batched)``: h (0 where w = 0, and as given) and weights as (m, k)
    arrays, the mask of w > 0."""
    H = np.asarray(h, dtype=float)
    batched = H.ndim == 2
    if H.ndim not in (1, 2) or H.shape[-1] == 0 or (batched and H.shape[0] == 0):
        raise BoundkitError(f"h must have shape (k,) or (m, k) with k, m >= 1, got {H.shape}")
    H2 = H if batched else H[None, :]
    k = H2.shape[1]
    if weights is None:
        W = np.full(H2.shape, 1.0 / k)
    else:
        W = check_weights(weights, k, rows=True)
        if W.ndim == 2 and (not batched or W.shape[0] != H2.shape[0]):
            raise BoundkitError(f"weights have shape {W.shape}, expected ({k},) or {H2.shape}")
        W = np.broadcast_to(W, H2.shape)
    on = W > 0
    if not np.all(np.isfinite(H2[on])):
        raise BoundkitError("h has NaN or infinite values on the support of Q")
    return np.where(on, H2, 0.0), H2, W, on, batched


def _null_floor(h_null: Any, big: np.ndarray, sup: float, batched: bool) -> np.ndarray | None:
    r"""Lower bound on :math:`s = \nu - (\max_i h_i - \sup\mathrm{dom} f^*)` from the Q-null
    atoms: :math:`h^{null}_j - \nu \le \sup\mathrm{dom} f^*` is
    :math:`s \ge \max_j h^{null}_j - \max_i h_i` (per row)."""
    if h_null is None or not np.isfinite(sup):
        return None
    hn = np.asarray(h_null, dtype=float)
    if hn.size == 0:
        return None
    m = big.shape[0]
    hn = hn.reshape(m, -1) if batched else hn.reshape(1, -1)
    if hn.shape[0] != m:
        raise BoundkitError(f"h_null must have {m} rows like h, got shape {hn.shape}")
    if not np.all(np.isfinite(hn)):
        raise BoundkitError("h has NaN or infinite values on the support of P")
    return hn.max(axis=1) - big


# ------------------------------------------------------------------------ the solver
def _shifted_form(g: Any, key: str, sup: float, closed: bool) -> Any:
    r"""``values(H, nu)``: :math:`(f^*)'(h_i - \nu)` (``key="link"``) or :math:`f^*(h_i - \nu)`
    (``key="conjugate"``) per row. With an open finite end of :math:`\mathrm{dom} f^*` and rows
    shifted so that :math:`\max_i h_i = \sup\mathrm{dom} f^*`, through the gap
    :math:`u_i = (\sup - h_i) + \nu` (:func:`gap_link`, :func:`gap_conjugate`), which keeps its
    digits where :math:`h_i - \nu` cannot be told apart from the end (a tiny weight at the
    largest h); otherwise at :math:`h_i - \nu`."""
    gap_fn = gap_link if key == "link" else gap_conjugate
    gform = gap_fn(g) if np.isfinite(sup) and not closed else None
    if gform is not None:
        return lambda H, nu: gform((sup - H) + nu[:, None])
    fn = fast_link(g) if key == "link" else fast_conjugate(g)
    return lambda H, nu: fn(H - nu[:, None])


def _mass(link: Any, H: np.ndarray, W: np.ndarray, on: np.ndarray, nu: np.ndarray) -> np.ndarray:
    r""":math:`\sum_i w_i (f^*)'(h_i - \nu)` per row (``inf`` outside the domain); ``link`` is
    an evaluator of :func:`_shifted_form`."""
    with np.errstate(all="ignore"):
        total = np.where(on, W * link(H, nu), 0.0).sum(axis=1)
    if np.isnan(total).any():
        raise BoundkitError("the generator's link returned NaN")
    return total


def _objective(conj: Any, H: np.ndarray, W: np.ndarray, on: np.ndarray, nu: np.ndarray):
    r""":math:`\nu + \sum_i w_i f^*(h_i - \nu)` per row; ``conj`` is an evaluator of
    :func:`_shifted_form`."""
    with np.errstate(all="ignore"):
        total = np.where(on, W * conj(H, nu), 0.0).sum(axis=1)
    if np.isnan(total).any():
        raise BoundkitError("the generator's conjugate returned NaN")
    return nu + total


def _root(g: Any, H: np.ndarray, W: np.ndarray, on: np.ndarray, sup: float, closed: bool):
    r"""Per row, the :math:`\nu` with :math:`\sum_i w_i (f^*)'(h_i - \nu) = 1`.

    The mass is non-increasing in :math:`\nu`; with :math:`c = f'(1)`, :math:`(f^*)'(c) = 1`,
    it is :math:`\ge 1` at :math:`\min_i h_i - c` and :math:`\le 1` at :math:`\max_i h_i - c`.
    Illinois regula falsi on that bracket, with a bisection whenever a step is not inside or
    the bracket did not halve; an infinite mass (outside :math:`\mathrm{dom} f^*`) bisects.
    Returns ``(nu, method code, iterations)``: code 0 root, 1 boundary.
    """
    m = H.shape[0]
    c = _unit_link_point(g)
    link = _shifted_form(g, "link", sup, closed)
    big = np.where(on, H, -np.inf).max(axis=1)
    small = np.where(on, H, np.inf).min(axis=1)
    lo, hi = small - c, big - c
    code = np.zeros(m, dtype=int)
    nu = np.empty(m)
    done = np.zeros(m, dtype=bool)
    if np.isfinite(sup):
        nu_min = big - sup  # exact: the rows are shifted so that max_i h_i = sup
        lo = np.maximum(lo, nu_min)
        if closed:
            m_min = _mass(link, H, W, on, nu_min)
            edge = np.isfinite(m_min) & (m_min <= 1.0 + 1e-12)
            nu[edge], code[edge], done[edge] = nu_min[edge], 1, True
    hi = np.maximum(hi, lo)
    flo = _mass(link, H, W, on, lo) - 1.0
    fhi = _mass(link, H, W, on, hi) - 1.0
    for at, cond in ((lo, flo <= 0.0), (hi, fhi >= 0.0)):
        sel = cond & ~done
        nu[sel], done[sel] = at[sel], True
    act = np.flatnonzero(~done)
    if act.size == 0:
        return nu, code, 0
    if act.size == 1:
        i = int(act[0])
        nu[i], it = _brent_row(link, H[i], W[i], on[i], lo[i], hi[i], flo[i])
        return nu, code, it
    a, b, fa, fb = lo[act], hi[act], flo[act], fhi[act]
    Ha, Wa, ona = H[act], W[act], on[act]
    side = np.zeros(act.size, dtype=int)  # which end was kept last time (-1 a, +1 b)
    ref_width = b - a  # the bracket must halve every 3 steps, or the next step bisects
    stall = np.zeros(act.size, dtype=int)
    it = 0
    live = np.ones(act.size, dtype=bool)
    while np.any(live) and it < _MAX_ITER:
        it += 1
        idx = np.flatnonzero(live)
        ai, bi, fai, fbi = a[idx], b[idx], fa[idx], fb[idx]
        with np.errstate(all="ignore"):
            x = (ai * fbi - bi * fai) / (fbi - fai)
        bad = ~np.isfinite(fai) | ~(x > ai) | ~(x < bi) | (stall[idx] >= 3)
        # at the domain end (infinite mass) step 1/1024 of the bracket in: a root next to the
        # end (a tiny weight at the largest h) is then reached geometrically
        x = np.where(bad, np.where(np.isfinite(fai), 0.5 * (ai + bi), ai + (bi - ai) / 1024), x)
        fx = _mass(link, Ha[idx], Wa[idx], ona[idx], x) - 1.0
        upper = fx > 0.0  # root above x: x becomes the lower end
        exact = np.abs(fx) <= 4.0 * _EPS  # the first-order condition holds to rounding
        # Illinois: halve the function value of an end kept twice in a row
        fbi = np.where(upper & (side[idx] == 1), 0.5 * fbi, fbi)
        fai = np.where(~upper & (side[idx] == -1), 0.5 * fai, fai)
        na = np.where(upper | exact, x, ai)
        nb = np.where(upper & ~exact, bi, x)
        a[idx], b[idx] = na, nb
        fa[idx] = np.where(upper, fx, fai)
        fb[idx] = np.where(upper, fbi, fx)
        side[idx] = np.where(upper, 1, -1)
        w = nb - na
        halved = w <= 0.5 * ref_width[idx]
        ref_width[idx] = np.where(halved | bad, w, ref_width[idx])
        stall[idx] = np.where(halved | bad, 0, stall[idx] + 1)
        # relative, down to the normal range
        tol = 2.0 * _EPS * np.maximum(np.abs(na), np.abs(nb)) + 1e-307
        live[idx] = (w > tol) & ~exact
    if np.any(live):
        raise SolverError(f"shift_functional: the root-find did not converge in {_MAX_ITER} steps")
    # the end with the smaller excess (a jump of a piecewise link: the right end)
    ra = _mass(link, Ha, Wa, ona, a) - 1.0
    rb = _mass(link, Ha, Wa, ona, b) - 1.0
    nu[act] = np.where(np.isfinite(ra) & (np.abs(ra) < np.abs(rb)), a, b)
    return nu, code, it


def _brent_row(link: Any, h, w, on, a: float, b: float, fa: float) -> tuple[float, int]:
    r"""One row of :func:`_root`: bisection while the lower end is outside the domain, then
    Brent's method (:func:`scipy.optimize.brentq`) on the same bracket and excess."""
    H, W, ON = h[None, :], w[None, :], on[None, :]

    def excess(x: float) -> float:
        return float(_mass(link, H, W, ON, np.array([x]))[0]) - 1.0

    it = 0
    while not np.isfinite(fa) and it < _MAX_ITER:
        it += 1
        mid = a + (b - a) / 1024  # geometric approach to a root next to the domain end
        fm = excess(mid)
        if fm > 0.0:
            a, fa = mid, fm
        else:
            b = mid
        if b - a <= 2.0 * _EPS * max(abs(a), abs(b)):
            return b, it
    if not np.isfinite(fa):
        raise SolverError(f"shift_functional: the root-find did not converge in {_MAX_ITER} steps")
    if abs(fa) <= 4.0 * _EPS:
        return a, it
    # relative accuracy: next to a domain end (a >= 0 there) h - nu = -s must keep its digits
    xtol = max(2.0 * _EPS * min(abs(a), abs(b)), 1e-307)
    try:
        x, info = brentq(
            excess, a, b, xtol=xtol, rtol=4.0 * _EPS, maxiter=5 * _MAX_ITER, full_output=True
        )
    except (RuntimeError, ValueError) as exc:
        raise SolverError(f"shift_functional: brentq failed ({exc})") from None
    return float(x), it + int(info.iterations)


def log_partition(a: Any, weights: Any = None) -> np.ndarray:
    r"""Log-partition :math:`\log\sum_i w_i e^{a_i}` of each row: :math:`\Lambda_{\rm KL}^Q`.

    The primitive under the KL closed form of :func:`shift_functional` (which validates its
    inputs, then calls this), for hot loops that call it many times on arrays they built
    themselves (the Newton solver of the linear-KL toys: ``log_partition(log q + H)``). Cost:
    one pass for the row maxima, one ``exp`` and one sum; the validation is on the m results.

    Parameters
    ----------
    a : array_like, shape (k,) or (m, k)
        Exponents :math:`a_i` (``-inf`` allowed: an atom of weight zero).
    weights : array_like, shape (k,) or (m, k), optional
        Nonnegative weights :math:`w_i` (1 when omitted); atoms with :math:`w_i = 0` are
        ignored, whatever :math:`a_i` is there. Not normalised here.

    Returns
    -------
    numpy.ndarray
        Shape (m,) (a 0-d array for ``a`` of shape (k,)).

    Raises
    ------
    BoundkitError
        If ``a`` is empty, a weight is negative or NaN, or a row's value is not finite (``a``
        NaN or ``+inf`` on an atom of positive weight, or no atom of positive weight).

    Notes
    -----
    .. math:: \log\sum_i w_i e^{a_i} = a^* + \log\sum_{i:\,w_i > 0} w_i e^{a_i - a^*},
              \qquad a^* = \max_{i:\,w_i > 0} a_i

    (no overflow; every term is at most :math:`w_i`). With :math:`w` the probabilities of
    Q and :math:`a = h` it is :math:`\Lambda_{\rm KL}^Q[h] = \log E_Q e^h`; with
    :math:`a = \log q + h` and no weights, the same number.

    Examples
    --------
    >>> import numpy as np
    >>> float(log_partition(np.log([1.0, 3.0]), [0.5, 0.5]).round(12))
    0.69314718056
    >>> log_partition(np.array([[0.0, 0.0], [np.log(2.0), -np.inf]])).round(12).tolist()
    [0.69314718056, 0.69314718056]
    """
    a = np.asarray(a, dtype=float)
    if a.ndim not in (1, 2) or a.size == 0:
        raise BoundkitError(f"a must have shape (k,) or (m, k) with k, m >= 1, got {a.shape}")
    if weights is not None:
        w = np.asarray(weights, dtype=float)
        w_min = w.min() if w.size else 0.0
        if not w_min >= 0.0:
            raise BoundkitError("weights must be nonnegative (and not NaN)")
        if w_min == 0.0:
            a = np.where(w > 0.0, a, -np.inf)
    top = a.max(axis=-1, keepdims=True)
    with np.errstate(under="ignore", invalid="ignore"):
        terms = a - top
        np.exp(terms, out=terms)
        if weights is not None:
            terms *= w
        value = top[..., 0] + np.log(terms.sum(axis=-1))
    if not np.all(np.isfinite(value)):
        raise BoundkitError(
            "log_partition: a row is not finite (a NaN or +inf where the weight is positive, "
            "or no atom of positive weight)"
        )
    return value


def _ratio(
    g: Any,
    T: np.ndarray,
    W,
    on,
    sup: float,
    closed: bool,
    *,
    log_kl: Any = None,
    normalise: bool,
    gap: Any = None,
) -> tuple[np.ndarray, Any]:
    r"""``(ratio, mass)``: :math:`(f^*)'(t)` at ``T = h - nu`` (KL: :math:`e^{\log r}` from
    ``log_kl``; with ``gap``, :math:`u = \sup\mathrm{dom} f^* - t` kept to full precision, the
    link through :func:`gap_link`) and :math:`\sum_i w_i` of it per row; normalised, see
    :func:`refinement_ratio`."""
    glink = gap_link(g) if gap is not None else None
    with np.errstate(all="ignore"):
        if log_kl is not None:
            R = np.exp(log_kl)
        elif glink is not None:  # the gap form inside the domain, the link elsewhere
            R = np.where(gap > 0, glink(gap), fast_link(g)(T)).astype(float)
        else:
            R = np.asarray(fast_link(g)(T), dtype=float)
        mass = np.where(on, W * R, 0.0).sum(axis=1)
    if np.isnan(mass).any():
        raise BoundkitError("the generator's link returned NaN")
    if not normalise:
        return R, mass
    total = mass.copy()
    if closed:
        # nu at the closed end of dom f* (total variation): the subdifferential of f* there
        # is [link, +inf); the missing mass goes to the atoms where h - nu reaches sup dom f*,
        # in proportion to w (one valid choice; the refined model is not unique)
        short = total < 1.0 - 1e-12
        if np.any(short):
            top = on & (T >= sup - 1e-9 * (1.0 + abs(sup))) & short[:, None]
            w_top = np.sum(np.where(top, W, 0.0), axis=1)
            fill = np.divide(1.0 - total, w_top, out=np.zeros_like(total), where=w_top > 0)
            R = np.where(top, R + fill[:, None], R)
            with np.errstate(invalid="ignore"):  # 0 * inf off the support is masked by `on`
                total = np.sum(np.where(on, W * R, 0.0), axis=1)
    if not np.all(np.abs(total - 1.0) <= 1e-6):
        bad = float(total[int(np.argmax(np.abs(total - 1.0)))])
        raise SolverError(f"the refined masses sum to {bad:.8g}, not 1 (solver failure)")
    return R / total[:, None], mass


def _shift(g: Any, h: Any, weights: Any, h_null: Any) -> tuple[Any, ...]:
    r"""Solve; returns the generator, inputs, :math:`\nu`, :math:`\Lambda`, ``T = h - nu`` on
    every atom, the KL log-ratio (or None), method codes and iterations.

    The rows are solved in shifted coordinates :math:`s = \nu - a`,
    :math:`a = \max_i h_i - \sup\mathrm{dom} f^*` (:math:`\max_i h_i - f'(1)` when the
    domain is unbounded), on :math:`h_i - a`, whose maximum is the domain end exactly: then
    :math:`h_i - \nu = (h_i - a) - s` keeps full relative precision next to the end of the
    domain, where the link blows up (a tiny mass at the largest h).
    """
    g = _resolve(g)
    H, Hraw, W, on, batched = _inputs(h, weights)
    sup, closed = conjugate_domain_end(g)
    c_kl = kl_affine_shift(g)
    big = np.where(on, H, -np.inf).max(axis=1)
    it = 0
    if c_kl is not None:
        value = log_partition(H, W)  # W = 0 off the support
        nu = value - 1.0 - c_kl
        code = np.full(H.shape[0], 2)
        log_kl = Hraw - value[:, None]
        return (
            g,
            Hraw,
            W,
            on,
            batched,
            sup,
            closed,
            nu,
            value,
            Hraw - nu[:, None],
            log_kl,
            code,
            0,
            None,
        )
    end = sup if np.isfinite(sup) else _unit_link_point(g)
    offset = big - end
    Hs = np.where(on, (H - big[:, None]) + end, 0.0)
    s, code, it = _root(g, Hs, W, on, sup, closed)
    floor = _null_floor(h_null, big, sup, batched)
    if floor is not None and np.any(floor > s):
        code = np.where(floor > s, 3, code)
        s = np.maximum(s, floor)
    value = offset + _objective(_shifted_form(g, "conjugate", sup, closed), Hs, W, on, s)
    if not np.all(np.isfinite(value)):
        raise SolverError("shift_functional: the objective is not finite at the optimal shift")
    with np.errstate(invalid="ignore"):
        T = np.where(on, Hs - s[:, None], (Hraw - big[:, None]) + end - s[:, None])
        # the distance to the open end of dom f*, to full precision (see _shifted_form)
        gap = (
            np.where(on, (end - Hs) + s[:, None], (big[:, None] - Hraw) + s[:, None])
            if np.isfinite(sup) and not closed
            else None
        )
    return g, Hraw, W, on, batched, sup, closed, offset + s, value, T, None, code, it, gap


_METHODS = ("root", "boundary", "logsumexp", "floor")


def shift_functional(g: Any, h: Any, weights: Any = None, *, h_null: Any = None) -> ShiftFunctional:
    r"""Shifted conjugate functional :math:`\Lambda_f^Q[h]` of a finite (weighted) Q.

    Parameters
    ----------
    g : Generator or str
        The generator (a name or expression is passed to :func:`get_generator`).
    h : array_like, shape (k,) or (m, k)
        Values :math:`h(x_i)` of the discriminator at the atoms (or samples) of Q; a 2-d array
        is a batch of m discriminators, one per row.
    weights : array_like, shape (k,) or (m, k), optional
        Probabilities :math:`w_i \ge 0` summing to 1 (uniform when omitted), shared by the rows
        or one vector per row. Atoms with zero weight are ignored (h may be anything there).
    h_null : array_like, shape (j,) or (m, j), optional
        Values of h on atoms that P charges and Q does not. When :math:`\mathrm{dom} f^*` is
        bounded above they must stay in its closure, :math:`h_j - \nu \le f'(\infty)` (the
        convention :math:`0 \cdot f^*(t) = +\infty` outside the domain), which bounds
        :math:`\nu` from below (claim C2 with :math:`P \not\ll Q`).

    Returns
    -------
    ShiftFunctional
        ``value`` and the optimal shift ``nu`` (floats, or arrays of shape (m,) for a batch),
        plus the density ratio of the refined model.

    Raises
    ------
    BoundkitError
        If h is not finite where Q has mass, or the weights are not probability vectors of the
        length of the rows of h.
    SolverError
        If the root-find does not converge.

    Notes
    -----
    .. math::

        \Lambda_f^Q[h] = \inf_{\nu \ge \nu_0}\Big\{\nu + \sum_i w_i f^*(h_i - \nu)\Big\},
        \qquad \sum_i w_i (f^*)'(h_i - \nu_h) = 1,

    where :math:`w` are the weights of Q, :math:`h_i = h(x_i)` and
    :math:`\nu_0 = \max_j h^{null}_j - f'(\infty)` (:math:`-\infty` without ``h_null``). The
    objective is convex in :math:`\nu` with derivative :math:`1 - \sum_i w_i (f^*)'(h_i -
    \nu)`, non-decreasing, so :math:`\nu_h` is the root of the first-order condition in
    :math:`[\min_i h_i - c, \max_i h_i - c]`, :math:`c = f'(1)` (safeguarded regula falsi to
    machine precision, all rows at once); when :math:`\mathrm{dom} f^*` is closed and the
    condition fails at its end the minimum is :math:`\nu_h = \max_i h_i - \sup\mathrm{dom}
    f^*` (total variation). KL and its affine variants :math:`u\log u + c(u-1)` are closed form:

    .. math:: \Lambda_{\rm KL}^Q[h] = \log \sum_i w_i e^{h_i}, \qquad
              \nu_h = \Lambda_{\rm KL}^Q[h] - 1 - c.

    Examples
    --------
    >>> import numpy as np
    >>> lam = shift_functional("kl", np.array([0.0, np.log(3.0)]), np.array([0.5, 0.5]))
    >>> round(lam.value, 12), round(lam.nu, 12)
    (0.69314718056, -0.30685281944)
    >>> lam = shift_functional("pearson", np.array([[0.0, 1.0], [1.0, 1.0]]), [0.5, 0.5])
    >>> lam.value.round(12).tolist(), lam.mass.round(12).tolist()
    ([0.5625, 1.0], [1.0, 1.0])
    """
    g, _, W, on, batched, sup, closed, nu, value, T, log_kl, code, it, gap = _shift(
        g, h, weights, h_null
    )
    normalise = not np.any(code == 3)
    ratio, mass = _ratio(g, T, W, on, sup, closed, log_kl=log_kl, normalise=normalise, gap=gap)
    method = "+".join(_METHODS[i] for i in sorted(set(code.tolist())))
    n = int(np.count_nonzero(on, axis=1).max())
    if batched:
        return ShiftFunctional(value, nu, ratio, mass, method, it, n)
    return ShiftFunctional(float(value[0]), float(nu[0]), ratio[0], float(mass[0]), method, it, n)


def refinement_ratio(g: Any, h: Any, weights: Any = None, *, nu: Any = None) -> np.ndarray:
    r"""The density ratio :math:`dQ_h/dQ = (f^*)'(h - \nu_h)` of the refined model.

    Parameters
    ----------
    g : Generator or str
    h : array_like, shape (k,) or (m, k)
        Values of the discriminator at the atoms of Q (a batch: one discriminator per row).
    weights : array_like, shape (k,) or (m, k), optional
        Probabilities of Q at the atoms (uniform when omitted).
    nu : float or array_like, shape (m,), optional
        A known optimal shift (e.g. to evaluate the ratio at new points of a continuous Q).
        Omitted: :math:`\nu_h` is computed by :func:`shift_functional` on these atoms.

    Returns
    -------
    numpy.ndarray
        Same shape as ``h``. With ``nu`` omitted the ratio is normalised so that
        :math:`\sum_i w_i r_i = 1` (removing root-finding rounding; a solver failure larger
        than :math:`10^{-6}` raises), and at the closed end of :math:`\mathrm{dom} f^*` (total
        variation) the missing mass of the subdifferential goes to the atoms where
        :math:`h_i - \nu_h` reaches the end, in proportion to :math:`w`. With ``nu`` given it
        is the link at :math:`h - \nu` as is.

    Raises
    ------
    BoundkitError, SolverError
        As :func:`shift_functional`.

    Notes
    -----
    .. math:: \frac{dQ_h}{dQ}(x_i) = (f^*)'(h_i - \nu_h), \qquad
              \text{KL: } \frac{dQ_h}{dQ}(x_i) = \frac{e^{h_i}}{\sum_j w_j e^{h_j}}.

    Examples
    --------
    >>> import numpy as np
    >>> refinement_ratio("kl", np.log([1.0, 3.0]), [0.5, 0.5]).round(12).tolist()
    [0.5, 1.5]
    """
    if nu is None:
        return shift_functional(g, h, weights).ratio
    g = _resolve(g)
    H, Hraw, W, on, batched = _inputs(h, weights)
    nus = np.broadcast_to(np.asarray(nu, dtype=float).reshape(-1), (H.shape[0],))
    if not np.all(np.isfinite(nus)):
        raise BoundkitError("nu must be finite")
    sup, closed = conjugate_domain_end(g)
    T = Hraw - nus[:, None]
    c_kl = kl_affine_shift(g)
    log_kl = None if c_kl is None else T - 1.0 - c_kl
    R, _ = _ratio(g, T, W, on, sup, closed, log_kl=log_kl, normalise=False)
    return R if batched else R[0]
