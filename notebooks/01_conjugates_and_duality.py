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
# # 1. Conjugates and the duality identity
#
# A generator $f$ (convex on $u \ge 0$, $f(1) = 0$) defines the f-divergence
# $D_f(P\|Q) = \mathbb E_Q f(dP/dQ)$. Everything boundkit does with a discriminator $h$ goes
# through the convex conjugate over the half-line,
#
# $$f^*(t) = \sup_{u \ge 0}\,\big(tu - f(u)\big),$$
#
# and its derivative, the *link* $(f^*)'$, which turns discriminator values into density
# ratios: the refined model is $dQ_h/dQ = (f^*)'(h - \nu_h)$ (see docs/theory.md, C1-C4).
#
# This notebook derives $f^*$ for the catalogue and for a generator you type, shows why the
# half-line matters (Pearson $\chi^2$ below $t = -2$), checks strong duality on a finite
# problem and draws the refined model against $P$ and $Q$.

# %%
import os

import matplotlib.pyplot as plt
import numpy as np
import sympy as sp
from IPython.display import Markdown, display

from boundkit.classes import LinearClass
from boundkit.distributions import FiniteDistribution, Gaussian, GaussianMixture, GridDensity
from boundkit.duality import divergence, duality_report, refine
from boundkit.generators import T, catalogue, get_generator

SMOKE = os.environ.get("BOUNDKIT_SMOKE", "0") == "1"
GENERATORS = ["kl", "reverse_kl", "pearson", "squared_hellinger", "jensen_shannon", "gan"]
DUALITY_GENERATORS = ["kl", "pearson", "squared_hellinger"] if SMOKE else GENERATORS[:5]
N_GRID = 121 if SMOKE else 401  # cells of the 1-D grid for the refined model
print(f"smoke={SMOKE}")

# %% [markdown]
# ## The catalogue
#
# `get_generator(name)` derives $f^*$ symbolically with sympy, over $u \ge 0$, together with its
# effective domain $\mathrm{dom} f^* = \{t : f^*(t) < \infty\}$ and the link. (The table in the
# README is generated from the same objects; in the full run we show the whole catalogue.)

# %%
gens = list(catalogue().values()) if not SMOKE else [get_generator(n) for n in GENERATORS]


def cell(expr):
    """Inline LaTeX for a table cell, dropping the +oo branch (it is the domain's job)."""
    if isinstance(expr, sp.Piecewise):
        args = [(v, c) for v, c in expr.args if v != sp.oo]
        if len(args) == 1:
            expr = args[0][0]
        else:
            expr = sp.Piecewise(*args)
    return "$" + sp.latex(expr).replace("|", r"\vert ") + "$"


rows = ["| name | $f(u)$ | $f^*(t)$ | dom $f^*$ | link $(f^*)'(t)$ |", "|---|---|---|---|---|"]
for g in gens:
    rows.append(
        f"| `{g.name}` | {cell(g.f)} | {cell(g.conjugate_expr)} | {cell(g.domain)} "
        f"| {cell(g.link_expr)} |"
    )
display(Markdown("\n".join(rows)))

# %% [markdown]
# The numerics are vectorised and honest about the domain: outside $\mathrm{dom} f^*$ the
# conjugate and the link are $+\infty$, never NaN.

# %%
rkl = get_generator("reverse_kl")
t = np.array([-2.0, -0.5, 0.0, 1.0])
print("reverse KL: f*(t) =", rkl.conjugate(t), " link =", rkl.link(t))

# %% [markdown]
# ## A generator you type
#
# Any convex $f$ with $f(1) = 0$ can be given as an expression in `u`. Here Jeffreys' symmetric
# KL, $f(u) = u\log u - \log u$: its conjugate involves the Lambert W function.

# %%
mine = get_generator("u*log(u) - log(u)")
print("f(u)     =", mine.f)
print("f*(t)    =", sp.simplify(mine.conjugate_expr))
print("dom f*   =", mine.domain)
print("link     =", mine.link_expr)
for note in mine.notes:
    print("  note:", note)

# %% [markdown]
# We check the derivation numerically, independently of sympy:
#
# * $f^*(t)$ against a brute-force supremum of $tu - f(u)$ over a fine grid of $u \ge 0$;
# * Fenchel-Young, $f(u) + f^*(t) - ut \ge 0$ on a grid of $(u, t)$, with equality at
#   $t = f'(u)$.

