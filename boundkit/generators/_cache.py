r"""An on-disk cache of derivations, so that a new process does not re-derive the catalogue.

A derivation is stored as a pickle under a key made of the expression (``sympy.srepr``), the
sympy version and a hash of the source of the modules that derive it: any change of the
derivation code invalidates every entry. The directory is ``$BOUNDKIT_CACHE_DIR`` or
``~/.cache/boundkit``; ``BOUNDKIT_NO_CACHE=1`` disables the cache. Any error while reading or
writing the cache is ignored (the derivation is then simply recomputed).
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import TypeVar

import sympy as sp

__all__ = ["cached_derivation", "cache_dir"]

R = TypeVar("R")

_SOURCES = ("_derive.py", "_expr.py", "_catalogue.py", "_cache.py")


def cache_dir() -> Path | None:
    """The cache directory, or None when caching is disabled.

    Returns
    -------
    pathlib.Path or None
    """
    if os.environ.get("BOUNDKIT_NO_CACHE", "").strip() not in ("", "0"):
        return None
    root = os.environ.get("BOUNDKIT_CACHE_DIR")
    base = Path(root) if root else Path.home() / ".cache" / "boundkit"
    return base / "derivations"


@lru_cache(maxsize=1)
def _code_hash() -> str:
    h = hashlib.sha256(sp.__version__.encode())
    here = Path(__file__).parent
    for name in _SOURCES:
        try:
            h.update((here / name).read_bytes())
        except OSError:
            h.update(name.encode())
    return h.hexdigest()[:20]


def cached_derivation(expr: sp.Expr, compute: Callable[[], R]) -> R:
    """Return ``compute()``, read from / written to the disk cache under ``expr``'s key.

    Parameters
    ----------
    expr : sympy.Expr
        The expression the result is a function of.
    compute : callable
        Computes the result when it is not cached.

    Returns
    -------
    object
    """
    root = cache_dir()
    if root is None:
        return compute()
    key = hashlib.sha256((_code_hash() + sp.srepr(expr)).encode()).hexdigest()[:40]
    path = root / f"{key}.pkl"
    try:
        with path.open("rb") as fh:
            return pickle.load(fh)  # noqa: S301 - our own cache files, keyed by content
    except Exception:  # noqa: BLE001 - a missing or unreadable entry is recomputed
        pass
    result = compute()
    try:
        root.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=root, suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            pickle.dump(result, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except Exception:  # noqa: BLE001 - caching is best effort
        pass
    return result
