r"""The derived conjugates against a reference table typed here (and only here).

References (u >= 0 convention, THEORY.md C1 and hand derivations):
f*(t) = sup_{u >= 0} (t u - f(u)). Every derived conjugate is compared

1. symbolically, branch by branch: on each branch of the reference the derived expression in
   force there must simplify to the reference (t written as ``end -/+ p`` with p > 0 so sympy
   knows the sign information of the branch); values at the branch ends are compared exactly;
2. numerically, with an independent supremum: f typed again with numpy here, maximised over a
   dense logarithmic u-grid and refined by scipy's bounded scalar minimiser, at many t
   including points close to the ends of the domain.
"""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from scipy.optimize import minimize_scalar
from scipy.special import lambertw

from boundkit.generators import T, catalogue, get_generator

t = sp.Symbol("t", real=True)
assert t == T
p = sp.Symbol("p", positive=True)
oo = sp.oo
W = sp.LambertW
half = sp.Rational(1, 2)

# name: (pieces [(expr, Interval)], domain, link pieces, f'(1), f'(inf), numpy f)
REFERENCE = {
    "kl": (
        [(sp.exp(t - 1), sp.Interval(-oo, oo))],
        sp.Interval(-oo, oo),
        [(sp.exp(t - 1), sp.Interval(-oo, oo))],
        1,
        oo,
        lambda u: u * np.log(u),
    ),
    "kl_standard": (
        [(sp.exp(t) - 1, sp.Interval(-oo, oo))],
        sp.Interval(-oo, oo),
        [(sp.exp(t), sp.Interval(-oo, oo))],
        0,
        oo,
        lambda u: u * np.log(u) - u + 1,
    ),
    "reverse_kl": (
        [(-1 - sp.log(-t), sp.Interval.open(-oo, 0))],
        sp.Interval.open(-oo, 0),
        [(-1 / t, sp.Interval.open(-oo, 0))],
        -1,
        0,
        lambda u: -np.log(u),
    ),
    "pearson": (
        [(sp.Integer(-1), sp.Interval(-oo, -2)), (t + t**2 / 4, sp.Interval(-2, oo))],
        sp.Interval(-oo, oo),
        [(sp.Integer(0), sp.Interval(-oo, -2)), (1 + t / 2, sp.Interval(-2, oo))],
        0,
        oo,
        lambda u: (u - 1) ** 2,
    ),
    "neyman": (
        [(2 - 2 * sp.sqrt(1 - t), sp.Interval(-oo, 1))],
        sp.Interval(-oo, 1),
        [(1 / sp.sqrt(1 - t), sp.Interval.open(-oo, 1))],
        0,
        1,
        lambda u: (u - 1) ** 2 / u,
    ),
    "squared_hellinger": (
        [(t / (1 - t), sp.Interval.open(-oo, 1))],
        sp.Interval.open(-oo, 1),
        [(1 / (1 - t) ** 2, sp.Interval.open(-oo, 1))],
        0,
        1,
        lambda u: (np.sqrt(u) - 1) ** 2,
    ),
    "jensen_shannon": (
        [(-sp.log(2 - sp.exp(t)), sp.Interval.open(-oo, sp.log(2)))],
        sp.Interval.open(-oo, sp.log(2)),
        [(sp.exp(t) / (2 - sp.exp(t)), sp.Interval.open(-oo, sp.log(2)))],
        0,
        sp.log(2),
        lambda u: u * np.log(u) - (u + 1) * np.log((u + 1) / 2),
    ),
    "gan": (
        [(-sp.log(1 - sp.exp(t)), sp.Interval.open(-oo, 0))],
        sp.Interval.open(-oo, 0),
        [(sp.exp(t) / (1 - sp.exp(t)), sp.Interval.open(-oo, 0))],
        -sp.log(2),
        0,
        lambda u: u * np.log(u) - (u + 1) * np.log(u + 1),
    ),
    "total_variation": (
        [(-half, sp.Interval(-oo, -half)), (t, sp.Interval(-half, half))],
        sp.Interval(-oo, half),
        [
            (sp.Integer(0), sp.Interval.open(-oo, -half)),
            (sp.Integer(1), sp.Interval.open(-half, half)),
        ],
        half,  # right derivative at the kink u = 1
        half,
        lambda u: np.abs(u - 1) / 2,
    ),
    "jeffreys": (
        [(W(sp.exp(1 - t)) + 1 / W(sp.exp(1 - t)) + t - 2, sp.Interval(-oo, oo))],
        sp.Interval(-oo, oo),
        [(1 / W(sp.exp(1 - t)), sp.Interval(-oo, oo))],
        0,
        oo,
        lambda u: (u - 1) * np.log(u),
    ),
    "le_cam": (
        [(sp.Integer(-1), sp.Interval(-oo, -3)), (4 - t - 4 * sp.sqrt(1 - t), sp.Interval(-3, 1))],
        sp.Interval(-oo, 1),
        [(sp.Integer(0), sp.Interval(-oo, -3)), (2 / sp.sqrt(1 - t) - 1, sp.Interval.open(-3, 1))],
        0,
        1,
        lambda u: (u - 1) ** 2 / (u + 1),
    ),
}

