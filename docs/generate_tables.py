r"""Regenerate the generated sections of README.md and docs/claims.md from the code.

* The table of generators in README.md, between ``<!-- generators:start -->`` and
  ``<!-- generators:end -->``, is written from :func:`boundkit.generators.catalogue`.
* The figure gallery in README.md, between ``<!-- figures:start -->`` and
  ``<!-- figures:end -->``, lists the PNG files in ``figures/``.
* The table mapping claims to their checks, between ``<!-- claims:start -->`` and
  ``<!-- claims:end -->`` in README.md and docs/claims.md, is written from the claims registry.

Never edit these sections by hand; ``tests/test_docs.py`` fails when they are out of date.

Usage (from the repository root)::

    python docs/generate_tables.py           # rewrite the generated sections in place
    python docs/generate_tables.py --check   # exit 1 if one is out of date
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
START = "<!-- generators:start -->"
END = "<!-- generators:end -->"

if str(ROOT) not in sys.path:  # run from a checkout without installing boundkit
    sys.path.insert(0, str(ROOT))


def _latex(expr) -> str:
    """LaTeX of a sympy expression, safe inside a Markdown table cell (no ``|``)."""
    import sympy as sp

    s = sp.latex(expr)
    s = s.replace(r"\left|", r"\left\lvert ").replace(r"\right|", r"\right\rvert ")
    return s.replace("|", r"\vert ")


def _math(expr) -> str:
    """An expression as inline math; ``Piecewise`` becomes 'a if c, else b' in words.

    The branch equal to :math:`+\\infty` (outside the domain) is left out.
    """
    import sympy as sp

    if isinstance(expr, sp.Piecewise):
        # the +oo branch is the outside of dom f*, which has its own column
        args = [(v, c) for v, c in expr.args if v != sp.oo] or list(expr.args)
        if len(args) == 1:
            return f"${_latex(args[0][0])}$"
        parts = []
        for value, cond in args:
            if cond is sp.true:
                parts.append(f"else ${_latex(value)}$" if parts else f"${_latex(value)}$")
            else:
                parts.append(f"${_latex(value)}$ if ${_latex(cond)}$")
        return ", ".join(parts)
    return f"${_latex(expr)}$"


def _interval(domain) -> str:
    """A sympy set as inline math, e.g. :math:`(-\\infty, 0)`."""
    import sympy as sp

    if isinstance(domain, sp.Interval):
        left = "(" if domain.left_open or domain.start == -sp.oo else "["
        right = ")" if domain.right_open or domain.end == sp.oo else "]"
        return f"${left}{_latex(domain.start)}, {_latex(domain.end)}{right}$"
    if domain == sp.S.Reals:
        return r"$\mathbb{R}$"
    return f"${_latex(domain)}$"


def _generators(cat) -> Iterable:
    """The generators of a catalogue, whether it is a mapping or a sequence."""
    if hasattr(cat, "values"):
        return list(cat.values())
    return list(cat)


def generators_table() -> str:
    """The Markdown table of the catalogue's generators, conjugates, domains and links.

    Returns
    -------
    str
        The table, one line per generator in catalogue order, ending with a newline.
    """
    from boundkit.generators import catalogue

    lines = [
        "| generator | aliases | $f(u)$ | $f^*(t)$ on $u \\ge 0$ | $\\mathrm{dom}\\, f^*$ "
        "| link $(f^*)'(t)$ |",
        "|---|---|---|---|---|---|",
    ]
    for g in _generators(catalogue()):
        aliases = ", ".join(f"`{a}`" for a in getattr(g, "aliases", ()) or ()) or ""
        closed = getattr(g, "closed_form", True)
        conj = _math(g.conjugate_expr) if closed else "numerical"
        link = _math(g.link_expr) if closed and g.link_expr is not None else "numerical"
        lines.append(
            f"| `{g.name}` | {aliases} | {_math(g.f)} | {conj} | {_interval(g.domain)} | {link} |"
        )
    return "\n".join(lines) + "\n"


_THEORY_ANCHORS = {
    "C1": "c1-conjugates-on-the-half-line",
    "C2": "c2-variational-representation",
    "C3": "c3-weak-and-strong-duality",
    "C4": "c4-the-refined-model-solves-the-primal",
    "C5": "c5-the-kl-refinement-identity",
    "C6": "c6-generalisation-of-the-refined-model-kl",
    "C7": "c7-generalisation-in-the-discriminators-metric-any-f",
    "C8": "c8-discriminator-guidance-is-a-refinement",
    "C9": "c9-rademacher-calculus",
    "C10": "c10-a-fast-rate-for-the-kl-refinement",
    "C11": "c11-hold-out-certificates",
}


def _claim_order(claim_id: str) -> tuple:
    """C1 < C2 < ... < C6a < C6b < ... < C9, then every other claim alphabetically."""
    import re

    m = re.fullmatch(r"C(\d+)([a-z]?)", claim_id)
    return (0, int(m.group(1)), m.group(2)) if m else (1, 0, claim_id)


def claims_table(theory: str = "docs/theory.md") -> str:
    """The Markdown table mapping each registered claim to the checks that verify it.

    Parameters
    ----------
    theory : str
        Relative path of ``docs/theory.md`` from the file the table goes into.

    Returns
    -------
    str
        One row per claim of :func:`boundkit.claims.registry` (built-in claims only), with the
        check function of each level as ``module.function``.
    """
    from boundkit.claims import LEVELS, registry

    header = "| claim | " + " | ".join(LEVELS) + " |"
    lines = [header, "|---" * (len(LEVELS) + 1) + "|"]
    claims = [c for c in registry().values() if c.builtin]
    for c in sorted(claims, key=lambda c: _claim_order(c.id)):
        base = c.id[:2] if c.id[:2] in _THEORY_ANCHORS and c.id[2:3].isalpha() else c.id
        if base in _THEORY_ANCHORS:
            name = f"[{c.id}]({theory}#{_THEORY_ANCHORS[base]})"
        else:
            name = f"`{c.id}`"
        if c.expected == "fail":
            name += " (false on purpose)"
        cells = []
        for level in LEVELS:
            fn = c.checks.get(level)
            cells.append(f"`{fn.__module__}.{fn.__qualname__}`" if fn is not None else "")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    checked = {c.id[:2] if c.id[2:3].isalpha() else c.id for c in claims}
    missing = [cid for cid in _THEORY_ANCHORS if cid not in checked]
    if missing:
        lines.append("")
        lines.append(f"*No check is registered yet for: {', '.join(missing)}.*")
    return "\n".join(lines) + "\n"


#: Captions of the figures ``boundkit figures`` writes; other files get a caption from their name.
FIGURE_CAPTIONS = {
    "bound_vs_gap": "Measured excess KL of the refined model against the bounds of C6 (log-log)",
    "improvement": "Improvement of the refined model over Q against n, with the C5 + C6a bound",
    "slack": "Slack of C6b/C6c: measured (1 - delta)-quantile of the excess vs each bound",
    "tightness_map": "Bound / measured excess against n for every bound family (1 is exact)",
    "guidance_densities": "P, Q and the refined models Q_h of each discriminator (C8)",
    "guidance_distance_vs_weight": "Wasserstein-1 between guided samples and P against w (C8)",
    "guidance_accuracy": "Per-time accuracy of each discriminator against the Bayes-optimal one",
}


def _caption(stem: str) -> str:
    if stem in FIGURE_CAPTIONS:
        return FIGURE_CAPTIONS[stem]
    words = stem.replace("_", " ").replace("-", " ").strip()
    return words[:1].upper() + words[1:]


def figures_gallery(root: Path = ROOT) -> str:
    """The Markdown gallery of the PNG files in ``figures/``, two per row, sorted by name.

    Parameters
    ----------
    root : Path
        The repository root (``figures/`` is looked up under it).

    Returns
    -------
    str
        A table of images with captions, or a one-line note when there is no figure yet.
    """
    files = sorted((root / "figures").glob("*.png"))
    if not files:
        return "*No figure has been generated yet: `boundkit figures` writes them to figures/.*\n"
    captions = [_caption(p.stem).replace("|", "/") for p in files]  # a | would split the cell
    cells = [f"![{c}](figures/{p.name})<br>*{c}*" for c, p in zip(captions, files, strict=True)]
    if len(cells) % 2:
        cells.append("")
    lines = ["| | |", "|---|---|"]
    lines += [f"| {a} | {b} |" for a, b in zip(cells[::2], cells[1::2], strict=True)]
    return "\n".join(lines) + "\n"


def _summary(fn) -> str:
    """The first paragraph of a check's docstring, as one line of Markdown."""
    import inspect
    import re

    doc = inspect.getdoc(fn) or ""
    first = " ".join(doc.split("\n\n")[0].split())
    first = re.sub(r":math:`([^`]*)`", r"$\1$", first)
    first = re.sub(r":(?:func|class|meth|mod|data|attr):`~?([^`]*)`", r"`\1`", first)
    first = first.replace("``", "`")
    parts = first.split("$")  # odd parts are inline math
    for i, part in enumerate(parts):
        if i % 2:
            parts[i] = part.replace(r"\|", r"\Vert ").replace("|", r"\vert ")
        else:
            parts[i] = part.replace("|", "&#124;")
    return "$".join(parts)


