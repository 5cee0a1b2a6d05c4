r"""The bound calculator: C6(a)/(b)/(c) and C7 with their terms itemised."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from boundkit._errors import BoundkitError
from boundkit.bounds._formulas import (
    CLAIMS,
    HIGH_PROBABILITY,
    bound_terms,
    check_n_delta,
    sum_terms,
)
from boundkit.generators import is_kl

__all__ = ["BoundResult", "bound", "check_population", "generator_name"]

#: Rounding allowance for an exactly computed population term that should be >= 0.
POPULATION_ROUNDING = 1e-12


def generator_name(generator: Any) -> str:
    """The name of a generator given as a string or an object with a ``name`` attribute."""
    if isinstance(generator, str):
        return generator
    name = getattr(generator, "name", None)
    if isinstance(name, str):
        return name
    raise BoundkitError(f"cannot read a generator name from {generator!r}")


def _class_label(cls: Any) -> str:
    if cls is None:
        return "unspecified"
    if isinstance(cls, str):
        return cls
    return repr(cls) if len(repr(cls)) < 120 else type(cls).__name__


@dataclass(frozen=True)
class BoundResult:
    r"""The value of a generalisation bound with its itemised terms.

    Attributes
    ----------
    claim : str
        ``"C6a"``, ``"C6b"``, ``"C6c"`` or ``"C7"``.
    value : float
        The bound: the sum of ``terms``.
    terms : mapping
        ``population`` (:math:`\mathrm{KL}(P\|Q_{h^*})` for C6, :math:`\mathrm{IPM}_\mathcal
        H(P, Q)` for C7), ``refinement`` (:math:`-D_f(Q_{h_n}\|Q)` for C7, else 0),
        ``rademacher`` (2 or 4 times the complexity) and ``deviation``.
    n, delta : int, float
        Sample size and confidence parameter (delta is reported but unused by C6a/C7).
    generator, cls : str
        Labels of the generator and the class.
    value_range : tuple of float or None
        :math:`[a, b]` used by C6b/C6c.
    rademacher_value, rademacher_se : float
        The complexity used (:math:`\mathfrak R_n`, or :math:`\hat{\mathfrak R}_S` for C6c) and
        its Monte Carlo standard error (0 if exact).
    rademacher_method : str
        How the complexity was obtained (``"exact"``, ``"monte-carlo (...)"``, ``"given"``).
    seed : int or None
        Seed of any Monte Carlo estimate made by the caller.
    """

    claim: str
    value: float
    terms: Mapping[str, float]
    n: int
    delta: float
    generator: str
    cls: str
    value_range: tuple[float, float] | None
    rademacher_value: float
    rademacher_se: float
    rademacher_method: str
    seed: int | None = None
    notes: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        """Return the result as a JSON-serialisable dictionary."""
        return {
            "claim": self.claim,
            "value": float(self.value),
            "terms": {k: float(v) for k, v in self.terms.items()},
            "n": int(self.n),
            "delta": float(self.delta),
            "generator": self.generator,
            "class": self.cls,
            "value_range": None if self.value_range is None else list(self.value_range),
            "rademacher": {
                "value": float(self.rademacher_value),
                "se": float(self.rademacher_se),
                "method": self.rademacher_method,
            },
            "seed": self.seed,
            "notes": list(self.notes),
        }


def check_population(claim: str, population: Any) -> float:
    r"""Validate the population term of ``claim`` and return it as a float.

    :math:`\mathrm{KL}(P\|Q_{h^*})` (C6) and :math:`\mathrm{IPM}_\mathcal H(P, Q)` (C7) are
    non-negative: a value below :math:`-10^{-12}` is refused (a sign error in the caller),
    a rounding-level negative is returned as 0.

    Notes
    -----
    .. math:: \text{returns } \max(\text{population}, 0)
        \text{ if population} \ge -10^{-12}, \text{ else raises.}

    Examples
    --------
    >>> check_population("C6a", -1e-17)
    0.0
    """
    try:
        pop = float(population)
    except (TypeError, ValueError):
        raise BoundkitError(f"population must be a number; got {population!r}") from None
    if not math.isfinite(pop):
        raise BoundkitError(f"the population term must be finite; got {pop}")
    what = "IPM_H(P, Q)" if claim == "C7" else "KL(P||Q_h*)"
    if pop < -POPULATION_ROUNDING:
        raise BoundkitError(f"the population term {what} must be >= 0; got {pop!r}")
    return max(pop, 0.0)


def _rademacher_parts(rademacher: Any) -> tuple[float, float, str]:
    if rademacher is None:
        raise BoundkitError(
            "the Rademacher complexity is needed: pass rademacher=..., or a class together "
            "with sample= (C6c) or P= (C6a/C6b/C7)"
        )
    if isinstance(rademacher, int | float | np.floating | np.integer):
        value, se, method = float(rademacher), 0.0, "given"
    else:
        raw = getattr(rademacher, "estimate", None)
        if raw is None:
            raise BoundkitError(
                "rademacher must be a number or a boundkit.complexity result (with .estimate, "
                f".stderr and .method); got {rademacher!r}"
            )
        value = float(raw)
        se = float(rademacher.stderr)
        method = str(rademacher.method)
    if not math.isfinite(value) or value < 0:
        raise BoundkitError(f"the Rademacher complexity must be finite and >= 0; got {value}")
    return value, se, method


def _complexity(claim: str, cls: Any, n: int, sample: Any, P: Any, n_mc: int, seed: Any) -> Any:
    """R_S (C6c, from ``sample``) or R_n (from ``P``) of ``cls`` via boundkit.complexity."""
    from boundkit import complexity

    if claim == "C6c":
        if sample is None:
            raise BoundkitError("C6c uses the empirical complexity R_S: pass sample=(n, d) array")
        x = np.asarray(sample, dtype=float)
        if x.shape[0] != n:
            raise BoundkitError(f"the sample has {x.shape[0]} points but n={n}")
        return complexity.empirical_rademacher(cls, x, n_sigmas=n_mc, rng=seed)
    if P is None:
        raise BoundkitError(
            f"{claim} uses the expected complexity R_n: pass rademacher=... or P= (a "
            "distribution to sample from)"
        )
    return complexity.expected_rademacher(cls, P, n, n_sigmas=n_mc, rng=seed)


def bound(
    claim: str,
    generator: Any,
    cls: Any,
    n: int,
    delta: float = 0.05,
    *,
    population: float,
    rademacher: Any = None,
    value_range: tuple[float, float] | None = None,
    refinement_divergence: float = 0.0,
    sample: Any = None,
    P: Any = None,
    n_mc: int = 200,
    seed: int | None = None,
) -> BoundResult:
    r"""Evaluate a generalisation bound of the refined model (THEORY C6/C7), itemised.

    Parameters
    ----------
    claim : {"C6a", "C6b", "C6c", "C7"}
        Which bound.
    generator : str or Generator
        The generator f; C6 is stated for KL only.
    cls : object or str
        The discriminator class (used for labelling and, if it has one, its
        ``value_range`` attribute).
    n : int
        Sample size, at least 2.
    delta : float
        Confidence parameter in (0, 1) (used by C6b/C6c).
    population : float
        The population term: :math:`\mathrm{KL}(P\|Q_{h^*})` for C6, :math:`\mathrm{IPM}_\mathcal
        H(P, Q)` for C7 (toys compute it exactly; see
        :func:`boundkit.simulation.toy_bound`).
    rademacher : float or estimate, optional
        :math:`\mathfrak R_n(\mathcal H)` for C6a/C6b/C7, :math:`\hat{\mathfrak R}_S(\mathcal H)`
        for C6c; a number or a :mod:`boundkit.complexity` result (``estimate``, ``stderr``,
        ``method``). When omitted it is computed by :mod:`boundkit.complexity` from ``cls``:
        exactly (all sign vectors, small n) or by a stated Monte Carlo estimate.
    value_range : (a, b), optional
        Range of every :math:`h\in\mathcal H`; required by C6b/C6c.
    refinement_divergence : float
        :math:`D_f(Q_{h_n}\|Q) \ge 0` for C7 (0 drops the term, which keeps the bound valid).
    sample : array_like, shape (n, d), optional
        The sample S, for computing :math:`\hat{\mathfrak R}_S` (C6c) when ``rademacher`` is
        omitted.
    P : distribution, optional
        Target with ``sample(n, rng=...)``, for estimating :math:`\mathfrak R_n` (C6a/C6b/C7)
        when ``rademacher`` is omitted.
    n_mc : int
        Sign vectors per sample for those estimates.
    seed : int, optional
        Seed of any Monte Carlo estimate, recorded in the result.

    Returns
    -------
    BoundResult

    Notes
    -----
    .. math::

        \text{C6a: } \mathrm{KL}(P\|Q_{h^*}) + 2\mathfrak R_n, \quad
        \text{C6b: } \ldots + 2(b-a)\sqrt{\tfrac{\log(2/\delta)}{2n}}, \quad
        \text{C6c: } \mathrm{KL}(P\|Q_{h^*}) + 2\hat{\mathfrak R}_S
        + 4(b-a)\sqrt{\tfrac{\log(3/\delta)}{2n}},

    .. math::

        \text{C7: } \mathrm{IPM}_\mathcal H(P,Q) - D_f(Q_{h_n}\|Q) + 4\mathfrak R_n
        \;\ge\; E_S\,\mathrm{IPM}_\mathcal H(P, Q_{h_n})\ \text{(in expectation)}.

    Examples
    --------
    >>> r = bound("C6b", "kl", "linear", n=100, delta=0.05, population=0.1,
    ...           rademacher=0.02, value_range=(-1.0, 1.0))
    >>> sorted(r.terms)
    ['deviation', 'population', 'rademacher', 'refinement']
    >>> round(r.value, 6)
    0.683241
    """
    if claim not in CLAIMS:
        raise BoundkitError(f"unknown bound {claim!r}: expected one of {', '.join(CLAIMS)}")
    check_n_delta(n, delta)
    if np.ndim(n) != 0:
        raise BoundkitError(f"n must be a single integer >= 2; got {n!r}")
    if claim.startswith("C6") and not is_kl(generator):
        raise BoundkitError(
            f"{claim} is stated for the KL generator, got {generator_name(generator)!r}; "
            "use C7 for other generators"
        )
    pop = check_population(claim, population)
    if rademacher is None and not isinstance(cls, str | type(None)):
        rademacher = _complexity(claim, cls, int(n), sample, P, n_mc, seed)
    r_value, r_se, r_method = _rademacher_parts(rademacher)
    if value_range is None:
        value_range = getattr(cls, "value_range", None)
        if callable(value_range):
            value_range = value_range()
    width = 0.0
    notes: list[str] = []
    a = b = 0.0
    if claim in HIGH_PROBABILITY:
        if value_range is None:
            raise BoundkitError(
                f"{claim} needs every h in H to take values in a bounded range [a, b]; the "
                f"class {_class_label(cls)!r} is unbounded (or its range is unknown): pass "
                "value_range=(a, b), or use C6a"
            )
        a, b = (float(v) for v in value_range)
        if not (math.isfinite(a) and math.isfinite(b) and a <= b):
            raise BoundkitError(f"value_range must be finite with a <= b; got {value_range!r}")
        width = b - a
        value_range = (a, b)
    elif value_range is not None:
        value_range = tuple(float(v) for v in value_range)  # type: ignore[assignment]
    rd = 0.0
    if claim == "C7":
        rd = float(refinement_divergence)
        if not math.isfinite(rd) or rd < 0:
            raise BoundkitError(f"refinement_divergence must be finite and >= 0; got {rd}")
        if rd == 0.0:
            notes.append("the -D_f(Q_{h_n}||Q) term is dropped (set to 0)")
    if r_se > 0:
        notes.append(f"Rademacher term is a Monte Carlo estimate (standard error {r_se:.3g})")
    scale = 1.0
    if not math.isfinite(width):
        # b - a overflows (e.g. B = 1e308): the deviation term is evaluated in units of 2^k
        scale = 2.0 ** -math.ceil(math.log2(max(abs(a), abs(b))))
        width = b * scale - a * scale
    with np.errstate(over="ignore"):
        raw = bound_terms(
            claim,
            population=pop,
            rademacher=r_value,
            n=n,
            delta=delta,
            width=width,
            refinement_divergence=rd,
        )
        raw["deviation"] = raw["deviation"] / scale
        terms = {k: float(v) for k, v in raw.items()}
        value = float(sum_terms(raw))
    if not (math.isfinite(value) and all(math.isfinite(v) for v in terms.values())):
        raise BoundkitError(
            f"the {claim} bound exceeds the largest float ({value!r}) for these inputs; "
            "use a smaller scale (B, range or population)"
        )
    return BoundResult(
        claim=claim,
        value=value,
        terms=terms,
        n=int(n),
        delta=float(delta),
        generator=generator_name(generator),
        cls=_class_label(cls),
        value_range=value_range,  # type: ignore[arg-type]
        rademacher_value=r_value,
        rademacher_se=r_se,
        rademacher_method=r_method,
        seed=seed,
        notes=tuple(notes),
    )
