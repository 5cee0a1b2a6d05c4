"""population="monte-carlo": agreement with exact populations within 4 standard errors, honest
standard errors, refusal of infinite (heavy-tailed) divergences, 3-D end to end, determinism.

False failures: each "within 4 se" comparison uses batch means over 32 batches (t with 31
degrees of freedom): P(|t| > 4) = 3.6e-4 per comparison; the seeds are fixed, so a run either
passes or fails for ever.
"""

from __future__ import annotations

import numpy as np
import pytest

from boundkit import BoundkitError
from boundkit.classes import LinearClass
from boundkit.distributions import Gaussian, GaussianMixture
from boundkit.duality import gaussian_divergence
from boundkit.plotting import bound_vs_gap_data, improvement_data
from boundkit.simulation import Experiment, load_results, simulate
from boundkit.simulation._mc_support import MC_BATCHES

TERMS = ("divergence_base", "divergence_best", "restricted_divergence", "ipm_base")
P1 = GaussianMixture([0.7, 0.3], [[-0.5], [1.5]], [[[0.5]], [[0.3]]])
Q1 = Gaussian([0.0], [[1.5]])
MU3 = np.array([0.6, 0.0, -0.3])
P3 = Gaussian(MU3, [[0.8, 0.2, 0.0], [0.2, 1.2, 0.0], [0.0, 0.0, 1.0]])
Q3 = Gaussian(np.zeros(3), np.eye(3))


class _Shifted:
    """A Gaussian whose logpdf is off by a constant (an unnormalised density)."""

    def __init__(self, base: Gaussian, shift: float) -> None:
        self.base, self.shift, self.dim = base, shift, base.dim

    def sample(self, n, *, rng=None):
        return self.base.sample(n, rng=rng)

    def logpdf(self, x):
        return self.base.logpdf(x) + self.shift


@pytest.mark.parametrize("gen", ["kl", "jensen_shannon"])
def test_mc_population_agrees_with_the_grid_in_1d(gen):
    """A 1-D mixture against a Gaussian (no closed form for D_f(P||Q)), where the grid route is
    exact to ~1e-9: every Monte Carlo term within 4 of its standard errors (4 comparisons:
    false failure <= 1.5e-3 for a random seed), and the standard errors small enough that a
    factor 2 or a wrong log term would be seen (below 10% of every term)."""
    cls = LinearClass("poly", degree=2, B=1.5)
    exact = Experiment(P1, Q1, cls, gen, population="grid").population()
    assert exact.quadrature_error < 1e-6
    mc = Experiment(P1, Q1, cls, gen, population="monte-carlo", mc_size=20_000, mc_seed=1)
    est = mc.population()
    assert est.stderr is not None and set(est.stderr) == set(TERMS)
    for k in TERMS:
        value, se = getattr(est, k), est.se(k)
        assert 0 < se < 0.1 * abs(getattr(exact, k)), (k, se)
        assert abs(value - getattr(exact, k)) < 4 * se + exact.quadrature_error, (k, value, se)


def test_mc_standard_errors_match_the_spread_over_seeds():
    """The batch-means se against the standard deviation of the estimates over 40 independent
    samples: the ratio lies in [0.6, 1.6] (sd over 40 seeds: chi^2 with 39 df, P(ratio
    outside) about 1e-4; the mean of 40 batch-means se is much tighter). An se off by a factor
    2 (or sd instead of sd / sqrt(B)) fails."""
    cls = LinearClass("poly", degree=2, B=0.5)
    est = [
        Experiment(P1, Q1, cls, "kl", population="monte-carlo", mc_size=8192, mc_seed=s)
        for s in range(40)
    ]
    pops = [e.population() for e in est]
    for k in TERMS:
        sd = np.std([getattr(p, k) for p in pops], ddof=1)
        se = np.mean([p.se(k) for p in pops])
        assert 0.6 < sd / se < 1.6, (k, sd, se)