# %%
u_grid = np.concatenate([np.linspace(1e-9, 1, 20_001), np.linspace(1, 60, 200_001)[1:]])
f_grid = mine.f_numeric(u_grid)
ts = np.linspace(-3, 3, 13)
brute = np.array([np.max(tt * u_grid - f_grid) for tt in ts])
print("max |f*(t) - brute force| =", np.max(np.abs(mine.conjugate(ts) - brute)))

uu, tt = np.meshgrid(np.linspace(0.01, 10, 200), np.linspace(-5, 3, 200))
fy = mine.f_numeric(uu) + mine.conjugate(tt) - uu * tt
u_eq = np.linspace(0.05, 10, 50)
fy_eq = mine.f_numeric(u_eq) + mine.conjugate(mine.fprime(u_eq)) - u_eq * mine.fprime(u_eq)
print(f"min over the grid of f(u) + f*(t) - ut = {fy.min():.3e}  (>= 0)")
print(f"max at t = f'(u) of |f(u) + f*(t) - ut| = {np.abs(fy_eq).max():.3e}  (= 0)")
assert fy.min() > -1e-9 and np.abs(fy_eq).max() < 1e-8

# %% [markdown]
# ## The $u \ge 0$ subtlety: Pearson $\chi^2$ below $t = -2$
#
# Tables of conjugates (f-GAN, 2016) take the supremum over all real $u$. For
# $f(u) = (u-1)^2$ that gives $t + t^2/4$, whose derivative $1 + t/2$ is negative for
# $t < -2$: as a link it would give a negative "density". Over $u \ge 0$ the supremum sits at
# $u = 0$ as soon as $t \le f'(0) = -2$, so $f^*(t) = -1$ there and the link is $0$.

# %%
pearson = get_generator("pearson")
print("boundkit's f*  :", pearson.conjugate_expr)
print("boundkit's link:", pearson.link_expr)
fgan = T + T**2 / 4  # the conjugate over u in R
print("over u in R    :", fgan, "  derivative:", sp.diff(fgan, T))

t3 = -3.0
sup_half_line = np.max(t3 * u_grid - pearson.f_numeric(u_grid))
print(
    f"\nat t = {t3}: sup over u >= 0 (brute force) = {sup_half_line:.6f}, boundkit = "
    f"{float(pearson.conjugate(np.array([t3]))[0]):.6f}, over u in R = {t3 + t3**2 / 4}"
)

tplot = np.linspace(-6, 3, 400)
fig, axes = plt.subplots(1, 2, figsize=(9, 3.2))
axes[0].plot(tplot, tplot + tplot**2 / 4, "--", label=r"over $u\in\mathbb{R}$: $t + t^2/4$")
axes[0].plot(tplot, pearson.conjugate(tplot), label=r"over $u \geq 0$ (boundkit)")
axes[0].set(title=r"Pearson $f^*(t)$", xlabel="t")
axes[1].plot(tplot, 1 + tplot / 2, "--", label=r"$1 + t/2$")
axes[1].plot(tplot, pearson.link(tplot), label="boundkit's link")
axes[1].axhline(0, color="k", lw=0.5)
axes[1].set(title=r"link $(f^*)'(t)$: a density ratio must be $\geq 0$", xlabel="t")
for ax in axes:
    ax.axvline(-2, color="grey", lw=0.5, ls=":")
    ax.legend(fontsize=8)
fig.tight_layout()

# %% [markdown]
# ## Strong duality on a finite problem
#
# Take $P$ and $Q$ on nine points of $[-2, 2]$ and the convex class
# $\mathcal H = \{x \mapsto w \cdot (x, x^2) : \|w\|_2 \le 1\}$. The dual is the restricted
# divergence $D_f^{\mathcal H}(P\|Q) = \sup_{h\in\mathcal H} \mathbb E_P h - \Lambda_f^Q[h]$;
# the primal is the inf-convolution $\inf_\eta D_f(\eta\|Q) + \mathrm{IPM}_{\mathcal H}(P, \eta)$.
# Both are solved as convex programs (cvxpy); C3 says they are equal, and C4 says the primal
# optimum is the refined model $Q_{h^*}$. `duality_report` puts every identity side by side.

# %%
rng = np.random.default_rng(0)
atoms = np.linspace(-2, 2, 9)
P = FiniteDistribution(atoms, rng.dirichlet(2 * np.ones(9)))
Q = FiniteDistribution(atoms, rng.dirichlet(5 * np.ones(9)))
H = LinearClass(features="poly", degree=2, B=1.0)

