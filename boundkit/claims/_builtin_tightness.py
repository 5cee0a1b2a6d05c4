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
- C10-mean (simulation): the measured mean excess against the expectation bounds C10 (3), (4)
  and (5); fails when it exceeds one by more than 4 standard errors (normal approximation,
  false-failure probability about 3e-5 per cell).
- ``X9-fast-rate-profile-over-1.25`` (false): the C10 (5) envelope divided by 1.25, checked
  like C10 numeric.
- ``X10-fast-rate-mean-over-2`` (false): the C10 (5) expectation bound divided by 2, checked
  like C10-mean.
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
_Z = 4.0  # expectation cells: fail when the mean exceeds the bound by > 4 se


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


def _gauss_replicates(n: int, R: int, seed: int) -> tuple[Any, dict[str, np.ndarray]]:
    r"""R exact replicates of ``gauss1d-quadratic`` at size n (closed forms): excess and
    :math:`\varepsilon_n` in the :math:`H^{-1}` norm."""
    from boundkit.duality import gaussian_kl
    from boundkit.simulation import get_toy, linear_kl_moments

    toy = get_toy("gauss1d-quadratic")
    closed = toy._closed
    mom = linear_kl_moments(toy)
    seeds = np.random.SeedSequence(seed, spawn_key=(n,)).spawn(R)
    m = closed.sufficient_statistics(n, seeds)
    mu, v = closed.refined_params(closed.fit(m))
    excess = gaussian_kl(closed.mean_p, closed.std_p**2, mu, v) - toy.population().divergence_best
    e = m - mom.mean_p
    eps = np.sqrt(np.einsum("ij,ij->i", e, np.linalg.solve(mom.cov_star, e.T).T))
    return toy, {"excess": np.asarray(excess, dtype=float), "epsilon": eps}


def _p_mean_h_multiplier(toy: Any) -> tuple[np.ndarray, np.ndarray, float]:
    from boundkit.simulation import linear_kl_moments

    mom = linear_kl_moments(toy)
    return mom.mean_p, mom.cov_star, max(mom.multiplier, 0.0)


