r"""Parametrised instance families of the claims, with the near-tight instances theory gives.

Each ``*_space`` function returns a :class:`boundkit.claims.SearchSpace` whose ``violation``
evaluates one instance exactly (or, for the expectation bound C6a, by a Monte Carlo mean over
a fixed set of replicates, common to every instance, with its standard error). The built-in
checks evaluate the spaces' ``starts`` (the near-tight instances) on every run; the falsifier
(``verify --search``) optimises over the whole box.

Where the claims are tight (see ``docs/claims.md``):

- Khintchine (C9): the upper bracket :math:`(B/n)\sqrt{\sum\|x_i\|^2}` is attained for
  orthogonal points (and :math:`n = 1`); the lower bracket with :math:`1/\sqrt 2` is attained
  at :math:`n = 2` for collinear points of equal norm, where
  :math:`R_S = B\|x\|/2 = (B/(2\sqrt2))\sqrt{2\|x\|^2}`.
- C6a: the *box family* -- :math:`k` atoms with one-hot features, an atom :math:`x_0` with
  feature 0 carrying Q's mass :math:`1-\varepsilon`, :math:`\mathcal H` the
  :math:`\ell_\infty` ball of radius B (every function of the atoms with :math:`|h| \le B`).
  As :math:`\varepsilon \to 0` the refinement fits :math:`h_n = B` on the atoms seen and
  :math:`-B` on the others, the excess is :math:`2B` times the missing mass, and with
  :math:`k \gg n` it approaches :math:`2B = 2\mathfrak R_n`: the factor 2 of C6a is attained
  in the limit.
- C2: the restriction to :math:`\operatorname{dom} f^*` on Q-null sets is necessary (reverse
  KL, :math:`P = (1/2, 1/2)`, :math:`Q = (0, 1)`, :math:`h = (2, 0)`).
- Pearson's conjugate over :math:`u \ge 0` differs from the f-GAN one for :math:`t < -2`; the
  refinement with the latter has negative mass where :math:`h - \nu_h < -2`.
"""

from __future__ import annotations

import functools
import math
from typing import Any

import numpy as np

from boundkit.claims._falsifier import Parameter, SearchSpace

__all__ = [
    "abs_sign_sum",
    "box_c6a_space",
    "c2_null_set_space",
    "khintchine_space",
    "lumped_box_c7_space",
    "lumped_box_counts",
    "lumped_box_hp_space",
    "pearson_real_line_space",
]

_Z = 4.0  # standard errors allowed to Monte Carlo means (false-failure prob ~3e-5 each)


# --------------------------------------------------------------------------------------------
# Khintchine bracket (C9)
# --------------------------------------------------------------------------------------------
def _khintchine_points(p: dict[str, float]) -> np.ndarray:
    n = int(p["n"])
    ang = np.array([p[f"angle{i}"] for i in range(6)])[:n]
    r = np.array([p[f"norm{i}"] for i in range(6)])[:n]
    return np.stack([r * np.cos(ang), r * np.sin(ang)], axis=1)


def khintchine_space(*, lower_factor: float = 1.0, which: str = "lower") -> SearchSpace:
    r"""Khintchine's bracket for the linear :math:`\ell_2` ball on up to six points in the plane.

    Parameters
    ----------
    lower_factor : float
        Multiplies the lower bracket (1 for C9; :math:`\sqrt 2` gives the false bracket
        without the :math:`1/\sqrt 2`).
    which : {"lower", "upper"}
        Which side's tightness is the violation: ``lower`` gives
        :math:`c\,L/R_S - 1`, ``upper`` gives :math:`R_S/U - 1`.

    Notes
    -----
    Starts: :math:`n = 1`; :math:`n = 2` orthogonal (upper tight); :math:`n = 2` collinear with
    equal norms (lower tight).
    """
    from boundkit.classes import LinearClass
    from boundkit.complexity import empirical_rademacher, khintchine_bracket

    params = [Parameter("n", 1, 6, integer=True)]
    params += [Parameter(f"angle{i}", 0.0, math.pi) for i in range(6)]
    params += [Parameter(f"norm{i}", 0.1, 2.0) for i in range(6)]

    def violation(p: dict[str, float]) -> float:
        x = _khintchine_points(p)
        rs = empirical_rademacher(LinearClass(p=2, B=1.0), x, method="exact", with_bounds=False)
        lo, up = khintchine_bracket(x, 1.0)
        if which == "upper":
            return float(rs.estimate / up.value - 1.0)
        return float(lower_factor * lo.value / rs.estimate - 1.0)

    base = {f"norm{i}": 1.0 for i in range(6)} | {f"angle{i}": 0.0 for i in range(6)}
    collinear, orthogonal, single = (
        base | {"n": 2},
        base | {"n": 2, "angle1": math.pi / 2},
        (base | {"n": 1}),
    )
    # the instance where the side checked is tight comes first
    starts = (
        [collinear, single, orthogonal] if which == "lower" else [orthogonal, single, collinear]
    )
    return SearchSpace(
        params,
        violation,
        tolerance=1e-9,
        starts=starts,
        tightness=True,
        describe=lambda p: {"points": _khintchine_points(p).round(6).tolist(), "B": 1.0},
        name=f"khintchine-{which}",
    )


