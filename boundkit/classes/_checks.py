r"""A reusable check suite every discriminator class must pass (like sklearn's
``parametrize_with_checks``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from boundkit._errors import BoundkitError

__all__ = ["class_checks", "check_class"]

_RTOL = 1e-9


def _data(cls: Any, rng: np.random.Generator) -> np.ndarray:
    """Example points for ``cls`` (its ``_example_points`` hook, else 7 Gaussian points in 2-D)."""
    hook = getattr(cls, "_example_points", None)
    if hook is not None:
        return np.asarray(hook(rng), dtype=float)
    return rng.normal(size=(7, 2))


def _n(x: np.ndarray) -> int:
    return x.shape[0]


def check_params_stored_unchanged(cls: Any, rng: np.random.Generator) -> None:
    """Constructor arguments are stored unchanged (identity) and a clone has the same ones."""
    params = cls.get_params()
    clone = type(cls)(**params)
    for key, value in params.items():
        assert getattr(clone, key) is value, f"parameter {key} not stored unchanged"
    assert repr(clone) == repr(cls)


def check_set_params(cls: Any, rng: np.random.Generator) -> None:
    """``set_params`` accepts known names, rejects unknown ones."""
    params = cls.get_params()
    clone = type(cls)(**params)
    clone.set_params(**params)
    for key, value in params.items():
        assert getattr(clone, key) is value
    try:
        clone.set_params(no_such_parameter=1)
    except BoundkitError:
        pass
    else:
        raise AssertionError("set_params accepted an unknown parameter")


def check_support_dominates_members(cls: Any, rng: np.random.Generator) -> None:
    r""":math:`\sum_i v_i h(x_i) \le \sigma_{\mathcal H}(v)` for random members h."""
    x = _data(cls, rng)
    for _ in range(5):
        v = rng.normal(size=_n(x))
        sup = cls.support_function(x, v)
        for _ in range(4):
            h = cls.evaluate(cls.random_params(x, rng=rng), x)
            val = float(v @ h)
            assert val <= sup + _RTOL * max(1.0, abs(sup)), (val, sup)


def check_support_positively_homogeneous(cls: Any, rng: np.random.Generator) -> None:
    r""":math:`\sigma(c v) = c\,\sigma(v)` for :math:`c > 0`, and :math:`\sigma(0) = 0`."""
    x = _data(cls, rng)
    v = rng.normal(size=_n(x))
    base = cls.support_function(x, v)
    for c in (0.3, 1.0, 7.5):
        got = cls.support_function(x, c * v)
        assert abs(got - c * base) <= 1e-9 * max(1.0, abs(c * base)), (c, got, c * base)
    zero = cls.support_function(x, np.zeros(_n(x)))
    assert abs(zero) <= 1e-12, zero


def check_support_subadditive(cls: Any, rng: np.random.Generator) -> None:
    r""":math:`\sigma(u + v) \le \sigma(u) + \sigma(v)` (a support function is sublinear)."""
    x = _data(cls, rng)
    for _ in range(5):
        u, v = rng.normal(size=(2, _n(x)))
        lhs = cls.support_function(x, u + v)
        rhs = cls.support_function(x, u) + cls.support_function(x, v)
        assert lhs <= rhs + 1e-9 * max(1.0, abs(rhs)), (lhs, rhs)


def check_support_vectorised(cls: Any, rng: np.random.Generator) -> None:
    """Columns of ``v`` (n, m) give the same values as separate calls; shapes are right."""
    x = _data(cls, rng)
    V = rng.normal(size=(_n(x), 4))
    out = cls.support_function(x, V)
    assert isinstance(out, np.ndarray) and out.shape == (4,)
    for j in range(4):
        one = cls.support_function(x, V[:, j])
        assert isinstance(one, float)
        assert abs(out[j] - one) <= 1e-9 * max(1.0, abs(one))


def check_members_in_class(cls: Any, rng: np.random.Generator) -> None:
    """Random members have class norm at most B (classes with a ``norm`` method)."""
    if not hasattr(cls, "norm"):
        return
    x = _data(cls, rng)
    B = float(cls.B)
    for _ in range(5):
        nrm = cls.norm(cls.random_params(x, rng=rng))
        assert nrm <= B * (1 + 1e-9), (nrm, B)


def check_design_matrix_consistent(cls: Any, rng: np.random.Generator) -> None:
    r"""With a design matrix: :math:`\sigma(v) = B\|\Phi^\top v\|_q` and evaluate matches
    :math:`\Phi w`."""
    if not hasattr(cls, "design_matrix"):
        return
    x = _data(cls, rng)
    Phi = cls.design_matrix(x)
    assert Phi.ndim == 2 and Phi.shape[0] == _n(x)
    v = rng.normal(size=_n(x))
    expect = float(cls.B) * cls.dual_norm(Phi.T @ v)
    got = cls.support_function(x, v)
    assert abs(got - expect) <= 1e-8 * max(1.0, abs(expect)), (got, expect)
    w = cls.project(rng.normal(size=Phi.shape[1]) * 3.0)
    vals = cls.evaluate(cls.params_from_weights(x, w), x)
    assert np.allclose(vals, Phi @ w, rtol=1e-7, atol=1e-9)


def check_symmetric(cls: Any, rng: np.random.Generator) -> None:
    r"""Classes with ``H = -H`` (norm balls): :math:`\sigma(-v) = \sigma(v)`."""
    if not getattr(cls, "symmetric", False):
        return
    x = _data(cls, rng)
    v = rng.normal(size=_n(x))
    a, b = cls.support_function(x, v), cls.support_function(x, -v)
    assert abs(a - b) <= 1e-9 * max(1.0, abs(a)), (a, b)


def check_bad_inputs(cls: Any, rng: np.random.Generator) -> None:
    """NaN points, empty data and wrongly shaped ``v`` raise :class:`BoundkitError`."""
    x = _data(cls, rng)
    bad = []
    if not getattr(cls, "_fixed_support", False):
        x_nan = x.copy()
        x_nan[0, 0] = np.nan
        bad.append((x_nan, np.ones(_n(x))))
        bad.append((np.zeros((0, x.shape[1])), np.ones(0)))
    bad.append((x, np.ones(_n(x) + 1)))
    v_nan = np.ones(_n(x))
    v_nan[0] = np.nan
    bad.append((x, v_nan))
    for xb, vb in bad:
        try:
            cls.support_function(xb, vb)
        except BoundkitError:
            continue
        raise AssertionError(f"no BoundkitError for x {xb.shape}, v {vb.shape}")


_CHECKS: tuple[Callable[[Any, np.random.Generator], None], ...] = (
    check_params_stored_unchanged,
    check_set_params,
    check_support_dominates_members,
    check_support_positively_homogeneous,
    check_support_subadditive,
    check_support_vectorised,
    check_members_in_class,
    check_design_matrix_consistent,
    check_symmetric,
    check_bad_inputs,
)


def class_checks(cls: Any) -> Iterator[tuple[str, Callable[..., None]]]:
    r"""The checks every discriminator class must pass, as ``(name, check)`` pairs.

    Parameters
    ----------
    cls : DiscriminatorClass
        An instance of the class to check.

    Returns
    -------
    iterator of (str, callable)
        ``check(cls, rng)`` raises ``AssertionError`` on failure; use with
        ``pytest.mark.parametrize`` to get one test per check.

    Notes
    -----
    The properties checked are those of a support function
    :math:`\sigma_{\mathcal H}(v) = \sup_{h \in \mathcal H} \sum_i v_i h(x_i)`:

    .. math:: \sigma(cv) = c\,\sigma(v)\ (c > 0), \quad \sigma(u+v) \le \sigma(u)+\sigma(v),
        \quad \langle v, h(x)\rangle \le \sigma(v)\ \forall h \in \mathcal H,

    plus the constructor contract and clear errors on bad input.

    Examples
    --------
    >>> from boundkit.classes import LinearClass
    >>> [name for name, _ in class_checks(LinearClass())][:2]
    ['check_params_stored_unchanged', 'check_set_params']
    """
    for fn in _CHECKS:
        yield fn.__name__, fn


def check_class(cls: Any, *, rng: Any = None) -> None:
    """Run every check of :func:`class_checks` on ``cls``; raise ``AssertionError`` on failure.

    Examples
    --------
    >>> from boundkit.classes import LinearClass
    >>> check_class(LinearClass(p=1, B=2.0), rng=0)
    """
    gen = np.random.default_rng(rng)
    for _, fn in class_checks(cls):
        fn(cls, gen)
