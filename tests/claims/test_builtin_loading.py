"""Built-in claim modules are loaded robustly: one broken module must not break verify.

The loader is exercised on a temporary package laid out like ``boundkit/claims`` (a good
module, one that raises half-way, one with a syntax error, one that is not a ``_builtin_``
module), so the real registry's built-ins are untouched.
"""

from __future__ import annotations

import sys
import textwrap

import pytest

from boundkit.claims import _registry, exit_status, registry, unregister, verify

GOOD = """
from boundkit.claims import CheckOutcome, claim

@claim("fake-good", level="numeric", statement="1 = 1")
def check(*, quick, rng):
    return CheckOutcome(0.0, 0.0, 1)
"""

HALF = """
from boundkit.claims import CheckOutcome, claim

@claim("fake-half", level="numeric", statement="registered before the crash")
def check(*, quick, rng):
    return CheckOutcome(0.0, 0.0, 1)

raise RuntimeError("module exploded half-way")
"""


@pytest.fixture
def fake_package(tmp_path, monkeypatch):
    pkg = tmp_path / "bk_fake_claims"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "_builtin_a_good.py").write_text(textwrap.dedent(GOOD))
    (pkg / "_builtin_b_half.py").write_text(textwrap.dedent(HALF))
    (pkg / "_builtin_c_syntax.py").write_text("def broken(:\n")
    (pkg / "_other.py").write_text("raise RuntimeError('must not be imported')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    yield pkg
    for cid in ("fake-good", "fake-half", "import:_builtin_b_half", "import:_builtin_c_syntax"):
        if cid in registry():
            unregister(cid)
    for mod in ("bk_fake_claims._builtin_b_half", "bk_fake_claims._builtin_c_syntax"):
        _registry._LOAD_ERRORS.pop(mod, None)
    for name in [m for m in sys.modules if m.startswith("bk_fake_claims")]:
        del sys.modules[name]


def test_broken_modules_are_reported_not_fatal(fake_package):
    failed = _registry._import_modules([str(fake_package)], "bk_fake_claims", "_builtin_")
    assert failed == ["bk_fake_claims._builtin_b_half", "bk_fake_claims._builtin_c_syntax"]
    reg = registry()
    assert "fake-good" in reg and "fake-half" in reg  # what registered before the crash stays
    assert "bk_fake_claims._other" not in sys.modules
    errors = _registry._LOAD_ERRORS
    assert "module exploded half-way" in errors["bk_fake_claims._builtin_b_half"]
    assert "SyntaxError" in errors["bk_fake_claims._builtin_c_syntax"]
    records = verify(
        claims=["fake-good", "import:_builtin_b_half", "import:_builtin_c_syntax"], quick=True
    )
    assert [r.status for r in records] == ["pass", "fail", "fail"]
    assert "module exploded half-way" in records[1].message
    assert "SyntaxError" in records[2].message
    assert exit_status(records) == 1  # a broken built-in module fails verify, loudly


def test_builtin_sub_item_and_missing_statement():
    from boundkit.claims import CheckOutcome, get_claim, register
    from boundkit.claims._statements import STATEMENTS

    def ok(*, quick, rng):
        return CheckOutcome(0.0, 0.0, 1)

    register("C9-test-sub", "numeric", ok)
    register("Zz-builtin-test", "numeric", ok, builtin=True)
    try:
        assert get_claim("C9-test-sub").statement == STATEMENTS["C9"].statement
        assert "no statement" in get_claim("Zz-builtin-test").statement
    finally:
        unregister("C9-test-sub")
        unregister("Zz-builtin-test")
