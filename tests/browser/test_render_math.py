"""nnmath_site.math on its own: the formulas it finds, what KaTeX makes of them, the fonts.

Needs `npm ci` (KaTeX), not a browser.
"""

from __future__ import annotations

import pytest

from nnmath_site.math import FORMULA, Renderer, TexError, fonts_used, typeset
from tests.support import ROOT

PAGE = (
    '<head><meta charset="utf-8"></head><p>Inline <span class="arithmatex">\\(a &lt; b\\)'
    '</span> and</p>\n<div class="arithmatex">\\[\n\\sum_{i=1}^{n} \\mathbf{x}_i\n\\]</div>'
)


@pytest.fixture(scope="module")
def renderer(node_modules):
    renderer = Renderer(ROOT)
    yield renderer
    renderer.close()


def test_formulas_are_found_as_arithmatex_writes_them():
    assert [m.group(1) for m in FORMULA.finditer(PAGE)] == ["span", "div"]


def test_each_formula_becomes_katex_html_and_mathml(renderer):
    html, errors = typeset(PAGE, renderer)
    assert errors == []
    assert html.count('<span class="katex">') == 2
    assert html.count('<span class="katex-display">') == 1
    assert html.count("<math xmlns=") == 2
    # The TeX was unescaped before KaTeX saw it: "a < b", not "a &lt; b" as TeX.
    assert '<annotation encoding="application/x-tex">a &lt; b</annotation>' in html
    assert "\\(" not in html and "\\[" not in html
    assert (
        html.startswith("<head>")
        and '<span class="arithmatex"><span class="katex">' in html
    )


def test_a_refused_formula_is_reported_and_the_others_rendered(renderer):
    page = PAGE + '<span class="arithmatex">\\(x^2^3\\)</span>'
    html, errors = typeset(page, renderer)
    assert [e.tex for e in errors] == ["x^2^3"]
    assert "Double superscript" in errors[0].message
    assert str(errors[0]).startswith("`x^2^3`: ")
    assert html.count('<span class="katex">') == 2


def test_strict_mode_refuses_what_katex_would_only_warn_about(renderer):
    (result,) = renderer.render([("\\text{é}\u00e9", False)])
    assert "error" in result, result


def test_the_fonts_a_page_preloads_are_those_its_math_uses(renderer):
    html, _ = typeset(PAGE, renderer)
    fonts = fonts_used(html)
    assert {"KaTeX_Main-Regular", "KaTeX_Math-Italic", "KaTeX_Main-Bold"} <= set(fonts)
    assert "KaTeX_Size2-Regular" in fonts  # a display sum is a large operator
    assert "KaTeX_AMS-Regular" not in fonts
    assert all(
        (ROOT / f"node_modules/katex/dist/fonts/{f}.woff2").is_file() for f in fonts
    )
    assert fonts_used("<p>no math</p>") == []


def test_tex_error_names_the_formula():
    assert str(TexError("a\n  b", "oops")) == "`a b`: oops"
