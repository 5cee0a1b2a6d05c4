r"""The one finite f-divergence, :func:`boundkit.generators.perspective_divergence`, at the
hard places: nearly equal pairs (down to :math:`|p - q| \approx 10^{-9}`), tiny and subnormal
masses, masses that are exactly zero, and P = Q.

The reference values below are :math:`\sum_i q_i f(p_i/q_i) + f'(\infty)\sum_{q_i=0} p_i`
computed with mpmath at 50 digits from the float inputs (which are dyadic: every near-equal pair
sums to 1 exactly). The generating code is kept here (``reference``, ``GENS``, ``CASES``);
regenerate the table with::

    python -c "import tests.generators.test_perspective as t; t.print_table()"

and ``test_table_matches_its_generating_code`` re-derives a sample of it on every run.
"""

from __future__ import annotations

import mpmath as mp
import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import boundkit.generators._perspective as persp
from boundkit.distributions import FiniteDistribution
from boundkit.duality import divergence
from boundkit.generators import get_generator, perspective_divergence

mp.mp.dps = 50
U = sp.Symbol("u", nonnegative=True)
GENS = {
    "kl": U * sp.log(U),
    "kl_standard": U * sp.log(U) - U + 1,
    "reverse_kl": -sp.log(U),
    "pearson": (U - 1) ** 2,
    "neyman": (U - 1) ** 2 / U,
    "squared_hellinger": (sp.sqrt(U) - 1) ** 2,
    "jensen_shannon": U * sp.log(U) - (U + 1) * sp.log((U + 1) / 2),
    "gan": U * sp.log(U) - (U + 1) * sp.log(U + 1),
    "total_variation": sp.Abs(U - 1) / 2,
    "jeffreys": (U - 1) * sp.log(U),
    "le_cam": (U - 1) ** 2 / (U + 1),
}
for a in ("-2", "-1/2", "1/2", "19/20", "3/2", "2", "3"):
    al = sp.Rational(a)
    GENS[f"alpha={a}"] = (U**al - 1 - al * (U - 1)) / (al * (al - 1))
