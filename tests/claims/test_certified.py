"""Certified (ball arithmetic) checks agree with the float computations and can fail."""

from __future__ import annotations

from fractions import Fraction as F

import numpy as np
import pytest

from boundkit.claims import get_claim, run_check
from boundkit.claims._builtin_certified import (
    fenchel_young_cases,
    kl_identity_residual,
    refinement_identity_residual,
    weak_duality_violation,
)
from boundkit.claims._certified import pearson_shift, upper

P = [F(1, 2), F(1, 3), F(1, 6)]
Q = [F(1, 5), F(2, 5), F(2, 5)]
H = [F(1), F(-2), F(1, 2)]


@pytest.mark.parametrize("cid", ["C1", "C3", "C4", "C5"])
def test_certified_levels_pass(cid):
    rec = run_check(get_claim(cid), "certified", quick=True)
    assert rec.status == "pass", rec.message
    assert rec.cases > 0


def test_c5_ball_agrees_with_float_divergence():
    from boundkit.distributions import FiniteDistribution
    from boundkit.duality import divergence, refine

    atoms = np.arange(3.0)[:, None]
    p, q, h = (np.array([float(x) for x in v]) for v in (P, Q, H))
    Qh = refine(FiniteDistribution(atoms, q), h, "kl")
    lhs = divergence("kl", FiniteDistribution(atoms, p), FiniteDistribution(atoms, Qh.pmf)).value
    rhs = divergence("kl", FiniteDistribution(atoms, p), FiniteDistribution(atoms, q)).value - (
        p @ h - Qh.lam
    )
    assert lhs - rhs == pytest.approx(float(kl_identity_residual(P, Q, H).mid()), abs=1e-12)
    assert abs(float(kl_identity_residual(P, Q, H).mid())) < 1e-60


def test_pearson_exact_shift_matches_boundkit_refinement():
    from boundkit.distributions import FiniteDistribution
    from boundkit.duality import refine

    h = [F(-5), F(2), F(3)]
    q = [F(1, 2), F(1, 4), F(1, 4)]
    nu = pearson_shift(q, h)
    exact = [qi * max(F(0), 1 + (hi - nu) / 2) for qi, hi in zip(q, h, strict=True)]
    assert sum(exact) == 1 and exact[0] == 0  # the u >= 0 conjugate: no negative mass
    Qh = refine(
        FiniteDistribution(np.arange(3.0)[:, None], [float(x) for x in q]),
        np.array([float(x) for x in h]),
        "pearson",
    )
    assert np.allclose(Qh.pmf, [float(x) for x in exact], atol=1e-12)
    assert refinement_identity_residual("pearson", q, h) == 0  # exactly


def test_certified_fails_on_false_rational_instances():
    # C5 with Q_h tilted by a different h: the residual ball excludes 0
    wrong = kl_identity_residual(P, Q, H, h_model=[F(1), F(-2), F(1)])
    assert not wrong.contains(0) and upper(abs(wrong)) > 1e-3
    # C4 (Pearson, exact) with the wrong refinement
    assert refinement_identity_residual("pearson", Q, H, h_model=[F(0), F(0), F(1)]) != 0
    # weak duality with the IPM term subtracted instead of added: certified violation
    Hs = [H, [F(0)] * 3]
    assert weak_duality_violation("kl", P, Q, Hs, Q) <= 0
    assert weak_duality_violation("kl", P, Q, Hs, Q, ipm_sign=-1) > 0
    assert weak_duality_violation("pearson", P, Q, Hs, Q, ipm_sign=-1) > 0


def test_fenchel_young_ball_agrees_with_float_conjugate():
    from boundkit.generators import get_generator

    g = get_generator("pearson")
    cases = fenchel_young_cases(g, F(3), F(-5, 2))  # t < -2: f*(t) = -1 on u >= 0
    assert cases["fenchel-young"] <= 0
    t = -2.5
    assert float(g.conjugate(np.array([t]))[0]) == pytest.approx(-1.0)
    # the f-GAN conjugate over u in R, t + t^2/4, would exceed the certified value -1
    assert t + t * t / 4 > -1.0


def test_upper_rounds_outward():
    x = F(1, 3)
    assert F(upper(x)) >= x
    assert upper(F(1, 4)) == 0.25
