"""Hold-out certificates: coverage against delta (binomial tests), exactness of the pieces.

Coverage tests draw R independent held-out sets for a fixed h on an exact finite toy and count
the sets whose lower bound on E_P h exceeds the exact E_P h. Each (method, delta) cell fails
when P(Bin(R, delta) >= V) < 1e-4: false-failure probability at most 1e-4 per cell when the
certificate is valid (at most 9e-4 over the 9 cells). Seeds are fixed.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats
from scipy.special import logsumexp

from boundkit._errors import BoundkitError
from boundkit.bounds import HOLDOUT_METHODS, holdout_certificate
from boundkit.bounds._holdout import _clopper_pearson_lower
from boundkit.simulation import FiniteToy

_P_FAIL = 1e-4


def _toy_and_h() -> tuple[FiniteToy, np.ndarray]:
    toy = FiniteToy()
    w = toy.fit((toy.p @ toy.phi)[None, :])[0]
    return toy, toy.phi @ w


def _coverage(method: str, delta: float, R: int, m: int, seed: int, scale: float = 1.0) -> int:
    toy, h = _toy_and_h()
    e_h = float(toy.p @ h)
    lam = float(logsumexp(h, b=toy.q))
    vr = toy.value_range()
    rng = np.random.default_rng(seed)
    viol = 0
    for _ in range(R):
        idx = rng.choice(h.size, size=m, p=toy.p)
        c = holdout_certificate(h[idx], lam, delta=delta, method=method, value_range=vr, levels=h)
        lower = c.mean - scale * c.deviation
        viol += lower > e_h
    return viol


@pytest.mark.parametrize("method", HOLDOUT_METHODS)
@pytest.mark.parametrize("delta", [0.05, 0.3, 0.7])
def test_coverage_at_least_one_minus_delta(method: str, delta: float) -> None:
    R = 200
    v = _coverage(method, delta, R, m=40, seed=hash((method, delta)) % 2**32)
    assert stats.binom.sf(v - 1, R, delta) >= _P_FAIL, (method, delta, v)


def test_plug_in_certificate_fails_coverage() -> None:
    """The false variant (the plug-in estimate reported as a certificate, no deviation term)
    under-covers grossly: at delta = 0.05 its violation count is far in the Bin(R, delta)
    tail. (Dividing the deviation by 10 is not enough to fail here: the range [a, b] of the
    class is much wider than the spread of h, so even a tenth of the deviation covers.)"""
    R, delta = 200, 0.05
    v = _coverage("empirical-bernstein", delta, R, m=200, seed=5, scale=0.0)
    assert stats.binom.sf(v - 1, R, delta) < _P_FAIL


def test_certificate_bounds_the_kl_improvement() -> None:
    """value = lower(E_P h) - log E_Q e^h, and at the exact mean it is the C5 improvement."""
    toy, h = _toy_and_h()
    lam = float(logsumexp(h, b=toy.q))
    c = holdout_certificate(
        h, h_on_q=h, q_weights=toy.q, method="hoeffding", value_range=toy.value_range()
    )
    assert c.lam == pytest.approx(lam, rel=1e-13)
    assert c.value == pytest.approx(c.lower_mean - lam, abs=1e-12)
    improvement = toy.population().divergence_base - toy.population().divergence_best
    assert float(toy.p @ h) - lam == pytest.approx(improvement, rel=1e-10)


def test_clopper_pearson_is_never_above_exact() -> None:
    import mpmath as mp

    mp.mp.dps = 40
    for count, m, alpha in [(1, 10, 0.05), (7, 20, 0.01), (50, 50, 0.1), (3, 1000, 1e-6)]:
        pl = _clopper_pearson_lower(count, m, alpha)

        def tail(p, count=count, m=m):
            return 1 - mp.fsum(mp.binomial(m, k) * p**k * (1 - p) ** (m - k) for k in range(count))

        lo, hi = mp.mpf(0), mp.mpf(1)  # tail(p) increases in p: bisection at 40 digits
        for _ in range(100):
            mid = (lo + hi) / 2
            lo, hi = (lo, mid) if tail(mid) > alpha else (mid, hi)
        exact = lo
        assert mp.mpf(pl) <= exact
        assert exact - mp.mpf(pl) < 1e-8


def test_binomial_is_exact_for_two_values() -> None:
    h = np.array([0.0] * 30 + [1.0] * 70)
    c = holdout_certificate(h, 0.0, delta=0.05, method="binomial", levels=[0.0, 1.0])
    assert c.lower_mean == pytest.approx(stats.beta.ppf(0.05, 70, 31), rel=1e-9)
    assert c.lower_mean <= stats.beta.ppf(0.05, 70, 31)


def test_other_generator_lower_bounds_restricted_divergence() -> None:
    """For chi^2 the certificate at the exact mean is E_P h - Lambda_f^Q[h] <= D_f(P||Q)."""
    toy, h = _toy_and_h()
    c = holdout_certificate(
        np.array([float(toy.p @ h)] * 2),
        generator="chi2",
        h_on_q=h,
        q_weights=toy.q,
        method="hoeffding",
        value_range=toy.value_range(),
    )
    d = float(toy.q @ (toy.p / toy.q - 1) ** 2)  # chi^2(P||Q), finite sums
    assert c.mean - c.lam <= d + 1e-12


@pytest.mark.parametrize(
    "kwargs",
    [
        {"h_values": [1.0], "lam": 0.0, "value_range": (0, 1)},
        {"h_values": [0.5, 2.0], "lam": 0.0, "value_range": (0, 1)},
        {"h_values": [0.5, 0.6], "lam": 0.0},
        {"h_values": [0.5, 0.6], "lam": 0.0, "method": "binomial"},
        {"h_values": [0.5, 0.6], "lam": 0.0, "method": "binomial", "levels": [0.5]},
        {"h_values": [0.5, 0.6], "value_range": (0, 1)},
        {"h_values": [0.5, 0.6], "lam": 0.0, "value_range": (0, 1), "delta": 1.0},
        {"h_values": [0.5, 0.6], "lam": 0.0, "value_range": (0, 1), "method": "magic"},
    ],
)
def test_bad_input_raises(kwargs) -> None:
    with pytest.raises(BoundkitError):
        holdout_certificate(**kwargs)


def test_cli_bound_holdout(tmp_path, capsys) -> None:
    import json

    from boundkit.cli import main

    h = np.random.default_rng(1).uniform(-1, 1, 300)
    path = tmp_path / "h.txt"
    path.write_text("\n".join(repr(float(v)) for v in h))
    rc = main(
        ["bound", "holdout", "--values", str(path), "--lam", "0.01", "--range=-1,1", "--json"]
    )
    assert rc == 0
    doc = json.loads(capsys.readouterr().out)
    ref = holdout_certificate(h, 0.01, value_range=(-1, 1))
    assert doc["value"] == ref.value and doc["method"] == "empirical-bernstein"
    assert main(["bound", "holdout", "--values", str(path)]) == 2
    assert "needs --values FILE" in capsys.readouterr().err
