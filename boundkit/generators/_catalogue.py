r"""The catalogue of named generators and :func:`get_generator`.

Only the generators :math:`f` are written here; every conjugate, domain and link is derived by
:func:`boundkit.generators._derive.derive`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy as sp

from boundkit._errors import BoundkitError, DerivationError
from boundkit.generators._cache import cached_derivation
from boundkit.generators._derive import (
    Derivation,
    DerivationTimeout,
    derive,
    derive_numeric_only,
    derive_symbolic_within,
)
from boundkit.generators._expr import U, check_generator, parse_generator
from boundkit.generators._generator import Generator, numeric_reliable_upto
from boundkit.generators._verify import verify_closed_form

__all__ = ["CatalogueEntry", "catalogue", "catalogue_entries", "get_generator", "ALPHA"]

#: The symbolic parameter of the alpha family (real; its range is an assumption of the regime).
ALPHA = sp.Symbol("alpha", real=True)
# internal positive parameter used to encode a regime of alpha as an assumption sympy can use
_AP = sp.Symbol("alpha_p", positive=True)

#: Regimes of a symbolic alpha: alpha as a function of a positive symbol, and back.
_ALPHA_REGIMES: dict[str, tuple[sp.Expr, sp.Expr]] = {
    "(1, oo)": (1 + _AP, ALPHA - 1),
    "(0, 1)": (1 / (1 + _AP), 1 / ALPHA - 1),
    "(-oo, 0)": (-_AP, -ALPHA),
}


@dataclass(frozen=True)
class CatalogueEntry:
    r"""A named generator of the catalogue.

    Attributes
    ----------
    name : str
        Canonical name.
    aliases : tuple of str
        Other accepted names (case-insensitive; ``-`` and spaces read as ``_``).
    build : callable
        ``build(**params) -> sympy.Expr``, the generator :math:`f(u)`.
    params : tuple of str
        Names of the parameters.
    references : tuple of str
        Literature.
    description : str
        One line.
    """

    name: str
    aliases: tuple[str, ...]
    build: Callable[..., sp.Expr]
    params: tuple[str, ...]
    references: tuple[str, ...]
    description: str


def _alpha_f(alpha: sp.Expr) -> sp.Expr:
    return (U**alpha - 1 - alpha * (U - 1)) / (alpha * (alpha - 1))


_FGAN = "Nowozin, Cseke, Tomioka (2016), f-GAN, NeurIPS, Table 1"
_CSISZAR = "Csiszar (1967), Studia Sci. Math. Hungarica 2"
_LIESE = "Liese, Vajda (2006), On divergences and informations, IEEE Trans. Inf. Theory 52(10)"

_ENTRIES: tuple[CatalogueEntry, ...] = (
    CatalogueEntry(
        "kl",
        ("kullback_leibler", "kullback-leibler", "forward_kl"),
        lambda: U * sp.log(U),
        (),
        ("Kullback, Leibler (1951), Ann. Math. Statist. 22", _FGAN),
        "Kullback-Leibler divergence KL(P||Q)",
    ),
    CatalogueEntry(
        "kl_standard",
        ("kl_normalised", "kl_normalized", "kl1"),
        lambda: U * sp.log(U) - U + 1,
        (),
        (_LIESE,),
        "KL in the standard form f(1) = f'(1) = 0 (same divergence as kl)",
    ),
    CatalogueEntry(
        "reverse_kl",
        ("rkl", "reverse_kullback_leibler", "burg"),
        lambda: -sp.log(U),
        (),
        (_FGAN,),
        "reverse Kullback-Leibler divergence KL(Q||P)",
    ),
    CatalogueEntry(
        "pearson",
        ("pearson_chi2", "chi2", "chi_squared"),
        lambda: (U - 1) ** 2,
        (),
        ("Pearson (1900), Philosophical Magazine 50", _FGAN),
        "Pearson chi^2 divergence",
    ),
    CatalogueEntry(
        "neyman",
        ("neyman_chi2", "reverse_pearson"),
        lambda: (U - 1) ** 2 / U,
        (),
        ("Neyman (1949), Proc. Berkeley Symp. Math. Statist. Prob.", _FGAN),
        "Neyman chi^2 divergence (Pearson with P and Q swapped)",
    ),
    CatalogueEntry(
        "squared_hellinger",
        ("hellinger", "hellinger2", "squared-hellinger"),
        lambda: (sp.sqrt(U) - 1) ** 2,
        (),
        ("Hellinger (1909), J. reine angew. Math. 136", _FGAN),
        "squared Hellinger distance (without the factor 1/2)",
    ),
    CatalogueEntry(
        "jensen_shannon",
        ("js", "jsd", "jensen-shannon"),
        lambda: U * sp.log(U) - (U + 1) * sp.log((U + 1) / 2),
        (),
        ("Lin (1991), IEEE Trans. Inf. Theory 37(1)", _FGAN),
        "Jensen-Shannon divergence (times 2: KL(P||M) + KL(Q||M), M = (P + Q)/2)",
    ),
    CatalogueEntry(
        "gan",
        ("goodfellow", "gan_divergence"),
        lambda: U * sp.log(U) - (U + 1) * sp.log(U + 1),
        (),
        ("Goodfellow et al. (2014), Generative adversarial nets, NeurIPS", _FGAN),
        "GAN divergence 2 JS - log 4 (f(1) = -log 4, as in f-GAN)",
    ),
    CatalogueEntry(
        "total_variation",
        ("tv", "total-variation", "variational"),
        lambda: sp.Abs(U - 1) / 2,
        (),
        (_CSISZAR, _FGAN),
        "total variation distance sup_A |P(A) - Q(A)|",
    ),
    CatalogueEntry(
        "jeffreys",
        ("symmetric_kl", "jeffrey"),
        lambda: (U - 1) * sp.log(U),
        (),
        ("Jeffreys (1946), Proc. R. Soc. Lond. A 186", _FGAN),
        "Jeffreys divergence KL(P||Q) + KL(Q||P) (conjugate through Lambert W)",
    ),
    CatalogueEntry(
        "le_cam",
        ("triangular", "triangular_discrimination", "lecam"),
        lambda: (U - 1) ** 2 / (U + 1),
        (),
        ("Le Cam (1986), Asymptotic Methods in Statistical Decision Theory", _LIESE),
        "triangular discrimination (Le Cam) sum (p - q)^2 / (p + q)",
    ),
    CatalogueEntry(
        "alpha",
        ("alpha_divergence", "amari_alpha", "power"),
        _alpha_f,
        ("alpha",),
        ("Amari (1985), Differential-Geometrical Methods in Statistics", _LIESE),
        "alpha family (u^alpha - 1 - alpha (u - 1)) / (alpha (alpha - 1)), alpha not in {0, 1}",
    ),
)


def _norm(name: str) -> str:
    return name.strip().lower().replace("-", "_").replace(" ", "_")


_BY_NAME: dict[str, CatalogueEntry] = {}
for _e in _ENTRIES:
    for _n in (_e.name, *_e.aliases):
        _BY_NAME[_norm(_n)] = _e

_CACHE: dict[tuple, Generator] = {}
_LOCK = threading.RLock()


def catalogue_entries() -> tuple[CatalogueEntry, ...]:
    """The catalogue's entries (generators not yet derived), in catalogue order.

    Returns
    -------
    tuple of CatalogueEntry
    """
    return _ENTRIES


def catalogue(*, alpha: Any = None) -> dict[str, Generator]:
    r"""Every catalogue generator, derived, keyed by name (in catalogue order).

    Parameters
    ----------
    alpha : number, optional
        Value of the alpha family's parameter; by default alpha stays symbolic (regime
        :math:`\alpha > 1`).

    Returns
    -------
    dict of str to Generator
        Derivations are cached, so a second call is immediate.

    Notes
    -----
    Each entry gives only :math:`f`; the conjugate
    :math:`f^*(t) = \sup_{u \ge 0}(tu - f(u))`, its domain and the link are derived.

    Examples
    --------
    >>> cat = catalogue()
    >>> len(cat) >= 12
    True
    >>> cat["pearson"].domain
    Interval(-oo, oo)
    """
    out: dict[str, Generator] = {}
    for e in _ENTRIES:
        kw = {"alpha": alpha} if e.params and alpha is not None else {}
        out[e.name] = get_generator(e.name, **kw)
    return out


def _param_value(name: str, value: Any) -> sp.Expr:
    if isinstance(value, sp.Basic):
        if value.free_symbols:
            raise BoundkitError(
                f"parameter {name} must be a number (or omitted to keep it symbolic)"
            )
        value = sp.nsimplify(value)
    elif isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise BoundkitError(f"parameter {name} must be a real number, got {value!r}")
    elif not np.isfinite(float(value)):
        raise BoundkitError(f"parameter {name} must be finite, got {value!r}")
    elif isinstance(value, (int, np.integer)):
        value = sp.Integer(int(value))
    else:
        exact = sp.Rational(float(value))
        simple = exact.limit_denominator(10**6)
        value = simple if abs(float(simple) - float(value)) <= 1e-15 * abs(float(value)) else exact
    return value


def _make(
    name: str,
    aliases: tuple[str, ...],
    f: sp.Expr,
    references: tuple[str, ...],
    params: Mapping[str, Any],
    notes: tuple[str, ...],
    *,
    derive_f: sp.Expr | None = None,
    back: Mapping[sp.Symbol, sp.Expr] | None = None,
    budget: float | None = None,
) -> Generator:
    """Derive the conjugate of ``derive_f`` (default ``f``), substitute ``back`` and wrap.

    With ``budget`` (CPU seconds) a derivation that runs longer falls back to a numeric
    conjugate; that fallback is not written to the disk cache.
    """
    target = derive_f if derive_f is not None else f

    def compute() -> Derivation:
        if budget is None:
            d = derive(target)
        else:
            d = derive_symbolic_within(target, budget)
        if back:
            d = _substitute(d, f, back)
        g = _wrap(name, aliases, f, references, params, notes, d)
        return _verified(g, d, name, aliases, f, references, params, notes).derivation

    key = (
        "make",
        sp.srepr(f),
        sp.srepr(target),
        repr(sorted((sp.srepr(k), sp.srepr(v)) for k, v in (back or {}).items())),
        "user" if budget is not None else "catalogue",
    )
    try:
        d = cached_derivation(key, compute)
    except DerivationTimeout:
        # not cached: a later call with a larger budget may succeed
        d = derive_numeric_only(target, budget if budget is not None else 0.0)
        if back:
            d = _substitute(d, f, back)
    return _wrap(name, aliases, f, references, params, notes, d)


def _verified(
    g: Generator,
    d: Derivation,
    name: str,
    aliases: tuple[str, ...],
    f: sp.Expr,
    references: tuple[str, ...],
    params: Mapping[str, Any],
    notes: tuple[str, ...],
) -> Generator:
    """Verify a closed form (:func:`verify_closed_form`); fall back to numerics if wrong.

    A numeric conjugate says in its notes where its maximiser leaves the float64 range.
    """
    from dataclasses import replace

    if g.closed_form and not g.is_symbolic:
        worst, _ts = verify_closed_form(g)
        if not worst <= _VERIFY_TOL:
            why = (
                f"the derived closed form failed its verification (grid supremum, "
                f"stationarity, Fenchel-Young equality; worst violation {worst:.2g}): "
                "numeric conjugate used instead"
            )
            d = replace(
                d,
                closed_form=False,
                conjugate_expr=None,
                link_expr=None,
                branches=(),
                notes=(*d.notes, why),
            )
            g = _wrap(name, aliases, f, references, params, notes, d)
    if not g.closed_form and not g.is_symbolic:
        t_ok = numeric_reliable_upto(g)
        s_inf = float(g.fprime_at_inf) if g.fprime_at_inf.is_finite else np.inf
        if t_ok < s_inf:
            why = (
                f"numeric conjugate: for t > {t_ok:.17g} (up to f'(oo) = {s_inf:.17g}) the "
                "maximiser exceeds float64 and f*(t) is a lower bound"
            )
            d = replace(d, notes=(*d.notes, why))
            g = _wrap(name, aliases, f, references, params, notes, d)
    return g


_VERIFY_TOL = 1e-6
# CPU-time budget (seconds) of the symbolic derivation of a user-typed generator; beyond it
# the conjugate is evaluated numerically (and the result says so).
USER_DERIVE_BUDGET = 2.0


def _wrap(
    name: str,
    aliases: tuple[str, ...],
    f: sp.Expr,
    references: tuple[str, ...],
    params: Mapping[str, Any],
    notes: tuple[str, ...],
    d: Derivation,
) -> Generator:
    return Generator(
        name=name,
        aliases=aliases,
        f=f,
        conjugate_expr=d.conjugate_expr,
        domain=d.domain,
        link_expr=d.link_expr,
        fprime_at_1=d.fprime_at_1,
        fprime_at_inf=d.fprime_at_inf,
        closed_form=d.closed_form,
        references=references,
        params=dict(params),
        notes=tuple(notes) + d.notes,
        derivation=d,
    )


def _tidy_expr(expr: sp.Expr) -> sp.Expr:
    if expr is None:
        return None
    e = sp.powsimp(sp.powdenest(expr, force=True), force=True)
    e2 = sp.simplify(e)
    return e2 if sp.count_ops(e2) <= sp.count_ops(expr) else expr


def _substitute(
    d: Derivation, f: sp.Expr, back: Mapping[sp.Symbol, sp.Expr], *, tidy: bool = True
) -> Derivation:
    """Rewrite a derivation made in a positive helper symbol back in the user's parameter.

    With ``tidy=False`` (a number substituted for a symbol) nothing is simplified.
    """
    from dataclasses import replace

    _tidy = _tidy_expr if tidy else (lambda x: x)

    def s(x):
        if x is None:
            return None
        return x.xreplace(dict(back)) if isinstance(x, sp.Basic) else x

    branches = tuple(
        replace(
            br,
            value=_tidy(s(br.value)),
            link=_tidy(s(br.link)),
            upper=_tidy(s(br.upper)),
            argmax=_tidy(s(br.argmax)),
        )
        for br in d.branches
    )
    from boundkit.generators._derivation import _piecewise

    conj = _piecewise([(br.value, br) for br in branches]) if d.closed_form else None
    link = _piecewise([(br.link, br) for br in branches]) if d.closed_form else None
    dom = d.domain
    domain = sp.Interval(_tidy(s(dom.inf)), _tidy(s(dom.sup)), dom.left_open, dom.right_open)
    return replace(
        d,
        f=f,
        branches=branches,
        conjugate_expr=conj,
        link_expr=link,
        domain=domain,
        f_at_0=_tidy(s(d.f_at_0)),
        fprime_at_0=_tidy(s(d.fprime_at_0)),
        fprime_at_1=_tidy(s(d.fprime_at_1)),
        fprime_at_inf=_tidy(s(d.fprime_at_inf)),
        subdifferential_at_1=d.subdifferential_at_1.xreplace(dict(back)),
        limit_at_end=_tidy(s(d.limit_at_end)),
    )


def _from_entry(entry: CatalogueEntry, params: Mapping[str, Any]) -> Generator:
    unknown = set(params) - set(entry.params) - {"alpha_range"}
    if unknown:
        raise BoundkitError(
            f"generator {entry.name} has no parameter(s) {', '.join(sorted(unknown))}"
            + (f" (parameters: {', '.join(entry.params)})" if entry.params else "")
        )
    if entry.name != "alpha":
        return _make(entry.name, entry.aliases, entry.build(), entry.references, {}, ())
    alpha = params.get("alpha")
    regime = params.get("alpha_range", "(1, oo)")
    if alpha is None or (isinstance(alpha, str) and alpha == "symbolic"):
        if regime not in _ALPHA_REGIMES:
            raise BoundkitError(
                f"alpha_range must be one of {', '.join(_ALPHA_REGIMES)}, got {regime!r}"
            )
        sub, back = _ALPHA_REGIMES[regime]
        f = _alpha_f(ALPHA)
        return _make(
            "alpha",
            entry.aliases,
            f,
            entry.references,
            {"alpha": ALPHA, "alpha_range": regime},
            (f"alpha symbolic, assumed in {regime}",),
            derive_f=_alpha_f(sub),
            back={_AP: back},
        )
    a = _param_value("alpha", alpha)
    if a in (0, 1):
        limit = "reverse_kl" if a == 0 else "kl_standard"
        raise BoundkitError(
            f"alpha must not be {a}: the alpha family is singular there "
            f"(its limit is the generator {limit!r})"
        )
    _check_alpha_range(float(a))
    f = sp.simplify(_alpha_f(a)) if a.is_Integer else _alpha_f(a)
    # derived once for the regime of a (symbolic alpha, cached), then evaluated at alpha = a:
    # a number substituted into the regime's closed form needs no simplification
    regime = "(1, oo)" if a > 1 else ("(0, 1)" if a > 0 else "(-oo, 0)")
    name = f"alpha={a}"
    params = {"alpha": a}

    def compute() -> Derivation:
        sym = get_generator("alpha", alpha_range=regime)
        d = _substitute(sym.derivation, f, {ALPHA: a}, tidy=False)
        d = _tidy_branches_within(d, ALPHA_TIDY_BUDGET)
        g = _wrap(name, entry.aliases, f, entry.references, params, (), d)
        return _verified(g, d, name, entry.aliases, f, entry.references, params, ()).derivation

    d = cached_derivation(("alpha-member", sp.srepr(f), regime), compute)
    return _wrap(name, entry.aliases, f, entry.references, params, (), d)


#: CPU seconds spent simplifying the closed form of one numeric alpha (beyond: kept as is,
#: and verified as is).
ALPHA_TIDY_BUDGET = 2.0


class _TidyTimeout(BaseException):
    """The CPU budget of :func:`_tidy_branches_within` ran out."""


def _tidy_branches_within(d: Derivation, seconds: float) -> Derivation:
    """Simplify the branch values and links of ``d`` within ``seconds`` of CPU time."""
    from dataclasses import replace

    from boundkit._cputime import cpu_time_limit
    from boundkit.generators._derivation import _piecewise

    def tidy(e: sp.Expr) -> sp.Expr:
        if not isinstance(e, sp.Expr) or not e.free_symbols:
            return e
        e2 = sp.simplify(sp.powsimp(sp.powdenest(e, force=True), force=True))
        return e2 if sp.count_ops(e2) <= sp.count_ops(e) else e

    try:
        with cpu_time_limit(seconds, _TidyTimeout):
            branches = tuple(
                replace(br, value=tidy(br.value), link=tidy(br.link), argmax=tidy(br.argmax))
                for br in d.branches
            )
    except (_TidyTimeout, RecursionError):
        return d
    if not d.closed_form:
        return d
    return replace(
        d,
        branches=branches,
        conjugate_expr=_piecewise([(br.value, br) for br in branches]),
        link_expr=_piecewise([(br.link, br) for br in branches]),
    )


#: The alpha values whose generator is evaluated accurately in float64: beyond them
#: :math:`u^\alpha` overflows for u just above 1, or :math:`u^\alpha - 1 - \alpha(u - 1)`
#: cancels to rounding noise (relative error :math:`\epsilon/|\alpha|` or
#: :math:`\epsilon/|\alpha - 1|`).
ALPHA_LIMITS = {"max_abs": 1e3, "min_distance": 1e-6}


def _check_alpha_range(a: float) -> None:
    big, small = ALPHA_LIMITS["max_abs"], ALPHA_LIMITS["min_distance"]
    if abs(a) > big:
        raise BoundkitError(
            f"alpha = {a:g} is out of range: expected |alpha| <= {big:g} "
            "(u**alpha overflows float64 beyond it)"
        )
    for point, limit in ((0.0, "reverse_kl"), (1.0, "kl_standard")):
        if abs(a - point) < small:
            raise BoundkitError(
                f"alpha = {a:g} is within {small:g} of {point:g}, where the formula cancels "
                f"to rounding noise: use the limit generator {limit!r}"
            )


#: CPU seconds for everything done with a user-typed generator (parsing, the checks, the
#: symbolic derivation and its numeric fallback, the verification).
USER_TOTAL_BUDGET = 20.0


class _UserBudget(BaseException):
    """The total CPU budget of a user generator ran out."""


def _from_expression(text: str, normalise: bool | str, params: Mapping[str, Any]) -> Generator:
    from boundkit._cputime import cpu_time_limit

    try:
        with cpu_time_limit(USER_TOTAL_BUDGET, _UserBudget):
            expr = parse_generator(text, params)
            chk = check_generator(expr, normalise=normalise, label=text)
            return _make(text, (), chk.f, (), dict(params), chk.notes, budget=USER_DERIVE_BUDGET)
    except DerivationError as exc:
        raise BoundkitError(f"cannot derive the conjugate of {text}: {exc}") from None
    except (_UserBudget, RecursionError):
        raise BoundkitError(
            f"generator {text} is too expensive to analyse: more than {USER_TOTAL_BUDGET:g} s "
            "of CPU time (simplify it, e.g. lower its degree)"
        ) from None


def get_generator(
    name: str | Generator, *, normalise: bool | str = False, **params: Any
) -> Generator:
    r"""A generator from the catalogue (by name or alias) or from an expression in ``u``.

    Parameters
    ----------
    name : str or Generator
        Catalogue name or alias (``"kl"``, ``"tv"``, ``"pearson"``, ...), or an expression in
        ``u`` such as ``"u*log(u) - log(u)"`` (parsed safely, never evaluated). A
        :class:`Generator` is returned unchanged.
    normalise : {False, True, "constant", "affine"}
        For expressions only: what to do when :math:`f(1) \ne 0` (error by default) or f has an
        affine part; see :func:`boundkit.generators.check_generator`.
    **params
        Parameter values, e.g. ``alpha=0.5`` for the alpha family; omit ``alpha`` to keep it
        symbolic (``alpha_range`` picks the regime: ``"(1, oo)"`` (default), ``"(0, 1)"`` or
        ``"(-oo, 0)"``).

    Returns
    -------
    Generator
        Cached: the same object is returned for the same arguments.

    Raises
    ------
    BoundkitError
        Unknown name, invalid expression (not convex, :math:`f(1) \ne 0`, unparsable), or bad
        parameters.

    Notes
    -----
    .. math:: f^*(t) = \sup_{u \ge 0}\,(tu - f(u)), \qquad
              \mathrm{dom} f^* = \{t : f^*(t) < \infty\}.

    Examples
    --------
    >>> get_generator("kl").conjugate_expr
    exp(t - 1)
    >>> get_generator("reverse_kl").domain
    Interval.open(-oo, 0)
    >>> get_generator("alpha", alpha=2).f
    u**2/2 - u + 1/2
    """
    if isinstance(name, Generator):
        return name
    if not isinstance(name, str):
        raise BoundkitError(
            f"a generator is a name or an expression string, got {type(name).__name__}"
        )
    key = (name, str(normalise), tuple(sorted((k, repr(v)) for k, v in params.items())))
    with _LOCK:
        if key in _CACHE:
            return _CACHE[key]
        entry = _BY_NAME.get(_norm(name))
        if entry is not None:
            if normalise:
                raise BoundkitError("normalise applies to expressions, not catalogue generators")
            g = _from_entry(entry, params)
        else:
            if params and "u" in params:
                raise BoundkitError("u is the generator's variable, not a parameter")
            looks_like_name = name.replace("_", "").replace("-", "").isalpha() and "u" != name
            if looks_like_name and not any(c in name for c in "()*+/^") and name != "u":
                known = ", ".join(e.name for e in _ENTRIES)
                raise BoundkitError(
                    f"unknown generator {name!r}: use a catalogue name ({known}) or an "
                    "expression in u such as 'u*log(u)'"
                )
            g = _from_expression(name, normalise, params)
        _CACHE[key] = g
        return g
