"""The one JSON policy (boundkit._json): strict JSON, non-finite numbers as strings."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from boundkit._json import json_text, jsonable


def test_non_finite_numbers_are_strings_and_output_is_strict_json():
    doc = {"a": math.inf, "b": -np.inf, "c": np.float64("nan"), "d": np.arange(3), "e": (1.5,)}
    text = json_text(doc)
    assert "Infinity" not in text and "NaN" not in text
    assert json.loads(text) == {"a": "inf", "b": "-inf", "c": "nan", "d": [0, 1, 2], "e": [1.5]}


def test_numpy_scalars_and_bools_keep_their_type():
    out = jsonable({"i": np.int64(3), "f": np.float32(0.5), "t": np.bool_(True)})
    assert out == {"i": 3, "f": 0.5, "t": True}
    assert type(out["i"]) is int and type(out["t"]) is bool


def test_sympy_numbers_become_floats():
    sp = pytest.importorskip("sympy")
    assert jsonable(sp.Rational(1, 4)) == 0.25
    assert jsonable(sp.oo) == "inf"
