"""Benchmarks of the complexity calculator, reported as ratios against baselines measured in
the same run (``python -m pytest benchmarks/bench_complexity.py --benchmark-enable``).

Targets (issue #4):

- linear l2 R_S at n = 10^6, d = 10, 200 sign vectors: within 2x of one GEMM of the same shape
  (computed blockwise over rows from a preallocated float sign block, without drawing
  random numbers), peak memory < 2 GB;
- RKHS at n = 5000 with 200 sign vectors: < 5 s (and vs a loop of matrix-vector products);
- exact enumeration at n = 20: < 2 s (and vs a Python loop over sign vectors at n = 16);
- 1-D exact network sweep at n = 10^4, 200 sign vectors: < 5 s (and vs a column-by-column loop).

Set ``BOUNDKIT_BENCH_SMALL=1`` to shrink the sizes (smoke run).
"""

from __future__ import annotations

import itertools
import tracemalloc

import numpy as np
import pytest
from _baseline import SMALL, best_of, report

from boundkit.classes import LinearClass, RKHSBall, neuron_sup_sweep
from boundkit.complexity import empirical_rademacher
from boundkit.complexity._signs import ROW_BLOCK


def test_linear_l2_large_n_vs_gemm(benchmark):
    n = 100_000 if SMALL else 1_000_000
    d, m = 10, 200
    x = np.random.default_rng(0).normal(size=(n, d))
    cls = LinearClass(p=2)
    sign_block = np.where(np.random.default_rng(1).random((ROW_BLOCK, m)) < 0.5, -1.0, 1.0)

    def gemm():
        Z = np.zeros((d, m))
        for r0 in range(0, n, ROW_BLOCK):
            r1 = min(n, r0 + ROW_BLOCK)
            Z += x[r0:r1].T @ sign_block[: r1 - r0]
        return Z

    def ours():
        return empirical_rademacher(cls, x, n_sigmas=m, rng=2, with_bounds=False)

    t_gemm = best_of(gemm, 2)
    t_ours = best_of(ours, 2)
    tracemalloc.start()
    ours()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    benchmark.pedantic(ours, rounds=1, iterations=1)
    report(
        benchmark,
        n=n,
        t_ours=t_ours,
        t_gemm=t_gemm,
        ratio_vs_gemm=t_ours / t_gemm,
        peak_mb=peak / 2**20,
    )
    assert peak < 2 * 2**30


def test_rkhs_5000(benchmark):
    n = 1000 if SMALL else 5000
    m = 200
    x = np.random.default_rng(0).normal(size=(n, 2))
    cls = RKHSBall(gamma=0.5)

    def ours():
        return empirical_rademacher(cls, x, n_sigmas=m, rng=1, with_bounds=False)

    def loop():
        K = cls.gram(x)
        S = np.where(np.random.default_rng(1).random((n, m)) < 0.5, -1.0, 1.0)
        return [np.sqrt(S[:, j] @ (K @ S[:, j])) for j in range(m)]

    t_ours = best_of(ours, 2)
    t_loop = best_of(loop, 2)
    benchmark.pedantic(ours, rounds=1, iterations=1)
    report(benchmark, n=n, t_ours=t_ours, t_loop=t_loop, speedup_vs_loop=t_loop / t_ours)
    assert t_ours < 5.0


def test_exact_enumeration(benchmark):
    n_big = 16 if SMALL else 20
    x = np.random.default_rng(0).normal(size=(n_big, 3))
    cls = LinearClass(p=2)

    def ours(k=n_big):
        return empirical_rademacher(cls, x[:k], method="exact", with_bounds=False)

    n_cmp = 14 if SMALL else 16

    def naive():
        xs = x[:n_cmp]
        return (
            np.mean(
                [
                    np.linalg.norm(np.array(s) @ xs)
                    for s in itertools.product([-1.0, 1.0], repeat=n_cmp)
                ]
            )
            / n_cmp
        )

    t_big = best_of(ours, 2)
    t_vec = best_of(lambda: ours(n_cmp), 3)
    t_naive = best_of(naive, 1)
    assert ours(n_cmp).estimate == pytest.approx(naive(), rel=1e-10)
    benchmark.pedantic(ours, rounds=1, iterations=1)
    report(
        benchmark, n=n_big, t_exact=t_big, n_compare=n_cmp, speedup_vs_python_loop=t_naive / t_vec
    )
    assert t_big < 2.0


def test_relu_sweep_1d(benchmark):
    n = 2000 if SMALL else 10_000
    m = 200
    rng = np.random.default_rng(0)
    y = np.column_stack([rng.normal(size=n), np.ones(n)])
    S = np.where(rng.random((n, m)) < 0.5, -1.0, 1.0)

    def ours():
        return neuron_sup_sweep(y, S)

    def loop():
        return [neuron_sup_sweep(y, S[:, j]) for j in range(m)]

    t_ours = best_of(ours, 2)
    t_loop = best_of(loop, 1)
    np.testing.assert_allclose(ours(), loop(), atol=1e-9)
    benchmark.pedantic(ours, rounds=1, iterations=1)
    report(benchmark, n=n, t_sweep=t_ours, t_loop=t_loop, speedup_vs_loop=t_loop / t_ours)
    assert t_ours < 5.0
