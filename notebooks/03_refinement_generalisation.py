# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 3. Refinement and generalisation: bound vs measured gap
#
# A discriminator $h_n$ fitted on $n$ samples of $P$ refines the base model $Q$ into
# $Q_{h_n}$. How far is $Q_{h_n}$ from the best refinement $Q_{h^*}$ the class allows, and
# does refining from finitely many samples still beat $Q$? boundkit's versions of the
# generalisation bounds (docs/theory.md, C6 and C7) answer with the Rademacher complexity of
# the class:
#
# * **C6a** in expectation over the sample,
#   $\mathbb E_S\,\mathrm{KL}(P\|Q_{h_n}) \le \mathrm{KL}(P\|Q_{h^*}) + 2\mathfrak R_n(\mathcal H)$;
# * **C6b / C6c** the same with probability $1 - \delta$, plus deviation terms (C6c with the
#   empirical complexity $\hat{\mathfrak R}_S$);
# * **C7** for any $f$, in the discriminators' own metric:
#   $\mathrm{IPM}_{\mathcal H}(P, Q_{h_n}) \le \mathrm{IPM}_{\mathcal H}(P, Q) - D_f(Q_{h_n}\|Q)$
#   + two uniform deviations, *pointwise* in the sample.
#
# The toys of `boundkit.simulation` know every population quantity exactly, so the measured
# gaps below are exact per replicate and only averaged by Monte Carlo.

# %%
import os

import matplotlib.pyplot as plt
import numpy as np

from boundkit.bounds import bound
from boundkit.plotting import plot_bound_vs_gap, plot_improvement, plot_slack
from boundkit.simulation import get_toy, simulate, toy_bound, toy_names

SMOKE = os.environ.get("BOUNDKIT_SMOKE", "0") == "1"
SIZES = [10, 30, 100, 300] if SMOKE else [10, 30, 100, 300, 1000, 3000]
REPLICATES = 60 if SMOKE else 400
N_MC = 300 if SMOKE else 1000
print(f"smoke={SMOKE}: n in {SIZES}, {REPLICATES} replicates")
for name in toy_names():
    print(" ", get_toy(name))

# %% [markdown]
# ## The bound calculator
#
# `bound` evaluates one bound from its ingredients and returns every term; `toy_bound` fills
# the ingredients of a toy in: its exact population term and a Monte Carlo estimate of
# $\mathfrak R_n$ with its standard error. The same numbers are on the command line:
# `boundkit bound C6b --toy finite --n 100`.

# %%
b = bound("C6b", "kl", "my class", n=1000, population=0.05, rademacher=0.03, value_range=(-1, 1))
print(f"C6b = {b.value:.4f} = " + " + ".join(f"{k} {v:.4f}" for k, v in b.terms.items()))

for claim in ("C6a", "C6b", "C6c", "C7"):
    r = toy_bound(claim, "finite", 100, rng=0, n_mc=N_MC)
    terms = ", ".join(f"{k} {v:.4f}" for k, v in r.terms.items())
    print(f"finite toy, n = 100, {claim}: {r.value:.4f}  ({terms})")

# %% [markdown]
# ## The Gaussian toy: measured excess vs $2\mathfrak R_n$
#
# $P = N(0.5, 0.7^2)$, $Q = N(0, 1)$, and $\mathcal H$ the quadratics $ax + bx^2$ with
# $\|(a, b)\|_2 \le 0.4$, so every $Q_h$ is Gaussian and every KL is in closed form. For each
# $n$ we draw `REPLICATES` samples, fit $h_n$, and measure the excess
# $\mathrm{KL}(P\|Q_{h_n}) - \mathrm{KL}(P\|Q_{h^*})$ exactly.

# %%
gauss = simulate(
    "gauss1d-quadratic", SIZES, n_replicates=REPLICATES, seed=0, n_mc=N_MC, progress=False
)
print(
    f"KL(P||Q) = {gauss.population['divergence_base']:.4f},  "
    f"KL(P||Q_h*) = {gauss.population['divergence_best']:.4f}"
)
print(f"{'n':>5s} {'excess (mean +- se)':>22s} {'2 R_n':>8s} {'ratio':>7s} {'improvement':>12s}")
for row in gauss.summary():
    two_rn = row["bound_C6a"] - gauss.population["divergence_best"]
    print(
        f"{row['n']:5d} {row['excess_mean']:12.5f} +- {row['excess_se']:.5f} {two_rn:8.4f} "
        f"{row['ratio_C6a']:7.1f} {row['improvement_mean']:12.4f}"
    )
    # C6a: the mean excess is below 2 R_n (4 standard errors of slack: false alarm < 1e-4)
    assert row["excess_mean"] <= two_rn + 4 * row["excess_se"]

