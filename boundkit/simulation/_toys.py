r"""Toy problems: the base class, result records and the toy registry.

A toy bundles a target :math:`P`, a base model :math:`Q`, a generator :math:`f` and a
discriminator class :math:`\mathcal H` whose population quantities are exact (closed form,
finite support or controlled quadrature). The Monte Carlo harness
(:func:`boundkit.simulation.simulate`) only talks to a toy through :class:`Toy`.
"""

from __future__ import annotations

import abc
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from boundkit._errors import BoundkitError
from boundkit.complexity import (
    ExpectedRademacherResult,
    RademacherResult,
    empirical_rademacher,
    expected_rademacher,
)

#: Sample sizes up to which R_S is computed exactly (all 2^n sign vectors).
EXACT_SIGNS_MAX_N = 12
#: Sign vectors per sample in the estimate of R_n (the samples are n_mc / this).
SIGNS_PER_SAMPLE = 20

__all__ = [
    "Toy",
    "toy_bound",
    "PopulationTerms",
    "get_toy",
    "register_toy",
    "toy_names",
]


@dataclass(frozen=True)
class PopulationTerms:
    r"""Exact population quantities of a toy.

    Attributes
    ----------
    divergence_base : float
        :math:`D_f(P\|Q)` (KL for the KL toys).
    divergence_best : float
        :math:`D_f(P\|Q_{h^*})`, the best refinement in the class (KL toys; for other
        generators the KL of the best refinement is not the objective and this is
        :math:`\mathrm{KL}(P\|Q_{h^*})` only when ``generator == "kl"``).
    restricted_divergence : float
        :math:`D_f^{\mathcal H}(P\|Q) = \sup_{h\in\mathcal H} E_P h - \Lambda_f^Q[h]`.
    ipm_base : float
        :math:`\mathrm{IPM}_{\mathcal H}(P, Q)`.
    quadrature_error : float
        Estimated error of any quadrature used (0 for closed forms and finite supports).
    stderr : mapping of str to float, optional
        Monte Carlo populations only: the standard error of each term by name (0 for a term
        in closed form); None when every term is exact or by quadrature.
    """

    divergence_base: float
    divergence_best: float
    restricted_divergence: float
    ipm_base: float
    quadrature_error: float = 0.0
    stderr: Mapping[str, float] | None = None

    def se(self, name: str) -> float:
        """The Monte Carlo standard error of term ``name`` (0 when the terms are not estimates)."""
        return 0.0 if self.stderr is None else float(self.stderr.get(name, 0.0))

    def to_dict(self) -> dict[str, float]:
        """Return the terms as a plain dictionary (with ``<term>_se`` for Monte Carlo terms)."""
        out = {
            "divergence_base": float(self.divergence_base),
            "divergence_best": float(self.divergence_best),
            "restricted_divergence": float(self.restricted_divergence),
            "ipm_base": float(self.ipm_base),
            "quadrature_error": float(self.quadrature_error),
        }
        if self.stderr is not None:
            out.update({f"{k}_se": float(v) for k, v in self.stderr.items()})
        return out


