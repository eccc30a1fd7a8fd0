"""The built site: every page, every API entry and every figure the pages promise."""

from __future__ import annotations

import re

import pytest

import nnmath
from tests.conftest import mkdocs_build
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
    # markdown-exec renders `continuation` on a source-showing fence as visible text
    assert "continuation=" not in html, "a fence option leaked into the page"


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


def article(html):
    """The page's main content, without the theme's chrome (scripts differ between modes)."""
    return html[html.index("<article") : html.index("</article>")]


def test_changing_a_constant_in_nnmath_changes_the_site(built_site, tmp_path):
    """Issue 3: outputs and figures come from the package at build time, never from a paste.

    Copy the project, change one constant in nnmath (the gain of He initialization, used
    by every ReLU layer), rebuild, and compare with the session's build of the real tree:
    pages that use ReLU layers must change, pages that do not must be byte-identical
    (which also shows two builds of the same code give the same bytes).
    """
    import shutil
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    copy = tmp_path / "project"
    skip = shutil.ignore_patterns(".git", ".venv", "site", "node_modules", "__pycache__", ".hypothesis")
    shutil.copytree(root, copy, ignore=skip)
    if (root / "node_modules").is_dir():  # the self-hosted MathJax, if installed: share, don't copy
        (copy / "node_modules").symlink_to(root / "node_modules", target_is_directory=True)
    layers = copy / "nnmath" / "layers.py"
    source = layers.read_text(encoding="utf8")
    constant = "std = np.sqrt(2.0 / in_features)"
    assert constant in source, "the test's constant moved: update the test"
    # a 10 % change: backprop.md asserts that He keeps the signal scale, which a gain of 1 breaks
    layers.write_text(source.replace(constant, "std = np.sqrt(2.2 / in_features)"), encoding="utf8")

    site = tmp_path / "site"
    result = mkdocs_build(copy / "mkdocs.yml", site, {"PYTHONPATH": str(copy)})
    assert result.returncode == 0, result.stderr[-4000:]

    for page in ("training.md", "backprop.md"):  # they train or initialize ReLU layers
        assert article(html_of(site, page)) != article(html_of(built_site, page)), page
    for page in ("activations.md", "losses.md", "gradcheck.md"):  # no ReLU layer involved
        assert article(html_of(site, page)) == article(html_of(built_site, page)), page


@pytest.mark.parametrize("page", nav_pages())
def test_code_listings_show_code_not_docstrings(built_site, page):
    """Listings include named sections that skip the long docstrings (the API page has them),
    so a function and its derivative fit on one screen."""
    import html as html_lib

    text = html_of(built_site, page)
    for match in re.finditer(r'<span class="filename">(nnmath/[^<]+)</span>', text):
        block = text[match.start() : text.index("</pre>", match.start())]
        code = html_lib.unescape(re.sub(r"<[^>]+>", "", block))
        for line in code.splitlines():
            quotes = line.count('"""')
            assert quotes in (0, 2), f"{page}: a multi-line docstring in a listing of {match[1]}"


REBUILD_SCRIPT = """
import pathlib, sys
from mkdocs.commands.build import build
from mkdocs.config import load_config

config_file, site, package = sys.argv[1:]
source = pathlib.Path(package, "nnmath", "activations.py")
for factor in ("", "2 * "):  # edit the package between two builds, as under mkdocs serve
    text = source.read_text()
    source.write_text(text.replace("return s * (1 - s)", f"return {factor}s * (1 - s)"))
    build(load_config(config_file, site_dir=site))  # serve reloads the config on each rebuild
    print(pathlib.Path(site, "index.html").read_text().count("derivative at 0: 0.5"))
"""


def test_a_rebuild_in_the_same_process_uses_the_edited_package(tmp_path):
    """mkdocs serve rebuilds in one long-lived process: outputs must follow edits to nnmath."""
    import json
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    shutil.copytree(root / "nnmath", tmp_path / "pkg" / "nnmath")
    docs = tmp_path / "docs"
    shutil.copytree(root / "docs" / "javascripts", docs / "javascripts")
    shutil.copytree(root / "docs" / "stylesheets", docs / "stylesheets")
    (docs / "index.md").write_text(
        '# t\n\n```{.python exec="on" result="text"}\nfrom nnmath import sigmoid_derivative\n'
        'print(f"derivative at 0: {sigmoid_derivative(0.0)}")\n```\n'
    )
    config = {
        "INHERIT": str(root / "mkdocs.yml"),
        "docs_dir": str(docs),
        "nav": [{"t": "index.md"}],
        "hooks": [str(root / "docs" / "hooks" / h) for h in ("vendored.py", "fresh_package.py")],
        "theme": {"custom_dir": str(root / "docs" / "overrides")},
        "watch": [],
    }
    (tmp_path / "mkdocs.yml").write_text(json.dumps(config))
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            REBUILD_SCRIPT,
            str(tmp_path / "mkdocs.yml"),
            str(tmp_path / "site"),
            str(tmp_path / "pkg"),
        ],
        cwd=tmp_path,  # not the repository: `python -c` puts the cwd first on sys.path
        env={**__import__("os").environ, "PYTHONPATH": str(tmp_path / "pkg"), "NO_MKDOCS_2_WARNING": "1"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    # first build: 0.25 (no match); second build, after the edit: 0.5
    assert result.stdout.split() == ["0", "1"], result.stdout
