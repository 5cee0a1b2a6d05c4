"""The falsifier: seeded, budgeted, deterministic; the near-tight families and false claims."""

from __future__ import annotations

import math

import pytest

from boundkit import BoundkitError
from boundkit.claims import Parameter, SearchSpace, falsify, get_claim, run_check, verify
from boundkit.claims._falsifier import random_search

FALSE_CLAIMS = [
    "X2-c2-without-domain",
    "X3-pearson-real-line",
    "X4-c6a-with-rn",
    "X5-khintchine-no-sqrt2",
]


def _needle():
    # violated only in a small corner of the box: x > 0.95 and y > 0.95
    return SearchSpace(
        [Parameter("x", 0.0, 1.0), Parameter("y", 0.0, 1.0)],
        lambda p: min(p["x"], p["y"]) - 0.95,
        name="needle",
    )


def test_falsifier_is_deterministic_and_budgeted():
    a = falsify(_needle(), budget=300, seed=3)
    b = falsify(_needle(), budget=300, seed=3)
    assert a.trace == b.trace and a.witness == b.witness
    assert a.evaluations <= 300
    assert a.found and a.best_violation > 0


def test_falsifier_beats_random_on_a_needle():
    # the optimiser climbs the continuous violation; uniform sampling needs ~400 draws
    hits = [falsify(_needle(), budget=400, seed=s).first_hit for s in range(5)]
    rand = [random_search(_needle(), budget=400, seed=s).first_hit for s in range(5)]
    assert all(h is not None for h in hits)
    mean_f = sum(hits) / len(hits)
    mean_r = sum(r if r is not None else 400 for r in rand) / len(rand)
    assert mean_f < mean_r


def test_falsifier_rejects_bad_budgets():
    with pytest.raises(BoundkitError, match="budget"):
        falsify(_needle(), budget=0)
    with pytest.raises(BoundkitError, match="finite bounds"):
        Parameter("x", 1.0, 0.0)


def test_nan_is_a_counterexample():
    s = SearchSpace([Parameter("x", 0.0, 1.0)], lambda p: math.nan)
    r = falsify(s, budget=5)
    assert r.found and math.isinf(r.best_violation)


@pytest.mark.parametrize("cid", FALSE_CLAIMS)
def test_shipped_false_claims_are_caught(cid):
    rec = run_check(get_claim(cid), "numeric", quick=True, search=60)
    assert rec.status == "fail" and rec.expected == "fail" and rec.as_expected
    assert rec.counterexample is not None


def test_search_record_is_independent_of_workers():
    ids = ["X3-pearson-real-line", "X5-khintchine-no-sqrt2"]
    one = verify(claims=ids, quick=True, search=40)
    two = verify(claims=ids, quick=True, search=40, n_jobs=2)
    for a, b in zip(one, two, strict=True):
        assert a.to_dict() | {"elapsed": 0} == b.to_dict() | {"elapsed": 0}


def test_true_near_tight_families_hold_and_are_tight():
    from boundkit.claims._families import box_c6a_space, c2_null_set_space, khintchine_space

    for space in (
        khintchine_space(),
        khintchine_space(which="upper"),
        c2_null_set_space(),
        box_c6a_space(),
    ):
        vals = [space.violation(space.point(space.unit(s))) for s in space.starts]
        assert max(vals) <= space.tolerance, space.name
    # the brackets are attained (tightness 1) and C6a's factor 2 nearly so
    kh = khintchine_space()
    tight = max(kh.violation(kh.point(kh.unit(s))) for s in kh.starts)
    assert tight == pytest.approx(0, abs=1e-9)
    box = box_c6a_space()
    assert box.violation(box.point(box.unit(box.starts[0]))) > -0.1


def test_box_fit_matches_the_shift_kernel():
    """The box family's KKT normaliser is Lambda_KL of the shared kernel (a fast path, compared)."""
    import numpy as np

    from boundkit.claims._families import box_fit
    from boundkit.generators import get_generator, shift_functional

    q = np.array([0.9, 0.05, 0.03, 0.02])
    counts = np.array([[2.0, 0.0, 1.0], [0.0, 3.0, 0.0]])
    h, lam = box_fit(counts, q, 1.5)
    g = get_generator("kl")
    for row, lv in zip(h, lam, strict=True):
        full = np.concatenate([[0.0], row])
        assert lv == pytest.approx(shift_functional(g, full, q).value, abs=1e-12)
        # written out: log(q_0 + sum_j q_j e^{h_j})
        assert lv == pytest.approx(np.log(q[0] + q[1:] @ np.exp(row)), rel=1e-14)
    # the kernel's own number, bit for bit (one primitive, log_partition, under both)
    batch = np.concatenate([np.zeros((2, 1)), h], axis=1)
    np.testing.assert_array_equal(lam, shift_functional(g, batch, q).value)
    # the first-order condition at the returned h: h_j = clip(log(p_j Z / q_j), -B, B), Z = e^lam
    phat = counts / counts.sum(axis=1, keepdims=True)
    with np.errstate(divide="ignore"):
        want = np.clip(np.log(phat * np.exp(lam)[:, None] / q[1:]), -1.5, 1.5)
    np.testing.assert_allclose(h, want, rtol=1e-12, atol=1e-12)
