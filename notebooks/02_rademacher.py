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
# # 2. Rademacher complexities
#
# The price of learning a discriminator from $n$ samples is the Rademacher complexity of its
# class (docs/theory.md, C6, C7, C9). boundkit's convention has no absolute value and the
# $1/n$ inside:
#
# $$\hat{\mathfrak R}_S(\mathcal H) = \mathbb E_\sigma \sup_{h\in\mathcal H}
# \frac1n\sum_{i=1}^n \sigma_i h(x_i), \qquad
# \mathfrak R_n(\mathcal H) = \mathbb E_{S\sim P^n}\hat{\mathfrak R}_S(\mathcal H).$$
#
# For norm balls the inner supremum is in closed form, so $\hat{\mathfrak R}_S$ is *exact* when
# all $2^n$ sign vectors are enumerated (small $n$) and a Monte Carlo mean with a standard error
# otherwise. We compare both with the closed-form bounds of C9, for linear classes, an RKHS
# ball and two-layer ReLU networks, as $n$ grows.

# %%
import os

import matplotlib.pyplot as plt
import numpy as np

from boundkit.classes import LinearClass, ReLUNetwork2, RKHSBall
from boundkit.complexity import empirical_rademacher, expected_rademacher

SMOKE = os.environ.get("BOUNDKIT_SMOKE", "0") == "1"
SIZES = [8, 16, 32, 64, 128, 256] if SMOKE else [8, 16, 32, 64, 128, 256, 512, 1024, 2048]
N_SIGMAS = 200 if SMOKE else 1000
N_SAMPLES = 5 if SMOKE else 20  # fresh samples S for the expected complexity
RELU_SIZES = [16, 64] if SMOKE else [16, 64, 256]
print(f"smoke={SMOKE}: n in {SIZES}, {N_SIGMAS} sign vectors")

rng = np.random.default_rng(0)
x_all = rng.normal(size=(max(SIZES), 2))  # the samples are prefixes of one draw from N(0, I_2)

# %% [markdown]
# ## Exact vs Monte Carlo
#
# On $n = 12$ points, the linear class $\{x \mapsto w\cdot x : \|w\|_2 \le 1\}$ has
# $\sup_h \frac1n\sum_i\sigma_i h(x_i) = \frac1n\|\sum_i \sigma_i x_i\|_2$. Enumerating the
# $2^{12}$ sign vectors gives the exact value; the Monte Carlo estimate must agree with it within
# a few standard errors.

# %%
lin2 = LinearClass(p=2, B=1.0)
x12 = x_all[:12]
exact = empirical_rademacher(lin2, x12, method="exact")
mc = empirical_rademacher(lin2, x12, method="monte-carlo", n_sigmas=N_SIGMAS, rng=1)
z = (mc.estimate - exact.estimate) / mc.stderr
print(f"exact ({exact.n_sigmas} sign vectors): {exact.estimate:.5f}")
print(
    f"Monte Carlo ({mc.n_sigmas} sign vectors): {mc.estimate:.5f} +- {mc.stderr:.5f}  (z = {z:.2f})"
)
# |z| > 4 happens with probability < 1e-4 for a correct estimator
assert abs(z) < 4

# %% [markdown]
# ## Linear and RKHS classes as $n$ grows
#
# For each $n$, `empirical_rademacher` returns the value (exact up to $n = 20$, Monte Carlo
# beyond) together with the C9 bounds that apply to the class:
#
# * $\ell_2$ ball: Khintchine-Kahane, with $s = \sqrt{\sum_i\|x_i\|^2}$,
#   $\frac{B s}{n\sqrt2} \le \hat{\mathfrak R}_S \le \frac{B s}{n}$;
# * $\ell_1$ ball: Massart, $\hat{\mathfrak R}_S \le B\max_i\|x_i\|_\infty\sqrt{2\log(2d)/n}$;
# * RKHS ball (Gaussian kernel): $\hat{\mathfrak R}_S \le \frac Bn\sqrt{\mathrm{tr} K}$ (and
#   $\ge$ that over $\sqrt 2$).

# %%
classes = {
    "linear, l2 ball": LinearClass(p=2, B=1.0),
    "linear, l1 ball": LinearClass(p=1, B=1.0),
    "RKHS ball (rbf)": RKHSBall(kernel="rbf", B=1.0, gamma=0.5),
}
results = {name: [] for name in classes}
for name, cls in classes.items():
    for n in SIZES:
        results[name].append(empirical_rademacher(cls, x_all[:n], n_sigmas=N_SIGMAS, rng=n))

