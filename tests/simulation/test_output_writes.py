"""How the output folder is written: the CSV template across its chunk and sample-size
boundaries, the cell layout (and the older one still read), and a process killed between
two blocks or in the middle of a cell write (nothing lost, nothing duplicated)."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from boundkit.simulation import _results, get_toy, load_results, simulate
from boundkit.simulation._results import SimulationResult

KW = {"n_replicates": 12, "seed": 4, "n_mc": 20, "block_size": 3, "progress": False}
SIZES = [5, 20]


def _reference_csv(name, table):
    """The bytes of csv.writer: ints as ``str(int)``, floats as ``repr(float)``."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    names = list(table)
    w.writerow(["toy", *names])
    for i in range(len(table["n"])):
        w.writerow(
            [name]
            + [
                str(int(table[k][i])) if k in ("n", "replicate") else repr(float(table[k][i]))
                for k in names
            ]
        )
    return buf.getvalue().encode()


def _tricky_table(replicate_offset=0):
    """Three runs of n (one of a single row); columns that are constant in a run, constant but
    for the sign of zero, NaN or inf throughout, subnormal and huge."""
    n = np.array([7] * 5 + [9] + [11] * 4, dtype=np.int64)
    k = n.size
    rep = np.array([0, 1, 2, 3, 4, 0, 0, 1, 2, 3], dtype=np.int64) + replicate_offset
    signed_zero = np.zeros(k)
    signed_zero[[2, 8]] = -0.0
    return {
        "n": n,
        "replicate": rep,
        "divergence": np.linspace(0.1, 1.0, k) / 3.0,
        "rademacher_n": np.where(n == 7, 0.125, 1 / 3),
        "signed_zero": signed_zero,
        "nan": np.full(k, np.nan),
        "inf": np.where(n == 9, -np.inf, np.inf),
        "tiny": np.full(k, 5e-324),
        "huge": np.full(k, 1.7976931348623157e308),
        "percent": np.full(k, 100.0),
    }


def _count_replicate_runs(monkeypatch, toy) -> dict[str, int]:
    """Count the calls of ``toy``'s ``run_replicates`` (blocks actually computed)."""
    calls = {"n": 0}
    original = type(toy).run_replicates

    def counted(self, n, seeds, **kw):
        calls["n"] += 1
        return original(self, n, seeds, **kw)

    monkeypatch.setattr(type(toy), "run_replicates", counted)
    return calls


@pytest.mark.parametrize("chunk", [1, 3, 4096])
@pytest.mark.parametrize("offset", [0, 2**60])
def test_csv_bytes_across_chunks_and_runs(tmp_path, monkeypatch, chunk, offset):
    """Chunks of 1 and 3 rows cut runs of n in the middle; ``-0.0`` among ``0.0`` is not a
    constant column (``==`` would say it is and write ``0.0``); a toy name with ``%`` and quotes
    survives the % template; replicate numbers >= 2**53 (not exact as floats) take the object
    path. The expected bytes come from csv.writer, not from the writer under test."""
    monkeypatch.setattr(_results, "CSV_CHUNK_ROWS", chunk)
    table = _tricky_table(offset)
    name = 'toy 100%d, "q"'
    res = SimulationResult(
        config={"toy": {"name": name}}, table=table, population={}, rademacher={}
    )
    res.to_csv(tmp_path / "a.csv")
    assert (tmp_path / "a.csv").read_bytes() == _reference_csv(name, table)


def test_csv_of_a_sweep_is_the_csv_module_bytes(tmp_path, monkeypatch):
    """A real sweep (gauss1d: C6a and R_n constant per n) over a chunk boundary."""
    monkeypatch.setattr(_results, "CSV_CHUNK_ROWS", 5)
    res = simulate("gauss1d-quadratic", [10, 40], **KW)
    res.to_csv(tmp_path / "a.csv")
    assert (tmp_path / "a.csv").read_bytes() == _reference_csv("gauss1d-quadratic", res.table)


def test_cells_of_the_older_layout_are_resumed(tmp_path, monkeypatch):
    """A folder whose cells hold one array per column (written by earlier versions, same
    configuration hash) resumes from them: nothing recomputed, the same table."""
    ref = simulate("finite", SIZES, **KW, out_dir=tmp_path)
    cells = sorted((tmp_path / "cells").glob("n*.npz"))
    assert len(cells) == 8
    for path in cells:
        with np.load(path) as z:
            assert sorted(z.files) == ["__columns__", "__data__"]
            cols = {str(k): z["__data__"][:, j] for j, k in enumerate(z["__columns__"])}
        np.savez(path, **cols)  # the older layout
    toy = get_toy("finite")
    calls = _count_replicate_runs(monkeypatch, toy)
    again = simulate(toy, SIZES, **KW, out_dir=tmp_path)
    assert calls["n"] == 0
    for k in ref.table:
        assert np.array_equal(again.table[k], ref.table[k], equal_nan=True), k


