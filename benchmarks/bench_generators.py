"""Benchmarks of boundkit.generators, reported as ratios against baselines measured in the same
run (``python -m pytest benchmarks/bench_generators.py --benchmark-enable``).

Targets (issue #2):

- numeric conjugate and link on 10^7 points within 3x of the equivalent hand-written numpy
  expression (KL, JS, Jeffreys, Pearson);
- the vectorised numeric conjugate against a naive per-point ``scipy.optimize`` supremum
  (reported as a speed-up per point);
- deriving the whole catalogue cold < 10 s (derivations uncached in a fresh process), and
  cached afterwards.

Set ``BOUNDKIT_BENCH_SMALL=1`` to shrink the sizes (smoke run).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

import numpy as np
import pytest
from _baseline import SMALL, best_of, report
from scipy.optimize import minimize_scalar
from scipy.special import wrightomega

from boundkit.generators import get_generator

N = 10**5 if SMALL else 10**7

HAND = {
    "kl": (lambda t: np.exp(t - 1.0), lambda t: np.exp(t - 1.0)),
    "pearson": (
        lambda t: np.where(t <= -2.0, -1.0, t + t * t / 4.0),
        lambda t: np.where(t <= -2.0, 0.0, 1.0 + t / 2.0),
    ),
    "jensen_shannon": (
        lambda t: np.where(t < np.log(2.0), -np.log(2.0 - np.exp(t)), np.inf),
        lambda t: np.where(t < np.log(2.0), np.exp(t) / (2.0 - np.exp(t)), np.inf),
    ),
    "jeffreys": (
        lambda t: (lambda w: w + 1.0 / w + t - 2.0)(np.real(wrightomega(1.0 - t))),
        lambda t: 1.0 / np.real(wrightomega(1.0 - t)),
    ),
}


@pytest.mark.parametrize("name", sorted(HAND))
def test_conjugate_vs_handwritten_numpy(benchmark, name):
    g = get_generator(name)
    rng = np.random.default_rng(0)
    t = rng.uniform(-5.0, 0.69, size=N)
    conj, link = HAND[name]
    g.conjugate(t[:10])  # compile
    with np.errstate(all="ignore"):
        base_c = best_of(lambda: conj(t))
        base_l = best_of(lambda: link(t))
    ours_c = best_of(lambda: g.conjugate(t))
    ours_l = best_of(lambda: g.link(t))
    np.testing.assert_allclose(g.conjugate(t), conj(t), rtol=1e-10, atol=1e-14)
    benchmark.pedantic(g.conjugate, args=(t,), rounds=1, iterations=1)
    report(
        benchmark,
        generator=name,
        n=N,
        conjugate_ratio=ours_c / base_c,
        link_ratio=ours_l / base_l,
    )
    assert ours_c / base_c < 3.0 and ours_l / base_l < 3.0


def test_numeric_conjugate_vs_per_point_scipy(benchmark):
    """The closed form (and the vectorised numeric fallback) vs a naive scipy sup per point."""
    g = get_generator("jeffreys")
    f = g.f_numeric
    m = 200 if SMALL else 2000
    t = np.linspace(-4.0, 3.0, m)

    def naive(ts):
        out = np.empty_like(ts)
        for i, tv in enumerate(ts):
            res = minimize_scalar(
                lambda u, tv=tv: -(tv * u - float(f(u))),
                bounds=(1e-12, 1e4),
                method="bounded",
                options={"xatol": 1e-12},
            )
            out[i] = -res.fun
        return out

    from boundkit.generators._generator import _NumericConjugate

    numeric = _NumericConjugate(g)
    base = best_of(lambda: naive(t), repeat=1)
    ours_closed = best_of(lambda: g.conjugate(t))
    ours_numeric = best_of(lambda: numeric.value(t))
    np.testing.assert_allclose(numeric.value(t), g.conjugate(t), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(naive(t[:50]), g.conjugate(t[:50]), rtol=1e-6, atol=1e-9)
    benchmark.pedantic(numeric.value, args=(t,), rounds=1, iterations=1)
    report(
        benchmark,
        points=m,
        speedup_closed_vs_scipy=base / ours_closed,
        speedup_numeric_vs_scipy=base / ours_numeric,
    )
    assert base / ours_numeric > 1.0


def test_catalogue_cold_and_cached(benchmark, tmp_path):
    code = (
        "import time; t0 = time.perf_counter(); from boundkit.generators import catalogue; "
        "catalogue(); print(time.perf_counter() - t0)"
    )
    env = dict(os.environ, BOUNDKIT_CACHE_DIR=str(tmp_path))

    def run() -> float:
        out = subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
        )
        return float(out.stdout.strip().splitlines()[-1])

    t0 = time.perf_counter()
    cold = run()
    warm = run()
    benchmark.pedantic(lambda: None, rounds=1, iterations=1)
    report(
        benchmark,
        cold_seconds=cold,
        cached_seconds=warm,
        cached_ratio=warm / cold,
        wall=time.perf_counter() - t0,
    )
    assert warm < cold