def exercised(fn) -> list[str]:
    """The public boundkit names a check imports, directly or through its module's helpers.

    Parameters
    ----------
    fn : callable
        A registered check function.

    Returns
    -------
    list of str
        Sorted dotted names, e.g. ``boundkit.duality.duality_report``; a name imported from a
        private module is shown under its public package when the package exports it.
    """
    import ast
    import importlib
    import inspect
    import textwrap

    module = sys.modules.get(fn.__module__)
    seen: set = set()
    names: set[str] = set()
    todo = [fn]
    while todo:
        f = todo.pop()
        if f in seen:
            continue
        seen.add(f)
        try:
            tree = ast.parse(textwrap.dedent(inspect.getsource(f)))
        except (OSError, TypeError, SyntaxError):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("boundkit."):
                if node.module.startswith("boundkit.claims"):
                    continue
                package = ".".join(node.module.split(".")[:2])
                public = getattr(importlib.import_module(package), "__all__", ())
                for alias in node.names:
                    if alias.name.startswith("_"):
                        continue  # private helpers are not part of the documented API
                    where = package if alias.name in public else node.module
                    obj = getattr(importlib.import_module(where), alias.name, None)
                    if callable(obj):  # functions and classes, not constants or symbols
                        names.add(f"{where}.{alias.name}")
            elif isinstance(node, ast.Name) and node.id.startswith("_") and module is not None:
                helper = getattr(module, node.id, None)
                if inspect.isfunction(helper) and helper.__module__ == module.__name__:
                    todo.append(helper)
    return sorted(names)


