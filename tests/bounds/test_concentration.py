"""The classic calculators against mpmath at 50 digits: every value on the safe side.

The reference values are the same formulas evaluated (and, for kl^{-1}, solved) in mpmath with
50 significant digits. Each returned upper quantity must be >= the reference and within a small
relative distance of it (tight); each lower quantity <= the reference. A plain float evaluation
without the outward rounding falls on the wrong side in a fair fraction of these cases (the
last test shows it), so the assertions can fail.
"""

from __future__ import annotations

import math

import mpmath as mp
import numpy as np
import pytest

from boundkit._errors import BoundkitError
from boundkit.bounds import _concentration as cc

mp.mp.dps = 50

_RNG = np.random.default_rng(20261203)
_CASES = [
    (int(n), float(d), float(w))
    for n, d, w in zip(
        _RNG.integers(2, 10**6, size=40),
        10.0 ** _RNG.uniform(-9, -0.01, size=40),
        _RNG.uniform(0.01, 30.0, size=40),
        strict=True,
    )
]


def _mp(x: float) -> mp.mpf:
    return mp.mpf(x)  # exact binary value of the float


def _kl_mp(q: mp.mpf, p: mp.mpf) -> mp.mpf:
    t1 = q * mp.log(q / p) if q > 0 else mp.mpf(0)
    t2 = (1 - q) * mp.log((1 - q) / (1 - p)) if q < 1 else mp.mpf(0)
    return t1 + t2


def _kl_inv_mp(q: mp.mpf, c: mp.mpf, upper: bool) -> mp.mpf:
    """Bisection at 50 digits (200 halvings: width 2^-200)."""
    lo, hi = (q, mp.mpf(1)) if upper else (mp.mpf(0), q)
    for _ in range(200):
        mid = (lo + hi) / 2
        if mid in (lo, hi):
            break
        above = mid >= 1 or mid <= 0 or _kl_mp(q, mid) > c
        if upper:
            lo, hi = (lo, mid) if above else (mid, hi)
        else:
            lo, hi = (mid, hi) if above else (lo, mid)
    return hi if upper else lo


def _safe_above(value: float, ref: mp.mpf, rel: float = 1e-12) -> None:
    assert _mp(value) >= ref, (value, ref)
    assert _mp(value) <= ref * (1 + mp.mpf(rel)) + mp.mpf(1e-300), (value, ref)


@pytest.mark.parametrize(("n", "delta", "w"), _CASES)
def test_hoeffding_mcdiarmid_bernstein_safe(n: int, delta: float, w: float) -> None:
    L1, L2 = mp.log(1 / _mp(delta)), mp.log(2 / _mp(delta))
    _safe_above(cc.hoeffding_deviation(n, delta, (0.0, w)), _mp(w) * mp.sqrt(L1 / (2 * n)))
    _safe_above(
        cc.hoeffding_deviation(n, delta, (-w, 0.0), two_sided=True),
        _mp(w) * mp.sqrt(L2 / (2 * n)),
    )
    c = w / n
    _safe_above(cc.mcdiarmid_deviation([c] * 7, delta), mp.sqrt(7 * _mp(c) ** 2 * L1 / 2))
    var = w * w / 7.0
    a = _mp(w) * L1 / (3 * n)
    ref = a + mp.sqrt(a * a + 2 * _mp(var) * L1 / n)
    val = cc.bernstein_deviation(n, delta, var, w)
    _safe_above(val, ref)
    # and it is the root: the Bernstein exponent at the returned t is >= log(1/delta)
    t = _mp(val)
    assert n * t * t / (2 * _mp(var) + 2 * _mp(w) * t / 3) >= L1


