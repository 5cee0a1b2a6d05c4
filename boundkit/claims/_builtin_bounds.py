r"""Built-in checks of the generalisation bounds C6(a)/(b)/(c) and C7 on the toys.

All checks run the Monte Carlo harness (:func:`boundkit.simulation.simulate`) on toys whose
population quantities are exact. Statistical checks have a stated false-failure probability:

- C6a, C7 (expectation): the Monte Carlo mean minus the bound must not exceed 4 standard errors
  (normal approximation; false-failure probability about 3e-5 per sample size).
- C6b, C6c: the number V of violations among R replicates is compared with Bin(R, delta); the
  check fails when :math:`P(\mathrm{Bin}(R,\delta)\ge V) < 10^{-4}` (false-failure probability
  at most 1e-4 per sample size when the bound holds).
- C7 (numeric): the pointwise inequality holds on every replicate up to solver tolerance 1e-8.

Bound values come from :func:`boundkit.bounds.bound` (never re-typed here); the harness's bound
columns are checked against it (an identity, tolerance 1e-9), so a second copy of the
arithmetic that drifted would fail here. Inequality records carry a margin (see
:mod:`boundkit.claims._records`); C6a also runs the near-tight box family of
:mod:`boundkit.claims._families`, where the factor 2 of C6a is nearly attained.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import numpy as np
from scipy import stats

from boundkit.claims._falsifier import evaluate_cases
from boundkit.claims._families import HP_P_FAIL as _P_FAIL
from boundkit.claims._registry import CheckOutcome, claim, register_search
from boundkit.claims._worst import WorstCase

__all__: list[str] = []

_Z = 4.0
_IDENTITY_TOL = 1e-9


def _seed(rng: np.random.Generator) -> int:
    return int(rng.integers(0, 2**31 - 1))


def _simulate(toy: Any, sizes: list[int], R: int, seed: int, **kw: Any):
    from boundkit.simulation import simulate

    return simulate(toy, sizes, n_replicates=R, seed=seed, progress=False, **kw)


def _expectation_runs(quick: bool, seed: int) -> Iterator[tuple[str, int, Any]]:
    """The runs of the expectation checks (C6a, C7): ``gauss1d-quadratic`` and ``finite``."""
    toys = [("gauss1d-quadratic", 400 if quick else 1000), ("finite", 100 if quick else 300)]
    sizes = [5, 20, 100] if quick else [5, 10, 30, 100, 300, 1000]
    for name, R in toys:
        yield name, R, _simulate(name, sizes, R, seed, n_mc=300 if quick else 2000)


def _table_integrity(worst: WorstCase, res: Any, toy: str, R: int) -> None:
    """Record that every (n, replicate) pair occurs exactly once and every n has R rows."""
    ns = np.asarray(res.table["n"])
    reps = np.asarray(res.table["replicate"])
    pairs = len(set(zip(ns.tolist(), reps.tolist(), strict=True)))
    per_n = {int(m): int(np.sum(ns == m)) for m in res.sizes}
    bad = (len(ns) - pairs) + sum(abs(c - R) for c in per_n.values())
    worst.record(
        float(bad) if bad else -np.inf,
        {
            "check": "one row per (n, replicate)",
            "toy": toy,
            "duplicates": len(ns) - pairs,
            "rows_per_n": per_n,
        },
    )


def _column_identity(
    worst: WorstCase, res: Any, column: str, expected: Any, toy: str, n: int
) -> None:
    """Record that the harness column ``column`` at ``n`` equals ``expected`` (relative)."""
    if column not in res.table:
        return
    got = np.asarray(res.column(column, n), dtype=float)
    exp = np.broadcast_to(np.asarray(expected, dtype=float), got.shape)
    err = float(np.max(np.abs(got - exp) / np.maximum(1.0, np.abs(exp)))) if got.size else 0.0
    # a matching column counts as a case but never hides the inequality's own worst value
    worst.record(
        err - _IDENTITY_TOL if err > _IDENTITY_TOL else -np.inf,
        {"check": f"harness {column} == bounds.bound", "toy": toy, "n": n, "relative_error": err},
    )


@claim("C6a", level="simulation", builtin=True)
def check_c6a(*, quick: bool, rng: np.random.Generator) -> CheckOutcome:
    r"""Monte Carlo check of :math:`E_S\mathrm{KL}(P\|Q_{h_n}) \le \mathrm{KL}(P\|Q_{h^*}) +
    2\mathfrak R_n` on ``gauss1d-quadratic``, ``finite`` and the near-tight box family.

    Notes
    -----
    Per sample size the violation is
    :math:`\overline{\text{excess}} - \text{part} - 4\sqrt{\mathrm{se}_{ex}^2 +
    (\text{part}\cdot\mathrm{se}_R/\mathfrak R_n)^2}` (must be <= 0), with
    :math:`\text{part} = ` ``bound("C6a", ...).value`` :math:`- \mathrm{KL}(P\|Q_{h^*})`;
    its tightness is :math:`(\overline{\text{excess}} - 4\,\mathrm{se})/\text{part}`.
    """
    from boundkit.bounds import bound
    from boundkit.claims._families import box_c6a_space
    from boundkit.simulation import tightness_record

    seed = _seed(rng)
    worst = WorstCase()
    record = None
    for name, R, res in _expectation_runs(quick, seed):
        _table_integrity(worst, res, name, R)
        best = float(res.population["divergence_best"])
        sizes, parts, measured = [], [], []
        for row in res.summary():
            n = int(row["n"])
            rn = res.rademacher[str(n)]
            b = bound("C6a", "kl", None, n, population=best, rademacher=rn["estimate"])
            part = b.value - best
            se = np.hypot(row["excess_se"], part * rn["stderr"] / max(rn["estimate"], 1e-300))
            v = row["excess_mean"] - part - _Z * se
            where = {
                "toy": name,
                "n": n,
                "excess_mean": row["excess_mean"],
                "bound_gap": part,
                "seed": seed,
            }
            worst.record(v, {"violation": float(v), **where})
            worst.tightness((row["excess_mean"] - _Z * se) / part, where)
            _column_identity(worst, res, "bound_C6a", b.value, name, n)
            sizes.append(n)
            parts.append(part)
            measured.append(float(row["excess_mean"]))
        if name == "finite":
            record = {"toy": name, **tightness_record(sizes, parts, measured)}
    evaluate_cases(box_c6a_space(), rng, 0, worst)
    out = worst.outcome(
        0.0,
        f"mean excess vs the C6a part over {worst.cases} cells and the box family (4-se "
        "margin, false-failure prob ~3e-5 per cell)",
    )
    return replace(out, tightness=record)


def _hp_check(name: str, *, quick: bool, rng: np.random.Generator) -> CheckOutcome:
    from boundkit.bounds import bound
    from boundkit.claims._families import binomial_allowance, box_hp_space, lumped_box_hp_space
    from boundkit.simulation import tightness_record

    seed = _seed(rng)
    record = None
    R = 200 if quick else 500
    deltas = [0.05, 0.2, 0.5]
    toys = ["finite"] if quick else ["finite", "mixture1d"]
    sizes = [5, 30] if quick else [5, 30, 200]
    worst = WorstCase()
    for toy in toys:
        res = _simulate(toy, sizes, R, seed, n_mc=300 if quick else 2000)
        best = float(res.population["divergence_best"])
        vr = res.value_range
        gaps, measured = [], []
        for n in sizes:
            div = res.column("divergence", n)
            comp = (
                res.column("rademacher_s", n)
                if name == "C6c"
                else np.full(div.shape, res.rademacher[str(n)]["estimate"])
            )
            for delta in deltas:
                bnd = np.array(
                    [
                        bound(
                            name,
                            "kl",
                            None,
                            n,
                            delta,
                            population=best,
                            rademacher=float(c),
                            value_range=vr,
                        ).value
                        for c in comp
                    ]
                )
                if delta == res.delta:
                    _column_identity(worst, res, f"bound_{name}", bnd, toy, n)
                if delta == 0.05:
                    gaps.append(float(np.mean(bnd)) - best)
                    measured.append(float(np.mean(div)) - best)
                v = int(np.sum(div > bnd))
                pval = float(stats.binom.sf(v - 1, len(div), delta)) if v > 0 else 1.0
                # violation measured as log10 of the p-value shortfall: > 0 means p < 1e-4
                score = float(np.log10(_P_FAIL) - np.log10(max(pval, 1e-300)))
                where = {
                    "toy": toy,
                    "n": n,
                    "delta": delta,
                    "violations": v,
                    "replicates": len(div),
                    "p_value": pval,
                    "seed": seed,
                }
                worst.record(score, {"score": score, **where})
                # tightness: the smallest c with #(excess > c * part) within the allowance
                ratios = np.sort((div - best) / (bnd - best))[::-1]
                allow = binomial_allowance(len(div), delta)
                if allow < len(ratios):
                    worst.tightness(float(ratios[allow]), where)
        if toy == "finite":
            record = {"toy": toy, "delta": 0.05, **tightness_record(sizes, gaps, measured)}
    evaluate_cases(box_hp_space(name), rng, 0, worst)
    evaluate_cases(lumped_box_hp_space(name), rng, 0, worst)
    out = worst.outcome(
        0.0,
        f"{name} violation counts vs Bin(R, delta), {worst.cases} cells and the box families; "
        "fails if P(Bin >= V) < 1e-4 (false-failure prob <= 1e-4 per cell)",
    )
    return replace(out, tightness=record)


@claim("C6b", level="simulation", builtin=True)
def check_c6b(*, quick: bool, rng: np.random.Generator) -> CheckOutcome:
    r"""Binomial test of the violation rate of C6b against delta (bounded-class toys).

    Notes
    -----
    Violation: :math:`\mathrm{KL}(P\|Q_{h_n}) > ` ``bound("C6b", ...)``
    :math:`= \mathrm{KL}(P\|Q_{h^*}) + 2\mathfrak R_n + 2(b-a)\sqrt{\log(2/\delta)/(2n)}`.
    """
    return _hp_check("C6b", quick=quick, rng=rng)


@claim("C6c", level="simulation", builtin=True)
def check_c6c(*, quick: bool, rng: np.random.Generator) -> CheckOutcome:
    r"""Binomial test of the violation rate of C6c (with the replicate's own
    :math:`\hat{\mathfrak R}_S`) against delta.

    Notes
    -----
    Violation: :math:`\mathrm{KL}(P\|Q_{h_n}) > ` ``bound("C6c", ...)``
    :math:`= \mathrm{KL}(P\|Q_{h^*}) + 2\hat{\mathfrak R}_S + 4(b-a)\sqrt{\log(3/\delta)/(2n)}`.
    """
    return _hp_check("C6c", quick=quick, rng=rng)


@claim("C7", level="numeric", builtin=True)
def check_c7_pointwise(*, quick: bool, rng: np.random.Generator) -> CheckOutcome:
    r"""The pointwise inequality of C7 on every replicate of the finite toy (KL and chi^2),
    exact finite sums.

    Notes
    -----
    .. math::

        \mathrm{IPM}_\mathcal H(P, Q_{h_n}) \le \mathrm{IPM}_\mathcal H(P, Q) -
        D_f(Q_{h_n}\|Q) + \sup_H(E_P - E_{P_n})h + \sup_H(E_{P_n} - E_P)h ,

    with the right side from :func:`boundkit.bounds.c7_pointwise_rhs` and the harness's
    ``c7_rhs_pointwise``
    column checked against it; tightness
    :math:`(\mathrm{IPM}(P,Q_{h_n}) - \mathrm{IPM}(P,Q) + D_f)/(\text{deviations})`.
    """
    from boundkit.bounds import c7_pointwise_rhs
    from boundkit.simulation import FiniteToy

    seed = _seed(rng)
    toys = [
        FiniteToy("finite-kl-c7", B=2.0, degree=3),
        FiniteToy("finite-chi2-c7", generator="chi2", B=1.0, degree=2),
    ]
    R = 40 if quick else 120
    sizes = [3, 10, 50] if quick else [2, 3, 5, 10, 30, 100, 500]
    worst = WorstCase()
    for toy in toys:
        R_t = R if toy.generator == "kl" else max(10, R // 8)
        res = _simulate(toy, sizes, R_t, seed, n_mc=100)
        ipm_q = float(res.population["ipm_base"])
        ref, up, down = (res.column(c) for c in ("divergence_refinement", "dev_up", "dev_down"))
        rhs = c7_pointwise_rhs(ipm_q, ref, up, down)
        lhs = res.column("ipm")
        ns, reps = res.table["n"], res.table["replicate"]
        for i in range(lhs.size):
            where = {
                "toy": toy.name,
                "generator": toy.generator,
                "n": int(ns[i]),
                "replicate": int(reps[i]),
                "seed": seed,
            }
            worst.record(float(lhs[i] - rhs[i]), {"violation": float(lhs[i] - rhs[i]), **where})
            dev = float(up[i] + down[i])
            if dev > 1e-12:
                worst.tightness(float((lhs[i] - ipm_q + ref[i]) / dev), where)
        for n in sizes:
            _column_identity(worst, res, "c7_rhs_pointwise", rhs[np.asarray(ns) == n], toy.name, n)
    _c7_equality_instances(worst)
    return worst.outcome(
        1e-8,
        f"C7 pointwise on {worst.cases} replicates and harness columns (generators: "
        f"{', '.join(t.generator for t in toys)}), equality at P_n = P",
    )


#: The finite problems where the first line of C7 is an equality (a sample with P_n = P).
_C7_EQUALITY = (
    ("kl", (0.1, 0.2, 0.3, 0.4), (0.4, 0.3, 0.2, 0.1), 1.0),
    ("pearson", (0.1, 0.2, 0.3, 0.4), (0.4, 0.3, 0.2, 0.1), 1.0),
    ("kl", (0.5, 0.25, 0.125, 0.125), (0.125, 0.125, 0.25, 0.5), 0.5),
)


def _c7_equality_instances(worst: WorstCase) -> None:
    r"""The first line of C7 at a sample whose empirical distribution is P: an equality.

    For convex H, :math:`\mathrm{IPM}_\mathcal H(P, Q_{h_n}) \le D_f^\mathcal H(P\|Q) -
    D_f(Q_{h_n}\|Q) + \sup_H(E_P - E_{P_n})h + \sup_H(E_{P_n} - E_P)h`; when
    :math:`P_n = P` (P with weights in :math:`\frac1n\mathbb Z`, the sample with counts
    :math:`n p_j`) the deviations are 0, :math:`h_n = h^*` and C4 makes it an equality. The
    right side is ``c7_pointwise_rhs(D^H, D_f(Q_h*||Q), 0, 0)``; the violation is
    :math:`|\mathrm{lhs} - \mathrm{rhs}|` (two-sided: a wrong sign on :math:`D_f` leaves
    :math:`2D_f(Q_{h^*}\|Q) > 0`).
    """
    from boundkit.bounds import c7_pointwise_rhs
    from boundkit.classes import LinearClass
    from boundkit.distributions import FiniteDistribution
    from boundkit.duality import duality_report

    atoms = np.array([[-1.0], [0.0], [1.0], [2.0]])
    for gen, p, q, B in _C7_EQUALITY:
        r = duality_report(
            gen,
            FiniteDistribution(atoms, np.array(p)),
            FiniteDistribution(atoms, np.array(q)),
            LinearClass(p=2, B=B),
        )
        rhs = float(c7_pointwise_rhs(r.dual, r.divergence_refined, 0.0, 0.0))
        v = abs(r.ipm_at_refined - rhs)
        worst.record(
            v,
            {
                "check": "C7 first line at P_n = P (equality by C4)",
                "generator": gen,
                "p": list(p),
                "q": list(q),
                "B": B,
                "ipm_at_refined": r.ipm_at_refined,
                "rhs": rhs,
                "divergence_refined": r.divergence_refined,
            },
        )


@claim("C7", level="simulation", builtin=True)
def check_c7_expectation(*, quick: bool, rng: np.random.Generator) -> CheckOutcome:
    r"""Monte Carlo check of :math:`E_S\mathrm{IPM}(P, Q_{h_n}) \le \mathrm{IPM}(P,Q) -
    E_S D_f(Q_{h_n}\|Q) + 4\mathfrak R_n` on ``gauss1d-quadratic`` and ``finite``.

    Notes
    -----
    Violation per n: mean of :math:`\mathrm{IPM}(P,Q_{h_n}) + D_f(Q_{h_n}\|Q) - \mathrm{IPM}
    (P,Q)` minus the part :math:`4\hat{\mathfrak R}_n` of ``bound("C7", ...)`` minus 4
    combined standard errors; plus the near-tight box families
    (:func:`boundkit.claims._families.box_c7_space`, ``lumped_box_c7_space``).
    """
    from boundkit.bounds import bound
    from boundkit.claims._families import box_c7_space, lumped_box_c7_space

    seed = _seed(rng)
    worst = WorstCase()
    for name, R, res in _expectation_runs(quick, seed):
        _table_integrity(worst, res, name, R)
        ipm_q = float(res.population["ipm_base"])
        for n in res.sizes:
            ref = res.column("divergence_refinement", n)
            lhs = res.column("ipm", n) + ref - ipm_q
            rn = res.rademacher[str(n)]
            b = bound(
                "C7",
                "kl",
                None,
                n,
                population=ipm_q,
                rademacher=rn["estimate"],
                refinement_divergence=float(ref.mean()),
            )
            part = b.value - (ipm_q - float(ref.mean()))
            se = np.hypot(
                lhs.std(ddof=1) / np.sqrt(lhs.size),
                part * rn["stderr"] / max(rn["estimate"], 1e-300),
            )
            v = float(lhs.mean() - part - _Z * se)
            where = {"toy": name, "n": n, "seed": seed}
            worst.record(v, {"violation": v, **where})
            worst.tightness(float((lhs.mean() - _Z * se) / part), where)
            _column_identity(worst, res, "c7_rhs_expectation", ipm_q - ref + part, name, n)
    evaluate_cases(box_c7_space(), rng, 0, worst)
    evaluate_cases(lumped_box_c7_space(), rng, 0, worst)
    return worst.outcome(
        0.0, f"C7 in expectation over {worst.cases} (toy, n) cells and box families (4-se margin)"
    )


def _attach_searches() -> None:
    from boundkit.claims._families import box_c6a_space, box_c7_space, box_hp_space

    register_search("C6a", "simulation", box_c6a_space())
    register_search("C7", "simulation", box_c7_space())
    for name in ("C6b", "C6c"):
        register_search(name, "simulation", box_hp_space(name))


_attach_searches()
