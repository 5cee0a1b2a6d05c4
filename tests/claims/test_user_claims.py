"""Users' own claims: decorator on a function or a class, plugins, expectations, errors."""

from __future__ import annotations

import textwrap

import pytest

from boundkit import BoundkitError
from boundkit.claims import (
    CheckOutcome,
    CheckRecord,
    claim,
    exit_status,
    get_claim,
    load_plugin,
    plan,
    register,
    registry,
    unregister,
    verify,
)


@pytest.fixture
def cleanup():
    ids: list[str] = []
    yield ids
    for cid in ids:
        if cid in registry():
            unregister(cid)


def test_decorated_class_registers_each_level(cleanup):
    @claim("u-class", hypotheses=("x real",))
    class _Claim:
        statement = "x^2 + 1 > 0"
        latex = r"x^2+1>0"

        def numeric(self, *, quick, rng):
            x = rng.normal(size=10 if quick else 100)
            return CheckOutcome(float(max(-(x**2 + 1))), 0.0, x.size)

        def simulation(self, *, quick, rng):
            return CheckOutcome(-1.0, 0.0, 1)

    cleanup.append("u-class")
    c = get_claim("u-class")
    assert c.levels() == ("numeric", "simulation")
    assert c.statement == "x^2 + 1 > 0" and c.latex == r"x^2+1>0"
    assert c.hypotheses == ("x real",) and not c.builtin
    recs = verify(claims=["u-class"], quick=True)
    assert [(r.level, r.status, r.cases) for r in recs] == [
        ("numeric", "pass", 10),
        ("simulation", "pass", 1),
    ]
    assert [r.level for r in verify(claims=["u-class"], levels=["simulation"])] == ["simulation"]


def test_user_claim_is_in_verify_all(cleanup):
    claim("u-all", level="numeric", statement="s")(lambda *, quick, rng: CheckOutcome(0, 0, 1))
    cleanup.append("u-all")
    ids = [cid for cid, _, _ in plan()]
    assert "u-all" in ids
    # builtin theory claims sort before users' claims
    order = list(registry())
    assert order.index("u-all") > max(
        (order.index(c) for c in order if c.startswith("C")), default=-1
    )


def test_expected_fail_that_passes_makes_exit_1(cleanup):
    claim("u-xpass", level="numeric", statement="s", expected="fail")(
        lambda *, quick, rng: CheckOutcome(-1.0, 0.0, 1)
    )
    claim("u-xfail", level="numeric", statement="s", expected="fail")(
        lambda *, quick, rng: CheckOutcome(1.0, 0.0, 1, counterexample={"x": 1})
    )
    cleanup.extend(["u-xpass", "u-xfail"])
    xpass, xfail = verify(claims=["u-xpass", "u-xfail"])
    assert xpass.status == "pass" and not xpass.as_expected
    assert xpass.verdict == "UNEXPECTED PASS"
    assert xfail.status == "fail" and xfail.as_expected
    assert exit_status([xfail]) == 0
    assert exit_status([xpass]) == 1
    assert exit_status([xpass, xfail]) == 1


def test_exit_status_logic():
    def rec(status, expected="pass"):
        return CheckRecord("c", "numeric", status, 0.0, 0.0, 1, 0, 0.0, expected=expected)

    assert exit_status([]) == 1  # nothing verified is never a success
    assert exit_status([rec("pass"), rec("inconclusive")]) == 0
    assert exit_status([rec("pass"), rec("fail")]) == 1
    assert exit_status([rec("fail", "fail")]) == 0
    assert exit_status([rec("pass", "fail")]) == 1
    assert exit_status([rec("inconclusive", "fail")]) == 0


def test_forced_status_and_bad_return(cleanup):
    claim("u-inc", level="symbolic", statement="s")(
        lambda *, quick, rng: CheckOutcome(0.0, 0.0, 1, status="inconclusive", message="m")
    )
    claim("u-bad", level="numeric", statement="s")(lambda *, quick, rng: 3.0)
    cleanup.extend(["u-inc", "u-bad"])
    inc, bad = verify(claims=["u-inc", "u-bad"])
    assert inc.status == "inconclusive" and inc.message == "m"
    assert bad.status == "fail" and "float" in bad.message


def test_registration_errors(cleanup):
    def ok(*, quick, rng):
        return CheckOutcome(0.0, 0.0, 1)

    def other(*, quick, rng):
        return CheckOutcome(0.0, 0.0, 1)

    with pytest.raises(BoundkitError, match="statement"):
        register("u-nostatement", "numeric", ok)
    with pytest.raises(BoundkitError, match="expected"):
        register("u-x", "numeric", ok, statement="s", expected="maybe")
    with pytest.raises(BoundkitError, match="level"):
        claim("u-x", statement="s")(ok)
    with pytest.raises(BoundkitError, match="none of the methods"):
        claim("u-x", statement="s")(type("Empty", (), {}))
    register("u-dup", "numeric", ok, statement="s")
    cleanup.append("u-dup")
    register("u-dup", "numeric", ok)  # same function again (a re-import): fine
    with pytest.raises(BoundkitError, match="already has a numeric check"):
        register("u-dup", "numeric", other)
    register("u-dup", "numeric", other, replace=True)
    assert get_claim("u-dup").checks["numeric"] is other
    with pytest.raises(BoundkitError, match="no claim"):
        unregister("u-never-registered")


def test_plugin_file_registers_claims(tmp_path, cleanup):
    plugin = tmp_path / "my_claims.py"
    plugin.write_text(
        textwrap.dedent(
            """
            from boundkit.claims import CheckOutcome, claim

            @claim("plug-a", level="numeric", statement="1 + 1 = 2")
            def check(*, quick, rng):
                return CheckOutcome(abs((1 + 1) - 2), 0.0, 1)
            """
        )
    )
    cleanup.append("plug-a")
    assert load_plugin(plugin) == ["plug-a"]
    assert load_plugin(str(plugin)) == ["plug-a"]  # loading twice is harmless
    (rec,) = verify(claims=["plug-a"])
    assert rec.status == "pass"


def test_plugin_errors(tmp_path):
    with pytest.raises(BoundkitError, match="does not exist"):
        load_plugin(tmp_path / "nope.py")
    with pytest.raises(BoundkitError, match="neither a file nor an importable module"):
        load_plugin("no_such_module_for_boundkit")
    bad = tmp_path / "bad.py"
    bad.write_text("raise RuntimeError('broken plugin')\n")
    with pytest.raises(BoundkitError, match="broken plugin"):
        load_plugin(bad)


def test_statement_filled_from_table(cleanup):
    # a user's own check of a theory claim gets the table's statement
    from boundkit.claims._statements import STATEMENTS

    free = [cid for cid in STATEMENTS if "numeric" not in registry().get(cid, _Nil).checks]
    if not free:
        pytest.skip("every theory claim already has a numeric check")
    cid = free[0]
    had = cid in registry()
    register(cid, "numeric", lambda *, quick, rng: CheckOutcome(0, 0, 1))
    try:
        assert get_claim(cid).statement == STATEMENTS[cid].statement
    finally:
        if had:
            del get_claim(cid).checks["numeric"]
        else:
            unregister(cid)


class _Nil:
    checks: dict = {}