# --------------------------------------------------------------------------------------------
# Pearson conjugate over the real line (false claim X3)
# --------------------------------------------------------------------------------------------
def _pearson_instance(p: dict[str, float]) -> tuple[np.ndarray, np.ndarray]:
    z = np.array([p[f"logit{i}"] for i in range(4)])
    q = np.exp(z - z.max())
    q /= q.sum()
    h = p["B"] * np.array([p[f"h{i}"] for i in range(4)])
    return q, h


def pearson_real_line_space() -> SearchSpace:
    r"""The refinement of a 4-atom Q with the Pearson conjugate taken over :math:`u \in \mathbb R`.

    Notes
    -----
    With :math:`f^*(t) = t + t^2/4` on all of :math:`\mathbb R`, the shift solving
    :math:`E_Q (f^*)'(h - \nu) = 1` is :math:`\nu = E_Q h` and the "density" is
    :math:`1 + (h - \nu)/2`; the violation is its most negative value,
    :math:`\max_i -(1 + (h_i - E_Q h)/2)` (a probability needs it :math:`\le 0`). Start:
    :math:`B = 3`, :math:`h = (-3, 3, 3, 3)`, Q on the last three atoms.
    """
    params = [Parameter(f"logit{i}", -4.0, 4.0) for i in range(4)]
    params += [Parameter(f"h{i}", -1.0, 1.0) for i in range(4)]
    params += [Parameter("B", 0.0, 3.0)]

    def violation(p: dict[str, float]) -> float:
        q, h = _pearson_instance(p)
        ratio = 1.0 + (h - q @ h) / 2.0
        return float(-ratio.min())

    start = {"B": 3.0, "h0": -1.0, "h1": 1.0, "h2": 1.0, "h3": 1.0}
    start |= {"logit0": -4.0, "logit1": 4.0, "logit2": 4.0, "logit3": 4.0}
    return SearchSpace(
        params,
        violation,
        tolerance=0.0,
        starts=[start],
        describe=lambda p: dict(
            zip(("q", "h"), (a.tolist() for a in _pearson_instance(p)), strict=True)
        ),
        name="pearson-real-line",
    )