def checks_table() -> str:
    """One row per registered built-in check: what it does and which functions it exercises.

    Returns
    -------
    str
        A Markdown table (claim, level, check, what it checks, library functions exercised).
    """
    from boundkit.claims import LEVELS, registry

    lines = [
        "| claim | level | check | what it checks | library functions exercised |",
        "|---|---|---|---|---|",
    ]
    claims = [c for c in registry().values() if c.builtin]
    for c in sorted(claims, key=lambda c: _claim_order(c.id)):
        for level in LEVELS:
            fn = c.checks.get(level)
            if fn is None:
                continue
            used = ", ".join(f"`{n}`" for n in exercised(fn)) or "(self-contained)"
            lines.append(f"| {c.id} | {level} | `{fn.__qualname__}` | {_summary(fn)} | {used} |")
    return "\n".join(lines) + "\n"


def _replace(text: str, key: str, body: str, source: str) -> str:
    start, end = f"<!-- {key}:start -->", f"<!-- {key}:end -->"
    i, j = text.find(start), text.find(end)
    if i < 0 or j < 0 or j < i:
        raise ValueError(f"missing markers {start} ... {end}")
    note = f"\n<!-- generated by docs/generate_tables.py from {source}: do not edit by hand -->\n\n"
    return text[: i + len(start)] + note + body + "\n" + text[j:]


def render_readme(text: str) -> str:
    """Return ``text`` (README.md) with its generated sections replaced by current tables.

    Raises
    ------
    ValueError
        If the markers are missing or out of order.
    """
    if "<!-- figures:start -->" in text:
        text = _replace(text, "figures", figures_gallery(), "the files in figures/")
    text = _replace(text, "generators", generators_table(), "boundkit.generators.catalogue()")
    if "<!-- claims:start -->" in text:
        text = _replace(text, "claims", claims_table("docs/theory.md"), "the claims registry")
    return text


def render_claims_doc(text: str) -> str:
    """Return ``text`` (docs/claims.md) with its generated claims tables replaced."""
    text = _replace(text, "claims", claims_table("theory.md"), "the claims registry")
    if "<!-- checks:start -->" in text:
        text = _replace(text, "checks", checks_table(), "the claims registry")
    return text


#: Files with generated sections, and the function that renders each.
TARGETS = {README: render_readme, ROOT / "docs" / "claims.md": render_claims_doc}


def main(argv: list[str] | None = None) -> int:
    """Rewrite the generated sections, or with ``--check`` report whether they are up to date."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if a file is stale")
    args = parser.parse_args(argv)
    stale = []
    for path, render in TARGETS.items():
        old = path.read_text(encoding="utf-8")
        new = render(old)
        if new == old:
            continue
        stale.append(path.relative_to(ROOT))
        if not args.check:
            path.write_text(new, encoding="utf-8")
            print(f"{path.relative_to(ROOT)} updated")
    if args.check and stale:
        names = ", ".join(map(str, stale))
        print(f"out of date: {names}: run python docs/generate_tables.py", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