class Toy(abc.ABC):
    r"""A named Monte Carlo toy with exact population quantities.

    Subclasses set ``name``, ``description``, ``generator``, ``class_name``, ``P``, ``Q`` and
    ``cls`` (the discriminator class, a :mod:`boundkit.classes` object on the input space of P)
    and implement :meth:`population`, :meth:`value_range` and :meth:`run_replicates`. The
    Rademacher complexities are computed by :mod:`boundkit.complexity` from ``cls``.

    Notes
    -----
    Every replicate :math:`r` draws :math:`S_r \sim P^n` with its own generator
    ``np.random.default_rng(seeds[r])``, fits the empirical maximiser

    .. math::

        h_n = \arg\max_{h\in\mathcal H} E_{P_n} h - \Lambda_f^Q[h],

    builds :math:`Q_{h_n}` and measures it exactly against :math:`P`.
    """

    name: str = ""
    description: str = ""
    generator: str = "kl"
    class_name: str = ""
    P: Any = None
    Q: Any = None
    cls: Any = None

    @abc.abstractmethod
    def population(self) -> PopulationTerms:
        """Exact population quantities (see :class:`PopulationTerms`)."""

    @abc.abstractmethod
    def value_range(self) -> tuple[float, float] | None:
        r"""The range :math:`[a, b]` of every :math:`h\in\mathcal H` on the support of P, or None.

        None means the class is unbounded there (bounds C6b/C6c do not apply).
        """

    def rademacher(self, n: int, *, rng: Any = None, n_mc: int = 2000) -> ExpectedRademacherResult:
        r"""The expected Rademacher complexity :math:`\mathfrak R_n(\mathcal H)` under P.

        Computed by :func:`boundkit.complexity.expected_rademacher` on ``ceil(n_mc / 20)``
        samples of P with 20 sign vectors each (all :math:`2^n` sign vectors when
        :math:`n \le 12`); its standard error covers both levels of randomness.
        """
        n = int(n)
        return expected_rademacher(
            self.cls,
            self.P,
            n,
            n_samples=max(2, -(-int(n_mc) // SIGNS_PER_SAMPLE)),
            n_sigmas=SIGNS_PER_SAMPLE,
            method="exact" if n <= EXACT_SIGNS_MAX_N else "monte-carlo",
            rng=rng,
        )

    def empirical_rademacher(
        self, sample: np.ndarray, *, rng: Any = None, n_mc: int = 2000
    ) -> RademacherResult:
        r"""The empirical Rademacher complexity :math:`\hat{\mathfrak R}_S(\mathcal H)`.

        Computed by :func:`boundkit.complexity.empirical_rademacher` (exact when
        :math:`n \le 12`, else ``n_mc`` sign vectors).
        """
        return empirical_rademacher(
            self.cls,
            sample,
            n_sigmas=int(n_mc),
            max_exact_n=EXACT_SIGNS_MAX_N,
            rng=rng,
            with_bounds=False,
        )

    @abc.abstractmethod
    def run_replicates(
        self, n: int, seeds: Sequence[np.random.SeedSequence]
    ) -> dict[str, np.ndarray]:
        r"""Run one replicate per seed at sample size ``n``.

        Returns a dictionary of per-replicate arrays with at least the keys ``divergence``
        (:math:`D_f(P\|Q_{h_n})`, KL for KL toys), ``divergence_refinement``
        (:math:`D_f(Q_{h_n}\|Q)`), ``ipm`` (:math:`\mathrm{IPM}_\mathcal H(P, Q_{h_n})`),
        ``dev_up`` (:math:`\sup_H E_P h - E_{P_n} h`), ``dev_down``
        (:math:`\sup_H E_{P_n} h - E_P h`), and ``rademacher_s`` for bounded classes.
        """

    def config(self) -> dict[str, Any]:
        """The toy's configuration as a JSON-ready dictionary."""
        return {
            "name": self.name,
            "class": type(self).__name__,
            "generator": self.generator,
            "class_name": self.class_name,
        }

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r}: {self.description}>"


_TOYS: dict[str, Toy | Callable[[], Toy]] = {}
_BUILTINS_LOADED = False


def _load_builtins() -> None:
    global _BUILTINS_LOADED
    if _BUILTINS_LOADED:
        return
    _BUILTINS_LOADED = True
    from boundkit.simulation import _builtin_toys  # noqa: F401 - registers the toys


def register_toy(
    toy: Toy | Callable[[], Toy], *, name: str | None = None, overwrite: bool = False
) -> None:
    r"""Register a toy (or a zero-argument factory building it) under a name.

    Parameters
    ----------
    toy : Toy or callable
        The toy, or a factory called on first :func:`get_toy` (for toys expensive to build).
    name : str, optional
        Defaults to ``toy.name``; required for a factory.
    overwrite : bool
        Replace an existing toy of that name.

    Examples
    --------
    >>> from boundkit.simulation import Gauss1DQuadratic, register_toy, get_toy
    >>> register_toy(Gauss1DQuadratic(name="my-gauss", mean_p=1.0, B=0.3), overwrite=True)
    >>> get_toy("my-gauss").B
    0.3
    """
    _load_builtins()
    key = name if name is not None else getattr(toy, "name", None)
    if not key or not isinstance(key, str):
        raise BoundkitError("a toy needs a non-empty name (pass name=...)")
    if key in _TOYS and not overwrite:
        raise BoundkitError(f"a toy named {key!r} is already registered (use overwrite=True)")
    _TOYS[key] = toy


def get_toy(name: str | Toy) -> Toy:
    """Return the registered toy called ``name`` (a :class:`Toy` is returned unchanged).

    Examples
    --------
    >>> from boundkit.simulation import get_toy
    >>> get_toy("gauss1d-quadratic").P.sample(3, rng=0).shape
    (3, 1)
    """
    if isinstance(name, Toy):
        return name
    _load_builtins()
    if name not in _TOYS:
        raise BoundkitError(f"unknown toy {name!r}: known toys are {', '.join(sorted(_TOYS))}")
    entry = _TOYS[name]
    if not isinstance(entry, Toy):
        entry = entry()
        if not isinstance(entry, Toy):
            raise BoundkitError(f"the factory of toy {name!r} did not return a Toy")
        _TOYS[name] = entry
    return entry


def toy_names() -> list[str]:
    """Names of all registered toys, sorted."""
    _load_builtins()
    return sorted(_TOYS)


def toy_bound(
    claim: str,
    toy: str | Toy,
    n: int,
    delta: float = 0.05,
    *,
    rng: Any = None,
    n_mc: int = 2000,
    sample: np.ndarray | None = None,
    refinement_divergence: float = 0.0,
) -> Any:
    r"""Evaluate a bound of C6/C7 for a toy, with its exact population term.

    Parameters
    ----------
    claim : {"C6a", "C6b", "C6c", "C7"}
        Which bound (see :func:`boundkit.bounds.bound`).
    toy : str or Toy
        A registered toy name or a toy.
    n : int
        Sample size, at least 2.
    delta : float
        Confidence parameter in (0, 1).
    rng : seed or Generator, optional
        Seeds the Monte Carlo estimate of the Rademacher complexity (and the sample of C6c
        when ``sample`` is not given).
    n_mc : int
        Monte Carlo draws for the Rademacher estimate.
    sample : ndarray, shape (n, dim), optional
        The sample S for the data-dependent bound C6c (drawn from P when omitted).
    refinement_divergence : float
        :math:`D_f(Q_{h_n}\|Q)` for C7 (0 drops the term).

    Returns
    -------
    boundkit.bounds.BoundResult

    Notes
    -----
    The population term is :math:`\mathrm{KL}(P\|Q_{h^*})` (C6) or
    :math:`\mathrm{IPM}_\mathcal H(P, Q)` (C7) from :meth:`Toy.population`; the complexity is
    :math:`\mathfrak R_n` (:meth:`Toy.rademacher`) or, for C6c,
    :math:`\hat{\mathfrak R}_S` (:meth:`Toy.empirical_rademacher`); the range :math:`[a, b]`
    is :meth:`Toy.value_range`.

    Examples
    --------
    >>> r = toy_bound("C6a", "gauss1d-quadratic", 100, rng=0, n_mc=200)
    >>> r.claim, r.n, sorted(r.terms)[:2]
    ('C6a', 100, ['deviation', 'population'])
    """
    from boundkit.bounds import CLAIMS, bound, check_n_delta

    if claim not in CLAIMS:
        raise BoundkitError(f"unknown bound {claim!r}: expected one of {', '.join(CLAIMS)}")
    check_n_delta(n, delta)
    toy = get_toy(toy)
    gen = np.random.default_rng(rng)
    pop = toy.population()
    value_range = toy.value_range()
    if claim in ("C6b", "C6c") and value_range is None:
        raise BoundkitError(
            f"{claim} needs every h in H to take values in a bounded range [a, b]; the class "
            f"of toy {toy.name!r} ({toy.class_name}) is unbounded: use C6a or C7"
        )
    if claim == "C6c":
        if sample is None:
            sample = toy.P.sample(int(n), rng=gen)
        sample = np.asarray(sample, dtype=float)
        if sample.shape[0] != int(n):
            raise BoundkitError(f"the sample has {sample.shape[0]} points, expected n={n}")
        est: Any = toy.empirical_rademacher(sample, rng=gen, n_mc=n_mc)
    else:
        est = toy.rademacher(int(n), rng=gen, n_mc=n_mc)
    population = pop.ipm_base if claim == "C7" else pop.divergence_best
    return bound(
        claim,
        toy.generator,
        toy.class_name,
        int(n),
        delta,
        population=population,
        rademacher=est,
        value_range=value_range,
        refinement_divergence=refinement_divergence,
        seed=rng if isinstance(rng, int) else None,
    )
