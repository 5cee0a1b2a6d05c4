r"""Built-in checks of claim C1 (conjugates over the half-line), symbolic and numeric.

* symbolic: on every branch of every derived conjugate, Fenchel-Young holds with equality at
  the link, :math:`f^*(t) + f((f^*)'(t)) - t (f^*)'(t) = 0`, proved by ``sympy.simplify`` with
  t written as ``end -/+ p``, p > 0 (evaluated to 40 digits when sympy cannot close it);
* numeric: for the catalogue and several alpha, :math:`f^*` equals an independent brute-force
  supremum, the Fenchel-Young inequality holds on a (u, t) grid, and
  :math:`f^*(f'(u)) = u f'(u) - f(u)`.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import sympy as sp

from boundkit.claims._registry import CheckOutcome, claim
from boundkit.claims._worst import WorstCase

__all__: list[str] = []

_ALPHAS = (-2.0, -0.5, 0.5, 2.0, 3.0)


def _numeric_generators() -> list[Any]:
    from boundkit.generators import catalogue_entries, get_generator

    gens = [get_generator(e.name) for e in catalogue_entries() if not e.params]
    gens += [get_generator("alpha", alpha=a) for a in _ALPHAS]
    return gens


def _branch_points(g: Any) -> list[tuple[Any, sp.Expr, sp.Expr]]:
    """(branch, t as a function of a positive p, p) for each finite-valued branch."""
    p = sp.Symbol("p", positive=True)
    out = []
    lower = -sp.oo
    for br in g.derivation.branches:
        if br.kind in ("infinite", "limit"):
            lower = br.upper
            continue
        if br.upper != sp.oo:
            tt = br.upper - p if lower == -sp.oo else lower + (br.upper - lower) / (1 + p)
        elif lower != -sp.oo:
            tt = lower + p
        else:
            tt = None
        out.append((br, tt, p))
        lower = br.upper
    return out


@claim("C1", level="symbolic", builtin=True)
def check_conjugates_symbolic(*, quick: bool, rng: np.random.Generator) -> CheckOutcome:
    r"""Fenchel-Young equality at the link, proved branch by branch.

    Notes
    -----
    For every branch with maximiser :math:`u(t)` the residual

    .. math:: r(t) = f^*(t) + f(u(t)) - t\,u(t)

    must simplify to 0; the reported violation is :math:`\max |r|` at exact sample points
    (40 significant digits).
    """
    from boundkit.generators import ALPHA, T, U, catalogue
    from boundkit.generators._catalogue import _ALPHA_REGIMES
    from boundkit.generators._stationary import _simplify, _tidy_logs

    t_sym = T
    worst = WorstCase()
    branches = 0
    unproved: list[str] = []
    for name, g in catalogue().items():
        if not g.closed_form:
            continue
        for br, tt, p in _branch_points(g):
            u_t = br.link
            if u_t == sp.oo:
                continue
            resid = br.value + g.f.subs(U, u_t) - t_sym * u_t
            if tt is not None:
                resid = resid.subs(t_sym, tt)
            if g.is_symbolic:  # alpha through a positive helper symbol: its regime's sign
                sub, _back = _ALPHA_REGIMES[g.params["alpha_range"]]
                resid = resid.xreplace({ALPHA: sub})
            branches += 1
            try:
                r1 = _simplify(_tidy_logs(resid))
                proved = r1 == 0 or sp.simplify(_tidy_logs(r1)) == 0
                if not proved:
                    r2 = sp.simplify(sp.powdenest(sp.powsimp(r1)))
                    proved = r2 == 0
            except Exception:  # noqa: BLE001 - sympy failure counts as unproved
                proved = False
            if not proved:
                unproved.append(name)
            sym = p if tt is not None else t_sym
            params = sorted(resid.free_symbols - {sym}, key=str)
            for val in (sp.Rational(1, 3), sp.Integer(2), sp.Rational(37, 5)):
                subs = {sym: val}
                subs.update(dict.fromkeys(params, sp.Rational(3, 2)))
                num = complex(sp.N(resid.subs(subs), 40))
                worst.record(abs(num), {"generator": name, "branch": str(br.value), "at": str(val)})
    out = worst.outcome(
        1e-25,
        f"f*(t) + f(u(t)) - t u(t) = 0 proved on {branches - len(unproved)} of {branches} "
        "branches" + (f" (numeric only: {', '.join(sorted(set(unproved)))})" if unproved else ""),
    )
    if unproved and out.worst_violation <= 1e-25:
        out = replace(out, status="inconclusive")
    return replace(out, cases=branches)


@claim("C1", level="numeric", builtin=True)
def check_conjugates_numeric(*, quick: bool, rng: np.random.Generator) -> CheckOutcome:
    r"""Derived conjugates vs brute force; Fenchel-Young on random (u, t).

    Notes
    -----
    Violations (relative to :math:`1 + |\cdot|`):

    .. math::
        |f^*(t) - \max_{u \in \text{grid}}(tu - f(u))|, \quad
        u t - f(u) - f^*(t), \quad |f^*(f'(u)) - (u f'(u) - f(u))|.
    """
    from boundkit.generators import brute_force_conjugate

    n = 40 if quick else 400
    worst = WorstCase()
    for g in _numeric_generators():
        hi = float(g.domain.sup)
        t = rng.normal(0.0, 3.0, size=n)
        if np.isfinite(hi):
            t = np.minimum(t, hi - 1e-3)
        u = np.exp(rng.uniform(np.log(1e-3), np.log(1e3), size=n))
        fu = g.f_numeric(u)
        # Fenchel-Young inequality on all pairs
        fy = (u[None, :] * t[:, None] - fu[None, :] - g.conjugate(t)[:, None]) / (
            1.0 + np.abs(u[None, :] * t[:, None])
        )
        # f*(f'(u)) = u f'(u) - f(u) where f'(u) is in the domain
        s = g.fprime(u)
        ok = g.in_domain(s)
        eq = np.abs(g.conjugate(s[ok]) - (u[ok] * s[ok] - fu[ok])) / (1.0 + np.abs(u[ok] * s[ok]))
        # brute force at a few t
        f0 = float(g.f_numeric(0.0))
        bf = []
        for tv in t[: (5 if quick else 25)]:
            ref = brute_force_conjugate(g.f_numeric, float(tv), f0=f0)
            bf.append(abs(float(g.conjugate(tv)) - ref) / (1.0 + abs(ref)))
        cases = [("fenchel-young", fy.ravel()), ("f*(f')", eq), ("brute force", bf)]
        cases.append(("cvxpy form", _cvxpy_form_errors(g, t)))
        for label, arr in cases:
            arr = np.asarray(arr, dtype=float)
            for i in np.flatnonzero(arr == arr.max()) if arr.size else ():
                worst.labelled(label, float(arr[i]), generator=g.name)
                break
            worst.cases += max(0, arr.size - 1)
    return worst.outcome(
        1e-8,
        "conjugates agree with brute force and with the cvxpy forms the solvers use; "
        "Fenchel-Young holds on random (u, t)",
    )


def _cvxpy_form_errors(g: Any, t: np.ndarray) -> np.ndarray:
    r"""Relative errors of the cvxpy conjugate form the duality solvers use for ``g``
    (:func:`boundkit.duality.identify_generator`) against the derived :math:`f^*`, on the points
    of ``t`` in the domain, including :math:`t < -2` and the domain's end region; empty when
    ``g`` has no cvxpy form."""
    import cvxpy as cp

    from boundkit.duality import identify_generator

    form = identify_generator(g)
    if form is None:
        return np.zeros(0)
    pts = np.concatenate([t, np.linspace(-12.0, 2.0, 29)])
    pts = pts[g.in_domain(pts)]
    if np.isfinite(form.dom_upper):
        pts = pts[pts < form.dom_upper - 1e-6]
    if pts.size == 0:
        return np.zeros(0)
    c = float(form.shift)
    val = np.asarray(form.fstar_cvx(cp.Constant(pts - c)).value, dtype=float) + c
    ref = np.asarray(g.conjugate(pts), dtype=float)
    return np.abs(val - ref) / (1.0 + np.abs(ref))
