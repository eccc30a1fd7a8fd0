r"""Every built page, read as HTML: all its math rendered, and no TeX left outside code.

The site's math is typeset while it builds (docs/hooks/math.py). Here, in each page of the
session's build: every arithmatex element holds exactly one KaTeX rendering with its
MathML, no KaTeX error mark is left, and no ``\(``, ``\[`` or ``$$`` remains in the text
outside code blocks (KaTeX's rendering, whose MathML annotation holds the TeX source, is
left out of that search). No browser is needed.
"""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from tests.support import nav_ids, nav_titles

PAGES = nav_titles()
IDS = nav_ids()
SKIPPED = {"pre", "code", "script", "style", "svg", "textarea"}  # code and non-text
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta"}
VOID |= {"source", "track", "wbr"}


class Page(HTMLParser):
    """Collects the text outside code and math, and each formula's parts."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, set[str]]] = []
        self.text: list[str] = []
        self.formulas: list[dict] = []

    def handle_starttag(self, tag, attrs):
        classes = set((dict(attrs).get("class") or "").split())
        if "arithmatex" in classes:
            self.formulas.append({"katex": 0, "mathml": 0, "errors": 0})
        if self.formulas and self._inside("arithmatex"):
            formula = self.formulas[-1]
            formula["katex"] += "katex" in classes
            formula["errors"] += "katex-error" in classes
            formula["mathml"] += tag == "math" and self._inside("katex-mathml")
        if tag not in VOID:
            self.stack.append((tag, classes))

    def handle_endtag(self, tag):
        while self.stack:
            if self.stack.pop()[0] == tag:
                break

    def _inside(self, css_class: str) -> bool:
        return any(css_class in classes for _, classes in self.stack)

    def handle_data(self, data):
        if any(tag in SKIPPED or "katex" in classes for tag, classes in self.stack):
            return
        self.text.append(data)


@pytest.mark.parametrize("title, path", PAGES, ids=IDS)
def test_every_formula_is_rendered_and_no_tex_is_left(site, title, path):
    parser = Page()
    parser.feed((site.directory / path / "index.html").read_text(encoding="utf-8"))
    text = " ".join(parser.text)
    for delimiter in ("\\(", "\\[", "$$"):
        at = text.find(delimiter)
        assert at < 0, f"{title}: raw TeX {text[max(0, at - 40) : at + 60]!r}"
    bad = [
        f
        for f in parser.formulas
        if (f["katex"], f["mathml"], f["errors"]) != (1, 1, 0)
    ]
    assert not bad, (
        f"{title}: {len(bad)} of {len(parser.formulas)} formulas not rendered"
    )


def test_the_pages_have_math_to_check(site):
    total = 0
    for _, path in PAGES:
        parser = Page()
        parser.feed((site.directory / path / "index.html").read_text(encoding="utf-8"))
        total += len(parser.formulas)
    assert total > 1000
