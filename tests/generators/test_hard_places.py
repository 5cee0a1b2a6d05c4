r"""Generators at the hard places: domain ends, large |t|, u near 1, huge ratios, hostile input.

Reference values are computed independently with mpmath at 40 digits from the definition
:math:`f^*(t) = \sup_u (tu - f(u))` solved by hand at the stationary point (the generating
code is the ``_mp_*`` functions below), never by the code under test.
"""

import json
import time

import mpmath as mp
import numpy as np
import pytest

from boundkit._errors import BoundkitError
from boundkit.generators import _cache, get_generator

mp.mp.dps = 40


def _mp_alpha_conjugate(a, t):
    """alpha family: u(t) = (1 + (a - 1) t)^(1/(a - 1)), f*(t) = (u^a - 1)/a (Liese-Vajda)."""
    a, t = mp.mpf(a), mp.mpf(t)
    u = (1 + (a - 1) * t) ** (1 / (a - 1))
    return (u**a - 1) / a, u


@pytest.mark.parametrize("a", [0.8, 0.9, 0.95, 0.99])
def test_alpha_family_near_the_end_of_the_domain(a):
    """alpha in [0.8, 1): a closed form, accurate up to the end t -> 1/(1 - alpha) of dom f*
    where the maximiser is astronomically large (u ~ 1e35 to 1e700)."""
    g = get_generator("alpha", alpha=a)
    assert g.closed_form, g.notes
    end = 1.0 / (1.0 - a)
    ts = np.array([0.0, end / 2, end - 1.0, end * (1 - 1e-4), end * (1 - 1e-7)])
    ref = [_mp_alpha_conjugate(a, float(t)) for t in ts]
    c, u = g.conjugate(ts), g.link(ts)
    for i, t in enumerate(ts):
        # the float t and alpha carry rounding errors amplified by the condition number
        # |d log u / d log t| = t / (1 - (1 - a) t) (the same order for f*): rtol 8 eps cond
        cond = 1.0 + abs(t) / (1.0 - (1.0 - a) * t)
        rtol = 1e-13 + 8 * np.finfo(float).eps * cond / (1.0 - a)
        assert c[i] == pytest.approx(
            float(ref[i][0]), rel=rtol, abs=8 * np.finfo(float).eps / (1.0 - a)
        ), (t, rtol)
        assert u[i] == pytest.approx(float(ref[i][1]), rel=rtol), (t, rtol)
    assert float(g.link(ts[-1])) > 1e30


def test_exp_generator_does_not_overflow_at_moderate_t():
    """f(u) = exp(u - 1) - u: f*(t) = (t + 1) log(t + 1) for t >= e^-1 - 1."""
    g = get_generator("exp(u - 1) - u")
    ts = np.array([5.0, 50.0, 700.0, 1e3, 1e10, 1e300])
    want = [float((mp.mpf(t) + 1) * mp.log(mp.mpf(t) + 1)) for t in ts]
    np.testing.assert_allclose(g.conjugate(ts), want, rtol=1e-13)


@pytest.mark.parametrize("power", [4, 6, 50])
def test_polynomial_generators_keep_their_factored_form(power):
    """(u - 1)^k near u = 1 is (u - 1)^k, not rounding noise; f' has the right sign."""
    g = get_generator(f"(u - 1)**{power}")
    for d in (1e-3, 1e-6):
        for u in (1.0 + d, 1.0 - d):
            w = u - 1.0  # the float u - 1 is exact (Sterbenz)
            assert float(g.f_numeric(u)) == pytest.approx(w**power, rel=1e-13)
            assert float(g.fprime(u)) == pytest.approx(power * w ** (power - 1), rel=1e-13)
    # far from 1 too (the shifted form is only used near 1)
    assert float(g.f_numeric(1.5)) == pytest.approx(0.5**power, rel=1e-13)
    assert float(g.f_numeric(1e-9)) == pytest.approx((1e-9 - 1) ** power, rel=1e-12)


