"""Property tests of the library behind claims C4 and C5, drawn with ``boundkit.testing``.

The strategies the users are told to use (finite pairs, discriminator values) drive the
project's own tests here; every reference is computed independently with numpy / scipy.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import minimize_scalar

from boundkit.duality import refine
from boundkit.testing import finite_pairs, h_values


def _kl(p: np.ndarray, q: np.ndarray) -> float:
    m = p > 0
    return float(np.sum(p[m] * np.log(p[m] / q[m])))


@settings(deadline=None)
@given(pq=finite_pairs(max_atoms=6), data=st.data())
def test_kl_refinement_identity_c5(pq, data):
    """C5: KL(P||Q_h) = KL(P||Q) - (E_P h - log E_Q e^h), with Q_h = Q e^h / E_Q e^h."""
    P, Q = pq
    h = np.asarray(data.draw(h_values(P.size)), dtype=float)
    p, q = np.asarray(P.pmf, float), np.asarray(Q.pmf, float)
    tilt = q * np.exp(h)
    reference_pmf = tilt / tilt.sum()
    Qh = refine(Q, h, "kl")
    np.testing.assert_allclose(Qh.pmf, reference_pmf, rtol=1e-10, atol=1e-13)
    lhs = _kl(p, np.asarray(Qh.pmf, float))
    rhs = _kl(p, q) - (p @ h - np.log(q @ np.exp(h)))
    assert abs(lhs - rhs) <= 1e-9 * max(1.0, abs(rhs))


def _pearson_conjugate(t: np.ndarray) -> np.ndarray:
    """f*(t) = sup_{u >= 0} t u - (u - 1)^2: t + t^2/4 for t > -2, -1 below."""
    return np.where(t > -2.0, t + t * t / 4.0, -1.0)


@settings(deadline=None)
@given(pq=finite_pairs(max_atoms=6), data=st.data())
def test_pearson_refined_model_fenchel_young_c4(pq, data):
    """C4 for Pearson chi^2: D_f(Q_h||Q) = E_{Q_h} h - Lambda_f^Q[h].

    Lambda_f^Q[h] = min_nu nu + E_Q f*(h - nu) is minimised here by scipy (bounded Brent on a
    bracket that contains the minimiser), and D_f is the chi^2 sum of the refined pmf.
    """
    _, Q = pq
    q = np.asarray(Q.pmf, float)
    h = np.asarray(data.draw(h_values(Q.size, bound=3.0)), dtype=float)
    Qh = refine(Q, h, "pearson")
    r = np.asarray(Qh.pmf, float)
    assert np.all(r >= -1e-12) and abs(r.sum() - 1.0) <= 1e-9

    def objective(nu: float) -> float:
        return nu + float(q @ _pearson_conjugate(h - nu))

    # the derivative 1 - E_Q (f*)'(h - nu) is < 0 at nu = min h - 2 and > 0 at nu = max h + 2
    best = minimize_scalar(
        objective,
        bounds=(h.min() - 2.0, h.max() + 2.0),
        method="bounded",
        options={"xatol": 1e-12},
    )
    lam = best.fun
    m = q > 0
    chi2 = float(np.sum(q[m] * (r[m] / q[m] - 1.0) ** 2))
    assert np.all(r[~m] <= 1e-12)  # Q_h << Q
    assert abs(chi2 - (r @ h - lam)) <= 1e-7
