"""Benchmark: ``boundkit refine`` end to end against fitting the base GMM in the same run.

Run with ``python -m pytest benchmarks/bench_refine.py --benchmark-enable -s``. Targets
(issue 16): digits (1,797 points, 64-D, ``gmm:10``, RKHS ball on 200 landmarks) under 60 s
and iris under 10 s on 2 cores. Each is reported in ``extra_info`` as seconds and as the
ratio to the time of fitting the same base GMM (``sklearn.mixture.GaussianMixture``) on the
same training split in the same run. ``BOUNDKIT_BENCH_SMALL=1`` shrinks the Monte Carlo sizes
for a smoke run.
"""

from __future__ import annotations

import time

import pytest
from _baseline import SMALL, report

from boundkit.cli import main
from boundkit.datasets import load_dataset, split_indices
from boundkit.models import fit_base_model

CASES = {
    "digits": ("gmm:10", 60.0),
    "iris": ("gmm:3", 10.0),
}


def _gmm_fit_seconds(name: str, spec: str) -> float:
    ds = load_dataset(name)
    sp = split_indices(ds.n, (0.6, 0.2, 0.2), seed=0)
    t0 = time.perf_counter()
    fit_base_model(spec, ds.x[sp.train], rng=0)
    return time.perf_counter() - t0


@pytest.mark.parametrize("name", list(CASES))
def test_refine_end_to_end(benchmark, name, tmp_path):
    spec, target = CASES[name]
    args = [
        "refine",
        "--dataset",
        name,
        "--model",
        spec,
        "--class",
        "rkhs",
        "--landmarks",
        "200",
        "--out",
        str(tmp_path),
        "--quiet",
        "--json",
    ]
    if SMALL:
        args += ["--n-eval", "2000", "--n-sigmas", "10", "--permutations", "20"]

    def run():
        assert main(args) == 0

    t_fit = _gmm_fit_seconds(name, spec)
    benchmark.pedantic(run, rounds=1, iterations=1)
    t0 = time.perf_counter()
    run()
    seconds = time.perf_counter() - t0
    report(
        benchmark,
        dataset=name,
        seconds=seconds,
        target_seconds=target,
        gmm_fit_seconds=t_fit,
        ratio_to_gmm_fit=seconds / t_fit,
    )
    assert seconds < target
