"""Every display formula of the site, and its run (run.py).

``formulas(root)`` reads the display equations of docs/*.md and of the package's
docstrings (the fence-generated ones are run by the build, which sees them);
``check(root)`` runs each one that is not explanatory against the code its mark names
(restated formulas: the defining mark's code, or the ``context:`` they name).

pending.yml lists formulas the translator cannot run yet, each with its reason: they are
shown as not run, and a test fails as soon as one of them runs (take it off the list).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from .marks import Mark, parse_mark
from .run import Result, run_equation

__all__ = ["Formula", "formulas", "check", "pending", "run_formula"]

DISPLAY = re.compile(r"\$\$\n(.*?)\$\$", re.S)


@dataclass(frozen=True)
class Formula:
    mark: Mark
    tex: str  # without the mark
    where: str  # file:line


def formulas(root: Path) -> list[Formula]:
    root = Path(root)
    found = []
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


@cache
def pending(root: Path) -> dict[tuple[str, str], str]:
    """(file, equation id) -> why the translator cannot run it yet."""
    import yaml

    path = Path(__file__).with_name("pending.yml")
    rows = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    return {(row["file"], row["id"]): row["why"] for row in rows}


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
    waiting = pending(Path(root))
    results, skipped = [], []
    for formula in items:
        definition = definitions.get(formula.mark.id, formula.mark)
        if definition.status == "explanatory":
            continue
        if (formula.where.split(":")[0], formula.mark.id) in waiting:
            skipped.append(formula)
            continue
        results.append(run_formula(formula, definitions, **options))
    return results, skipped