KILLER = textwrap.dedent(
    """
    import os, signal, sys
    from boundkit.simulation import _store, simulate

    mode, k = sys.argv[2], int(sys.argv[3])
    count = {"n": 0}
    real_save, real_write = _store.OutputFolder.save_cell, _store.atomic_write_bytes

    def save_then_die(self, n, start, stop, cols):
        real_save(self, n, start, stop, cols)
        count["n"] += 1
        if count["n"] == k:
            os.kill(os.getpid(), signal.SIGKILL)

    def die_mid_write(path, data):
        if path.suffix == ".npz":
            count["n"] += 1
            if count["n"] == k:
                with open(path.parent / (".tmp-killed" + path.suffix), "wb") as fh:
                    fh.write(data[: len(data) // 2])
                os.kill(os.getpid(), signal.SIGKILL)
        real_write(path, data)

    if mode == "between":
        _store.OutputFolder.save_cell = save_then_die
    else:
        _store.atomic_write_bytes = die_mid_write
    simulate("finite", [5, 20], n_replicates=12, seed=4, n_mc=20, block_size=3,
             progress=False, out_dir=sys.argv[1])
    """
)


@pytest.mark.parametrize("mode", ["between", "mid-write"])
def test_sigkill_loses_and_duplicates_nothing(tmp_path, monkeypatch, mode):
    """SIGKILL after the 3rd stored block, or halfway through writing the 3rd: the rerun
    computes exactly the 6 (or 5) blocks not stored, takes over the dead run's lock, and its
    results.csv is byte-identical to an uninterrupted run with 1 and with 2 workers."""
    out = tmp_path / "out"
    env = dict(os.environ, PYTHONPATH=os.getcwd())
    proc = subprocess.run(
        [sys.executable, "-c", KILLER, str(out), mode, "3"], env=env, capture_output=True
    )
    assert proc.returncode == -9, proc.stderr.decode()
    stored = sorted(p.name for p in (out / "cells").glob("n*.npz"))
    assert len(stored) == (3 if mode == "between" else 2)
    assert (out / ".lock").exists() and not (out / "results.csv").exists()

    toy = get_toy("finite")
    calls = _count_replicate_runs(monkeypatch, toy)
    resumed = simulate(toy, SIZES, **KW, out_dir=out)
    assert calls["n"] == 8 - len(stored)
    monkeypatch.undo()
    pairs = set(zip(resumed.table["n"].tolist(), resumed.table["replicate"].tolist(), strict=True))
    assert len(pairs) == len(resumed.table["n"]) == 2 * 12
    one = simulate("finite", SIZES, **KW, out_dir=tmp_path / "one")
    two = simulate("finite", SIZES, **KW, out_dir=tmp_path / "two", n_jobs=2)
    csv_bytes = (out / "results.csv").read_bytes()
    assert csv_bytes == (tmp_path / "one" / "results.csv").read_bytes()
    assert csv_bytes == (tmp_path / "two" / "results.csv").read_bytes()
    loaded = load_results(out)
    for k in one.table:
        assert np.array_equal(loaded.table[k], one.table[k]), k
        assert np.array_equal(two.table[k], one.table[k]), k
    assert not (out / ".lock").exists()


def test_csv_refuses_columns_of_different_lengths(tmp_path):
    table = _tricky_table()
    table["divergence"] = np.append(table["divergence"], 1.0)
    res = SimulationResult(config={"toy": {"name": "t"}}, table=table, population={}, rademacher={})
    with pytest.raises(ValueError, match="one length"):
        res.to_csv(tmp_path / "a.csv")


@pytest.mark.parametrize("damage", ["names", "shape"])
def test_a_cell_whose_names_and_matrix_disagree_is_corrupt(tmp_path, damage):
    """A cell of the names + matrix layout with a name too few, or a 1-d matrix, is refused
    with the one-line corrupt message (and recomputed with overwrite)."""
    from boundkit import BoundkitError

    ref = simulate("finite", SIZES, **KW, out_dir=tmp_path)
    path = tmp_path / "cells" / "n5_r0-3.npz"
    with np.load(path) as z:
        names, data = z["__columns__"], z["__data__"]
    if damage == "names":
        names = names[:-1]
    else:
        data = data.ravel()
    np.savez(path, __columns__=names, __data__=data)
    with pytest.raises(BoundkitError, match="n5_r0-3.npz is corrupt"):
        simulate("finite", SIZES, **KW, out_dir=tmp_path)
    again = simulate("finite", SIZES, **KW, out_dir=tmp_path, overwrite=True)
    for k in ref.table:
        assert np.array_equal(again.table[k], ref.table[k]), k
