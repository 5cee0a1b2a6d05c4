r"""Shared helpers of the duality package: generators, finite problems, known forms of f."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from boundkit._errors import BoundkitError
from boundkit.distributions import FiniteDistribution, GridDensity, common_support
from boundkit.distributions._base import check_weights

__all__ = [
    "resolve_generator",
    "fprime_at_inf",
    "finite_problem",
    "KnownForm",
    "identify_generator",
    "as_h_values",
    "lambda_finite",
]


def resolve_generator(generator: Any, **params: Any) -> Any:
    """A :class:`boundkit.generators.Generator` from a generator, a name or an expression."""
    if isinstance(generator, str):
        from boundkit.generators import get_generator

        return get_generator(generator, **params)
    for attr in ("f_numeric", "conjugate", "link"):
        if not hasattr(generator, attr):
            raise BoundkitError(
                f"expected a generator name or a boundkit Generator, got {type(generator).__name__}"
            )
    return generator


def fprime_at_inf(g: Any) -> float:
    r""":math:`f'(\infty) = \lim_{u\to\infty} f(u)/u` as a float (``inf`` allowed)."""
    val = getattr(g, "fprime_at_inf", None)
    if val is None:
        u = np.array([1e8, 1e10])
        r = np.asarray(g.f_numeric(u), dtype=float) / u
        return float(r[-1]) if abs(r[-1] - r[0]) < 1e-3 * (1 + abs(r[-1])) else float("inf")
    try:
        out = float(val)
    except (TypeError, ValueError):
        s = str(val)
        if s in ("oo", "zoo"):
            return float("inf")
        raise BoundkitError(f"cannot read f'(inf) = {val!r} of generator") from None
    if np.isnan(out):
        raise BoundkitError("f'(inf) of the generator is undefined")
    return out


def discrete_view(D: Any) -> Any:
    """A refined model on a finite or grid support as the finite distribution it is; else ``D``."""
    from boundkit.duality._refine import RefinedDistribution  # _refine imports this module

    if isinstance(D, RefinedDistribution) and D.pmf is not None:
        return D.to_finite()
    return D


def finite_problem(P: Any, Q: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""Atoms and aligned probability vectors ``(atoms, p, q)`` of two finite distributions.

    Accepts :class:`FiniteDistribution` pairs (aligned on the union of their supports) and
    pairs of :class:`GridDensity` on the same grid (cell centres and masses).
    """
    P, Q = discrete_view(P), discrete_view(Q)
    if isinstance(P, GridDensity) and isinstance(Q, GridDensity):
        if not P.same_grid(Q):
            raise BoundkitError("the two grid densities must be tabulated on the same grid")
        return P.nodes, P.masses.copy(), Q.masses.copy()
    if isinstance(P, GridDensity):
        P = P.to_finite()
    if isinstance(Q, GridDensity):
        Q = Q.to_finite()
    if not isinstance(P, FiniteDistribution) or not isinstance(Q, FiniteDistribution):
        raise BoundkitError(
            "this computation needs finite distributions (FiniteDistribution or GridDensity), "
            f"got {type(P).__name__} and {type(Q).__name__}"
        )
    return common_support(P, Q)


def as_h_values(h: Any, atoms: np.ndarray, *, name: str = "h") -> np.ndarray:
    """Values of a discriminator on ``atoms``: a callable ``(k, d) -> (k,)`` or an array (k,)."""
    if callable(h):
        vals = np.asarray(h(atoms), dtype=float).reshape(-1)
    else:
        vals = np.asarray(h, dtype=float).reshape(-1)
    if vals.shape[0] != atoms.shape[0]:
        raise BoundkitError(
            f"{name} has {vals.shape[0]} values but the support has {atoms.shape[0]} atoms"
        )
    if not np.all(np.isfinite(vals)):
        raise BoundkitError(f"{name} has NaN or infinite values on the support")
    return vals


def _check_pq(p: Any, q: Any) -> tuple[np.ndarray, np.ndarray]:
    p = check_weights(p, name="p")
    q = check_weights(q, p.shape[0], name="q")
    return p, q


