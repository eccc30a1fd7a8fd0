"""MkDocs hook: every display equation says what verifies it (see nnmath_site/equations/marks.py).

``on_page_content`` takes the ``% eq:`` line out of each display equation (the API page's
docstrings included), gives the equation an anchor, and fails the build on an equation
without a mark. ``on_post_page``, when every page's marks are known, writes the line under
each equation: verified by which checks of which tests, with what the last pytest run
measured (``build/verification.json``), and the code that computes it; or explanatory, and
why. ``on_post_build`` fails the build on what :func:`problems` finds. With
``NNMATH_REQUIRE_MEASURED=1`` (CI's final build, the Pages workflow), a verified equation
whose checks have not passed in a test run fails the build too.
"""

from __future__ import annotations

import html
import os
import re
from pathlib import Path

from mkdocs.exceptions import PluginError
from mkdocs.utils import get_relative_url

from nnmath_site import ROOT
from nnmath_site.equations.marks import (
    MarkError,
    parse_mark,
    problems,
    unknown_code,
    verifies_marks,
)
from nnmath_site.equations.report import load_measurements, render_check, summarize

HOW = "gradcheck.md#how-the-site-checks-its-equations"
API = "api.md"
DISPLAY = re.compile(r'<div class="arithmatex">(.*?)</div>', re.S)
PLACEHOLDER = re.compile(r"<!--eq-check (\S+) (\S+)-->")

_state: dict = {}


def on_pre_build(config):
    root = Path(config.config_file_path).parent  # the repository (tests/, build/)
    try:
        _state["verifications"] = verifies_marks(root)
    except MarkError as error:
        raise PluginError(str(error)) from None
    _state["measurements"] = load_measurements(root)
    _state["marks"] = {}  # page src_uri -> [Mark, ...] in page order
    _state["formulas"] = {}  # page src_uri -> [(Mark, tex, anchor), ...]
    _state["runs"] = {}  # (page, anchor) -> Result, or why it is not run yet
    _state["defined"] = {}  # id -> (Mark, src_uri)


def on_files(files, config):
    _state["files"] = files
    return files


def on_page_content(output, page, config, files):
    where = page.file.src_uri
    marks, missing, wrong, used = [], [], [], set()
    formulas = []  # (mark, tex, anchor): run once every page's marks are known

    def mark(match):
        tex = html.unescape(match.group(1)).strip()
        inner = tex[2:-2] if tex.startswith(r"\[") and tex.endswith(r"\]") else tex
        found, rest = parse_mark(inner, where)
        if found is None:
            missing.append(" ".join(inner.split())[:120])
            return match.group(0)
        marks.append(found)
        wrong.extend(unknown_code(found))
        anchor = f"eq-{found.id}"
        number = 2
        while anchor in used:
            anchor, number = f"eq-{found.id}-{number}", number + 1
        used.add(anchor)
        if found.status != "restated":
            _state["defined"].setdefault(found.id, (found, where, anchor))
        formulas.append((found, rest.strip(), anchor))
        body = html.escape(r"\[" + rest.strip() + r"\]", quote=False)
        return (
            f'<div class="eq" id="{anchor}"><div class="arithmatex">{body}</div>'
            f"<!--eq-check {found.id} {anchor}--></div>"
        )

    try:
        output = DISPLAY.sub(mark, output)
    except MarkError as error:
        raise PluginError(str(error)) from None
    if missing:
        listed = "\n".join(f"  `{tex}`" for tex in missing)
        raise PluginError(
            f"page {where}: {len(missing)} display equation(s) without a mark; begin each "
            "with a line `% eq:<name> code: <nnmath names>` or `% eq:<name> explanatory: "
            f"<why nothing checks it>` (see nnmath_site/equations/marks.py):\n{listed}"
        )
    if wrong:
        raise PluginError("\n".join(wrong))
    _state["marks"][where] = marks
    _state["formulas"][where] = formulas
    return output


