"""The CPU-time limiter cannot lose a budget: a swallowed alarm fires again."""

from __future__ import annotations

import time

import pytest

from boundkit._cputime import can_limit_cpu_time, cpu_time_limit

pytestmark = pytest.mark.skipif(not can_limit_cpu_time(), reason="needs POSIX CPU timers")


class Budget(Exception):
    pass


def _spin(seconds: float) -> None:
    end = time.process_time() + seconds
    while time.process_time() < end:
        pass


def test_swallowed_alarm_fires_again():
    """Library code that catches the first alarm (``except Exception: pass``) is still stopped."""
    swallowed = 0
    t0 = time.process_time()
    with pytest.raises(Budget):
        with cpu_time_limit(0.2, Budget):
            for _ in range(1000):
                try:
                    _spin(0.05)
                except Budget:
                    swallowed += 1
                    if swallowed >= 3:
                        raise
    assert swallowed == 3
    assert time.process_time() - t0 < 5.0


def test_no_alarm_after_the_block():
    with cpu_time_limit(0.05, Budget):
        pass
    _spin(0.2)  # nothing fires here: the timer was disarmed on exit


def test_nested_budget_rearms_the_outer_one():
    t0 = time.process_time()
    with pytest.raises(Budget):
        with cpu_time_limit(0.3, Budget):
            try:
                with cpu_time_limit(5.0, KeyError):  # bounded by the outer 0.3 s
                    _spin(2.0)
            except KeyError:
                pass
            _spin(2.0)
    assert time.process_time() - t0 < 1.5


def _budget_stops_a_gc_heavy_loop(slow_callback) -> tuple[bool, list[object], float]:
    """Run a loop of ``gc.collect()`` + 10 ms of Python under a 50 ms budget for at most 10 s
    of CPU; return (stopped by the budget, unraisable exceptions seen, CPU seconds used)."""
    import gc
    import sys

    unraisable: list[object] = []
    old_hook = sys.unraisablehook
    sys.unraisablehook = unraisable.append
    gc.callbacks.append(slow_callback)
    t0 = time.process_time()
    stopped = False
    try:
        with cpu_time_limit(0.05, Budget):
            while time.process_time() - t0 < 10.0:
                gc.collect()
                _spin(0.01)
    except Budget:
        stopped = True
    finally:
        gc.callbacks.remove(slow_callback)
        sys.unraisablehook = old_hook
    return stopped, unraisable, time.process_time() - t0


def test_alarm_in_a_gc_callback_is_deferred_not_lost():
    """An alarm that lands in a gc callback is not raised there (it would be "unraisable" and
    dropped); it stops the user code once the callback returns."""
    calls = {"n": 0}

    def slow_callback(phase: str, info: dict) -> None:
        if phase == "start" and calls["n"] < 3:
            calls["n"] += 1
            _spin(0.15)  # longer than the budget: the alarm lands here

    stopped, unraisable, used = _budget_stops_a_gc_heavy_loop(slow_callback)
    assert calls["n"] >= 1
    assert stopped and unraisable == []
    assert used < 2.0


def test_alarm_during_a_long_collection_reaches_user_code():
    """When every collection takes longer than the re-fire interval (a large heap, as late in a
    long test session), the signal arrives in C and the first Python code to run is a gc
    callback, every time: a re-armed timer alone never lands in user code (CI saw a 10,000
    iteration loop run to the end). The deferred alarm must still stop the loop."""
    import gc

    heap = [[{} for _ in range(10)] for _ in range(300_000)]  # makes gc.collect() take ~0.1 s
    t = time.process_time()
    gc.collect()
    assert time.process_time() - t > 0.05, "the heap is too small to make a collection slow"

    def quick_callback(phase: str, info: dict) -> None:
        pass

    stopped, unraisable, used = _budget_stops_a_gc_heavy_loop(quick_callback)
    del heap
    assert stopped and unraisable == []
    assert used < 2.0


def test_alarm_between_a_precision_change_and_its_restore_leaves_mpmath_as_it_was():
    # sympy and mpmath set mpmath's global precision and restore it in a ``finally``; an alarm
    # landing between the two left the whole process at the inner precision (seen in CI: later
    # mpmath references computed at 8 digits). The limited block must restore it.
    import mpmath

    before = mpmath.mp.prec
    with pytest.raises(Budget):
        with cpu_time_limit(0.05, Budget):
            mpmath.mp.prec = 30  # the restoring ``finally`` never runs: the alarm lands first
            _spin(10.0)
    assert mpmath.mp.prec == before
    # and a block that completes normally is left alone otherwise
    with cpu_time_limit(5.0, Budget):
        x = mpmath.mpf(2).sqrt()
    assert mpmath.mp.prec == before and x > 1
