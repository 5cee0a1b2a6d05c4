"""Per-time accuracy vs Bayes-optimal, cross-entropy and guidance-score errors."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from boundkit import BoundkitError
from boundkit.guidance import (
    LogisticDiscriminator,
    OptimalDiscriminator,
    get_guidance_setting,
    refine_by_discriminator,
    time_profile,
)

TIMES = [0.0, 0.05, 0.3, 1.0, 2.5, 4.0]


def _tv_normals(m1, v1, m2, v2):
    """TV between N(m1, v1) and N(m2, v2): integrate p - q over {p > q}, bounded by the roots."""
    a = 0.5 / v2 - 0.5 / v1
    b = m1 / v1 - m2 / v2
    c = 0.5 * m2**2 / v2 - 0.5 * m1**2 / v1 + 0.5 * np.log(v2 / v1)
    # log p - log q = a x^2 + b x + c
    roots = np.sort(np.roots([a, b, c]).real) if abs(a) > 1e-15 else np.array([-c / b])
    edges = np.concatenate([[-np.inf], roots, [np.inf]])
    p, q = stats.norm(m1, np.sqrt(v1)), stats.norm(m2, np.sqrt(v2))
    tv = 0.0
    for lo, hi in zip(edges[:-1], edges[1:], strict=True):
        mid = (
            0.0
            if not np.isfinite(lo) and not np.isfinite(hi)
            else (
                hi - 1
                if not np.isfinite(lo)
                else (lo + 1 if not np.isfinite(hi) else 0.5 * (lo + hi))
            )
        )
        if a * mid**2 + b * mid + c > 0:
            tv += (p.cdf(hi) - p.cdf(lo)) - (q.cdf(hi) - q.cdf(lo))
    return tv


def test_bayes_accuracy_closed_form_gaussian_toy():
    toy = get_guidance_setting("gaussian")
    prof = time_profile(toy, OptimalDiscriminator(toy.p, toy.q), TIMES)
    for t, acc in zip(TIMES, prof.bayes_accuracy, strict=True):
        a = np.exp(-t)
        v = a * a * 0.64 + 1 - np.exp(-2 * t)
        want = 0.5 + 0.5 * _tv_normals(a * 0.5, v, 0.0, 1.0)
        # trapezoid with the cells cut at the crossings: O(h^2) with h ~ 0.01
        assert abs(acc - want) < 1e-5
    np.testing.assert_allclose(prof.accuracy, prof.bayes_accuracy, atol=1e-12)
    np.testing.assert_allclose(prof.bce, prof.bayes_bce, rtol=0, atol=1e-12)
    np.testing.assert_allclose(prof.err_p, 0.0, atol=1e-12)
    # at large t even the Bayes-optimal discriminator is near chance
    assert prof.bayes_accuracy[-1] < 0.505 and prof.bayes_accuracy[0] > 0.55


def test_trained_discriminator_is_never_better_than_bayes():
    toy = get_guidance_setting("bimodal")
    d = LogisticDiscriminator("poly", degree=2, n_noise=4).fit(
        toy.p.sample(300, rng=0), toy.q.sample(300, rng=1), rng=2
    )
    r = refine_by_discriminator(toy.q, d, box=toy.bounds(0, 8))
    prof = time_profile(toy, d, TIMES, refined=r)
    # second-order quadrature of the indicator: error ~ 1e-5 at most
    assert np.all(prof.accuracy <= prof.bayes_accuracy + 1e-5)
    assert np.all(prof.bce >= prof.bayes_bce - 1e-10)  # smooth integrand: exact to ~1e-12
    # at t = 0 the exact guidance term of Q_h is grad h = grad logit d_0 itself
    assert prof.err_h is not None and prof.err_h[0] < 1e-8
    assert prof.err_p[0] > 0.5  # a degree-2 logit cannot match the bimodal log ratio
    rows = prof.to_rows()
    assert len(rows) == len(TIMES) and "err_h" in rows[0]


def test_errors():
    toy = get_guidance_setting("square-2d")
    d = OptimalDiscriminator(toy.p, toy.q)
    with pytest.raises(BoundkitError):
        time_profile(toy, d, [-1.0])
    with pytest.raises(BoundkitError):
        time_profile(get_guidance_setting("bimodal"), d, [0.0])
    r1 = get_guidance_setting("bimodal")
    with pytest.raises(BoundkitError):
        time_profile(
            toy, d, [0.0], refined=refine_by_discriminator(r1.q, OptimalDiscriminator(r1.p, r1.q))
        )
