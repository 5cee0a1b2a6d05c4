"""Mutation testing: each realistic one-line bug of the curated suite makes ``verify`` fail the
claim it breaks (issue 17). Mutants are applied with ``monkeypatch`` (see ``_mutants.py``);
mutants that no check of an upper bound can detect are listed with the reason."""

from __future__ import annotations

import pytest

from boundkit.claims import verify

from ._mutants import MUTANTS, clear_caches

KILLABLE = [m for m in MUTANTS if m.killable_by_verify]
SURVIVORS = [m for m in MUTANTS if not m.killable_by_verify]


@pytest.fixture(autouse=True)
def _fresh_caches():
    clear_caches()
    yield
    clear_caches()


@pytest.mark.parametrize("mutant", KILLABLE, ids=[m.name for m in KILLABLE])
def test_verify_kills_the_mutant(mutant, monkeypatch):
    # the checks import lazily: load the claims (and the mutated modules) first
    import boundkit.simulation  # noqa: F401
    from boundkit.claims import registry

    registry()
    mutant.apply(monkeypatch)
    levels = ["certified", "numeric", "simulation"]
    records = verify(claims=list(mutant.claims), levels=levels, quick=True)
    assert records
    assert any(not r.as_expected for r in records), [
        (r.claim, r.level, r.status, r.message) for r in records
    ]


def test_unmutated_claims_hold():
    ids = sorted({c for m in KILLABLE for c in m.claims if not c.startswith("X")})
    records = verify(claims=ids, levels=["certified", "numeric", "simulation"], quick=True)
    bad = [(r.claim, r.level, r.message, r.counterexample) for r in records if not r.as_expected]
    assert not bad, bad


def test_survivors_are_documented():
    # a mutant verify cannot kill must say why (none at present: the list may be empty)
    for mutant in SURVIVORS:
        assert mutant.note and mutant.tests, mutant.name