def _run_formulas():
    """Run every formula that is not explanatory; fail the build on any failure."""
    # Imported here, not at the top: docs/hooks/fresh_package.py has every build import
    # nnmath and nnmath_site afresh (mkdocs serve), and the formulas run with that code.
    from functools import partial

    from nnmath_site.equations.run import run_equation
    from nnmath_site.equations.site import inline_problems, waiting_reason
    from nnmath_site.equations.tex import save_cache
    from nnmath_site.exec_cache import memo

    failures = []
    for src_uri, items in _state["formulas"].items():
        for mark, tex, anchor in items:
            definition = _state["defined"].get(mark.id, (mark,))[0]
            if definition.status in ("explanatory", "restated"):
                continue  # restated with no definition seen: on_post_build names it
            why = waiting_reason(f"docs/{src_uri}", mark.id, tex)
            if why is not None:
                _state["runs"][(src_uri, anchor)] = why
                continue
            # replayed from build/exec-cache/ when the formula and the code it ran are unchanged
            result = memo(
                "formula",
                [mark.id, tex, definition.code, src_uri, mark.context],
                partial(
                    run_equation,
                    mark.id,
                    tex,
                    definition.code,
                    src_uri,
                    contexts=mark.context,
                ),  # fmt: skip
            )
            _state["runs"][(src_uri, anchor)] = result
            failures += [
                f"{src_uri}: eq:{mark.id} [{' '.join(definition.code)}]: {failure}"
                for failure in result.failures
            ]
    # the formulas in the prose and tables, read from the pages' sources
    failures += inline_problems(ROOT, run=memo)
    save_cache()
    if failures:
        listed = "\n".join(f"  {failure}" for failure in failures)
        raise PluginError(
            f"{len(failures)} formula(s) as written disagree with their code "
            f"(python -m nnmath_site.equations runs them alone):\n{listed}"
        )


def on_env(env, config, files):
    _run_formulas()
    return env


def _page_title(src_uri: str) -> str:
    file = _state["files"].get_file_from_path(src_uri)
    return file.page.title if file is not None and file.page is not None else src_uri


def on_post_page(output, page, config):
    if "<!--eq-check " not in output:
        return output

    def url(target: str) -> str:
        path, _, anchor = target.partition("#")
        file = _state["files"].get_file_from_path(path)
        link = get_relative_url(file.url, page.url)
        return f"{link}#{anchor}" if anchor else link

    marks = {m.id: m for m in _state["marks"].get(page.file.src_uri, [])}

    def line(match):
        ident, anchor = match.group(1), match.group(2)
        definition, src_uri, defined_at = _state["defined"].get(
            ident, (None, None, None)
        )
        if definition is None:
            return ""  # on_post_build reports it
        elsewhere = src_uri != page.file.src_uri
        run = _state["runs"].get((page.file.src_uri, anchor))
        return render_check(
            marks[ident],
            definition,
            summarize(ident, _state["verifications"], _state["measurements"]),
            anchor=anchor,
            api_url=url(API),
            how_url=url(HOW),
            stated_url=url(f"{src_uri}#{defined_at}") if elsewhere else None,
            stated_title=_page_title(src_uri) if elsewhere else None,
            run=run,
        )

    return PLACEHOLDER.sub(line, output)


def on_post_build(config):
    marks = [mark for page in _state["marks"].values() for mark in page]
    found = problems(marks, _state["verifications"])
    if os.environ.get("NNMATH_REQUIRE_MEASURED") == "1":
        for ident, (mark, _, _) in _state["defined"].items():
            if mark.status != "verified":
                continue
            summaries = summarize(
                ident, _state["verifications"], _state["measurements"]
            )
            if not any(s.passed for s in summaries) or any(s.failed for s in summaries):
                found.append(
                    f"eq:{ident}: its checks did not pass in the last test run "
                    "(build/verification.json): run pytest before this build"
                )
    if found:
        listed = "\n".join(f"  {problem}" for problem in found)
        raise PluginError(f"equation marks: {len(found)} problem(s):\n{listed}")