REQUIRED = set(REFERENCE) | {"alpha"}


def _alpha_reference(a):
    """Pieces, domain, link and f'(inf) of the alpha family for a number or symbol ``a``."""
    s = 1 + (a - 1) * t
    main = (s ** (a / (a - 1)) - 1) / a
    link = s ** (1 / (a - 1))
    if (a > 1) is sp.true or (a > 1) is True:
        lo = -1 / (a - 1)
        return (
            [(-1 / a, sp.Interval(-oo, lo)), (main, sp.Interval(lo, oo))],
            sp.Interval(-oo, oo),
            [(sp.Integer(0), sp.Interval(-oo, lo)), (link, sp.Interval(lo, oo))],
            oo,
        )
    end = 1 / (1 - a)
    closed = bool((a < 0) is sp.true or (a < 0) is True)
    dom = sp.Interval(-oo, end, False, not closed)
    return ([(main, dom)], dom, [(link, sp.Interval.open(-oo, end))], end)


ALPHAS = [
    sp.Integer(-2),
    -half,
    sp.Rational(1, 3),
    half,
    sp.Rational(2, 3),
    sp.Rational(3, 2),
    sp.Integer(2),
    sp.Integer(3),
]


# --------------------------------------------------------------------------- helpers


def _branch_at(expr, point):
    """The expression of a Piecewise in force at ``t = point`` (exact)."""
    if not isinstance(expr, sp.Piecewise):
        return expr
    for e, cond in expr.args:
        if bool(cond.subs(t, point)):
            return e
    raise AssertionError(f"no branch of {expr} at t = {point}")


def _interior(iv):
    a, b = iv.inf, iv.sup
    if a.is_infinite and b.is_infinite:
        return sp.Integer(0)
    if a.is_infinite:
        return b - 1
    if b.is_infinite:
        return a + 1
    return (a + b) / 2


def _param_t(iv):
    """t as a function of a positive p that stays inside the interval's sign information."""
    if iv.sup.is_finite:
        return iv.sup - p
    if iv.inf.is_finite:
        return iv.inf + p
    return t


def _same(a, b, iv):
    tt = _param_t(iv)
    diff = (a - b).subs(t, tt)
    if sp.simplify(diff) == 0:
        return True
    d2 = sp.simplify(sp.expand_log(sp.logcombine(diff, force=True), force=True))
    if d2 == 0:
        return True
    # last resort: exact expressions evaluated to 50 digits at several points of the branch
    pts = (sp.Rational(1, 1000), sp.Rational(1, 3), sp.Integer(2), sp.Integer(17))
    sym = p if tt != t else t
    return all(abs(sp.N(diff.subs(sym, v), 50)) < sp.Float(10) ** -40 for v in pts)


def assert_pieces_equal(derived, pieces):
    for ref, iv in pieces:
        if iv.measure == 0:
            continue
        got = _branch_at(derived, _interior(iv))
        assert _same(got, ref, iv), f"on {iv}: derived {got} != reference {ref}"
        # exact values at the closed, finite ends of the branch
        for end, is_open in ((iv.inf, iv.left_open), (iv.sup, iv.right_open)):
            if end.is_finite and not is_open:
                got_end = sp.simplify(derived.subs(t, end))
                want = sp.simplify(sp.limit(ref, t, end, "-" if end == iv.sup else "+"))
                assert sp.simplify(got_end - want) == 0, (end, got_end, want)


