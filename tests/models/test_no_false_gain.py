"""A model that is already P shows no significant improvement."""

from __future__ import annotations

import numpy as np

from boundkit.classes import RKHSBall
from boundkit.distributions import GaussianMixture
from boundkit.models import run_refinement

P = GaussianMixture([0.3, 0.7], [[-1.0, 0.0], [1.0, 0.5]], [np.eye(2) * 0.4, np.eye(2) * 0.6])


def test_refining_p_itself_is_not_significant():
    # true improvement is -KL(P||P_h) <= 0: the certificate (delta = 0.01) is <= 0 with
    # probability >= 0.99, and the 99.9% interval of the held-out gain contains 0 except with
    # probability about 1e-3 (false-failure probability <= 0.011 in total, fixed seed)
    x = P.sample(600, rng=5)
    res = run_refinement(
        x,
        P,
        RKHSBall("rbf"),
        radii=(0.5, 2.0),
        landmarks=60,
        delta=0.01,
        level=0.999,
        n_eval=20_000,
        n_sigmas=20,
        n_permutations=50,
        seed=1,
    )
    for row in res.rows:
        assert row.test.certificate.value <= 0.0
        assert row.test.improvement.lower <= 0.0
    assert res.mmd_base.p_value > 1e-3
