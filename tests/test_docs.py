"""Documentation checks: generated tables, links, notebook pairs, a self-contained repository.

* The generated tables of README.md and docs/claims.md are what ``docs/generate_tables.py``
  writes now (generators from the catalogue, claims from the registry).
* Every relative link or image in README.md and docs/*.md points at an existing file, and
  every ``#anchor`` into a Markdown file names one of its headings.
* Every ``boundkit`` command line shown in a code block of the Markdown documentation parses
  with the real command-line parser, and the cheap commands of the README's tour run; the
  Python examples of the README and of docs/claims.md run.
* The test configuration runs the doctests of the package and the notebooks.
* Every notebook is a jupytext pair (``NN_name.py`` + ``NN_name.ipynb``) with the same cells,
  and reads the ``BOUNDKIT_SMOKE`` flag.
* No file in the repository points outside it at the project's planning material.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shlex
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
DOCS = ROOT / "docs"
NOTEBOOKS = ROOT / "notebooks"

SKIP_DIRS = {".git", ".venv", "venv", "build", "dist", "__pycache__", ".hypothesis", ".benchmarks"}
SKIP_DIRS |= {".ruff_cache", ".mypy_cache", ".pytest_cache", "results", "reproduce-out"}
TEXT_SUFFIXES = {".py", ".md", ".toml", ".txt", ".cfg", ".ini", ".yml", ".yaml", ".json"}
TEXT_SUFFIXES |= {".ipynb", ".rst", ".sh", ""}


def _load_generate_tables():
    spec = importlib.util.spec_from_file_location("_generate_tables", DOCS / "generate_tables.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _markdown_files() -> list[Path]:
    return [README, *sorted(DOCS.glob("*.md")), NOTEBOOKS / "README.md"]


def _strip_code(text: str) -> str:
    """Remove fenced code blocks and inline code spans (links there are not links)."""
    text = re.sub(r"^```.*?^```", "", text, flags=re.M | re.S)
    return re.sub(r"`[^`\n]*`", "", text)


_LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")


def _links(path: Path) -> list[str]:
    return _LINK.findall(_strip_code(path.read_text(encoding="utf-8")))


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"`", "", heading.strip().lower())
    kept = []
    for ch in text:
        cat = unicodedata.category(ch)
        if ch in " -_" or cat[0] in "LN":
            kept.append(ch)
    return "".join(kept).replace(" ", "-")


def _anchors(path: Path) -> set[str]:
    text = re.sub(r"^```.*?^```", "", path.read_text(encoding="utf-8"), flags=re.M | re.S)
    anchors: set[str] = set()
    counts: dict[str, int] = {}
    for m in re.finditer(r"^#{1,6}\s+(.*?)\s*#*\s*$", text, flags=re.M):
        slug = _slug(m.group(1))
        n = counts.get(slug, 0)
        counts[slug] = n + 1
        anchors.add(slug if n == 0 else f"{slug}-{n}")
    anchors |= set(re.findall(r'<a\s+(?:name|id)="([^"]+)"', text))
    return anchors


def test_slug_follows_github_rules():
    assert _slug("C7 Generalisation in the discriminator's metric (any f)") == (
        "c7-generalisation-in-the-discriminators-metric-any-f"
    )
    assert _slug("A 30-second tour") == "a-30-second-tour"
    assert _slug("Claims → checks") == "claims--checks"


@pytest.mark.parametrize("name", ["README.md", "docs/claims.md"])
def test_generated_sections_are_up_to_date(name):
    gen = _load_generate_tables()
    path = ROOT / name
    text = path.read_text(encoding="utf-8")
    expected = gen.TARGETS[path](text)
    assert text == expected, f"{name} is stale: run python docs/generate_tables.py"


def test_generators_table_lists_every_catalogue_entry():
    """Independent of the renderer: each generator's name appears in its own table row."""
    from boundkit.generators import catalogue

    cat = catalogue()
    gens = list(cat.values()) if hasattr(cat, "values") else list(cat)
    assert gens, "the catalogue is empty"
    text = README.read_text(encoding="utf-8")
    section = text[text.index("<!-- generators:start -->") : text.index("<!-- generators:end -->")]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    assert len(rows) == len(gens)
    for g, row in zip(gens, rows, strict=True):
        assert row.startswith(f"| `{g.name}` |")


