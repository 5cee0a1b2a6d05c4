"""Discriminators from samples: every class kind, classifiers, radii, landmarks, ranges."""

from __future__ import annotations

import numpy as np
import pytest

from boundkit import BoundkitError
from boundkit.classes import LinearClass, ReLUNetwork2, RKHSBall
from boundkit.models import (
    fit_discriminator,
    lambda_from_samples,
    landmark_class,
    with_radius,
)

RNG = np.random.default_rng(0)
XP = RNG.normal([0.8, 0.0], 1.0, size=(150, 2))
XQ = RNG.normal(0.0, 1.0, size=(300, 2))


@pytest.mark.parametrize(
    ("cls", "landmarks"),
    [
        (RKHSBall("rbf", B=1.0), 40),
        (RKHSBall("rbf", B=1.0), None),
        (LinearClass("poly", degree=2, B=1.0), None),
        (LinearClass("rff", n_components=50, B=1.0, rng=0), None),
        (ReLUNetwork2(width=4, B1=1.0, B2=1.0, n_restarts=1, max_iter=100, rng=0), None),
        ("logistic", None),
        ("mlp", None),
    ],
    ids=["rkhs-landmarks", "rkhs-full", "poly", "rff", "relu2", "logistic", "mlp"],
)
def test_every_kind_finds_the_shift(cls, landmarks):
    d = fit_discriminator(cls, XP, XQ, "kl", landmarks=landmarks, rng=1)
    hp, hq = d(XP), d(XQ)
    both = np.concatenate([hp, hq])
    assert np.all((both >= d.lower) & (both <= d.upper))
    # the data sit at larger x1: every recipe finds a positive objective on the training data
    assert d.train_objective == pytest.approx(hp.mean() - lambda_from_samples("kl", hq).value)
    assert d.train_objective > 0.02
    assert np.corrcoef(np.vstack([XP, XQ])[:, 0], d(np.vstack([XP, XQ])))[0, 1] > 0.5


def test_radius_and_its_effect():
    small = fit_discriminator(RKHSBall("rbf"), XP, XQ, B=0.1, landmarks=30, rng=2)
    large = fit_discriminator(RKHSBall("rbf"), XP, XQ, B=3.0, landmarks=30, rng=2)
    assert (small.lower, small.upper, large.upper) == (-0.1, 0.1, 3.0)
    assert large.train_objective > small.train_objective
    relu = with_radius(ReLUNetwork2(width=3, B2=1.0), 2.5)
    assert relu.B2 == 2.5 and relu.width == 3
    with pytest.raises(BoundkitError, match="radius"):
        with_radius(RKHSBall("rbf"), 0.0)


def test_landmark_ball_is_inside_the_rkhs_ball():
    # members of the landmark class have RKHS norm <= B: |h(x)| <= B sqrt(k(x, x)) = B
    lc = landmark_class(RKHSBall("rbf", B=2.0, gamma=0.5), XP, 25, rng=0)
    w = np.random.default_rng(1).normal(size=25)
    w *= 2.0 / np.linalg.norm(w)
    feats = lc.features
    alpha = feats._root_inv @ w
    K = feats.kernel.gram(feats.landmarks)
    assert float(np.sqrt(alpha @ K @ alpha)) <= 2.0 + 1e-9
    grid = np.random.default_rng(2).normal(0, 3, size=(2000, 2))
    assert np.abs(lc.evaluate(w, grid)).max() <= 2.0 + 1e-9


def test_bad_discriminators():
    with pytest.raises(BoundkitError, match="unknown classifier"):
        fit_discriminator("forest", XP, XQ)
    with pytest.raises(BoundkitError, match="discriminator class"):
        fit_discriminator(object(), XP, XQ)
    with pytest.raises(BoundkitError, match="landmarks need an RKHSBall"):
        fit_discriminator(LinearClass(), XP, XQ, landmarks=10)
