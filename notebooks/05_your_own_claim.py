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
# # 5. Checking your own claim
#
# boundkit's claims C1-C9 live in a registry (`boundkit.claims`). You can add a claim of your
# own next to them and check it with exactly the same machinery. The loop is:
#
# 1. write the claim as a function that returns the *violation* on one instance;
# 2. property-test it with [hypothesis](https://hypothesis.readthedocs.io): a false claim is
#    shrunk to a small counterexample;
# 3. register it with `@claim`, so `boundkit.claims.verify` and `boundkit verify` run it with a
#    seed, a tolerance and a reproducible counterexample.
#
# We do this for a statement about KL refinement on a finite support. The refined model is
# $Q_h \propto Q\,e^{h}$ (THEORY C5).

# %%
import os
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import numpy as np
from hypothesis import find, given, settings
from hypothesis import strategies as st

from boundkit.claims import CheckOutcome, claim, rerun, unregister, verify
from boundkit.testing import finite_pairs, h_values

SMOKE = os.environ.get("BOUNDKIT_SMOKE", "0") == "1"
N_EXAMPLES = 50 if SMOKE else 500  # hypothesis examples per property
N_CASES = 200 if SMOKE else 5000  # random instances per registered check
print(f"smoke={SMOKE}: {N_EXAMPLES} hypothesis examples, {N_CASES} cases per check")


# %% [markdown]
# ## The objects
#
# Three small numpy functions: the KL divergence between two probability vectors, the KL
# refinement of $Q$ by a discriminator $h$ (values of $h$ on the support), and the objective
# $\Phi(h) = \mathbb E_P h - \log \mathbb E_Q e^h$ that the discriminator maximises.


# %%
def kl(p, q):
    """KL(p || q) for probability vectors on the same support (q > 0)."""
    m = p > 0
    return float(np.sum(p[m] * np.log(p[m] / q[m])))


def refine_kl(q, h):
    """Q_h proportional to q * exp(h)."""
    w = q * np.exp(h - h.max())
    return w / w.sum()


def objective(p, q, h):
    """E_P h - log E_Q e^h (the Donsker-Varadhan objective)."""
    return float(p @ h - np.log(q @ np.exp(h)))


# %% [markdown]
# ## A candidate claim, and a counterexample
#
# *"Refining never hurts: $\mathrm{KL}(P\|Q_h) \le \mathrm{KL}(P\|Q)$ for every $h$."*
#
# `boundkit.testing` provides hypothesis strategies for the objects of the theory: here
# `finite_pairs` draws two finite distributions on a common support (with $P \ll Q$; pass
# `p_ll_q=False` for the singular case) and `h_values` the values of a discriminator on that
# support. Instead of a test that fails, `hypothesis.find` returns the simplest instance it can
# shrink to on which the claim is false.


# %%
def as_arrays(pair_and_h):
    (P, Q), h = pair_and_h
    return P.pmf, Q.pmf, h


instances = (
    finite_pairs(min_atoms=2, max_atoms=5)  # (P, Q) on a common support, P << Q
    .flatmap(lambda pq: st.tuples(st.just(pq), h_values(pq[0].size, bound=3.0)))
    .map(as_arrays)
)
search = settings(derandomize=True, database=None, max_examples=10 * N_EXAMPLES)
p_bad, q_bad, h_bad = find(
    instances, lambda a: kl(a[0], refine_kl(a[1], a[2])) > kl(a[0], a[1]) + 1e-9, settings=search
)
print("P   =", np.round(p_bad, 3))
print("Q   =", np.round(q_bad, 3))
print("h   =", np.round(h_bad, 3))
print(f"KL(P||Q) = {kl(p_bad, q_bad):.4f} < KL(P||Q_h) = {kl(p_bad, refine_kl(q_bad, h_bad)):.4f}")

# %% [markdown]
# The claim is false: a discriminator that points the wrong way makes the model worse. The
# correct statement is C5: the improvement is *exactly* the objective,
# $\mathrm{KL}(P\|Q) - \mathrm{KL}(P\|Q_h) = \mathbb E_P h - \log \mathbb E_Q e^h$, so refinement
# helps precisely when the discriminator's objective is positive. Property-test the corrected
# claim: `@given` runs it on every generated instance and raises on the first failure.


# %%
def improvement_violation(p, q, h):
    """How far the KL refinement identity is from holding on one instance."""
    return abs((kl(p, q) - kl(p, refine_kl(q, h))) - objective(p, q, h))


@settings(derandomize=True, database=None, max_examples=N_EXAMPLES, deadline=None)
@given(instances)
def test_improvement_is_the_objective(inst):
    assert improvement_violation(*inst) <= 1e-10