def test_mc_population_of_3d_gaussians_against_closed_forms():
    """Two Gaussians in 3-D with linear tilts h = w.x, ||w|| <= 2: Q_h = N(w, I), so the best
    refinement is N(mu_P, I) (||w*|| = ||mu_P|| < 2), KL(P||Q_h*) = KL(P||N(mu_P, I)),
    D^H = KL(P||Q) - KL(P||Q_h*) (C5) and IPM = 2 ||mu_P|| (3 comparisons within 4 se)."""
    ex = Experiment(P3, Q3, LinearClass("identity", B=2.0), "kl", mc_size=20_000, mc_seed=3)
    assert ex.population_kind == "monte-carlo"  # auto: no grid in 3-D
    pop = ex.population()
    base = gaussian_divergence("kl", P3, Q3)
    assert pop.divergence_base == base and pop.se("divergence_base") == 0.0  # closed form
    best = gaussian_divergence("kl", P3, Gaussian(MU3, np.eye(3)))
    exact = {
        "divergence_best": best,
        "restricted_divergence": base - best,
        "ipm_base": 2.0 * np.linalg.norm(MU3),
    }
    for k, v in exact.items():
        assert abs(getattr(pop, k) - v) < 4 * pop.se(k), (k, getattr(pop, k), v, pop.se(k))
        assert pop.se(k) < 0.05 * v


def test_auto_choice_keeps_the_grid_where_it_was():
    cls = LinearClass("identity", B=1.0)
    assert Experiment(P1, Q1, cls, "kl").population_kind == "grid"
    mix3 = GaussianMixture([0.6, 0.4], [[1, 0, 0], [-1, 0.5, 0]], [np.eye(3) * 0.5, np.eye(3)])
    ex = Experiment(mix3, Gaussian(np.zeros(3), 1.5 * np.eye(3)), cls, "kl", mc_size=4096)
    assert ex.population_kind == "monte-carlo"
    assert ex.population().se("divergence_base") > 0  # a mixture: no closed form
    # a user model in 1-D with no known box (a wrapper, a refined model): Monte Carlo; with a
    # box given: the grid again
    user = _Shifted(Gaussian([0.2], [[0.8]]), 0.0)
    assert Experiment(user, Q1, cls, "kl", mc_size=4096).population_kind == "monte-carlo"
    assert Experiment(user, Q1, cls, "kl", box=[[-8.0, 8.0]]).population_kind == "grid"


def test_infinite_divergence_is_refused_not_estimated():
    """Pearson chi^2 of a mixture with a wide component (sd 2) against N(0, 1) is infinite; a
    Monte Carlo average of it is finite, so it must be refused (Pareto k-hat). The same pair
    under KL (finite) is estimated (and bounded summands are not mistaken for a heavy tail:
    see also the 20 seeds of the se test)."""
    P = GaussianMixture([0.5, 0.5], [[0.0], [0.0]], [[[1.0]], [[4.0]]])
    Q = Gaussian([0.0], [[1.0]])
    cls = LinearClass("identity", B=0.5)
    for seed in range(3):
        ex = Experiment(P, Q, cls, "pearson", population="monte-carlo", mc_size=4096, mc_seed=seed)
        with pytest.raises(BoundkitError, match=r"D_f\(P\|\|Q\) refused: .*heavy-tailed"):
            ex.population()
        with pytest.raises(BoundkitError, match="heavy-tailed"):
            simulate(ex, [10], n_replicates=2, n_mc=20, progress=False)
    kl = Experiment(P, Q, cls, "kl", population="monte-carlo", mc_size=4096).population()
    grid = Experiment(P, Q, cls, "kl", population="grid").population()
    assert abs(kl.divergence_base - grid.divergence_base) < 4 * kl.se("divergence_base")


def test_unnormalised_density_is_refused():
    cls = LinearClass("identity", B=1.0)
    with pytest.raises(BoundkitError, match=r"mean of p/m .*expected 1.*normalised"):
        Experiment(_Shifted(P3, 0.3), Q3, cls, "kl", mc_size=4096)
    Experiment(_Shifted(P3, 0.0), Q3, cls, "kl", mc_size=4096)  # the same, normalised: accepted


def test_mc_options_are_checked():
    cls = LinearClass("identity", B=1.0)
    with pytest.raises(BoundkitError, match="mc_size must be an integer >= 4096"):
        Experiment(P3, Q3, cls, "kl", mc_size=100)
    with pytest.raises(BoundkitError, match="mc_seed must be a non-negative integer"):
        Experiment(P3, Q3, cls, "kl", mc_seed=-1, population="monte-carlo")
    fin = Experiment.__init__  # noqa: F841 - finite pairs are refused
    from boundkit.distributions import FiniteDistribution

    F = FiniteDistribution([[0.0], [1.0]], [0.5, 0.5])
    with pytest.raises(BoundkitError, match="needs densities; P is finite"):
        Experiment(F, F, cls, "kl", population="monte-carlo")