@pytest.mark.parametrize("path", _markdown_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_point_at_existing_files(path):
    broken = []
    for target in _links(path):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target):  # http:, https:, mailto:
            continue
        file_part, _, anchor = target.partition("#")
        dest = (path.parent / file_part).resolve() if file_part else path
        if not dest.exists():
            broken.append(target)
            continue
        if ROOT not in dest.parents and dest != ROOT:
            broken.append(f"{target} (outside the repository)")
            continue
        if anchor and dest.suffix == ".md" and anchor not in _anchors(dest):
            broken.append(f"{target} (no such heading)")
    assert not broken, f"{path.name}: broken links {broken}"


def test_readme_keeps_the_ci_command_lines():
    lines = README.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "# boundkit"
    assert any(re.match(r"^python -m pip install .*# tests$", line) for line in lines)
    assert any(re.match(r"^python -m pip install .*# main job$", line) for line in lines)


def _notebook_pairs() -> list[Path]:
    return sorted(NOTEBOOKS.glob("[0-9][0-9]_*.py"))


def test_every_notebook_is_a_jupytext_pair():
    pys = _notebook_pairs()
    ipynbs = sorted(NOTEBOOKS.glob("*.ipynb"))
    assert pys, "no notebooks found"
    assert [p.stem for p in pys] == [p.stem for p in ipynbs]


@pytest.mark.parametrize("py", _notebook_pairs(), ids=lambda p: p.stem)
def test_notebook_pair_is_in_sync_and_smoke_aware(py):
    jupytext = pytest.importorskip("jupytext")
    nb_py = jupytext.read(py)
    with open(py.with_suffix(".ipynb"), encoding="utf-8") as fh:
        nb_ipynb = json.load(fh)

    def sources(cells):
        return [(c["cell_type"], "".join(c["source"]).strip()) for c in cells]

    assert sources(nb_py.cells) == sources(nb_ipynb["cells"]), (
        f"{py.name} and its .ipynb differ: run jupytext --sync {py.relative_to(ROOT)}"
    )
    assert "BOUNDKIT_SMOKE" in py.read_text(encoding="utf-8")
    code_cells = [c for c in nb_ipynb["cells"] if c["cell_type"] == "code"]
    assert all(c.get("execution_count") for c in code_cells), (
        f"{py.with_suffix('.ipynb').name} is committed without outputs: execute it"
    )
    errors = [
        o for c in code_cells for o in c.get("outputs", []) if o.get("output_type") == "error"
    ]
    assert not errors, f"{py.with_suffix('.ipynb').name} was committed with an error output"


def _repo_text_files():
    for path in ROOT.rglob("*"):
        rel = path.relative_to(ROOT)
        if any(part in SKIP_DIRS or part.endswith(".egg-info") for part in rel.parts):
            continue
        if path.is_file() and path.suffix in TEXT_SUFFIXES and path.stat().st_size < 5_000_000:
            yield path


def test_repository_stands_alone():
    # the patterns are assembled so that this file does not match itself
    shared, notes = "sh" + "ared", "helper" + "-notes"
    pattern = re.compile(rf"(\.\./{shared}\b|/work/{shared}\b|{shared}/(THEORY|STYLE)\.md|{notes})")
    offenders = []
    for path in _repo_text_files():
        text = path.read_text(encoding="utf-8", errors="replace")
        if pattern.search(text):
            offenders.append(str(path.relative_to(ROOT)))
    assert not offenders, f"files pointing outside the repository: {offenders}"


# --------------------------------------------------------------------------- code in the docs


def _code_blocks(path: Path, lang: str) -> list[str]:
    text = path.read_text(encoding="utf-8")
    return re.findall(rf"^```{lang}\n(.*?)^```", text, flags=re.M | re.S)


def _section(text: str, heading: str) -> str:
    start = text.index(heading)
    nxt = text.find("\n## ", start + len(heading))
    return text[start : nxt if nxt >= 0 else len(text)]


def _boundkit_commands(block: str) -> list[list[str]]:
    """The ``boundkit ...`` invocations in a shell block, as argument lists (without the
    leading ``boundkit``); comments, background ``&`` and ``&&`` chains are handled."""
    commands = []
    for line in block.splitlines():
        line = line.split(" #", 1)[0].strip()
        if line.startswith("#"):
            continue
        for part in re.split(r"&&|;|\|", line):
            words = shlex.split(part.strip().rstrip("&").strip())
            if words and words[0] == "boundkit":
                commands.append(words[1:])
    return commands


def _inline_commands(text: str) -> list[list[str]]:
    """``boundkit ...`` commands written as inline code spans (outside fenced blocks)."""
    text = re.sub(r"^```.*?^```", "", text, flags=re.M | re.S)
    return [shlex.split(m)[1:] for m in re.findall(r"`(boundkit [^`\n]+)`", text)]