# --------------------------------------------------------------------------------------------
# C2 on a Q-null atom (true C2 with the domain restriction; false claim X2 without)
# --------------------------------------------------------------------------------------------
def c2_null_set_space(*, restrict: bool = True, generator: str = "reverse_kl") -> SearchSpace:
    r"""C2's shifted variational form on two atoms, the first of them Q-null.

    Parameters
    ----------
    restrict : bool
        True (C2 as stated): :math:`h - \nu_h` is kept in :math:`\operatorname{dom} f^*` on the
        null atom too (``h0`` is moved to the edge of the domain when outside). False: ``h0``
        is free on the null atom (the false variant).
    generator : str
        A generator with :math:`f'(\infty) < \infty` shows the difference (reverse KL).

    Notes
    -----
    Violation: :math:`E_P h - \Lambda_f^Q[h] - D_f(P\|Q)` with :math:`\Lambda` from
    :func:`boundkit.generators.shift_functional` and :math:`D_f` from
    :func:`boundkit.duality.divergence`. Start: :math:`P = (1/2, 1/2)`, :math:`Q = (0, 1)`,
    :math:`h = (2, 0)`.
    """
    from boundkit.distributions import FiniteDistribution
    from boundkit.duality import divergence
    from boundkit.generators import get_generator, shift_functional

    g = get_generator(generator)
    atoms = np.array([[0.0], [1.0]])
    q = np.array([0.0, 1.0])
    sup = float(g.domain.sup)
    params = [Parameter("p0", 0.01, 0.99), Parameter("h0", -5.0, 5.0), Parameter("h1", -5.0, 5.0)]

    def instance(p: dict[str, float]) -> tuple[np.ndarray, np.ndarray, float]:
        pv = np.array([p["p0"], 1.0 - p["p0"]])
        h = np.array([p["h0"], p["h1"]])
        nu = float(shift_functional(g, h, q).nu)
        if restrict and not bool(g.in_domain(np.array([h[0] - nu]))[0]):
            h[0] = nu + sup - 1e-9 * max(1.0, abs(nu))
        return pv, h, nu

    def violation(p: dict[str, float]) -> float:
        pv, h, _ = instance(p)
        lam = float(shift_functional(g, h, q).value)
        d = divergence(g, FiniteDistribution(atoms, pv), FiniteDistribution(atoms, q)).value
        return float((pv @ h - lam) - d)

    return SearchSpace(
        params,
        violation,
        tolerance=1e-9,
        starts=[{"p0": 0.5, "h0": 2.0, "h1": 0.0}],
        describe=lambda p: {
            "generator": generator,
            "p": instance(p)[0].tolist(),
            "q": q.tolist(),
            "h": instance(p)[1].tolist(),
        },
        name=f"c2-null-set-{'restricted' if restrict else 'unrestricted'}",
    )


# --------------------------------------------------------------------------------------------
# The box family (C6a): flat Lambda, rich class, missing mass
# --------------------------------------------------------------------------------------------
@functools.lru_cache(maxsize=256)
def abs_sign_sum(c: int) -> float:
    r""":math:`\mathbb E|\sigma_1 + \dots + \sigma_c|` for independent Rademacher signs.

    Computed as :math:`c\,\hat{\mathfrak R}_S` of the unit interval :math:`\{wx : |w| \le 1\}`
    on ``c`` copies of the point :math:`x = 1` (:func:`boundkit.complexity.empirical_rademacher`,
    exact enumeration, so ``c <= 24``).
    """
    from boundkit._errors import BoundkitError
    from boundkit.classes import LinearClass
    from boundkit.complexity import empirical_rademacher

    if not 1 <= c <= 24:
        raise BoundkitError(f"exact E|S_c| needs 1 <= c <= 24, got {c}")
    est = empirical_rademacher(
        LinearClass(p="inf", B=1.0), np.ones((c, 1)), method="exact", with_bounds=False
    ).estimate
    return c * float(est)


@functools.lru_cache(maxsize=512)
def _rs_profile(profile: tuple[int, ...]) -> float:
    r"""Exact :math:`\hat{\mathfrak R}_S` of the unit :math:`\ell_\infty` ball on one-hot points
    with these multiplicities :math:`c_j` (:math:`n = \sum_j c_j`).

    The supremum separates over coordinates, :math:`\sup_{\|w\|_\infty \le 1}\sum_i
    \sigma_i\langle w, x_i\rangle = \sum_j |S_j|` with :math:`S_j` the sum of the
    :math:`c_j` signs on atom j, so

    .. math:: \hat{\mathfrak R}_S = \frac1n \sum_j \mathbb E|S_{c_j}|

    (each term by :func:`abs_sign_sum`); a test compares it with the enumeration over all
    :math:`2^n` sign vectors of the whole design.
    """
    return sum(abs_sign_sum(int(c)) for c in profile) / float(sum(profile))


def _box_parameters(log10_eps: tuple[float, float] = (-8.0, -0.3)) -> list[Parameter]:
    """The box family's search parameters: k atoms, n samples, radius B, Q's mass
    :math:`\varepsilon` off :math:`x_0` (log10, in the range given) and the skew of P."""
    return [
        Parameter("k", 2, 60, integer=True),
        Parameter("n", 2, 8, integer=True),
        Parameter("B", 0.2, 3.0),
        Parameter("log10_eps", *log10_eps),
        Parameter("skew", 0.0, 2.0),
    ]


def _box_weights(p: dict[str, float]) -> tuple[int, int, float, np.ndarray, np.ndarray]:
    k, n, B = int(p["k"]), int(p["n"]), float(p["B"])
    eps = 10.0 ** float(p["log10_eps"])
    w = np.arange(1, k + 1, dtype=float) ** (-float(p["skew"]))
    pv = w / w.sum()
    q = np.concatenate([[1.0 - eps], np.full(k, eps / k)])
    return k, n, B, pv, q