def _envelope_check(
    factor: float, *, quick: bool, rng: np.random.Generator, profile: bool = False
) -> CheckOutcome:
    from boundkit.bounds import active_rate_function, fast_rate_function
    from boundkit.simulation import (
        tightness_record,
        toy_fast_rate_constants,
        toy_profile_fast_rate,
    )

    seed = _seed(rng)
    toy = _toy()
    const = toy_fast_rate_constants(toy)
    rho, rho0 = const.rho, const.rho_center
    prof = toy_profile_fast_rate(toy).profile if (profile or factor == 1.0) else None
    if profile:
        primary, label = prof.envelope, "F~ (C10 (5), certified profile)"
    else:
        primary, label = (lambda e: fast_rate_function(e, rho, rho0)), "F_kappa (H norm)"
    # on the same replicates, for the theorem itself (not for the false variants): C10 (4)
    # and, for the analytic envelope, C10 (5)
    act = toy_fast_rate_constants(toy, active_constraint=True) if factor == 1.0 else None
    extra = prof.envelope if (factor == 1.0 and not profile) else None
    sizes = [100, 300, 1000] if quick else [50, 100, 300, 1000, 3000, 10000]
    R = 200 if quick else 1000
    worst: dict[str, Any] | None = None
    cases = 0
    tight = -np.inf
    env_mean, measured = [], []

    def consider(
        n: int,
        kind: str,
        env: np.ndarray,
        eps: np.ndarray,
        excess: np.ndarray,
        toy_name: str = toy.name,
    ) -> None:
        nonlocal worst
        ok = np.isfinite(env)
        gap = np.where(ok, excess - env, -np.inf)
        j = int(np.argmax(gap))
        if ok.any() and (worst is None or gap[j] > worst["violation"]):
            worst = {
                "toy": toy_name,
                "n": n,
                "envelope_kind": kind,
                "violation": float(gap[j]),
                "excess": float(excess[j]),
                "envelope": float(env[j]),
                "epsilon": float(eps[j]),
                "seed": seed,
            }

    for n in sizes:
        rep = _replicates(toy, n, R, seed)
        env = factor * primary(rep["epsilon"])
        ok = np.isfinite(env)
        env_mean.append(float(env.mean()))  # inf when some replicate does not localise
        measured.append(float(rep["excess"].mean()))
        cases += int(ok.sum())
        if not ok.any():
            continue
        tight = max(tight, float(np.max(rep["excess"][ok] / env[ok])))
        consider(n, label, env, rep["epsilon"], rep["excess"])
        if act is not None:
            g_env = active_rate_function(rep["epsilon_active"], act.rho, act.rho_center)
            cases += int(np.isfinite(g_env).sum())
            consider(
                n,
                "G_kappa (active constraint, N norm)",
                g_env,
                rep["epsilon_active"],
                rep["excess"],
            )
        if extra is not None:
            f_env = extra(rep["epsilon"])
            cases += int(f_env.size)
            consider(n, "F~ (C10 (5), certified profile)", f_env, rep["epsilon"], rep["excess"])
            # the record shows the tightest envelope of the claim, F~ <= F_kappa
            env_mean[-1] = float(f_env.mean())
            tight = max(tight, float(np.max(rep["excess"] / f_env)))
    if factor == 1.0:  # C10 (5) on the Gaussian toy (closed-form Hessian, unbounded features)
        g_prof = toy_profile_fast_rate("gauss1d-quadratic").profile
        for n in sizes:
            g_toy, g_rep = _gauss_replicates(n, R, seed)
            g_env = g_prof.envelope(g_rep["epsilon"])
            cases += int(g_env.size)
            consider(
                n,
                "F~ (C10 (5), certified profile)",
                g_env,
                g_rep["epsilon"],
                g_rep["excess"],
                toy_name=g_toy.name,
            )
    assert worst is not None
    what = "F~(eps_n)" if profile else "F_kappa(eps_n)"
    return CheckOutcome(
        worst["violation"],
        1e-9,
        cases,
        counterexample=worst,
        message=f"excess <= {factor:g} * {what}"
        + (" and <= G_kappa(eps_N) (C10 (4))" if act is not None else "")
        + (" and <= F~(eps_n) (C10 (5), also on gauss1d-quadratic)" if extra is not None else "")
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
        "the N = H + (lam/2) I norm (H may be singular). With a certified curvature profile "
        "kappa~ (d^2A(w) >= kappa~(||w - w*||_H) H along rays in the ball, found by branch and "
        "bound on a finite support) every sample has excess <= F~(eps_n) = t eps_n - "
        "int_0^t r kappa~(r) dr, t = min(K~^{-1}(eps_n), D), D the H-diameter of the ball from "
        "w*, and E excess <= sum_j a_j E eps_n^j for any a >= 0 with sum_j a_j eps^j >= F~(eps) "
        "(C10 (5))."
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
    Per replicate :math:`\text{excess} - F_\kappa(\varepsilon_n)`, for C10 (4) (the ball
    constraint is active) :math:`\text{excess} - G_\kappa(\varepsilon_N)` in the
    :math:`N = H + (\lambda/2)I` norm, and for C10 (5) :math:`\text{excess} -
    \tilde F(\varepsilon_n)` (each must be <= 1e-9), with the :math:`\varepsilon` computed
    exactly from the sample's feature mean.
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
    Violation: :math:`\text{excess} > F_\kappa(\bar\varepsilon(n, \delta))`, for C10 (4)
    :math:`\text{excess} > G_\kappa(\bar\varepsilon_N(n, \delta))`, for C10 (5)
    :math:`\text{excess} > \tilde F(\bar\varepsilon)` (Bousquet or Markov on the exact
    moments); cells where a bound is infinite are skipped; a cell fails when
    :math:`P(\mathrm{Bin}(R,\delta)\ge V) < 10^{-4}` (false-failure probability at most 1e-4
    each). The tightness record is that of C10 (5) at delta = 0.05.
    """
    from boundkit.bounds import fast_rate_bound, profile_fast_rate_bound
    from boundkit.simulation import (
        tightness_record,
        toy_fast_rate_constants,
        toy_profile_fast_rate,
    )

    seed = _seed(rng)
    toy = _toy()
    const = toy_fast_rate_constants(toy)
    sizes = [300, 1000, 3000, 10000] if quick else [100, 300, 1000, 3000, 10000, 30000]
    R = 200 if quick else 1000
    active = toy_fast_rate_constants(toy, active_constraint=True)  # C10 (4)
    prof = toy_profile_fast_rate(toy)  # C10 (5)
    cells, bound, measured = [], [], []
    for n in sizes:
        rep = _replicates(toy, n, R, seed)
        for delta in (0.05, 0.2, 0.5):
            for key, value in (
                (n, fast_rate_bound(const, n, delta).value),
                (f"{n} (4)", fast_rate_bound(active, n, delta).value),
                (
                    f"{n} (5)",
                    profile_fast_rate_bound(prof, n, delta, kind="high-probability").value,
                ),
            ):
                if np.isfinite(value):  # an infinite bound states nothing
                    cells.append((key, delta, int((rep["excess"] > value).sum()), R))
        bound.append(profile_fast_rate_bound(prof, n, 0.05, kind="high-probability").value)
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


def _expectation_cells(factor: float, *, quick: bool, rng: np.random.Generator) -> CheckOutcome:
    from boundkit.bounds import fast_rate_bound, profile_fast_rate_bound
    from boundkit.simulation import (
        tightness_record,
        toy_fast_rate_constants,
        toy_profile_fast_rate,
    )

    seed = _seed(rng)
    toy = _toy()
    prof = toy_profile_fast_rate(toy)
    const = toy_fast_rate_constants(toy)
    active = toy_fast_rate_constants(toy, active_constraint=True)
    sizes = [300, 1000, 3000] if quick else [100, 300, 1000, 3000, 10000]
    R = 1000 if quick else 4000
    worst: dict[str, Any] | None = None
    values, measured = [], []

    def cell(n: int, which: str, bound: float, excess: np.ndarray) -> float:
        """One (n, bound) cell: z = (mean - bound) / se; keeps the worst; returns the mean."""
        nonlocal worst
        mean, se = float(excess.mean()), float(excess.std(ddof=1) / np.sqrt(excess.size))
        z = (mean - bound) / se
        if worst is None or z > worst["z"]:
            worst = {
                "n": n,
                "bound": which,
                "value": bound,
                "mean": mean,
                "se": se,
                "z": z,
                "replicates": int(excess.size),
                "seed": seed,
            }
        return mean

    for n in sizes:
        x = _replicates(toy, n, R, seed)["excess"]
        bounds = {"C10 (5)": factor * profile_fast_rate_bound(prof, n).value}
        if factor == 1.0:  # the theorem's other expectation bounds (3), (4) on the same runs
            bounds["C10 (3)"] = fast_rate_bound(const, n, kind="expectation").value
            bounds["C10 (4)"] = fast_rate_bound(active, n, kind="expectation").value
        means = [cell(n, which, b, x) for which, b in bounds.items()]
        values.append(bounds["C10 (5)"])
        measured.append(means[0])
        if factor == 1.0:  # C10 (5) on the Gaussian toy
            g_toy, g_rep = _gauss_replicates(n, R, seed)
            g_b = profile_fast_rate_bound(toy_profile_fast_rate(g_toy), n).value
            cell(n, f"C10 (5) on {g_toy.name}", g_b, g_rep["excess"])
    assert worst is not None
    return CheckOutcome(
        worst["z"],
        _Z,
        len(sizes) * (4 if factor == 1.0 else 1),
        counterexample=worst,
        message=f"mean excess vs {factor:g} x the expectation bounds over {len(sizes)} sizes; "
        f"fails if the mean exceeds a bound by more than {_Z:g} standard errors (normal "
        "approximation: false-failure probability about 3e-5 per cell)",
        tightness=tightness_record(sizes, values, measured),
    )


@claim(
    "C10-mean",
    level="simulation",
    statement=(
        "The expectation bounds of C10 (boundkit's own): E excess <= the C10 (3) layer-cake "
        "bound, the C10 (4) bound with an active constraint, and the C10 (5) moment-envelope "
        "bound min { sum_j a_j E eps_n^j : a >= 0, sum_j a_j eps^j >= F~(eps) for all eps }, "
        "with E eps_n^{2k} exact on a finite support (odd orders by Cauchy-Schwarz)."
    ),
    latex=r"\mathbb E\,\text{excess}\le\min_{a\ge0,\ \sum_ja_j\varepsilon^j\ge\tilde F}"
    r"\sum_ja_j\,\mathbb E\varepsilon_n^j",
    hypotheses=("as C10", "finite support of P (exact moments) for C10 (5)"),
    builtin=True,
)
def check_fast_rate_expectation(*, quick: bool, rng: np.random.Generator) -> CheckOutcome:
    r"""The measured mean excess on ``finite`` against the three expectation bounds of C10.

    Notes
    -----
    Per (n, bound) cell :math:`z = (\overline{\text{excess}} - \text{bound})/\mathrm{se}`;
    fails when :math:`z > 4`: C10 (3), (4), (5) on ``finite`` and C10 (5) on
    ``gauss1d-quadratic``. The tightness record is that of C10 (5) on ``finite``.
    """
    return _expectation_cells(1.0, quick=quick, rng=rng)


@claim(
    "X9-fast-rate-profile-over-1.25",
    level="numeric",
    statement=(
        "FALSE ON PURPOSE: the certified-profile envelope of C10 (5) divided by 1.25, "
        "excess <= F~(eps_n) / 1.25. (It fails: excess / F~(eps_n) reaches 0.94-0.96 on "
        "`finite`; this claim shows that the check sees a 25% error in a near-tight envelope.)"
    ),
    latex=r"\text{excess}\le\tilde F(\varepsilon_n)/1.25\quad\text{(false)}",
    hypotheses=("as C10",),
    builtin=True,
    expected="fail",
)
def check_fast_rate_profile_over_five_fourths(
    *, quick: bool, rng: np.random.Generator
) -> CheckOutcome:
    r"""Exact check of the false envelope :math:`\tilde F(\varepsilon_n)/1.25` on ``finite``.

    Notes
    -----
    Per replicate :math:`\text{excess} - 0.8\,\tilde F(\varepsilon_n)` (fails when > 1e-9).
    Measured (4000 replicates, seed 15): excess / F~ exceeds 0.8 on a few per cent of the
    replicates at every n from 100 to 3000, so 600 quick replicates miss it with negligible
    probability.
    """
    return _envelope_check(0.8, quick=quick, rng=rng, profile=True)


@claim(
    "X10-fast-rate-mean-over-2",
    level="simulation",
    statement=(
        "FALSE ON PURPOSE: the moment-envelope expectation bound of C10 (5) divided by 2. "
        "(It fails: the bound is 1.6-1.8 times the measured mean excess of `finite` at "
        "n = 1000-3000; this claim shows verify catches a factor 2 in an expectation bound.)"
    ),
    latex=r"\mathbb E\,\text{excess}\le\tfrac12\min_a\sum_ja_j\,"
    r"\mathbb E\varepsilon_n^j\quad\text{(false)}",
    hypotheses=("as C10-mean",),
    builtin=True,
    expected="fail",
)
def check_fast_rate_mean_over_two(*, quick: bool, rng: np.random.Generator) -> CheckOutcome:
    r"""The C10 (5) expectation bound halved, against the measured mean excess on ``finite``.

    Notes
    -----
    At n = 3000 the halved bound is 0.79 of the mean excess; with 1000 replicates the expected
    z is about 7.8, so the check misses the false claim only if the sample mean falls 3.8
    standard errors below its expectation (probability below 1e-4, normal approximation).
    """
    return _expectation_cells(0.5, quick=quick, rng=rng)


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