def _documented_commands() -> list[tuple[str, list[str]]]:
    out = []
    for path in _markdown_files():
        blocks = _code_blocks(path, "bash")
        if path == README:
            blocks = blocks[1:]  # the first block is the CI set-up, run by CI itself
        for block in blocks:
            out += [(path.name, argv) for argv in _boundkit_commands(block)]
        text = path.read_text(encoding="utf-8")
        out += [(path.name, argv) for argv in _inline_commands(text)]
    for py in sorted(NOTEBOOKS.glob("[0-9][0-9]_*.py")):
        out += [(py.name, argv) for argv in _inline_commands(py.read_text(encoding="utf-8"))]
    unique = {(where, tuple(argv)): None for where, argv in out}
    return [(where, list(argv)) for where, argv in unique]


def test_documented_commands_are_found():
    """Guard for the parser test below: the extraction does find the README's commands."""
    commands = [argv for name, argv in _documented_commands() if name == "README.md"]
    assert ["verify", "--list"] in commands
    assert _boundkit_commands("a && boundkit verify --quick  # c\nx &\nboundkit bound x &") == [
        ["verify", "--quick"],
        ["bound", "x"],
    ]


@pytest.mark.parametrize(
    "where,argv", _documented_commands(), ids=lambda v: v if isinstance(v, str) else " ".join(v)
)
def test_documented_command_parses(where, argv, capsys):
    """Each command shown in the documentation is accepted by ``boundkit``'s own parser."""
    from boundkit.cli import build_parser

    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:  # argparse reports usage errors by exiting
        err = capsys.readouterr().err.strip()
        pytest.fail(f"{where}: 'boundkit {' '.join(argv)}' does not parse ({exc.code}): {err}")
    assert args.command == argv[0]


def _run_boundkit(argv: list[str], cwd: Path) -> subprocess.CompletedProcess:
    env = dict(
        os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])
    )
    return subprocess.run(
        [sys.executable, "-m", "boundkit", *argv],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=120,
    )


#: Subcommands of the README tour that finish in a few seconds: run by default.
CHEAP_COMMANDS = {"verify", "conjugate", "derive", "bound", "duality", "rademacher"}


def _tour_commands() -> list[list[str]]:
    tour = _section(README.read_text(encoding="utf-8"), "## A 30-second tour")
    return [
        argv
        for block in re.findall(r"^```bash\n(.*?)^```", tour, flags=re.M | re.S)
        for argv in _boundkit_commands(block)
    ]


def _tour_params() -> list:
    return [
        pytest.param(
            argv,
            id=" ".join(argv),
            marks=() if argv[0] in CHEAP_COMMANDS else (pytest.mark.slow,),
        )
        for argv in _tour_commands()
    ]


@pytest.mark.parametrize("argv", _tour_params())
def test_tour_command_runs(argv, tmp_path, monkeypatch, capsys):
    """The README tour's commands exit with status 0 and print something (run in-process)."""
    from boundkit.cli import main

    monkeypatch.chdir(tmp_path)
    if "--spec" in argv:  # spec files are named relative to the repository root
        i = argv.index("--spec") + 1
        argv = [*argv[:i], str(ROOT / argv[i]), *argv[i + 1 :]]
    status = main([*argv, "--quiet"] if argv[0] in {"verify", "reproduce"} else argv)
    out = capsys.readouterr()
    assert status == 0, f"boundkit {' '.join(argv)} exited {status}: {out.err}"
    assert out.out.strip()


def _python_examples():
    readme_tour = _section(README.read_text(encoding="utf-8"), "## A 30-second tour")
    blocks = [
        ("README", b) for b in re.findall(r"^```python\n(.*?)^```", readme_tour, flags=re.M | re.S)
    ]
    blocks += [("claims.md", b) for b in _code_blocks(DOCS / "claims.md", "python")]
    return [pytest.param(code, id=f"{where}-{i}") for i, (where, code) in enumerate(blocks)]


@pytest.mark.parametrize("code", _python_examples())
def test_python_example_runs(code, tmp_path, monkeypatch, capsys):
    """The Python examples of the documentation run as shown and print something.

    They run in this process (a fresh namespace); claims they register are removed afterwards.
    """
    from boundkit.claims import registry, unregister

    before = set(registry())
    monkeypatch.chdir(tmp_path)
    try:
        exec(compile(code, "<documentation example>", "exec"), {"__name__": "__doc_example__"})
    finally:
        for claim_id in set(registry()) - before:
            unregister(claim_id)
    assert capsys.readouterr().out.strip(), "the example printed nothing"