def box_fit(counts: np.ndarray, q: np.ndarray, B: float) -> tuple[np.ndarray, np.ndarray]:
    r"""KL refinement fit on the box family, for each row of ``counts`` (proportions allowed).

    Maximises :math:`\sum_j \hat p_j h_j - \Lambda(h)`,
    :math:`\Lambda(h) = \Lambda^Q_{\mathrm{KL}}[(0, h)] = \log(q_0 + \sum_j q_j e^{h_j})`, over
    :math:`|h_j| \le B` (:math:`h(x_0) = 0`). The optimum is
    :math:`h_j = \mathrm{clip}(\log(\hat p_j Z / q_j), -B, B)` at the root :math:`Z` of the
    first-order condition :math:`q_0 + \sum_j q_j e^{h_j(Z)} = Z` (bisection in
    :math:`\log Z`, all rows at once, until the brackets stop moving: the same numbers as 100
    halvings). Returns ``(h, Lambda(h))``, :math:`\Lambda` from the kernel's primitive
    :func:`boundkit.generators.log_partition` (the residual of the bisection is the
    condition's own sum, not :math:`\Lambda`: one ``exp`` and one product per step).
    """
    from boundkit.generators import log_partition

    phat = counts / counts.sum(axis=1, keepdims=True)
    qa = q[1:]
    with np.errstate(divide="ignore"):
        lp = np.log(phat) - np.log(qa)
    lo = np.full(phat.shape[0], math.log(q[0]))
    hi = np.full(phat.shape[0], math.log(q[0] + qa.sum() * math.exp(B)))
    for _ in range(100):
        mid = 0.5 * (lo + hi)
        h = np.clip(lp + mid[:, None], -B, B)
        g = q[0] + np.exp(h) @ qa - np.exp(mid)
        new_lo, new_hi = np.where(g > 0, mid, lo), np.where(g > 0, hi, mid)
        if np.array_equal(new_lo, lo) and np.array_equal(new_hi, hi):
            break  # a fixed point: every further halving repeats this one
        lo, hi = new_lo, new_hi
    h = np.clip(lp + (0.5 * (lo + hi))[:, None], -B, B)
    return h, log_partition(np.concatenate([np.zeros((h.shape[0], 1)), h], axis=1), q)


def _box_replicates(
    p: dict[str, float], replicates: int, seed: int
) -> tuple[int, float, np.ndarray, np.ndarray, float]:
    r"""``(n, B, excess, rs, kl_star)`` of the box family's replicates: per replicate the
    excess :math:`\Phi(h^*) - \Phi(h_n) = \mathrm{KL}(P\|Q_{h_n}) - \mathrm{KL}(P\|Q_{h^*})`
    (:math:`\Phi(h) = E_P h - \Lambda(h)`) and :math:`B\hat{\mathfrak R}_S`, and
    :math:`\mathrm{KL}(P\|Q_{h^*}) = \mathrm{KL}(P\|Q) - \Phi(h^*)`."""
    k, n, B, pv, q = _box_weights(p)
    rng = np.random.default_rng(seed)
    counts = rng.multinomial(n, pv, size=replicates)
    excess, rs, kl_star = _fit_terms(counts, pv, q, B)
    return n, B, excess, rs, kl_star


def _fit_terms(
    counts: np.ndarray, pv: np.ndarray, q: np.ndarray, B: float
) -> tuple[np.ndarray, np.ndarray, float]:
    r"""Per replicate (rows of ``counts``) the excess and :math:`B\hat{\mathfrak R}_S` of the
    box fit, and :math:`\mathrm{KL}(P\|Q_{h^*})`."""
    h_star, lam_star = box_fit(pv[None, :], q, B)
    h_n, lam_n = box_fit(counts.astype(float), q, B)
    phi_star = float(h_star[0] @ pv - lam_star[0])
    excess = phi_star - (h_n @ pv - lam_n)
    rs = B * np.array([_rs_profile(tuple(sorted(int(c) for c in row if c))) for row in counts])
    kl_star = float(pv @ (np.log(pv) - np.log(q[1:]))) - phi_star
    return excess, rs, kl_star


