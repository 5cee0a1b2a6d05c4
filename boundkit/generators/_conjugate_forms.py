r"""Fast numeric forms of :math:`f^*` and :math:`(f^*)'`, compiled from the derived expressions.

The generator's own :meth:`~boundkit.generators.Generator.conjugate` and
:meth:`~boundkit.generators.Generator.link` evaluate a sympy ``Piecewise`` through
``numpy.select``, which costs tens of microseconds per call on a few atoms; the hot loops (the
shift functional's root-find, the restricted-divergence solvers) call them thousands of times.
Here every branch of the *derived* expression is compiled on its own (the same stabilised
``lambdify`` as the generator) and the branches are combined with nested ``numpy.where``: the
same numbers, several times faster. Nothing is typed in: a generator without a closed form
gets its own numeric conjugate.

The solvers' cvxpy forms (:func:`cvxpy_form`) live here too: cvxpy needs its own atoms, so
they are written for nine catalogue members and attached to a generator only when its derived
f matches one of them; every form is tested against the derived conjugate.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy as sp

from boundkit._errors import BoundkitError
from boundkit.generators._expr import T
from boundkit.generators._numeric import lambdify_expression, lambdify_stable

__all__ = ["CVXPY_KEYS", "CvxpyForm", "cvxpy_form", "fast_conjugate", "fast_link"]


def raw_lambdify(expr: sp.Expr, sym: sp.Symbol = T) -> Callable[..., Any]:
    """The stabilised expression of :func:`lambdify_stable`, lambdified without its wrapper
    (no error-state context, no shape normalisation: for callers that do both once); the
    stabilised expression itself is attached as ``.expression``, as on the wrapper."""
    stable = lambdify_stable(expr, sym).expression  # type: ignore[attr-defined]
    fn = lambdify_expression(stable, sym)
    fn.expression = stable  # type: ignore[attr-defined]
    return fn


def _compile(expr: sp.Expr) -> Callable[[np.ndarray], np.ndarray]:
    """Branch-by-branch compilation of a (Piecewise) expression in T."""
    branches = expr.args if isinstance(expr, sp.Piecewise) else ((expr, sp.true),)
    pieces = []
    for value, cond in branches:
        val = raw_lambdify(value)
        if cond is sp.true:
            pieces.append((val, None))
            break
        pieces.append((val, sp.lambdify(T, cond, modules="numpy")))
    last_val, last_cond = pieces[-1]
    rest = tuple(reversed(pieces[:-1]))

    def call(t: np.ndarray) -> np.ndarray:
        t = np.asarray(t, dtype=float)
        with np.errstate(all="ignore"):
            out = last_val(t)
            if last_cond is not None:  # no catch-all branch: NaN outside every condition
                out = np.where(last_cond(t), out, np.nan)
            for val, cond in rest:
                out = np.where(cond(t), val(t), out)
        out = np.asarray(out)
        if np.iscomplexobj(out):
            out = out.real
        if out.shape != t.shape or out.dtype != np.float64:
            out = np.broadcast_to(out, t.shape).astype(np.float64)
        return out

    return call


def _form(g: Any, key: str) -> Callable[[np.ndarray], np.ndarray]:
    cache = getattr(g, "_cache", None)
    slot = f"fast_{key}"
    if cache is not None and slot in cache:
        return cache[slot]
    expr = getattr(g, f"{key}_expr", None)
    symbolic = getattr(g, "is_symbolic", False)
    if getattr(g, "closed_form", False) and expr is not None and not symbolic:
        fn = _compile(expr)
    else:
        fn = getattr(g, key)
    if cache is not None:
        cache[slot] = fn
    return fn


def fast_conjugate(g: Any) -> Callable[[np.ndarray], np.ndarray]:
    r"""A fast vectorised :math:`f^*` of the generator (``+inf`` outside the domain).

    Parameters
    ----------
    g : Generator

    Returns
    -------
    callable
        ``fn(t) -> ndarray`` (float64, shape of ``t``), equal to ``g.conjugate``.

    Notes
    -----
    .. math:: f^*(t) = \sup_{u \ge 0}(tu - f(u)),

    evaluated branch by branch from the derived ``g.conjugate_expr``.

    Examples
    --------
    >>> from boundkit.generators import get_generator
    >>> fast_conjugate(get_generator("pearson"))(np.array([-3.0, 0.0, 2.0])).tolist()
    [-1.0, 0.0, 3.0]
    """
    return _form(g, "conjugate")


def fast_link(g: Any) -> Callable[[np.ndarray], np.ndarray]:
    r"""A fast vectorised link :math:`(f^*)'` of the generator (``+inf`` outside the domain).

    Parameters
    ----------
    g : Generator

    Returns
    -------
    callable
        ``fn(t) -> ndarray`` (float64, shape of ``t``), equal to ``g.link``.

    Notes
    -----
    .. math:: (f^*)'(t) = (f')^{-1}(t),

    evaluated branch by branch from the derived ``g.link_expr``.

    Examples
    --------
    >>> from boundkit.generators import get_generator
    >>> fast_link(get_generator("pearson"))(np.array([-3.0, 0.0, 2.0])).tolist()
    [0.0, 1.0, 2.0]
    """
    return _form(g, "link")


def _gap_form(g: Any, key: str) -> Callable[[np.ndarray], np.ndarray] | None:
    r"""``g.<key>_expr`` at :math:`t = \sup\mathrm{dom} f^* - u` as a compiled function of
    :math:`u > 0` (None when the domain is unbounded above or closed, the generator has no
    closed form, or the substituted expression keeps a branch)."""
    cache = getattr(g, "_cache", None)
    slot = f"gap_{key}"
    if cache is not None and slot in cache:
        return cache[slot]
    fn = None
    dom = getattr(g, "domain", None)
    expr = getattr(g, f"{key}_expr", None)
    if (
        dom is not None
        and expr is not None
        and getattr(g, "closed_form", False)
        and not getattr(g, "is_symbolic", False)
        and dom.sup.is_finite
        and dom.right_open
    ):
        u = sp.Symbol("u", positive=True)
        gap_expr = sp.simplify(expr.subs(T, dom.sup - u))
        if not isinstance(gap_expr, sp.Piecewise) and gap_expr.free_symbols <= {u}:
            fn = raw_lambdify(gap_expr.subs(u, T))
    if cache is not None:
        cache[slot] = fn
    return fn


def gap_link(g: Any) -> Callable[[np.ndarray], np.ndarray] | None:
    r"""The link as a function of the distance to the open upper end of :math:`\mathrm{dom} f^*`:
    :math:`u \mapsto (f^*)'(\sup\mathrm{dom} f^* - u)`, :math:`u > 0` (None when the domain is
    unbounded above or closed, or the generator has no closed form).

    Parameters
    ----------
    g : Generator

    Returns
    -------
    callable or None

    Notes
    -----
    Derived by substituting :math:`t = \sup\mathrm{dom} f^* - u` in ``g.link_expr`` (sympy,
    u > 0), simplified and compiled with the stabilised forms of
    :func:`boundkit.generators.lambdify_stable`: next to the end, where :math:`t` itself can no
    longer be told apart from the end in floating point, u keeps its digits (JS:
    :math:`(f^*)'(\log 2 - u) = 1/\mathrm{expm1}(u)`; squared Hellinger: :math:`u^{-2}`).

    Examples
    --------
    >>> from boundkit.generators import get_generator
    >>> float(gap_link(get_generator("js"))(np.array(1e-20)))
    1e+20
    >>> gap_link(get_generator("pearson")) is None
    True
    """
    return _gap_form(g, "link")


def gap_conjugate(g: Any) -> Callable[[np.ndarray], np.ndarray] | None:
    r"""The conjugate as a function of the distance to the open upper end of its domain,
    :math:`u \mapsto f^*(\sup\mathrm{dom} f^* - u)` (as :func:`gap_link`).

    Notes
    -----
    .. math:: \text{JS: } f^*(\log 2 - u) = -\log 2 - \log(-\mathrm{expm1}(-u)).

    Examples
    --------
    >>> from boundkit.generators import get_generator
    >>> round(float(gap_conjugate(get_generator("squared_hellinger"))(np.array(0.5))), 12)
    1.0
    """
    return _gap_form(g, "conjugate")


# ------------------------------------------------------------------------ cvxpy forms
@dataclass(frozen=True)
class CvxpyForm:
    r"""A DCP (cvxpy) form of :math:`f^*` and of the perspective of f, for the solvers.

    The forms are written with cvxpy atoms for the catalogue generator ``name`` (cvxpy cannot
    take a sympy expression); :func:`cvxpy_form` attaches one to a generator only when the
    generator's *derived* f equals that catalogue member up to an affine term, and the tests
    compare every form with the derived conjugate.

    Attributes
    ----------
    key : str
        Short name (``"kl"``, ``"reverse_kl"``, ``"pearson"``, ``"neyman"``, ``"hellinger"``,
        ``"js"``, ``"gan"``, ``"tv"``, ``"le_cam"``).
    name : str
        The catalogue generator the forms are written for.
    fstar_cvx : callable
        ``t -> `` a convex cvxpy expression of :math:`f^*(t)` (elementwise; its own domain
        constraints implied).
    persp_cvx : callable
        ``(eta, q) -> `` a convex cvxpy expression of :math:`q f(\eta/q)` (elementwise,
        :math:`q > 0` constant).
    dom_upper : float
        :math:`\sup \operatorname{dom} f^*` of the catalogue generator (``inf`` when unbounded).
    dom_closed : bool
        Whether that domain contains its upper end.
    shift : float
        :math:`c` when the generator is the catalogue one plus :math:`c(u - 1)` (same divergence,
        same :math:`\Lambda_f^Q`, conjugate :math:`f^*(t - c) + c`).
    """

    key: str
    name: str
    fstar_cvx: Callable[[Any], Any]
    persp_cvx: Callable[[Any, np.ndarray], Any]
    dom_upper: float
    dom_closed: bool
    shift: float = 0.0


def _cvx_table() -> dict[str, tuple[str, Callable[[Any], Any], Callable[[Any, Any], Any]]]:
    """key -> (catalogue name, f* form, perspective form)."""
    import cvxpy as cp

    return {
        "kl": ("kl", lambda t: cp.exp(t - 1.0), lambda e, q: cp.rel_entr(e, q)),
        "reverse_kl": (
            "reverse_kl",
            lambda t: -1.0 - cp.log(-t),
            lambda e, q: -cp.multiply(q, cp.log(e)) + q * np.log(q),
        ),
        "pearson": (
            "pearson",
            lambda t: cp.square(cp.pos(t + 2.0)) / 4.0 - 1.0,
            lambda e, q: cp.multiply(1.0 / q, cp.square(e - q)),
        ),
        # f(u) = u - 2 + 1/u: f*(t) = 2 - 2 sqrt(1 - t); q f(e/q) = e - 2q + q^2/e
        "neyman": (
            "neyman",
            lambda t: 2.0 - 2.0 * cp.sqrt(1.0 - t),
            lambda e, q: e - 2.0 * q + cp.multiply(q**2, cp.inv_pos(e)),
        ),
        "hellinger": (
            "squared_hellinger",
            lambda t: cp.inv_pos(1.0 - t) - 1.0,
            lambda e, q: e + q - 2.0 * cp.multiply(np.sqrt(q), cp.sqrt(e)),
        ),
        "js": (
            "jensen_shannon",
            lambda t: -cp.log(2.0 - cp.exp(t)),
            lambda e, q: cp.rel_entr(e, (e + q) / 2.0) + cp.rel_entr(q, (e + q) / 2.0),
        ),
        "gan": (
            "gan",
            lambda t: -cp.log(1.0 - cp.exp(t)),
            lambda e, q: cp.rel_entr(e, e + q) + cp.rel_entr(q, e + q),
        ),
        "tv": (
            "total_variation",
            lambda t: cp.maximum(t, -0.5),
            lambda e, q: cp.abs(e - q) / 2.0,
        ),
        # f(u) = u - 3 + 4/(u + 1): f*(t) = (2 - sqrt(1 - t))_+^2 - 1,
        # q f(e/q) = e - 3q + 4 q^2/(e + q)
        "le_cam": (
            "le_cam",
            lambda t: cp.square(cp.pos(2.0 - cp.sqrt(1.0 - t))) - 1.0,
            lambda e, q: e - 3.0 * q + 4.0 * cp.multiply(q**2, cp.inv_pos(e + q)),
        ),
    }


#: The generators with cvxpy forms (short keys).
CVXPY_KEYS: tuple[str, ...] = (
    "kl",
    "reverse_kl",
    "pearson",
    "neyman",
    "hellinger",
    "js",
    "gan",
    "tv",
    "le_cam",
)
_U_TEST = np.array([0.05, 0.3, 0.9, 1.0, 1.7, 3.2, 11.0])
_FORM_CACHE: dict[int, tuple[Any, CvxpyForm | None]] = {}
_TABLE: dict | None = None


def cvxpy_form(g: Any) -> CvxpyForm | None:
    r"""The cvxpy form of a generator whose f is a catalogue member up to an affine term.

    Parameters
    ----------
    g : Generator

    Returns
    -------
    CvxpyForm or None
        ``None`` when no catalogue member with a cvxpy form matches.

    Notes
    -----
    Recognised by value, against the catalogue's derived generators: :math:`f(u) - f_{\rm
    cat}(u) = c(u - 1)` at seven points (relative agreement :math:`10^{-9}`), so a user
    generator equal to a catalogued one, or an affine variant (same divergence), qualifies.

    .. math:: f = f_{\rm cat} + c\,(u - 1) \iff f^*(t) = f_{\rm cat}^*(t - c) + c.

    Examples
    --------
    >>> from boundkit.generators import get_generator
    >>> cvxpy_form(get_generator("kl_standard")).key, cvxpy_form(get_generator("jeffreys"))
    ('kl', None)
    """
    global _TABLE
    hit = _FORM_CACHE.get(id(g))
    if hit is not None and hit[0] is g:
        return hit[1]
    from boundkit.generators._catalogue import get_generator
    from boundkit.generators._shift import conjugate_domain_end

    if _TABLE is None:
        _TABLE = _cvx_table()
    form = None
    try:
        fu = np.asarray(g.f_numeric(_U_TEST), dtype=float)
    except (BoundkitError, AttributeError, TypeError, ValueError):
        fu = np.full(_U_TEST.shape, np.nan)
    if np.all(np.isfinite(fu)):
        ne1 = _U_TEST != 1.0
        for key, (name, fstar, persp) in _TABLE.items():
            ref = get_generator(name)
            diff = fu - np.asarray(ref.f_numeric(_U_TEST), dtype=float)
            slopes = diff[ne1] / (_U_TEST[ne1] - 1.0)
            c = float(np.median(slopes))
            c = 0.0 if abs(c) < 1e-12 else c
            if np.allclose(slopes, c, rtol=1e-9, atol=1e-11) and abs(diff[~ne1][0]) <= 1e-11:
                sup, closed = conjugate_domain_end(ref)
                form = CvxpyForm(key, name, fstar, persp, sup, closed, c)
                break
    if len(_FORM_CACHE) > 256:
        _FORM_CACHE.clear()
    _FORM_CACHE[id(g)] = (g, form)
    return form
