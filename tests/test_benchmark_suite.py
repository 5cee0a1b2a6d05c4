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
