r"""The duality report: every identity of claim C4 (and C5 for KL) side by side."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from boundkit.distributions import FiniteDistribution
from boundkit.duality._divergence import _div_pq
from boundkit.duality._refine import refine
from boundkit.duality._restricted import (
    PrimalResult,
    RestrictedDivergence,
    _problem,
    primal,
    restricted_divergence,
)
from boundkit.generators import is_kl, lambda_differentiable

__all__ = ["DualityReport", "Identity", "duality_report"]

#: The line the report's table ends with when Lambda_f^Q is not differentiable (e.g. TV).
NOT_DIFFERENTIABLE = (
    "note: Lambda_f^Q is not differentiable for this generator (f* has a kink at the closed end "
    "of its domain, e.g. total variation): Q_h* is not unique and the C4 identities above "
    "need not hold for the representative returned; C3 (dual = primal) still holds"
)


@dataclass(frozen=True)
class Identity:
    r"""One identity ``lhs = rhs`` of the theory, evaluated.

    Attributes
    ----------
    claim : str
        ``"C3"``, ``"C4"`` or ``"C5"``.
    name : str
        What is compared.
    lhs, rhs : float
    abs_error : float
        :math:`|\mathrm{lhs} - \mathrm{rhs}|`.
    rel_error : float
        :math:`|\mathrm{lhs} - \mathrm{rhs}| / \max(1, |\mathrm{rhs}|)`.
    """

    claim: str
    name: str
    lhs: float
    rhs: float
    abs_error: float
    rel_error: float


def _identity(claim: str, name: str, lhs: float, rhs: float) -> Identity:
    err = abs(lhs - rhs)
    return Identity(
        claim, name, float(lhs), float(rhs), float(err), float(err / max(1.0, abs(rhs)))
    )


@dataclass(frozen=True)
class DualityReport:
    r"""Dual, primal and the refined model on one finite problem (claims C3, C4, C5).

    Attributes
    ----------
    dual : float
        :math:`D_f^{\mathcal H}(P\|Q)` at the dual solution :math:`h^*`.
    primal : float
        :math:`D_f(\eta^*\|Q) + \mathrm{IPM}_{\mathcal H}(P, \eta^*)` at the primal solution.
    gap : float
        ``primal - dual`` (:math:`\ge 0` by weak duality, up to rounding).
    refined_l1_to_primal : float
        :math:`\|\eta^* - Q_{h^*}\|_1`.
    ipm_at_refined : float
        :math:`\mathrm{IPM}_{\mathcal H}(P, Q_{h^*})`.
    ep_minus_eqh : float
        :math:`\mathbb E_P h^* - \mathbb E_{Q_{h^*}} h^*`.
    divergence_refined : float
        :math:`D_f(Q_{h^*}\|Q)`.
    fenchel_young : float
        :math:`\mathbb E_{Q_{h^*}} h^* - \Lambda_f^Q[h^*]`.
    primal_at_refined : float
        :math:`D_f(Q_{h^*}\|Q) + \mathrm{IPM}_{\mathcal H}(P, Q_{h^*})`.
    identities : tuple of Identity
        Every identity with its error.
    status : str
        ``"optimal"`` when both solvers reported an optimum.
    lambda_differentiable : bool
        False when :math:`f^*` has a kink at the closed end of its domain (total variation):
        C4 assumes :math:`\Lambda_f^Q` differentiable, :math:`Q_{h^*}` is then not unique and
        the first-order identities need not hold for the representative returned.
    dual_result : RestrictedDivergence
    primal_result : PrimalResult
    refined : RefinedDistribution
        :math:`Q_{h^*}` on the common support.
    """

    dual: float
    primal: float
    gap: float
    refined_l1_to_primal: float
    ipm_at_refined: float
    ep_minus_eqh: float
    divergence_refined: float
    fenchel_young: float
    primal_at_refined: float
    identities: tuple[Identity, ...]
    status: str
    lambda_differentiable: bool
    dual_result: RestrictedDivergence = field(repr=False)
    primal_result: PrimalResult = field(repr=False)
    refined: Any = field(repr=False)

    @property
    def worst_error(self) -> float:
        """The largest relative error over :attr:`identities`."""
        return max(i.rel_error for i in self.identities)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dictionary (numbers, solver names, identities)."""
        return {
            "generator": self.dual_result.generator,
            "dual": self.dual,
            "primal": self.primal,
            "gap": self.gap,
            "refined_l1_to_primal": self.refined_l1_to_primal,
            "ipm_at_refined": self.ipm_at_refined,
            "ep_minus_eqh": self.ep_minus_eqh,
            "divergence_refined": self.divergence_refined,
            "fenchel_young": self.fenchel_young,
            "primal_at_refined": self.primal_at_refined,
            "nu": self.dual_result.nu,
            "status": self.status,
            "lambda_differentiable": self.lambda_differentiable,
            "dual_solver": self.dual_result.solver,
            "primal_solver": self.primal_result.solver,
            "dual_status": self.dual_result.status,
            "primal_status": self.primal_result.status,
            "tolerance": max(self.dual_result.tolerance, self.primal_result.tolerance),
            "n_atoms": int(self.dual_result.atoms.shape[0]),
            "identities": [
                {
                    "claim": i.claim,
                    "name": i.name,
                    "lhs": i.lhs,
                    "rhs": i.rhs,
                    "abs_error": i.abs_error,
                    "rel_error": i.rel_error,
                }
                for i in self.identities
            ],
            "worst_error": self.worst_error,
        }

    def table(self) -> str:
        """The identities as an aligned plain-text table (with the reason when the C4
        first-order identities are not expected to hold)."""
        rows = [f"{'claim':5s}  {'identity':52s}  {'lhs':>16s}  {'rhs':>16s}  {'rel err':>9s}"]
        for i in self.identities:
            rows.append(
                f"{i.claim:5s}  {i.name:52s}  {i.lhs:16.10g}  {i.rhs:16.10g}  {i.rel_error:9.2e}"
            )
        if not self.lambda_differentiable:
            rows.append(NOT_DIFFERENTIABLE)
        return "\n".join(rows)


