"""The built site: every page, every API entry and every figure the pages promise."""

from __future__ import annotations

import re

import pytest

import nnmath
from tests.test_docs import nav_pages

# Figures each page must contain, as inline SVG (aria-label fragments, case-insensitive),
# or a Mermaid diagram. Issue 3 lists them.
FIGURES = {
    "activations.md": ["sigmoid, tanh and relu", "temperature"],
    "losses.md": ["cross-entropy"],
    "backprop.md": ["mermaid"],
    "optimizers.md": ["adam"],
    "training.md": ["loss", "accuracy", "digits", "confusion", "boundary"],
    "gradcheck.md": ["float32"],
}


def html_of(site, page):
    path = site / "index.html" if page == "index.md" else site / page.removesuffix(".md") / "index.html"
    assert path.exists(), f"{page} was not built"
    return path.read_text(encoding="utf8")


@pytest.mark.parametrize("page", nav_pages())
def test_every_nav_page_is_built_with_no_leftover_markup(built_site, page):
    html = html_of(built_site, page)
    assert "--8&lt;--" not in html and "--8<--" not in html, "a snippet include was not expanded"
    assert "Traceback" not in html, "a code block failed during the build"


@pytest.mark.parametrize("name", nnmath.__all__)
def test_every_public_name_has_an_api_entry(built_site, name):
    module = getattr(nnmath, name).__module__
    assert f'id="{module}.{name}"' in html_of(built_site, "api.md")


@pytest.mark.parametrize("page, labels", FIGURES.items())
def test_figures_are_inline_svg_with_text_alternatives(built_site, page, labels):
    html = html_of(built_site, page)
    svgs = re.findall(r'<figure class="nnmath-figure"><svg role="img" aria-label="([^"]+)"', html)
    assert all(len(alt) > 20 for alt in svgs), "every figure needs a real text alternative"
    for label in labels:
        if label == "mermaid":
            assert 'class="mermaid"' in html
        else:
            assert any(label in alt.lower() for alt in svgs), f"no figure about {label!r} in {page}"


def test_figures_follow_the_colour_scheme(built_site):
    html = html_of(built_site, "activations.md")
    svg = html[html.index("<svg role=") :]
    svg = svg[: svg.index("</svg>")]
    assert "currentColor" in svg  # text and axes take the page's text colour
    assert "#ffffff" not in svg.lower() and "fill: #000000" not in svg  # no opaque backgrounds
