r"""Built-in checks of the tightness results: the fast-rate bound (C10) and hold-out
certificates (C11), each with a shipped false variant that must fail.

All checks run on the exact ``finite`` toy (finite sums; the fitted refinement is the toy's
own batched solver). Statistical checks state their false-failure probability:

- C10 (numeric): the deterministic envelope :math:`\text{excess} \le F_\kappa(\varepsilon_n)`
  holds on every replicate where it is finite (tolerance 1e-9: solver accuracy).
- The C10 records carry ``tightness`` (:func:`boundkit.simulation.tightness_record`): the mean
  envelope (numeric) or the high-probability bound at delta = 0.05 (simulation) over the mean
  excess per n, its median over n and the fitted slopes; verify's tightness column shows the
  median.
- C10 (simulation): the high-probability bound at delta is violated in V of R replicates;
  fails when :math:`P(\mathrm{Bin}(R,\delta) \ge V) < 10^{-4}` (false-failure probability at
  most 1e-4 per cell when the bound holds).
- C11 (simulation): the certificate exceeds the true improvement in V of R replicates; the
  same binomial test per (method, delta) cell.
- ``X6-fast-rate-over-10`` (false): the envelope divided by 10, checked like C10 numeric.
- ``X8-fast-rate-over-2`` (false): the envelope divided by 2, checked like C10 numeric (missed
  with probability below 1e-22).
- ``X7-holdout-plug-in`` (false): the plug-in estimate :math:`\bar h - \Lambda(h)` reported as
  a certificate, checked like C11.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
from scipy import stats

from boundkit.claims._records import margin_from_tightness
from boundkit.claims._registry import CheckOutcome, claim
from boundkit.generators import log_partition

__all__: list[str] = []

_P_FAIL = 1e-4


def _seed(rng: np.random.Generator) -> int:
    return int(rng.integers(0, 2**31 - 1))


def _toy() -> Any:
    from boundkit.simulation import get_toy

    return get_toy("finite")


def _replicates(toy: Any, n: int, R: int, seed: int) -> dict[str, np.ndarray]:
    r"""R exact replicates at size n: excess, :math:`\varepsilon_n` and the fitted h on atoms."""
    from boundkit.generators import perspective_divergence

    gen = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(n,)))
    counts = gen.multinomial(n, toy.p, size=R)
    m = counts / n @ toy.phi
    w = toy.fit(m)
    qh = toy.refined(w)
    best = toy.population().divergence_best
    excess = np.atleast_1d(perspective_divergence("kl", toy.p, qh)) - best  # one row each
    mp, H, lam = _p_mean_h_multiplier(toy)
    e = m - mp
    eps = np.sqrt(np.einsum("ij,ij->i", e, np.linalg.solve(H, e.T).T))
    N = H + 0.5 * lam * np.eye(H.shape[0])  # the norm of C10 (4)
    eps_n = np.sqrt(np.einsum("ij,ij->i", e, np.linalg.solve(N, e.T).T))
    return {"excess": excess, "epsilon": eps, "epsilon_active": eps_n, "h": w @ toy.phi.T}


def _p_mean_h_multiplier(toy: Any) -> tuple[np.ndarray, np.ndarray, float]:
    from boundkit.simulation import linear_kl_moments

    mom = linear_kl_moments(toy)
    return mom.mean_p, mom.cov_star, max(mom.multiplier, 0.0)


def _envelope_check(factor: float, *, quick: bool, rng: np.random.Generator) -> CheckOutcome:
    from boundkit.bounds import active_rate_function, fast_rate_function
    from boundkit.simulation import tightness_record, toy_fast_rate_constants

    seed = _seed(rng)
    toy = _toy()
    const = toy_fast_rate_constants(toy)
    rho, rho0 = const.rho, const.rho_center
    # C10 (4) on the same replicates, for the theorem itself (not for the false variants)
    act = toy_fast_rate_constants(toy, active_constraint=True) if factor == 1.0 else None
    sizes = [100, 300, 1000] if quick else [50, 100, 300, 1000, 3000, 10000]
    R = 200 if quick else 1000
    worst: dict[str, Any] | None = None
    cases = 0
    tight = -np.inf
    env_mean, measured = [], []
    for n in sizes:
        rep = _replicates(toy, n, R, seed)
        env = factor * fast_rate_function(rep["epsilon"], rho, rho0)
        ok = np.isfinite(env)
        env_mean.append(float(env.mean()))  # inf when some replicate does not localise
        measured.append(float(rep["excess"].mean()))
        cases += int(ok.sum())
        if not ok.any():
            continue
        gap = rep["excess"][ok] - env[ok]
        tight = max(tight, float(np.max(rep["excess"][ok] / env[ok])))
        if act is not None:
            g_env = active_rate_function(rep["epsilon_active"], act.rho, act.rho_center)
            ok_g = np.isfinite(g_env)
            cases += int(ok_g.sum())
            g_gap = float(np.max(rep["excess"][ok_g] - g_env[ok_g], initial=-np.inf))
            if worst is None or g_gap > worst["violation"]:
                j = int(np.argmax(np.where(ok_g, rep["excess"] - g_env, -np.inf)))
                worst = {
                    "toy": toy.name,
                    "n": n,
                    "envelope_kind": "G_kappa (active constraint, N norm)",
                    "violation": g_gap,
                    "excess": float(rep["excess"][j]),
                    "envelope": float(g_env[j]),
                    "epsilon": float(rep["epsilon_active"][j]),
                    "rho": act.rho,
                    "rho_center": act.rho_center,
                    "seed": seed,
                }
        i = int(np.argmax(gap))
        if worst is None or gap[i] > worst["violation"]:
            worst = {
                "toy": toy.name,
                "n": n,
                "envelope_kind": "F_kappa (H norm)",
                "violation": float(gap[i]),
                "excess": float(rep["excess"][ok][i]),
                "envelope": float(env[ok][i]),
                "epsilon": float(rep["epsilon"][ok][i]),
                "rho": rho,
                "rho_center": rho0,
                "seed": seed,
            }
    assert worst is not None
    return CheckOutcome(
        worst["violation"],
        1e-9,
        cases,
        counterexample=worst,
        message=f"excess <= {factor:g} * F_kappa(eps_n)"
        + (" and <= G_kappa(eps_N) (C10 (4))" if act is not None else "")
        + f" on {cases} replicate-envelope pairs where finite",
        margin=margin_from_tightness(tight),
        tightness=tightness_record(sizes, env_mean, measured),
    )


@claim(
    "C10",
    level="numeric",
    statement=(
        "Fast rate (boundkit's own): for the KL refinement with H = {w.phi : w in K}, K convex, "
        "H = Cov_{Q_h*}(phi) > 0, rho = sup_{x,x' in supp Q} ||phi(x) - phi(x')||_{H^-1} and "
        "rho_0 = sup_{x in supp Q} ||phi(x) - E_{Q_h*} phi||_{H^-1}, with the curvature profile "
        "kappa(s) = max(e^{-rho s}, exp(-rho_0 s - (e^{rho_0 s} - 1 - rho_0 s)/rho_0^2)), "
        "K(t) = int_0^t kappa, every sample with eps_n = ||mean_{P_n} phi - E_P phi||_{H^-1} < "
        "K(inf) has KL(P||Q_{h_n}) - KL(P||Q_{h*}) <= F_kappa(eps_n) = int_0^{K^-1(eps_n)} K "
        "<= (-log(1 - rho eps_n) - rho eps_n) / rho^2; with "
        "probability >= 1 - delta, eps_n <= sqrt(d_H/n) + sqrt(2L(sigma^2 + 2b sqrt(d_H/n))/n) "
        "+ bL/(3n) (Bousquet), L = log(1/delta), d_H = tr(H^-1 Sigma_P). With an active ball "
        "constraint (KKT multiplier lam > 0) also excess <= eps_N K^{-1}(eps_N), everything in "
        "the N = H + (lam/2) I norm (H may be singular)."
    ),
    latex=(
        r"\mathrm{KL}(P\|Q_{h_n})-\mathrm{KL}(P\|Q_{h^*})\le"
        r"F_\kappa(\varepsilon_n)\le\frac{-\log(1-\rho\varepsilon_n)-\rho\varepsilon_n}{\rho^2}"
    ),
    hypotheses=(
        "KL generator, class linear in features on a closed convex parameter set",
        "Cov_{Q_h*}(phi) positive definite",
        "phi bounded on the support of Q (rho finite)",
        "eps_n < K(inf) (else no statement)",
    ),
    builtin=True,
)
def check_fast_rate_envelope(*, quick: bool, rng: np.random.Generator) -> CheckOutcome:
    r"""Exact check of the deterministic fast-rate envelopes on every replicate of ``finite``.

    Notes
    -----
    Per replicate :math:`\text{excess} - F_\kappa(\varepsilon_n)` and, for C10 (4) (the ball
    constraint is active), :math:`\text{excess} - G_\kappa(\varepsilon_N)` in the
    :math:`N = H + (\lambda/2)I` norm (each must be <= 1e-9), with the :math:`\varepsilon`
    computed exactly from the sample's feature mean.
    """
    return _envelope_check(1.0, quick=quick, rng=rng)


@claim(
    "C10",
    level="simulation",
    builtin=True,
)
def check_fast_rate_high_probability(*, quick: bool, rng: np.random.Generator) -> CheckOutcome:
    r"""Binomial test of the violation rate of the high-probability fast-rate bound (C10)
    against delta on ``finite``, at sizes where the bound is finite.

    Notes
    -----
    Violation: :math:`\text{excess} > F_\kappa(\bar\varepsilon(n, \delta))`, and for C10 (4)
    :math:`\text{excess} > G_\kappa(\bar\varepsilon_N(n, \delta))`; a cell fails when
    :math:`P(\mathrm{Bin}(R,\delta)\ge V) < 10^{-4}` (18 cells in quick mode, false-failure
    probability at most 1e-4 each).
    """
    from boundkit.bounds import fast_rate_bound
    from boundkit.simulation import tightness_record, toy_fast_rate_constants

    seed = _seed(rng)
    toy = _toy()
    const = toy_fast_rate_constants(toy)
    sizes = [1000, 3000, 10000] if quick else [1000, 3000, 10000, 30000]
    R = 200 if quick else 1000
    active = toy_fast_rate_constants(toy, active_constraint=True)  # C10 (4)
    cells, bound, measured = [], [], []
    for n in sizes:
        rep = _replicates(toy, n, R, seed)
        for delta in (0.05, 0.2, 0.5):
            value = fast_rate_bound(const, n, delta).value
            cells.append((n, delta, int((rep["excess"] > value).sum()), R))
            value = fast_rate_bound(active, n, delta).value
            cells.append((f"{n} (4)", delta, int((rep["excess"] > value).sum()), R))
        bound.append(fast_rate_bound(const, n, 0.05).value)
        measured.append(float(rep["excess"].mean()))
    out = _binomial_cells("C10", cells, seed)
    return replace(out, tightness={"delta": 0.05, **tightness_record(sizes, bound, measured)})


def _binomial_cells(name: str, cells: Any, seed: int, **extra: Any) -> CheckOutcome:
    worst: dict[str, Any] | None = None
    count = 0
    for key, delta, v, R in cells:
        pval = float(stats.binom.sf(v - 1, R, delta)) if v > 0 else 1.0
        score = float(np.log10(_P_FAIL) - np.log10(max(pval, 1e-300)))
        count += 1
        if worst is None or score > worst["score"]:
            worst = {
                "cell": key,
                "delta": delta,
                "violations": v,
                "replicates": R,
                "p_value": pval,
                "score": score,
                "seed": seed,
                **extra,
            }
    assert worst is not None
    return CheckOutcome(
        worst["score"],
        0.0,
        count,
        counterexample=worst,
        message=f"{name} violation counts vs Bin(R, delta), {count} cells; fails if "
        "P(Bin >= V) < 1e-4 (false-failure prob <= 1e-4 per cell)",
    )


def _holdout_cells(plug_in: bool, *, quick: bool, rng: np.random.Generator) -> CheckOutcome:
    from boundkit.bounds import HOLDOUT_METHODS, holdout_certificate

    seed = _seed(rng)
    toy = _toy()
    n_train, m = 50, 100
    R = 200 if quick else 600
    deltas = (0.05,) if plug_in else (0.05, 0.3)
    methods = ("plug-in",) if plug_in else HOLDOUT_METHODS
    rep = _replicates(toy, n_train, R, seed)
    gen = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(1, m)))
    held = gen.multinomial(m, toy.p, size=R)
    vr = toy.value_range()
    viol = {(meth, d): 0 for meth in methods for d in deltas}
    for r in range(R):
        h = rep["h"][r]
        lam = float(log_partition(h, toy.q))  # Lambda_KL^Q[h], the kernel's primitive
        improvement = float(toy.p @ h) - lam  # = KL(P||Q) - KL(P||Q_h), C5, exact
        values = np.repeat(h, held[r])
        for meth in methods:
            for d in deltas:
                if meth == "plug-in":
                    value = float(values.mean()) - lam
                else:
                    value = holdout_certificate(
                        values, lam, delta=d, method=meth, value_range=vr, levels=h
                    ).value
                viol[(meth, d)] += value > improvement
    return _binomial_cells(
        "X7" if plug_in else "C11",
        ((meth, d, v, R) for (meth, d), v in viol.items()),
        seed,
        n_train=n_train,
        m=m,
    )


@claim(
    "C11",
    level="simulation",
    statement=(
        "Hold-out certificate: for any h (trained however, independent of m held-out points "
        "of P), with probability >= 1 - delta, E_P h - Lambda_f^Q[h] >= LCB(E_P h) - "
        "Lambda_f^Q[h], where LCB is Hoeffding, empirical Bernstein (Maurer-Pontil) or a "
        "Clopper-Pearson bound over the values of h; for KL and P << Q this lower-bounds the "
        "improvement KL(P||Q) - KL(P||Q_h), for any f and h in H it lower-bounds D_f^H(P||Q)."
    ),
    latex=(
        r"\Pr\Big(\mathrm{KL}(P\|Q)-\mathrm{KL}(P\|Q_h)\ge\underline{\mathbb E_P h}"
        r"-\log\mathbb E_Q e^h\Big)\ge1-\delta"
    ),
    hypotheses=(
        "held-out points i.i.d. from P and independent of h",
        "h bounded on the support of P (Hoeffding, empirical Bernstein) or taking known values",
        "P << Q for the KL reading",
    ),
    builtin=True,
)
def check_holdout_coverage(*, quick: bool, rng: np.random.Generator) -> CheckOutcome:
    r"""Coverage of the hold-out certificate on ``finite``: h trained on 50 points, certified
    on 100 fresh ones, against the exact improvement (C5), per method and delta.

    Notes
    -----
    Violation: certificate > :math:`E_P h - \log E_Q e^h` (exact finite sums).
    """
    return _holdout_cells(False, quick=quick, rng=rng)


@claim(
    "X6-fast-rate-over-10",
    level="numeric",
    statement=(
        "FALSE ON PURPOSE: the fast-rate envelope of C10 with its constant divided by 10, "
        "excess <= F_kappa(eps_n) / 10. (It fails: the leading term eps_n^2/2 is the true "
        "asymptotic size of the excess; this claim shows verify catches a wrong constant.)"
    ),
    latex=r"\text{excess}\le\tfrac1{10}F_\rho(\varepsilon_n)\quad\text{(false)}",
    hypotheses=("as C10",),
    builtin=True,
    expected="fail",
)
def check_fast_rate_over_ten(*, quick: bool, rng: np.random.Generator) -> CheckOutcome:
    r"""Exact check of the false envelope :math:`F_\kappa(\varepsilon_n)/10` on ``finite``.

    Notes
    -----
    Per replicate :math:`\text{excess} - F_\kappa(\varepsilon_n)/10` (fails when > 1e-9).
    """
    return _envelope_check(0.1, quick=quick, rng=rng)


@claim(
    "X8-fast-rate-over-2",
    level="numeric",
    statement=(
        "FALSE ON PURPOSE: the fast-rate envelope of C10 divided by 2, excess <= F_kappa(eps_n) "
        "/ 2. (It fails: excess / F_kappa(eps_n) exceeds 1/2 on 17% to 81% of the replicates of "
        "`finite` at n = 50 to 10000 and reaches 0.96; this claim shows verify catches a factor "
        "2 in the envelope.)"
    ),
    latex=r"\text{excess}\le\tfrac12F_\kappa(\varepsilon_n)\quad\text{(false)}",
    hypotheses=("as C10",),
    builtin=True,
    expected="fail",
)
def check_fast_rate_over_two(*, quick: bool, rng: np.random.Generator) -> CheckOutcome:
    r"""Exact check of the false envelope :math:`F_\kappa(\varepsilon_n)/2` on ``finite``.

    Notes
    -----
    Per replicate :math:`\text{excess} - F_\kappa(\varepsilon_n)/2` (fails when > 1e-9). The
    check misses the false claim only if no replicate has excess / envelope > 1/2: with the
    per-replicate rate measured at n = 100 (0.24, 1000 replicates, two seeds), the chance over
    the 200 quick replicates at that size alone is below :math:`0.77^{200} < 10^{-22}`.
    """
    return _envelope_check(0.5, quick=quick, rng=rng)


@claim(
    "X7-holdout-plug-in",
    level="simulation",
    statement=(
        "FALSE ON PURPOSE: the plug-in estimate mean_{held-out} h - Lambda(h), without a "
        "deviation term, is a (1 - delta) lower confidence bound on the improvement. (It "
        "covers only about half the time; this claim shows verify catches a missing "
        "deviation term.)"
    ),
    latex=r"\Pr\big(E_P h-\Lambda(h)\ge\bar h_m-\Lambda(h)\big)\ge1-\delta\quad\text{(false)}",
    hypotheses=("as C11",),
    builtin=True,
    expected="fail",
)
def check_holdout_plug_in(*, quick: bool, rng: np.random.Generator) -> CheckOutcome:
    r"""Coverage of the false plug-in certificate at delta = 0.05 on ``finite`` (binomial test).

    Notes
    -----
    Violation: :math:`\bar h_m - \log E_Q e^h > E_P h - \log E_Q e^h`.
    """
    return _holdout_cells(True, quick=quick, rng=rng)