fig, axes = plt.subplots(1, 2, figsize=(10, 4.4), layout="constrained")
plot_bound_vs_gap(gauss, ax=axes[0])
plot_improvement(gauss, ax=axes[1])

# %% [markdown]
# The bound holds with room to spare, and the shapes differ: $2\mathfrak R_n$ decays like
# $n^{-1/2}$ while the measured excess of this smooth, well-specified parametric problem decays
# like $n^{-1}$ (the fitted slopes in the legend). Reading C5 and C6a together, refinement
# from $n$ samples improves on $Q$ in expectation as soon as
# $D^{\mathcal H}_{\mathrm{KL}}(P\|Q) > 2\mathfrak R_n$; the right panel shows the measured
# improvement $\mathrm{KL}(P\|Q) - \mathrm{KL}(P\|Q_{h_n})$ against that guaranteed lower bound.

# %% [markdown]
# ## The finite toy: high-probability bounds and C7 replicate by replicate
#
# $P$ and $Q$ on nine atoms, $\mathcal H$ a ball of degree-4 polynomials, which is bounded on
# the support, so C6b and C6c apply. A high-probability bound may fail on at most a fraction
# $\delta$ of the replicates; the slack plot shows, for each $\delta$, the measured
# $(1-\delta)$-quantile of the excess (with its order-statistic confidence band) against the
# bounds at that $\delta$, on a log scale: the vertical gap is how loose the bound is.
# The pointwise inequality of C7 must hold on *every* replicate.

# %%
finite = simulate("finite", SIZES, n_replicates=REPLICATES, seed=1, n_mc=N_MC, progress=False)
print(
    f"{'n':>5s} {'excess':>9s} {'C6b - KL*':>10s} {'C6c - KL*':>10s} {'viol. C6b':>10s} "
    f"{'viol. C6c':>10s} {'C7 violations':>14s}"
)
best = finite.population["divergence_best"]
for row in finite.summary():
    print(
        f"{row['n']:5d} {row['excess_mean']:9.5f} {row['bound_C6b_mean'] - best:10.4f} "
        f"{row['bound_C6c_mean'] - best:10.4f} {row['violation_rate_C6b']:10.3f} "
        f"{row['violation_rate_C6c']:10.3f} {row['c7_pointwise_violations']:14d}"
    )
    assert row["c7_pointwise_violations"] == 0

fig, axes = plt.subplots(1, 2, figsize=(10, 4.6), layout="constrained")
plot_bound_vs_gap(finite, ax=axes[0])
plot_slack(finite, ax=axes[1])

# %% [markdown]
# The high-probability bounds are far from tight here: their deviation terms scale with the
# range $b - a$ of the class, which a worst-case argument must pay for. C7's slack per
# replicate, $\text{right side} - \mathrm{IPM}_{\mathcal H}(P, Q_{h_n}) \ge 0$:

# %%
slack = finite.column("c7_slack")
print(
    f"C7 slack over {slack.size} replicates: min {slack.min():.4f}, median {np.median(slack):.4f}"
)
gap = finite.column("generalisation_gap")
print(f"generalisation gap IPM(P, Q_hn) - IPM(P_n, Q_hn): mean {gap.mean():.4f}")

# %% [markdown]
# ## A mixture with random Fourier features
#
# A two-mode mixture $P$, a single Gaussian $Q$, and a ball of random Fourier features as the
# discriminator class: the setting of the paper's motivating examples, with densities handled
# by quadrature.

# %%
mix_sizes = SIZES[:3] if SMOKE else SIZES
mix = simulate(
    "mixture1d", mix_sizes, n_replicates=max(20, REPLICATES // 3), seed=2, n_mc=N_MC, progress=False
)
for row in mix.summary():
    two_rn = row["bound_C6a"] - mix.population["divergence_best"]
    print(
        f"n = {row['n']:5d}: excess {row['excess_mean']:.4f} +- {row['excess_se']:.4f}  "
        f"<= 2 R_n = {two_rn:.4f};  improvement over Q {row['improvement_mean']:.4f}"
    )
    assert row["excess_mean"] <= two_rn + 4 * row["excess_se"]
ax = plot_bound_vs_gap(mix)  # a new figure with constrained layout

# %% [markdown]
# ## Reproducibility
#
# Each replicate draws from its own child of `numpy.random.SeedSequence(seed)`, so the result
# does not depend on the number of workers (or on the backend: the same holds on a dask
# cluster, see the README).

# %%
same = dict(n_replicates=40, seed=3, n_mc=200, block_size=10, progress=False)
b1 = simulate("gauss1d-quadratic", [20, 50], n_jobs=1, **same)
b2 = simulate("gauss1d-quadratic", [20, 50], n_jobs=2, **same)
print("1 worker == 2 workers:", np.array_equal(b1.column("divergence"), b2.column("divergence")))
assert np.array_equal(b1.column("divergence"), b2.column("divergence"))
