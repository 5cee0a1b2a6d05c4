"""The hypothesis strategies of boundkit.testing draw what they promise.

Every property is checked with an independent computation (closed forms written here, sympy
on the generator's own ``f``, brute-force maxima over grids), never with the strategy's code.
"""

from __future__ import annotations

import subprocess
import sys
from fractions import Fraction

import numpy as np
import pytest
import sympy as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from boundkit import BoundkitError
from boundkit.classes import FiniteClass, LinearClass, ReLUNetwork2, RKHSBall
from boundkit.distributions import FiniteDistribution
from boundkit.generators import Generator, catalogue_entries
from boundkit.testing import (
    FAST_GENERATORS,
    alpha_generators,
    alphas,
    discriminator_classes,
    finite_classes,
    finite_pairs,
    generator_names,
    generators,
    h_values,
    linear_classes,
    positive_combinations,
    relu_networks,
    rkhs_balls,
    samples,
    seeds,
)

U = sp.Symbol("u", nonnegative=True)


def test_import_is_lazy():
    code = "import sys, boundkit.testing\nassert 'hypothesis' not in sys.modules\n"
    subprocess.run([sys.executable, "-c", code], check=True)


# -- finite pairs ----------------------------------------------------------------------------


def _expected_shared(k: int, overlap: float, p_ll_q) -> int:
    """The documented overlap rule, written independently: round, then move by one atom."""
    shared = int(round(overlap * k))
    if p_ll_q or k == 1:
        shared = max(shared, 1)
    if p_ll_q is False:
        shared = min(shared, k - 1)
    return shared


def _check_pair(P, Q, *, overlap=None, p_ll_q=None):
    assert isinstance(P, FiniteDistribution) and isinstance(Q, FiniteDistribution)
    np.testing.assert_array_equal(P.atoms, Q.atoms)
    k = P.atoms.shape[0]
    assert np.unique(P.atoms, axis=0).shape[0] == k  # distinct atoms
    for w in (P.pmf, Q.pmf):
        assert np.all(w >= 0) and abs(w.sum() - 1) < 1e-12
    p, q = P.pmf > 0, Q.pmf > 0
    assert np.all(p | q), "every atom is charged by P or Q"
    if p_ll_q is True:
        assert not np.any(p & ~q)
    if p_ll_q is False:
        assert np.any(p & ~q)
    if overlap is not None:
        assert int(np.sum(p & q)) == _expected_shared(k, overlap, p_ll_q)
    return p, q


@pytest.mark.parametrize(
    ("overlap", "p_ll_q"),
    [
        (None, True),
        (None, False),
        (None, None),
        (0.5, True),
        (0.5, False),
        (0.0, None),
        (0.0, False),
        (1.0, True),
        (1.0, None),
        (0.25, False),
    ],
)
def test_finite_pairs_honour_overlap_and_absolute_continuity(overlap, p_ll_q):
    @given(finite_pairs(min_atoms=1, max_atoms=7, overlap=overlap, p_ll_q=p_ll_q))
    def check(pq):
        _check_pair(*pq, overlap=overlap, p_ll_q=p_ll_q)

    check()


def test_finite_pairs_dimension_and_weights():
    @given(finite_pairs(dim=2, min_atoms=3, max_atoms=5, min_weight=0.2))
    def check(pq):
        P, Q = pq
        assert P.dim == 2 and 3 <= P.atoms.shape[0] <= 5
        assert np.all(np.abs(P.atoms) <= 3.0) and np.all(P.atoms * 2 == np.round(P.atoms * 2))
        for w in (P.pmf, Q.pmf):  # charged weights are within a factor 1/0.2 of each other
            pos = w[w > 0]
            assert pos.max() / pos.min() <= 5.0 + 1e-12

    check()


def test_finite_pairs_either_draws_both_cases():
    kinds = set()

    @settings(max_examples=40)
    @given(finite_pairs(max_atoms=5, p_ll_q=None))
    def collect(pq):
        p, q = _check_pair(*pq)
        kinds.add("singular" if np.any(p & ~q) else "absolutely continuous")

    collect()
    assert kinds == {"singular", "absolutely continuous"}


