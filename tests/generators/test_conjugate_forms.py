r"""The solvers' forms of f*: the fast numeric forms equal the derived numerics (see
test_shift_kernel.py) and every cvxpy form equals the derived conjugate and perspective."""

from __future__ import annotations

import cvxpy as cp
import numpy as np
import pytest

import boundkit.generators._conjugate_forms as forms
from boundkit.classes import LinearClass
from boundkit.distributions import FiniteDistribution
from boundkit.duality import restricted_divergence
from boundkit.generators import CVXPY_KEYS, conjugate_domain_end, cvxpy_form, get_generator

WITH_FORMS = [
    "kl",
    "reverse_kl",
    "pearson",
    "neyman",
    "squared_hellinger",
    "jensen_shannon",
    "gan",
    "total_variation",
    "le_cam",
]


@pytest.mark.parametrize("name", WITH_FORMS)
def test_cvxpy_forms_equal_the_derived_conjugate_and_perspective(name):
    g = get_generator(name)
    form = cvxpy_form(g)
    assert form is not None and form.name == name and form.shift == 0.0
    sup, closed = conjugate_domain_end(g)
    assert (form.dom_upper, form.dom_closed) == (sup, closed)
    # up to 1e-6 from an open end (cvxpy's -log(1 - exp(t)) loses digits closer than that)
    top = sup - 1e-6 if np.isfinite(sup) else 6.0
    t = np.concatenate([np.linspace(-25.0, top, 300), [sup] if closed else []])
    val = np.asarray(form.fstar_cvx(cp.Constant(t)).value, dtype=float).ravel()
    ref = g.conjugate(t)
    np.testing.assert_allclose(val, ref, rtol=1e-9, atol=1e-9)
    q = np.array([0.2, 0.3, 0.4, 0.1, 1e-6])
    eta = np.array([1e-9, 0.3, 1.0, 2.5, 0.5])
    pv = np.asarray(form.persp_cvx(cp.Constant(eta), q).value, dtype=float).ravel()
    np.testing.assert_allclose(pv, q * g.f_numeric(eta / q), rtol=1e-9, atol=1e-12)


def test_affine_variants_and_unknown_generators():
    std = cvxpy_form(get_generator("kl_standard"))
    assert std.key == "kl" and std.shift == pytest.approx(-1.0)
    shifted = cvxpy_form(get_generator("(u - 1)**2 + 3*(u - 1)"))
    assert shifted.key == "pearson" and shifted.shift == pytest.approx(3.0)
    assert cvxpy_form(get_generator("jeffreys")) is None
    assert cvxpy_form(get_generator("alpha", alpha=2.0)) is None  # (u - 1)^2 / 2: a multiple
    assert len(CVXPY_KEYS) == len(WITH_FORMS)


def test_a_wrong_cvxpy_constant_changes_the_cvxpy_dual(monkeypatch):
    rng = np.random.default_rng(1)
    x = rng.normal(size=(8, 1))
    P = FiniteDistribution(x, rng.dirichlet(np.ones(8)))
    Q = FiniteDistribution(x, rng.dirichlet(np.ones(8)))
    cls = LinearClass(B=1.0)
    good = restricted_divergence("neyman", P, Q, cls, solver="cvxpy", polish=False).value
    ref = restricted_divergence("neyman", P, Q, cls, solver="scipy").value
    assert good == pytest.approx(ref, rel=1e-6)
    table = forms._cvx_table()
    name, _, persp = table["neyman"]
    table["neyman"] = (name, lambda t: 2.0 - 1.0 * cp.sqrt(1.0 - t), persp)  # 1 instead of 2
    monkeypatch.setattr(forms, "_TABLE", table)
    monkeypatch.setattr(forms, "_FORM_CACHE", {})
    bad = restricted_divergence("neyman", P, Q, cls, solver="cvxpy", polish=False).value
    assert abs(bad - good) > 1e-4
