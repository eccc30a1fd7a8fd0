"""The site as a reader uses it: navigation, search, find in page, dark scheme, no JavaScript."""

from __future__ import annotations

import json
import re

import pytest

from tests.browser.conftest import CODE_WIDTHS
from tests.support import check_math, js, nav_ids, nav_titles, readability

PAGES = nav_titles()
IDS = nav_ids()


def first_page_with(site, *needles: str) -> tuple[str, str]:
    """The first nav page after the home page (where the tests start, to navigate away
    from it) whose built HTML contains every needle, as (title, path)."""
    for title, path in PAGES[1:]:
        html = (site.directory / path / "index.html").read_text(encoding="utf-8")
        if all(needle in html for needle in needles):
            return title, path
    pytest.fail(f"no page contains {needles}")


def sidebar_link(page, path: str):
    return page.locator(f".md-sidebar--primary a.md-nav__link[href$='{path}']").first


def follow(page, link, path: str) -> None:
    """Click a link and wait until instant navigation has put the new page's content in place."""
    page.evaluate(
        "() => document.querySelector('article').setAttribute('data-old', '')"
    )
    link.click()
    page.wait_for_url(f"**/{path}")
    page.wait_for_selector("article:not([data-old])")


def same_document(page) -> bool:
    """True while the page has not been reloaded since `mark` was called."""
    return page.evaluate("() => window.__nnmathMark === 'still here'")


def mark(page) -> None:
    page.evaluate("() => { window.__nnmathMark = 'still here'; }")


def test_instant_navigation_brings_the_math_rendered_without_a_reload(
    page, traffic, site
):
    """Material swaps the page's content: the new content's math is already rendered."""
    title, path = first_page_with(site, 'class="arithmatex"')
    page.goto("")
    assert page.evaluate("() => typeof window.document$") == "object"  # Material runs
    mark(page)

    follow(page, sidebar_link(page, path), path)
    problems, report = check_math(page)
    assert not problems, problems
    assert report["arithmatex"] > 0
    assert same_document(page), (
        "following a link reloaded the page: instant navigation is off"
    )

    # On to the next page by the footer link: the second swap too.
    next_link = page.locator("a.md-footer__link--next")
    next_path = next_link.evaluate("a => a.href").removeprefix(site.base)
    follow(page, next_link, next_path)
    problems, _ = check_math(page)
    assert not problems, problems

    page.go_back()
    page.wait_for_url(f"**/{path}")
    page.wait_for_function(
        "p => document.querySelector('article h1') && location.pathname.endsWith(p)",
        arg=path,
    )
    problems, report = check_math(page)
    assert not problems and report["arithmatex"] > 0, problems
    page.go_back()
    page.wait_for_url(site.base)  # home
    page.go_forward()
    page.wait_for_url(f"**/{path}")
    page.wait_for_selector(".md-content .arithmatex .katex")
    problems, report = check_math(page)
    assert not problems and report["arithmatex"] > 0, problems
    assert same_document(page), "back and forward reloaded the page"
    assert not traffic.problems(), traffic.problems()


@pytest.mark.browser_context_args(java_script_enabled=False)
def test_pages_read_correctly_without_javascript(page, traffic, site):
    title, path = first_page_with(site, 'class="arithmatex"')
    page.goto(path)
    # Material's bundle did not run: its observable of page loads is not defined.
    assert page.evaluate("() => typeof window.document$") == "undefined"
    problems, report = check_math(page)
    assert not problems, problems
    assert report["arithmatex"] > 10
    assert not traffic.problems(), traffic.problems()


# Words that only formulas hold (\text{...}, \operatorname{...}), on the page that has them.
@pytest.mark.parametrize(
    "path, word", [("gradcheck/", "truncation"), ("activations/", "ReLU")]
)
def test_find_in_page_finds_words_inside_formulas(page, traffic, site, path, word):
    """KaTeX draws \\text and \\operatorname as text, so the browser's find reaches it."""
    html = (site.directory / path / "index.html").read_text(encoding="utf-8")
    annotations = re.findall(
        r'<annotation encoding="application/x-tex">(.*?)</annotation>', html, re.S
    )
    assert any(word in tex for tex in annotations), (
        f"no formula on {path} holds {word!r}"
    )
    page.goto(path)
    assert page.evaluate(js("find_in_page"), word), (
        f"find did not reach {word!r} in a formula"
    )
    assert not traffic.problems(), traffic.problems()