@pytest.mark.parametrize(("n", "delta", "w"), _CASES)
def test_empirical_bernstein_safe(n: int, delta: float, w: float) -> None:
    v = (w / 3.0) ** 2
    L = mp.log(2 / _mp(delta))
    ref = mp.sqrt(2 * _mp(v) * L / n) + 7 * _mp(w) * L / (3 * (n - 1))
    _safe_above(cc.empirical_bernstein_deviation(n, delta, v, (1.0, 1.0 + w)), ref)


@pytest.mark.parametrize(("n", "delta", "w"), _CASES[:20])
def test_sample_sizes_safe_and_minimal(n: int, delta: float, w: float) -> None:
    eps = w / math.sqrt(n)  # a target reached near n
    L1 = mp.log(1 / _mp(delta))

    def hoeff(m: int) -> mp.mpf:
        return _mp(w) * mp.sqrt(L1 / (2 * m))

    m = cc.hoeffding_sample_size(eps, delta, (0.0, w))
    assert hoeff(m) <= _mp(eps)
    assert m == 1 or hoeff(m - 1) > _mp(eps) * (1 - mp.mpf(1e-12))

    var, c = w * w / 5, w

    def bern(m: int) -> mp.mpf:
        a = _mp(c) * L1 / (3 * m)
        return a + mp.sqrt(a * a + 2 * _mp(var) * L1 / m)

    m = cc.bernstein_sample_size(eps, delta, var, c)
    assert bern(m) <= _mp(eps)
    assert m == 1 or bern(m - 1) > _mp(eps) * (1 - mp.mpf(1e-12))

    L2 = mp.log(2 / _mp(delta))

    def eb(m: int) -> mp.mpf:
        return mp.sqrt(2 * _mp(var) * L2 / m) + 7 * _mp(w) * L2 / (3 * (m - 1))

    m = cc.empirical_bernstein_sample_size(eps, delta, var, (0.0, w))
    assert eb(m) <= _mp(eps)
    assert m == 2 or eb(m - 1) > _mp(eps) * (1 - mp.mpf(1e-12))

    kl = w

    def mca(m: int) -> mp.mpf:
        return mp.sqrt((_mp(kl) + mp.log(2 * mp.sqrt(m) / _mp(delta))) / (2 * m))

    eps_m = min(0.4, eps)
    m = cc.mcallester_sample_size(eps_m, kl, delta)
    assert mca(m) <= _mp(eps_m)
    assert m == 8 or mca(m - 1) > _mp(eps_m) * (1 - mp.mpf(1e-12))


_KL_CASES = [
    (0.0, 1e-3),
    (0.0, 30.0),
    (1e-300, 1e-5),
    (1e-12, 1e-12),
    (0.3, 1e-16),
    (0.5, 1e-300),
    (0.5, 0.1),
    (0.999999, 1e-4),
    (1.0 - 2**-52, 0.5),
    (1.0, 0.2),
    *[
        (float(q), float(c))
        for q, c in zip(_RNG.uniform(0, 1, 60), 10.0 ** _RNG.uniform(-14, 1, 60), strict=True)
    ],
]


@pytest.mark.parametrize(("q", "c"), _KL_CASES)
def test_kl_inverse_on_the_safe_side(q: float, c: float) -> None:
    up = cc.kl_inverse_upper(q, c)
    lo = cc.kl_inverse_lower(q, c)
    ref_up = _kl_inv_mp(_mp(q), _mp(c), True)
    ref_lo = _kl_inv_mp(_mp(q), _mp(c), False)
    assert _mp(up) >= ref_up
    assert _mp(lo) <= ref_lo
    # and tight: within a few ulps (the bracket stops at adjacent floats, plus the certified
    # rounding margin)
    assert _mp(up) - ref_up <= mp.mpf(1e-9) * max(ref_up - _mp(q), mp.mpf(1e-300)) + mp.mpf(1e-13)
    assert ref_lo - _mp(lo) <= mp.mpf(1e-9) * max(_mp(q) - ref_lo, mp.mpf(1e-300)) + mp.mpf(1e-13)


