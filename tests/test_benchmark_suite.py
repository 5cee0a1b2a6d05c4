r"""The documented benchmark command (README: ``python -m pytest benchmarks --benchmark-enable``)
must collect every benchmark file: ``bench_*.py`` is in ``python_files``, and a file that fails
to import, or defines no benchmark, fails this test."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_benchmark_file_is_collected():
    bench_files = sorted(p.name for p in (ROOT / "benchmarks").glob("bench_*.py"))
    assert bench_files, "no benchmarks/bench_*.py found"
    path = os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])
    env = dict(os.environ, PYTHONPATH=path)
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "benchmarks"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    ids = [line for line in proc.stdout.splitlines() if "::" in line]
    collected = {Path(line.split("::", 1)[0]).name for line in ids}
    missing = set(bench_files) - collected
    assert not missing, f"benchmark files collected with no test: {sorted(missing)}"


def test_compare_revisions_reads_times_and_ratios_only():
    """The before/after script keeps times and same-run ratios, keyed by the benchmark's
    identity, and nothing else a benchmark prints (sizes, targets, table rows)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "compare_revisions", ROOT / "benchmarks" / "compare_revisions.py"
    )
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    text = (
        ".generator=kl atoms=2000 report_s=0.3076 target_s=3 cvxpy_over_scipy_dual=9.12\n"
        "========== 16 passed in 45.74s ==========\n"
        ".n=20 t_exact=0.05687 n_compare=16 speedup_vs_python_loop=24.94\n"
    )
    got = mod._records(text)
    assert ("generator=kl atoms=2000", "report_s", 0.3076) in got
    assert ("generator=kl atoms=2000", "cvxpy_over_scipy_dual", 9.12) in got
    assert ("n=20", "t_exact", 0.05687) in got
    assert ("n=20", "speedup_vs_python_loop", 24.94) in got
    # target_s is a time-shaped key but a constant: it is kept, and equal on both sides
    assert {k for _, k, _ in got} == {
        "report_s", "target_s", "cvxpy_over_scipy_dual", "t_exact", "speedup_vs_python_loop",
    }  # fmt: skip
