r"""The one shift-functional kernel: fast paths against the general path, batches against rows,
the Q-null floor of C2, the refinement ratio, references at 50 digits and mutation tests.

References: :math:`\Lambda_f^Q[h]` for Pearson, reverse KL and squared Hellinger computed with
mpmath at 50 digits from the textbook links (typed here, in the test, never in the package):

* Pearson :math:`(f^*)'(t) = \max(1 + t/2, 0)`, :math:`f^*(t) = t + t^2/4` (:math:`t \ge -2`,
  -1 below),
* reverse KL :math:`(f^*)'(t) = -1/t`, :math:`f^*(t) = -1 - \log(-t)` (:math:`t < 0`),
* squared Hellinger :math:`(f^*)'(t) = (1 - t)^{-2}`, :math:`f^*(t) = t/(1 - t)` (:math:`t < 1`).
"""

from __future__ import annotations

import mpmath as mp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import boundkit.generators._shift as kernel
from boundkit.distributions import FiniteDistribution
from boundkit.duality import refine, variational_bound
from boundkit.generators import (
    catalogue_entries,
    conjugate_domain_end,
    fast_conjugate,
    fast_link,
    get_generator,
    is_kl,
    kl_affine_shift,
    log_partition,
    refinement_ratio,
    shift_functional,
)

NAMES = [e.name for e in catalogue_entries() if not e.params]
SPECS = [(n, None) for n in NAMES] + [("alpha", a) for a in (-0.5, 0.5, 2.0)]


def _gen(spec):
    name, alpha = spec
    return get_generator(name) if alpha is None else get_generator(name, alpha=alpha)