def _mc_experiment() -> Experiment:
    return Experiment(P3, Q3, LinearClass("identity", B=2.0), "kl", name="g3", mc_size=4096)


def test_3d_sweep_end_to_end_reproducible_and_worker_independent(tmp_path):
    kw = {"n_replicates": 8, "seed": 2, "n_mc": 40, "block_size": 4, "progress": False}
    one = simulate(_mc_experiment(), [10, 30], n_jobs=1, out_dir=tmp_path / "one", **kw)
    two = simulate(_mc_experiment(), [10, 30], n_jobs=2, out_dir=tmp_path / "two", **kw)
    a = (tmp_path / "one" / "results.csv").read_bytes()
    assert a == (tmp_path / "two" / "results.csv").read_bytes()
    assert one.population == two.population
    toy = one.config["toy"]
    assert toy["population"] == "monte-carlo" and toy["mc_size"] == 4096
    assert toy["population_estimate"].startswith("Monte Carlo: 4096 points")
    assert "closed form" in toy["population_estimate"]
    for col in ("divergence", "excess", "improvement", "ipm", "c7_slack", "bound_C6a"):
        se = one.column(f"{col}_mc_se")
        assert np.all(np.isfinite(se)) and np.all(se >= 0), col
    assert np.all(one.column("excess_mc_se") > 0)
    # improvement = closed-form D(P||Q) - D(P||Q_hn): the se of D(P||Q_hn) alone
    imp, div = one.column("improvement_mc_se"), one.column("divergence_mc_se")
    assert np.allclose(imp, div, rtol=1e-9, atol=0)
    assert np.all(one.column("bound_C6a_mc_se") == one.population["divergence_best_se"])
    other = simulate(
        Experiment(P3, Q3, LinearClass("identity", B=2.0), "kl", mc_size=4096, mc_seed=1),
        [10],
        **kw,
    )
    assert other.population["divergence_best"] != one.population["divergence_best"]


def test_summary_json_csv_and_figures_carry_the_mc_error(tmp_path):
    res = simulate(_mc_experiment(), [10, 30], n_replicates=10, seed=0, n_mc=40, out_dir=tmp_path)
    back = load_results(tmp_path)
    assert back.summary() == res.summary()
    assert back.population["divergence_best_se"] == res.population["divergence_best_se"] > 0
    rows = res.summary()
    for row in rows:
        x = res.column("excess", row["n"])
        rep = x.std(ddof=1) / np.sqrt(x.size)
        mc = res.column("excess_mc_se", row["n"]).mean()
        assert row["excess_se_replicates"] == pytest.approx(rep, rel=1e-12)
        assert row["excess_mc_se"] == pytest.approx(mc, rel=1e-12)
        assert row["excess_se"] == pytest.approx(np.hypot(rep, mc), rel=1e-12)
        assert row["bound_C6a_mc_se"] == res.population["divergence_best_se"]
    gap = bound_vs_gap_data(res)
    assert np.allclose(gap.se, [r["excess_se"] for r in rows])
    imp = improvement_data(res)
    (band,) = imp.curve_se.values()
    rn_se = np.array([res.rademacher[str(n)]["stderr"] for n in res.sizes])
    dh_se = res.population["restricted_divergence_se"]
    assert dh_se > 0 and np.all(band >= dh_se)
    assert np.allclose(band, np.hypot(2 * rn_se, dh_se), rtol=1e-12, atol=0)


def test_grid_and_finite_results_have_no_mc_columns():
    res = simulate(
        Experiment(P1, Q1, LinearClass("poly", degree=2, B=0.5), "kl", n_grid=64),
        [10],
        n_replicates=4,
        n_mc=20,
        progress=False,
    )
    assert not [k for k in res.table if k.endswith("_mc_se")]
    assert "divergence_best_se" not in res.population
    assert "excess_se_replicates" not in res.summary()[0]


