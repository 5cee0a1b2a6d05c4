"""The built-in numeric checks of C2-C5 pass in quick mode and report their cases."""

from __future__ import annotations

import pytest

from boundkit.claims import verify


@pytest.mark.parametrize("claim_id", ["C2", "C3", "C4", "C5"])
def test_builtin_duality_checks_pass_quick(claim_id):
    (rec,) = verify(claims=[claim_id], levels=["numeric"], quick=True)
    assert rec.status == "pass", rec.message
    assert rec.cases > 0
    assert rec.worst_violation <= rec.tolerance


@pytest.mark.slow
@pytest.mark.parametrize("claim_id", ["C2", "C3", "C4", "C5"])
def test_builtin_duality_checks_pass_full(claim_id):
    (rec,) = verify(claims=[claim_id], levels=["numeric"], quick=False)
    assert rec.status == "pass", rec.message
