"""The shipped false claim X1 fails with a counterexample that is reproducible and genuine.

The counterexample is re-checked with an independent computation (plain numpy sums and a brute
force grid over the class), not with the module's solver.
"""

from __future__ import annotations

import numpy as np

from boundkit.claims import exit_status, get_claim, rerun, run_check, verify
from boundkit.claims._builtin_false import instance


def _kl_tilted(p, q, x, w):
    """KL(P || Q_w), Q_w proportional to q e^{w x}, by direct sums."""
    qw = q * np.exp(w * x)
    qw = qw / qw.sum()
    return float(np.sum(p * np.log(p / qw)))


def test_false_claim_fails_with_counterexample():
    (rec,) = verify(claims=["X1-optimistic-refinement"], quick=True)
    assert rec.status == "fail"
    assert rec.expected == "fail" and rec.as_expected
    assert rec.verdict == "fail (expected)"
    assert rec.counterexample is not None
    assert rec.worst_violation > 1e-3  # far above the 1e-9 tolerance
    assert exit_status([rec]) == 0  # an expected failure does not fail verify


def test_counterexample_is_genuine_by_independent_computation():
    (rec,) = verify(claims=["X1-optimistic-refinement"], quick=True)
    ce = rec.counterexample
    p, q, x = (np.asarray(ce[k]) for k in ("p", "q", "support"))
    assert abs(p.sum() - 1) < 1e-12 and abs(q.sum() - 1) < 1e-12
    assert sum(ce["counts"]) == ce["n"]
    kl_n = _kl_tilted(p, q, x, ce["w_n"])
    assert abs(kl_n - ce["kl_refined_empirical"]) < 1e-12
    # the population optimum over |w| <= 2, by brute force on a fine grid: KL(P||Q_h*) is at
    # most the grid minimum, and the fitted w_n is clearly worse than it
    grid = np.linspace(-2.0, 2.0, 40001)
    kl_grid = min(_kl_tilted(p, q, x, w) for w in grid)
    assert ce["kl_refined_population"] <= kl_grid + 1e-12
    assert kl_n > kl_grid + 1e-4
    # the fitted w_n solves the empirical moment equation (or sits at the boundary)
    qn = q * np.exp(ce["w_n"] * x)
    qn /= qn.sum()
    m_n = np.dot(ce["counts"], x) / ce["n"]
    assert abs(qn @ x - m_n) < 1e-9 or abs(abs(ce["w_n"]) - 2.0) < 1e-12


def test_counterexample_reproducible_from_seeds():
    (rec,) = verify(claims=["X1-optimistic-refinement"], quick=True)
    again = rerun(rec)
    assert again.seed == rec.seed
    assert again.worst_violation == rec.worst_violation
    assert again.counterexample == rec.counterexample
    ce = rec.counterexample
    assert instance(ce["instance_seed"], ce["n"]) == ce
    # and the record's seed is the same as the one derived from the root seed
    direct = run_check(get_claim(rec.claim), rec.level, quick=True, seed=0)
    assert direct.seed == rec.seed and direct.counterexample == rec.counterexample


def test_different_root_seed_different_instances():
    a = run_check(get_claim("X1-optimistic-refinement"), "numeric", quick=True, seed=0)
    b = run_check(get_claim("X1-optimistic-refinement"), "numeric", quick=True, seed=1)
    assert a.seed != b.seed
    assert a.counterexample != b.counterexample
