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


def test_alarm_in_a_gc_callback_is_deferred_not_lost():
    """An alarm that lands in a gc callback is not raised there (it would be "unraisable" and
    dropped); it re-fires and stops the user code after the callback returns."""
    import gc
    import sys

    unraisable: list[object] = []
    old_hook = sys.unraisablehook
    sys.unraisablehook = unraisable.append
    in_callback = {"n": 0}

    def slow_callback(phase: str, info: dict) -> None:
        if phase == "start" and in_callback["n"] < 3:
            in_callback["n"] += 1
            _spin(0.15)  # longer than the budget: the alarm lands here

    gc.callbacks.append(slow_callback)
    t0 = time.process_time()
    try:
        with pytest.raises(Budget):
            with cpu_time_limit(0.05, Budget):
                for _ in range(10_000):
                    gc.collect()
                    _spin(0.01)
    finally:
        gc.callbacks.remove(slow_callback)
        sys.unraisablehook = old_hook
    assert in_callback["n"] >= 1
    assert unraisable == []
    assert time.process_time() - t0 < 5.0
