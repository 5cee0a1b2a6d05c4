"""The identity checker proves true identities and catches false ones (it can fail)."""

from __future__ import annotations

import sympy as sp

from boundkit.symbolic import Derivation, Step, check_identity, derive

x = sp.Symbol("x", positive=True)
y = sp.Symbol("y", real=True)


def test_true_identity_by_simplify():
    c = check_identity(sp.log(x**2) - 2 * sp.log(x))
    assert c.verified and c.method == "simplify"


def test_true_identity_at_points_when_simplify_skipped():
    c = check_identity(sp.sin(y) ** 2 + sp.cos(y) ** 2 - 1, numeric_only=True)
    assert c.verified and c.method == "numeric-points"
    assert c.worst < 1e-38


def test_wrong_identity_is_detected():
    # a classic false "identity": log(1 + x) = x
    c = check_identity(sp.log(1 + x) - x)
    assert not c.verified
    assert c.counterexample is not None and abs(c.counterexample["residual"]) > 1e-3


def test_wrong_identity_detected_at_points_too():
    c = check_identity(sp.exp(y) - 1 - y - y**2 / 2, numeric_only=True)
    assert not c.verified and c.counterexample is not None


def test_invalid_forced_log_expansion_is_not_accepted():
    # log(y^2) = 2 log(y) is false for y < 0; forcing the expansion must be caught at points
    c = check_identity(sp.log(y**2) - 2 * sp.log(y), ranges={y: (-2.0, -0.5)})
    assert not c.verified


class _WrongKL:
    """KL's f with a deliberately wrong conjugate (exp(t) instead of exp(t - 1))."""

    name = "wrong-kl"
    f = sp.Symbol("u", nonnegative=True) * sp.log(sp.Symbol("u", nonnegative=True))
    conjugate_expr = sp.exp(sp.Symbol("t", real=True))
    link_expr = sp.exp(sp.Symbol("t", real=True))
    domain = sp.S.Reals
    fprime_at_1 = sp.Integer(1)
    closed_form = True


def test_wrong_conjugate_fails_fenchel_young():
    d = derive("fenchel-young", _WrongKL())
    assert d.status == "failed"
    assert d.counterexample is not None
    assert "FAILED" in d.to_text()


def test_wrong_conjugate_fails_variational():
    d = derive("variational", _WrongKL())
    assert d.status == "failed"


def test_derivation_rendering():
    d = Derivation(
        "demo",
        "none",
        (Step("Expand", "algebra", sp.Eq((y + 1) ** 2, y**2 + 2 * y + 1)),),
        sp.Eq((y + 1) ** 2, y**2 + 2 * y + 1),
        True,
        "simplify",
    )
    assert "VERIFIED by simplification to zero" in d.to_text()
    assert r"\item Expand" in d.to_latex()
    assert d.to_dict()["steps"][0]["latex"] == sp.latex(sp.Eq((y + 1) ** 2, y**2 + 2 * y + 1))