def test_search_finds_softmax_on_the_activations_page(page, traffic):
    page.goto("")
    search = page.locator("input.md-search__input")
    search.click()
    search.press_sequentially("softmax", delay=30)
    # A result on the activations page, with the search term marked in it.
    hit = page.locator(".md-search-result__list a[href*='activations/'] mark").first
    hit.wait_for(state="visible", timeout=15_000)
    assert hit.inner_text().lower() == "softmax"
    assert any(url.endswith("search/search_index.json") for url in traffic.requests)
    assert not traffic.problems(), traffic.problems()


@pytest.mark.browser_context_args(color_scheme="light")
def test_dark_scheme_keeps_formulas_and_figures_readable(page, traffic, site, results):
    # The activations page (the template page: formulas and figures); else the first alike.
    title, path = next(
        ((t, p) for t, p in PAGES if p == "activations/"),
        first_page_with(site, 'class="arithmatex"', 'class="nnmath-figure"'),
    )
    page.goto(path)
    problems, _ = check_math(page)
    assert not problems, problems
    name = path.strip("/")
    figure = page.locator(".md-content .nnmath-figure").first

    seen = {}
    for scheme in ("default", "slate"):
        if scheme == "slate":
            page.locator(
                "form[data-md-component='palette'] label[title='Switch to dark mode']"
            ).click()
            page.wait_for_selector("body[data-md-color-scheme='slate']")
        problems, _ = check_math(page)
        assert not problems, f"{scheme}: {problems}"
        figure.scroll_into_view_if_needed()
        page.screenshot(path=results / f"{name}-{scheme}.png", animations="disabled")
        seen[scheme] = found = readability(page)
        assert found["scheme"] == scheme
        assert found["formulas"]["count"] > 0 and found["figure_text"]["count"] > 0
        # WCAG AA: 4.5:1 for text (formulas, figure labels), 3:1 for graphics (axes).
        for kind in ("formulas", "figure_text", "figure_axes"):
            assert not found[kind]["too_faint"], (
                f"{scheme}, {kind}: {found[kind]['too_faint']}"
            )

    # The ink follows the scheme: dark on light, then light on dark.
    for kind in ("formulas", "figure_text"):
        assert (
            seen["slate"][kind]["mean_luminance"]
            > seen["default"][kind]["mean_luminance"]
        ), kind
    (results / f"{name}-schemes.json").write_text(
        json.dumps(seen, indent=2), encoding="utf-8"
    )
    assert not traffic.problems(), traffic.problems()


def test_the_backprop_graph_arrives_drawn_and_no_diagram_script_loads(
    page, traffic, site
):
    """The graph is an SVG made at build time: after instant navigation it is there,
    and no diagram script is fetched."""
    title, path = first_page_with(site, "Computational graph of the two-layer network")
    page.goto("")
    mark(page)
    follow(page, sidebar_link(page, path), path)
    assert same_document(page)
    heights = page.evaluate(js("graph_heights"))
    assert heights and min(heights) > 100, heights
    assert not any("mermaid" in url for url in traffic.requests)
    assert not traffic.problems(), traffic.problems()


CODE_COLUMNS = 88  # ruff's line length; tests/test_site.py holds every code line to it


@pytest.mark.parametrize("title, path", PAGES, ids=IDS)
def test_code_blocks_fit_without_sideways_scrolling(visits, title, path):
    """At desktop widths a code block holds 88 columns, and no block on any page scrolls
    (measured in the page's one visit, the window resized to each width)."""
    visit = visits(title, path)
    assert sorted(visit.code_fit) == sorted(CODE_WIDTHS)
    for width, found in visit.code_fit.items():
        # a block in an admonition or a list is narrower: it only has to hold its lines
        narrow = [b for b in found if not b["nested"] and b["columns"] < CODE_COLUMNS]
        assert not narrow, (
            f"{title}: code blocks hold {min(b['columns'] for b in narrow):.1f} columns "
            f"at {width} px ({narrow[0]['start']!r})"
        )
        scrolling = [repr(b["start"]) for b in found if b["scrolls"]]
        assert not scrolling, (
            f"{title} at {width} px: blocks that scroll sideways:\n"
            + ("\n".join(scrolling))
        )
