"""The Monte Carlo shift functional against closed forms and against the one kernel."""

from __future__ import annotations

import numpy as np
import pytest

from boundkit import BoundkitError
from boundkit.generators import get_generator, shift_functional
from boundkit.models import lambda_from_samples


def test_it_is_the_kernel_on_the_empirical_measure():
    h = np.random.default_rng(0).normal(size=500)
    for name in ("kl", "pearson", "hellinger"):
        mc = lambda_from_samples(name, h)
        ref = shift_functional(get_generator(name), h)
        assert mc.value == ref.value and mc.nu == ref.nu


@pytest.mark.parametrize("a", [0.5, 1.0])
def test_kl_against_the_gaussian_closed_form(a):
    # Lambda_KL[a x] under N(0, 1) is log E e^{aX} = a^2 / 2; 4 se: false failure < 1e-4
    x = np.random.default_rng(1).normal(size=40_000)
    mc = lambda_from_samples("kl", a * x)
    assert abs(mc.value - a * a / 2) < 4 * mc.se
    # delta-method se: sd(e^{aX}) / (sqrt(m) E e^{aX}) = sqrt(e^{a^2} - 1) / sqrt(m)
    assert mc.se == pytest.approx(np.sqrt(np.expm1(a * a) / x.size), rel=0.15)
    assert mc.nu_se == pytest.approx(mc.se, rel=1e-6)  # KL: nu = Lambda - 1


def test_standard_error_is_calibrated():
    # 400 independent estimates: their spread matches the reported se within 15 %
    # (chi-square with 399 dof: false failure < 1e-3)
    rng = np.random.default_rng(2)
    est, ses = [], []
    for _ in range(400):
        mc = lambda_from_samples("pearson", rng.uniform(-1, 1, size=300))
        est.append(mc.value)
        ses.append(mc.se)
    assert np.std(est, ddof=1) == pytest.approx(np.mean(ses), rel=0.15)


def test_bad_input():
    with pytest.raises(BoundkitError, match="at least 2"):
        lambda_from_samples("kl", [1.0])
    with pytest.raises(BoundkitError, match="NaN"):
        lambda_from_samples("kl", [1.0, np.nan])
