"""The line under each equation, and the count table of the Gradient checking page."""

from __future__ import annotations

import html
import json
import math
from dataclasses import dataclass, field
from pathlib import Path

from .marks import KINDS, MEASUREMENTS, Mark, Verification, api_anchor, page_marks


def load_measurements(root: Path) -> dict:
    """What the last pytest runs measured, per test item (empty before the first run)."""
    path = Path(root) / MEASUREMENTS
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return {}
    return data.get("tests", {}) if isinstance(data, dict) else {}


@dataclass
class Summary:
    """One kind of check of one equation, over the test items that make it."""

    kind: str
    tests: set[str] = field(default_factory=set)
    passed: int = 0
    skipped: int = 0
    failed: int = 0
    largest: float | None = None


def _function(nodeid: str) -> str:
    return nodeid.split("[", 1)[0]


def summarize(
    ident: str, verifications: list[Verification], measurements: dict
) -> list:
    """Per kind of check of eq:``ident``: its tests, outcomes and the largest measure."""
    summaries: dict[str, Summary] = {}
    functions = {}
    for verification in verifications:
        if ident in verification.ids:
            summary = summaries.setdefault(verification.by, Summary(verification.by))
            summary.tests.add(verification.test)
            functions[verification.test] = summary
    for nodeid, item in measurements.items():
        summary = functions.get(_function(nodeid))
        if summary is None or ident not in item.get("ids", ()):
            continue
        outcome = item.get("outcome")
        if outcome in ("passed", "skipped", "failed"):
            setattr(summary, outcome, getattr(summary, outcome) + 1)
        for value in item.get("values", ()):
            if isinstance(value, (int, float)) and math.isfinite(value):
                summary.largest = (
                    value if summary.largest is None else max(summary.largest, value)
                )
    return [summaries[kind] for kind in KINDS if kind in summaries]


def _number(value: float) -> str:
    if 0.01 <= abs(value) < 1000:
        return f"{value:.3g}"
    mantissa, exponent = f"{value:.0e}".split("e")
    return f"{mantissa}e{int(exponent)}"


def _check_text(summary: Summary) -> str:
    """One kind of check in words: "central differences, rel. error ≤ 3e-10 (42 cases)"."""
    words, quantity = KINDS[summary.kind]
    cases = summary.passed + summary.failed
    if summary.failed:
        return f"{words} <strong>failed</strong> ({summary.failed} of {cases} cases, last test run)"
    if not cases:
        why = (
            "skipped in the last test run"
            if summary.skipped
            else "not run yet: run pytest"
        )
        return f"{words} ({why})"
    count = f"({cases} case{'s' if cases > 1 else ''})"
    if quantity is None or summary.largest is None:
        return f"{words} {count}"
    size = "0" if summary.largest == 0 else f"≤ {_number(summary.largest)}"
    return f"{words}, {quantity} {size} {count}"


def render_check(
    mark: Mark,
    definition: Mark,
    summaries: list,
    *,
    anchor: str,
    api_url: str,
    how_url: str,
    stated_url: str | None = None,
    stated_title: str | None = None,
    run=None,
) -> str:
    """The line under an equation: its name, and what verifies it or why nothing does.

    ``run`` is what running the formula as shown measured in this build (run.Result),
    or why it is not run yet (a string). The tick needs a passing test run: before
    pytest has run, the line says the checks are run by pytest, with no tick.
    """
    name = (
        f'<a class="eq-name" href="#{anchor}" title="link to this equation">'
        f"eq:{html.escape(mark.id)}</a>"
    )
    if definition.status == "explanatory":
        return (
            f'<div class="eq-check eq-explanatory">{name} '
            f'<a class="eq-status" href="{how_url}">explanatory</a>: '
            f"{html.escape(definition.reason)}</div>"
        )
    # The words are KINDS' and the numbers formatted here: nothing to escape.
    checks = " · ".join(_check_text(summary) for summary in summaries)
    code = ", ".join(
        # the package's names link to the API page; the site tooling's have no page
        f'<a href="{api_url}#{html.escape(api_anchor(name))}">'
        f"<code>{html.escape(name.removeprefix('nnmath.'))}</code></a>"
        if name.startswith("nnmath.")
        else f"<code>{html.escape(name)}</code>"
        for name in definition.code
    )
    tests = "".join(
        f"<li><code>{html.escape(test)}</code></li>"
        for summary in summaries
        for test in sorted(summary.tests)
    )
    formula = _formula_text(run, definition)
    if formula:
        checks = f"{formula} · {checks}" if checks else formula
    failed = any(summary.failed for summary in summaries) or (
        run is not None and not isinstance(run, str) and not run.ok
    )
    passed = any(summary.passed for summary in summaries)
    stated = (
        f' (as on <a href="{stated_url}">{html.escape(stated_title)}</a>)'
        if stated_url
        else ""
    )
    status = "failed" if failed else "verified" if passed else "not-run"
    label = {
        "failed": "✗ check failed",
        "verified": "✓ verified",
        "not-run": "checks run by pytest",
    }[status]
    return (
        f'<div class="eq-check eq-{status}">{name} '
        f'<a class="eq-status" href="{how_url}">{label}'
        f"</a>{stated}: {checks} · code: {code} · "
        f'<details class="eq-tests"><summary>tests</summary><ul>{tests}</ul></details></div>'
    )