N = 2**30
n = [N // 10, N // 5, 3 * N // 10]
n.append(N - sum(n))
CASES = {}
for delta in (10**7, 10**5, 10**3, 10, 1):
    d = [delta, -delta, 2 * delta, -2 * delta]
    CASES[f"near_{delta}"] = ([(a + b) / N for a, b in zip(n, d, strict=True)], [a / N for a in n])
CASES["equal"] = ([a / N for a in n], [a / N for a in n])
CASES["q_tiny"] = ([0.3, 0.3, 0.4], [0.5, 0.5, 2.0**-996])
CASES["q_subnormal"] = ([0.3, 0.3, 0.4], [0.5, 0.5, 2.0**-1030])
CASES["q_zero"] = ([0.3, 0.3, 0.4], [0.5, 0.5, 0.0])
CASES["p_tiny"] = ([0.5, 0.5, 2.0**-996], [0.3, 0.3, 0.4])
CASES["p_zero"] = ([0.5, 0.5, 0.0], [0.3, 0.3, 0.4])


def reference(f, p, q):
    """sum_i q_i f(p_i/q_i) + f'(inf) sum_{q_i=0} p_i at 50 digits, from the float inputs."""
    fm = sp.lambdify(U, f, "mpmath")
    fpinf = sp.limit(f / U, U, sp.oo)
    f0 = sp.limit(f, U, 0, "+")
    tot = mp.mpf(0)
    for pi, qi in zip(p, q, strict=True):
        pi, qi = mp.mpf(pi), mp.mpf(qi)
        if qi == 0:
            if pi > 0:
                tot += mp.inf if fpinf == sp.oo else pi * mp.mpf(sp.N(fpinf, 60))
        elif pi == 0:
            tot += mp.inf if f0 == sp.oo else qi * mp.mpf(sp.N(f0, 60))
        else:
            tot += qi * fm(pi / qi)
    return tot


def print_table() -> None:
    """Print the reference table (the block ``REFERENCE`` below)."""
    for g, f in GENS.items():
        for c, (p, q) in CASES.items():
            v = reference(f, p, q)
            big = mp.isinf(v) or abs(v) > mp.mpf("1.7976931348623157e308")
            print(f'    ("{g}", "{c}"): "{"inf" if big else mp.nstr(v, 20)}",')


REFERENCE = {
    ("kl", "near_10000000"): "0.001648304252714140227",
    ("kl", "near_100000"): "1.6622901246376149836e-7",
    ("kl", "near_1000"): "1.6624417992136602772e-11",
    ("kl", "near_10"): "1.6624433171800839355e-15",
    ("kl", "near_1"): "1.6624433309798896035e-17",
    ("kl", "equal"): "0.0",
    ("kl", "q_tiny"): "275.47682506807297016",
    ("kl", "q_subnormal"): "284.90362672368822689",
    ("kl", "q_zero"): "inf",
    ("kl", "p_tiny"): "0.51082562376599072021",
    ("kl", "p_zero"): "0.51082562376599072021",
    ("kl_standard", "near_10000000"): "0.001648304252714140227",
    ("kl_standard", "near_100000"): "1.6622901246376149836e-7",
    ("kl_standard", "near_1000"): "1.6624417992136602772e-11",
    ("kl_standard", "near_10"): "1.6624433171800839355e-15",
    ("kl_standard", "near_1"): "1.6624433309798896035e-17",
    ("kl_standard", "equal"): "0.0",
    ("kl_standard", "q_tiny"): "275.47682506807297016",
    ("kl_standard", "q_subnormal"): "284.90362672368822689",
    ("kl_standard", "q_zero"): "inf",
    ("kl_standard", "p_tiny"): "0.51082562376599072021",
    ("kl_standard", "p_zero"): "0.51082562376599072021",
    ("reverse_kl", "near_10000000"): "0.0016353223643576185503",
    ("reverse_kl", "near_100000"): "1.6621370400318554306e-7",
    ("reverse_kl", "near_1000"): "1.6624402659264544367e-11",
    ("reverse_kl", "near_10"): "1.6624433018469676367e-15",
    ("reverse_kl", "near_1"): "1.6624433294465777516e-17",
    ("reverse_kl", "equal"): "0.0",
    ("reverse_kl", "q_tiny"): "0.51082562376599072021",
    ("reverse_kl", "q_subnormal"): "0.51082562376599072021",
    ("reverse_kl", "q_zero"): "0.51082562376599072021",
    ("reverse_kl", "p_tiny"): "275.47682506807297016",
    ("reverse_kl", "p_zero"): "inf",
    ("pearson", "near_10000000"): "0.0033248866650264029355",
    ("pearson", "near_100000"): "3.3248866650264029355e-7",
    ("pearson", "near_1000"): "3.3248866650264029355e-11",
    ("pearson", "near_10"): "3.3248866650264029355e-15",
    ("pearson", "near_1"): "3.3248866650264029355e-17",
    ("pearson", "equal"): "0.0",
    ("pearson", "q_tiny"): "1.0715086071862674399e+299",
    ("pearson", "q_subnormal"): "inf",
    ("pearson", "q_zero"): "inf",
    ("pearson", "p_tiny"): "0.66666666666666672835",
    ("pearson", "p_zero"): "0.66666666666666672835",
    ("neyman", "near_10000000"): "0.003246926687975153921",
    ("neyman", "near_100000"): "3.3239681573074148137e-7",
    ("neyman", "near_1000"): "3.3248774653031678077e-11",
    ("neyman", "near_10"): "3.3248865730277051431e-15",
    ("neyman", "near_1"): "3.3248866558265318241e-17",
    ("neyman", "equal"): "0.0",
    ("neyman", "q_tiny"): "0.66666666666666672835",
    ("neyman", "q_subnormal"): "0.66666666666666672835",
    ("neyman", "q_zero"): "0.66666666666666672835",
    ("neyman", "p_tiny"): "1.0715086071862674399e+299",
    ("neyman", "p_zero"): "inf",
    ("squared_hellinger", "near_10000000"): "0.00082083543124210860787",
    ("squared_hellinger", "near_100000"): "8.3110678346432299692e-8",
    ("squared_hellinger", "near_1000"): "8.3122051628425772042e-12",
    ("squared_hellinger", "near_10"): "8.3122165475676281596e-16",
    ("squared_hellinger", "near_1"): "8.3122166510661683801e-18",
    ("squared_hellinger", "equal"): "0.0",
    ("squared_hellinger", "q_tiny"): "0.45080666151703327459",
    ("squared_hellinger", "q_subnormal"): "0.45080666151703327459",
    ("squared_hellinger", "q_zero"): "0.45080666151703327459",
    ("squared_hellinger", "p_tiny"): "0.45080666151703327459",
    ("squared_hellinger", "p_zero"): "0.45080666151703327459",
    ("jensen_shannon", "near_10000000"): "0.00082076422742594186441",
    ("jensen_shannon", "near_100000"): "8.3110677576127862046e-8",
    ("jensen_shannon", "near_1000"): "8.3122051628348676236e-12",
    ("jensen_shannon", "near_10"): "8.3122165475676273887e-16",
    ("jensen_shannon", "near_1"): "8.3122166510661683724e-18",
    ("jensen_shannon", "equal"): "0.0",
    ("jensen_shannon", "q_tiny"): "0.32779318006711934485",
    ("jensen_shannon", "q_subnormal"): "0.32779318006711934485",
    ("jensen_shannon", "q_zero"): "0.32779318006711934485",
    ("jensen_shannon", "p_tiny"): "0.32779318006711934485",
    ("jensen_shannon", "p_zero"): "0.32779318006711934485",
    ("gan", "near_10000000"): "-1.385473596892464677",
    ("gan", "near_100000"): "-1.3862942780092130427",
    ("gan", "near_1000"): "-1.3862943611115784137",
    ("gan", "near_10"): "-1.3862943611198897876",
    ("gan", "near_1"): "-1.3862943611198906105",
    ("gan", "equal"): "-1.3862943611198906188",
    ("gan", "q_tiny"): "-1.058501181052771274",
    ("gan", "q_subnormal"): "-1.058501181052771274",
    ("gan", "q_zero"): "-1.058501181052771274",
    ("gan", "p_tiny"): "-1.058501181052771274",
    ("gan", "p_zero"): "-1.058501181052771274",
    ("total_variation", "near_10000000"): "0.027939677238464355469",
    ("total_variation", "near_100000"): "0.00027939677238464355469",
    ("total_variation", "near_1000"): "2.7939677238464355469e-6",
    ("total_variation", "near_10"): "2.7939677238464355469e-8",
    ("total_variation", "near_1"): "2.7939677238464355469e-9",
    ("total_variation", "equal"): "0.0",
    ("total_variation", "q_tiny"): "0.4000000000000000222",
    ("total_variation", "q_subnormal"): "0.4000000000000000222",
    ("total_variation", "q_zero"): "0.4000000000000000222",
    ("total_variation", "p_tiny"): "0.4000000000000000222",
    ("total_variation", "p_zero"): "0.4000000000000000222",
    ("jeffreys", "near_10000000"): "0.0032836266170717587774",
    ("jeffreys", "near_100000"): "3.3244271646694704142e-7",
    ("jeffreys", "near_1000"): "3.3248820651401147139e-11",
    ("jeffreys", "near_10"): "3.3248866190270515722e-15",
    ("jeffreys", "near_1"): "3.3248866604264673551e-17",
    ("jeffreys", "equal"): "0.0",
    ("jeffreys", "q_tiny"): "275.98765069183896088",
    ("jeffreys", "q_subnormal"): "285.41445234745421761",
    ("jeffreys", "q_zero"): "inf",
    ("jeffreys", "p_tiny"): "275.98765069183896088",
    ("jeffreys", "p_zero"): "inf",
    ("le_cam", "near_10000000"): "0.0016412437547779428013",
    ("le_cam", "near_100000"): "1.6622135207103811161e-7",
    ("le_cam", "near_1000"): "1.6624410325638896925e-11",
    ("le_cam", "near_10"): "1.6624433095135251693e-15",
    ("le_cam", "near_1"): "1.6624433302132336714e-17",
    ("le_cam", "equal"): "0.0",
    ("le_cam", "q_tiny"): "0.50000000000000003469",
    ("le_cam", "q_subnormal"): "0.50000000000000003469",
    ("le_cam", "q_zero"): "0.50000000000000003469",
    ("le_cam", "p_tiny"): "0.50000000000000003469",
    ("le_cam", "p_zero"): "0.50000000000000003469",
    ("alpha=-2", "near_10000000"): "0.0016126952682193417152",
    ("alpha=-2", "near_100000"): "1.6618312404609849641e-7",
    ("alpha=-2", "near_1000"): "1.6624371993890486364e-11",
    ("alpha=-2", "near_10"): "1.6624432711807387399e-15",
    ("alpha=-2", "near_1"): "1.6624433263799540848e-17",
    ("alpha=-2", "equal"): "-3.3409558876152445577e-52",
    ("alpha=-2", "q_tiny"): "0.29629629629629633056",
    ("alpha=-2", "q_subnormal"): "0.29629629629629633056",
    ("alpha=-2", "q_zero"): "0.29629629629629633056",
    ("alpha=-2", "p_tiny"): "inf",
    ("alpha=-2", "p_zero"): "inf",
    ("alpha=-1/2", "near_10000000"): "0.0016292545457428395608",
    ("alpha=-1/2", "near_100000"): "1.6620605439419672894e-7",
    ("alpha=-1/2", "near_1000"): "1.6624394992874772594e-11",
    ("alpha=-1/2", "near_10"): "1.66244329418040995e-15",
    ("alpha=-1/2", "near_1"): "1.6624433286799218303e-17",
    ("alpha=-1/2", "equal"): "-2.6727647100921956461e-51",
    ("alpha=-1/2", "q_tiny"): "0.38799259831440753638",
    ("alpha=-1/2", "q_subnormal"): "0.38799259831440753638",
    ("alpha=-1/2", "q_zero"): "0.38799259831440753638",
    ("alpha=-1/2", "p_tiny"): "2.7603653312946563258e+149",
    ("alpha=-1/2", "p_zero"): "inf",
    ("alpha=1/2", "near_10000000"): "0.0016416708624842172157",
    ("alpha=1/2", "near_100000"): "1.6622135669286459938e-7",
    ("alpha=1/2", "near_1000"): "1.6624410325685154408e-11",
    ("alpha=1/2", "near_10"): "1.6624433095135256319e-15",
    ("alpha=1/2", "near_1"): "1.662443330213233676e-17",
    ("alpha=1/2", "equal"): "0.0",
    ("alpha=1/2", "q_tiny"): "0.90161332303406654919",
    ("alpha=1/2", "q_subnormal"): "0.90161332303406654919",
    ("alpha=1/2", "q_zero"): "0.90161332303406654919",
    ("alpha=1/2", "p_tiny"): "0.90161332303406654919",
    ("alpha=1/2", "p_zero"): "0.90161332303406654919",
    ("alpha=19/20", "near_10000000"): "0.0016476279703285848635",
    ("alpha=19/20", "near_100000"): "1.6622824674800196513e-7",
    ("alpha=19/20", "near_1000"): "1.662441722549007021e-11",
    ("alpha=19/20", "near_10"): "1.6624433164134280913e-15",
    ("alpha=19/20", "near_1"): "1.6624433309032240106e-17",
    ("alpha=19/20", "equal"): "8.0182941302765869384e-51",
    ("alpha=19/20", "q_tiny"): "8.0942704689748090161",
    ("alpha=19/20", "q_subnormal"): "8.0942704689748152421",
    ("alpha=19/20", "q_zero"): "8.0942704689748180105",
    ("alpha=19/20", "p_tiny"): "0.53090235852294368028",
    ("alpha=19/20", "p_zero"): "0.53090235852294368028",
    ("alpha=3/2", "near_10000000"): "0.001655226901383514538",
    ("alpha=3/2", "near_100000"): "1.6623667131640402457e-7",
    ("alpha=3/2", "near_1000"): "1.6624425658618889511e-11",
    ("alpha=3/2", "near_10"): "1.6624433248466425474e-15",
    ("alpha=3/2", "near_1"): "1.6624433317465455341e-17",
    ("alpha=3/2", "equal"): "-1.3363823550460978231e-51",
    ("alpha=3/2", "q_tiny"): "2.7603653312946563258e+149",
    ("alpha=3/2", "q_subnormal"): "3.6180660470345319393e+154",
    ("alpha=3/2", "q_zero"): "inf",
    ("alpha=3/2", "p_tiny"): "0.38799259831440753638",
    ("alpha=3/2", "p_zero"): "0.38799259831440753638",
    ("alpha=2", "near_10000000"): "0.0016624433325132014678",
    ("alpha=2", "near_100000"): "1.6624433325132014678e-7",
    ("alpha=2", "near_1000"): "1.6624433325132014678e-11",
    ("alpha=2", "near_10"): "1.6624433325132014678e-15",
    ("alpha=2", "near_1"): "1.6624433325132014678e-17",
    ("alpha=2", "equal"): "0.0",
    ("alpha=2", "q_tiny"): "5.3575430359313371995e+298",
    ("alpha=2", "q_subnormal"): "inf",
    ("alpha=2", "q_zero"): "inf",
    ("alpha=2", "p_tiny"): "0.33333333333333336417",
    ("alpha=2", "p_zero"): "0.33333333333333336417",
    ("alpha=3", "near_10000000"): "0.0016777764512790301696",
    ("alpha=3", "near_100000"): "1.6625966637008597548e-7",
    ("alpha=3", "near_1000"): "1.6624448658250780506e-11",
    ("alpha=3", "near_10"): "1.6624433478463202336e-15",
    ("alpha=3", "near_1"): "1.6624433340465133444e-17",
    ("alpha=3", "equal"): "-6.6819117752304891154e-52",
    ("alpha=3", "q_tiny"): "inf",
    ("alpha=3", "q_subnormal"): "inf",
    ("alpha=3", "q_zero"): "inf",
    ("alpha=3", "p_tiny"): "0.29629629629629633056",
    ("alpha=3", "p_zero"): "0.29629629629629633056",
}


def _generator(name):
    if name.startswith("alpha="):
        return get_generator("alpha", alpha=float(sp.Rational(name[6:])))
    return get_generator(name)


@pytest.mark.parametrize("name", sorted(GENS))
def test_against_the_50_digit_references(name):
    g = _generator(name)
    for case, (p, q) in CASES.items():
        ref = float(REFERENCE[(name, case)])
        got = perspective_divergence(g, np.array(p), np.array(q))
        if np.isinf(ref):
            assert got == np.inf, (name, case, got)
        elif case == "equal":  # exactly f(1): 0 for a normalised generator
            assert got == float(GENS[name].subs(U, 1)), (name, case, got)
        else:
            assert got == pytest.approx(ref, rel=1e-11, abs=1e-300), (name, case)


@pytest.mark.parametrize(
    "name, case",
    [
        ("kl", "near_1"),
        ("alpha=19/20", "near_1000"),
        ("jensen_shannon", "q_tiny"),
        ("reverse_kl", "p_tiny"),
        ("gan", "near_10"),
        ("total_variation", "near_1"),
    ],
)
def test_table_matches_its_generating_code(name, case):
    p, q = CASES[case]
    v = reference(GENS[name], p, q)
    assert mp.almosteq(v, mp.mpf(REFERENCE[(name, case)]), rel_eps=mp.mpf("1e-18"))


def test_the_expansion_near_p_equal_q_is_what_keeps_the_digits(monkeypatch):
    p, q = (np.array(x) for x in CASES["near_1"])
    ref = float(REFERENCE[("kl", "near_1")])
    g = get_generator("kl")
    assert perspective_divergence(g, p, q) == pytest.approx(ref, rel=1e-12, abs=0)
    monkeypatch.setattr(persp, "_R_SERIES", 0.0)  # no Taylor polynomial: cancellation
    assert perspective_divergence(g, p, q) != pytest.approx(ref, rel=1e-11, abs=0)


def test_the_reversed_perspective_is_what_avoids_overflow(monkeypatch):
    p, q = (np.array(x) for x in CASES["q_subnormal"])
    g = get_generator("kl")
    assert np.isfinite(perspective_divergence(g, p, q))
    monkeypatch.setattr(persp, "_R_REVERSED", np.inf)
    with pytest.raises(ValueError, match="NaN"):  # q f(p/q) as written overflows: inf - inf
        perspective_divergence(g, p, q)


seeds = st.integers(0, 2**32 - 1)


@settings(max_examples=60)
@given(seed=seeds, k=st.integers(2, 8), scale=st.sampled_from([1e-2, 1e-5, 1e-8]))
def test_swapped_generators_agree_on_near_equal_pairs(seed, k, scale):
    r"""KL(P||Q) = reverse KL(Q||P) and Pearson(P||Q) = Neyman(Q||P): two evaluation paths of one
    number (terms in r = (p - q)/q against terms in r' = (q - p)/p)."""
    rng = np.random.default_rng(seed)
    q = rng.dirichlet(np.ones(k))
    p = q * np.exp(scale * rng.normal(size=k))
    p /= p.sum()
    for a, b in (
        ("kl", "reverse_kl"),
        ("pearson", "neyman"),
        ("squared_hellinger", "squared_hellinger"),
    ):
        d1 = perspective_divergence(a, p, q)
        d2 = perspective_divergence(b, q, p)
        assert d1 >= 0.0
        assert d1 == pytest.approx(d2, rel=1e-9, abs=1e-300)


@settings(max_examples=40)
@given(seed=seeds, k=st.integers(1, 8))
def test_exactly_f1_at_p_equal_q(seed, k):
    p = np.random.default_rng(seed).dirichlet(np.ones(k))
    for name in ("kl", "reverse_kl", "pearson", "jensen_shannon", "le_cam", "total_variation"):
        assert perspective_divergence(name, p, p) == 0.0
    assert perspective_divergence("gan", p, p) == pytest.approx(-np.log(4.0), rel=1e-15)
    assert perspective_divergence(get_generator("alpha", alpha=0.95), p, p) == 0.0


def test_rows_and_divergence_call_the_same_function():
    rng = np.random.default_rng(2)
    P = rng.dirichlet(np.ones(5), size=7)
    Q = rng.dirichlet(np.ones(5), size=7)
    for name in ("kl", "le_cam", "total_variation"):
        rows = perspective_divergence(name, P, Q)
        assert rows.shape == (7,)
        for i in range(7):
            # a single small pair takes the scalar path (libm's log1p per term, numpy's SIMD
            # log1p in the batch): the same expression, equal to a few ulps
            assert rows[i] == pytest.approx(
                perspective_divergence(name, P[i], Q[i]), rel=4 * np.finfo(float).eps, abs=0
            )
    atoms = np.arange(5.0)
    res = divergence("jeffreys", FiniteDistribution(atoms, P[0]), FiniteDistribution(atoms, Q[0]))
    assert res.method == "exact" and res.value == perspective_divergence("jeffreys", P[0], Q[0])


@pytest.mark.parametrize("k", [3, 40])  # the scalar path (small support) and the numpy path
def test_a_wrong_constant_in_the_kernel_changes_divergence(monkeypatch, k):
    """A factor 2 in the one standard form phi reaches ``divergence`` on both paths."""
    rng = np.random.default_rng(k)
    atoms = np.arange(float(k))
    # concentrated weights: every ratio p/q in the usual range, where each term is q phi(r)
    P = FiniteDistribution(atoms, rng.dirichlet(np.full(k, 20.0)))
    Q = FiniteDistribution(atoms, rng.dirichlet(np.full(k, 20.0)))
    g = get_generator("pearson")
    good = divergence(g, P, Q).value
    right = persp._standard_expr
    monkeypatch.setattr(persp, "_standard_expr", lambda *a: 2 * right(*a))
    monkeypatch.delitem(g._cache, "perspective")  # recompiled from the doubled expression
    assert divergence(g, P, Q).value == pytest.approx(2.0 * good, rel=1e-13)


def _catalogue_generators():
    from boundkit.generators._catalogue import catalogue

    gens = dict(catalogue())
    gens.pop("alpha", None)  # symbolic parameter: numeric members below
    for a in (-2.0, -0.5, 0.5, 0.95, 1.5, 2.0, 3.0):
        gens[f"alpha={a}"] = get_generator("alpha", alpha=a)
    return gens


@pytest.mark.parametrize("name", sorted(_catalogue_generators()))
def test_the_scalar_small_support_path_agrees_with_the_numpy_path(monkeypatch, name):
    """Every catalogue generator compiles a scalar phi, and the scalar path (supports of at most
    ``_SCALAR_MAX`` atoms) agrees with the numpy path to rounding, on generic pairs, near-equal
    pairs (the Taylor polynomial) and ratios near both ends of the usual range."""
    g = _catalogue_generators()[name]
    assert persp._compile(g).phi_scalar is not None
    rng = np.random.default_rng(7)
    pairs = []
    for k in (1, 2, 4, 16):
        q = rng.dirichlet(np.ones(k))
        pairs.append((rng.dirichlet(np.ones(k)), q))
        p = q * np.exp(1e-4 * rng.normal(size=k))
        pairs.append((p / p.sum(), q))
    pairs.append((np.array([0.9999, 1e-4 * 0.5, 1e-4 * 0.5]), np.array([0.5 - 1e-7, 0.5, 1e-7])))
    pairs.append((np.array([0.5, 0.5 - 4e-4, 4e-4]), np.array([1e-4, 0.5, 0.5 - 1e-4])))
    scalar = [perspective_divergence(g, p, q) for p, q in pairs]
    monkeypatch.setattr(persp, "_SCALAR_MAX", 0)
    vector = [perspective_divergence(g, p, q) for p, q in pairs]
    np.testing.assert_allclose(scalar, vector, rtol=1e-13, atol=1e-300)


def test_a_generator_without_a_scalar_form_keeps_the_numpy_path(monkeypatch):
    """When the math-module compilation fails its check, ``phi_scalar`` is None and the small
    support takes the numpy path with the same value."""
    g = get_generator("jeffreys")
    p, q = np.array([0.2, 0.3, 0.5]), np.array([0.5, 0.3, 0.2])
    ref = perspective_divergence(g, p, q)
    monkeypatch.setattr(persp, "_scalar_phi", lambda *a: None)
    monkeypatch.delitem(g._cache, "perspective")
    assert persp._compile(g).phi_scalar is None
    assert perspective_divergence(g, p, q) == pytest.approx(ref, rel=1e-14)


def test_bad_inputs_raise_one_line():
    with pytest.raises(ValueError, match="sum to 1"):
        perspective_divergence("kl", [0.5, 0.6], [0.5, 0.5])
    with pytest.raises(ValueError, match="non-negative"):
        perspective_divergence("kl", [1.5, -0.5], [0.5, 0.5])
    with pytest.raises(ValueError, match="non-negative"):
        perspective_divergence("kl", [np.nan, 1.0], [0.5, 0.5])
    with pytest.raises(ValueError, match="one length"):
        perspective_divergence("kl", [0.5, 0.5], [0.2, 0.3, 0.5])
