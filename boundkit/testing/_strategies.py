r"""Hypothesis strategies for boundkit objects (hypothesis is imported when a strategy is made).

Every function here returns a ``hypothesis.strategies.SearchStrategy``; nothing is drawn at
import time and ``import boundkit.testing`` does not import hypothesis.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from fractions import Fraction
from typing import Any

import numpy as np

from boundkit._errors import BoundkitError

__all__ = [
    "generator_names",
    "generators",
    "alphas",
    "alpha_generators",
    "positive_combinations",
    "seeds",
    "finite_pairs",
    "h_values",
    "linear_classes",
    "rkhs_balls",
    "relu_networks",
    "finite_classes",
    "discriminator_classes",
    "samples",
    "targeted",
]

#: Catalogue generators whose conjugate is derived quickly and in closed form (the default of
#: :func:`generators`; pass ``names="all"`` for the whole catalogue).
FAST_GENERATORS: tuple[str, ...] = (
    "kl",
    "reverse_kl",
    "pearson",
    "squared_hellinger",
    "total_variation",
)


def _st() -> Any:
    try:
        from hypothesis import strategies
    except ImportError as exc:  # pragma: no cover - hypothesis is a test dependency
        raise BoundkitError(
            "boundkit.testing needs hypothesis: pip install 'boundkit[test]'"
        ) from exc
    return strategies


def _catalogue_names(include_parametric: bool = False) -> list[str]:
    from boundkit.generators import catalogue_entries

    return [e.name for e in catalogue_entries() if include_parametric or not e.params]


def generator_names(names: Sequence[str] | str | None = None) -> Any:
    r"""Names of catalogue generators (cheap: nothing is derived).

    Parameters
    ----------
    names : sequence of str or "all", optional
        The names to draw from; default :data:`FAST_GENERATORS`; ``"all"`` for every
        catalogue generator without a parameter.

    Returns
    -------
    SearchStrategy of str

    Examples
    --------
    >>> from hypothesis import find
    >>> find(generator_names(["kl", "pearson"]), lambda name: name != "kl")
    'pearson'
    """
    return _st().sampled_from(_names(names))


def _names(names: Sequence[str] | str | None) -> list[str]:
    if names is None:
        chosen = list(FAST_GENERATORS)
    elif names == "all":
        chosen = _catalogue_names()
    elif isinstance(names, str):
        chosen = [names]
    else:
        chosen = list(names)
    if not chosen:
        raise BoundkitError("generator_names needs at least one name")
    known = set(_catalogue_names(include_parametric=True))
    unknown = [n for n in chosen if n not in known]
    if unknown:
        raise BoundkitError(
            f"unknown generator {unknown[0]!r}: catalogue names are {', '.join(sorted(known))}"
        )
    return chosen


def generators(names: Sequence[str] | str | None = None) -> Any:
    r"""Catalogue generators (:class:`boundkit.generators.Generator` objects).

    Parameters
    ----------
    names : sequence of str or "all", optional
        As in :func:`generator_names` (default :data:`FAST_GENERATORS`).

    Returns
    -------
    SearchStrategy of Generator

    Notes
    -----
    Each generator's conjugate :math:`f^*(t)=\sup_{u\ge0}(tu-f(u))` is derived by sympy when
    the strategy is made (a second or so per generator, then cached), not while hypothesis
    draws, so hypothesis's ``too_slow`` health check is not triggered.
    """
    st = _st()
    from boundkit.generators import get_generator

    return st.sampled_from([get_generator(n) for n in _names(names)])


def alphas(
    *,
    min_value: float = -2.0,
    max_value: float = 3.0,
    max_denominator: int = 2,
    fast: bool = True,
) -> Any:
    r"""Values of the parameter :math:`\alpha` of the alpha family, avoiding 0 and 1.

    Parameters
    ----------
    min_value, max_value : float
        Range of :math:`\alpha`.
    max_denominator : int
        :math:`\alpha` is a fraction with at most this denominator, so that the conjugate of
        the alpha generator has a closed form sympy can derive.
    fast : bool
        Leave out negative non-integer values, whose derivation takes sympy from seconds to
        minutes (e.g. :math:`\alpha = -3/2`).

    Returns
    -------
    SearchStrategy of float
        Shrinks towards simple values (integers first, then halves, ...).

    Notes
    -----
    .. math:: f_\alpha(u) = \frac{u^\alpha - 1 - \alpha(u - 1)}{\alpha(\alpha - 1)},
              \qquad \alpha \notin \{0, 1\}.

    Examples
    --------
    >>> from hypothesis import find
    >>> find(alphas(), lambda a: a < 0), find(alphas(), lambda a: 0 < a < 1)
    (-1.0, 0.5)
    """
    st = _st()
    if not min_value < max_value:
        raise BoundkitError("alphas needs min_value < max_value")
    if max_denominator < 1:
        raise BoundkitError("max_denominator must be a positive integer")
    values = sorted(
        {
            Fraction(num, den)
            for den in range(1, max_denominator + 1)
            for num in range(int(np.floor(min_value * den)), int(np.ceil(max_value * den)) + 1)
            if min_value <= num / den <= max_value
            and Fraction(num, den) not in (0, 1)
            and not (fast and num / den < 0 and Fraction(num, den).denominator > 1)
        },
        key=lambda a: (a.denominator, abs(a - 1), a),
    )
    if not values:
        raise BoundkitError(f"no alpha in [{min_value}, {max_value}] other than 0 and 1")
    return st.sampled_from([float(a) for a in values])


def alpha_generators(values: Any = None) -> Any:
    r"""Generators of the alpha family with a random :math:`\alpha` (see :func:`alphas`).

    Parameters
    ----------
    values : SearchStrategy of float or sequence of float, optional
        The values of :math:`\alpha` (default :func:`alphas`).

    Returns
    -------
    SearchStrategy of Generator

    Notes
    -----
    Each new :math:`\alpha` is derived by sympy when drawn (about a second, then cached):
    hypothesis's ``too_slow`` health check may need
    ``settings(suppress_health_check=[HealthCheck.too_slow])``.
    """
    st = _st()
    from boundkit.generators import get_generator

    if values is None:
        values = alphas()
    elif not isinstance(values, st.SearchStrategy):
        values = st.sampled_from(list(values))
    return values.map(lambda a: get_generator("alpha", alpha=a))


def positive_combinations(
    names: Sequence[str] | None = None,
    *,
    min_terms: int = 2,
    max_terms: int = 2,
    coefficients: Sequence[int] = (1, 2, 3),
) -> Any:
    r"""Positive combinations :math:`\sum_i c_i f_i` of catalogue generators.

    A positive combination of convex functions with :math:`f_i(1) = 0` is convex with value 0
    at 1: a valid generator, whose conjugate boundkit derives like any other.

    Parameters
    ----------
    names : sequence of str, optional
        Generators to combine (default: KL, Pearson and reverse KL, whose combinations have
        conjugates sympy derives in seconds; combinations with the squared Hellinger
        generator take longer).
    min_terms, max_terms : int
        Number of distinct generators combined.
    coefficients : sequence of int
        Positive coefficients to draw from.

    Returns
    -------
    SearchStrategy of Generator
        Built with :func:`boundkit.generators.get_generator` from the expression
        ``"c1*(f1) + c2*(f2)"``, so its ``f`` is the combination. Each new combination is
        derived when drawn (seconds, then cached): hypothesis's ``too_slow`` health check may
        need ``settings(suppress_health_check=[HealthCheck.too_slow])``.

    Notes
    -----
    .. math:: f = \sum_i c_i f_i, \quad c_i > 0 \;\Rightarrow\; f \text{ convex},\ f(1) = 0.
    """
    st = _st()
    from boundkit.generators import get_generator

    chosen = list(names) if names is not None else ["kl", "pearson", "reverse_kl"]
    if not 1 <= min_terms <= max_terms <= len(chosen):
        raise BoundkitError(
            f"need 1 <= min_terms <= max_terms <= {len(chosen)} (the number of names)"
        )
    if not coefficients or any(c <= 0 for c in coefficients):
        raise BoundkitError("coefficients must be positive")
    exprs = {n: get_generator(n).f for n in chosen}

    @st.composite
    def draw(draw_: Any) -> Any:
        picked = draw_(
            st.lists(st.sampled_from(chosen), min_size=min_terms, max_size=max_terms, unique=True)
        )
        cs = [draw_(st.sampled_from(list(coefficients))) for _ in picked]
        text = " + ".join(f"{c}*({exprs[n]})" for c, n in zip(cs, sorted(picked), strict=True))
        return get_generator(text)

    return draw()


def seeds() -> Any:
    r"""Integer seeds for :func:`numpy.random.default_rng` (build the generator in the test).

    Returns
    -------
    SearchStrategy of int
        Integers in :math:`[0, 2^{32})`.
    """
    return _st().integers(min_value=0, max_value=2**32 - 1)


def _split(k: int, overlap: float | None, p_ll_q: bool | None, draw_: Any) -> list[str]:
    """Labels 'both', 'p', 'q' for k atoms meeting the overlap and absolute-continuity asks."""
    st = _st()
    lo = 1 if (p_ll_q or k == 1) else 0  # P << Q needs a shared atom; one atom is shared
    hi = k - 1 if p_ll_q is False else k  # P not << Q needs an atom of P only
    if overlap is None:
        shared = draw_(st.integers(lo, hi))
    else:
        shared = min(max(int(round(overlap * k)), lo), hi)
    rest = k - shared
    if p_ll_q:
        only_p = 0
    else:
        # P not << Q: at least one atom of P only; disjoint supports: one of each
        p_lo = 1 if (p_ll_q is False or shared == 0) else 0
        p_hi = rest - 1 if shared == 0 else rest
        only_p = draw_(st.integers(p_lo, p_hi))
    labels = ["both"] * shared + ["p"] * only_p + ["q"] * (rest - only_p)
    return draw_(st.permutations(labels))


def finite_pairs(
    *,
    min_atoms: int = 2,
    max_atoms: int = 8,
    dim: int = 1,
    overlap: float | None = None,
    p_ll_q: bool | None = True,
    min_weight: float = 0.01,
) -> Any:
    r"""Pairs :math:`(P, Q)` of finite distributions on one common support.

    Parameters
    ----------
    min_atoms, max_atoms : int
        Size of the common support (the union of the two supports).
    dim : int
        Dimension of the atoms (distinct points of a half-integer grid in
        :math:`[-3, 3]^d`).
    overlap : float in [0, 1], optional
        Fraction of the atoms charged by both :math:`P` and :math:`Q` (rounded, then moved by
        one atom if needed to honour ``p_ll_q``); drawn when omitted. ``0`` gives mutually
        singular distributions, ``1`` the same support.
    p_ll_q : bool or None
        ``True`` (default): :math:`P \ll Q` (every atom of :math:`P` is charged by :math:`Q`);
        ``False``: :math:`P \not\ll Q` (some atom has :math:`p_i > 0 = q_i`, so
        :math:`D_f(P\|Q) = \infty` when :math:`f'(\infty) = \infty`); ``None``: either.
    min_weight : float
        Smallest unnormalised weight of a charged atom (relative to at most 1), keeping the
        density ratios bounded by ``1 / min_weight`` times the support size.

    Returns
    -------
    SearchStrategy of (FiniteDistribution, FiniteDistribution)
        Both on the same atoms, in the same order (``P.atoms == Q.atoms``), zero weights
        where a distribution does not charge an atom.

    Raises
    ------
    BoundkitError
        For incompatible requests (e.g. ``overlap=0`` with ``p_ll_q=True``).

    Notes
    -----
    .. math:: P = \sum_i p_i\delta_{x_i},\quad Q = \sum_i q_i\delta_{x_i},\quad
              \#\{i: p_i > 0, q_i > 0\} = \mathrm{round}(\text{overlap}\cdot k).
    """
    st = _st()
    from boundkit.distributions import FiniteDistribution

    if not 1 <= min_atoms <= max_atoms:
        raise BoundkitError("need 1 <= min_atoms <= max_atoms")
    if dim < 1:
        raise BoundkitError("dim must be a positive integer")
    if not 0.0 < min_weight <= 1.0:
        raise BoundkitError("min_weight must be in (0, 1]")
    if overlap is not None:
        if not 0.0 <= overlap <= 1.0:
            raise BoundkitError(f"overlap must be in [0, 1], got {overlap}")
        if p_ll_q and overlap == 0.0:
            raise BoundkitError("P << Q needs overlap > 0 (P must charge an atom of Q)")
        if p_ll_q is False and overlap == 1.0:
            raise BoundkitError("P not << Q needs overlap < 1 (P must charge an atom Q does not)")
    # disjoint supports and P not << Q need two atoms at least
    k_min = max(min_atoms, 2 if (p_ll_q is False or overlap == 0.0) else 1)
    if k_min > max_atoms:
        raise BoundkitError(f"this overlap / p_ll_q request needs max_atoms >= {k_min}")
    grid = st.tuples(*[st.integers(-6, 6)] * dim)
    weight = st.floats(min_value=min_weight, max_value=1.0, allow_nan=False)

    @st.composite
    def draw(draw_: Any) -> Any:
        k = draw_(st.integers(k_min, max_atoms))
        pts = draw_(st.lists(grid, min_size=k, max_size=k, unique=True))
        atoms = np.asarray(pts, dtype=float) / 2.0
        labels = _split(k, overlap, p_ll_q, draw_)
        wp = np.array([draw_(weight) if lab in ("both", "p") else 0.0 for lab in labels])
        wq = np.array([draw_(weight) if lab in ("both", "q") else 0.0 for lab in labels])
        return (
            FiniteDistribution(atoms, wp / wp.sum()),
            FiniteDistribution(atoms, wq / wq.sum()),
        )

    return draw()


def h_values(size: int, *, bound: float = 5.0) -> Any:
    r"""Values :math:`(h(x_1), \dots, h(x_k))` of a discriminator on a finite support.

    Parameters
    ----------
    size : int
        Number of atoms :math:`k`.
    bound : float
        :math:`|h(x_i)| \le` ``bound``.

    Returns
    -------
    SearchStrategy of ndarray, shape (size,)
        Finite floats.
    """
    st = _st()
    from hypothesis.extra.numpy import arrays

    if size < 1:
        raise BoundkitError("size must be a positive integer")
    if not bound > 0:
        raise BoundkitError("bound must be positive")
    elems = st.floats(-bound, bound, allow_nan=False, allow_infinity=False, width=64)
    return arrays(np.float64, (size,), elements=elems)


def _radius(lo: float, hi: float) -> Any:
    return _st().floats(min_value=lo, max_value=hi, allow_nan=False)


def linear_classes(
    *, features: Sequence[str] = ("identity", "poly"), B: tuple[float, float] = (0.1, 4.0)
) -> Any:
    r"""Linear classes :math:`\{x \mapsto \langle w, \phi(x)\rangle : \|w\|_p \le B\}`.

    Parameters
    ----------
    features : sequence of str
        Feature maps to draw from (see :class:`boundkit.classes.LinearClass`).
    B : (float, float)
        Range of the radius.

    Returns
    -------
    SearchStrategy of LinearClass
        With ``p`` in {1, 2, inf}, polynomial degree 1-3 and a bias or not.
    """
    st = _st()
    from boundkit.classes import LinearClass

    return st.builds(
        LinearClass,
        features=st.sampled_from(list(features)),
        degree=st.integers(1, 3),
        p=st.sampled_from([1, 2, np.inf]),
        B=_radius(*B),
        bias=st.booleans(),
    )


def rkhs_balls(
    *, kernels: Sequence[str] = ("rbf", "laplacian"), B: tuple[float, float] = (0.1, 4.0)
) -> Any:
    r"""RKHS balls :math:`\{h : \|h\|_K \le B\}`.

    Parameters
    ----------
    kernels : sequence of str
        Kernel names (see :class:`boundkit.classes.RKHSBall`).
    B : (float, float)
        Range of the radius.

    Returns
    -------
    SearchStrategy of RKHSBall
        With a bandwidth ``gamma`` in [0.1, 2].
    """
    st = _st()
    from boundkit.classes import RKHSBall

    return st.builds(
        RKHSBall,
        st.sampled_from(list(kernels)),
        B=_radius(*B),
        gamma=_radius(0.1, 2.0),
    )


def relu_networks(*, max_width: int = 8) -> Any:
    r"""Two-layer ReLU classes with path-norm bounds :math:`B_1, B_2`.

    Parameters
    ----------
    max_width : int
        Largest number of hidden units.

    Returns
    -------
    SearchStrategy of ReLUNetwork2
    """
    st = _st()
    from boundkit.classes import ReLUNetwork2

    return st.builds(
        ReLUNetwork2,
        st.integers(1, max_width),
        B1=_radius(0.1, 3.0),
        B2=_radius(0.1, 3.0),
    )


def finite_classes(n_points: int, *, max_functions: int = 6, bound: float = 3.0) -> Any:
    r"""Finite classes :math:`\{h_1, \dots, h_m\}` given by their values on ``n_points`` points.

    Parameters
    ----------
    n_points : int
        Number of support points (columns of ``values``).
    max_functions : int
        Largest :math:`m`.
    bound : float
        :math:`|h_j(z_i)| \le` ``bound``.

    Returns
    -------
    SearchStrategy of FiniteClass
    """
    st = _st()
    from hypothesis.extra.numpy import arrays

    from boundkit.classes import FiniteClass

    if n_points < 1 or max_functions < 1:
        raise BoundkitError("n_points and max_functions must be positive integers")
    elems = st.floats(-bound, bound, allow_nan=False, allow_infinity=False)
    shapes = st.integers(1, max_functions).map(lambda m: (m, n_points))
    return arrays(np.float64, shapes, elements=elems).map(FiniteClass)


def discriminator_classes(kinds: Sequence[str] = ("linear", "rkhs")) -> Any:
    r"""Discriminator classes of several kinds, for class-generic properties.

    Parameters
    ----------
    kinds : sequence of {"linear", "rkhs", "relu"}
        Which kinds to draw from (finite classes depend on a support: see
        :func:`finite_classes`).

    Returns
    -------
    SearchStrategy of DiscriminatorClass
    """
    st = _st()
    makers: dict[str, Callable[[], Any]] = {
        "linear": linear_classes,
        "rkhs": rkhs_balls,
        "relu": relu_networks,
    }
    bad = [k for k in kinds if k not in makers]
    if bad or not kinds:
        raise BoundkitError(f"kinds must be among {', '.join(makers)}, got {list(kinds)}")
    return st.one_of(*[makers[k]() for k in kinds])


def samples(distribution: Any, *, min_size: int = 1, max_size: int = 50) -> Any:
    r"""I.i.d. samples of ``distribution``, reproducible from a drawn seed.

    Parameters
    ----------
    distribution : Distribution or SearchStrategy of Distribution
        Anything with ``sample(n, *, rng)``.
    min_size, max_size : int
        Range of the sample size :math:`n`.

    Returns
    -------
    SearchStrategy of ndarray, shape (n, dim)
        ``distribution.sample(n, rng=seed)`` for a drawn ``n`` and seed (shrinking moves
        towards small samples and seed 0).
    """
    st = _st()
    if not 0 <= min_size <= max_size:
        raise BoundkitError("need 0 <= min_size <= max_size")
    dists = distribution if isinstance(distribution, st.SearchStrategy) else st.just(distribution)

    @st.composite
    def draw(draw_: Any) -> Any:
        d = draw_(dists)
        n = draw_(st.integers(min_size, max_size))
        return d.sample(n, rng=draw_(seeds()))

    return draw()


def targeted(strategy: Any, score: Callable[[Any], float], *, label: str = "score") -> Any:
    r"""Draw from ``strategy`` and steer hypothesis towards large ``score(value)``.

    Each drawn value is passed to ``hypothesis.target(score(value), label=label)``, so a property
    test searches (hypothesis' targeted phase hill-climbs the score) instead of only sampling:
    give it the claim's violation, or a closeness to a hard place (a tiny mass, P close to Q).

    Parameters
    ----------
    strategy : SearchStrategy
        Any strategy (e.g. :func:`finite_pairs`).
    score : callable
        ``score(value) -> float``; NaN and infinities are refused by hypothesis.
    label : str
        The target's label (one per target in a test).

    Returns
    -------
    SearchStrategy
        The same values as ``strategy``.

    Examples
    --------
    >>> from boundkit.testing import finite_pairs, targeted
    >>> s = targeted(finite_pairs(max_atoms=4), lambda pq: -float(min(pq[1].weights)),
    ...              label="smallest Q mass")
    """
    st = _st()

    @st.composite
    def _draw(draw: Any) -> Any:
        from hypothesis import target

        value = draw(strategy)
        target(float(score(value)), label=label)
        return value

    return _draw()
