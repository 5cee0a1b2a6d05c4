"""A CPU-time limit for sympy computations that may swell (derivations, simplifications)."""

from __future__ import annotations

import contextlib
import gc
import signal
import sys
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


#: whether a garbage collection is running (kept by ``_track_collection``)
_collecting = [False]


def _track_collection(phase: str, info: dict[str, int]) -> None:
    """A gc callback recording whether a collection runs (finalisers called by it included)."""
    _collecting[0] = phase == "start"


def _in_unraisable_context(frame: Any) -> bool:
    """True when ``frame`` runs where an exception is "unraisable" and dropped.

    That is inside a garbage collection (a gc callback, or a finaliser the collection runs: a
    ``__del__``, a weakref callback, a generator's ``close``) or inside a ``__del__``.
    """
    if _collecting[0]:
        return True
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
    without a limit. An enclosing timer is re-armed on exit, and mpmath's global precision is
    left as it was on entry (an alarm between a ``mp.prec = ...`` and its restoring ``finally``
    would otherwise leave sympy's working precision for the rest of the process).
    """
    if not can_limit_cpu_time():
        yield
        return

    if _track_collection not in gc.callbacks:
        gc.callbacks.insert(0, _track_collection)  # first: it marks the start of a collection
    deferred: dict[str, Any] = {}

    def raise_on_leaving_the_callback(frame: Any, event: str, arg: Any) -> None:
        # a profile hook, installed only while an alarm is deferred: the first profiler event
        # outside the gc callback / finaliser (typically the ``c_return`` of ``gc.collect``)
        # raises there, in user code, however long the collection runs in C
        if _in_unraisable_context(frame):
            return
        sys.setprofile(deferred.pop("old_profile", None))
        raise exc

    def handler(signum: int, frame: Any) -> None:
        # re-arm before raising: if the exception is swallowed where it lands (an
        # ``except Exception`` inside a library), the alarm fires again 50 ms later, so a
        # budget can never be lost; the ``finally`` below disarms it
        signal.setitimer(signal.ITIMER_VIRTUAL, _REFIRE)
        if _in_unraisable_context(frame):
            # an exception raised in a gc callback or a finaliser is reported as "unraisable"
            # and dropped; raise it instead at the first profiler event back in user code (a
            # re-armed timer alone can land in the next collection's callback every time)
            if "old_profile" not in deferred:
                deferred["old_profile"] = sys.getprofile()
                sys.setprofile(raise_on_leaving_the_callback)
            return
        raise exc

    # an alarm can land anywhere, also between a ``mp.prec = ...`` and the ``finally`` that
    # restores it (sympy and mpmath set mpmath's global precision that way): the block must
    # not leave it changed for the rest of the process
    mpmath = sys.modules.get("mpmath")
    mp_prec = mpmath.mp.prec if mpmath is not None else None
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
        if "old_profile" in deferred:  # a deferred alarm that never reached user code
            sys.setprofile(deferred.pop("old_profile"))
        if prev[0] > 0:  # re-arm the enclosing timer with what is left of it
            used = time.process_time() - start
            signal.setitimer(signal.ITIMER_VIRTUAL, max(prev[0] - used, 1e-3))
        mpmath = sys.modules.get("mpmath")
        if mpmath is not None:
            mpmath.mp.prec = mp_prec if mp_prec is not None else 53