@pytest.mark.parametrize(
    "kwargs",
    [
        {"overlap": 0.0, "p_ll_q": True},
        {"overlap": 1.0, "p_ll_q": False},
        {"overlap": 1.5},
        {"max_atoms": 1, "p_ll_q": False},
        {"min_atoms": 4, "max_atoms": 3},
        {"min_weight": 0.0},
        {"dim": 0},
    ],
)
def test_finite_pairs_bad_requests(kwargs):
    with pytest.raises(BoundkitError):
        finite_pairs(**kwargs)


# -- generators ------------------------------------------------------------------------------


def _fenchel_young_gap(g, t: float) -> float:
    """min over a u-grid of f(u) + f*(t) - u t, with f from sympy (independent of numerics)."""
    f = sp.lambdify(U, g.f, "numpy")
    u = np.linspace(1e-6, 30.0, 3001)
    with np.errstate(divide="ignore", invalid="ignore"):
        fu = np.asarray(f(u), dtype=float) * np.ones_like(u)
    return float(np.min(fu + float(g.conjugate(np.array([t]))[0]) - u * t))


@settings(max_examples=15)
@given(g=generators(), t=st.floats(-3.0, 0.45))
def test_generators_are_valid(g, t):
    assert isinstance(g, Generator) and g.name in FAST_GENERATORS
    assert sp.simplify(g.f.subs(U, 1)) == 0
    assert _fenchel_young_gap(g, t) >= -1e-9


def test_generator_names():
    every = {e.name for e in catalogue_entries() if not e.params}
    found = set()

    @settings(max_examples=60)
    @given(generator_names("all"))
    def collect(name):
        found.add(name)

    collect()
    assert found <= every and len(found) >= 3
    with pytest.raises(BoundkitError, match="unknown generator"):
        generator_names(["kl", "no-such-generator"])
    with pytest.raises(BoundkitError):
        generator_names([])


def test_alphas_are_simple_fractions_away_from_0_and_1():
    seen = set()

    @settings(max_examples=60)
    @given(alphas())
    def collect(a):
        seen.add(a)

    collect()
    # the default set, written out: halves in [-2, 3], no 0 or 1, no negative non-integer
    expected = {-2.0, -1.0, 0.5, 1.5, 2.0, 2.5, 3.0}
    assert seen <= expected and len(seen) >= 4
    third = set()

    @settings(max_examples=60)
    @given(alphas(min_value=0.2, max_value=0.9, max_denominator=3))
    def collect3(a):
        third.add(Fraction(a).limit_denominator(3))

    collect3()
    assert third <= {Fraction(1, 3), Fraction(1, 2), Fraction(2, 3)} and third
    with pytest.raises(BoundkitError):
        alphas(min_value=1.0, max_value=0.0)
    with pytest.raises(BoundkitError):
        alphas(min_value=0.9, max_value=0.95, max_denominator=1)


@settings(max_examples=3, suppress_health_check=[HealthCheck.too_slow])
@given(alpha_generators([2.0, 0.5]))
def test_alpha_generators_closed_form(g):
    a = sp.Rational(str(g.params["alpha"]))
    reference = (U**a - 1 - a * (U - 1)) / (a * (a - 1))  # the alpha family, written out
    assert a in (2, sp.Rational(1, 2))
    assert sp.simplify(g.f - reference) == 0


@settings(max_examples=4, suppress_health_check=[HealthCheck.too_slow])
@given(g=positive_combinations(["kl", "pearson"], coefficients=(1, 2)))
def test_positive_combinations_are_valid_generators(g):
    # f is c1 u log u + c2 (u - 1)^2 up to an affine term: recover c by least squares
    u = np.array([0.3, 0.7, 1.9, 2.6, 4.0])
    f = np.asarray(sp.lambdify(U, g.f, "numpy")(u), dtype=float)
    basis = np.stack([u * np.log(u), (u - 1) ** 2, u - 1, np.ones_like(u)], axis=1)
    c, *_ = np.linalg.lstsq(basis, f, rcond=None)
    assert np.allclose(basis @ c, f, atol=1e-10)
    assert min(abs(c[0] - 1), abs(c[0] - 2)) < 1e-9 and min(abs(c[1] - 1), abs(c[1] - 2)) < 1e-9
    assert sp.simplify(g.f.subs(U, 1)) == 0
    # convex: f'' > 0 on a grid (sympy derivative of the drawn f)
    f2 = sp.lambdify(U, sp.diff(g.f, U, 2), "numpy")
    assert np.all(np.asarray(f2(np.linspace(0.01, 50, 500))) > 0)
    # its conjugate is the supremum: brute force over a fine grid brackets it
    grid = np.linspace(0.0, 40.0, 400_001)
    fg = np.asarray(sp.lambdify(U, g.f, "numpy")(np.maximum(grid, 1e-300)), dtype=float)
    for t in (-2.0, 0.0, 1.5):
        brute = float(np.max(t * grid - fg))
        value = float(g.conjugate(np.array([t]))[0])
        assert brute - 1e-9 <= value <= brute + 1e-6


