r"""The output folder of a sweep: lock, configuration stamp, cached blocks, atomic writes.

Layout of ``OUT``: ``results.csv``, ``results.json``, ``.lock`` (while a sweep runs: the
owning process id) and ``cells/`` (``config.json``, the stamp of the configuration, and one
``n{n}_r{start}-{stop}.npz`` per finished block). A second sweep on the same folder is refused
while the first holds the lock, and every block is written only after checking that the stamp
still names this sweep's configuration, so two configurations never mix in one folder.
"""

from __future__ import annotations

import io
import json
import os
import tempfile
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from boundkit._errors import BoundkitError

__all__ = ["OutputFolder", "atomic_write_bytes"]

LOCK_NAME = ".lock"
STAMP_NAME = "config.json"
#: The members of a cell file: column names, then the matrix of the columns.
_CELL_MEMBERS = ("__columns__", "__data__")


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file and an atomic rename."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # pragma: no cover - a live process of another user
        return True
    return True


def _corrupt(path: Path) -> BoundkitError:
    return BoundkitError(
        f"{path} is corrupt (not written by boundkit simulate): recompute (delete it) or "
        "pass --overwrite"
    )


def _create_lock(lock: Path, filled: Path, text: str) -> None:
    """Create ``lock`` holding ``text``, or raise FileExistsError: a hard link of the already
    filled file ``filled`` (atomic); ``O_EXCL`` then a write where hard links do not exist."""
    try:
        os.link(filled, lock)
        return
    except FileExistsError:
        raise
    except OSError:  # no hard links here (e.g. some network file systems)
        pass
    fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
    with os.fdopen(fd, "w") as fh:
        fh.write(text)


