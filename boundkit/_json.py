r"""The one JSON policy of boundkit: plain data, and non-finite numbers as strings.

JSON has no infinity or NaN, yet boundkit's numbers are sometimes :math:`+\infty` by the
mathematics (a divergence when :math:`P \not\ll Q`, a conjugate outside its domain). Every
JSON document boundkit writes (CLI ``--json``, result files, verify records) goes through
:func:`jsonable`, which writes them as the strings ``"inf"``, ``"-inf"`` and ``"nan"``; the
output is strict JSON (``allow_nan=False``).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

__all__ = ["jsonable", "json_text"]


def jsonable(x: Any) -> Any:
    """``x`` as plain JSON data; non-finite floats become ``"inf"``, ``"-inf"``, ``"nan"``.

    Examples
    --------
    >>> jsonable({"a": float("inf"), "b": [1, 2.5, float("nan")]})
    {'a': 'inf', 'b': [1, 2.5, 'nan']}
    """
    if isinstance(x, Mapping):
        return {str(k): jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [jsonable(v) for v in x]
    if isinstance(x, (str, bool)) or x is None:
        return x
    if hasattr(x, "tolist") and hasattr(x, "dtype"):  # numpy arrays and scalars
        return jsonable(x.tolist())
    if isinstance(x, int):
        return x
    if isinstance(x, float):
        if math.isnan(x):
            return "nan"
        if math.isinf(x):
            return "inf" if x > 0 else "-inf"
        return x
    if isinstance(x, Path):
        return str(x)
    try:
        return jsonable(float(x))
    except (TypeError, ValueError):
        return str(x)


def json_text(obj: Any, *, indent: int | None = 2) -> str:
    """One strict JSON document of ``obj`` (through :func:`jsonable`; no bare ``Infinity``)."""
    return json.dumps(jsonable(obj), indent=indent, allow_nan=False)