def numeric_sup(fnum, tv, f0):
    """Independent sup_{u >= 0} (t u - f(u)): dense log-grid then bounded scalar refinement."""
    grid = np.logspace(-12, 12, 48001)
    with np.errstate(all="ignore"):
        vals = tv * grid - fnum(grid)
    vals[~np.isfinite(vals)] = -np.inf
    i = int(np.argmax(vals))
    lo, hi = grid[max(i - 1, 0)], grid[min(i + 1, grid.size - 1)]
    res = minimize_scalar(
        lambda x: -(tv * x - fnum(x)),
        bounds=(lo, hi),
        method="bounded",
        options={"xatol": 1e-13 * hi},
    )
    best = max(float(vals[i]), -float(res.fun))
    if np.isfinite(f0):
        best = max(best, -f0)
    return best


def _sample_ts(domain, pieces):
    """Points inside the domain: interior of every branch, near every end and far out."""
    ts = set()
    lo_dom, hi_dom = domain.inf, domain.sup
    edges = sorted(
        {float(iv.inf) for _, iv in pieces if iv.inf.is_finite}
        | {float(iv.sup) for _, iv in pieces if iv.sup.is_finite}
    )
    for e in edges:
        for d in (1e-3, 0.1, 0.7):
            ts.add(e - d)
            ts.add(e + d)
    for v in (-30.0, -6.0, -1.3, 0.0, 0.4, 2.0, 5.0):
        ts.add(v)
    hi = float(hi_dom)
    out = []
    for v in sorted(ts):
        if v < hi:
            out.append(v)
    # (a closed right end is checked exactly in the symbolic test: there the supremum is a
    # limit u -> oo that a finite grid only approaches slowly)
    assert lo_dom == -oo
    return np.array(out)


# --------------------------------------------------------------------------- tests


def test_catalogue_has_the_required_generators():
    cat = catalogue()
    assert len(cat) >= 12
    assert REQUIRED <= set(cat)
    for name, g in cat.items():
        assert g.name == name
        assert g.references, name
        assert g.closed_form, name


@pytest.mark.parametrize("name", sorted(REFERENCE))
def test_symbolic_conjugate_matches_reference(name):
    pieces, domain, link_pieces, fp1, fpinf, _ = REFERENCE[name]
    g = get_generator(name)
    assert g.domain == domain
    assert g.domain.left_open == domain.left_open and g.domain.right_open == domain.right_open
    assert_pieces_equal(g.conjugate_expr, pieces)
    assert_pieces_equal(g.link_expr, link_pieces)
    assert sp.simplify(g.fprime_at_1 - fp1) == 0
    assert g.fprime_at_inf == fpinf or sp.simplify(g.fprime_at_inf - fpinf) == 0


@pytest.mark.parametrize("name", sorted(REFERENCE))
def test_conjugate_matches_independent_numeric_sup(name):
    pieces, domain, _, _, _, fnum = REFERENCE[name]
    g = get_generator(name)
    ts = _sample_ts(domain, pieces)
    with np.errstate(all="ignore"):
        f0 = float(fnum(np.array(1e-300)))
    got = g.conjugate(ts)
    ref = np.array([numeric_sup(fnum, tv, f0) for tv in ts])
    np.testing.assert_allclose(got, ref, rtol=1e-8, atol=1e-9)


@pytest.mark.parametrize("name", sorted(REFERENCE))
def test_outside_the_domain_is_plus_infinity(name):
    _, domain, _, _, _, _ = REFERENCE[name]
    g = get_generator(name)
    hi = float(domain.sup)
    if not np.isfinite(hi):
        assert np.all(g.in_domain(np.array([-1e6, 0.0, 1e6])))
        return
    ts = np.array([hi + 1e-9, hi + 0.5, hi + 10.0])
    assert np.all(g.conjugate(ts) == np.inf)
    assert np.all(g.link(ts) == np.inf)
    assert not np.any(g.in_domain(ts))
    at_end = g.conjugate(np.array([hi]))[0]
    if domain.right_open:
        assert at_end == np.inf
    else:
        assert np.isfinite(at_end)


