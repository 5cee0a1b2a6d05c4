r"""The :class:`Generator` object: f, its derived conjugate, and vectorised numerics."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import sympy as sp

from boundkit._errors import BoundkitError
from boundkit.generators._derivation import Derivation
from boundkit.generators._expr import UP, T, U
from boundkit.generators._numeric import lambdify_near_one, lambdify_stable
from boundkit.generators._pieces import smooth_pieces

__all__ = ["Generator", "domain_string"]


def domain_string(interval: sp.Set) -> str:
    r"""Write an interval as ``"(-oo, 0)"``, ``"(-oo, 1]"`` or ``"(-oo, oo)"``.

    Parameters
    ----------
    interval : sympy.Interval

    Returns
    -------
    str

    Examples
    --------
    >>> domain_string(sp.Interval.open(-sp.oo, 0))
    '(-oo, 0)'
    """
    if interval == sp.S.Reals:
        return "(-oo, oo)"
    if not isinstance(interval, sp.Interval):
        return str(interval)
    left = "(" if interval.left_open or interval.left == -sp.oo else "["
    right = ")" if interval.right_open or interval.right == sp.oo else "]"
    return f"{left}{interval.left}, {interval.right}{right}"


def _float(x: sp.Expr) -> float:
    if x == sp.oo:
        return float("inf")
    if x == -sp.oo:
        return float("-inf")
    return float(x)


def _nan_where_nan(out: Any, t: np.ndarray) -> np.ndarray:
    """``out`` with NaN wherever ``t`` is NaN (a NaN argument fails every domain test and would
    otherwise come out as the value outside the domain, +inf); one pass over ``t`` when it
    has no NaN."""
    with np.errstate(invalid="ignore"):  # inf + (-inf) is NaN too: then the mask decides
        if not np.isnan(np.add.reduce(t, axis=None)):
            return out
    return np.where(np.isnan(t), np.nan, out)


#: Block length of :func:`_blockwise` (64k float64 = 512 kB: the temporaries of one block
#: stay in cache).
BLOCK = 1 << 16


def _blockwise(fn: Any, t: np.ndarray) -> np.ndarray:
    """``fn(t)`` for an elementwise ``fn``, evaluated on consecutive blocks of :data:`BLOCK`
    elements of the flattened ``t`` when ``t`` is longer (one call otherwise).

    The value is the same as ``fn(t)`` element by element (``fn`` is elementwise: every block
    goes through the whole general path, NaN and inf repairs included); only the memory
    traffic differs: the temporaries of one block stay in cache, and the checks of the
    general path (a sum over the block) read data that is still there."""
    if t.size <= BLOCK:
        return fn(t)
    out = np.empty(t.shape)
    flat_t, flat_out = t.reshape(-1), out.reshape(-1)
    for start in range(0, flat_t.size, BLOCK):
        flat_out[start : start + BLOCK] = fn(flat_t[start : start + BLOCK])
    return out


@dataclass(frozen=True, eq=False)
class Generator:
    r"""An f-divergence generator with its derived conjugate.

    Build instances with :func:`boundkit.generators.get_generator`.

    Attributes
    ----------
    name : str
        Catalogue name, or the expression for a user generator.
    aliases : tuple of str
        Other names accepted by :func:`get_generator`.
    f : sympy.Expr
        :math:`f(u)` in :data:`U` (``Symbol("u", nonnegative=True)``).
    conjugate_expr : sympy.Expr or None
        :math:`f^*(t)` in :data:`T`, maybe a Piecewise; None when ``closed_form`` is False.
    domain : sympy.Interval
        :math:`\mathrm{dom} f^* = \{t : f^*(t) < \infty\}`.
    link_expr : sympy.Expr or None
        :math:`(f^*)'(t) \ge 0` (left derivative at kinks: the smallest maximiser).
    fprime_at_1 : sympy.Expr
        :math:`f'(1)` (the right derivative when f has a kink at 1, e.g. total variation;
        the subdifferential is :attr:`subdifferential_at_1`).
    fprime_at_inf : sympy.Expr
        :math:`f'(\infty) = \lim_{u\to\infty} f(u)/u` (may be ``oo``).
    closed_form : bool
        False when :math:`f^*` is evaluated numerically (see :attr:`notes`).
    references : tuple of str
        Literature for the generator.
    params : mapping
        Parameter values (e.g. ``{"alpha": 1/2}``); symbols when left symbolic.
    notes : tuple of str
        How the derivation went: normalisations, fallbacks, what was proved.
    derivation : Derivation
        The full derivation record.

    Notes
    -----
    .. math:: f^*(t) = \sup_{u\ge 0}\,(tu - f(u)), \qquad (f^*)'(t) = (f')^{-1}(t).

    Numerics are vectorised float64 and never return NaN for a valid input:
    :meth:`conjugate` and :meth:`link` are ``+inf`` outside :math:`\mathrm{dom} f^*`.

    Examples
    --------
    >>> from boundkit.generators import get_generator
    >>> g = get_generator("pearson")
    >>> g.conjugate_expr
    Piecewise((-1, t <= -2), (t*(t + 4)/4, True))
    >>> g.conjugate(np.array([-3.0, 0.0, 2.0])).tolist()
    [-1.0, 0.0, 3.0]
    """

    name: str
    aliases: tuple[str, ...]
    f: sp.Expr
    conjugate_expr: sp.Expr | None
    domain: sp.Interval
    link_expr: sp.Expr | None
    fprime_at_1: sp.Expr
    fprime_at_inf: sp.Expr
    closed_form: bool
    references: tuple[str, ...]
    params: Mapping[str, Any]
    notes: tuple[str, ...]
    derivation: Derivation
    _cache: dict = field(default_factory=dict, repr=False)

    # -- derived scalars --------------------------------------------------------------------
    @property
    def subdifferential_at_1(self) -> sp.Set:
        r""":math:`\partial f(1)` (a point for differentiable f, an interval at a kink)."""
        return self.derivation.subdifferential_at_1

    @property
    def f_at_0(self) -> sp.Expr:
        r""":math:`f(0) = \lim_{u\to 0+} f(u)` (may be ``oo``)."""
        return self.derivation.f_at_0

    @property
    def fprime_at_0(self) -> sp.Expr:
        r""":math:`f'(0+)` (may be ``-oo``); :math:`f^*(t) = -f(0)` for :math:`t \le f'(0+)`."""
        return self.derivation.fprime_at_0

    @property
    def is_symbolic(self) -> bool:
        """True when a parameter is left symbolic (numerics then need a value)."""
        return bool(self.f.free_symbols - {U})

    # -- numerics ------------------------------------------------------------------------------
    def _need_numeric(self) -> None:
        if self.is_symbolic:
            names = ", ".join(sorted(str(s) for s in self.f.free_symbols - {U}))
            raise BoundkitError(
                f"generator {self.name} has symbolic parameters ({names}): give values, "
                f"e.g. get_generator({self.name!r}, {names.split(',')[0]}=0.5)"
            )

    def _nan_safe(self, key: str) -> bool:
        """Whether the compiled ``key`` (conjugate or link) already maps NaN to NaN.

        True for closed forms without a domain branch (KL's ``exp(t - 1)``): an elementwise
        numpy expression's value at NaN does not depend on the other elements, so one probe
        decides it, and :func:`_nan_where_nan` (a pass over ``t``) is skipped. Numeric
        conjugates are never assumed safe."""
        slot = f"{key}_nan_safe"
        if slot not in self._cache:
            safe = False
            if self.closed_form:
                with np.errstate(all="ignore"):
                    probe = np.asarray(self._compiled(key)(np.array([np.nan, 0.0])), dtype=float)
                safe = bool(np.isnan(probe[0]))
            self._cache[slot] = safe
        return self._cache[slot]

    def _compiled(self, key: str):
        if key in self._cache:
            return self._cache[key]
        self._need_numeric()
        fp = self.f.subs(U, UP)
        if key == "f":
            fn = lambdify_near_one(fp, UP)
        elif key == "fprime":
            pieces = smooth_pieces(fp)
            fns = [(float(a), lambdify_near_one(sp.diff(g, UP), UP)) for a, _b, g in pieces]

            def fn(u, fns=fns):
                out = fns[0][1](u)
                for a, h in fns[1:]:
                    out = np.where(u >= a, h(u), out)
                return out

        elif key == "conjugate" and self.closed_form:
            fn = lambdify_stable(self.conjugate_expr, T)
        elif key == "link" and self.closed_form:
            fn = lambdify_stable(self.link_expr, T)
        elif key in ("conjugate", "link"):
            numeric = _NumericConjugate(self)
            fn = numeric.value if key == "conjugate" else numeric.argmax
        else:  # pragma: no cover - internal misuse
            raise KeyError(key)
        self._cache[key] = fn
        return fn

    @staticmethod
    def _as_array(x: Any) -> np.ndarray:
        arr = np.asarray(x, dtype=float)
        return arr

    @staticmethod
    def _out(arr: np.ndarray, like: np.ndarray):
        arr = np.asarray(arr, dtype=np.float64)
        if arr.shape != like.shape:
            arr = np.broadcast_to(arr, like.shape).copy()
        return arr[()] if like.ndim == 0 else arr

    def f_numeric(self, u: Any) -> np.ndarray:
        r"""Evaluate :math:`f(u)`, vectorised.

        Parameters
        ----------
        u : array_like
            Points; :math:`f(0)` is the limit :math:`f(0+)` (possibly ``inf``) and
            :math:`f(u) = +\infty` for :math:`u < 0` (the convex extension).

        Returns
        -------
        numpy.ndarray or float
            Same shape as ``u``.
        """
        u = self._as_array(u)
        out = self._compiled("f")(u)
        f0 = _float(self.f_at_0)
        out = np.where(u > 0, out, np.where(u == 0, f0, np.inf))
        return self._out(out, u)

    def fprime(self, u: Any) -> np.ndarray:
        r"""Evaluate :math:`f'(u)` for :math:`u \ge 0` (right derivative at kinks; f'(0+) at 0).

        Parameters
        ----------
        u : array_like
            Points, all :math:`\ge 0`.

        Returns
        -------
        numpy.ndarray or float
            Same shape as ``u``.

        Raises
        ------
        BoundkitError
            If some ``u`` is negative or NaN.
        """
        u = self._as_array(u)
        if np.any(~(u >= 0)):
            raise BoundkitError("fprime is defined for u >= 0 only")
        out = self._compiled("fprime")(u)
        out = np.where(u > 0, out, _float(self.fprime_at_0))
        return self._out(out, u)

    def conjugate(self, t: Any) -> np.ndarray:
        r"""Evaluate :math:`f^*(t) = \sup_{u\ge 0}(tu - f(u))`; ``+inf`` outside the domain.

        Parameters
        ----------
        t : array_like

        Returns
        -------
        numpy.ndarray or float
            Same shape as ``t``; NaN where ``t`` is NaN.
        """
        t = self._as_array(t)
        return self._out(_blockwise(self._conjugate_general, t), t)

    def _conjugate_general(self, t: np.ndarray) -> np.ndarray:
        """:meth:`conjugate` on one array (one block of :func:`_blockwise`): the compiled
        closed form, then the repairs at the hard places."""
        out = np.asarray(self._compiled("conjugate")(t), dtype=float)
        # one pass in the usual case: the sum is NaN only if some value is NaN (or inf - inf)
        with np.errstate(invalid="ignore"):
            some_nan = np.isnan(np.add.reduce(out, axis=None))
        if some_nan and np.any(bad := np.isnan(out) & ~np.isnan(t)):
            # inf - inf where the maximiser overflows float64: the value is beyond it too
            u = np.broadcast_to(np.asarray(self._compiled("link")(t), dtype=float), out.shape)
            out = np.where(bad & (u == np.inf), np.inf, out)
            # at t = -inf the supremum is approached as u -> 0: f*(-inf) = -f(0+)
            out = np.where(bad & (t == -np.inf), -_float(self.f_at_0), out)
        if not self._nan_safe("conjugate"):
            out = _nan_where_nan(out, t)
        return out

    def link(self, t: Any) -> np.ndarray:
        r"""Evaluate the link :math:`(f^*)'(t) \ge 0`; ``+inf`` outside the domain.

        Parameters
        ----------
        t : array_like

        Returns
        -------
        numpy.ndarray or float
            Same shape as ``t``. At a kink of :math:`f^*` the left derivative (the smallest
            maximiser of :math:`tu - f(u)`); ``+inf`` where the supremum is not attained; NaN
            where ``t`` is NaN.
        """
        t = self._as_array(t)
        return self._out(_blockwise(self._link_general, t), t)

    def _link_general(self, t: np.ndarray) -> np.ndarray:
        """:meth:`link` on one array (one block of :func:`_blockwise`)."""
        out = self._compiled("link")(t)
        if not self._nan_safe("link"):
            out = _nan_where_nan(out, t)
        return out

    def in_domain(self, t: Any) -> np.ndarray:
        r"""Whether :math:`t \in \mathrm{dom} f^*`, vectorised.

        Parameters
        ----------
        t : array_like

        Returns
        -------
        numpy.ndarray of bool or bool
        """
        t = self._as_array(t)
        hi = _float(self.domain.sup)
        out = (t < hi) | ((t == hi) & (not self.domain.right_open))
        return out[()] if t.ndim == 0 else out

    # -- presentation --------------------------------------------------------------------------
    def latex(self) -> str:
        r"""LaTeX of f, its conjugate and its domain, one ``&``-aligned line each.

        Returns
        -------
        str
        """
        conj = sp.latex(self.conjugate_expr) if self.closed_form else r"\text{(numeric)}"
        link = sp.latex(self.link_expr) if self.closed_form else r"\text{(numeric)}"
        return (
            f"f(u) &= {sp.latex(self.f)} \\\\\n"
            f"f^*(t) &= {conj} \\\\\n"
            f"\\mathrm{{dom}}\\, f^* &= {sp.latex(self.domain)} \\\\\n"
            f"(f^*)'(t) &= {link}"
        )

    def to_dict(self) -> dict[str, Any]:
        r"""A JSON-ready description (expressions as sympy-parsable strings in u and t).

        Returns
        -------
        dict
            Keys ``name``, ``aliases``, ``f``, ``conjugate``, ``domain``, ``link``,
            ``fprime_at_1``, ``fprime_at_inf``, ``closed_form``, ``params``, ``references``,
            ``notes``.
        """
        return {
            "name": self.name,
            "aliases": list(self.aliases),
            "f": str(self.f),
            "conjugate": str(self.conjugate_expr) if self.closed_form else None,
            "domain": domain_string(self.domain),
            "link": str(self.link_expr) if self.closed_form else None,
            "fprime_at_1": str(self.fprime_at_1),
            "fprime_at_inf": str(self.fprime_at_inf),
            "closed_form": self.closed_form,
            "params": {
                k: (str(v) if isinstance(v, sp.Basic) else v) for k, v in self.params.items()
            },
            "references": list(self.references),
            "notes": list(self.notes),
        }

    def __repr__(self) -> str:
        f = str(self.f)
        f = f if len(f) <= 80 else f[:77] + "..."
        return f"Generator({self.name!r}, f={f}, domain={domain_string(self.domain)})"


#: Bracket of the numeric maximiser, in log u: the whole positive float64 range.
LOG_U_RANGE = (-700.0, 700.0)


def numeric_reliable_upto(g: Generator) -> float:
    r"""The largest t whose maximiser the numeric conjugate can represent: :math:`f'(e^{700})`.

    Parameters
    ----------
    g : Generator

    Returns
    -------
    float
        For :math:`t` between this value and :math:`f'(\infty)` the maximiser exceeds the
        float64 range and the numeric :math:`f^*(t)` is only a lower bound.
    """
    return float(g.fprime(np.exp(LOG_U_RANGE[1])))


class _NumericConjugate:
    r"""Numeric :math:`f^*` and link by vectorised bisection on :math:`f'(u) = t` in log u.

    The bracket is the whole float64 range :math:`u \in [e^{-700}, e^{700}]`, so the result is
    accurate up to :func:`numeric_reliable_upto` (which the generator's notes state when it
    is below :math:`f'(\infty)`).
    """

    def __init__(self, g: Generator):
        self.g = g
        self.s0 = _float(g.fprime_at_0)
        self.s_inf = _float(g.fprime_at_inf)
        self.f0 = _float(g.f_at_0)
        self.end = _float(g.derivation.limit_at_end)

    def argmax(self, t: np.ndarray) -> np.ndarray:
        t = np.asarray(t, dtype=float)
        lo = np.full(t.shape, LOG_U_RANGE[0])
        hi = np.full(t.shape, LOG_U_RANGE[1])
        for _ in range(128):
            mid = 0.5 * (lo + hi)
            below = self.g.fprime(np.exp(mid)) < t
            lo = np.where(below, mid, lo)
            hi = np.where(below, hi, mid)
        u = np.exp(hi)
        u = np.where(t <= self.s0, 0.0, u)
        u = np.where(t >= self.s_inf, np.inf, u)
        return np.where(np.isnan(t), np.nan, u)

    def value(self, t: np.ndarray) -> np.ndarray:
        t = np.asarray(t, dtype=float)
        u = self.argmax(np.minimum(t, np.nextafter(self.s_inf, -np.inf)))
        with np.errstate(all="ignore"):
            val = t * u - self.g.f_numeric(u)
        val = np.where(t <= self.s0, -self.f0, val)
        val = np.where(t == self.s_inf, self.end, val)
        val = np.where(t > self.s_inf, np.inf, val)
        return np.where(np.isnan(t), np.nan, val)
