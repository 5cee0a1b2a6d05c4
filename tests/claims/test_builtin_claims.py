"""Every built-in claim passes at every level it supports; shipped false claims fail.

The parametrization is built from the registry, so a claim registered in a new
``boundkit/claims/_builtin_<topic>.py`` is picked up without editing this file. Quick settings
run by default; full settings are under the ``slow`` marker.
"""

from __future__ import annotations

import pytest

from boundkit.claims import builtin_load_errors, get_claim, registry, run_check

SLOTS = [(cid, level) for cid, c in registry().items() if c.builtin for level in c.levels()]


def _check(cid: str, level: str, quick: bool) -> None:
    c = get_claim(cid)
    rec = run_check(c, level, quick=quick, seed=0)
    assert rec.cases >= 1 or rec.status == "fail", "a check must examine at least one case"
    if c.expected == "fail":
        assert rec.status == "fail", f"{cid}/{level} was shipped as false but {rec.status}"
        assert rec.counterexample, f"{cid}/{level} failed without a counterexample"
        assert rec.worst_violation > rec.tolerance
    else:
        assert rec.status == "pass", (
            f"{cid}/{level}: {rec.status}, worst violation {rec.worst_violation} "
            f"(tolerance {rec.tolerance}); {rec.message}; counterexample {rec.counterexample}"
        )
        assert rec.worst_violation <= rec.tolerance


@pytest.mark.parametrize(("cid", "level"), SLOTS, ids=[f"{c}-{lv}" for c, lv in SLOTS])
def test_builtin_claim_quick(cid, level):
    _check(cid, level, quick=True)


@pytest.mark.slow
@pytest.mark.parametrize(("cid", "level"), SLOTS, ids=[f"{c}-{lv}" for c, lv in SLOTS])
def test_builtin_claim_full(cid, level):
    _check(cid, level, quick=False)


def test_every_builtin_module_imports():
    assert builtin_load_errors() == {}


def test_the_shipped_false_claim_is_registered():
    c = registry()["X1-optimistic-refinement"]
    assert c.builtin and c.expected == "fail" and c.levels() == ("numeric",)