def test_expanded_integer_alpha_is_accurate_near_one_and_far():
    g = get_generator("alpha", alpha=2)  # f = u^2/2 - u + 1/2 = (u - 1)^2/2
    u = 1.0 + 2.0**-30
    assert float(g.f_numeric(u)) == 0.5 * 2.0**-60
    assert float(g.f_numeric(1e-14)) == pytest.approx(0.5 * (1e-14 - 1) ** 2, rel=1e-15)


def test_gan_derivative_at_huge_likelihood_ratios():
    """f(u) = u log u - (u + 1) log(u + 1): f'(u) = -log1p(1/u)."""
    g = get_generator("gan")
    u = np.array([1e6, 1e12, 1e15])
    want = [float(-mp.log1p(1 / mp.mpf(x))) for x in u]
    np.testing.assert_allclose(g.fprime(u), want, rtol=1e-12)


@pytest.mark.parametrize(
    ("expr", "params", "match"),
    [
        ("(u**999)**999", {}, "exponent 998001 is too large"),
        ("u**9**9", {}, "exponent 387420489 is too large"),
        ("alpha", {"alpha": 1e308}, "out of range"),
        ("alpha", {"alpha": 1e-300}, "within 1e-06 of 0"),
        ("alpha", {"alpha": 1 + 1e-12}, "within 1e-06 of 1"),
    ],
)
def test_hostile_generators_give_one_line_errors_quickly(expr, params, match):
    t0 = time.process_time()
    with pytest.raises(BoundkitError, match=match) as info:
        get_generator(expr, **params)
    assert "\n" not in str(info.value)
    assert time.process_time() - t0 < 5.0


def test_lambertw_generators_work():
    """LambertW is allowed by the parser, so the convexity check and the numerics handle it."""
    g = get_generator("u*LambertW(u) - LambertW(1)*u", normalise=True)
    ts = np.array([-1.0, 0.5, 2.0])
    c = g.conjugate(ts)
    assert np.all(np.isfinite(c))
    # Fenchel-Young equality at the numeric maximiser
    u = g.link(ts)
    np.testing.assert_allclose(g.f_numeric(u) + c, u * ts, rtol=1e-9, atol=1e-9)


def test_high_degree_polynomial_is_bounded_in_cpu_time():
    """(u + 1)^1000 - 2^1000: the whole analysis stays within its CPU budgets."""
    t0 = time.process_time()
    try:
        g = get_generator("(u + 1)**1000 - 2**1000 + 0*u", normalise=True)
    except BoundkitError as exc:
        assert "\n" not in str(exc)
    else:
        assert not np.any(np.isnan(g.conjugate(np.array([-1.0, 0.0, 1.0]))))
    assert time.process_time() - t0 < 40.0


