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
