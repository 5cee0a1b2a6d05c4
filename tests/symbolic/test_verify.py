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


def _kl_identity_residual() -> sp.Expr:
    # C5 on three atoms, written out by hand here (independently of boundkit.symbolic)
    p1, p2, q1, q2 = sp.symbols("p1 p2 q1 q2", positive=True)
    hs = sp.symbols("h1:4", real=True)
    ps, qs = (p1, p2, 1 - p1 - p2), (q1, q2, 1 - q1 - q2)
    z = sum(q * sp.exp(h) for q, h in zip(qs, hs, strict=True))
    lhs = sum(p * sp.log(p * z / (q * sp.exp(h))) for p, q, h in zip(ps, qs, hs, strict=True))
    kl = sum(p * sp.log(p / q) for p, q in zip(ps, qs, strict=True))
    return lhs - (kl - (sum(p * h for p, h in zip(ps, hs, strict=True)) - sp.log(z)))


def test_method_reported_does_not_depend_on_simplify_budget(monkeypatch):
    # The C5 residual closes by (forced) log expansion, which runs before the CPU-time-limited
    # simplify: the reported method must be the same with no simplify budget at all.
    from boundkit.symbolic import _verify

    resid = _kl_identity_residual()
    ranges = {s: (0.05, 0.3) for s in resid.free_symbols if s.name[0] in "pq"}
    normal = check_identity(resid, ranges=ranges)
    monkeypatch.setattr(_verify, "SIMPLIFY_BUDGET", 1e-6)
    starved = check_identity(resid, ranges=ranges)
    assert normal.verified and starved.verified
    assert normal.method == starved.method == "simplify"
    assert normal.note == starved.note


def test_kl_identity_derivation_reports_simplify():
    d = derive("kl-identity", "kl")
    assert d.status == "verified" and d.method == "simplify"
