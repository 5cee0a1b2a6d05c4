"""Sync and execute the notebooks in place, so that the committed .ipynb carry their outputs.

Usage (from the repository root)::

    python notebooks/execute.py                 # every notebook, full settings
    python notebooks/execute.py --smoke 02 03   # only notebooks 02 and 03, small settings

Each ``NN_name.py`` (jupytext py:percent) is first synced to ``NN_name.ipynb`` and then executed
with nbclient in the ``notebooks`` directory, with this checkout of boundkit on the path.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def main(argv: list[str] | None = None) -> int:
    """Sync and execute the selected notebooks; return 1 if one of them fails."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="notebook number prefixes (default: all)")
    parser.add_argument("--smoke", action="store_true", help="run with BOUNDKIT_SMOKE=1")
    parser.add_argument("--timeout", type=int, default=600, help="per-cell timeout (s)")
    args = parser.parse_args(argv)

    import jupytext
    from nbclient import NotebookClient

    env_path = os.environ.get("PYTHONPATH", "")
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env_path) if p)
    os.environ["BOUNDKIT_SMOKE"] = "1" if args.smoke else "0"
    pys = sorted(HERE.glob("[0-9][0-9]_*.py"))
    if args.names:
        pys = [p for p in pys if any(p.name.startswith(n) for n in args.names)]
    status = 0
    for py in pys:
        subprocess.run(["jupytext", "--sync", "--quiet", str(py)], check=True)
        ipynb = py.with_suffix(".ipynb")
        nb = jupytext.read(ipynb)
        start = time.perf_counter()
        client = NotebookClient(
            nb, timeout=args.timeout, kernel_name="python3", resources={"metadata": {"path": HERE}}
        )
        try:
            client.execute()
        except Exception as exc:  # noqa: BLE001 - reported and turned into the exit status
            print(f"{py.name}: FAILED: {type(exc).__name__}: {str(exc)[:2000]}", file=sys.stderr)
            status = 1
            continue
        jupytext.write(nb, ipynb)
        print(f"{ipynb.name}: executed in {time.perf_counter() - start:.1f} s")
    return status


if __name__ == "__main__":
    raise SystemExit(main())