def _box_c6a(p: dict[str, float], replicates: int, seed: int) -> dict[str, float]:
    from boundkit.bounds import bound

    n, _, excess, rs, kl_star = _box_replicates(p, replicates, seed)
    return {
        "excess": excess,
        "rs": rs,
        "kl_star": kl_star,
        "bound": bound("C6a", "kl", None, n, population=kl_star, rademacher=float(rs.mean())).value,
    }


def box_c6a_space(
    *, multiplier: float | None = None, replicates: int = 400, seed: int = 20240917
) -> SearchSpace:
    r"""C6a on the box family: the tightness of the mean excess against the bound's part.

    Parameters
    ----------
    multiplier : float, optional
        None: the part is ``bound("C6a", ...).value - KL*`` from :func:`boundkit.bounds.bound`
        (the claim as boundkit computes it). A number c: the part is :math:`c\,\mathfrak R_n`
        (c = 1 is the false claim "C6a with :math:`R_n`").
    replicates, seed : int
        The Monte Carlo replicates (common to every instance, so the objective is smooth).

    Notes
    -----
    Tightness: :math:`(\overline{\text{excess}} - 4\,\mathrm{se}) / \text{part}` with se the
    standard error of the mean of :math:`\text{excess}_r - \text{part}\cdot
    \hat{\mathfrak R}_{S_r}/\bar{\mathfrak R}`; violation = tightness - 1. Start:
    :math:`k = 60`, :math:`n = 3`, :math:`B = 1`, :math:`\varepsilon = 10^{-8}`, uniform P.
    """
    params = _box_parameters()

    def violation(p: dict[str, float]) -> float:
        r = _box_c6a(p, replicates, seed)
        rn = float(r["rs"].mean())
        part = (r["bound"] - r["kl_star"]) if multiplier is None else multiplier * rn
        diff = r["excess"] - part * r["rs"] / rn
        se = float(diff.std(ddof=1) / math.sqrt(diff.size))
        return float((r["excess"].mean() - _Z * se) / part - 1.0)

    def describe(p: dict[str, float]) -> dict[str, Any]:
        r = _box_c6a(p, replicates, seed)
        return {
            "family": "box",
            "mean_excess": float(r["excess"].mean()),
            "R_n": float(r["rs"].mean()),
            "kl_star": r["kl_star"],
            "replicates": replicates,
            "replicate_seed": seed,
        }

    return SearchSpace(
        params,
        violation,
        tolerance=0.0,
        starts=[{"k": 60, "n": 3, "B": 1.0, "log10_eps": -8.0, "skew": 0.0}],
        tightness=True,
        describe=describe,
        name="c6a-box" if multiplier is None else f"c6a-box-x{multiplier:g}",
    )


def _c7_lhs_part(counts: np.ndarray, pv: np.ndarray, q: np.ndarray, B: float) -> dict[str, Any]:
    """C7's left-hand side per replicate and its bound part, from the box fit on ``counts``
    (atoms: x_0 with feature 0, then one-hot atoms with P-masses ``pv``)."""
    from boundkit.bounds import bound
    from boundkit.classes import LinearClass
    from boundkit.distributions import FiniteDistribution
    from boundkit.duality import ipm
    from boundkit.generators import get_generator, refinement_ratio
    from boundkit.simulation import finite_kl

    k = pv.size
    n = int(counts[0].sum())
    replicates = counts.shape[0]
    h_n, _ = box_fit(counts.astype(float), q, B)
    full = np.concatenate([np.zeros((replicates, 1)), h_n], axis=1)
    qh = q * refinement_ratio(get_generator("kl"), full, q)
    atoms = np.vstack([np.zeros(k), np.eye(k)])
    cls = LinearClass(p="inf", B=B)
    P = FiniteDistribution(atoms, np.concatenate([[0.0], pv]))
    ipm_q = float(ipm(P, FiniteDistribution(atoms, q), cls).value)
    # IPM(P, Q_hn) for all replicates at once: the support function duality.ipm evaluates
    ipm_n = np.asarray(cls.support_function(atoms, (P.weights[None, :] - qh).T), dtype=float)
    d_ref = np.array([finite_kl(row, q) for row in qh])
    rs = B * np.array([_rs_profile(tuple(sorted(int(c) for c in row if c))) for row in counts])
    b = bound(
        "C7",
        "kl",
        None,
        n,
        population=ipm_q,
        rademacher=float(rs.mean()),
        refinement_divergence=float(d_ref.mean()),
    )
    return {"lhs": ipm_n + d_ref - ipm_q, "rs": rs, "part": b.value - (ipm_q - d_ref.mean())}