def test_claims_doc_plugin_example_runs(tmp_path):
    """docs/claims.md's claim, saved as a plugin, runs through ``boundkit verify --plugin``."""
    code = _code_blocks(DOCS / "claims.md", "python")[0]
    code = "\n".join(line for line in code.splitlines() if not line.startswith("print(verify"))
    (tmp_path / "my_claims.py").write_text(code, encoding="utf-8")
    argv = ["verify", "--plugin", "my_claims.py", "--claim", "my-bound", "--quick", "--json"]
    out = _run_boundkit(argv, tmp_path)
    assert out.returncode == 0, out.stderr
    records = json.loads(out.stdout)
    assert [(r["claim"], r["status"]) for r in records] == [("my-bound", "pass")]


def test_pytest_configuration_runs_doctests_and_notebooks():
    """CI's default ``pytest`` run collects the package's doctests and executes the notebooks."""
    tomllib = pytest.importorskip("tomllib")

    cfg = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    opts = cfg["tool"]["pytest"]["ini_options"]
    assert {"tests", "boundkit", "notebooks"} <= set(opts["testpaths"])
    assert "--doctest-modules" in opts["addopts"].split()
    assert "--nbmake" in opts["addopts"].split()
    assert "error" in opts["filterwarnings"]


# ------------------------------------------------------------------- formulas in docstrings

#: Packages whose public functions compute mathematical quantities: each must state the formula.
MATH_PACKAGES = ("generators", "duality", "complexity", "bounds")
#: Helpers of those packages that compute no formula (validation, naming, look-ups).
NO_FORMULA = {
    "generators.catalogue_entries",
    "generators.domain_string",
    "bounds.check_n_delta",
    "bounds.generator_name",
    "bounds.rademacher_multiplier",
    "duality.identify_generator",
}


def test_mathematical_functions_state_their_formula():
    """numpydoc docstrings of the mathematical API carry a Notes section with the formula."""
    import importlib
    import inspect

    missing = []
    for pkg in MATH_PACKAGES:
        module = importlib.import_module(f"boundkit.{pkg}")
        for name in module.__all__:
            obj = getattr(module, name)
            if not inspect.isfunction(obj) or f"{pkg}.{name}" in NO_FORMULA:
                continue
            doc = inspect.getdoc(obj) or ""
            has_notes = re.search(r"^Notes\n-----", doc, flags=re.M) is not None
            has_math = ":math:" in doc or ".. math::" in doc
            if not (has_notes and has_math):
                missing.append(f"boundkit.{pkg}.{name}")
    assert not missing, f"public functions without a Notes section stating the formula: {missing}"


def test_every_command_has_json_output_as_the_readme_says():
    """README: 'Every command accepts --help; --json prints one JSON document on stdout.'"""
    from boundkit.cli import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    without = [
        name
        for name, p in sub.choices.items()
        if not any("--json" in a.option_strings for a in p._actions)
    ]
    assert sub.choices, "no subcommands registered"
    assert not without, f"subcommands without --json: {without}"


@pytest.mark.parametrize("command", ["verify", "reproduce"])
def test_verify_and_reproduce_options_are_documented(command):
    """Every option of ``boundkit verify`` / ``reproduce`` is explained in README.md or
    docs/claims.md, and both say what ``reproduce`` writes and where the JSON schema is."""
    from boundkit.cli import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command").choices[command]
    options = [
        opt
        for a in sub._actions
        for opt in a.option_strings
        if opt.startswith("--") and opt != "--help"
    ]
    assert "--json" in options and "--quick" in options  # the parser is the one we think
    readme = README.read_text(encoding="utf-8")
    claims = (DOCS / "claims.md").read_text(encoding="utf-8")
    text = readme + claims
    code = re.findall(r"^```.*?^```", text, flags=re.M | re.S)  # fenced blocks ...
    code += re.findall(r"`[^`\n]+`", re.sub(r"^```.*?^```", "", text, flags=re.M | re.S))
    undocumented = [o for o in options if not any(re.search(rf"{o}(?![\w-])", c) for c in code)]
    assert not undocumented, (
        f"boundkit {command} options not in README/docs/claims.md: {undocumented}"
    )
    for doc in (readme, claims):
        for output in ("report.md", "verify.json", "figures/", "verify.schema.json", "--strict"):
            assert output in doc, f"{output!r} is not mentioned"
