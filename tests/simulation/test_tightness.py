"""The tightness record: ratios per n, medians and slopes, against the summary they summarise."""

from __future__ import annotations

import numpy as np
import pytest

from boundkit._errors import BoundkitError
from boundkit.bounds import fast_rate_bound
from boundkit.simulation import (
    fitted_slope,
    sandwich_prediction,
    simulate,
    tightness,
    tightness_record,
    toy_fast_rate_constants,
)


def test_fitted_slope() -> None:
    n = np.array([10.0, 30.0, 100.0, 300.0])
    assert fitted_slope(n, 3.0 * n**-0.5) == pytest.approx(-0.5, abs=1e-12)
    assert fitted_slope(n, [np.inf, np.inf, 1.0, 0.5]) == pytest.approx(np.log(0.5) / np.log(3))
    assert np.isnan(fitted_slope(n, [np.inf, np.inf, np.inf, 1.0]))


def test_tightness_record_matches_summary() -> None:
    res = simulate("finite", [300, 3000], n_replicates=60, seed=2, n_mc=50, progress=False)
    rec = tightness(res)
    rows = res.summary()
    for row in rows:
        n = str(row["n"])
        assert rec["C6a"]["ratio_per_n"][n] == pytest.approx(row["ratio_C6a"], rel=1e-12)
        assert rec["C6b"]["ratio_per_n"][n] == pytest.approx(row["ratio_C6b"], rel=1e-12)
        pred = sandwich_prediction("finite").mean(row["n"])
        assert rec["asymptotic"]["ratio_per_n"][n] == pytest.approx(pred / row["excess_mean"])
        fr = fast_rate_bound(toy_fast_rate_constants("finite"), row["n"], res.delta).value
        assert rec["fast-rate"]["ratio_per_n"][n] == pytest.approx(fr / row["excess_mean"])
    assert rec["C6a"]["slope_bound"] == pytest.approx(-0.5, abs=0.02)  # 2 R_n ~ n^-1/2
    assert rec["asymptotic"]["slope_bound"] == pytest.approx(-1.0, abs=1e-12)
    assert rec["C6a"]["ratio_median"] == pytest.approx(np.median([r["ratio_C6a"] for r in rows]))
    assert "tightness" in res.to_dict()


def test_tightness_record_slopes_over_all_n_and_from_300() -> None:
    # a bound that falls like n^-2 below 300 and like n^-1 above: the two fits differ
    sizes = [100, 200, 300, 1000, 3000]
    gaps = [9.0, 9.0 / 4, 1.0, 0.3, 0.1]
    rec = tightness_record(sizes, gaps, [1.0 / n for n in sizes])
    assert rec["slope_bound_n300"] == pytest.approx(-1.0, abs=1e-12)
    assert rec["slope_bound"] == pytest.approx(fitted_slope(sizes, gaps), abs=1e-15)
    assert rec["slope_bound"] < -1.2
    assert rec["slope_measured"] == pytest.approx(-1.0, abs=1e-12)
    assert rec["slope_measured_n300"] == pytest.approx(-1.0, abs=1e-12)
    assert tightness_record([100, 200], [1.0, 0.5], [1.0, 1.0])["slope_bound_n300"] is None


def test_a_users_finite_experiment_gets_the_fast_rate_families() -> None:
    """C10 (5) on a user's own finite experiment (not registered): ``tightness(toy=...)``."""
    from boundkit.classes import LinearClass
    from boundkit.distributions import FiniteDistribution
    from boundkit.simulation import Experiment, simulate

    x = np.linspace(-1, 1, 7)[:, None]
    P = FiniteDistribution(x, np.array([1, 3, 5, 3, 1, 2, 1.0]) / 16)
    Q = FiniteDistribution(x, np.full(7, 1 / 7))
    ex = Experiment(P, Q, LinearClass("poly", degree=2, p=2, B=2.0), "kl", name="mine")
    res = simulate(ex, [300, 1000, 3000], n_replicates=400, seed=1, progress=False)
    assert "fast-rate-profile-expectation" not in res.tightness()  # not registered: unknown
    rec = res.tightness(toy=ex)
    mean = rec["fast-rate-profile-expectation"]
    # a bound: above the measured mean excess beyond 4 standard errors of it at every n
    rows = {int(r["n"]): r for r in res.summary()}
    for n, gap in mean["gap_per_n"].items():
        r = rows[int(n)]
        assert gap >= r["excess_mean"] - 4 * r["excess_se"]
    assert mean["ratio_median"] < 2.0  # and tight
    other = Experiment(P, Q, LinearClass("poly", degree=3, p=2, B=2.0), "kl", name="mine")
    with pytest.raises(BoundkitError, match="configuration"):
        res.tightness(toy=other)