def _box_c7(p: dict[str, float], replicates: int, seed: int) -> dict[str, Any]:
    k, n, B, pv, q = _box_weights(p)
    rng = np.random.default_rng(seed)
    counts = rng.multinomial(n, pv, size=replicates)
    return _c7_lhs_part(counts, pv, q, B)


def _c7_tightness(r: dict[str, Any]) -> float:
    """(mean lhs - 4 se) / part - 1, se that of lhs - part x R_S / R_n."""
    rn = float(r["rs"].mean())
    diff = r["lhs"] - r["part"] * r["rs"] / rn
    se = float(diff.std(ddof=1) / math.sqrt(diff.size))
    return float((r["lhs"].mean() - _Z * se) / r["part"] - 1.0)


def box_c7_space(*, replicates: int = 300, seed: int = 20240918) -> SearchSpace:
    r"""C7 in expectation on the box family, as a tightness against the bound's part.

    Notes
    -----
    :math:`\text{lhs}_r = \mathrm{IPM}(P, Q_{h_n}) + D_{\mathrm{KL}}(Q_{h_n}\|Q) -
    \mathrm{IPM}(P, Q)` per replicate (IPM by :func:`boundkit.duality.ipm`, the refinement by
    :func:`boundkit.generators.refinement_ratio`), part :math:`= 4\mathfrak R_n` from
    :func:`boundkit.bounds.bound`; tightness :math:`(\overline{\text{lhs}} - 4\,\mathrm{se})/
    \text{part}`. Near-tight where Q is spread (:math:`\varepsilon \to 1`), :math:`k \gg n` and
    B moderate: the fit moves Q onto the atoms seen, so both the IPM to P and the divergence
    from Q are of order B (tightness about 0.7 at :math:`k = 60, n = 2, B = 3`).
    """
    params = _box_parameters(log10_eps=(-3.0, -1e-3))

    def violation(p: dict[str, float]) -> float:
        return _c7_tightness(_box_c7(p, replicates, seed))

    return SearchSpace(
        params,
        violation,
        tolerance=0.0,
        starts=[{"k": 60, "n": 2, "B": 3.0, "log10_eps": -1e-3, "skew": 0.0}],
        tightness=True,
        describe=lambda p: {"family": "box", "replicates": replicates, "replicate_seed": seed},
        name="c7-box",
    )


#: A high-probability check fails when P(Bin(R, delta) >= V) falls below this.
HP_P_FAIL = 1e-4


def binomial_allowance(R: int, delta: float) -> int:
    """The largest violation count V among R replicates with P(Bin(R, delta) >= V) >= 1e-4."""
    from scipy import stats

    v = np.arange(R + 1)
    ok = stats.binom.sf(v - 1, R, delta) >= HP_P_FAIL
    return int(v[ok].max())


def _hp_excess_part(
    counts: np.ndarray, pv: np.ndarray, q: np.ndarray, B: float, claim: str, delta: float
) -> dict[str, Any]:
    """Excess and bound part of C6b/C6c per replicate, from the box fit on ``counts``."""
    from boundkit.bounds import bound_terms, sum_terms

    n = int(counts[0].sum())
    excess, rs, kl_star = _fit_terms(counts, pv, q, B)
    comp = rs if claim == "C6c" else np.full(rs.shape, rs.mean())
    bnd = sum_terms(
        bound_terms(claim, population=kl_star, rademacher=comp, n=n, delta=delta, width=2.0 * B)
    )
    return {"excess": excess, "part": np.asarray(bnd) - kl_star, "rs": rs}


def _box_hp(p: dict[str, float], claim: str, replicates: int, seed: int) -> dict[str, Any]:
    k, n, B, pv, q = _box_weights(p)
    rng = np.random.default_rng(seed)
    counts = rng.multinomial(n, pv, size=replicates)
    return _hp_excess_part(counts, pv, q, B, claim, float(p["delta"]))


def _hp_tightness(r: dict[str, Any], replicates: int, delta: float) -> float:
    """The (V+1)-th largest excess/part, V the count the binomial test allows, minus 1."""
    ratios = np.sort(r["excess"] / r["part"])[::-1]
    allow = binomial_allowance(replicates, delta)
    if allow >= replicates:
        return -1.0
    return float(ratios[allow] - 1.0)