print(f"{'generator':18s} {'dual':>12s} {'primal':>12s} {'gap':>9s}  solver")
reports = {}
for name in DUALITY_GENERATORS:
    rep = duality_report(name, P, Q, H)
    reports[name] = rep
    print(
        f"{name:18s} {rep.dual:12.8f} {rep.primal:12.8f} {rep.gap:9.1e}  {rep.dual_result.solver}"
    )
    assert rep.status == "optimal" and abs(rep.gap) < 1e-6

# %%
print(reports["kl"].table())

# %% [markdown]
# For KL the last line is C5: refining $Q$ by the best $h \in \mathcal H$ lowers
# $\mathrm{KL}(P\|\cdot)$ by exactly $D^{\mathcal H}_{\mathrm{KL}}(P\|Q)$.

# %%
rep = reports["kl"]
x_pos = np.arange(len(atoms))
fig, ax = plt.subplots(figsize=(7, 3))
ax.bar(x_pos - 0.27, P.pmf, 0.27, label="P")
ax.bar(x_pos, Q.pmf, 0.27, label="Q")
ax.bar(x_pos + 0.27, rep.refined.pmf, 0.27, label=r"$Q_{h^*}$ (KL)")
ax.set_xticks(x_pos, [f"{a:.1f}" for a in atoms])
ax.set(xlabel="x", ylabel="probability", title="the refined model on the finite problem")
ax.legend()
fig.tight_layout()
Q_h = FiniteDistribution(atoms, rep.refined.pmf)  # the refined pmf, as a distribution
print(
    f"KL(P||Q) = {divergence('kl', P, Q).value:.4f},  "
    f"KL(P||Q_h*) = {divergence('kl', P, Q_h).value:.4f}"
)

# %% [markdown]
# ## The refined model on a continuous problem
#
# $P$ is a two-mode mixture, $Q$ a single wide Gaussian, both discretised on a grid of the
# line, and $\mathcal H$ the polynomials of degree 4 with $\|w\|_2 \le 1$. The KL refinement
# tilts $Q$ by $e^{h^*}$. The same discriminator used with the Pearson link,
# $\max(0, 1 + (h - \nu)/2)$, gives a different refined model, which is exactly zero where
# $h - \nu_h \le -2$: its KL from $P$ is infinite (it drops the far tails, where $P$ still
# has a little mass), while its squared Hellinger distance to $P$ stays small.

# %%
x = np.linspace(-4.5, 4.5, N_GRID)
Pc = GaussianMixture([0.5, 0.5], [[-1.5], [1.5]], [[[0.3]], [[0.3]]])
Qc = Gaussian([0.0], [[2.0]])
P_grid = GridDensity([x], Pc.pdf(x[:, None]))
Q_grid = GridDensity([x], Qc.pdf(x[:, None]))
rep_c = duality_report("kl", P_grid, Q_grid, LinearClass(features="poly", degree=4, B=1.0))
h_star = rep_c.dual_result.h
Q_kl = rep_c.refined
Q_pearson = refine(Q_grid, h_star, "pearson")
print(f"strong duality gap {rep_c.gap:.1e};  nu_h: KL {Q_kl.nu:.3f}, Pearson {Q_pearson.nu:.3f}")
for name, R in [("Q", Q_grid.masses), ("Q_h (KL)", Q_kl.pmf), ("Q_h (Pearson)", Q_pearson.pmf)]:
    R = GridDensity([x], R)
    kl_value = divergence("kl", P_grid, R).value
    hel_value = divergence("squared_hellinger", P_grid, R).value
    print(f"{name:14s}  KL(P||.) = {kl_value:.4f}   squared Hellinger(P, .) = {hel_value:.4f}")

dx = x[1] - x[0]
fig, ax = plt.subplots(figsize=(7, 3.2))
ax.plot(x, P_grid.masses / dx, "k", lw=2, label="P")
ax.plot(x, Q_grid.masses / dx, label="Q")
ax.plot(x, Q_kl.pmf / dx, label=r"$Q_{h^*}$, KL link $e^{h - \nu}$")
ax.plot(x, Q_pearson.pmf / dx, "--", label=r"$Q_{h^*}$, Pearson link $\max(0, 1 + (h-\nu)/2)$")
ax.set(xlabel="x", ylabel="density", title="refining Q with a degree-4 polynomial discriminator")
ax.legend(fontsize=8)
fig.tight_layout()
