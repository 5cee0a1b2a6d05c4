"""Shared helpers of the benchmarks: smoke-run switch, best-of timing, reporting of ratios."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Any

import numpy as np

SMALL = os.environ.get("BOUNDKIT_BENCH_SMALL") == "1"


def best_of(fn: Callable[[], Any], repeat: int = 3) -> float:
    """The shortest wall-clock time (seconds) of ``repeat`` calls of ``fn()``."""
    best = np.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def report(benchmark: Any, **info: Any) -> None:
    """Attach ``info`` to the pytest-benchmark record and print it on one line."""
    benchmark.extra_info.update(info)
    print(" ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in info.items()))


def timed(benchmark: Any, fn: Callable[[], Any], rounds: int = 2) -> tuple[Any, float]:
    """Run ``fn`` under pytest-benchmark; return its result and the best time in seconds.

    With ``--benchmark-disable`` pytest-benchmark runs ``fn`` once and records nothing, so the
    time is then measured with :func:`best_of` (a smoke run still reports a ratio).
    """
    out = benchmark.pedantic(fn, rounds=rounds, iterations=1)
    if benchmark.stats is None:
        return out, best_of(fn, 1)
    return out, benchmark.stats.stats.min


def interleaved(
    fns: dict[str, Callable[[], Any]],
    repeat: int = 3,
    clock: Callable[[], float] = time.process_time,
) -> dict[str, float]:
    """Best-of-``repeat`` times of several functions, run in alternation (ours, baseline, ours,
    ...); returns ``{name: seconds}``.

    The default clock is this process's CPU time (all its threads), so other jobs on a shared
    machine do not enter the ratio; pass ``clock=time.perf_counter`` for wall-clock time.
    """
    best = dict.fromkeys(fns, np.inf)
    for _ in range(repeat):
        for name, fn in fns.items():
            t0 = clock()
            fn()
            best[name] = min(best[name], clock() - t0)
    return best
