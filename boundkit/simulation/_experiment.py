r"""An experiment from parts: any distribution pair, discriminator class and generator.

:class:`Experiment` is a :class:`~boundkit.simulation.Toy` built from a target ``P``, a base
model ``Q``, a class ``cls`` (:mod:`boundkit.classes`) and a generator ``f``; it runs through
the same harness (:func:`boundkit.simulation.simulate`) as the built-in toys. Population
quantities are exact on finite supports, by grid quadrature (dimension 1 or 2, with the
quadrature error reported) for pairs with densities, and otherwise a stated Monte Carlo
estimate on a large seeded sample of P and Q (:mod:`boundkit.simulation._mc_support`) with
batch-means standard errors carried into every column. Every replicate draws
:math:`S \sim P^n`, fits

.. math::

    h_n = \arg\max_{h\in\mathcal H}\; E_{P_n} h - \Lambda_f^Q[h],

refines :math:`dQ_{h_n}/dQ = (f^*)'(h_n - \nu_{h_n})` (the shared kernel
:func:`boundkit.generators.shift_functional`) on the support and measures it there.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

import numpy as np

from boundkit._errors import BoundkitError
from boundkit.bounds import c7_pointwise_rhs, generator_name
from boundkit.classes import FiniteClass, LinearClass, ReLUNetwork2, RKHSBall
from boundkit.distributions import FiniteDistribution, Gaussian
from boundkit.duality import gaussian_closed_form_available, gaussian_divergence
from boundkit.generators import get_generator, is_kl, perspective_divergence, shift_functional
from boundkit.simulation._closed_form import GaussianQuadraticKL
from boundkit.simulation._linear_kl import fit_linear_kl
from boundkit.simulation._mc_support import (
    MC_BATCHES,
    TailIndices,
    batch_se,
    divergence_khat,
    monte_carlo_support,
    refuse_heavy_tail,
    sub_support,
)
from boundkit.simulation._support import (
    Support,
    default_box,
    finite_support,
    grid_support,
    has_default_box,
)
from boundkit.simulation._toys import PopulationTerms, Toy

__all__ = ["Experiment"]

POPULATION_KINDS = ("auto", "finite", "grid", "monte-carlo", "closed-form")
#: Default Monte Carlo population sample (points of P plus points of Q).
DEFAULT_MC_SIZE = 20_000


def refine_rows(g: Any, H: np.ndarray, q: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    r"""Refined weights :math:`q\,(f^*)'(h_r - \nu_{h_r})` and :math:`\Lambda_f^Q[h_r]` per row.

    All rows in one call of the batched kernel :func:`boundkit.generators.shift_functional`.
    """
    H = np.atleast_2d(np.asarray(H, dtype=float))
    sf = shift_functional(g, H, q)
    qh = np.where(q[None, :] > 0, q[None, :] * np.asarray(sf.ratio), 0.0)
    return qh, np.asarray(sf.value, dtype=float)


def divergence_rows(g: Any, A: np.ndarray, B: np.ndarray) -> np.ndarray:
    r""":math:`D_f(a_r\|b_r)` for rows of ``A`` and ``B`` on a finite support, in one call of
    :func:`boundkit.generators.perspective_divergence` (a 1-d argument is shared by the rows)."""
    A, B = np.asarray(A, dtype=float), np.asarray(B, dtype=float)
    if A.ndim == 1 and B.ndim == 1:
        A = A[None, :]
    return np.atleast_1d(np.asarray(perspective_divergence(g, A, B), dtype=float))


def _fingerprint(D: Any) -> dict[str, Any]:
    if isinstance(D, FiniteDistribution):
        return {"kind": "finite", "atoms": D.atoms.tolist(), "weights": D.weights.tolist()}
    probe = np.asarray(D.sample(32, rng=0), dtype=float)
    blob = probe.tobytes() + np.asarray(D.logpdf(probe), dtype=float).tobytes()
    return {"kind": type(D).__name__, "digest": hashlib.sha256(blob).hexdigest()[:16]}


class Experiment(Toy):
    r"""Bound vs measured gap for any pair P, Q, class and generator (a toy built from parts).

    Parameters
    ----------
    P, Q : Distribution
        Target and base model (:mod:`boundkit.distributions`): finite, Gaussian, mixture,
        grid density, sklearn-wrapped or refined models with ``sample`` and ``logpdf``.
    cls : DiscriminatorClass
        The class :math:`\mathcal H` (:mod:`boundkit.classes`): linear with any features
        (identity, polynomial, random Fourier, a callable), RKHS ball (finite supports),
        two-layer ReLU, finite.
    generator : str or Generator
        The generator f (catalogue name, alpha member, user expression or a Generator).
    name : str
        Registry name (for :func:`boundkit.simulation.register_toy` and the CSV).
    population : {"auto", "finite", "grid", "monte-carlo", "closed-form"}
        How population quantities are computed: ``"finite"`` (exact sums; both P and Q
        finite), ``"closed-form"`` (1-D Gaussian P and Q, the quadratic class
        ``LinearClass("poly", degree=2, p=2)``, KL: every term and every replicate in closed
        form, the sample drawn through its sufficient statistics; see
        :mod:`boundkit.simulation._closed_form`; never picked by ``"auto"``), ``"grid"``
        (midpoint quadrature on ``n_grid`` cells per axis of ``box``,
        dimension 1 or 2), ``"monte-carlo"`` (a seeded sample of ``mc_size`` points, half
        from P and half from Q, with importance weights and batch-means standard errors);
        ``"auto"`` picks finite when possible, else grid (dimension 1 or 2 with a box given or
        known), else Monte Carlo.
    box : array_like, shape (d, 2), optional
        Quadrature box (default: 8 standard deviations around Gaussian / mixture components,
        or the grid of a :class:`~boundkit.distributions.GridDensity`).
    n_grid : int
        Grid cells per axis.
    value_range : (a, b), optional
        The range of every :math:`h\in\mathcal H` on the support of P. Computed exactly from
        the support function on finite supports; on grids, give it when the class is bounded
        (e.g. random Fourier features) to enable C6b/C6c.
    description : str, optional
        One line shown by ``boundkit simulate``.
    fit_seed : int
        Seed of the population fit of non-convex classes (ReLU restarts); the fit of each
        replicate is seeded by an integer drawn last from that replicate's own stream.
    mc_size : int
        Monte Carlo population only: the sample size K (points of P plus points of Q).
    mc_seed : int
        Monte Carlo population only: the seed of that sample.
    population_class : DiscriminatorClass, optional
        The class whose ``fit`` finds the population maximiser :math:`h^*` (default ``cls``):
        the same class with other fit settings, e.g. a ReLU network with more restarts.

    Notes
    -----
    On the support :math:`x_k` with weights :math:`p_k, q_k`: :math:`q^h_k = q_k
    (f^*)'(h_k - \nu_h)`, :math:`D_f(P\|Q_h) = \sum_k q^h_k f(p_k/q^h_k)`,
    :math:`\mathrm{IPM}_\mathcal H(P, Q_h) = \sup_{h'} \sum_k (p_k - q^h_k) h'(x_k)` (the class's
    support function), and the deviations :math:`\sup_h (E_P - E_{P_n})h`,
    :math:`\sup_h (E_{P_n} - E_P)h` likewise. On a Monte Carlo support every such sum is an
    importance-sampling estimate: :math:`D_f(P\|Q)` is the closed form where one exists (two
    Gaussians: :func:`boundkit.duality.gaussian_divergence`), each other term and every
    measured column gets a ``<column>_mc_se`` standard error, and a divergence with
    heavy-tailed summands is refused rather than reported finite. KL with an L2 linear class
    solves all replicates at once (batched Newton); every other case uses the class's own ``fit``.

    Examples
    --------
    >>> import numpy as np
    >>> from boundkit.distributions import FiniteDistribution
    >>> from boundkit.classes import LinearClass
    >>> x = np.linspace(-1, 1, 5)[:, None]
    >>> P = FiniteDistribution(x, [0.1, 0.2, 0.4, 0.2, 0.1])
    >>> Q = FiniteDistribution(x, np.full(5, 0.2))
    >>> ex = Experiment(P, Q, LinearClass("poly", degree=2, B=2.0), "kl", name="mine")
    >>> pop = ex.population()
    >>> bool(0 < pop.divergence_best < pop.divergence_base)
    True
    """

    def __init__(
        self,
        P: Any,
        Q: Any,
        cls: Any,
        generator: Any = "kl",
        *,
        name: str = "experiment",
        population: str = "auto",
        box: Any = None,
        n_grid: int = 401,
        value_range: tuple[float, float] | None = None,
        description: str | None = None,
        fit_seed: int = 0,
        mc_size: int = DEFAULT_MC_SIZE,
        mc_seed: int = 0,
        population_class: Any = None,
    ) -> None:
        if population not in POPULATION_KINDS:
            raise BoundkitError(
                f"population must be one of {', '.join(POPULATION_KINDS)}; got {population!r}"
            )
        for label, D in (("P", P), ("Q", Q)):
            if not (hasattr(D, "sample") and hasattr(D, "logpdf") and hasattr(D, "dim")):
                raise BoundkitError(
                    f"{label} must be a boundkit distribution (with dim, sample and logpdf); "
                    f"got {type(D).__name__}"
                )
        if P.dim != Q.dim:
            raise BoundkitError(f"P has dimension {P.dim} but Q has dimension {Q.dim}")
        if not hasattr(cls, "support_function"):
            raise BoundkitError(
                f"cls must be a boundkit discriminator class (with support_function); got {cls!r}"
            )
        both_finite = isinstance(P, FiniteDistribution) and isinstance(Q, FiniteDistribution)
        if population == "auto":
            gridded = P.dim <= 2 and (box is not None or has_default_box(P, Q))
            any_finite = isinstance(P, FiniteDistribution) or isinstance(Q, FiniteDistribution)
            population = (
                "finite" if both_finite else "grid" if gridded or any_finite else "monte-carlo"
            )
        if population == "finite" and not both_finite:
            raise BoundkitError("population='finite' needs finite P and Q (FiniteDistribution)")
        if isinstance(n_grid, bool) or int(n_grid) != n_grid or n_grid < 8:
            raise BoundkitError(f"n_grid must be an integer >= 8; got {n_grid!r}")
        self.name = name
        self.P, self.Q, self.cls = P, Q, cls
        self.generator = generator if not isinstance(generator, str) else generator.lower()
        self._g = get_generator(generator) if isinstance(generator, str) else generator
        self.population_kind = population
        self.n_grid = int(n_grid)
        self.fit_seed = int(fit_seed)
        self.class_name = type(cls).__name__
        self.mc_size, self.mc_seed = int(mc_size), int(mc_seed)
        if population_class is not None and type(population_class) is not type(cls):
            raise BoundkitError(
                f"population_class must be a {type(cls).__name__} like cls (the same class "
                f"with other fit settings); got {type(population_class).__name__}"
            )
        self.population_class = cls if population_class is None else population_class
        if population != "finite" and isinstance(cls, RKHSBall | FiniteClass):
            raise BoundkitError(
                f"{type(cls).__name__} needs a finite support (its members live on given "
                "points): use finite P and Q"
            )
        self._closed: GaussianQuadraticKL | None = None
        self.support: Support | None
        if population == "closed-form":
            if value_range is not None:
                raise BoundkitError(
                    "population='closed-form': quadratics are unbounded on the real line, "
                    "value_range does not apply"
                )
            self._closed = GaussianQuadraticKL.of(P, Q, cls, self._g)
            self.box = None
            self.support = None
        elif population == "finite":
            self.box = None
            self.support = finite_support(P, Q)
        elif population == "monte-carlo":
            if isinstance(mc_seed, bool) or int(mc_seed) != mc_seed or mc_seed < 0:
                raise BoundkitError(f"mc_seed must be a non-negative integer; got {mc_seed!r}")
            self.box = None
            self.support = monte_carlo_support(P, Q, mc_size, int(mc_seed))
        else:
            self.box = np.asarray(default_box(P, Q) if box is None else box, dtype=float)
            self.support = grid_support(P, Q, self.box, self.n_grid)
        if self.support is not None and np.any((self.support.p > 0) & (self.support.q <= 0)):
            raise BoundkitError(
                "P puts mass where Q has none: D_f(P||Q_h) is infinite for every h (give a Q "
                "with full support)"
            )
        self._fast = (
            self.support is not None
            and is_kl(self.generator)
            and isinstance(cls, LinearClass)
            and float(cls.q) == 2.0
        )
        self._phi = cls.design_matrix(self.support.x) if self._fast else None
        self._value_range = self._range(value_range)
        where = "closed form" if self.support is None else f"{self.support.x.shape[0]} points"
        self.description = description or (
            f"P: {type(P).__name__}, Q: {type(Q).__name__} ({population}, "
            f"{where}), H: {cls!r}, {generator_name(self._g)}"
        )
        self._pop: tuple[np.ndarray, PopulationTerms] | None = None
        self._pop_batches: dict[str, np.ndarray] = {}
        self._pop_fit: Any = None

    # ------------------------------------------------------------------ class range
    def _range(self, given: Any) -> tuple[float, float] | None:
        if given is not None:
            a, b = (float(v) for v in given)
            if not (np.isfinite(a) and np.isfinite(b) and a <= b):
                raise BoundkitError(f"value_range must be finite (a, b) with a <= b; got {given}")
            return (a, b)
        if self.population_kind != "finite":
            return None
        x = self.support.x
        exact = getattr(self.cls, "support_is_exact", None)
        if exact is not None and not exact(x):
            return None
        eye = np.eye(x.shape[0])
        hi = np.asarray(self.cls.support_function(x, eye), dtype=float)
        lo = -np.asarray(self.cls.support_function(x, -eye), dtype=float)
        return (float(lo.min()), float(hi.max()))

    def value_range(self) -> tuple[float, float] | None:
        r"""The range :math:`[a, b]` of the class on the support of P (None if unknown)."""
        return self._value_range

    # ------------------------------------------------------------------ fitting
    def fit_values(
        self,
        m: np.ndarray | None,
        samples: Sequence[np.ndarray] | None,
        fit_seeds: Sequence[int] | None = None,
    ) -> np.ndarray:
        r"""Values :math:`h_n(x_k)` on the support of the fitted discriminators, (R, K).

        ``m`` are the empirical feature means (KL with an L2 linear class: batched Newton);
        otherwise each sample in ``samples`` is fitted with the class's ``fit``, seeded by
        ``fit_seeds[r]`` (default: ``fit_seed`` for every sample; only non-convex classes
        such as the ReLU network use it, for their restarts).
        """
        sup = self.support
        if self._fast:
            assert m is not None and self._phi is not None
            w, _ = fit_linear_kl(m, np.log(sup.q), self._phi, float(self.cls.B))
            return w @ self._phi.T
        assert samples is not None
        out = np.empty((len(samples), sup.x.shape[0]))
        seeds = [self.fit_seed] * len(samples) if fit_seeds is None else list(fit_seeds)
        for r, s in enumerate(samples):
            fit = self.cls.fit(s, self._g, sup.x, sup.q, rng=seeds[r])
            out[r] = fit.h(sup.x)
        return out

    # ------------------------------------------------------------------ population
    def _population_on(
        self, sup: Support, member: Any = None
    ) -> tuple[np.ndarray, PopulationTerms, Any]:
        r"""Population terms on ``sup`` at its maximiser :math:`h^*`, or at the fitted
        ``member`` (a :class:`~boundkit.classes.FittedDiscriminator`) when given; returns
        ``(h on sup, terms, the fit or None on the batched KL path)``."""
        if member is not None:
            h = np.asarray(member.h(sup.x), dtype=float)
        elif self._fast:
            phi = self.cls.design_matrix(sup.x)
            w, _ = fit_linear_kl((sup.p @ phi)[None, :], np.log(sup.q), phi, float(self.cls.B))
            h = (w @ phi.T)[0]
        else:
            fit = self.population_class.fit(
                sup.x, self._g, sup.x, sup.q, p_weights=sup.p, rng=self.fit_seed
            )
            member = fit
            h = np.asarray(fit.h(sup.x), dtype=float)
        qh, lam = refine_rows(self._g, h[None, :], sup.q)
        pop = PopulationTerms(
            divergence_base=float(divergence_rows(self._g, sup.p, sup.q)[0]),
            divergence_best=float(divergence_rows(self._g, sup.p, qh)[0]),
            restricted_divergence=float(sup.p @ h - lam[0]),
            ipm_base=float(self.cls.support_function(sup.x, sup.p - sup.q)),
        )
        return h, pop, member

    def _closed_base(self) -> float | None:
        r""":math:`D_f(P\|Q)` in closed form (two Gaussians), else None."""
        if isinstance(self.P, Gaussian) and isinstance(self.Q, Gaussian):
            if gaussian_closed_form_available(self._g):
                return float(gaussian_divergence(self._g, self.P, self.Q))
        return None

    def _population_mc(self) -> tuple[np.ndarray, PopulationTerms]:
        """Population terms on the Monte Carlo support, with batch-means standard errors."""
        sup, g = self.support, self._g
        h, pop, _ = self._population_on(sup)
        exact_base = self._closed_base()
        self._tails = TailIndices.of(g, sup)
        if exact_base is None:
            refuse_heavy_tail(divergence_khat(self._tails, "base"), "D_f(P||Q)")
        qh, _ = refine_rows(g, h[None, :], sup.q)
        r = qh / sup.q[None, :]
        refuse_heavy_tail(divergence_khat(self._tails, "refined", r), "D_f(P||Q_h*)")
        names = ("divergence_base", "divergence_best", "restricted_divergence", "ipm_base")
        vals = np.empty((MC_BATCHES, len(names)))
        for b in range(MC_BATCHES):
            idx, s = sub_support(sup, b)
            qhb, lam = refine_rows(g, h[None, idx], s.q)
            vals[b] = (
                divergence_rows(g, s.p, s.q)[0],
                divergence_rows(g, s.p, qhb)[0],
                s.p @ h[idx] - lam[0],
                float(self.cls.support_function(s.x, s.p - s.q)),
            )
        if exact_base is not None:
            vals[:, 0] = exact_base
        se = batch_se(vals)
        if exact_base is not None:
            se[0] = 0.0
        self._pop_batches = {k: vals[:, j].copy() for j, k in enumerate(names)}
        terms = pop.to_dict()
        if exact_base is not None:
            terms["divergence_base"] = exact_base
        terms["stderr"] = {k: float(se[j]) for j, k in enumerate(names)}
        return h, PopulationTerms(**terms)

    def _best(self) -> tuple[np.ndarray, PopulationTerms]:
        if self._pop is None and self._closed is not None:
            self._pop = self._closed.population()
        if self._pop is None and self.population_kind == "monte-carlo":
            self._pop = self._population_mc()
        if self._pop is None:
            h, pop, member = self._population_on(self.support)
            if self.population_kind == "grid":
                fine = grid_support(self.P, self.Q, self.box, 2 * self.n_grid)
                # a non-convex fit is a local optimum: refitting on the finer grid would
                # measure the optimiser, so the same member is evaluated there
                keep = member if isinstance(self.cls, ReLUNetwork2) else None
                _, ref, _ = self._population_on(fine, keep)
                a, b = pop.to_dict(), ref.to_dict()
                change = max(abs(a[k] - b[k]) for k in a if k != "quadrature_error")
                err = change + self.support.outside_mass
                pop = PopulationTerms(**{**a, "quadrature_error": float(err)})
            self._pop = (h, pop)
            self._pop_fit = member
        return self._pop

    def population(self) -> PopulationTerms:
        """Population terms: exact sums (finite), grid quadrature with its error, or Monte
        Carlo estimates with their standard errors (``stderr``)."""
        return self._best()[1]

    def population_fit(self) -> Any:
        r"""The fit of :math:`h^*` by the class's ``fit`` (a
        :class:`~boundkit.classes.FittedDiscriminator` with ``params``), or None when the
        batched KL solver found it (KL with an L2 linear class) or on Monte Carlo supports."""
        self._best()
        return self._pop_fit

    def best_weights(self) -> np.ndarray:
        r"""The population maximiser :math:`w^*` of the batched KL path (KL with an L2 linear
        class on a finite or grid support): :math:`h^* = \Phi w^*` on the support."""
        sup = self.support
        if not self._fast or sup is None or self.population_kind == "monte-carlo":
            raise BoundkitError(
                f"experiment {self.name!r} has no batched KL weights (KL with an L2 linear "
                "class on a finite or grid support)"
            )
        assert self._phi is not None
        m = (sup.p @ self._phi)[None, :]
        return fit_linear_kl(m, np.log(sup.q), self._phi, float(self.cls.B))[0][0]

    def best_values(self) -> np.ndarray:
        r"""Values of the population maximiser :math:`h^*` on the support (closed form: its
        coefficients :math:`(a^*, b^*)`)."""
        return self._best()[0].copy()

    # ------------------------------------------------------------------ replicates
    def _draw(self, n: int, gen: np.random.Generator) -> tuple[np.ndarray, np.ndarray | None]:
        """A sample of P (and, on finite supports, its empirical weights on the support)."""
        sup = self.support
        if self.population_kind == "finite":
            counts = gen.multinomial(n, sup.p)
            return np.repeat(sup.x, counts, axis=0), counts / n
        return np.asarray(self.P.sample(n, rng=gen), dtype=float).reshape(n, -1), None

    def run_replicates(
        self, n: int, seeds: Sequence[np.random.SeedSequence], *, n_mc_sigma: int = 200
    ) -> dict[str, np.ndarray]:
        """Run one replicate per seed (see :meth:`Toy.run_replicates`)."""
        if self._closed is not None:
            return self._closed.run_replicates(n, seeds)
        sup = self.support
        assert sup is not None
        n, R = int(n), len(seeds)
        bounded = self._value_range is not None
        samples, p_hats = [], []
        rs = np.empty(R)
        fit_seeds = np.empty(R, dtype=np.int64)
        for r, ss in enumerate(seeds):
            gen = np.random.default_rng(ss)
            s, p_hat = self._draw(n, gen)
            samples.append(s)
            p_hats.append(p_hat)
            if bounded:
                rs[r] = self.empirical_rademacher(s, rng=gen, n_mc=n_mc_sigma).estimate
            # the seed of this replicate's fit (restarts of non-convex classes), last from
            # its stream so that the sample and R_S do not depend on it
            fit_seeds[r] = gen.integers(2**31 - 1)
        m = None
        if self._fast:
            assert self._phi is not None
            if self.population_kind == "finite":
                m = np.stack(p_hats) @ self._phi
            else:
                m = np.stack([self.cls.design_matrix(s).mean(0) for s in samples])
        H = self.fit_values(m, samples, [int(v) for v in fit_seeds])
        qh, _ = refine_rows(self._g, H, sup.q)
        sf = self.cls.support_function
        out: dict[str, np.ndarray] = {
            "divergence": divergence_rows(self._g, sup.p, qh),
            "divergence_refinement": divergence_rows(self._g, qh, sup.q),
            "ipm": np.asarray(sf(sup.x, (sup.p[None, :] - qh).T), dtype=float).reshape(R),
        }
        if self.population_kind == "finite":
            ph = np.stack(p_hats)
            out["ipm_empirical"] = np.asarray(sf(sup.x, (ph - qh).T), dtype=float).reshape(R)
            out["dev_up"] = np.asarray(sf(sup.x, (sup.p - ph).T), dtype=float).reshape(R)
            out["dev_down"] = np.asarray(sf(sup.x, (ph - sup.p).T), dtype=float).reshape(R)
        else:
            emp, up, down = np.empty(R), np.empty(R), np.empty(R)
            for r, s in enumerate(samples):
                pts = np.vstack([sup.x, s])
                pn = np.full(n, 1.0 / n)
                emp[r] = sf(pts, np.concatenate([-qh[r], pn]))
                up[r] = sf(pts, np.concatenate([sup.p, -pn]))
                down[r] = sf(pts, np.concatenate([-sup.p, pn]))
            out.update(ipm_empirical=emp, dev_up=up, dev_down=down)
        if bounded:
            out["rademacher_s"] = rs
        if self.population_kind == "monte-carlo":
            self._best()
            r = qh / sup.q[None, :]
            refuse_heavy_tail(divergence_khat(self._tails, "refined", r), "D_f(P||Q_hn)")
            refuse_heavy_tail(divergence_khat(self._tails, "refinement", r), "D_f(Q_hn||Q)")
            out.update(self._replicate_se(H, samples))
        return out

    def _replicate_se(self, H: np.ndarray, samples: Sequence[np.ndarray]) -> dict[str, np.ndarray]:
        r"""Batch-means standard errors ``<column>_mc_se`` of every measured column.

        Every batch recomputes the columns with the fitted :math:`h_n` held fixed (its own
        :math:`\nu_{h_n}`, weights renormalised) and the population terms of the same batch, so
        the excess :math:`D_f(P\|Q_{h_n}) - D_f(P\|Q_{h^*})` keeps the common random numbers.
        """
        self._best()
        g, sf, pb = self._g, self.cls.support_function, self._pop_batches
        R = H.shape[0]
        keys = ("divergence", "divergence_refinement", "ipm", "ipm_empirical", "dev_up")
        keys += ("dev_down", "excess", "improvement", "c7_rhs_pointwise", "c7_slack")
        keys += ("generalisation_gap",)
        vals = {k: np.empty((MC_BATCHES, R)) for k in keys}
        for b in range(MC_BATCHES):
            idx, s = sub_support(self.support, b)
            qh, _ = refine_rows(g, H[:, idx], s.q)
            v = {
                "divergence": divergence_rows(g, s.p, qh),
                "divergence_refinement": divergence_rows(g, qh, s.q),
                "ipm": np.asarray(sf(s.x, (s.p[None, :] - qh).T), dtype=float).reshape(R),
            }
            emp, up, down = np.empty(R), np.empty(R), np.empty(R)
            for r, smp in enumerate(samples):
                pts = np.vstack([s.x, smp])
                pn = np.full(smp.shape[0], 1.0 / smp.shape[0])
                emp[r] = sf(pts, np.concatenate([-qh[r], pn]))
                up[r] = sf(pts, np.concatenate([s.p, -pn]))
                down[r] = sf(pts, np.concatenate([-s.p, pn]))
            rhs = c7_pointwise_rhs(pb["ipm_base"][b], v["divergence_refinement"], up, down)
            v.update(
                ipm_empirical=emp,
                dev_up=up,
                dev_down=down,
                excess=v["divergence"] - pb["divergence_best"][b],
                improvement=pb["divergence_base"][b] - v["divergence"],
                c7_rhs_pointwise=rhs,
                c7_slack=rhs - v["ipm"],
                generalisation_gap=v["ipm"] - emp,
            )
            for k in keys:
                vals[k][b] = v[k]
        return {f"{k}_mc_se": batch_se(vals[k]) for k in keys}

    def config(self) -> dict[str, Any]:
        """JSON-ready configuration (P and Q by fingerprint, the class by its parameters)."""
        return (
            {
                "name": self.name,
                "class": type(self).__name__,
                "generator": generator_name(self._g),
                "class_name": self.class_name,
                "discriminators": repr(self.cls),
                "population": self.population_kind,
                "P": _fingerprint(self.P),
                "Q": _fingerprint(self.Q),
                "box": None if self.box is None else self.box.tolist(),
                "n_grid": self.n_grid if self.population_kind == "grid" else None,
                "value_range": None if self._value_range is None else list(self._value_range),
            }
            | (
                {"population_class": repr(self.population_class)}
                if self.population_class is not self.cls
                else {}
            )
            | (
                {
                    "mc_size": self.mc_size,
                    "mc_seed": self.mc_seed,
                    "population_estimate": (
                        f"Monte Carlo: {self.support.x.shape[0]} points (half from P, half from "
                        f"Q, seed {self.mc_seed}), importance weights against their mixture, "
                        f"standard errors by {MC_BATCHES} batch means"
                        + ("; D_f(P||Q) in closed form" if self._closed_base() is not None else "")
                    ),
                }
                if self.population_kind == "monte-carlo"
                else {}
            )
        )
