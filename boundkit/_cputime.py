"""A CPU-time limit for sympy computations that may swell (derivations, simplifications)."""

from __future__ import annotations

import contextlib
import gc
import signal
import threading
import time
from collections.abc import Iterator
from typing import Any

__all__: list[str] = []

#: CPU seconds after which an alarm whose exception was swallowed fires again
_REFIRE = 0.05


def can_limit_cpu_time() -> bool:
    """True when a CPU-time alarm can be armed here (POSIX, main thread)."""
    return (
        hasattr(signal, "setitimer")
        and hasattr(signal, "SIGVTALRM")
        and threading.current_thread() is threading.main_thread()
    )


def _in_unraisable_context(frame: Any) -> bool:
    """True when ``frame`` runs inside a gc callback or a ``__del__``, where raising is lost."""
    callback_codes = {getattr(cb, "__code__", None) for cb in gc.callbacks}
    while frame is not None:
        code = frame.f_code
        if code in callback_codes or code.co_name == "__del__":
            return True
        frame = frame.f_back
    return False


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
        # re-arm before raising: if the exception is swallowed where it lands (an
        # ``except Exception`` inside a library), the alarm fires again 50 ms later, so a
        # budget can never be lost; the ``finally`` below disarms it
        signal.setitimer(signal.ITIMER_VIRTUAL, _REFIRE)
        if _in_unraisable_context(frame):
            # an exception raised in a gc callback or a finaliser is reported as
            # "unraisable" and dropped; wait for the re-armed alarm to land in user code
            return
        raise exc

    old = signal.signal(signal.SIGVTALRM, handler)
    outer = signal.getitimer(signal.ITIMER_VIRTUAL)[0]
    # an enclosing budget that ends sooner bounds this one too
    mine = min(seconds, outer) if outer > 0 else seconds
    start = time.process_time()
    prev = signal.setitimer(signal.ITIMER_VIRTUAL, mine)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_VIRTUAL, 0)
        signal.signal(signal.SIGVTALRM, old)
        if prev[0] > 0:  # re-arm the enclosing timer with what is left of it
            used = time.process_time() - start
            signal.setitimer(signal.ITIMER_VIRTUAL, max(prev[0] - used, 1e-3))
