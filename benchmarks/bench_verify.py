"""Benchmarks of ``verify``: time of ``--quick --search`` against plain ``--quick`` (ratio in
one run), the falsifier against random sampling (evaluations to the first counterexample, per
shipped false claim and on two near-miss variants, as a ratio), and the mutation kill scores
(by the package's tests and by ``verify --quick --search``).

Run: ``python -m pytest benchmarks/bench_verify.py -s -p no:cacheprovider`` (the kill scores
are a slow benchmark: ``-m slow``). ``BOUNDKIT_BENCH_SMALL=1`` shortens everything.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from _baseline import SMALL, report

ROOT = Path(__file__).resolve().parents[1]


def _mutants():
    spec = importlib.util.spec_from_file_location(
        "boundkit_bench_mutants", ROOT / "tests" / "claims" / "_mutants.py"
    )
    if spec.name in sys.modules:
        return sys.modules[spec.name]
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # dataclasses look their module up
    spec.loader.exec_module(mod)
    return mod


def _verify_cli(*args: str) -> float:
    env = dict(os.environ, PYTHONPATH=str(ROOT), OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "boundkit", "verify", "--quiet", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    return time.perf_counter() - t0


def test_verify_quick_search_time(benchmark):
    """``verify --quick --search`` (default budget) against ``verify --quick``, same run."""
    claims = ["--claim", "C2,C6a,C9,X2-c2-without-domain,X5-khintchine-no-sqrt2"] if SMALL else []
    plain, search = benchmark.pedantic(
        lambda: (_verify_cli("--quick", *claims), _verify_cli("--quick", "--search", *claims)),
        rounds=1,
        iterations=1,
    )
    report(
        benchmark,
        verify_quick_s=plain,
        verify_quick_search_s=search,
        ratio_search_over_plain=search / plain,
        limit_s=120.0,
    )
    assert search < 120.0


FALSE = {
    "X2-c2-without-domain": ("c2_null_set_space", {"restrict": False}),
    "X3-pearson-real-line": ("pearson_real_line_space", {}),
    "X4-c6a-with-rn": ("box_c6a_space", {"multiplier": 1.0}),
    "X5-khintchine-no-sqrt2": ("khintchine_space", {"lower_factor": float(np.sqrt(2.0))}),
}


@pytest.mark.parametrize("cid", list(FALSE))
def test_falsifier_against_random(benchmark, cid):
    """Mean evaluations to the first counterexample over seeds: falsifier (with and without the
    theory's starts) and uniform random sampling with the same budget, and catch rates."""
    import dataclasses

    from boundkit.claims import _families as F
    from boundkit.claims import falsify
    from boundkit.claims._falsifier import random_search

    name, kw = FALSE[cid]
    space = getattr(F, name)(**kw)
    bare = dataclasses.replace(space, starts=())
    budget = 150
    seeds = range(3 if SMALL else 10)

    def first(results):
        hits = [r.first_hit if r.found else budget + 1 for r in results]
        return float(np.mean(hits)), float(np.mean([r.found for r in results]))

    def run():
        return (
            first([falsify(space, budget=budget, seed=s) for s in seeds]),
            first([falsify(bare, budget=budget, seed=s) for s in seeds]),
            first([random_search(space, budget=budget, seed=s) for s in seeds]),
        )

    (f_mean, f_rate), (b_mean, b_rate), (r_mean, r_rate) = benchmark.pedantic(
        run, rounds=1, iterations=1
    )
    report(
        benchmark,
        claim=cid,
        budget=budget,
        falsifier_evals=f_mean,
        falsifier_rate=f_rate,
        no_starts_evals=b_mean,
        no_starts_rate=b_rate,
        random_evals=r_mean,
        random_rate=r_rate,
        ratio_random_over_falsifier=r_mean / f_mean,
        ratio_random_over_no_starts=r_mean / b_mean,
    )
    assert f_rate == 1.0


#: Near-miss variants (not shipped): a bracket off by 10% or 5%, where plain random instances
#: rarely land in the violating region; the falsifier runs *without* the theory's starts.
HARDER = {
    "khintchine-lower-x1.1": ("khintchine_space", {"lower_factor": 1.1}, 300),
    "khintchine-lower-x1.05": ("khintchine_space", {"lower_factor": 1.05}, 600),
}


@pytest.mark.parametrize("variant", list(HARDER))
def test_falsifier_search_against_random(benchmark, variant):
    """The search itself (no starts) against random sampling with the same budget, on false
    variants whose violating region is small: mean evaluations to the first counterexample
    (budget + 1 when none is found) and catch rates over 10 seeds."""
    import dataclasses

    from boundkit.claims import _families as F
    from boundkit.claims import falsify
    from boundkit.claims._falsifier import random_search

    name, kw, budget = HARDER[variant]
    space = dataclasses.replace(getattr(F, name)(**kw), starts=())
    seeds = range(3 if SMALL else 10)

    def first(results):
        hits = [r.first_hit if r.found else budget + 1 for r in results]
        return float(np.mean(hits)), float(np.mean([r.found for r in results]))

    def run():
        return (
            first([falsify(space, budget=budget, seed=s) for s in seeds]),
            first([random_search(space, budget=budget, seed=s) for s in seeds]),
        )

    (f_mean, f_rate), (r_mean, r_rate) = benchmark.pedantic(run, rounds=1, iterations=1)
    report(
        benchmark,
        variant=variant,
        budget=budget,
        search_evals=f_mean,
        search_rate=f_rate,
        random_evals=r_mean,
        random_rate=r_rate,
        ratio_random_over_search=r_mean / f_mean,
    )
    assert f_rate >= r_rate


#: The mutant is applied in the test process only: worker and child processes run the unmutated
#: code, so a test comparing their output with an in-process run fails for *any* change (not a
#: kill). These are deselected in the kill runs.
_IN_PROCESS_ONLY = (
    "not worker_independent and not concurrent_processes and not sigkill and not dask_local_cluster"
)


def _tests_kill(mutant) -> str | None:
    """The first test the mutant fails (None: it survives the package's tests)."""
    env = dict(
        os.environ,
        PYTHONPATH=f"{ROOT}:{ROOT / 'benchmarks'}",
        BOUNDKIT_MUTANT=mutant.name,
        OMP_NUM_THREADS="1",
        OPENBLAS_NUM_THREADS="1",
    )
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-x",
            "-p",
            "no:cacheprovider",
            "-p",
            "mutant_plugin",
            "-k",
            _IN_PROCESS_ONLY,
            *mutant.tests,
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=3600,
    )
    # a kill is a failing test; an error (the mutant failing to apply, a collection error)
    # would count every mutant as killed, so it fails the benchmark instead
    out = proc.stdout + proc.stderr
    failed = [ln.split(" ")[1] for ln in out.splitlines() if ln.startswith("FAILED ")]
    assert proc.returncode in (0, 1) and (proc.returncode == 0 or failed), out[-3000:]
    return failed[0] if failed else None


