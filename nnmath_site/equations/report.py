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
        f'<a href="{api_url}#{html.escape(api_anchor(name))}">'
        f"<code>{html.escape(name.removeprefix('nnmath.'))}</code></a>"
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
    return (
        f"formula as shown = the code, max. rel. difference {size} "
        f"({run.draws} draw{'s' if run.draws != 1 else ''})"
    )


def _nav_titles(root: Path) -> dict[str, str]:
    """mkdocs.yml's nav: page file -> title."""
    import yaml

    class Loader(yaml.SafeLoader):
        pass

    Loader.add_multi_constructor("!", lambda loader, suffix, node: None)
    config = yaml.load((root / "mkdocs.yml").read_text(encoding="utf-8"), Loader=Loader)
    return {page: title for item in config["nav"] for title, page in item.items()}


def equation_counts(root: Path | None = None) -> str:
    """A Markdown table: per page (in nav order), its display equations by status."""
    root = Path(root) if root else Path(__file__).resolve().parents[2]
    titles = _nav_titles(root)
    rows: dict[str, dict[str, int]] = {}
    for mark in page_marks(root):
        path = mark.where.rsplit(":", 1)[0]
        page = (
            Path(path).relative_to("docs").as_posix()
            if path.startswith("docs")
            else "api.md"
        )
        counts = rows.setdefault(
            page, dict.fromkeys(("verified", "explanatory", "restated"), 0)
        )
        counts[mark.status] += 1
    order = [page for page in titles if page in rows]
    lines = [
        "| page | display equations | verified | explanatory | stated again |",
        "|---|--:|--:|--:|--:|",
    ]
    total = dict.fromkeys(("verified", "explanatory", "restated"), 0)
    for page in order:
        counts = rows[page]
        title = titles[page] + (" (docstrings)" if page == "api.md" else "")
        lines.append(
            f"| {title} | {sum(counts.values())} | {counts['verified']} | "
            f"{counts['explanatory']} | {counts['restated']} |"
        )
        for status in total:
            total[status] += counts[status]
    lines.append(
        f"| **all** | **{sum(total.values())}** | **{total['verified']}** | "
        f"**{total['explanatory']}** | **{total['restated']}** |"
    )
    return "\n".join(lines)
