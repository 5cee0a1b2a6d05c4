"""The one parallel layer (boundkit._parallel): validation, ordering, worker independence."""

from __future__ import annotations

import time

import numpy as np
import pytest

from boundkit._errors import BoundkitError
from boundkit._parallel import check_backend, check_n_jobs, dask_client, run_tasks


def _draw(seed: int, n: int) -> float:
    return float(np.random.default_rng(np.random.SeedSequence(seed)).normal(size=n).sum())


def _blas_threads(_: int) -> int:
    from threadpoolctl import threadpool_info

    return max((i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"), default=1)


@pytest.mark.parametrize(("n_jobs", "backend"), [(1, None), (2, None), (2, "threading")])
def test_results_do_not_depend_on_workers(n_jobs, backend):
    tasks = [(s, 50) for s in range(6)]
    serial = [_draw(*t) for t in tasks]
    assert list(run_tasks(_draw, tasks, n_jobs=n_jobs, backend=backend)) == serial


def test_unordered_mode_yields_every_result_once():
    tasks = [(s, 10) for s in range(5)]
    got = sorted(run_tasks(_draw, tasks, n_jobs=2, backend="threading", ordered=False))
    assert got == sorted(_draw(*t) for t in tasks)


def test_blas_is_limited_to_one_thread_inside_workers():
    assert list(run_tasks(_blas_threads, [(0,), (1,)], n_jobs=2, backend="threading")) == [1, 1]


@pytest.mark.parametrize("bad", [0, -2, 1.5, "two", True])
def test_bad_n_jobs_is_one_line(bad):
    with pytest.raises(BoundkitError, match="n_jobs"):
        check_n_jobs(bad)


def test_unknown_backend_names_the_choices():
    with pytest.raises(BoundkitError, match="unknown backend 'lokky'.*loky"):
        check_backend("lokky")
    assert check_backend("threading") == "threading" and check_backend(None) is None


def test_unreachable_scheduler_fails_fast():
    start = time.perf_counter()
    with pytest.raises(BoundkitError, match="cannot reach the dask scheduler"):
        dask_client("tcp://127.0.0.1:9", timeout=2.0)
    assert time.perf_counter() - start < 30.0
    with pytest.raises(BoundkitError, match="address"):
        dask_client("not-an-address")
