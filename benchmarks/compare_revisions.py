r"""Before/after benchmark: run one revision's benchmark files against two code trees.

``python benchmarks/compare_revisions.py OLD_REV [--rounds 2]`` checks out ``OLD_REV`` in a
temporary git worktree, copies *its* ``benchmarks/`` (so both trees run the same workloads and
the same same-run baselines), and runs those files ``--rounds`` times against each tree in
turn (old, new, old, new, ...; one BLAS thread), from a directory without a ``conftest.py`` so
that ``PYTHONPATH`` alone decides which ``boundkit`` is imported. Every ``key=value`` a benchmark
prints is collected; for each time (``*_s``, ``t_*``, ``*_seconds``) and each ratio against a
baseline of the same run (``*_ratio``, ``*_over_*``, ``ratio_*``) the best of the rounds is kept
and the table prints new / old (for ``speedup*`` keys old / new, so that above 1 is always
"slower now"). A benchmark whose file no longer imports against the new tree (a renamed API) is
listed as such. The exit status is 1 when some row is above ``--limit`` (default 1.10).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_TIME = re.compile(r"(_s|_seconds)$|^t_")
_RATIO = re.compile(r"ratio|_over_|speedup")


def _run(code: Path, bench: Path) -> str:
    env = dict(os.environ, PYTHONPATH=str(code), MPLBACKEND="Agg")
    env.update(OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    cmd = [
        sys.executable, "-m", "pytest", str(bench), "--benchmark-enable", "-s", "-q",
        "-p", "no:cacheprovider", "-c", os.devnull, "--rootdir", str(bench),
        "-o", "python_files=bench_*.py", "-W", "ignore", "--continue-on-collection-errors",
    ]  # fmt: skip
    return subprocess.run(cmd, cwd=bench, env=env, capture_output=True, text=True).stdout


def _records(text: str) -> list[tuple[str, str, float]]:
    """(benchmark identity, key, value) of every ``key=value`` line a benchmark printed."""
    out = []
    for line in text.splitlines():
        line = line.lstrip(".")
        pairs = dict(kv.split("=", 1) for kv in line.split() if "=" in kv)
        if not pairs or line.startswith("="):
            continue
        names = ("generator", "n", "points", "atoms")
        ident = " ".join(f"{k}={pairs[k]}" for k in names if k in pairs)
        for k, v in pairs.items():
            if _TIME.search(k) or _RATIO.search(k):
                try:
                    out.append((ident, k, float(v)))
                except ValueError:
                    continue
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("old_rev")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--limit", type=float, default=1.10)
    args = ap.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="bk-compare-"))
    old_tree, bench = tmp / "old", tmp / "bench"
    subprocess.run(
        ["git", "-C", str(ROOT), "worktree", "add", "-q", "--detach", str(old_tree), args.old_rev],
        check=True,
    )
    try:
        shutil.copytree(old_tree / "benchmarks", bench)
        best: dict[tuple[str, str], dict[str, float]] = defaultdict(dict)
        failed: dict[str, set[str]] = {"old": set(), "new": set()}
        for _ in range(args.rounds):
            for label, code in (("old", old_tree), ("new", ROOT)):
                text = _run(code, bench)
                failed[label] |= set(re.findall(r"^ERROR (\S+)", text, re.M))
                for ident, k, v in _records(text):
                    prev = best[(ident, k)].get(label)
                    better = max if k.startswith("speedup") else min
                    best[(ident, k)][label] = v if prev is None else better(prev, v)
        worst = 0.0
        print(f"{'benchmark':34s} {'quantity':28s} {'old':>10s} {'new':>10s} {'slower by':>9s}")
        for (ident, k), v in sorted(best.items()):
            if "old" not in v or "new" not in v or min(v.values()) <= 0:
                continue
            slow = v["old"] / v["new"] if k.startswith("speedup") else v["new"] / v["old"]
            worst = max(worst, slow)
            print(f"{ident:34s} {k:28s} {v['old']:10.4g} {v['new']:10.4g} {slow:9.3f}")
        for label, files in failed.items():
            for f in sorted(files):
                print(f"not run against the {label} tree (collection error): {f}")
        return 1 if worst > args.limit else 0
    finally:
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(old_tree)], check=False
        )
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
