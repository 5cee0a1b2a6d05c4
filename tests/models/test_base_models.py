"""Base models from every source: boundkit, scikit-learn, plain samplers; bad models."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.mixture import BayesianGaussianMixture, GaussianMixture
from sklearn.neighbors import KernelDensity

from boundkit import BoundkitError
from boundkit.distributions import Gaussian
from boundkit.models import as_model, fit_base_model

X = np.random.default_rng(0).normal(size=(120, 2))


@pytest.mark.parametrize(
    "est",
    [
        GaussianMixture(2, random_state=0),
        BayesianGaussianMixture(n_components=2, random_state=0, max_iter=500),
        KernelDensity(bandwidth=0.5),
    ],
    ids=["gmm", "bgmm", "kde"],
)
def test_sklearn_models_keep_their_exact_density(est):
    est.fit(X)
    Q = as_model(est)
    if isinstance(est, BayesianGaussianMixture):
        # score_samples of a BGMM uses E[log pi] (not a normalised density): compare with the
        # mixture of its posterior-mean weights, computed independently with scipy
        from scipy.stats import multivariate_normal

        ref = np.log(
            sum(
                w * multivariate_normal(m, c).pdf(X[:10])
                for w, m, c in zip(est.weights_, est.means_, est.covariances_, strict=True)
            )
        )
    else:
        ref = est.score_samples(X[:10])
    np.testing.assert_allclose(Q.logpdf(X[:10]), ref, rtol=1e-9, atol=1e-9)
    assert Q.sample(7, rng=1).shape == (7, 2)


def test_sampler_callable_is_sample_only():
    Q = as_model(lambda n, rng: rng.normal(size=(n, 3)))
    assert Q.dim == 3 and not Q.has_logpdf
    assert np.array_equal(Q.sample(5, rng=2), Q.sample(5, rng=2))
    with pytest.raises(BoundkitError, match="sample-only"):
        Q.logpdf(np.zeros((1, 3)))


def test_object_with_sample_and_logpdf():
    class Model:
        def sample(self, n, rng):
            return rng.normal(size=(n, 1))

        def logpdf(self, x):
            return -0.5 * x[:, 0] ** 2 - 0.5 * np.log(2 * np.pi)

    Q = as_model(Model())
    assert Q.has_logpdf and Q.dim == 1
    np.testing.assert_allclose(Q.logpdf(np.zeros((1, 1))), Gaussian([0.0], 1.0).logpdf([[0.0]]))


def test_model_without_sample_is_refused():
    class NoSample:
        def logpdf(self, x):
            return np.zeros(len(x))

    with pytest.raises(BoundkitError, match="sample") as exc:
        as_model(NoSample())
    assert "\n" not in str(exc.value)


def test_sampler_returning_nan_is_refused():
    Q = as_model(lambda n, rng: np.full((n, 1), np.nan), dim=1)
    with pytest.raises(BoundkitError, match="NaN"):
        Q.sample(3, rng=0)


def test_fitted_gaussian_is_the_mle():
    fb = fit_base_model("gaussian", X, reg_covar=0.0)
    np.testing.assert_allclose(fb.model.mean, X.mean(axis=0))
    np.testing.assert_allclose(fb.model.cov, np.cov(X, rowvar=False, bias=True))


@pytest.mark.parametrize("spec", ["gmm:2", "bgmm:2", "kde:0.4"])
def test_fit_specs(spec):
    fb = fit_base_model(spec, X, rng=0)
    assert fb.fit_seconds >= 0 and fb.model.sample(3, rng=0).shape == (3, 2)
    if not spec.startswith("bgmm"):  # BGMM's score_samples is not its density (see above)
        np.testing.assert_allclose(
            fb.model.logpdf(X[:5]), fb.estimator.score_samples(X[:5]), rtol=1e-8
        )


@pytest.mark.parametrize("spec", ["gmm:0", "gmm:x", "kde:-1", "flow", "gaussian:3"])
def test_bad_specs(spec):
    with pytest.raises(BoundkitError):
        fit_base_model(spec, X)