def test_reference_values_spot_checks():
    """A few values by hand (independent of sympy): the pitfalls named in the issue."""
    pear = get_generator("pearson")
    np.testing.assert_array_equal(pear.conjugate(np.array([-5.0, -2.0, -3.0])), [-1, -1, -1])
    lecam = get_generator("le_cam")
    np.testing.assert_allclose(lecam.conjugate(np.array([-4.0, -3.5, 0.0])), [-1, -1, 0])
    tv = get_generator("total_variation")
    np.testing.assert_allclose(
        tv.conjugate(np.array([-2.0, -0.5, 0.1, 0.5])), [-0.5, -0.5, 0.1, 0.5]
    )
    assert tv.conjugate(0.5 + 1e-12) == np.inf
    jef = get_generator("jeffreys")
    for tv_ in (-7.0, 0.3, 4.0):
        w = float(np.real(lambertw(np.exp(1 - tv_))))
        np.testing.assert_allclose(jef.conjugate(tv_), w + 1 / w + tv_ - 2, rtol=1e-12)
        np.testing.assert_allclose(jef.link(tv_), 1 / w, rtol=1e-12)


@pytest.mark.parametrize("a", ALPHAS, ids=str)
def test_alpha_family_numeric_alpha(a):
    pieces, domain, link_pieces, fpinf = _alpha_reference(a)
    g = get_generator("alpha", alpha=float(a))
    assert g.domain == domain
    assert_pieces_equal(g.conjugate_expr, pieces)
    assert_pieces_equal(g.link_expr, link_pieces)
    assert g.fprime_at_inf == fpinf or sp.simplify(g.fprime_at_inf - fpinf) == 0
    af = float(a)

    def fnum(u):
        return (u**af - 1 - af * (u - 1)) / (af * (af - 1))

    with np.errstate(all="ignore"):
        f0 = float(fnum(np.array(0.0)))
    ts = _sample_ts(domain, pieces)
    ref = np.array([numeric_sup(fnum, tv, f0) for tv in ts])
    np.testing.assert_allclose(g.conjugate(ts), ref, rtol=1e-8, atol=1e-9)


@pytest.mark.parametrize(
    ("regime", "value"),
    [("(1, oo)", 1 + p), ("(0, 1)", 1 / (1 + p)), ("(-oo, 0)", -p)],
    ids=["alpha>1", "0<alpha<1", "alpha<0"],
)
def test_alpha_family_symbolic_alpha(regime, value):
    """Symbolic alpha: the derived expressions equal the reference for every alpha of the
    regime (alpha written through a positive q, t through a positive r)."""
    from boundkit.generators import ALPHA

    g = get_generator("alpha", alpha_range=regime)
    assert g.is_symbolic and g.f.free_symbols == {ALPHA, sp.Symbol("u", nonnegative=True)}
    q = sp.Symbol("q", positive=True)
    r = sp.Symbol("r", positive=True)
    a = value.subs(p, q)
    pieces, domain, link_pieces, fpinf = _alpha_reference(a)
    dom = g.domain.xreplace({ALPHA: a})
    assert dom.sup == domain.sup or sp.simplify(dom.sup - domain.sup) == 0
    assert dom.right_open == domain.right_open
    conj = g.conjugate_expr.xreplace({ALPHA: a})
    link = g.link_expr.xreplace({ALPHA: a})
    for derived, ref_pieces in ((conj, pieces), (link, link_pieces)):
        for ref, iv in ref_pieces:
            end = iv.sup if iv.sup.is_finite else iv.inf
            tt = end - r if iv.sup.is_finite else end + r
            expr = derived.subs(t, tt) - ref.subs(t, tt)
            diff = sp.simplify(sp.powsimp(sp.powdenest(expr, force=True), force=True))
            if diff == 0:
                continue
            # exact evaluation (40 digits) at rational q, r: the Piecewise conditions are then
            # decided by numbers, so the derived branch in force is the one compared
            for qv in (sp.Rational(1, 3), sp.Rational(5, 2)):
                for rv in (sp.Rational(1, 7), sp.Integer(3)):
                    val = sp.N(expr.subs({q: qv, r: rv}), 40)
                    assert abs(val) < 1e-30, (regime, derived, ref, qv, rv, val)
    got_inf = g.fprime_at_inf.xreplace({ALPHA: a})
    assert got_inf == fpinf or sp.simplify(got_inf - fpinf) == 0


def test_alpha_must_avoid_singular_values():
    from boundkit import BoundkitError

    for bad in (0, 1, 1.0):
        with pytest.raises(BoundkitError, match="alpha must not be"):
            get_generator("alpha", alpha=bad)
