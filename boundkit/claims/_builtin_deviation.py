r"""Certified (exactly enumerated) checks of the deviation terms of C6b, C6c and C9.

Each check evaluates the near-tight instances of :mod:`boundkit.claims._families_exact` (and a
few uniform instances of the same families): every sample of size n of a finite P, exact
rational probabilities, the bound as :mod:`boundkit.bounds` computes it. The violation of an
instance is its tightness minus 1 (tightness: the smallest c with
:math:`P(\mathrm{lhs} > c\cdot\mathrm{bound}) \le \delta`, exact), so a pass means the exact tail
probability is at most :math:`\delta` on every instance -- no Monte Carlo error, no
false-failure probability. The message reports each family's margin.

- C9: Hoeffding (two-point), :math:`\sup_{\mathcal H}(E_P - E_{P_n})h \le 2\mathfrak R_n +
  (b-a)\sqrt{\log(1/\delta)/(2n)}` and the :math:`\hat{\mathfrak R}_S` form (finite classes).
- C6b, C6c: the one-sided Hoeffding step of the proof, on the two-point family, at the share of
  the claim's deviation term and of delta that the union bound gives it.
"""

from __future__ import annotations

import numpy as np

from boundkit.claims._falsifier import SearchSpace, evaluate_cases
from boundkit.claims._registry import CheckOutcome, claim, register_search
from boundkit.claims._worst import WorstCase

__all__: list[str] = []


def _spaces(claim_id: str) -> list[SearchSpace]:
    from boundkit.claims._families_exact import two_point_space, uniform_deviation_space

    if claim_id == "C9":
        return [
            two_point_space("hoeffding"),
            uniform_deviation_space("rn"),
            uniform_deviation_space("rs"),
        ]
    return [two_point_space(claim_id)]


def _family_check(claim_id: str, *, quick: bool, rng: np.random.Generator) -> CheckOutcome:
    worst = WorstCase()
    margins = []
    for space in _spaces(claim_id):
        local = WorstCase()
        evaluate_cases(space, rng, 6 if quick else 30, local)
        if local.where is not None:
            worst.record(local.value, local.where)
            worst.cases += local.cases - 1
        if local.tight is not None:
            worst.tightness(local.tight, local.tight_where)
        margin = "nan" if local.margin is None else f"{local.margin:.2f}"
        margins.append(f"{space.name} margin {margin}")
    return worst.outcome(
        0.0, f"exact tails <= delta on {worst.cases} instances ({'; '.join(margins)})"
    )


@claim("C9", level="certified", builtin=True)
def check_c9_deviation_tails(*, quick: bool, rng: np.random.Generator) -> CheckOutcome:
    r"""Hoeffding and the high-probability uniform deviation of C9, exact tails.

    Notes
    -----
    Per instance: :math:`c^* - 1` with :math:`c^*` the smallest c such that
    :math:`P(\sup_{\mathcal H}(E_P h - E_{P_n} h) > c\,\mathrm{bound}) \le \delta`, exactly, for
    ``bound`` from :func:`boundkit.bounds.hoeffding_deviation` and
    :func:`boundkit.bounds.uniform_deviation`.
    """
    return _family_check("C9", quick=quick, rng=rng)


@claim("C6b", level="certified", builtin=True)
def check_c6b_deviation_step(*, quick: bool, rng: np.random.Generator) -> CheckOutcome:
    r"""The Hoeffding step of C6b on the two-point family, exact tails.

    Notes
    -----
    :math:`P(E_P h - E_{P_n} h > t/2) \le \delta/2` with
    :math:`t = ` ``deviation_term("C6b", n, delta, b - a)``
    :math:`= 2(b-a)\sqrt{\log(2/\delta)/(2n)}`.
    """
    return _family_check("C6b", quick=quick, rng=rng)


@claim("C6c", level="certified", builtin=True)
def check_c6c_deviation_step(*, quick: bool, rng: np.random.Generator) -> CheckOutcome:
    r"""The Hoeffding step of C6c on the two-point family, exact tails.

    Notes
    -----
    :math:`P(E_P h - E_{P_n} h > t/4) \le \delta/3` with
    :math:`t = ` ``deviation_term("C6c", n, delta, b - a)``
    :math:`= 4(b-a)\sqrt{\log(3/\delta)/(2n)}`.
    """
    return _family_check("C6c", quick=quick, rng=rng)


def _attach_searches() -> None:
    for claim_id in ("C9", "C6b", "C6c"):
        for space in _spaces(claim_id):
            register_search(claim_id, "certified", space)


_attach_searches()
