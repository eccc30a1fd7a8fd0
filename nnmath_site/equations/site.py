"""Every display formula of the site, and its run (run.py).

``formulas(root)`` reads the display equations of docs/*.md and of the package's
docstrings (the fence-generated ones are run by the build, which sees them);
``check(root)`` runs each one that is not explanatory against the code its mark names
(restated formulas: the defining mark's code, or the ``context:`` they name).

pending.yml lists formulas the translator cannot run yet, each with its reason: they are
shown as not run, and a test fails as soon as one of them runs (take it off the list).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from functools import cache, partial
from pathlib import Path

from nnmath_site.exec_cache import uses
from nnmath_site.math import FORMULA

from .contexts import CONTEXTS
from .inline import inline_formulas, run_inline
from .marks import Mark, parse_mark
from .run import Result, run_equation

__all__ = ["Formula", "formulas", "check", "pending", "run_formula"]

DISPLAY = re.compile(r"\$\$\n(.*?)\$\$", re.S)


@dataclass(frozen=True)
class Formula:
    mark: Mark
    tex: str  # without the mark
    where: str  # file:line


def formulas(root: Path, generated: bool = True) -> list[Formula]:
    """Every display formula with a mark: written in docs/*.md and the docstrings, and,
    with ``generated``, printed by a page's fences (the by-hand page's worked numbers)."""
    root = Path(root)
    found = generated_formulas(root) if generated else []
    files = sorted((root / "docs").glob("*.md")) + sorted(
        (root / "nnmath").glob("*.py")
    )
    for path in files:
        text = path.read_text(encoding="utf-8")
        for match in DISPLAY.finditer(text):
            line = text.count("\n", 0, match.start()) + 2
            where = f"{path.relative_to(root).as_posix()}:{line}"
            mark, rest = parse_mark(match.group(1).strip(), where)
            if mark is None or "{{" in rest:  # no mark, or a fence's f-string template
                continue
            found.append(Formula(mark, rest.strip(), where))
    return found


def _rendered_html(path: Path) -> str:
    """A page rendered with its fences run (markdown-exec), as the build renders it."""
    import markdown
    from markdown_exec import formatter, validator

    fence = {
        "name": "python",
        "class": "python",
        "validator": validator,
        "format": formatter,
    }
    md = markdown.Markdown(
        extensions=[
            "pymdownx.superfences", "pymdownx.arithmatex", "tables", "admonition",
            "pymdownx.details", "md_in_html", "attr_list", "footnotes",
        ],
        extension_configs={
            "pymdownx.superfences": {"custom_fences": [fence]},
            "pymdownx.arithmatex": {"generic": True},
        },
    )  # fmt: skip
    return md.convert(path.read_text(encoding="utf-8"))


def generated_formulas(root: Path) -> list[Formula]:
    """The display formulas that a page's fences print (the source holds an f-string
    template, ``{{`` and all): such a page is rendered with its fences run."""
    root = Path(root)
    written = {(f.mark.id, f.tex) for f in formulas(root, generated=False)}
    found = []
    for path in sorted((root / "docs").glob("*.md")):
        templates = [
            m for m in DISPLAY.finditer(path.read_text(encoding="utf-8"))
            if "{{" in m.group(1)
        ]  # fmt: skip
        if not templates:
            continue
        name = path.relative_to(root).as_posix()
        for match in FORMULA.finditer(_rendered_html(path)):
            tex = html.unescape(match.group(2)).strip().removeprefix(r"\[")
            mark, rest = parse_mark(tex.removesuffix(r"\]").strip(), name)
            key = (mark.id, rest.strip()) if mark is not None else None
            if key is None or key in written or match.group(1) != "div":
                continue
            written.add(key)
            found.append(Formula(mark, rest.strip(), f"{name} (printed by a fence)"))
    return found


PENDING = Path(__file__).with_name("pending.yml")
INLINE = Path(__file__).with_name("inline.yml")


def _pending_rows() -> tuple[dict, ...]:
    uses(PENDING)  # read once per build: each cached check that uses it depends on it
    return _pending_rows_read()


@cache
def _pending_rows_read() -> tuple[dict, ...]:
    import yaml

    return tuple(yaml.safe_load(PENDING.read_text(encoding="utf-8")) or [])


def pending(root: Path) -> dict[tuple[str, str], str]:
    """(file, equation id) -> why the translator cannot run it yet."""
    return {(row["file"], row["id"]): row["why"] for row in _pending_rows()}


def waiting_reason(file: str, ident: str, tex: str) -> str | None:
    """Why this formula is not run yet, if pending.yml lists it *as written*: a listed
    formula whose TeX changed runs again (and fails the check if it is wrong)."""
    shown = " ".join(tex.split())
    for row in _pending_rows():
        matches_file = row["file"] == file or (
            file == "docs/api.md" and row["file"].startswith("nnmath/")
        )
        if (
            matches_file
            and row["id"] == ident
            and " ".join(row["tex"].split()) == shown
        ):
            return row["why"]
    return None


def _definitions(items: list[Formula]) -> dict[str, Mark]:
    return {f.mark.id: f.mark for f in items if f.mark.status != "restated"}


def run_formula(formula: Formula, definitions: dict[str, Mark], **options) -> Result:
    definition = definitions.get(formula.mark.id, formula.mark)
    return run_equation(
        formula.mark.id,
        formula.tex,
        definition.code,
        formula.where,
        contexts=formula.mark.context,
        **options,
    )


def check(root: Path, **options) -> tuple[list[Result], list[Formula]]:
    """Run every formula that is not explanatory and not pending; return the results
    and the pending formulas."""
    items = formulas(root)
    definitions = _definitions(items)
    results, skipped = [], []
    for formula in items:
        definition = definitions.get(formula.mark.id, formula.mark)
        if definition.status == "explanatory":
            continue
        if waiting_reason(formula.where.split(":")[0], formula.mark.id, formula.tex):
            skipped.append(formula)
            continue
        results.append(run_formula(formula, definitions, **options))
    return results, skipped


# ---- inline formulas ---------------------------------------------------------------------


def _page_html(path: Path) -> str:
    """A page rendered without running its fences: enough to find its formulas."""
    import markdown

    md = markdown.Markdown(
        extensions=[
            "pymdownx.arithmatex", "tables", "admonition", "pymdownx.details",
            "pymdownx.superfences", "md_in_html", "attr_list", "footnotes",
        ],
        extension_configs={"pymdownx.arithmatex": {"generic": True}},
    )  # fmt: skip
    return md.convert(path.read_text(encoding="utf-8"))


def page_contexts(marks: list[tuple[int, Mark]], definitions: dict[str, Mark], at: int):
    """The code a formula at position ``at`` of a page is compared with: the contexts of
    the page's display equations, the nearest one above it first, then the others."""
    ordered = sorted(marks, key=lambda item: (item[0] > at, abs(item[0] - at)))
    found: list[tuple[str, ...]] = []
    for _, mark in ordered:
        definition = definitions.get(mark.id, mark)
        if definition.status == "explanatory":
            continue
        code = mark.context or definition.code
        if code and code not in found:
            found.append(code)
    # then every other context of the site, each once
    for name, context in CONTEXTS.items():
        if not any(context is CONTEXTS.get(c[0]) for c in found if c):
            found.append((name,))
    return found


def inline_checks(root: Path, run=None):
    """(page, Inline) for every inline formula of docs/*.md (sources, fences not run).

    ``run(namespace, parts, compute)`` may replay a page's checks, and each check, from a
    cache (the build's, nnmath_site/exec_cache.py); by default everything runs."""
    root = Path(root)
    run = run or (lambda namespace, parts, compute: compute())
    definitions = _definitions(formulas(root))
    # a page's checks depend on its source, on the marks of every page and on the code
    marks = sorted(repr(mark) for mark in definitions.values())
    results = []
    for path in sorted((root / "docs").glob("*.md")):
        page = partial(_inline_page, path, definitions, run)
        results += run("inline-page", [path.name, marks], page)
    return results


def _inline_page(path: Path, definitions, run) -> list:
    page_html = _page_html(path)
    marks = []
    for match in FORMULA.finditer(page_html):
        if match.group(1) == "div":
            tex = html.unescape(match.group(2)).strip().removeprefix(r"\[")
            mark, _ = parse_mark(tex.removesuffix(r"\]"), path.name)
            if mark is not None:
                marks.append((match.start(), mark))
    results = []
    for at, tex in inline_formulas(page_html):
        contexts = page_contexts(marks, definitions, at)
        item = run(
            "inline",
            [tex, contexts, path.name],
            partial(run_inline, tex, contexts, path.name),
        )
        results.append((path.name, item))
    return results


def inline_list(root: Path) -> dict[tuple[str, str], str]:
    """inline.yml: (page, TeX) -> why that inline formula is not run."""
    uses(INLINE)
    return _inline_list_read()


@cache
def _inline_list_read() -> dict[tuple[str, str], str]:
    import yaml

    rows = yaml.safe_load(INLINE.read_text(encoding="utf-8")) or []
    return {(row["page"], row["tex"]): row["why"] for row in rows}


def inline_problems(root: Path, checks=None, run=None) -> list[str]:
    """What is wrong with the inline formulas: one that disagrees with the code or does
    not run without a reason in inline.yml, and entries of inline.yml that run now or are
    no longer on their page."""
    checks = inline_checks(root, run) if checks is None else checks
    listed = inline_list(Path(root))
    found, seen = [], set()
    for page, item in checks:
        key = (page, item.tex)
        seen.add(key)
        shown = " ".join(item.tex.split())
        failing = item.kind in ("disagrees", "unbound", "unread") or (
            item.kind == "arithmetic" and not item.result.ok
        )
        if key in listed:
            if not failing:
                found.append(
                    f"{page}: `{shown}` {item.kind} now: take it off inline.yml"
                )
            continue
        if item.kind == "disagrees" or (item.kind == "arithmetic" and failing):
            code = " ".join(item.contexts) or "the symbol table"
            found.append(
                f"{page}: `{shown}` disagrees with [{code}]: {item.result.failures[0]}"
            )
        elif item.kind == "unbound":
            found.append(
                f"{page}: `{shown}`: no context of the site binds its names; make it run, "
                "or give the reason in nnmath_site/equations/inline.yml"
            )
        elif item.kind == "unread":
            found.append(
                f"{page}: `{shown}`: the grammar cannot read it; rewrite it, or give the "
                "reason in nnmath_site/equations/inline.yml"
            )
    for page, tex in listed:
        if (page, tex) not in seen:
            found.append(
                f"inline.yml: `{' '.join(tex.split())}` is no longer on {page}: take it off"
            )
    return found
