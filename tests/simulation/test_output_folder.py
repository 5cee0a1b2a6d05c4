"""The output folder of a sweep: lock, refusal of another configuration, corrupt files, seeding."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from boundkit import BoundkitError
from boundkit.simulation import replicate_seeds, simulate
from boundkit.simulation._seeding import block_seeds

KW = {"n_replicates": 6, "seed": 1, "n_mc": 20, "block_size": 3, "progress": False}


def test_block_seeds_are_the_spawned_children():
    full = np.random.SeedSequence(11, spawn_key=(30, 0)).spawn(9)
    part = block_seeds(11, 30, 4, 9)
    for a, b in zip(full[4:], part, strict=True):
        assert a.spawn_key == b.spawn_key
        assert np.array_equal(a.generate_state(4), b.generate_state(4))
    assert len(replicate_seeds(11, 30, 9)) == 9


def test_a_live_lock_is_refused_and_a_stale_one_taken_over(tmp_path):
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        (tmp_path / ".lock").write_text(f"{sleeper.pid}\n")
        with pytest.raises(
            BoundkitError, match=f"in use by another simulate run \\(pid {sleeper.pid}"
        ):
            simulate("finite", [5], **KW, out_dir=tmp_path)
    finally:
        sleeper.kill()
        sleeper.wait()
    # the owner is gone: the lock is stale and taken over, then released
    res = simulate("finite", [5], **KW, out_dir=tmp_path)
    assert res.sizes == [5]
    assert not (tmp_path / ".lock").exists()


def test_another_configuration_is_refused_and_overwrite_recomputes(tmp_path):
    simulate("finite", [5], **KW, out_dir=tmp_path)
    other = dict(KW, seed=2)
    with pytest.raises(BoundkitError, match="different configuration"):
        simulate("finite", [5], **other, out_dir=tmp_path)
    res = simulate("finite", [5], **other, out_dir=tmp_path, overwrite=True)
    ref = simulate("finite", [5], **other)
    assert np.array_equal(res.table["divergence"], ref.table["divergence"])


def test_the_stamp_is_checked_before_every_cell_write(tmp_path, monkeypatch):
    """A process that rewrote the stamp mid-run (another configuration) stops this one."""
    from boundkit.simulation import _store

    real = _store.OutputFolder.save_cell
    calls = {"n": 0}

    def intruder(self, n, start, stop, cols):
        calls["n"] += 1
        if calls["n"] == 2:
            (self.cells / _store.STAMP_NAME).write_text('{"config_hash": "someone-else"}')
        return real(self, n, start, stop, cols)

    monkeypatch.setattr(_store.OutputFolder, "save_cell", intruder)
    with pytest.raises(BoundkitError, match="stamp of .* changed during the run"):
        simulate("finite", [5], **KW, out_dir=tmp_path)
    assert len(list((tmp_path / "cells").glob("*.npz"))) == 1


@pytest.mark.parametrize("target", ["cells/config.json", "cells/n5_r0-3.npz"])
def test_corrupt_files_give_one_line(tmp_path, target):
    simulate("finite", [5], **KW, out_dir=tmp_path)
    (tmp_path / target).write_bytes(b"\x00garbage")
    with pytest.raises(BoundkitError, match="corrupt.*recompute .*or pass --overwrite") as err:
        simulate("finite", [5], **KW, out_dir=tmp_path)
    assert "\n" not in str(err.value)
    res = simulate("finite", [5], **KW, out_dir=tmp_path, overwrite=True)
    ref = simulate("finite", [5], **KW)
    assert np.array_equal(res.table["divergence"], ref.table["divergence"])


def test_out_naming_a_file_is_refused(tmp_path):
    f = tmp_path / "afile"
    f.write_text("x")
    with pytest.raises(BoundkitError, match="exists and is not a directory"):
        simulate("finite", [5], **KW, out_dir=f)


@pytest.mark.parametrize("n_mc", [0, 1, -3, 2.5])
def test_n_mc_must_be_at_least_two(n_mc):
    with pytest.raises(BoundkitError, match="n_mc"):
        simulate("finite", [5], **dict(KW, n_mc=n_mc))


def test_negative_seed_refused():
    with pytest.raises(BoundkitError, match="seed"):
        simulate("finite", [5], **dict(KW, seed=-1))


def test_two_concurrent_processes_never_mix(tmp_path):
    """Two simulate processes with different seeds on one --out: one wins, the other exits 2
    with one stderr line (lock or different configuration), and the folder holds exactly the
    winner's sweep."""
    out = tmp_path / "out"
    env = dict(os.environ, PYTHONPATH=os.getcwd())
    base = [sys.executable, "-m", "boundkit", "simulate", "finite", "--n", "5,20,40"]
    base += [
        "--replicates",
        "40",
        "--block-size",
        "4",
        "--n-mc",
        "20",
        "--quiet",
        "--out",
        str(out),
    ]
    procs = [
        subprocess.Popen(
            [*base, "--seed", str(s)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        for s in (1, 2)
    ]
    outs = [p.communicate(timeout=120) for p in procs]
    codes = [p.returncode for p in procs]
    assert sorted(codes) == [0, 2], (codes, outs)
    loser = outs[codes.index(2)][1].decode().strip()
    assert len(loser.splitlines()) == 1 and "Traceback" not in loser
    assert "in use by another simulate run" in loser or "different configuration" in loser
    winner_seed = (1, 2)[codes.index(0)]
    from boundkit.simulation import load_results

    got = load_results(out)
    ref = simulate("finite", [5, 20, 40], n_replicates=40, block_size=4, n_mc=20, seed=winner_seed)
    for k in ref.table:
        assert np.array_equal(got.table[k], ref.table[k]), k
    assert not (out / ".lock").exists()


def test_csv_writer_writes_what_the_csv_module_writes(tmp_path):
    """The fast CSV writer (joined repr strings) gives the bytes of csv.writer, with a toy name
    that needs quoting."""
    import csv
    import io

    from boundkit.simulation import Experiment, get_toy

    base = get_toy("finite")
    ex = Experiment(base.P, base.Q, base.cls, "kl", name='odd, "name"')
    res = simulate(ex, [5], **KW)
    res.to_csv(tmp_path / "a.csv")
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    names = list(res.table)
    w.writerow(["toy", *names])
    for i in range(len(res.table["n"])):
        row = [ex.name]
        for k in names:
            v = res.table[k][i]
            row.append(str(int(v)) if k in ("n", "replicate") else repr(float(v)))
        w.writerow(row)
    assert (tmp_path / "a.csv").read_bytes() == buf.getvalue().encode()


@pytest.mark.parametrize("seed", [2.5, None, True])
def test_seed_goes_through_the_validation_layer(seed):
    with pytest.raises(BoundkitError, match="seed must be a non-negative integer"):
        simulate("finite", [5], **dict(KW, seed=seed))


def test_the_lock_file_holds_its_owner_pid_from_the_moment_it_exists(tmp_path, monkeypatch):
    """The lock appears by an atomic hard link of a file that already holds the pid: a second
    run can never read it empty, take it for stale and replace it (CI saw two runs holding the
    lock, caught only by the stamp check, when the pid was written after an O_EXCL create)."""
    import boundkit.simulation._store as store

    seen = []
    real_link = os.link

    def checking_link(src, dst, *a, **k):
        seen.append(Path(src).read_text())
        assert not Path(dst).exists()
        return real_link(src, dst, *a, **k)

    monkeypatch.setattr(store.os, "link", checking_link)
    with store.OutputFolder(tmp_path / "out", "hash") as folder:
        lock = folder.path / store.LOCK_NAME
        assert lock.read_text() == f"{os.getpid()}\n"
        assert sorted(p.name for p in folder.path.iterdir()) == sorted(["cells", lock.name])
    assert seen == [f"{os.getpid()}\n"]
    assert not lock.exists()


def test_a_stale_lock_taken_over_by_another_run_in_between_is_not_stolen(tmp_path, monkeypatch):
    """Two runs find the same stale lock; the first takes it over between the second's reading
    of the stale pid and its takeover: the second must not remove the first's live lock."""
    import boundkit.simulation._store as store

    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        out = tmp_path / "out"
        (out / "cells").mkdir(parents=True)
        dead = subprocess.Popen([sys.executable, "-c", "pass"])
        dead.wait()
        lock = out / store.LOCK_NAME
        lock.write_text(f"{dead.pid}\n")
        real_rename = os.rename
        calls = []

        def racing_rename(src, dst, *a, **k):
            if Path(src) == lock and not calls:  # the other run takes the stale lock over now
                calls.append(1)
                lock.unlink()
                lock.write_text(f"{sleeper.pid}\n")
            return real_rename(src, dst, *a, **k)

        monkeypatch.setattr(store.os, "rename", racing_rename)
        with pytest.raises(
            BoundkitError, match=f"in use by another simulate run \\(pid {sleeper.pid}"
        ):
            with store.OutputFolder(out, "hash"):
                pass
        assert calls and lock.read_text() == f"{sleeper.pid}\n"  # the live lock is back
        assert not list(out.glob("*.stale"))
    finally:
        sleeper.kill()
        sleeper.wait()
