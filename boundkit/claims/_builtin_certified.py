r"""Certified checks (ball arithmetic, python-flint) of C1, C3, C4 and C5 on rational instances.

Every instance is rational (points, weights, discriminator values); each inequality
:math:`a \le b` is certified when the ball of :math:`a - b` lies at or below 0, each identity
when the ball of the residual lies within :math:`\pm 10^{-60}` (at 256 bits; exact rational
computations give residual exactly 0). The reported worst violation is the upper end of the
worst ball, rounded outward. See :mod:`boundkit.claims._certified`.

- C1: Fenchel-Young :math:`t u - f(u) - f^*(t) \le 0` at rational :math:`(u, t)` and equality
  at the link, :math:`f^*(t) + f(u(t)) - t u(t) = 0`, for the catalogue's closed forms.
- C3: weak duality :math:`\max_{h \in H} E_P h - \Lambda[h] \le D_f(\eta\|Q) + \mathrm{IPM}_H(P,
  \eta)` for finite classes H and several rational :math:`\eta` (KL in balls, Pearson exactly).
- C4: :math:`D_f(Q_h\|Q) = E_{Q_h} h - \Lambda_f^Q[h]` (KL in balls; Pearson exactly, with the
  exact rational shift).
- C5: :math:`\mathrm{KL}(P\|Q_h) = \mathrm{KL}(P\|Q) - (E_P h - \log E_Q e^h)`.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from typing import Any

import numpy as np

from boundkit.claims._certified import (
    arb_of,
    conjugate_arb,
    eval_arb,
    pearson_shift,
    rational_vector,
    upper,
)
from boundkit.claims._registry import CheckOutcome, claim
from boundkit.claims._worst import WorstCase

__all__: list[str] = []

#: Identities are certified when the residual ball lies within this radius of 0.
IDENTITY_RADIUS = 1e-60
_C1_GENERATORS = (
    "kl",
    "reverse_kl",
    "pearson",
    "squared_hellinger",
    "jensen_shannon",
    "total_variation",
    "gan",
)


def _frac(rng: np.random.Generator, lo: int, hi: int, den: int = 7) -> Fraction:
    return Fraction(int(rng.integers(lo * den, hi * den + 1)), den)


def _identity(resid: Any) -> float:
    """Violation of a certified identity: upper end of |resid| minus the allowed radius."""
    if isinstance(resid, Fraction):
        return float(abs(resid)) - IDENTITY_RADIUS
    return upper(abs(resid)) - IDENTITY_RADIUS


def _ineq(diff: Any) -> float:
    """Violation of a certified inequality diff <= 0: the upper end of the ball of diff."""
    return upper(diff)


def fenchel_young_cases(g: Any, u: Fraction, t: Fraction) -> dict[str, float]:
    r"""Certified Fenchel-Young at :math:`(u, t)` and the link identity at :math:`t`.

    Returns the violations ``{"fenchel-young": upper(t u - f(u) - f*(t)), "link":
    upper(|f*(t) + f(u(t)) - t u(t)|) - radius}`` (entries missing when :math:`t \notin
    \operatorname{dom} f^*`).
    """
    from boundkit.generators import U

    out: dict[str, float] = {}
    conj = conjugate_arb(g, t)
    if conj is None:
        return out
    value, link, kind = conj
    fu = eval_arb(g.f, {U: u})
    out["fenchel-young"] = _ineq(arb_of(t) * arb_of(u) - fu - value)
    if kind == "stationary" and link.is_finite() and bool(link > 0):
        resid = value + eval_arb(g.f, {U: link}) - arb_of(t) * link
        out["link"] = _identity(resid)
    return out


@claim("C1", level="certified", builtin=True)
def check_c1_certified(*, quick: bool, rng: np.random.Generator) -> CheckOutcome:
    r"""Fenchel-Young and the link identity at rational points, certified in ball arithmetic.

    Notes
    -----
    .. math:: t u - f(u) - f^*(t) \le 0, \qquad f^*(t) + f((f^*)'(t)) - t (f^*)'(t) = 0 .
    """
    from boundkit.generators import get_generator

    worst = WorstCase()
    n = 6 if quick else 40
    for name in _C1_GENERATORS:
        g = get_generator(name)
        for _ in range(n):
            u = Fraction(int(rng.integers(1, 60)), int(rng.integers(1, 12)))
            t = _frac(rng, -6, 3)
            for label, v in fenchel_young_cases(g, u, t).items():
                worst.labelled(label, v, generator=name, u=str(u), t=str(t))
    return worst.outcome(0.0, f"{worst.cases} certified cases at rational (u, t), 256-bit balls")


def _lambda_kl(q: Sequence[Fraction], h: Sequence[Fraction]) -> Any:
    tot = arb_of(0)
    for qi, hi in zip(q, h, strict=True):
        tot = tot + arb_of(qi) * arb_of(hi).exp()
    return tot.log()


def _kl(a: Sequence[Any], b: Sequence[Any]) -> Any:
    tot = arb_of(0)
    for ai, bi in zip(a, b, strict=True):
        ai, bi = arb_of(ai), arb_of(bi)
        if bool(ai == 0):
            continue
        tot = tot + ai * (ai / bi).log()
    return tot


def _pearson_lambda(q: Sequence[Fraction], h: Sequence[Fraction]) -> Fraction:
    r""":math:`\Lambda[h] = \nu + \sum q f^*(h - \nu)`, :math:`f^*(s) = s + s^2/4` for
    :math:`s \ge -2` else :math:`-1` (exact)."""
    nu = pearson_shift(q, h)
    tot = nu
    for qi, hi in zip(q, h, strict=True):
        s = hi - nu
        tot += qi * (s + s * s / 4 if s >= -2 else Fraction(-1))
    return tot


def _pearson_div(a: Sequence[Fraction], q: Sequence[Fraction]) -> Fraction:
    return sum((qi * (ai / qi - 1) ** 2 for ai, qi in zip(a, q, strict=True)), Fraction(0))


def weak_duality_violation(
    generator: str,
    p: Sequence[Fraction],
    q: Sequence[Fraction],
    H: Sequence[Sequence[Fraction]],
    eta: Sequence[Fraction],
    *,
    ipm_sign: int = 1,
) -> float:
    r"""Certified violation of :math:`\max_H E_P h - \Lambda[h] \le D_f(\eta\|Q) +
    \mathrm{IPM}_H(P, \eta)` (``ipm_sign=-1`` gives a deliberately false variant)."""
    ipm = max(
        sum((hi * (pi - ei) for hi, pi, ei in zip(h, p, eta, strict=True)), Fraction(0)) for h in H
    )
    if generator == "kl":
        lhs = None
        for h in H:
            val = arb_of(sum((pi * hi for pi, hi in zip(p, h, strict=True)), Fraction(0)))
            val = val - _lambda_kl(q, h)
            lhs = val if lhs is None else lhs.max(val)  # type: ignore[attr-defined]
        rhs = _kl(eta, q) + arb_of(ipm_sign * ipm)
        return _ineq(lhs - rhs)
    if generator == "pearson":
        lhs_f = max(
            sum((pi * hi for pi, hi in zip(p, h, strict=True)), Fraction(0)) - _pearson_lambda(q, h)
            for h in H
        )
        return _ineq(lhs_f - (_pearson_div(eta, q) + ipm_sign * ipm))
    raise ValueError(generator)


def _random_instance(rng: np.random.Generator, k: int) -> tuple[list, list, list]:
    p = rational_vector(rng, k)
    q = rational_vector(rng, k)
    h = [_frac(rng, -3, 3) for _ in range(k)]
    return p, q, h


@claim("C3", level="certified", builtin=True)
def check_c3_certified(*, quick: bool, rng: np.random.Generator) -> CheckOutcome:
    r"""Weak duality on rational finite classes, certified (KL in balls, Pearson exactly).

    Notes
    -----
    .. math:: \max_{h\in H} E_P h - \Lambda_f^Q[h] \le D_f(\eta\|Q) + \mathrm{IPM}_H(P, \eta)

    for :math:`\eta \in \{P, Q, \text{random}\}`.
    """
    worst = WorstCase()
    for name in ("kl", "pearson"):
        for _ in range(3 if quick else 15):
            k = int(rng.integers(2, 6))
            p, q, _ = _random_instance(rng, k)
            H = [[_frac(rng, -3, 3) for _ in range(k)] for _ in range(int(rng.integers(1, 5)))]
            for label, eta in (("P", p), ("Q", q), ("random", rational_vector(rng, k))):
                v = weak_duality_violation(name, p, q, H, eta)
                worst.labelled(
                    f"weak duality, eta={label}",
                    v,
                    generator=name,
                    p=[str(x) for x in p],
                    q=[str(x) for x in q],
                )
    return worst.outcome(0.0, f"{worst.cases} certified weak-duality cases (rational P, Q, H)")


def refinement_identity_residual(
    generator: str,
    q: Sequence[Fraction],
    h: Sequence[Fraction],
    *,
    h_model: Sequence[Fraction] | None = None,
) -> Any:
    r"""Residual of :math:`D_f(Q_h\|Q) - (E_{Q_h} h - \Lambda[h])`, with :math:`Q_h` refined by
    ``h_model`` (default ``h``; a different one gives a deliberately false instance)."""
    hm = list(h if h_model is None else h_model)
    if generator == "pearson":
        nu = pearson_shift(q, hm)
        qh = [qi * max(Fraction(0), 1 + (hi - nu) / 2) for qi, hi in zip(q, hm, strict=True)]
        e_qh = sum((a * b for a, b in zip(qh, h, strict=True)), Fraction(0))
        return _pearson_div(qh, q) - (e_qh - _pearson_lambda(q, h))
    lam_m = _lambda_kl(q, hm)
    qh = [arb_of(qi) * (arb_of(hi) - lam_m).exp() for qi, hi in zip(q, hm, strict=True)]
    e_qh = arb_of(0)
    for a, b in zip(qh, h, strict=True):
        e_qh = e_qh + a * arb_of(b)
    return _kl(qh, q) - (e_qh - _lambda_kl(q, h))


@claim("C4", level="certified", builtin=True)
def check_c4_certified(*, quick: bool, rng: np.random.Generator) -> CheckOutcome:
    r"""Fenchel-Young equality at the link for the refined model, certified.

    Notes
    -----
    .. math:: D_f(Q_h\|Q) = E_{Q_h} h - \Lambda_f^Q[h]

    (Pearson: exact rationals with the exact shift; KL: 256-bit balls).
    """
    worst = WorstCase()
    for name in ("kl", "pearson"):
        for _ in range(4 if quick else 25):
            k = int(rng.integers(2, 7))
            _, q, h = _random_instance(rng, k)
            resid = refinement_identity_residual(name, q, h)
            worst.labelled(
                "refined Fenchel-Young",
                _identity(resid),
                generator=name,
                q=[str(x) for x in q],
                h=[str(x) for x in h],
            )
    return worst.outcome(0.0, f"{worst.cases} certified identities D_f(Q_h||Q) = E_Qh h - Lambda")


def kl_identity_residual(
    p: Sequence[Fraction],
    q: Sequence[Fraction],
    h: Sequence[Fraction],
    *,
    h_model: Sequence[Fraction] | None = None,
) -> Any:
    r"""Residual of :math:`\mathrm{KL}(P\|Q_h) - \mathrm{KL}(P\|Q) + E_P h - \log E_Q e^h` with
    :math:`Q_h` tilted by ``h_model`` (default ``h``)."""
    hm = list(h if h_model is None else h_model)
    lam_m = _lambda_kl(q, hm)
    qh = [arb_of(qi) * (arb_of(hi) - lam_m).exp() for qi, hi in zip(q, hm, strict=True)]
    e_p_h = arb_of(sum((a * b for a, b in zip(p, h, strict=True)), Fraction(0)))
    return _kl(p, qh) - _kl(p, q) + e_p_h - _lambda_kl(q, h)


@claim("C5", level="certified", builtin=True)
def check_c5_certified(*, quick: bool, rng: np.random.Generator) -> CheckOutcome:
    r"""The KL refinement identity on rational P, Q, h, certified in 256-bit balls.

    Notes
    -----
    .. math:: \mathrm{KL}(P\|Q_h) = \mathrm{KL}(P\|Q) - (E_P h - \log E_Q e^h).
    """
    worst = WorstCase()
    for _ in range(5 if quick else 40):
        k = int(rng.integers(2, 8))
        p, q, h = _random_instance(rng, k)
        worst.labelled(
            "C5",
            _identity(kl_identity_residual(p, q, h)),
            p=[str(x) for x in p],
            q=[str(x) for x in q],
            h=[str(x) for x in h],
        )
    return worst.outcome(0.0, f"{worst.cases} certified KL refinement identities")
