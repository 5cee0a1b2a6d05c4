r"""Lambda_f^Q[h] when a tiny weight sits at the largest h, for generators whose dom f* ends.

The optimal shift then puts almost all of Q_h's mass on that atom, and h_i - nu is closer to
sup dom f* than a float next to it can resolve: boundkit solves in the gap u = sup - (h - nu)
(``gap_link``, ``gap_conjugate``). References: mpmath at 60 digits, the first-order condition
sum_i w_i (f*)'(h_i - nu) = 1 solved by bisection on log g on the closed forms written here.
"""

from __future__ import annotations

import mpmath as mp
import numpy as np
import pytest

from boundkit.generators import gap_conjugate, gap_link, get_generator, shift_functional

mp.mp.dps = 60

# closed forms of (f*, (f*)') in the gap u = sup dom f* - t > 0, written by hand
_FORMS = {
    "js": (
        lambda u: -mp.log(2) - mp.log(-mp.expm1(-u)),
        lambda u: 1 / mp.expm1(u),
        mp.log(2),
    ),
    "squared_hellinger": (lambda u: 1 / u - 1, lambda u: 1 / u**2, mp.mpf(1)),
    "reverse_kl": (lambda u: -1 - mp.log(u), lambda u: 1 / u, mp.mpf(0)),
}


def _reference(name: str, h: np.ndarray, w: np.ndarray):
    conj, link, sup = _FORMS[name]
    hs = [mp.mpf(float(x)) for x in h]
    ws = [mp.mpf(float(x)) for x in w]
    top = max(hs)

    # unknown: the gap g = sup - (max h - nu) > 0, solved on a log scale
    def mass(log_g):
        g = mp.exp(log_g)
        return sum(wi * link(g + (top - hi)) for wi, hi in zip(ws, hs, strict=True)) - 1

    # the mass decreases in g: bisection on log g (mass > 1 at lo, < 1 at hi), 250 halvings
    lo, hi = mp.log(mp.mpf(float(w[np.argmax(h)]))) - 50, mp.mpf(5)
    for _ in range(250):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if mass(mid) > 0 else (lo, mid)
    log_g = (lo + hi) / 2
    g = mp.exp(log_g)
    nu = top - sup + g
    value = nu + sum(wi * conj(g + (top - hi)) for wi, hi in zip(ws, hs, strict=True))
    ratio = [link(g + (top - hi)) for hi in hs]
    return value, ratio


@pytest.mark.parametrize("name", sorted(_FORMS))
@pytest.mark.parametrize("tiny", [1e-3, 1e-12, 1e-20, 1e-100, 1e-300])
def test_tiny_weight_at_the_largest_h(name: str, tiny: float) -> None:
    h = np.array([0.0, 0.3, 10.0])
    w = np.array([0.5, 0.5 - tiny, tiny])
    lam = shift_functional(name, h, w)
    value, ratio = _reference(name, h, w)
    assert lam.value == pytest.approx(float(value), rel=1e-12)
    # the refined mass of the tiny atom (almost all of Q_h) and the ratios of the others
    np.testing.assert_allclose(lam.ratio, [float(r) for r in ratio], rtol=1e-7)
    assert float(w @ lam.ratio) == pytest.approx(1.0, abs=1e-12)


def test_the_gap_forms_against_the_link_away_from_the_end() -> None:
    for name in ("js", "squared_hellinger", "reverse_kl", "gan"):
        g = get_generator(name)
        sup = float(g.domain.sup)
        u = np.array([1e-3, 0.1, 1.0, 5.0])
        np.testing.assert_allclose(gap_link(g)(u), g.link(sup - u), rtol=1e-12)
        np.testing.assert_allclose(gap_conjugate(g)(u), g.conjugate(sup - u), rtol=1e-12)
    assert gap_link(get_generator("kl")) is None  # unbounded domain
    assert gap_link(get_generator("tv")) is None  # closed end


def test_batched_rows_with_and_without_a_tiny_weight() -> None:
    h = np.array([[0.0, 0.3, 10.0], [0.0, 0.3, 10.0]])
    w = np.array([[0.5, 0.5 - 1e-40, 1e-40], [0.3, 0.3, 0.4]])
    lam = shift_functional("js", h, w)
    for i in range(2):
        one = shift_functional("js", h[i], w[i])
        assert lam.value[i] == pytest.approx(one.value, rel=1e-13)
        np.testing.assert_allclose(lam.ratio[i], one.ratio, rtol=1e-9)