test_improvement_is_the_objective()
print("property holds on", N_EXAMPLES, "generated instances")

# %% [markdown]
# ## Registering the claim
#
# A registered check receives `quick` (small CI settings) and `rng` (a seeded
# `numpy.random.Generator`) and returns a `CheckOutcome`: the worst violation over its
# instances, the tolerance it is compared with, the number of instances and, for a failure, the
# worst instance. The false claim is registered too, with `expected="fail"`, as boundkit does for
# its own deliberately false claim `X1-optimistic-refinement`.


# %%
def random_instance(rng, k=4):
    p, q = rng.dirichlet(np.ones(k), size=2)
    return p, q, rng.normal(scale=2.0, size=k)


@claim(
    "nb-kl-improvement",
    level="numeric",
    statement="KL(P||Q) - KL(P||Q_h) = E_P h - log E_Q e^h for KL refinement Q_h ~ Q e^h",
)
def check_kl_improvement(*, quick, rng):
    worst, worst_case = -np.inf, None
    for _ in range(N_CASES if quick else 10 * N_CASES):
        p, q, h = random_instance(rng)
        v = improvement_violation(p, q, h)
        if v > worst:
            worst, worst_case = v, {"p": p.tolist(), "q": q.tolist(), "h": h.tolist()}
    return CheckOutcome(worst, 1e-10, N_CASES if quick else 10 * N_CASES, counterexample=worst_case)


@claim(
    "nb-refinement-never-hurts",
    level="numeric",
    statement="KL(P||Q_h) <= KL(P||Q) for every h (false)",
    expected="fail",
)
def check_never_hurts(*, quick, rng):
    worst, worst_case = -np.inf, None
    for _ in range(N_CASES):
        p, q, h = random_instance(rng)
        v = kl(p, refine_kl(q, h)) - kl(p, q)  # > 0 is a violation
        if v > worst:
            worst, worst_case = v, {"p": p.tolist(), "q": q.tolist(), "h": h.tolist()}
    return CheckOutcome(worst, 1e-12, N_CASES, counterexample=worst_case)


records = verify(claims=["nb-kl-improvement", "nb-refinement-never-hurts"], quick=True, seed=0)
for r in records:
    print(
        f"{r.claim:28s} {r.level:8s} {r.verdict:16s} worst={r.worst_violation:.2e} "
        f"tol={r.tolerance:.0e} cases={r.cases} seed={r.seed}"
    )
assert records[0].status == "pass"
assert records[1].status == "fail" and records[1].as_expected

# %% [markdown]
# A failure carries its counterexample and its seed; `rerun` replays the check from that seed
# and finds the same instance.

# %%
failed = records[1]
again = rerun(failed)
print("counterexample h =", np.round(failed.counterexample["h"], 3))
assert again.counterexample == failed.counterexample
unregister("nb-kl-improvement")
unregister("nb-refinement-never-hurts")

# %% [markdown]
# ## The same claim from the command line
#
# Put the registration in a file and pass it to `boundkit verify --plugin my_claims.py`: the
# command runs it with the same seeds and reports it in the same table (or as JSON with
# `--json`).

# %%
plugin = textwrap.dedent(
    """
    import numpy as np
    from boundkit.claims import CheckOutcome, claim


    @claim("my-kl-improvement", level="numeric",
           statement="KL(P||Q) - KL(P||Q_h) = E_P h - log E_Q e^h")
    def check(*, quick, rng):
        worst = 0.0
        n = 100 if quick else 10_000
        for _ in range(n):
            p, q = rng.dirichlet(np.ones(4), size=2)
            h = rng.normal(scale=2.0, size=4)
            qh = q * np.exp(h) / (q @ np.exp(h))
            gain = np.sum(p * np.log(p / q)) - np.sum(p * np.log(p / qh))
            worst = max(worst, abs(gain - (p @ h - np.log(q @ np.exp(h)))))
        return CheckOutcome(worst, 1e-10, n)
    """
)
with tempfile.TemporaryDirectory() as tmp:
    path = Path(tmp) / "my_claims.py"
    path.write_text(plugin)
    cmd = [
        sys.executable,
        "-m",
        "boundkit",
        "verify",
        "--plugin",
        str(path),
        "--claim",
        "my-kl-improvement",
        "--quick",
        "--quiet",
    ]
    print("$ boundkit verify --plugin my_claims.py --claim my-kl-improvement --quick")
    out = subprocess.run(cmd, capture_output=True, text=True)
    print(out.stdout)
    assert out.returncode == 0, out.stderr

# %% [markdown]
# The exit status is 0 when every claim behaves as expected and 1 otherwise, so the same command
# can guard a paper's claims in continuous integration.