def test_batches_split_p_and_q_draws_evenly():
    sup = _mc_experiment().support
    assert sup.kind == "monte-carlo" and sup.x.shape == (4096, 3)
    for half in (sup.batch[:2048], sup.batch[2048:]):  # the draws of P, then those of Q
        assert np.all(np.bincount(half, minlength=MC_BATCHES) == 2048 // MC_BATCHES)
    assert np.isclose(sup.p.sum(), 1.0) and np.isclose(sup.q.sum(), 1.0)


def test_per_replicate_heavy_tail_is_refused(monkeypatch):
    r"""The population passes, but a replicate whose fitted :math:`h_n` makes
    :math:`dQ_{h_n}/dQ` heavy-tailed is refused in ``run_replicates`` itself. With
    :math:`h_n = |x|^2/2` and :math:`Q = N(0, I_3)`, :math:`r \propto e^{|x|^2/2}` has
    :math:`P(r > t) \approx t^{-1}` (Pareto :math:`k \approx 1 > 0.7`); a linear
    :math:`h_n = 0.3 x_1` has a light tail (:math:`k \approx 0.15`) and passes. Deterministic
    (fixed seeds): no false failures."""
    ex = Experiment(P3, Q3, LinearClass("identity", B=2.0), "kl", mc_size=4096, mc_seed=0)
    ex.population()  # the population terms pass the tail check
    x = ex.support.x
    light = x @ np.array([0.3, 0.0, 0.0])
    heavy = 0.5 * np.sum(x * x, axis=1)
    seeds = np.random.SeedSequence(0).spawn(2)
    monkeypatch.setattr(ex, "fit_values", lambda m, samples, *seeds: np.vstack([light, light]))
    out = ex.run_replicates(10, seeds, n_mc_sigma=20)
    assert np.all(np.isfinite(out["divergence"]))
    monkeypatch.setattr(ex, "fit_values", lambda m, samples, *seeds: np.vstack([light, heavy]))
    with pytest.raises(BoundkitError) as err:
        ex.run_replicates(10, seeds, n_mc_sigma=20)
    msg = str(err.value)
    assert msg.startswith("Monte Carlo estimate of D_f(P||Q_hn) refused: its summands are ")
    assert "heavy-tailed (Pareto k-hat = " in msg and "> 0.7" in msg and "\n" not in msg
    k = float(msg.split("k-hat = ")[1].split(" ")[0])
    assert 0.9 < k < 1.6, msg


def test_refinement_tail_index_and_its_refusal():
    r"""``divergence_khat`` on a ratio with a known tail: :math:`r = U^{-1/2}` has Pareto
    :math:`k = 1/2`. With :math:`\beta = 2, \gamma = 0` (Pearson): :math:`D_f(P\|Q_h)` gets
    :math:`\max((\beta - 1)(k_q + k(1/r)), (1 + \gamma) k(r)) = 1/2` (accepted),
    :math:`D_f(Q_h\|Q)` gets :math:`\beta k(r) = 1` (refused). The estimate of k on 4096 draws
    with a fixed seed is 0.53; a factor-2 slip (or beta - 1 for beta) moves one side across
    0.7."""
    from boundkit.simulation._mc_support import TailIndices, divergence_khat, refuse_heavy_tail

    r = np.random.default_rng(0).random(4096) ** -0.5
    t = TailIndices(beta=2.0, gamma=0.0, k_p=0.0, k_q=0.0)
    refined = divergence_khat(t, "refined", r)
    refinement = divergence_khat(t, "refinement", r)
    assert 0.4 < refined[0] < 0.65 and abs(refinement[0] - 2 * refined[0]) < 1e-12
    refuse_heavy_tail(refined, "D_f(P||Q_hn)")
    with pytest.raises(BoundkitError, match=r"^Monte Carlo estimate of D_f\(Q_hn\|\|Q\) refused"):
        refuse_heavy_tail(refinement, "D_f(Q_hn||Q)")
    with pytest.raises(BoundkitError, match="needs r = dQ_h/dQ"):
        divergence_khat(t, "refined")
    with pytest.raises(BoundkitError, match="which must be 'base', 'refined' or 'refinement'"):
        divergence_khat(t, "refind", r)


def test_sub_support_checks_its_input():
    from boundkit.simulation._mc_support import sub_support
    from boundkit.simulation._support import Support

    ex = Experiment(P3, Q3, LinearClass("identity", B=1.0), "kl", mc_size=4096, mc_seed=0)
    idx, s = sub_support(ex.support, 3)
    assert np.array_equal(idx, np.flatnonzero(ex.support.batch == 3))
    assert abs(s.p.sum() - 1) < 1e-12 and abs(s.q.sum() - 1) < 1e-12
    grid = Support(x=np.zeros((2, 1)), p=np.array([0.5, 0.5]), q=np.array([0.5, 0.5]), kind="grid")
    with pytest.raises(BoundkitError, match="needs a Monte Carlo support .* 'grid' support"):
        sub_support(grid, 0)
    with pytest.raises(BoundkitError, match=f"batch {MC_BATCHES} of the Monte Carlo support"):
        sub_support(ex.support, MC_BATCHES)
