"""The symbolic level of C2, C3, C4, C5 and C8 is registered and passes (quick settings)."""

from __future__ import annotations

import pytest

from boundkit.claims import registry, verify


@pytest.mark.parametrize("cid", ["C2", "C3", "C4", "C5", "C8"])
def test_symbolic_level_registered(cid):
    assert "symbolic" in registry()[cid].levels()


@pytest.mark.parametrize("cid", ["C2", "C3", "C4", "C5", "C8"])
def test_symbolic_level_passes(cid):
    (rec,) = verify(claims=[cid], levels=["symbolic"], quick=True)
    assert rec.status == "pass", rec.message
    assert rec.cases >= 1
    assert "verified" in rec.message


@pytest.mark.slow
@pytest.mark.parametrize("cid", ["C2", "C3", "C4", "C5", "C8"])
def test_symbolic_level_passes_full(cid):
    (rec,) = verify(claims=[cid], levels=["symbolic"], quick=False)
    assert rec.status == "pass", rec.message
