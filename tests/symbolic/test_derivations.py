"""Every derivation for catalogue generators: completes with a verified identity or says why not.

The default run covers a representative subset (smooth, piecewise, kinked, with and without a
closed-form shift); the whole catalogue runs under ``-m slow``.
"""

from __future__ import annotations

import json

import pytest
import sympy as sp

from boundkit import BoundkitError, DerivationError
from boundkit.generators import catalogue_entries, get_generator
from boundkit.symbolic import DERIVATIONS, Derivation, derive

NAMES = list(DERIVATIONS)
DEFAULT_GENERATORS = ["kl", "kl_standard", "pearson", "reverse_kl", "total_variation"]
ALL_GENERATORS = [e.name for e in catalogue_entries()]

# What must come out (a regression in any of these fails the suite).
MUST_VERIFY = {
    ("shift", "kl"),
    ("shift", "kl_standard"),
    ("shift", "pearson"),
    ("refined-density", "kl"),
    ("refined-density", "pearson"),
    ("kl-identity", "kl"),
    ("kl-identity", "kl_standard"),
    ("guidance", "gan"),
    ("guidance", "kl"),
    *(("fenchel-young", g) for g in DEFAULT_GENERATORS),
    *(("kkt", g) for g in DEFAULT_GENERATORS),
    *(("weak-duality", g) for g in DEFAULT_GENERATORS),
    *(("variational", g) for g in DEFAULT_GENERATORS),
}
MUST_NOT_CLOSE = {
    ("shift", "reverse_kl"),
    ("shift", "total_variation"),
    ("kl-identity", "pearson"),
    ("kl-identity", "reverse_kl"),
    ("guidance", "total_variation"),
}


def _check_honest(d: Derivation, name: str, gen: str) -> None:
    assert isinstance(d, Derivation)
    assert d.name == name
    assert d.status in ("verified", "not-closed"), (name, gen, d.note, d.counterexample)
    if d.verified:
        assert d.method in ("simplify", "numeric-points")
        assert d.identity is not None
        assert d.counterexample is None
    else:
        assert d.method == "not-closed"
        assert d.note.strip(), "a derivation that does not close must say why"
    assert len(d.steps) >= 3
    # all three renderings work and JSON is valid
    assert d._verdict().split()[0] in d.to_text()
    assert r"\begin{enumerate}" in d.to_latex()
    doc = json.loads(json.dumps(d.to_dict()))
    assert doc["status"] == d.status and doc["method"] == d.method
    if (name, gen) in MUST_VERIFY:
        assert d.verified, (name, gen, d.note)
    if (name, gen) in MUST_NOT_CLOSE:
        assert d.status == "not-closed", (name, gen)


@pytest.mark.parametrize("gen", DEFAULT_GENERATORS)
@pytest.mark.parametrize("name", NAMES)
def test_derivation_completes_or_reports(name, gen):
    _check_honest(derive(name, get_generator(gen)), name, gen)


@pytest.mark.parametrize("name", ["guidance", "fenchel-young"])
def test_gan(name):
    _check_honest(derive(name, get_generator("gan")), name, "gan")


@pytest.mark.slow
@pytest.mark.parametrize("gen", ALL_GENERATORS)
@pytest.mark.parametrize("name", NAMES)
def test_whole_catalogue(name, gen):
    _check_honest(derive(name, get_generator(gen)), name, gen)


@pytest.mark.slow
@pytest.mark.parametrize("alpha", [0.5, 2, 3])
@pytest.mark.parametrize("name", NAMES)
def test_alpha_family_with_values(name, alpha):
    _check_honest(derive(name, get_generator("alpha", alpha=alpha)), name, f"alpha={alpha}")


def test_known_closed_forms():
    lam = sp.Symbol("lam")
    from boundkit.symbolic import ExpectQ, H, VarQ

    kl = derive("shift", "kl")
    assert sp.simplify(kl.result("lambda") - sp.log(ExpectQ(sp.exp(H)))) == 0
    std = derive("shift", "u*log(u) - u + 1")
    assert sp.simplify(std.result("lambda") - sp.log(ExpectQ(sp.exp(H)))) == 0
    pe = derive("shift", "pearson")
    assert sp.simplify(pe.result("lambda") - (ExpectQ(H) + VarQ(H) / 4)) == 0
    # validity condition h - E_Q h >= -2, stated
    cond = pe.result("condition")
    assert cond == (H - ExpectQ(H) >= -2)
    assert "h - E_Q[h] >= -2" in pe.to_text()
    dens = derive("refined-density", "kl").result("density")
    assert sp.simplify(dens - sp.exp(H) / ExpectQ(sp.exp(H))) == 0
    assert lam not in dens.free_symbols


def test_not_closed_result_raises():
    d = derive("shift", "reverse_kl")
    assert d.status == "not-closed"
    assert "does not separate" in d.note
    with pytest.raises(DerivationError):
        d.result("lambda")


def test_gan_guidance_states_log_d():
    d = derive("guidance", "gan")
    dsym = sp.Symbol("d", positive=True)
    assert d.result("h_of_d") == sp.log(dsym)
    assert "(f*)'(log d) = d/(1-d)" in d.note


def test_user_expression_generator():
    d = derive("fenchel-young", "u*log(u) - u + 1")
    assert d.verified


def test_symbolic_parameter_reported():
    d = derive("shift", get_generator("alpha"))
    assert d.status == "not-closed"
    assert "alpha" in d.note


def test_bad_input():
    with pytest.raises(BoundkitError):
        derive("no-such-derivation", "kl")
    with pytest.raises(BoundkitError):
        derive("shift", "kl", k=7)
    with pytest.raises(BoundkitError):
        derive("shift", 3.5)
