"""The shared CLI layer: one loader, one class grammar, validated types."""

from __future__ import annotations

import argparse

import numpy as np
import pytest

from boundkit._errors import BoundkitError
from boundkit.cli import _common


def test_csv_with_and_without_header_load_the_same(tmp_path):
    data = np.array([[1.0, 2.0], [3.0, 4.5]])
    (tmp_path / "plain.csv").write_text("1,2\n3,4.5\n")
    (tmp_path / "header.csv").write_text("x1,x2\n1,2\n3,4.5\n")
    (tmp_path / "text.txt").write_text("1 2\n3 4.5\n")
    for name in ("plain.csv", "header.csv", "text.txt"):
        np.testing.assert_array_equal(
            _common.load_array(str(tmp_path / name), "--data", ndmin=2), data
        )


def test_loader_refuses_pickles_and_complex(tmp_path):
    np.save(tmp_path / "obj.npy", np.array([object()], dtype=object), allow_pickle=True)
    np.save(tmp_path / "c.npy", np.array([1j]))
    with pytest.raises(BoundkitError, match="pickle"):
        _common.load_array(str(tmp_path / "obj.npy"), "--x")
    with pytest.raises(BoundkitError, match="complex"):
        _common.load_array(str(tmp_path / "c.npy"), "--x")


@pytest.mark.parametrize(
    ("parse", "text"),
    [
        (_common.seed, "-1"),
        (_common.seed, "0.5"),
        (_common.positive_int, "0"),
        (_common.positive_float, "inf"),
        (_common.positive_float, "-2"),
        (_common.finite_float, "nan"),
        (_common.probability, "1"),
        (_common.probability, "1e-400"),  # underflows to 0
        (_common.workers, "0"),
        (_common.workers, "-2"),
    ],
)
def test_types_refuse_bad_values(parse, text):
    with pytest.raises(argparse.ArgumentTypeError):
        parse(text)


def test_types_accept_good_values():
    assert _common.seed("0") == 0 and _common.seed("12345678901234567890") == 12345678901234567890
    assert _common.workers("-1") == -1 and _common.probability("0.05") == 0.05


def _class_args(*argv):
    parser = argparse.ArgumentParser()
    _common.add_class_arguments(parser)
    _common.add_seed_argument(parser)
    return parser.parse_args(list(argv))


def test_one_class_grammar_builds_the_classes():
    from boundkit.classes import LinearClass, ReLUNetwork2, RKHSBall

    lin = _common.build_class(_class_args("--class", "linear-l1", "--B", "2"), 3)
    assert isinstance(lin, LinearClass) and lin.p == 1 and lin.B == 2.0
    rk = _common.build_class(_class_args("--class", "rkhs", "--gamma", "0.5"), 3)
    assert isinstance(rk, RKHSBall) and rk.gamma == 0.5
    net = _common.build_class(_class_args("--class", "relu2", "--width", "4"), 1)
    assert isinstance(net, ReLUNetwork2) and net.width == 4


def test_expression_features_evaluate_as_floats():
    x = np.linspace(1.0, 2.0, 4)[:, None]
    args = _class_args("--class", "linear-l2", "--features", "x, x**2, 2**10")
    cls = _common.build_class(args, 1)
    phi = cls.features(x)
    np.testing.assert_allclose(phi, np.column_stack([x[:, 0], x[:, 0] ** 2, np.full(4, 1024.0)]))