def test_kl_inverse_vectorised_matches_scalar() -> None:
    q = np.array([0.0, 0.1, 0.5, 0.9])
    c = np.array([0.01, 0.2, 0.05, 1e-6])
    up = cc.kl_inverse_upper(q, c)
    assert up.shape == (4,)
    assert np.array_equal(up, [cc.kl_inverse_upper(a, b) for a, b in zip(q, c, strict=True)])


@pytest.mark.parametrize(
    ("r", "kl", "n", "delta"),
    [(0.0, 0.0, 8, 0.5), (0.1, 5.0, 1000, 0.05), (0.9, 50.0, 10**6, 1e-6), (0.5, 0.3, 30, 0.1)],
)
def test_pac_bayes_safe(r: float, kl: float, n: int, delta: float) -> None:
    c = (_mp(kl) + mp.log(2 * mp.sqrt(n) / _mp(delta))) / n
    ref_kl = _kl_inv_mp(_mp(r), c, True)
    val_kl = cc.pac_bayes_kl(r, kl, n, delta)
    assert _mp(val_kl) >= ref_kl
    assert _mp(val_kl) - ref_kl < mp.mpf(1e-9)
    val_m = cc.pac_bayes_mcallester(r, kl, n, delta)
    _safe_above(val_m, _mp(r) + mp.sqrt(c / 2))
    assert val_m >= val_kl - 1e-12  # Pinsker: McAllester is never tighter than kl
    C = 2.0
    ref_c = (1 - mp.exp(-C * _mp(r) - (_mp(kl) + mp.log(1 / _mp(delta))) / n)) / (1 - mp.exp(-C))
    val_c = cc.pac_bayes_catoni(r, kl, n, delta, C=C)
    assert _mp(val_c) >= min(ref_c, mp.mpf(1))


def test_plain_float_evaluation_would_be_unsafe() -> None:
    """Without outward rounding, a fair share of the Hoeffding values fall below the exact
    value: this is what the safe-side assertions above detect."""
    below = 0
    for n, delta, w in _CASES:
        plain = w * math.sqrt(math.log(1 / delta) / (2 * n))
        below += _mp(plain) < _mp(w) * mp.sqrt(mp.log(1 / _mp(delta)) / (2 * n))
    assert below >= 3


def test_midpoint_bisection_would_be_unsafe() -> None:
    """Returning the midpoint of the last bracket (as public PAC-Bayes code does) lands below
    the true kl^{-1} in some of the cases: the certified end point never does."""
    below = 0
    for q, c in _KL_CASES[10:]:
        lo, hi = q, 1.0
        for _ in range(40):
            mid = 0.5 * (lo + hi)
            if float(cc.kl_bernoulli(q, mid)) > c:
                hi = mid
            else:
                lo = mid
        below += _mp(0.5 * (lo + hi)) < _kl_inv_mp(_mp(q), _mp(c), True)
    assert below >= 5


@pytest.mark.parametrize(
    "call",
    [
        lambda: cc.hoeffding_deviation(0, 0.1),
        lambda: cc.hoeffding_deviation(10, 1.0),
        lambda: cc.hoeffding_deviation(10, 0.1, (1.0, 0.0)),
        lambda: cc.bernstein_deviation(10, 0.1, -1.0, 1.0),
        lambda: cc.empirical_bernstein_deviation(1, 0.1, 0.1),
        lambda: cc.mcdiarmid_deviation([], 0.1),
        lambda: cc.kl_inverse_upper(1.5, 0.1),
        lambda: cc.kl_inverse_upper(0.5, -0.1),
        lambda: cc.pac_bayes_kl(0.1, 1.0, 7, 0.1),
        lambda: cc.pac_bayes_catoni(0.1, 1.0, 10, 0.1, C=0.0),
        lambda: cc.hoeffding_sample_size(0.0, 0.1),
    ],
)
def test_bad_input_raises(call) -> None:
    with pytest.raises(BoundkitError):
        call()