def duality_report(
    generator: Any,
    P: Any,
    Q: Any,
    cls: Any,
    *,
    solver: str = "auto",
    cvxpy_solver: str | None = None,
    tol: float = 1e-10,
) -> DualityReport:
    r"""Solve dual and primal, refine :math:`Q` by :math:`h^*` and compare every identity.

    Parameters
    ----------
    generator : Generator or str
    P, Q : FiniteDistribution or GridDensity
    cls : LinearClass, RKHSBall, FiniteClass or array_like
    solver : {"auto", "cvxpy", "scipy"}
    cvxpy_solver : str, optional
    tol : float

    Returns
    -------
    DualityReport

    Notes
    -----
    With :math:`h^*` the dual maximiser, :math:`Q_{h^*}` its refinement and :math:`\eta^*`
    the primal minimiser (C3, C4):

    .. math::
        D_f^{\mathcal H}(P\|Q) &= \min_\eta D_f(\eta\|Q) + \mathrm{IPM}_{\mathcal H}(P, \eta)
            \quad (\text{convex } \mathcal H),\\
        D_f(Q_h\|Q) &= \mathbb E_{Q_h} h - \Lambda_f^Q[h] \quad(\text{every } h),\\
        \mathrm{IPM}_{\mathcal H}(P, Q_{h^*}) &= \mathbb E_P h^* - \mathbb E_{Q_{h^*}} h^*,\\
        D_f(Q_{h^*}\|Q) + \mathrm{IPM}_{\mathcal H}(P, Q_{h^*}) &= D_f^{\mathcal H}(P\|Q),
        \qquad \eta^* = Q_{h^*},

    and for KL (C5), :math:`\mathrm{KL}(P\|Q_{h^*}) = \mathrm{KL}(P\|Q) - D^{\mathcal H}_{KL}`.
    The first-order identities assume :math:`\Lambda_f^Q` differentiable; see
    :attr:`DualityReport.lambda_differentiable` (False for total variation).

    Examples
    --------
    >>> from boundkit.distributions import FiniteDistribution
    >>> from boundkit.classes import LinearClass
    >>> P = FiniteDistribution([0.0, 1.0, 2.0], [0.2, 0.3, 0.5])
    >>> Q = FiniteDistribution([0.0, 1.0, 2.0], [0.5, 0.3, 0.2])
    >>> rep = duality_report("kl", P, Q, LinearClass(B=0.5))
    >>> rep.status, rep.gap < 1e-7, rep.worst_error < 1e-6
    ('optimal', True, True)
    """
    g, atoms, p, q, H = _problem(generator, P, Q, cls)
    Pf = FiniteDistribution(atoms, p)
    Qf = FiniteDistribution(atoms, q)
    d = restricted_divergence(g, Pf, Qf, cls, solver=solver, cvxpy_solver=cvxpy_solver, tol=tol)
    pr = primal(g, Pf, Qf, cls, solver=solver, cvxpy_solver=cvxpy_solver, tol=tol)
    Qh = refine(Qf, d.h, g)
    qh: np.ndarray = Qh.pmf
    hs = d.h
    e_qh_h = float(np.dot(qh, hs))
    div_ref = _div_pq(g, qh, q)
    ipm_ref = H.support(p - qh)
    fy = e_qh_h - d.lam
    ids = [
        _identity("C3", "dual = primal (strong duality)", d.value, pr.value),
        _identity("C4", "D_f(Q_h*||Q) = E_{Q_h*} h* - Lambda[h*]", div_ref, fy),
        _identity("C4", "IPM_H(P, Q_h*) = E_P h* - E_{Q_h*} h*", ipm_ref, d.e_p_h - e_qh_h),
        _identity("C4", "D_f(Q_h*||Q) + IPM_H(P, Q_h*) = D_f^H(P||Q)", div_ref + ipm_ref, d.value),
        _identity("C4", "primal value at Q_h* = primal value at eta*", div_ref + ipm_ref, pr.value),
    ]
    differentiable = lambda_differentiable(g)
    if is_kl(g) and np.all(q[p > 0] > 0):
        kl_pq = _div_pq(g, p, q)
        kl_ref = _div_pq(g, p, qh)
        ids.append(
            _identity("C5", "KL(P||Q_h*) = KL(P||Q) - D_KL^H(P||Q)", kl_ref, kl_pq - d.value)
        )
    status = (
        "optimal"
        if (d.status == "optimal" and pr.status == "optimal")
        else (f"dual {d.status}, primal {pr.status}")
    )
    return DualityReport(
        dual=d.value,
        primal=pr.value,
        gap=pr.value - d.value,
        refined_l1_to_primal=float(np.abs(pr.eta - qh).sum()),
        ipm_at_refined=ipm_ref,
        ep_minus_eqh=d.e_p_h - e_qh_h,
        divergence_refined=div_ref,
        fenchel_young=fy,
        primal_at_refined=div_ref + ipm_ref,
        identities=tuple(ids),
        status=status,
        lambda_differentiable=differentiable,
        dual_result=d,
        primal_result=pr,
        refined=Qh,
    )