# -- values, classes, samples ------------------------------------------------------------------


@given(h_values(4, bound=2.0))
def test_h_values(h):
    assert h.shape == (4,) and h.dtype == np.float64
    assert np.all(np.isfinite(h)) and np.all(np.abs(h) <= 2.0)


def _support_closed_form(cls, x, v):
    """sup_h sum_i v_i h(x_i), written out for identity-feature linear classes and RBF balls."""
    if isinstance(cls, LinearClass):
        z = x.T @ v
        q = {1: np.inf, 2: 2, np.inf: 1}[cls.p]
        return cls.B * np.linalg.norm(z, ord=q)
    d2 = ((x[:, None, :] - x[None, :, :]) ** 2).sum(-1)
    K = np.exp(-cls.gamma * d2) if cls.kernel == "rbf" else np.exp(-cls.gamma * np.sqrt(d2))
    return cls.B * np.sqrt(max(v @ K @ v, 0.0))


@settings(max_examples=30)
@given(
    cls=st.one_of(linear_classes(features=("identity",)), rkhs_balls()),
    x=st.lists(st.floats(-2, 2), min_size=2, max_size=5).map(lambda a: np.array(a)[:, None]),
    data=st.data(),
)
def test_linear_and_rkhs_support_functions(cls, x, data):
    v = data.draw(h_values(x.shape[0], bound=1.0))
    bias = isinstance(cls, LinearClass) and cls.bias
    xb = np.hstack([x, np.ones_like(x)]) if bias else x
    expected = _support_closed_form(cls, xb, v)
    assert abs(cls.support_function(x, v) - expected) <= 1e-9 * max(1.0, expected)
    assert 0.1 <= cls.B <= 4.0


@settings(max_examples=20)
@given(discriminator_classes(("linear", "rkhs", "relu")))
def test_discriminator_classes_kinds(cls):
    assert isinstance(cls, LinearClass | RKHSBall | ReLUNetwork2)
    if isinstance(cls, ReLUNetwork2):
        assert 1 <= cls.width <= 8 and 0.1 <= cls.B1 <= 3 and 0.1 <= cls.B2 <= 3
    with pytest.raises(BoundkitError):
        discriminator_classes(("psychic",))


@settings(max_examples=20)
@given(cls=finite_classes(3, max_functions=4), data=st.data())
def test_finite_classes(cls, data):
    assert isinstance(cls, FiniteClass)
    values = np.asarray(cls.values)
    assert values.ndim == 2 and values.shape[1] == 3 and 1 <= values.shape[0] <= 4
    v = data.draw(h_values(3, bound=1.0))
    assert abs(cls.support_function(None, v) - max(row @ v for row in values)) <= 1e-12


def test_relu_networks_width():
    widths = set()

    @settings(max_examples=30)
    @given(relu_networks(max_width=3))
    def collect(cls):
        widths.add(cls.width)

    collect()
    assert widths <= {1, 2, 3}


@settings(max_examples=20)
@given(
    x=samples(
        FiniteDistribution([[0.0, 1.0], [2.0, 3.0], [4.0, 5.0]], [0.2, 0.3, 0.5]),
        min_size=2,
        max_size=9,
    ),
    seed=seeds(),
)
def test_samples_and_seeds(x, seed):
    assert x.shape[1] == 2 and 2 <= x.shape[0] <= 9
    assert set(map(tuple, x)) <= {(0.0, 1.0), (2.0, 3.0), (4.0, 5.0)}
    assert 0 <= seed < 2**32


@settings(max_examples=10)
@given(pq=finite_pairs(max_atoms=4), data=st.data())
def test_samples_from_a_drawn_distribution(pq, data):
    P, _ = pq
    x = data.draw(samples(st.just(P), min_size=5, max_size=5))
    support = {tuple(a) for a, w in zip(P.atoms, P.pmf, strict=True) if w > 0}
    assert x.shape == (5, 1) and set(map(tuple, x)) <= support
