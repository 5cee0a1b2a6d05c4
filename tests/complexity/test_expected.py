"""Expected Rademacher complexity R_n: exact references, two-level standard errors,
symmetrisation, reproducibility across workers.

Statistical comparisons allow 4 standard errors: deterministic with the fixed seeds used; for
random seeds each would fail falsely with probability about 6e-5 (normal approximation).
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from scipy.special import gammaln

from boundkit import BoundkitError
from boundkit.classes import LinearClass
from boundkit.complexity import empirical_rademacher, expected_rademacher

ATOMS = np.array([[1.0, 0.0], [0.0, 2.0], [-1.0, 1.0]])
PROBS = np.array([0.5, 0.3, 0.2])


def _sample_atoms(n, rng):
    return ATOMS[rng.choice(3, size=n, p=PROBS)]


def _exact_rn(n, B):
    """R_n exactly: sum over all 3^n samples, each R_S by its own enumeration of signs."""
    total = 0.0
    signs = np.array(list(itertools.product([-1.0, 1.0], repeat=n)))
    for idx in itertools.product(range(3), repeat=n):
        x = ATOMS[list(idx)]
        prob = float(np.prod(PROBS[list(idx)]))
        total += prob * B * np.linalg.norm(signs @ x, axis=1).mean() / n
    return total


def test_expected_matches_exact_within_4se():
    ref = _exact_rn(4, 1.5)
    res = expected_rademacher(LinearClass(B=1.5), _sample_atoms, 4, n_samples=400, rng=0)
    assert res.method == "exact-enumeration" and res.within_var == 0.0
    assert abs(res.estimate - ref) <= 4 * res.stderr


def test_two_level_standard_error_with_monte_carlo_inside():
    """With Monte Carlo per sample the estimate is still within 4 SE, and the SE covers both
    levels: it exceeds the pure within-sample error."""
    ref = _exact_rn(4, 1.0)
    res = expected_rademacher(
        LinearClass(), _sample_atoms, 4, n_samples=300, n_sigmas=4, method="monte-carlo", rng=1
    )
    assert res.within_var > 0 and res.between_var >= 0
    assert abs(res.estimate - ref) <= 4 * res.stderr
    assert res.stderr >= math.sqrt(res.within_var / res.n_samples) * 0.999


def test_symmetrisation_linear_gaussian():
    """E_S sup_H (E_P h - E_{P_n} h) = B E||mean_n - mu|| = B sqrt(2/n) Gamma((d+1)/2)/Gamma(d/2)
    is at most 2 R_n (estimated; allowed 4 SE below)."""
    d, n, B = 3, 25, 2.0
    mu = np.array([1.0, -2.0, 0.5])
    lhs = B * math.sqrt(2.0 / n) * math.exp(gammaln((d + 1) / 2) - gammaln(d / 2))
    res = expected_rademacher(
        LinearClass(B=B),
        lambda k, g: mu + g.normal(size=(k, d)),
        n,
        n_samples=30,
        n_sigmas=200,
        rng=2,
    )
    assert lhs <= 2 * (res.estimate + 4 * res.stderr)


def test_sampler_with_sample_method_and_workers_give_same_numbers():
    class Dist:
        def sample(self, n, *, rng):
            return rng.normal(size=(n, 2))

    a = expected_rademacher(LinearClass(), Dist(), 30, n_samples=4, n_sigmas=50, rng=3)
    b = expected_rademacher(LinearClass(), Dist(), 30, n_samples=4, n_sigmas=50, rng=3, n_jobs=2)
    np.testing.assert_array_equal(a.per_sample, b.per_sample)
    assert a.to_dict()["n_samples"] == 4


def test_expected_per_sample_is_empirical_on_that_sample():
    seq = np.random.SeedSequence(4).spawn(2)
    res = expected_rademacher(LinearClass(), _sample_atoms, 5, n_samples=2, rng=4)
    gen = np.random.default_rng(seq[0])
    x = _sample_atoms(5, gen)
    assert res.per_sample[0] == pytest.approx(empirical_rademacher(LinearClass(), x).estimate)


def test_errors():
    with pytest.raises(BoundkitError, match="n_samples"):
        expected_rademacher(LinearClass(), _sample_atoms, 4, n_samples=1)
    with pytest.raises(BoundkitError, match="n must"):
        expected_rademacher(LinearClass(), _sample_atoms, 0)
    with pytest.raises(BoundkitError, match="sampler"):
        expected_rademacher(LinearClass(), 3, 4)


def test_progress_callback_is_called_per_sample():
    seen = []
    expected_rademacher(LinearClass(), _sample_atoms, 3, n_samples=3, progress=seen.append, rng=0)
    assert seen == [1, 2, 3]