# ------------------------------------------------------------------------ fast numeric forms
@pytest.mark.parametrize("spec", SPECS, ids=lambda s: f"{s[0]}{'' if s[1] is None else s[1]}")
def test_fast_forms_equal_the_generator_numerics(spec):
    g = _gen(spec)
    t = np.concatenate([np.linspace(-30.0, 3.0, 400), [-1e6, -2.0, 0.0, 0.5, 1.0, np.log(2)]])
    np.testing.assert_allclose(fast_conjugate(g)(t), g.conjugate(t), rtol=1e-15, atol=0)
    np.testing.assert_allclose(fast_link(g)(t), g.link(t), rtol=1e-15, atol=0)
    assert fast_link(g)(t.reshape(2, -1)).shape == (2, t.size // 2)


# ------------------------------------------------------------------------ KL fast path
@pytest.mark.parametrize("expr", ["kl", "kl_standard", "u*log(u) + 3*(u - 1)", "u*log(u)"])
def test_kl_closed_form_equals_general_root_finder(expr, monkeypatch):
    g = get_generator(expr)
    assert is_kl(g)
    rng = np.random.default_rng(3)
    H = rng.normal(scale=3.0, size=(40, 7))
    w = rng.dirichlet(np.ones(7))
    fast = shift_functional(g, H, w)
    assert fast.method == "logsumexp"
    monkeypatch.setattr(kernel, "kl_affine_shift", lambda g: None)
    slow = shift_functional(g, H, w)
    assert slow.method == "root"
    np.testing.assert_allclose(fast.value, slow.value, rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(fast.nu, slow.nu, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(fast.ratio, slow.ratio, rtol=1e-11, atol=1e-14)
    # and the closed form itself: log sum_i w_i e^{h_i}
    ref = np.log(np.sum(w * np.exp(H), axis=1))
    np.testing.assert_allclose(fast.value, ref, rtol=1e-14, atol=1e-14)


def test_is_kl_recognises_by_value_only_kl():
    assert kl_affine_shift("kl_standard") == pytest.approx(-1.0)
    for name in NAMES:
        assert is_kl(name) == (name in ("kl", "kl_standard")), name
    assert not is_kl(get_generator("alpha", alpha=2.0))
    assert not is_kl("u*log(u) + (u - 1)**2")


def test_kl_path_does_not_overflow_for_large_h():
    h = np.array([800.0, 0.0, -800.0])
    w = np.array([0.2, 0.3, 0.5])
    lam = shift_functional("kl", h, w)
    assert lam.value == pytest.approx(800.0 + np.log(0.2), rel=1e-15)
    np.testing.assert_allclose(lam.ratio * w, [1.0, 0.0, 0.0], atol=1e-300)


def test_log_partition_against_mpmath_and_its_two_forms():
    """log sum_i w_i e^{a_i} at 40 digits (mpmath, written here), on rows with a spread of
    1600 (a naive sum overflows), a weight of 1e-300 and a zero weight with a = NaN there;
    the unweighted form on a = log w + h (the Newton solver's call) is the same number."""
    rng = np.random.default_rng(11)
    H = np.vstack([rng.normal(scale=4.0, size=(3, 6)), [800.0, -800.0, 0.0, 1.0, 2.0, 3.0]])
    w = np.array([0.1, 0.2, 1e-300, 0.3, 0.0, 0.4 - 1e-300])
    A = H.copy()
    A[:, 4] = np.nan  # weight zero: ignored whatever it is
    ref = []
    for row in H:
        terms = [mp.mpf(wi) * mp.exp(mp.mpf(x)) for wi, x in zip(w, row, strict=True) if wi]
        ref.append(float(mp.log(mp.fsum(terms))))
    got = log_partition(A, w)
    np.testing.assert_allclose(got, ref, rtol=2e-15, atol=0)
    with np.errstate(divide="ignore"):
        solver = log_partition(np.log(w) + H)
    np.testing.assert_allclose(solver, ref, rtol=2e-15, atol=0)
    assert log_partition(H[0], w).shape == ()
    # the kernel's KL value is this primitive, bit for bit
    np.testing.assert_array_equal(shift_functional("kl", H, w).value, log_partition(H, w))


@pytest.mark.parametrize(
    "a, w, match",
    [
        ([0.0, np.nan], [0.5, 0.5], "not finite"),
        ([0.0, np.inf], [0.5, 0.5], "not finite"),
        ([-np.inf, -np.inf], None, "not finite"),
        ([0.0, 1.0], [0.5, -0.5], "nonnegative"),
        ([0.0, 1.0], [0.5, np.nan], "nonnegative"),
        (np.zeros((2, 0)), None, "shape"),
    ],
)
def test_log_partition_refuses_what_has_no_finite_value(a, w, match):
    from boundkit._errors import BoundkitError

    with pytest.raises(BoundkitError, match=match):
        log_partition(np.array(a, dtype=float), w)


# ------------------------------------------------------------------------ batches and rows
@pytest.mark.parametrize("spec", SPECS, ids=lambda s: f"{s[0]}{'' if s[1] is None else s[1]}")
def test_batch_equals_rows(spec):
    """The vectorised regula falsi (batches) and Brent (one row) reach the same minimiser."""
    g = _gen(spec)
    rng = np.random.default_rng(11)
    H = rng.normal(scale=2.0, size=(25, 6))
    w = rng.dirichlet(np.ones(6))
    batch = shift_functional(g, H, w)
    assert batch.value.shape == batch.nu.shape == (25,) and batch.ratio.shape == H.shape
    for i in range(H.shape[0]):
        row = shift_functional(g, H[i], w)
        assert row.value == pytest.approx(batch.value[i], rel=1e-13, abs=1e-13)
        # the objective is flat at its minimum: nu agrees to the square root of rounding
        assert row.nu == pytest.approx(batch.nu[i], rel=1e-7, abs=1e-7)
    # the first-order condition (or the closed end of the domain)
    sup, closed = conjugate_domain_end(g)
    if not closed:
        np.testing.assert_allclose(batch.mass, 1.0, atol=1e-9)
    # per-row weights
    W = rng.dirichlet(np.ones(6), size=25)
    per_row = shift_functional(g, H, W)
    assert per_row.value[3] == pytest.approx(shift_functional(g, H[3], W[3]).value, rel=1e-13)


@settings(max_examples=40)
@given(seed=st.integers(0, 2**32 - 1), k=st.integers(1, 9), spec=st.sampled_from(SPECS))
def test_nu_minimises_the_objective(seed, k, spec):
    g = _gen(spec)
    rng = np.random.default_rng(seed)
    w = rng.dirichlet(np.ones(k))
    h = rng.normal(scale=2.0, size=k)
    lam = shift_functional(g, h, w)

    def obj(nu):
        with np.errstate(all="ignore"):
            return nu + float(np.sum(w * g.conjugate(h - nu)))

    assert lam.value == pytest.approx(obj(lam.nu), rel=1e-13, abs=1e-13)
    for d in (-1e-4, -1e-7, 1e-7, 1e-4):
        assert obj(lam.nu + d) >= lam.value - 1e-12 * (1.0 + abs(lam.value))


def test_zero_weight_atoms_are_ignored():
    g = get_generator("reverse_kl")
    h = np.array([0.3, -1.0, 50.0, 0.2])
    w = np.array([0.5, 0.5, 0.0, 0.0])
    full = shift_functional(g, h, w)
    part = shift_functional(g, h[:2], w[:2])
    assert full.value == pytest.approx(part.value, rel=1e-15)
    assert full.n == 2
    with pytest.raises(ValueError, match="NaN or infinite"):
        shift_functional(g, np.array([np.nan, 0.0]), np.array([0.5, 0.5]))
    with pytest.raises(ValueError, match="sum to"):
        shift_functional(g, h, np.array([0.5, 0.5, 0.1, 0.0]))


# ------------------------------------------------------------------------ the Q-null floor
@pytest.mark.parametrize("name", ["total_variation", "reverse_kl", "le_cam", "neyman"])
def test_q_null_floor_keeps_h_minus_nu_in_the_closed_domain(name):
    g = get_generator(name)
    sup, _ = conjugate_domain_end(g)
    h = np.array([0.1, -0.4, 0.3])
    w = np.array([0.3, 0.3, 0.4])
    free = shift_functional(g, h, w)
    h_null = np.array([free.nu + sup + 2.0])  # far above what the free optimum allows
    lam = shift_functional(g, h, w, h_null=h_null)
    assert lam.method == "floor"
    assert lam.nu == pytest.approx(h_null[0] - sup, rel=1e-15)
    assert h_null[0] - lam.nu <= sup
    assert lam.value > free.value
    # below the free optimum the floor changes nothing
    loose = shift_functional(g, h, w, h_null=np.array([free.nu + sup - 1.0]))
    assert loose.value == free.value and loose.nu == free.nu


def test_floor_gives_the_fprime_at_infinity_term_of_c2():
    r"""P charges an atom Q does not: sup_h E_P h - Lambda[h] = D_f with f'(inf) P(q = 0)."""
    P = FiniteDistribution([0.0, 1.0, 2.0], [0.2, 0.3, 0.5])
    Q = FiniteDistribution([0.0, 1.0, 2.0], [0.6, 0.4, 0.0])
    g = get_generator("total_variation")
    # h = f'(p/q) on supp Q and f'(inf) on the null atom
    h = np.array([-0.5, -0.5, 0.5])
    vb = variational_bound(g, h, P, Q)
    assert vb.value == pytest.approx(0.5 * (0.4 + 0.1 + 0.5), abs=1e-14)


# ------------------------------------------------------------------------ refinement ratio
@pytest.mark.parametrize("spec", SPECS, ids=lambda s: f"{s[0]}{'' if s[1] is None else s[1]}")
def test_refinement_ratio_is_the_link_at_h_minus_nu(spec):
    g = _gen(spec)
    rng = np.random.default_rng(5)
    h = rng.normal(size=6)
    w = rng.dirichlet(np.ones(6))
    lam = shift_functional(g, h, w)
    r = refinement_ratio(g, h, w)
    assert float(np.sum(w * r)) == pytest.approx(1.0, abs=1e-14)
    if conjugate_domain_end(g)[1]:  # total variation: the completed subgradient
        assert np.all(r >= g.link(h - lam.nu) - 1e-15)
    else:
        np.testing.assert_allclose(r, g.link(h - lam.nu), rtol=1e-8)
    np.testing.assert_allclose(refinement_ratio(g, h, w, nu=lam.nu), g.link(h - lam.nu))
    np.testing.assert_allclose(refine(FiniteDistribution(np.arange(6.0), w), h, g).pmf, w * r)


def test_total_variation_refinement_puts_missing_mass_on_the_top_atoms():
    h = np.array([1.0, 0.2, -2.0])
    w = np.array([0.2, 0.5, 0.3])
    lam = shift_functional("tv", h, w)
    assert lam.method == "boundary" and lam.nu == pytest.approx(0.5)
    # h - nu = (1/2, -3/10, -5/2), link 1 on (-1/2, 1/2], 0 below: mass 0.7, 0.3 to the top
    np.testing.assert_allclose(lam.ratio, [1.0 + 0.3 / 0.2, 1.0, 0.0])


# ------------------------------------------------------------------------ mpmath references
mp.mp.dps = 50
_REF_LINKS = {
    "pearson": (
        lambda t: mp.mpf(0) if t <= -2 else 1 + t / 2,
        lambda t: mp.mpf(-1) if t <= -2 else t + t**2 / 4,
    ),
    "reverse_kl": (lambda t: -1 / t, lambda t: -1 - mp.log(-t)),
    "squared_hellinger": (lambda t: 1 / (1 - t) ** 2, lambda t: t / (1 - t)),
}


def _mp_lambda(name, h, w):
    link, conj = _REF_LINKS[name]
    hs = [mp.mpf(float(x)) for x in h]
    ws = [mp.mpf(float(x)) for x in w]
    lo = {"pearson": min(hs) - 10, "reverse_kl": max(hs), "squared_hellinger": max(hs) - 1}[name]
    hi = max(hs) + 10
    for _ in range(400):  # bisection to 50 digits on the monotone first-order condition
        mid = (lo + hi) / 2
        if sum(wi * link(hi_ - mid) for wi, hi_ in zip(ws, hs, strict=True)) > 1:
            lo = mid
        else:
            hi = mid
    nu = (lo + hi) / 2
    return float(nu + sum(wi * conj(hi_ - nu) for wi, hi_ in zip(ws, hs, strict=True))), float(nu)


@pytest.mark.parametrize("name", sorted(_REF_LINKS))
@pytest.mark.parametrize(
    "h, w",
    [
        ([0.0, 1e-9], [0.5, 0.5]),  # nearly constant h: nu close to E h - f'(1)
        ([3.0, -3.0, 0.5], [1e-12, 0.5, 0.5 - 1e-12]),  # a tiny mass
        ([0.9, 0.95, -40.0], [0.3, 0.3, 0.4]),  # a spread spanning the domain end
    ],
)
def test_against_mpmath(name, h, w):
    ref_val, ref_nu = _mp_lambda(name, h, w)
    lam = shift_functional(name, np.array(h), np.array(w))
    assert lam.value == pytest.approx(ref_val, rel=1e-13, abs=1e-14)
    assert lam.nu == pytest.approx(ref_nu, rel=1e-8, abs=1e-8)


# ------------------------------------------------------------------------ mutation tests
def test_a_wrong_log_term_in_the_kl_closed_form_is_caught_downstream(monkeypatch):
    P = FiniteDistribution([0.0, 1.0, 2.0], [0.2, 0.3, 0.5])
    Q = FiniteDistribution([0.0, 1.0, 2.0], [0.5, 0.3, 0.2])
    h = np.array([0.2, -0.1, 0.4])
    right = kernel.log_partition
    monkeypatch.setattr(kernel, "log_partition", lambda a, w=None: right(a, w) + np.log(2.0))
    # the refined masses no longer sum to one: the kernel refuses instead of returning a value
    with pytest.raises(ValueError, match="refined masses"):
        variational_bound("kl", h, P, Q)
    with pytest.raises(ValueError, match="refined masses"):
        refine(Q, h, "kl")


def test_a_wrong_constant_in_the_objective_changes_the_dual(monkeypatch):
    P = FiniteDistribution([0.0, 1.0, 2.0], [0.2, 0.3, 0.5])
    Q = FiniteDistribution([0.0, 1.0, 2.0], [0.5, 0.3, 0.2])
    h = np.array([0.2, -0.1, 0.4])
    good = variational_bound("pearson", h, P, Q).value
    right = kernel._objective
    monkeypatch.setattr(kernel, "_objective", lambda *a: right(*a) + 1e-3)
    assert variational_bound("pearson", h, P, Q).value == pytest.approx(good - 1e-3, abs=1e-12)


def test_dropping_the_q_null_floor_changes_the_variational_bound(monkeypatch):
    P = FiniteDistribution([0.0, 1.0, 2.0], [0.2, 0.3, 0.5])
    Q = FiniteDistribution([0.0, 1.0, 2.0], [0.6, 0.4, 0.0])
    h = np.array([-0.5, -0.5, 3.0])  # h - nu on the null atom would leave dom f*
    good = variational_bound("tv", h, P, Q).value
    monkeypatch.setattr(kernel, "_null_floor", lambda *a: None)
    bad = variational_bound("tv", h, P, Q).value
    assert bad > good + 0.5  # without the floor the bound exceeds D_TV = 0.5: wrong
    assert good <= 0.5 + 1e-12