fig, axes = plt.subplots(1, 3, figsize=(12, 3.4), sharey=True)
for ax, (name, res) in zip(axes, results.items(), strict=True):
    est = np.array([r.estimate for r in res])
    se = np.array([r.stderr for r in res])
    ax.errorbar(SIZES, est, yerr=2 * se, fmt="o-", color="k", label="R_S (exact / MC, 2 se)")
    for bname in sorted({b.name for r in res for b in r.bounds}):
        vals = [next(b.value for b in r.bounds if b.name == bname) for r in res]
        ax.plot(SIZES, vals, "--", label=bname)
    ax.set(xscale="log", yscale="log", xlabel="n", title=name)
    ax.legend(fontsize=7)
axes[0].set_ylabel("empirical Rademacher complexity")
fig.tight_layout()

print(f"{'class':18s} {'n':>5s} {'R_S':>9s} {'se':>8s}  bounds")
for name, res in results.items():
    for r in res:
        bounds = ", ".join(f"{b.name} {b.value:.4f}" for b in r.bounds)
        print(f"{name:18s} {r.n:5d} {r.estimate:9.5f} {r.stderr:8.5f}  {bounds}")
        for b in r.bounds:  # every bound must hold (3 se of Monte Carlo slack)
            if b.kind == "upper":
                assert r.estimate <= b.value + 3 * r.stderr + 1e-12, (name, r.n, b.name)
            else:
                assert r.estimate >= b.value - 3 * r.stderr - 1e-12, (name, r.n, b.name)

# %% [markdown]
# The norm-ball complexities decay like $n^{-1/2}$ (slope $-1/2$ in log-log); the fitted slopes:

# %%
for name, res in results.items():
    slope = np.polyfit(np.log(SIZES), np.log([r.estimate for r in res]), 1)[0]
    print(f"{name:18s} slope {slope:+.3f}")

# %% [markdown]
# ## The expected complexity $\mathfrak R_n$
#
# The bounds of C6 and C7 use $\mathfrak R_n = \mathbb E_S \hat{\mathfrak R}_S$.
# `expected_rademacher` draws $K$ fresh samples (one `SeedSequence` child each, so the result does
# not depend on the number of workers) and reports a standard error covering both the
# sample-to-sample spread and the Monte Carlo error. For the $\ell_2$ ball and
# $P = N(0, I_2)$, Jensen gives $\mathfrak R_n \le \sqrt{\mathbb E\|x\|^2 / n} = \sqrt{2/n}$.

# %%
P_sampler = lambda n, rng: rng.normal(size=(n, 2))  # noqa: E731
print(f"{'n':>5s} {'R_n':>9s} {'se':>8s} {'sqrt(2/n)':>10s}")
for n in SIZES[::2]:
    e = expected_rademacher(lin2, P_sampler, n, n_samples=N_SAMPLES, n_sigmas=N_SIGMAS, rng=n)
    print(f"{n:5d} {e.estimate:9.5f} {e.stderr:8.5f} {np.sqrt(2 / n):10.5f}")
    assert e.estimate <= np.sqrt(2 / n) + 3 * e.stderr

# %% [markdown]
# ## Two-layer ReLU networks: a bracket
#
# For $\{\sum_j a_j\,\mathrm{relu}(w_j\cdot x + b_j) : \|a\|_1 \le B_2, \|(w_j, b_j)\|_2 \le B_1\}$
# one neuron attains the supremum, but that supremum over the sphere of $(w, b)$ is not in
# closed form. boundkit brackets $\hat{\mathfrak R}_S$:
#
# * **lower**: the average of the values attained by a search over $(w, b)$ (each is a
#   certified lower bound for its sign vector); in 1-D the search is an exact angle sweep, so
#   the lower end *is* the value;
# * **upper**: the norm-based bounds, $2B_2B_1\sqrt{\sum_i(\|x_i\|^2 + 1)}/n$ and
#   Golowich-Rakhlin-Shamir.
#
# Networks are always estimated by Monte Carlo over sign vectors (enumerating $2^n$ searches
# is too slow).

# %%
net = ReLUNetwork2(width=16, B1=1.0, B2=1.0)
print(f"{'d':>2s} {'n':>5s} {'lower (search)':>15s} {'se':>8s}  upper bounds")
for d in (1, 2):
    for n in RELU_SIZES:
        r = empirical_rademacher(net, x_all[:n, :d], method="monte-carlo", n_sigmas=50, rng=n)
        ups = ", ".join(f"{b.name} {b.value:.4f}" for b in r.bounds if b.kind == "upper")
        print(f"{d:2d} {n:5d} {r.lower:15.5f} {r.stderr:8.5f}  {ups}   [{r.sup_method}]")
        assert r.lower <= r.upper + 3 * r.stderr

# %% [markdown]
# The gap between the two ends is the price of not knowing the network's supremum exactly: the
# norm-based bound is what a generalisation bound for a network discriminator has to use, and it
# is a constant factor (here about 2-3) above what the class can actually fit.
