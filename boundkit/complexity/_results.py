r"""Result objects of the complexity calculator."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from boundkit._json import jsonable

__all__ = ["ComplexityBound", "RademacherResult", "ExpectedRademacherResult"]


@dataclass(frozen=True)
class ComplexityBound:
    r"""A closed-form bound on a Rademacher complexity, with the formula it evaluates.

    Attributes
    ----------
    value : float
        The number.
    name : str
        Short name (``"khintchine-upper"``, ``"massart"``, ...).
    formula : str
        The formula evaluated, in LaTeX.
    kind : {"upper", "lower"}
        Whether it bounds the complexity from above or below.
    reference : str
        Where the inequality comes from.
    terms : mapping
        The ingredients (e.g. ``n``, ``B``, ``sum_sq_norms``).

    Notes
    -----
    ``float(bound)`` is ``bound.value``.
    """

    value: float
    name: str
    formula: str
    kind: str = "upper"
    reference: str = ""
    terms: Mapping[str, Any] = field(default_factory=dict)

    def __float__(self) -> float:
        return float(self.value)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dictionary."""
        return jsonable(
            {
                "name": self.name,
                "kind": self.kind,
                "value": self.value,
                "formula": self.formula,
                "reference": self.reference,
                "terms": dict(self.terms),
            }
        )


@dataclass(frozen=True)
class RademacherResult:
    r"""The empirical Rademacher complexity :math:`\mathfrak R_S(\mathcal H)` on a sample.

    Attributes
    ----------
    estimate : float
        The value: exact (enumeration of all :math:`2^n` sign vectors) or the Monte Carlo mean.
        For ReLU networks it is the lower bracket.
    stderr : float
        Monte Carlo standard error of ``estimate`` (0 for exact enumeration).
    lower, upper : float
        Bracket on the quantity estimated: equal to ``estimate`` when the inner supremum is
        exact; for networks, the mean of the certified one-neuron lower values and the
        norm-based upper bound.
    method : str
        ``"exact-enumeration"`` or ``"monte-carlo"``.
    n : int
        Sample size.
    n_sigmas : int
        Number of sign vectors averaged (:math:`2^n` for enumeration).
    class_name : str
        The class (its ``repr``).
    sup_method : str
        How the inner supremum was computed (``"closed-form"``, ``"exact-max"``,
        ``"angle-sweep"`` (exact, 1-D networks) or ``"great-circle-search"``).
    bounds : tuple of ComplexityBound
        The closed-form C9 bounds that apply.
    seed : Any
        The ``rng`` argument as given (an int seed reproduces the result).
    sups : ndarray or None
        The per-sign-vector suprema (Monte Carlo only).
    approximation_error : float
        A bound on the error of an approximated inner supremum (the Nystrom bound
        :math:`\frac Bn\sqrt{\operatorname{tr}(K - \tilde K)}`; 0 when none is used):
        ``lower <= R_S <= upper`` up to Monte Carlo error.

    Notes
    -----
    ``exact`` is True when the value has neither Monte Carlo nor approximation error
    (enumeration of every sign vector with an exact supremum).
    """

    estimate: float
    stderr: float
    lower: float
    upper: float
    method: str
    n: int
    n_sigmas: int
    class_name: str = ""
    sup_method: str = ""
    bounds: tuple[ComplexityBound, ...] = ()
    seed: Any = None
    sups: np.ndarray | None = None
    approximation_error: float = 0.0

    @property
    def exact(self) -> bool:
        r"""Whether ``estimate`` is the exact :math:`\mathfrak R_S` (no sampling, no bracket)."""
        return (
            self.method == "exact-enumeration"
            and self.lower == self.upper
            and self.approximation_error == 0.0
        )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dictionary (without the per-sign suprema)."""
        return jsonable(
            {
                "estimate": self.estimate,
                "stderr": self.stderr,
                "exact": self.exact,
                "lower": self.lower,
                "upper": self.upper,
                "method": self.method,
                "sup_method": self.sup_method,
                "n": self.n,
                "n_sigmas": self.n_sigmas,
                "class": self.class_name,
                "seed": self.seed if isinstance(self.seed, int | np.integer) else None,
                "bounds": [b.to_dict() for b in self.bounds],
            }
        )


@dataclass(frozen=True)
class ExpectedRademacherResult:
    r"""The expected Rademacher complexity :math:`\mathfrak R_n(\mathcal H) = \mathbb E_S
    \mathfrak R_S(\mathcal H)` estimated over fresh samples.

    Attributes
    ----------
    estimate : float
        Mean over samples of the per-sample estimates of :math:`\mathfrak R_S`.
    stderr : float
        Standard error accounting for both levels (samples and sign vectors): the standard
        deviation of the per-sample estimates over :math:`\sqrt{K}`.
    between_var, within_var : float
        Estimated variance of :math:`\mathfrak R_S` across samples, and mean Monte Carlo
        variance of one per-sample estimate (0 with exact enumeration).
    lower, upper : float
        Means of the per-sample brackets.
    per_sample : ndarray, shape (K,)
        The per-sample estimates.
    n, n_samples, n_sigmas : int
        Sample size, number of samples :math:`K`, sign vectors per sample.
    method : str
        Method of the per-sample estimates.
    exact : bool
        Whether every per-sample :math:`\mathfrak R_{S_k}` is exact (then ``stderr`` is the
        sampling error of :math:`S` alone and ``within_var`` is 0).
    seed : Any
        The ``rng`` argument as given.

    Notes
    -----
    With per-sample estimates :math:`\hat r_k = \mathfrak R_{S_k} + \varepsilon_k`,
    :math:`\operatorname{Var}\hat r_k = \operatorname{Var}_S \mathfrak R_S +
    \mathbb E\,\sigma^2_{S}/m`, which the sample variance of the :math:`\hat r_k` estimates
    without bias:

    .. math:: \mathrm{SE} = \frac{s_{\hat r}}{\sqrt K}, \qquad
        \widehat{\operatorname{Var}}_S = s^2_{\hat r} - \frac1K\sum_k \widehat{\mathrm{SE}}_k^2.
    """

    estimate: float
    stderr: float
    between_var: float
    within_var: float
    lower: float
    upper: float
    per_sample: np.ndarray
    n: int
    n_samples: int
    n_sigmas: int
    method: str
    seed: Any = None
    exact: bool = False

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dictionary."""
        return jsonable(
            {
                "estimate": self.estimate,
                "stderr": self.stderr,
                "exact": self.exact,
                "between_var": self.between_var,
                "within_var": self.within_var,
                "lower": self.lower,
                "upper": self.upper,
                "per_sample": self.per_sample,
                "n": self.n,
                "n_samples": self.n_samples,
                "n_sigmas": self.n_sigmas,
                "method": self.method,
                "seed": self.seed if isinstance(self.seed, int | np.integer) else None,
            }
        )
