"""The bound calculator: formulas against hand-computed values, itemisation, bad inputs."""

from __future__ import annotations

import math

import numpy as np
import pytest

from boundkit import BoundkitError
from boundkit.bounds import bound, deviation_term, rademacher_multiplier


def test_c6b_terms_by_hand():
    r = bound("C6b", "kl", "lin", 50, 0.1, population=0.3, rademacher=0.05, value_range=(-2, 1))
    dev = 2 * 3 * math.sqrt(math.log(2 / 0.1) / 100)
    assert r.terms["deviation"] == pytest.approx(dev, rel=1e-14)
    assert r.terms["rademacher"] == pytest.approx(0.1, rel=1e-14)
    assert r.value == pytest.approx(0.3 + 0.1 + dev, rel=1e-14)
    assert r.to_dict()["value_range"] == [-2.0, 1.0]


def test_c6c_uses_three_over_delta_and_factor_four():
    r = bound("C6c", "kl", "lin", 200, 0.05, population=0.0, rademacher=0.0, value_range=(0, 1))
    assert r.value == pytest.approx(4 * math.sqrt(math.log(60.0) / 400), rel=1e-14)


def test_c6a_and_c7():
    a = bound("C6a", "kl", None, 10, population=1.0, rademacher=0.25)
    assert a.value == pytest.approx(1.5) and a.terms["deviation"] == 0.0
    c7 = bound("C7", "chi2", None, 10, population=1.0, rademacher=0.25, refinement_divergence=0.2)
    assert c7.value == pytest.approx(1.0 - 0.2 + 4 * 0.25)
    assert c7.terms["refinement"] == pytest.approx(-0.2)
    assert rademacher_multiplier("C7") == 4.0


def test_deviation_vectorised():
    n = np.array([10, 100])
    out = deviation_term("C6b", n, 0.05, 1.0)
    assert out.shape == (2,)
    assert out[0] / out[1] == pytest.approx(math.sqrt(10), rel=1e-14)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"n": 1}, "n must be"),
        ({"n": 2.5}, "n must be"),
        ({"delta": 0.0}, "delta"),
        ({"delta": 1.0}, "delta"),
        ({"claim": "C9"}, "unknown bound"),
        ({"claim": "C6b", "value_range": None}, "bounded range"),
        ({"generator": "chi2"}, "stated for the KL"),
        ({"rademacher": -1.0}, "Rademacher"),
        ({"population": float("nan")}, "population"),
    ],
)
def test_bad_inputs(kwargs, match):
    args = {"claim": "C6a", "generator": "kl", "n": 10, "delta": 0.05, "rademacher": 0.1}
    args.update(kwargs)
    claim = args.pop("claim")
    gen = args.pop("generator")
    n = args.pop("n")
    delta = args.pop("delta")
    with pytest.raises(BoundkitError, match=match):
        bound(claim, gen, "cls", n, delta, population=args.pop("population", 0.1), **args)


def test_complexity_computed_from_the_class():
    """C6c with R_S of a linear ball computed by boundkit.complexity (exact enumeration):
    x = e1, e2, e1 + e2, B = 1: R_S = (2 sqrt 2 + 2 + 2 + 0) / 4 / 3 by hand."""
    from boundkit.classes import LinearClass

    x = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    r = bound(
        "C6c", "kl", LinearClass(B=1.0), 3, 0.1, population=0.0, sample=x, value_range=(-2, 2)
    )
    rs = (2 * math.sqrt(2) + 4) / 4 / 3
    assert r.rademacher_value == pytest.approx(rs, rel=1e-12)
    assert r.rademacher_se == 0.0
    with pytest.raises(BoundkitError, match="pass sample"):
        bound("C6c", "kl", LinearClass(B=1.0), 3, 0.1, population=0.0, value_range=(0, 1))
    with pytest.raises(BoundkitError, match="P="):
        bound("C6a", "kl", LinearClass(B=1.0), 3, population=0.0)


def test_c7_pointwise_rhs_by_hand():
    # IPM(P, Q) - D_f(Q_hn || Q) + sup (E_P - E_Pn) h + sup (E_Pn - E_P) h, per sample:
    # 1 - 0.25 + 0.1 + 0.2 = 1.05 and 0.5 - 0.5 + 0.2 + 0 = 0.2 (a sign slip on D_f gives
    # 1.55 and 1.2)
    from boundkit.bounds import c7_pointwise_rhs

    got = c7_pointwise_rhs(
        np.array([1.0, 0.5]), np.array([0.25, 0.5]), np.array([0.1, 0.2]), np.array([0.2, 0.0])
    )
    np.testing.assert_allclose(got, [1.05, 0.2], rtol=1e-14)