def box_hp_space(claim: str, *, replicates: int = 400, seed: int = 20240919) -> SearchSpace:
    r"""C6b or C6c on the box family: the tightness of the violation count against delta.

    Notes
    -----
    With :math:`r_j = \text{excess}_j / \text{part}_j` per replicate (part from
    :func:`boundkit.bounds.bound_terms`: :math:`2\mathfrak R_n` (C6b; here the replicates' mean
    of :math:`\hat{\mathfrak R}_S`) or :math:`2\hat{\mathfrak R}_{S_j}` (C6c) plus the deviation
    term, with :math:`b - a = 2B`), the tightness is the :math:`(V+1)`-th largest :math:`r_j`,
    V the largest count the binomial test allows: the smallest factor c for which c x part
    would still pass the test. Violation = tightness - 1. Near-tight for delta near 1, where the
    deviation term is smallest, and k >> n (start: k = 60, n = 3, B = 1, delta = 0.9).
    """
    params = [*_box_parameters(), Parameter("delta", 0.05, 0.95)]

    def violation(p: dict[str, float]) -> float:
        return _hp_tightness(_box_hp(p, claim, replicates, seed), replicates, float(p["delta"]))

    return SearchSpace(
        params,
        violation,
        tolerance=0.0,
        starts=[{"k": 60, "n": 3, "B": 1.0, "log10_eps": -8.0, "skew": 0.0, "delta": 0.9}],
        tightness=True,
        describe=lambda p: {
            "family": "box",
            "claim": claim,
            "replicates": replicates,
            "replicate_seed": seed,
        },
        name=f"{claim.lower()}-box",
    )