# ------------------------------------------------------------------------ known generators
def _xlogx(u: np.ndarray) -> np.ndarray:
    u = np.asarray(u, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(u > 0, u * np.log(np.where(u > 0, u, 1.0)), 0.0)


@dataclass(frozen=True)
class KnownForm:
    r"""A generator with a DCP (cvxpy) form of its conjugate and of its perspective.

    Attributes
    ----------
    key : str
        Short name (``"kl"``, ``"reverse_kl"``, ``"pearson"``, ``"hellinger"``, ``"js"``,
        ``"gan"``, ``"tv"``).
    f : callable
        Reference :math:`f(u)` (numpy), used to recognise a generator by its values.
    fstar : callable
        Reference :math:`f^*(t)` (numpy, ``inf`` outside the domain).
    fstar_cvx : callable
        ``t -> `` a convex cvxpy expression of :math:`f^*(t)` (elementwise).
    dom_upper : float
        :math:`\sup \operatorname{dom} f^*` (``inf`` when unbounded).
    dom_closed : bool
        Whether the domain contains its upper end.
    persp_cvx : callable
        ``(eta, q) -> `` a convex cvxpy expression of :math:`q f(\eta/q)` (elementwise,
        :math:`q > 0` constant).
    shift : float
        :math:`c` when the generator is :math:`f(u) + c(u - 1)` (same divergence, same
        :math:`\Lambda_f^Q`, conjugate :math:`f^*(t - c) + c`); 0 for the reference form.
    """

    key: str
    f: Callable[[np.ndarray], np.ndarray]
    fstar: Callable[[np.ndarray], np.ndarray]
    fstar_cvx: Callable[[Any], Any]
    dom_upper: float
    dom_closed: bool
    persp_cvx: Callable[[Any, np.ndarray], Any]
    shift: float = 0.0


def _known_forms() -> list[KnownForm]:
    import cvxpy as cp

    inf = float("inf")
    log2 = float(np.log(2.0))

    def rkl_f(u):
        with np.errstate(divide="ignore"):
            return -np.log(u)

    def rkl_star(t):
        t = np.asarray(t, dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(t < 0, -1.0 - np.log(np.where(t < 0, -t, 1.0)), inf)

    def hel_star(t):
        t = np.asarray(t, dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(t < 1, t / np.where(t < 1, 1 - t, 1.0), inf)

    def js_star(t):
        t = np.asarray(t, dtype=float)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            ok = t < log2
            return np.where(ok, -np.log(np.where(ok, 2 - np.exp(np.minimum(t, log2)), 1.0)), inf)

    def gan_star(t):
        t = np.asarray(t, dtype=float)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            ok = t < 0
            return np.where(ok, -np.log(np.where(ok, -np.expm1(np.minimum(t, 0.0)), 1.0)), inf)

    def tv_star(t):
        t = np.asarray(t, dtype=float)
        return np.where(t <= 0.5, np.maximum(t, -0.5), inf)

    return [
        KnownForm(
            "kl",
            _xlogx,
            lambda t: np.exp(np.asarray(t, dtype=float) - 1.0),
            lambda t: cp.exp(t - 1.0),
            inf,
            False,
            lambda eta, q: cp.rel_entr(eta, q),
        ),
        KnownForm(
            "reverse_kl",
            rkl_f,
            rkl_star,
            lambda t: -1.0 - cp.log(-t),
            0.0,
            False,
            lambda eta, q: -cp.multiply(q, cp.log(eta)) + q * np.log(q),
        ),
        KnownForm(
            "pearson",
            lambda u: (np.asarray(u, dtype=float) - 1.0) ** 2,
            lambda t: np.where(
                np.asarray(t) >= -2, np.asarray(t, dtype=float) + np.asarray(t) ** 2 / 4, -1.0
            ),
            lambda t: cp.square(cp.pos(t + 2.0)) / 4.0 - 1.0,
            inf,
            False,
            lambda eta, q: cp.multiply(1.0 / q, cp.square(eta - q)),
        ),
        KnownForm(
            "hellinger",
            lambda u: (np.sqrt(np.asarray(u, dtype=float)) - 1.0) ** 2,
            hel_star,
            lambda t: cp.inv_pos(1.0 - t) - 1.0,
            1.0,
            False,
            lambda eta, q: eta + q - 2.0 * cp.multiply(np.sqrt(q), cp.sqrt(eta)),
        ),
        KnownForm(
            "js",
            lambda u: (
                _xlogx(u)
                - _xlogx(np.asarray(u, dtype=float) + 1.0)
                + (np.asarray(u, dtype=float) + 1.0) * log2
            ),
            js_star,
            lambda t: -cp.log(2.0 - cp.exp(t)),
            log2,
            False,
            lambda eta, q: cp.rel_entr(eta, (eta + q) / 2.0) + cp.rel_entr(q, (eta + q) / 2.0),
        ),
        KnownForm(
            "gan",
            lambda u: _xlogx(u) - _xlogx(np.asarray(u, dtype=float) + 1.0),
            gan_star,
            lambda t: -cp.log(1.0 - cp.exp(t)),
            0.0,
            False,
            lambda eta, q: cp.rel_entr(eta, eta + q) + cp.rel_entr(q, eta + q),
        ),
        KnownForm(
            "tv",
            lambda u: np.abs(np.asarray(u, dtype=float) - 1.0) / 2.0,
            tv_star,
            lambda t: cp.maximum(t, -0.5),
            0.5,
            True,
            lambda eta, q: cp.abs(eta - q) / 2.0,
        ),
    ]


_FORMS: list[KnownForm] | None = None
_U_TEST = np.array([0.05, 0.3, 0.9, 1.0, 1.7, 3.2, 11.0])
_T_TEST = np.array([-5.0, -2.5, -1.0, -0.3, -0.05])


_ID_CACHE: dict[int, tuple[Any, KnownForm | None]] = {}


def identify_generator(g: Any) -> KnownForm | None:
    r"""The :class:`KnownForm` whose :math:`f` and :math:`f^*` match ``g`` numerically, if any.

    A generator is recognised by its values (not its name) at a few points, to 1e-9, so a user
    generator equal to a catalogued one gets the cvxpy path too; so does an affine variant
    :math:`f(u) + c(u - 1)` (same divergence), reported with ``shift = c``.
    """
    hit = _ID_CACHE.get(id(g))
    if hit is not None and hit[0] is g:
        return hit[1]
    form = _identify(g)
    if len(_ID_CACHE) > 256:
        _ID_CACHE.clear()
    _ID_CACHE[id(g)] = (g, form)
    return form


def _identify(g: Any) -> KnownForm | None:
    global _FORMS
    if _FORMS is None:
        _FORMS = _known_forms()
    try:
        fu = np.asarray(g.f_numeric(_U_TEST), dtype=float)
        ft = np.asarray(g.conjugate(_T_TEST), dtype=float)
    except Exception:  # noqa: BLE001 - an unusual generator simply gets the fallback
        return None
    if not (np.all(np.isfinite(fu)) and not np.any(np.isnan(ft))):
        return None
    ne1 = _U_TEST != 1.0
    for form in _FORMS:
        diff = fu - form.f(_U_TEST)
        slopes = diff[ne1] / (_U_TEST[ne1] - 1.0)
        c = float(np.median(slopes))
        if abs(c) < 1e-12:
            c = 0.0
        if not (
            np.allclose(slopes, c, rtol=1e-9, atol=1e-11)
            and np.allclose(diff[~ne1], 0.0, atol=1e-11)
        ):
            continue
        ref_t = form.fstar(_T_TEST - c) + c
        if np.allclose(ft, ref_t, rtol=1e-9, atol=1e-11):
            return form if c == 0.0 else replace(form, shift=c)
    return None


# ------------------------------------------------------------------------ the shift functional
def lambda_finite(g: Any, h: Any, q: Any, *, h_null: Any = None) -> tuple[float, float]:
    r"""The shift functional :math:`(\Lambda_f^Q[h], \nu_h)` on a finite support.

    A thin wrapper of :func:`boundkit.generators.shift_functional` (the one kernel).

    Parameters
    ----------
    g : Generator
    h : array_like, shape (k,)
        Values of the discriminator on the atoms.
    q : array_like, shape (k,)
        Probabilities of :math:`Q` (atoms with :math:`q_i = 0` do not contribute).
    h_null : array_like, optional
        Values of ``h`` on atoms of the support of :math:`P` where :math:`q = 0`: when
        :math:`\mathrm{dom} f^*` is bounded above they must stay in its closure,
        :math:`h_j - \nu \le \sup\mathrm{dom} f^*`, which bounds :math:`\nu` from below.

    Returns
    -------
    lam, nu : float
        :math:`\Lambda_f^Q[h]` and the minimising shift :math:`\nu_h`.

    Notes
    -----
    .. math:: \Lambda_f^Q[h] = \min_{\nu \ge \nu_0}\ \nu + \sum_i q_i f^*(h_i - \nu),
              \qquad \nu_0 = \max_j h^{null}_j - \sup\mathrm{dom} f^*.
    """
    from boundkit.generators import shift_functional

    hv = np.asarray(h, dtype=float).reshape(-1)
    qv = np.asarray(q, dtype=float).reshape(-1)
    if not np.any(qv > 0):
        raise BoundkitError("Q has no mass")
    lam = shift_functional(g, hv, qv, h_null=h_null)
    return float(lam.value), float(lam.nu)
