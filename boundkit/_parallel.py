r"""The one way boundkit runs independent tasks in parallel (joblib, loky, threads or dask).

Every parallel loop of boundkit (simulation replicates, expected Rademacher complexities,
verify's checks, guidance seeds) goes through :func:`run_tasks`, so they share

* validation of ``n_jobs`` and of the backend name (a typo is one line, not a joblib traceback);
* one dask connection helper with a bounded timeout (an unreachable scheduler is one line after
  ``timeout`` seconds, not a hang);
* BLAS thread limits inside workers (``threadpoolctl``), so two workers on two cores do not
  each start two BLAS threads: the time of a run does not depend on oversubscription;
* results in task order (or in completion order where the caller re-assembles by key), so a
  result never depends on the number of workers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from boundkit._errors import BoundkitError

__all__ = ["check_n_jobs", "check_backend", "dask_client", "run_tasks", "blas_threads"]

#: joblib backends that ship with joblib (plus dask, through dask.distributed)
_BUILTIN_BACKENDS = ("loky", "threading", "multiprocessing", "sequential", "dask")


def check_n_jobs(n_jobs: Any) -> int:
    """``n_jobs`` as an int: ``>= 1``, or ``-1`` for all cores; anything else is refused."""
    if isinstance(n_jobs, bool):
        raise BoundkitError(f"n_jobs must be an integer >= 1 or -1, got {n_jobs!r}")
    if not isinstance(n_jobs, int):
        try:
            as_int = int(n_jobs)
        except (TypeError, ValueError):
            raise BoundkitError(f"n_jobs must be an integer >= 1 or -1, got {n_jobs!r}") from None
        if as_int != n_jobs:
            raise BoundkitError(f"n_jobs must be an integer >= 1 or -1, got {n_jobs!r}")
        n_jobs = as_int
    if n_jobs == 0 or n_jobs < -1:
        raise BoundkitError(f"n_jobs must be an integer >= 1 or -1 (all cores), got {n_jobs}")
    return n_jobs


def check_backend(backend: str | None) -> str | None:
    """A joblib backend name, checked against joblib's registry (``None``: the default)."""
    if backend is None:
        return None
    if not isinstance(backend, str):
        raise BoundkitError(f"backend must be a name, got {type(backend).__name__}")
    from joblib.parallel import BACKENDS

    known = sorted(set(BACKENDS) | set(_BUILTIN_BACKENDS))
    if backend not in known:
        raise BoundkitError(f"unknown backend {backend!r}: expected one of {', '.join(known)}")
    return backend


def dask_client(scheduler: str | None, *, timeout: float = 10.0) -> tuple[Any, bool]:
    """A ``distributed.Client``: connected to ``scheduler``, or the one already running.

    Returns ``(client, owned)``; close the client when ``owned``. An unreachable scheduler
    raises :class:`BoundkitError` after ``timeout`` seconds.
    """
    try:
        from distributed import Client, get_client
    except ImportError:  # pragma: no cover - dask is a test dependency
        raise BoundkitError(
            "the dask backend needs dask.distributed (pip install 'dask[distributed]')"
        ) from None
    if scheduler is None:
        try:
            return get_client(), False
        except ValueError:
            raise BoundkitError(
                "the dask backend needs a scheduler address (tcp://HOST:PORT) or a running "
                "dask.distributed Client"
            ) from None
    if not isinstance(scheduler, str) or "://" not in scheduler:
        raise BoundkitError(f"scheduler must be an address like tcp://HOST:PORT, got {scheduler!r}")
    try:
        return Client(scheduler, timeout=f"{timeout}s"), True
    except ValueError as exc:  # a malformed address (no port, unknown protocol, ...)
        raise BoundkitError(f"bad dask scheduler address {scheduler!r}: {exc}") from None
    except (OSError, TimeoutError) as exc:
        raise BoundkitError(
            f"cannot reach the dask scheduler at {scheduler} within {timeout:g} s "
            f"({type(exc).__name__})"
        ) from None


@contextmanager
def blas_threads(limit: int | None) -> Iterator[None]:
    """Limit BLAS/OpenMP threads to ``limit`` inside the block (``None``: unchanged)."""
    if limit is None:
        yield
        return
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=int(limit)):
        yield


class _InWorker:
    """Picklable wrapper: call ``fn`` with BLAS threads limited to one (inside a worker)."""

    def __init__(self, fn: Callable[..., Any]) -> None:
        self.fn = fn

    def __call__(self, *args: Any) -> Any:
        with blas_threads(1):
            return self.fn(*args)


def run_tasks(
    fn: Callable[..., Any],
    tasks: Sequence[tuple[Any, ...]] | Iterable[tuple[Any, ...]],
    *,
    n_jobs: int = 1,
    backend: str | None = None,
    scheduler: str | None = None,
    ordered: bool = True,
    scheduler_timeout: float = 10.0,
) -> Iterator[Any]:
    """Yield ``fn(*task)`` for every task, serially or in parallel.

    Parameters
    ----------
    fn : callable
        A picklable function (module level) for process backends.
    tasks : iterable of tuples
        The arguments of each call.
    n_jobs : int
        Workers (``-1``: all cores). ``1`` with no backend runs in this process.
    backend : str, optional
        A joblib backend (``loky``, ``threading``, ``multiprocessing``, ``dask``, ...).
    scheduler : str, optional
        A dask scheduler address for ``backend="dask"``.
    ordered : bool
        Yield in task order (``True``) or as tasks finish (``False``: the caller must
        re-assemble results by a key it returns, so that results never depend on the order).
    """
    n_jobs = check_n_jobs(n_jobs)
    backend = check_backend(backend)
    if n_jobs == 1 and backend is None:
        for task in tasks:
            yield fn(*task)
        return
    import joblib

    mode = "generator" if ordered else "generator_unordered"
    worker = _InWorker(fn)
    calls = (joblib.delayed(worker)(*task) for task in tasks)
    if backend == "dask":
        client, owned = dask_client(scheduler, timeout=scheduler_timeout)
        try:
            with joblib.parallel_config(backend="dask"):
                yield from joblib.Parallel(n_jobs=n_jobs, return_as=mode)(calls)
        finally:
            if owned:
                client.close()
        return
    kwargs = {} if backend is None else {"backend": backend}
    with joblib.parallel_config(**kwargs):
        yield from joblib.Parallel(n_jobs=n_jobs, return_as=mode)(calls)