def lumped_box_counts(
    k: int, n: int, eps: float, replicates: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""The box family with uniform P on ``k`` atoms, the atoms not drawn merged into one.

    Returns ``(counts, pv, q)`` on :math:`n + 2` atoms: :math:`x_0` (Q's mass
    :math:`1-\varepsilon`, P's 0), ``n`` slots holding the distinct atoms of the sample in order
    of appearance of their values (padded with atoms not drawn), and one lump of the
    :math:`k - n` other atoms (P's mass :math:`(k-n)/k`, Q's :math:`\varepsilon(k-n)/k`);
    ``k`` is raised to ``n + 1`` if smaller.

    Notes
    -----
    Exact for the KL fit of the box family: the atoms with :math:`\hat p_j = 0` all get
    :math:`h_j = -B` (:func:`box_fit`), so they act as one atom of their total mass, and
    :math:`h^*` is constant on P's atoms (uniform P, uniform :math:`q_j`); :math:`\hat{\mathfrak
    R}_S` depends on the multiplicities only. This makes :math:`k = 10^7` as cheap as
    :math:`k = n`.
    """
    k = max(int(k), n + 1)  # at least one atom in the lump, so every atom keeps P-mass
    draws = np.sort(rng.integers(0, k, size=(replicates, n)), axis=1)
    counts = np.zeros((replicates, n + 1), dtype=np.int64)
    for r in range(replicates):
        _, c = np.unique(draws[r], return_counts=True)
        counts[r, : c.size] = c
    pv = np.concatenate([np.full(n, 1.0 / k), [(k - n) / k]])
    q = np.concatenate([[1.0 - eps], np.full(n, eps / k), [eps * (k - n) / k]])
    return counts, pv, q


def lumped_box_hp_space(claim: str, *, replicates: int = 400, seed: int = 20240920) -> SearchSpace:
    r"""C6b or C6c on the box family at large n and :math:`k \gg n^2` (uniform P, lumped).

    Notes
    -----
    With :math:`k \gg n^2` every sample has n distinct atoms, so :math:`\hat{\mathfrak R}_S =
    \mathfrak R_n = B`, and as :math:`\varepsilon \to 0` the excess is :math:`2B` times the
    missing mass, :math:`\approx 2B`: the part :math:`2\mathfrak R + c(b-a)\sqrt{\log(m/\delta)
    /(2n)}` (b - a = 2B) is then dominated by its Rademacher term, which is attained, and the
    tightness tends to 1 as n grows, :math:`1/(1 + 4\sqrt{\log(3/\delta)/(2n)})` for C6c
    (0.85 at n = 300, delta = 0.9). Tightness as in :func:`box_hp_space`; start
    :math:`k = 10^7`, n = 300, B = 1, :math:`\varepsilon = 10^{-8}`, delta = 0.9.
    """
    params = [
        Parameter("log10_k", 1.0, 7.0),
        Parameter("n", 2, 300, integer=True),
        Parameter("B", 0.2, 3.0),
        Parameter("log10_eps", -8.0, -1e-3),
        Parameter("delta", 0.05, 0.95),
    ]

    def evaluate(p: dict[str, float]) -> dict[str, Any]:
        n, B = int(p["n"]), float(p["B"])
        rng = np.random.default_rng(seed)
        counts, pv, q = lumped_box_counts(
            round(10.0 ** float(p["log10_k"])), n, 10.0 ** float(p["log10_eps"]), replicates, rng
        )
        return _hp_excess_part(counts, pv, q, B, claim, float(p["delta"]))

    def violation(p: dict[str, float]) -> float:
        return _hp_tightness(evaluate(p), replicates, float(p["delta"]))

    def describe(p: dict[str, float]) -> dict[str, Any]:
        r = evaluate(p)
        return {
            "family": "lumped box",
            "claim": claim,
            "mean_excess": float(r["excess"].mean()),
            "mean_R_S": float(r["rs"].mean()),
            "replicates": replicates,
            "replicate_seed": seed,
        }

    return SearchSpace(
        params,
        violation,
        tolerance=0.0,
        starts=[{"log10_k": 7.0, "n": 300, "B": 1.0, "log10_eps": -8.0, "delta": 0.9}],
        tightness=True,
        describe=describe,
        name=f"{claim.lower()}-lumped-box",
    )


def lumped_box_c7_space(*, replicates: int = 200, seed: int = 20240921) -> SearchSpace:
    r"""C7 in expectation on the lumped box family (uniform P on :math:`k` atoms, Q = P up to
    the mass :math:`q_0` of :math:`x_0`), at large B and :math:`k \approx n e^{2B}/(2B)`.

    Notes
    -----
    Every sample has n distinct atoms (:math:`\mathfrak R_n = B`); the fit is :math:`h_n = B`
    on them and :math:`-B` elsewhere, and with :math:`r = (n/k)e^{2B}` the refined model puts
    mass :math:`r/(1+r)` on the atoms seen (P's mass there is about n/k). Then
    :math:`\mathrm{IPM}(P, Q_{h_n}) \approx 2Br/(1+r)`, :math:`\mathrm{KL}(Q_{h_n}\|Q) \approx
    2B - \log(1+r)`; summed, with :math:`\mathrm{IPM}(P, Q) \approx 0`, the left-hand
    side is about :math:`4B - 1 - \log(2B)` at :math:`r = 2B`, against the part
    :math:`4\mathfrak R_n = 4B`: tightness about :math:`1 - (1 + \log 2B)/(4B)` (0.89 measured
    at B = 12; 0.68 on the small box family). :math:`q_0` must stay below :math:`e^{-B}`.
    Tightness as in :func:`box_c7_space`. Start: n = 2, B = 12, :math:`k = n e^{2B}/(2B)`,
    :math:`q_0 = 10^{-12}`.
    """
    params = [
        Parameter("log10_k", 1.0, 10.0),
        Parameter("n", 2, 50, integer=True),
        Parameter("B", 0.2, 12.0),
        Parameter("log10_q0", -12.0, -0.3),
    ]

    def violation(p: dict[str, float]) -> float:
        n, B = int(p["n"]), float(p["B"])
        rng = np.random.default_rng(seed)
        q0 = 10.0 ** float(p["log10_q0"])
        counts, pv, q = lumped_box_counts(
            round(10.0 ** float(p["log10_k"])), n, 1.0 - q0, replicates, rng
        )
        return _c7_tightness(_c7_lhs_part(counts, pv, q, B))

    k0 = 2 * math.exp(24.0) / 24.0
    return SearchSpace(
        params,
        violation,
        tolerance=0.0,
        starts=[{"log10_k": math.log10(k0), "n": 2, "B": 12.0, "log10_q0": -12.0}],
        tightness=True,
        describe=lambda p: {
            "family": "lumped box",
            "replicates": replicates,
            "replicate_seed": seed,
        },
        name="c7-lumped-box",
    )
