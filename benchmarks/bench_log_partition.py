"""Benchmark (issue 13): the linear-KL Newton solver on the shared kernel primitive.

The solver (:func:`boundkit.simulation._linear_kl.fit_linear_kl`) evaluates its objective with
:func:`boundkit.generators.log_partition`, the primitive under the kernel's KL closed form.
Baseline, measured in the same run: the same solver with that call replaced by the
hand-written numpy log-sum-exp it used before (``mx + log(sum(exp(a - mx)))``). Target: the
ratio at most 1.10 on 250 replicates x 3,721 atoms (a 61 x 61 grid, 5 features), and the
same maximisers. Times are best-of CPU times, run in alternation
(:func:`_baseline.interleaved`). ``BOUNDKIT_BENCH_SMALL=1``: 40 replicates.
"""

from __future__ import annotations

import numpy as np
from _baseline import SMALL, interleaved, report

from boundkit.simulation import _linear_kl

R = 40 if SMALL else 250
SIDE = 61


def _hand_lse(a: np.ndarray) -> np.ndarray:
    mx = a.max(axis=1)
    return mx + np.log(np.exp(a - mx[:, None]).sum(axis=1))


def _problem():
    x, y = np.meshgrid(np.linspace(-3, 3, SIDE), np.linspace(-3, 3, SIDE))
    x, y = x.ravel(), y.ravel()
    phi = np.column_stack([x, y, x * x / 3, y * y / 3, x * y / 3])
    logq = -0.5 * (x * x + y * y)
    logq -= np.log(np.exp(logq).sum())
    logp = -0.5 * ((x - 0.4) ** 2 + (y + 0.2) ** 2 / 1.3)
    p = np.exp(logp - logp.max())
    p /= p.sum()
    rng = np.random.default_rng(0)
    counts = rng.multinomial(200, p, size=R)
    m = counts @ phi / 200.0
    return m, logq, phi


def test_newton_solver_on_the_kernel_primitive(benchmark, monkeypatch):
    m, logq, phi = _problem()
    B = 0.6

    def ours():
        return _linear_kl.fit_linear_kl(m, logq, phi, B)

    def hand():
        with monkeypatch.context() as mp:
            mp.setattr(_linear_kl, "log_partition", _hand_lse)
            return _linear_kl.fit_linear_kl(m, logq, phi, B)

    w_ours, _ = ours()
    w_hand, _ = hand()
    np.testing.assert_allclose(w_ours, w_hand, rtol=1e-9, atol=1e-12)
    times = interleaved({"ours": ours, "hand": hand}, repeat=3)
    benchmark.pedantic(ours, rounds=1, iterations=1)
    ratio = times["ours"] / times["hand"]
    on_ball = int(np.sum(np.linalg.norm(w_ours, axis=1) > B * (1 - 1e-9)))
    report(
        benchmark,
        atoms=SIDE * SIDE,
        replicates=R,
        on_the_ball=on_ball,
        solver_seconds=times["ours"],
        hand_lse_seconds=times["hand"],
        solver_over_hand_lse_ratio=ratio,
    )
    assert ratio <= 1.10
