"""C3's Pearson instance where the optimal h - nu lies in the flat part of f* (issue 17): its
closed form against a brute-force grid, and the cvxpy "Pearson conjugate over u in R" mutant
failing C3 (not only C1)."""

from __future__ import annotations

import numpy as np
import pytest

from boundkit.claims import verify
from boundkit.claims._builtin_duality import _C3_PEARSON_B, pearson_flat_value

from ._mutants import by_name, clear_caches


def _brute_force(B: float) -> float:
    # max over w in [-B, B] of E_P h - min_nu (nu + sum_i q_i f*(w x_i - nu)), with the
    # Pearson conjugate written out here: f*(t) = t + t^2/4 for t >= -2, -1 below
    x = np.array([-1.0, 0.0, 1.0])
    q = np.array([0.4, 0.3, 0.3])
    w = np.linspace(-B, B, 4001)[:, None, None]
    nu = np.linspace(-6.0, 6.0, 6001)[None, :, None]
    t = w * x - nu
    fstar = np.where(t >= -2.0, t + t * t / 4.0, -1.0)
    lam = (nu[..., 0] + (fstar * q).sum(axis=-1)).min(axis=1)
    return float((w[:, 0, 0] * 1.0 - lam).max())


@pytest.mark.parametrize("B", _C3_PEARSON_B)
def test_closed_form_matches_a_grid(B):
    # grid steps 2B/4000 in w and 0.002 in nu: the objective is smooth, the error O(1e-5)
    assert pearson_flat_value(B) == pytest.approx(_brute_force(B), abs=1e-4)


def test_closed_form_value_at_four():
    assert pearson_flat_value(4.0) == pytest.approx(31.0 / 15.0, rel=1e-15)


def test_closed_form_refuses_radii_outside_its_branch():
    with pytest.raises(ValueError):
        pearson_flat_value(7.0)


def test_the_real_line_mutant_fails_c3(monkeypatch):
    from boundkit.claims import registry

    registry()
    clear_caches()
    by_name("cvxpy Pearson conjugate over u in R").apply(monkeypatch)
    records = verify(claims=["C3"], levels=["numeric"], quick=True)
    assert records and all(r.status == "fail" for r in records), [
        (r.claim, r.status, r.worst_violation) for r in records
    ]
    clear_caches()
