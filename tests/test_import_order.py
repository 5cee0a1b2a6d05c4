r"""The documented import order holds: parsed from docs/architecture.md, checked with ast.

Rules (every import statement, including the lazy ones inside functions):

1. a module of package A imports package B only when B is listed *above* A (a lower number);
   packages on the same line (plotting, cli, reproduce) may import each other, the bottom
   modules (line 1) only each other;
2. a module never imports another package's private module (``boundkit.B._x``) — except the
   pairs in :data:`EXCEPTIONS`, each with the reason it is still there. An exception that is no
   longer needed fails the test too, so the list can only shrink.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PKG = ROOT / "boundkit"

#: (importing file, imported private module) -> why it is allowed for now.
EXCEPTIONS: dict[tuple[str, str], str] = {
    ("claims/_builtin_generators.py", "boundkit.generators._catalogue"): (
        "the C1 check enumerates the alpha regimes (_ALPHA_REGIMES), which have no public name"
    ),
    ("claims/_builtin_generators.py", "boundkit.generators._stationary"): (
        "the C1 check re-simplifies with the derivation's own helpers (_simplify, _tidy_logs)"
    ),
}


def _levels() -> dict[str, int]:
    """``package -> line number`` of the numbered list in docs/architecture.md."""
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    items = re.findall(r"^(\d+)\. (.*?)(?=^\d+\. |^\s*$)", text, re.M | re.S)
    levels: dict[str, int] = {}
    for number, body in items:
        head = body.split(" — ")[0]
        for name in re.findall(r"`boundkit\.([A-Za-z_]+)`", head):
            levels[name] = int(number)
    return levels


def _imports(path: Path) -> list[tuple[str, int]]:
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            out.append((node.module, node.lineno))
        elif isinstance(node, ast.Import):
            out.extend((a.name, node.lineno) for a in node.names)
    return [(m, n) for m, n in out if m.split(".")[0] == "boundkit" and "." in m]


def _scan(pkg: Path = PKG):
    levels = _levels()
    upward, private, unlisted, used = [], [], [], set()
    for path in sorted(pkg.rglob("*.py")):
        me = path.relative_to(pkg).parts[0].removesuffix(".py")
        if me in ("__init__", "__main__"):
            continue
        rel = str(path.relative_to(pkg))
        for mod, line in _imports(path):
            parts = mod.split(".")
            other = parts[1]
            if other == me:
                continue
            if me not in levels or other not in levels:
                unlisted.append(f"{rel}:{line} {mod}")
                continue
            lm, lo = levels[me], levels[other]
            same_line_ok = lm == lo and lm in (1, max(levels.values()))
            if lo > lm or (lo == lm and not same_line_ok):
                upward.append(f"{rel}:{line} imports {mod} (level {lo} >= {lm})")
            if len(parts) > 2 and parts[2].startswith("_") and not other.startswith("_"):
                key = (rel, ".".join(parts[:3]))
                if key in EXCEPTIONS:
                    used.add(key)
                else:
                    private.append(f"{rel}:{line} imports the private {'.'.join(parts[:3])}")
    return levels, upward, private, unlisted, used


def test_the_documented_list_names_every_package():
    levels = _levels()
    on_disk = {p.name for p in PKG.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    on_disk |= {p.stem for p in PKG.glob("_*.py") if p.stem not in ("__init__", "__main__")}
    assert on_disk <= set(levels), f"not in docs/architecture.md: {sorted(on_disk - set(levels))}"
    assert levels["_errors"] == 1 and levels["generators"] < levels["duality"]


def test_no_package_imports_one_listed_below_it():
    _, upward, _, unlisted, _ = _scan()
    assert not unlisted, unlisted
    assert not upward, "\n".join(upward)


def test_no_import_of_another_packages_private_module():
    _, _, private, _, used = _scan()
    assert not private, "\n".join(private)
    stale = sorted(set(EXCEPTIONS) - used)
    assert not stale, f"exceptions no longer needed (remove them): {stale}"


def test_the_checker_finds_a_violation(tmp_path):
    """The scan is able to fail: an upward and a private import in a fake tree are found."""
    mod = tmp_path / "boundkit" / "generators"
    mod.mkdir(parents=True)
    (mod / "_probe.py").write_text(
        "def f():\n    from boundkit.duality import refine\n"
        "    from boundkit.distributions._base import Distribution\n",
        encoding="utf-8",
    )
    _, upward, private, _, _ = _scan(tmp_path / "boundkit")
    assert any("_probe" in u and "boundkit.duality" in u for u in upward)
    assert any("_probe" in p and "distributions._base" in p for p in private)
