"""User generators typed as strings: safe parsing, validation, derivation, numeric fallback."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import sympy as sp

from boundkit import BoundkitError
from boundkit.generators import (
    brute_force_conjugate,
    check_generator,
    get_generator,
    parse_generator,
)
from boundkit.generators._verify import verify_closed_form

t = sp.Symbol("t", real=True)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("sin(u)", "not convex on [0, oo)"),
        ("log(u)", "not convex on [0, oo)"),
        ("-u**2 + 1", "not convex on [0, oo)"),
        ("u**2", "f(1) = 1, expected f(1) = 0"),
        ("sqrt(u - 2)", "not real-valued"),
        ("u +* 2", "cannot parse"),
        ("", "empty"),
        ("__import__('os')", "not allowed"),
        ("u.__class__", "not allowed"),
        ("(lambda: 1)()", "allowed"),
        ("open('x')", "not allowed"),
        ("[u, u]", "not allowed"),
        ("u if u else 1", "not allowed"),
        ("I*u", "unknown name"),
        ("x*log(x)", "unknown name"),
        ("2**2**2**2**2", "too large"),
        ("nosuchname", "unknown generator"),
    ],
)
def test_bad_generators_raise_clear_errors(text, fragment):
    with pytest.raises(BoundkitError, match=None) as info:
        get_generator(text)
    msg = str(info.value)
    assert fragment in msg
    assert "\n" not in msg


def test_parser_never_evaluates_code(tmp_path, monkeypatch):
    marker = tmp_path / "hacked"
    monkeypatch.chdir(tmp_path)
    for text in ("open('hacked', 'w')", "exec('1')", "eval('u')", "globals()"):
        with pytest.raises(BoundkitError):
            parse_generator(text)
    assert not marker.exists()


def test_normalisation_only_when_asked():
    with pytest.raises(BoundkitError, match="f\\(1\\) = 1"):
        get_generator("u**2")
    g = get_generator("u**2", normalise="constant")
    u = sp.Symbol("u", nonnegative=True)
    assert sp.expand(g.f - (u**2 - 1)) == 0
    assert any("affine" in n for n in g.notes)
    g2 = get_generator("u**2", normalise="affine")
    assert sp.expand(g2.f - (u - 1) ** 2) == 0
    assert check_generator(u * sp.log(u) + 3 * (u - 1)).affine_slope == 4


def test_jeffreys_typed_by_hand_is_derived_with_lambert_w():
    g = get_generator("u*log(u) - log(u)")
    assert g.closed_form
    assert g.conjugate_expr.has(sp.LambertW)
    ts = np.array([-6.0, -1.0, 0.0, 2.5])
    ref = [brute_force_conjugate(g.f_numeric, float(x), f0=np.inf) for x in ts]
    np.testing.assert_allclose(g.conjugate(ts), ref, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize(
    ("text", "pieces"),
    [
        # f = -sqrt(u) + 1: u(t) = 1/(4 t^2), f* = -1 - 1/(4 t) on t < 0
        ("1 - sqrt(u)", [(-1 - 1 / (4 * t), -3), (-1 - 1 / (4 * t), -sp.Rational(1, 5))]),
        # f = u^3 - 1: f* = 1 for t <= 0 (sup at u = 0), 1 + 2 (t/3)^(3/2) above
        ("u**3 - 1", [(sp.Integer(1), -2), (1 + 2 * (t / 3) ** sp.Rational(3, 2), 5)]),
        # f = |u - 1| + (u - 1)^2: kink at 1 with slopes -1 and 1
        (
            "abs(u - 1) + (u - 1)**2",
            [
                (sp.Integer(-2), -4),
                (t + (t + 1) ** 2 / 4, -2),
                (t, sp.Rational(1, 2)),
                (t + (t - 1) ** 2 / 4, 3),
            ],
        ),
    ],
)
def test_user_generators_match_hand_derivations(text, pieces):
    g = get_generator(text)
    assert g.closed_form
    for ref, tv in pieces:
        got = g.conjugate_expr.subs(t, tv)
        assert abs(sp.N(got - ref.subs(t, tv), 40)) < 1e-30, (text, tv, got)


def test_no_closed_form_falls_back_to_numerics():
    # f'(u) = 3 u^2 + e^u - 1 = t has no closed-form root
    g = get_generator("u**3 + exp(u) - u - E")
    assert not g.closed_form
    assert g.conjugate_expr is None and g.link_expr is None
    assert any("numeric" in n for n in g.notes)
    ts = np.array([-3.0, 0.0, 0.5, 2.0, 10.0, 40.0])
    f0 = float(g.f_numeric(0.0))
    ref = np.array([brute_force_conjugate(g.f_numeric, float(x), f0=f0) for x in ts])
    np.testing.assert_allclose(g.conjugate(ts), ref, rtol=1e-9, atol=1e-12)
    # Fenchel-Young equality at the numeric link
    u = g.link(ts)
    np.testing.assert_allclose(g.f_numeric(u) + g.conjugate(ts), u * ts, rtol=1e-9, atol=1e-9)
    assert g.to_dict()["closed_form"] is False


def test_a_wrong_closed_form_is_detected():
    """The brute-force safeguard flags a closed form that is not the supremum."""
    g = get_generator("pearson")
    wrong = dataclasses.replace(
        g, conjugate_expr=t + t**2 / 4, link_expr=1 + t / 2, _cache={}
    )  # the f-GAN (u in R) conjugate: wrong for t < -2
    worst, _ = verify_closed_form(wrong)
    assert worst > 0.1
    good, _ = verify_closed_form(g)
    assert good < 1e-9


def test_numerics_are_stable_and_never_nan():
    gan = get_generator("gan")
    t = np.array([-800.0, -40.0, -1e-12, 0.0, 1.0])
    c = gan.conjugate(t)
    assert not np.any(np.isnan(c))
    x = t[:3]
    ref = np.where(x < -np.log(2), -np.log1p(-np.exp(x)), -np.log(-np.expm1(x)))
    np.testing.assert_allclose(c[:3], ref, rtol=1e-14)
    assert c[1] > 0  # log1mexp keeps the tiny value e^-40
    assert np.all(c[3:] == np.inf)
    js = get_generator("js")
    c = js.conjugate(np.array([np.log(2.0) - 1e-12, -700.0]))
    assert np.all(np.isfinite(c))
    kls = get_generator("kl_standard")
    assert float(kls.conjugate(1e-20)) == pytest.approx(1e-20, rel=1e-12)
    for name in ("kl", "reverse_kl", "neyman", "le_cam", "total_variation", "jeffreys"):
        g = get_generator(name)
        out = g.conjugate(np.array([-1e6, -1.0, 0.5, 1e6]))
        assert not np.any(np.isnan(out)), name
        assert g.conjugate(np.zeros((2, 3))).shape == (2, 3)
        assert np.ndim(g.conjugate(0.1)) == 0


def test_symbolic_alpha_has_no_numerics():
    g = get_generator("alpha")
    with pytest.raises(BoundkitError, match="symbolic parameters"):
        g.conjugate(np.array([0.0]))


def test_slow_user_derivation_falls_back_to_numerics(monkeypatch, tmp_path):
    """A user derivation that exceeds its CPU budget gives a numeric conjugate (not cached)."""
    from boundkit.generators import _catalogue

    monkeypatch.setenv("BOUNDKIT_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("BOUNDKIT_NO_CACHE", raising=False)
    monkeypatch.setattr(_catalogue, "USER_DERIVE_BUDGET", 1e-4)
    text = "(u - 1)**2/7 + 0*u"  # an expression no other test derives (not in lru caches)
    g = get_generator(text)
    assert not g.closed_form and g.conjugate_expr is None
    assert any("CPU time" in n and "numeric" in n for n in g.notes)
    # by hand: f'(u) = 2(u - 1)/7, f'(0) = -2/7; f* = -1/7 below, t + 7 t^2 / 4 above
    ts = np.array([-3.0, -0.5, -2 / 7, 0.0, 0.3, 2.0, 10.0])
    ref = np.where(ts <= -2 / 7, -1 / 7, ts + 7 * ts**2 / 4)
    np.testing.assert_allclose(g.conjugate(ts), ref, rtol=1e-9, atol=1e-12)
    assert not list(tmp_path.rglob("*.json")), "a timed-out derivation must not be cached"
    # with the normal budget the same f (typed differently) derives symbolically: the
    # interrupted derivation left nothing behind in the caches
    monkeypatch.setattr(_catalogue, "USER_DERIVE_BUDGET", 60.0)
    g2 = get_generator("(u - 1)**2/7 + 0*u**2")
    assert sp.simplify(g2.f - g.f) == 0
    assert g2.closed_form
    assert (
        abs(
            sp.N(
                g2.conjugate_expr.subs(t, sp.Rational(3, 10))
                - sp.Rational(3, 10)
                - sp.Rational(63, 400)
            )
        )
        < 1e-30
    )