def _formula_text(run, definition: Mark) -> str:
    """What running the formula as shown measured, in words."""
    if run is None:
        return ""
    if isinstance(run, str):
        # the reason (it quotes TeX) stays in pending.yml: the reader gets the fact
        return "formula as shown not run yet (the translator's pending list)"
    if not run.ok:
        return f"formula as shown <strong>disagrees</strong> with the code ({run.draws} draws)"
    size = "0" if run.largest == 0 else f"{_number(run.largest)}"
    code = " and ".join(
        f"<code>{html.escape(name.rsplit('.', 1)[-1])}</code>" for name in run.code
    )
    return (
        f"formula as shown = {code or 'the code'}, max. rel. difference {size} "
        f"over {run.draws} draw{'s' if run.draws != 1 else ''}"
    )


def _nav_titles(root: Path) -> dict[str, str]:
    """mkdocs.yml's nav: page file -> title."""
    import yaml

    class Loader(yaml.SafeLoader):
        pass

    Loader.add_multi_constructor("!", lambda loader, suffix, node: None)
    config = yaml.load((root / "mkdocs.yml").read_text(encoding="utf-8"), Loader=Loader)
    return {page: title for item in config["nav"] for title, page in item.items()}


COUNTS = {
    "run": "run as shown",
    "pending": "not run yet",
    "explanatory": "explanatory",
    "restated": "restated",
}


def _display_formulas(root: Path) -> list[tuple[str, Mark]]:
    """Every display formula of the pages and docstrings: (its file, its mark).

    ``site.formulas`` reads the formulas written in the sources; a fence that prints
    formulas (the worked numbers of by-hand.md) writes its mark in an f-string, which
    ``site.formulas`` leaves to the build: ``page_marks`` finds those marks too.
    """
    from .site import formulas  # it imports the translator: only when counting

    written = formulas(root, generated=False)
    found = [(f.where.rsplit(":", 1)[0], f.mark) for f in written]
    wheres = {f.where for f in written}  # file:line of the mark, as page_marks says
    for mark in page_marks(root):
        where = Path(mark.where).as_posix()
        if where not in wheres:
            found.append((where.rsplit(":", 1)[0], mark))
    return found


def equation_counts(root: Path | None = None) -> str:
    """A Markdown table: per page (in nav order), its display formulas by what runs them.

    A formula is *run as shown* (its TeX is run against the code) unless its equation
    is explanatory or the translator cannot run it yet (pending.yml): then it is *not
    run yet*. *restated* counts the copies of an equation stated first elsewhere; each
    is also counted in one of the three columns before it.
    """
    from .site import pending

    root = Path(root) if root else Path(__file__).resolve().parents[2]
    titles = _nav_titles(root)
    waiting = pending(root)
    items = _display_formulas(root)
    definitions = {mark.id: mark for _, mark in items if mark.status != "restated"}
    rows: dict[str, dict[str, int]] = {}
    for file, mark in items:
        page = (
            Path(file).relative_to("docs").as_posix()
            if file.startswith("docs/")
            else "api.md"
        )
        counts = rows.setdefault(page, dict.fromkeys(COUNTS, 0))
        if definitions.get(mark.id, mark).status == "explanatory":
            counts["explanatory"] += 1
        elif (file, mark.id) in waiting:
            counts["pending"] += 1
        else:
            counts["run"] += 1
        counts["restated"] += mark.status == "restated"
    total = dict.fromkeys(COUNTS, 0)
    lines = [
        "| page | display formulas | " + " | ".join(COUNTS.values()) + " |",
        "|---|" + "--:|" * (len(COUNTS) + 1),
    ]
    for page in (page for page in titles if page in rows):
        counts = rows[page]
        title = titles[page] + (" (docstrings)" if page == "api.md" else "")
        shown = counts["run"] + counts["pending"] + counts["explanatory"]
        lines.append(
            f"| {title} | {shown} | "
            + " | ".join(str(n) for n in counts.values())
            + " |"
        )
        for column in total:
            total[column] += counts[column]
    shown = total["run"] + total["pending"] + total["explanatory"]
    lines.append(
        f"| **all** | **{shown}** | "
        + " | ".join(f"**{n}**" for n in total.values())
        + " |"
    )
    return "\n".join(lines)