def test_cache_stores_text_and_discards_corrupt_or_wrong_typed_entries(tmp_path, monkeypatch):
    monkeypatch.setenv("BOUNDKIT_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("BOUNDKIT_NO_CACHE", raising=False)
    from boundkit.generators._derive import derive
    from boundkit.generators._expr import U

    f = (U - 1) ** 2 / 11
    calls = []

    def compute():
        calls.append(1)
        return derive(f)

    _cache.clear_memory_cache()
    d = _cache.cached_derivation(f, compute)
    files = list((tmp_path / "derivations").glob("*.json"))
    assert len(files) == 1 and len(calls) == 1
    obj = json.loads(files[0].read_text())
    assert (
        obj["derivation"]["f"]
        == "Mul(Rational(1, 11), Pow(Add(Symbol('u', nonnegative=True), Integer(-1)), Integer(2)))"
    )
    # a new process: read back from disk, equal, no recomputation
    _cache.clear_memory_cache()
    assert _cache.cached_derivation(f, compute) == d and len(calls) == 1
    # corrupt / hostile / wrong-typed entries are discarded and recomputed
    for bad in (
        "not json",
        json.dumps({**obj, "derivation": {**obj["derivation"], "closed_form": "yes"}}),
        json.dumps({**obj, "derivation": {**obj["derivation"], "f": "__import__('os')"}}),
        json.dumps(
            {**obj, "derivation": {**obj["derivation"], "f": "Pow(Integer(9), Integer(387420489))"}}
        ),
        json.dumps({**obj, "key": "something else"}),
    ):
        files[0].write_text(bad)
        _cache.clear_memory_cache()
        n = len(calls)
        assert _cache.cached_derivation(f, compute) == d
        assert len(calls) == n + 1
    # the process memo: no recomputation and no disk access
    files[0].unlink()
    assert _cache.cached_derivation(f, compute) == d and not files[0].exists()


# Jeffreys f*(t) = w + 1/w + t - 2, w = omega(1 - t) (the Wright omega): as t -> -oo, w ~ -t
# cancels against t (as derived, 8e-12 relative error at t = -1e6, every digit lost by -1e20).
# Reference: 60-digit mpmath, u* = 1 / LambertW(e^(1 - t)), f*(t) = t u* - (u* - 1) log u*.
JEFFREYS_T = [-1e300, -1e100, -1e20, -1e16, -1e10, -1e6, -1e3, -5.0, 0.5, 5.0, 50.0, 600.0]


def _jeffreys_conjugate_reference(t: float) -> float:
    import mpmath as mp

    with mp.workdps(60):
        T = mp.mpf(t)
        u = 1 / mp.lambertw(mp.exp(1 - T)).real
        return float(T * u - (u - 1) * mp.log(u))


@pytest.mark.parametrize("t", JEFFREYS_T)
def test_jeffreys_conjugate_keeps_its_digits_towards_minus_infinity(t):
    g = get_generator("jeffreys")
    assert g.conjugate(t) == pytest.approx(_jeffreys_conjugate_reference(t), rel=1e-14, abs=0)


def test_the_omega_identity_is_used_only_where_it_cancels():
    import sympy as sp

    from boundkit.generators._numeric import _omega_identity, _WrightOmega

    t = sp.Symbol("t", real=True)
    w = _WrightOmega(1 - t)
    # w + t - 2 = (1 - t - log w) + t - 2: t leaves the terms outside omega
    assert sp.simplify(_omega_identity(w + 1 / w + t - 2) - (1 / w - sp.log(w) - 1)) == 0
    # no -z to cancel against: omega(z) = z - log omega(z) would itself cancel for z -> -oo
    assert _omega_identity(w + 1 / w + 3) == w + 1 / w + 3
    assert _omega_identity(2 * w + t) == 2 * w + t  # 2 omega ~ -2t does not cancel t


def _catalogue_and_alphas():
    from boundkit.generators._catalogue import catalogue

    gens = {k: v for k, v in catalogue().items() if k != "alpha"}
    for a in (-1.0, 0.5, 2.0):
        gens[f"alpha={a}"] = get_generator("alpha", alpha=a)
    return gens


@pytest.mark.parametrize("name", sorted(_catalogue_and_alphas()))
def test_conjugate_at_nan_and_minus_infinity(name):
    """f*(NaN) and the link at NaN are NaN (not the +inf outside the domain, which a NaN fails
    to be inside of); f*(-inf) = -f(0+) (the supremum is approached as u -> 0; here f(0+) is
    sympy's limit of the generator's input expression) and the link at -inf is 0."""
    import sympy as sp

    g = _catalogue_and_alphas()[name]
    u = next(iter(g.f.free_symbols))
    f0 = float(sp.limit(g.f, u, 0, "+"))
    got = g.conjugate(np.array([np.nan, -np.inf]))
    assert np.isnan(got[0])
    assert got[1] == -f0
    link = g.link(np.array([np.nan, -np.inf]))
    assert np.isnan(link[0]) and link[1] == 0.0


@pytest.mark.parametrize("name", sorted(_catalogue_and_alphas()))
def test_blockwise_evaluation_equals_one_call_at_the_hard_places(name, monkeypatch):
    """Long arrays are evaluated in blocks (:func:`_blockwise`); with a block of 5 elements
    the hard places (NaN, +-inf, the domain end, beyond it) fall on block boundaries, in the
    last partial block and in 2-d and strided input. Every element must equal the one-call
    general path bit for bit (NaN where NaN), and the repairs must hold in every block."""
    import sympy as sp

    from boundkit.generators import _generator

    g = _catalogue_and_alphas()[name]
    u = next(iter(g.f.free_symbols))
    f0 = float(sp.limit(g.f, u, 0, "+"))
    sup = float(g.domain.sup)
    end = [sup, np.nextafter(sup, -np.inf), sup + 1.0] if np.isfinite(sup) else [1e300]
    hard = np.array([np.nan, -np.inf, np.inf, -1e300, 0.0, -3.0, 0.25, *end])
    t = np.resize(np.concatenate([hard, np.linspace(-4.0, min(sup, 4.0), 9)]), 53)
    t[4::5] = hard[np.arange(t[4::5].size) % hard.size]  # the last element of every block
    whole_c, whole_l = g._conjugate_general(t), g._link_general(t)
    monkeypatch.setattr(_generator, "BLOCK", 5)
    for arr, ref_c, ref_l in (
        (t, whole_c, whole_l),
        (t[:-3].reshape(10, 5), whole_c[:-3].reshape(10, 5), whole_l[:-3].reshape(10, 5)),
        (t[::2], whole_c[::2], whole_l[::2]),
    ):
        c, lk = g.conjugate(arr), g.link(arr)
        assert c.shape == arr.shape and lk.shape == arr.shape
        np.testing.assert_array_equal(c, ref_c)
        np.testing.assert_array_equal(lk, ref_l)
        nan = np.isnan(arr)
        assert np.all(np.isnan(c[nan])) and np.all(np.isnan(lk[nan]))
        assert np.all(c[arr == -np.inf] == -f0) and np.all(lk[arr == -np.inf] == 0.0)
        assert not np.any(np.isnan(c[~nan])), arr[~nan][np.isnan(c[~nan])]


def test_common_subexpressions_are_compiled_once_with_the_same_numbers():
    """Where a stabilised expression repeats a call (Jeffreys' Wright omega), it is compiled
    with common-subexpression elimination; the values must be those of the plain compilation
    bit for bit, hard places included, and every other expression is compiled plainly."""
    import sympy as sp

    from boundkit.generators._expr import T
    from boundkit.generators._numeric import (
        _repeats_a_call,
        lambdify_expression,
        lambdify_stable,
        stable_modules,
    )

    with_cse = []
    for name, g in sorted(_catalogue_and_alphas().items()):
        for expr in (g.conjugate_expr, g.link_expr):
            if expr is None:
                continue
            stable = lambdify_stable(expr, T).expression
            if not _repeats_a_call(stable):
                continue
            with_cse.append(name)
            sup = float(g.domain.sup)
            t = np.array([np.nan, -np.inf, -1e300, -1e20, -30.0, -1.0, 0.0, 0.5, 1.0, 30.0])
            t = np.concatenate([t, [sup, np.nextafter(sup, -np.inf)] if np.isfinite(sup) else []])
            plain = sp.lambdify(T, stable, modules=stable_modules())
            with np.errstate(all="ignore"):
                np.testing.assert_array_equal(lambdify_expression(stable, T)(t), plain(t))
    assert "jeffreys" in with_cse
    t = sp.Symbol("t")
    assert not _repeats_a_call(sp.log(2) * t + 2 * sp.log(2))  # a constant call: no CSE
    assert _repeats_a_call(sp.exp(t) / (1 + sp.exp(t)))