def _verify_kills(mutant) -> bool:
    import boundkit.simulation  # noqa: F401
    from boundkit.claims import registry, verify

    registry()
    mp = pytest.MonkeyPatch()
    try:
        mutant.apply(mp)
        records = verify(claims=list(mutant.claims), quick=True, search=150)
        return any(not r.as_expected for r in records)
    finally:
        mp.undo()
        _mutants().clear_caches()


@pytest.mark.slow
def test_mutation_kill_scores(benchmark):
    """Kill scores of the curated mutant suite, by tests and by ``verify --quick --search``."""
    mutants = _mutants().MUTANTS
    rows = []

    def run():
        for m in mutants:
            first = _tests_kill(m)
            rows.append((m.name, m.package, first is not None, _verify_kills(m)))
            print(
                f"{m.name:58s} {m.package:11s} tests={'killed' if rows[-1][2] else 'SURVIVED'}"
                f" verify={'killed' if rows[-1][3] else 'SURVIVED'}  ({first})",
                flush=True,
            )

    benchmark.pedantic(run, rounds=1, iterations=1)
    by_tests = np.mean([r[2] for r in rows])
    core = [r for r in rows if r[1] in ("bounds", "duality", "complexity")]
    by_verify_core = np.mean([r[3] for r in core])
    report(
        benchmark,
        mutants=len(rows),
        killed_by_tests=float(by_tests),
        killed_by_verify_all=float(np.mean([r[3] for r in rows])),
        killed_by_verify_bounds_duality_complexity=float(by_verify_core),
    )
