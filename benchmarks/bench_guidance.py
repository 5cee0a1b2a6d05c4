"""Benchmark: the vectorised guided sampler against a per-particle loop baseline.

Run with ``python -m pytest benchmarks/bench_guidance.py --benchmark-enable -s``. The speed-up is
reported as a ratio of per-(particle, step) costs measured in the same run, in
``extra_info["speedup_vs_loop"]``. Sizes: 2e4 particles x 200 steps by default; set
``BOUNDKIT_BENCH_FULL=1`` for the performance targets (1e5 particles x 500 steps in 1-D,
1e5 x 200 in 2-D), whose absolute times are also stored (``extra_info["seconds"]``).
"""

from __future__ import annotations

import os
import time

import numpy as np
import pytest

from boundkit.guidance import OptimalDiscriminator, get_guidance_setting, guided_sample, time_grid

FULL = os.environ.get("BOUNDKIT_BENCH_FULL", "") == "1"


def _loop_baseline(base, disc, n_particles, n_steps, rng):
    """The naive sampler: every particle advanced on its own through every step."""
    rng = np.random.default_rng(rng)
    ts = time_grid(5.0, n_steps)
    x0 = base.marginal(float(ts[0])).sample(n_particles, rng=rng)
    out = np.empty_like(x0)
    for j in range(n_particles):
        x = x0[j : j + 1]
        for i in range(n_steps):
            t0, t1 = float(ts[i]), float(ts[i + 1])
            h = t0 - t1
            s = base.score(x, t0) + disc.grad_logit(x, t0)
            x = x + h * (x + 2 * s) + np.sqrt(2 * h) * rng.standard_normal(x.shape)
        out[j] = x[0]
    return out


@pytest.mark.parametrize("toy", ["bimodal", "square-2d"])
def test_vectorised_vs_loop(benchmark, toy):
    tt = get_guidance_setting(toy)
    d = OptimalDiscriminator(tt.p, tt.q)
    n_vec = 100_000 if FULL else 20_000
    steps = (500 if tt.dim == 1 else 200) if FULL else 200
    n_loop = 30

    def vec():
        return guided_sample(tt.q, d, n_particles=n_vec, n_steps=steps, rng=0)

    start = time.perf_counter()
    _loop_baseline(tt.q, d, n_loop, steps, 0)
    t_loop = time.perf_counter() - start
    res = benchmark.pedantic(vec, rounds=1, iterations=1)
    start = time.perf_counter()
    vec()
    t_vec = time.perf_counter() - start
    per_loop = t_loop / (n_loop * steps)
    per_vec = t_vec / (n_vec * steps)
    ratio = per_loop / per_vec
    benchmark.extra_info.update(
        {"speedup_vs_loop": ratio, "seconds": t_vec, "n_particles": n_vec, "n_steps": steps}
    )
    print(
        f"\n{toy}: vectorised {n_vec} x {steps} in {t_vec:.2f} s; loop baseline "
        f"{n_loop} x {steps} in {t_loop:.2f} s; speed-up per particle-step x{ratio:.0f}"
    )
    assert res.x.shape == (n_vec, tt.dim)
    assert ratio > 20
