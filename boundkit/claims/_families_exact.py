r"""Near-tight instance families of the deviation terms, with exactly enumerated tails.

The Hoeffding / McDiarmid term :math:`(b-a)\sqrt{\log(c/\delta)/(2n)}`
(:func:`boundkit.bounds.hoeffding_term`) enters C6b, C6c and C9. The families here compute
:math:`P(\mathrm{lhs} > \mathrm{bound})` *exactly* (:mod:`boundkit.claims._exact_tails`:
every sample of size n, multinomial probabilities as fractions, exact
:math:`\hat{\mathfrak R}_S`), for the bound as :mod:`boundkit.bounds` computes it, so a check
on them has no Monte Carlo error and no false-failure probability.

- **Two-point** (:func:`two_point_space`): h takes the values 0 and :math:`w = b - a` with
  :math:`P(h = w) = p`; :math:`E_P h - E_{P_n} h = w(p - K/n)`, :math:`K \sim
  \mathrm{Bin}(n, p)`. Hoeffding is nearly attained at small n with :math:`1 - p` just above
  :math:`\delta` (at n = 2, p = 0.68, delta = 0.1 the exact (1 - delta)-quantile of the
  deviation is 0.90 of Hoeffding's term): halving the term fails there.
- **Finite class** (:func:`uniform_deviation_space`): three functions with values in
  :math:`[0, 1]` on three atoms; C9's :math:`\sup_{\mathcal H}(E_P h - E_{P_n} h) \le
  2\mathfrak R_n + (b-a)\sqrt{\log(1/\delta)/(2n)}` (or the :math:`\hat{\mathfrak R}_S` form).
  Its near-tight instance is the class of one function (repeated): :math:`\mathfrak R = 0` and
  the statement is Hoeffding's; every richer class pays the factor 2 of symmetrisation.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from boundkit.claims._exact_tails import quantile_ratio, sample_table, tail_probability
from boundkit.claims._falsifier import Parameter, SearchSpace

__all__ = ["two_point_space", "uniform_deviation_space"]

#: The deviation step each claim's term is made of: (share of the term, share of delta).
#: C6b: 2 (b-a) sqrt(log(2/delta)/(2n)) is two one-sided steps at delta/2 (Hoeffding for h*,
#: McDiarmid for the sup); C6c: 4 (b-a) sqrt(log(3/delta)/(2n)) is four such terms at delta/3
#: (Hoeffding, McDiarmid for the sup, twice McDiarmid for R_S).
_STEPS = {"C6b": (2, 2), "C6c": (4, 3)}


def _grid(x: float, denom: int, lo: int = 1, hi: int | None = None) -> Fraction:
    """``x`` rounded to a multiple of 1/denom, clipped to [lo/denom, hi/denom]."""
    hi = denom - lo if hi is None else hi
    return Fraction(min(max(round(x * denom), lo), hi), denom)


def _two_point(p: dict[str, float]) -> tuple[int, Fraction, Fraction, Fraction]:
    n = int(p["n"])
    return n, _grid(p["p"], 100), _grid(p["delta"], 100), _grid(p["width"], 8, 1, 32)


def two_point_space(claim: str = "hoeffding") -> SearchSpace:
    r"""One function with two values: the Hoeffding step of ``claim``'s deviation term.

    Parameters
    ----------
    claim : {"hoeffding", "C6b", "C6c"}
        ``hoeffding``: the threshold is :func:`boundkit.bounds.hoeffding_deviation` at level
        :math:`\delta`. ``C6b`` / ``C6c``: the threshold is the share of
        ``boundkit.bounds.deviation_term(claim, ...)`` that bounds one event of the proof
        (half of C6b's term at level :math:`\delta/2`; a quarter of C6c's at :math:`\delta/3`).

    Notes
    -----
    Violation: tightness - 1, the tightness being the smallest c with
    :math:`P(w(p - K/n) > c\,t) \le \delta'` (:func:`boundkit.claims._exact_tails.quantile_ratio`;
    exact binomial probabilities with p and delta rounded to multiples of 1/100). Starts: the
    near-tight instances (n = 2, p = 0.68, delta = 0.1 for Hoeffding; tightness 0.90).
    """
    from boundkit.bounds import deviation_term, hoeffding_deviation

    n_low = 1 if claim == "hoeffding" else 2
    params = [
        Parameter("n", n_low, 12, integer=True),
        Parameter("p", 0.01, 0.99),
        Parameter("delta", 0.02, 0.9),
        Parameter("width", 0.25, 4.0),
    ]

    def evaluate(p: dict[str, float]) -> dict[str, Any]:
        n, prob, delta, w = _two_point(p)
        if claim == "hoeffding":
            level, t = delta, hoeffding_deviation(n, float(delta), (0.0, float(w)))
        else:
            share, split = _STEPS[claim]
            level = delta / split
            t = float(deviation_term(claim, n, float(delta), float(w))) / share
        table = sample_table([1 - prob, prob], [[Fraction(0), w]], n)
        thr = Fraction(t)
        ratios = [d / thr for d in table.sup_dev]
        return {
            "tightness": quantile_ratio(ratios, table.prob, level),
            "tail": tail_probability([d - thr for d in table.sup_dev], table.prob),
            "level": level,
            "threshold": t,
        }

    def violation(p: dict[str, float]) -> float:
        return float(evaluate(p)["tightness"]) - 1.0

    def describe(p: dict[str, float]) -> dict[str, Any]:
        n, prob, delta, w = _two_point(p)
        r = evaluate(p)
        return {
            "family": "two-point",
            "claim": claim,
            "n": n,
            "p": str(prob),
            "delta": str(delta),
            "width": str(w),
            "threshold": r["threshold"],
            "exact_tail": str(r["tail"]),
            "tail": float(r["tail"]),
            "level": str(r["level"]),
        }

    starts = {
        "hoeffding": [{"n": 2, "p": 0.68, "delta": 0.1, "width": 1.0}],
        "C6b": [{"n": 2, "p": 0.68, "delta": 0.2, "width": 1.0}],
        "C6c": [{"n": 3, "p": 0.7, "delta": 0.08, "width": 1.0}],
    }[claim]
    return SearchSpace(
        params,
        violation,
        tolerance=0.0,
        starts=starts,
        tightness=True,
        describe=describe,
        name=f"two-point-{claim.lower()}",
    )


def _finite_class(p: dict[str, float], k: int, m: int) -> tuple[list[Fraction], list[list]]:
    w = [max(float(p[f"w{j}"]), 1e-3) for j in range(k)]
    total = sum(w)
    probs = [_grid(v / total, 48) for v in w[:-1]]
    last = 1 - sum(probs)
    if last < Fraction(1, 48):  # keep every atom charged: move the excess off the largest
        i = max(range(k - 1), key=lambda j: probs[j])
        probs[i] -= Fraction(1, 48) - last
        last = Fraction(1, 48)
    h = [[_grid(p[f"h{i}{j}"], 4, 0, 4) for j in range(k)] for i in range(m)]
    return [*probs, last], h


def uniform_deviation_space(
    form: str = "rn", *, atoms: int = 3, functions: int = 3, n_max: int = 8
) -> SearchSpace:
    r"""C9's high-probability uniform deviation on a finite class, exactly enumerated.

    Parameters
    ----------
    form : {"rn", "rs", "rs-with-rn-term"}
        ``rn``: bound :math:`2\mathfrak R_n + (b-a)\sqrt{\log(1/\delta)/(2n)}`; ``rs``:
        :math:`2\hat{\mathfrak R}_S + 3(b-a)\sqrt{\log(2/\delta)/(2n)}`; ``rs-with-rn-term``:
        :math:`2\hat{\mathfrak R}_S + (b-a)\sqrt{\log(1/\delta)/(2n)}` (the pairing THEORY
        calls a common error). All from :func:`boundkit.bounds.uniform_deviation`.
    atoms, functions : int
        k atoms, m functions with values on the grid :math:`\{0, 1/4, \dots, 1\}` (so
        :math:`b - a = 1`), weights of P rounded to multiples of 1/48.
    n_max : int
        Largest sample size searched.

    Notes
    -----
    Violation: tightness - 1, the smallest c with :math:`P(\sup > c\cdot\mathrm{bound}) \le
    \delta` (exact). Start: one function repeated (:math:`\mathfrak R = 0`: Hoeffding's
    two-point instance, n = 2, p = 2/3, delta = 0.1).
    """
    from boundkit.bounds import uniform_deviation

    k, m = atoms, functions
    params = [Parameter("n", 2, n_max, integer=True), Parameter("delta", 0.02, 0.9)]
    params += [Parameter(f"w{j}", 0.0, 1.0) for j in range(k)]
    params += [Parameter(f"h{i}{j}", 0.0, 1.0) for i in range(m) for j in range(k)]

    def evaluate(p: dict[str, float]) -> dict[str, Any]:
        n, delta = int(p["n"]), _grid(p["delta"], 100)
        probs, h = _finite_class(p, k, m)
        table = sample_table(probs, h, n)
        rn = table.rn
        rad = table.rs if form != "rn" else [rn] * len(table.rs)
        emp = form == "rs"
        bnd = [
            Fraction(float(uniform_deviation(float(r), n, float(delta), 1.0, empirical=emp)))
            for r in rad
        ]
        ratios = [d / b for d, b in zip(table.sup_dev, bnd, strict=True)]
        return {
            "tightness": quantile_ratio(ratios, table.prob, delta),
            "tail": tail_probability(
                [d - b for d, b in zip(table.sup_dev, bnd, strict=True)], table.prob
            ),
            "rn": rn,
            "p": probs,
            "h": h,
            "n": n,
            "delta": delta,
        }

    def violation(p: dict[str, float]) -> float:
        return float(evaluate(p)["tightness"]) - 1.0

    def describe(p: dict[str, float]) -> dict[str, Any]:
        r = evaluate(p)
        return {
            "family": "finite-class",
            "form": form,
            "n": r["n"],
            "delta": str(r["delta"]),
            "p": [str(v) for v in r["p"]],
            "h": [[str(v) for v in row] for row in r["h"]],
            "R_n": str(r["rn"]),
            "exact_tail": str(r["tail"]),
            "tail": float(r["tail"]),
        }

    single = {"n": 2, "delta": 0.1} | {f"w{j}": 0.0 for j in range(k)}
    single |= {"w0": 0.32, f"w{k - 1}": 0.68}
    single |= {f"h{i}{j}": (1.0 if j == k - 1 else 0.0) for i in range(m) for j in range(k)}
    return SearchSpace(
        params,
        violation,
        tolerance=0.0,
        starts=[single],
        tightness=True,
        describe=describe,
        name=f"finite-class-{form}",
    )
