"""A CPU-time limit for sympy computations that may swell (derivations, simplifications)."""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from typing import Any

__all__: list[str] = []


def can_limit_cpu_time() -> bool:
    """True when a CPU-time alarm can be armed here (POSIX, main thread)."""
    return (
        hasattr(signal, "setitimer")
        and hasattr(signal, "SIGVTALRM")
        and threading.current_thread() is threading.main_thread()
    )


@contextlib.contextmanager
def cpu_time_limit(seconds: float, exc: type[BaseException]) -> Iterator[None]:
    """Raise ``exc`` inside the block after ``seconds`` of CPU time.

    CPU time (``ITIMER_VIRTUAL``), not wall time, so that the outcome does not depend on the load
    of the machine. Off the main thread, or where the alarm does not exist, the block runs
    without a limit. An enclosing timer is re-armed on exit.
    """
    if not can_limit_cpu_time():
        yield
        return

    def handler(signum: int, frame: Any) -> None:
        raise exc

    old = signal.signal(signal.SIGVTALRM, handler)
    prev = signal.setitimer(signal.ITIMER_VIRTUAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_VIRTUAL, 0)
        signal.signal(signal.SIGVTALRM, old)
        if prev[0] > 0:  # re-arm an enclosing timer
            signal.setitimer(signal.ITIMER_VIRTUAL, max(prev[0] - seconds, 1e-3))