class OutputFolder:
    r"""The output folder of one sweep, locked for the lifetime of the object's context.

    Parameters
    ----------
    path : path
        The folder (created if missing; an existing file is refused).
    config_hash : str
        The hash of the sweep's configuration (cells of another hash are not reused).
    overwrite : bool
        Discard the cells of another configuration, or corrupt ones, instead of refusing.
    """

    def __init__(self, path: str | Path, config_hash: str, *, overwrite: bool = False) -> None:
        self.path = Path(path)
        self.cells = self.path / "cells"
        self.config_hash = config_hash
        self.overwrite = overwrite
        self._locked = False
        self._stamp: bytes | None = None  # the bytes of the stamp this object wrote

    # ------------------------------------------------------------------ lock
    def __enter__(self) -> OutputFolder:
        for p in (self.path, self.cells):
            if p.exists() and not p.is_dir():
                raise BoundkitError(f"--out {p} exists and is not a directory: give a directory")
        try:
            self.cells.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise BoundkitError(f"cannot create the output directory {self.path}: {exc}") from None
        self._acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()

    def _acquire(self) -> None:
        """Take the lock file, which always holds its owner's pid when it exists.

        The pid is written to a private file first and hard-linked to the lock name (atomic,
        fails if the lock exists): a lock created empty and filled afterwards could be read
        empty by a second run, taken for a stale lock and replaced, leaving two runs holding it.
        Where hard links are not supported the lock is created with ``O_EXCL`` and then filled.
        """
        lock = self.path / LOCK_NAME
        mine = f"{os.getpid()}\n"
        tmp = self.path / f"{LOCK_NAME}.{os.getpid()}.tmp"
        tmp.write_text(mine)
        try:
            for _ in range(3):
                try:
                    _create_lock(lock, tmp, mine)
                except FileExistsError:
                    try:
                        owner = int(lock.read_text().strip() or "0")
                    except (OSError, ValueError):
                        owner = 0
                    if owner and _pid_alive(owner) and owner != os.getpid():
                        raise BoundkitError(
                            f"{self.path} is in use by another simulate run (pid {owner}); "
                            "wait for it or use another --out"
                        ) from None
                    # a stale lock (its process is gone): take it over. Renaming it to a
                    # private name succeeds for one run only; if the file moved is no longer
                    # the stale lock just read (another run took it over in between), it is a
                    # live lock: it is put back and this run refused
                    grave = self.path / f"{LOCK_NAME}.{os.getpid()}.stale"
                    try:
                        os.rename(lock, grave)
                    except FileNotFoundError:
                        continue
                    try:
                        moved = int(grave.read_text().strip() or "0")
                    except (OSError, ValueError):
                        moved = 0
                    if moved != owner and moved != os.getpid() and _pid_alive(moved):
                        try:
                            os.link(grave, lock)
                        except (FileExistsError, OSError):
                            pass
                        grave.unlink(missing_ok=True)
                        raise BoundkitError(
                            f"{self.path} is in use by another simulate run (pid {moved}); "
                            "wait for it or use another --out"
                        ) from None
                    grave.unlink(missing_ok=True)
                    continue
                self._locked = True
                return
        finally:
            tmp.unlink(missing_ok=True)
        raise BoundkitError(f"could not lock {self.path} (another run keeps taking it)")

    def release(self) -> None:
        """Remove the lock file (if this object holds it)."""
        if self._locked:
            self._locked = False
            try:
                (self.path / LOCK_NAME).unlink()
            except FileNotFoundError:  # pragma: no cover - removed by hand
                pass

    # ------------------------------------------------------------------ stamp
    def read_stamp(self) -> dict[str, Any] | None:
        """The stored stamp of a previous run of this configuration, or None.

        A stamp of another configuration is refused (or, with ``overwrite``, discarded with all
        its cells); so is a corrupt one.
        """
        stamp = self.cells / STAMP_NAME
        if not stamp.exists():
            return None
        try:
            old = json.loads(stamp.read_text())
            if not isinstance(old, dict) or not isinstance(old.get("config_hash"), str):
                raise ValueError
        except (ValueError, OSError, UnicodeDecodeError):
            if not self.overwrite:
                raise _corrupt(stamp) from None
            self._clear()
            return None
        if old["config_hash"] != self.config_hash:
            if not self.overwrite:
                raise BoundkitError(
                    f"{self.path} holds results of a different configuration; use another "
                    "output directory or overwrite=True (--overwrite)"
                )
            self._clear()
            return None
        return old

    def write_stamp(self, doc: Mapping[str, Any]) -> None:
        """Write the stamp ``doc`` (it must carry this configuration's hash)."""
        blob = dict(doc)
        blob["config_hash"] = self.config_hash
        data = json.dumps(blob).encode()
        atomic_write_bytes(self.cells / STAMP_NAME, data)
        self._stamp = data

    def _check_stamp(self) -> None:
        """Refuse to go on unless the stamp names this configuration: the bytes this object
        wrote (one read and a comparison, no JSON parse), or a stamp with this hash."""
        stamp = self.cells / STAMP_NAME
        try:
            raw = stamp.read_bytes()
            if self._stamp is not None and raw == self._stamp:
                return
            current = json.loads(raw).get("config_hash")
        except (ValueError, OSError, AttributeError):
            current = None
        if current != self.config_hash:
            raise BoundkitError(
                f"the configuration stamp of {self.path} changed during the run (another "
                "process wrote to it): results of this run were not stored"
            )

    def _clear(self) -> None:
        for p in self.cells.glob("*.npz"):
            p.unlink()
        stamp = self.cells / STAMP_NAME
        if stamp.exists():
            stamp.unlink()

    # ------------------------------------------------------------------ cells
    def cell_path(self, n: int, start: int, stop: int) -> Path:
        """The file of the block of replicates ``start:stop`` at sample size ``n``."""
        return self.cells / f"n{n}_r{start}-{stop}.npz"

    def load_cell(self, n: int, start: int, stop: int) -> dict[str, np.ndarray] | None:
        """The stored columns of a finished block, or None when it is not stored.

        Reads both layouts: the names and one matrix (:meth:`save_cell`), and one array per
        column (cells written by earlier versions, same configuration hash).
        """
        path = self.cell_path(n, start, stop)
        if not path.exists():
            return None
        try:
            with np.load(path, allow_pickle=False) as z:
                if sorted(z.files) == sorted(_CELL_MEMBERS):
                    names, data = z[_CELL_MEMBERS[0]], z[_CELL_MEMBERS[1]]
                    if names.ndim != 1 or data.ndim != 2 or data.shape[1] != names.size:
                        raise ValueError
                    cols = {str(k): data[:, j].copy() for j, k in enumerate(names.tolist())}
                else:
                    cols = {k: np.asarray(z[k]) for k in z.files}
            if not cols or any(v.ndim != 1 or v.shape[0] != stop - start for v in cols.values()):
                raise ValueError
        except (ValueError, OSError, EOFError, zipfile.BadZipFile, KeyError):
            if not self.overwrite:
                raise _corrupt(path) from None
            path.unlink()
            return None
        return cols

    def save_cell(self, n: int, start: int, stop: int, cols: Mapping[str, np.ndarray]) -> None:
        """Store a finished block, after checking the stamp still names this configuration.

        The block is one ``.npz`` of two members: the column names and the float matrix of
        the columns (one row per replicate), written through one atomic rename.
        """
        self._check_stamp()
        names = list(cols)
        data = np.empty((stop - start, len(names)), dtype=float)
        for j, k in enumerate(names):
            data[:, j] = cols[k]
        buf = io.BytesIO()
        np.savez(buf, **{_CELL_MEMBERS[0]: np.array(names, dtype=str), _CELL_MEMBERS[1]: data})
        atomic_write_bytes(self.cell_path(n, start, stop), buf.getvalue())
