"""Small sites built with the real configuration, to show the build checks what it claims to.

- Math is typeset while the site builds, HTML and MathML, in Markdown and in docstrings.
- A formula KaTeX cannot typeset fails the build, and the message names page and formula.
- Without `npm ci` the build fails with one message that says to run it.
- A broken internal link or anchor fails the build (the htmlproofer plugin in mkdocs.yml).

These tests build sites; they need `npm ci` but no browser.
"""

from __future__ import annotations

import re
import shutil

import pytest

from tests.support import ROOT, mkdocs_build, write_fixture_site

GOOD = r"""# Formulas

Inline $\sigma(x) = 1/(1 + e^{-x})$, a bold $\boldsymbol{\theta}$ and a struck $\cancel{x}$,
and a display:

$$
\frac{\partial L}{\partial \mathbf{z}} = \hat{\mathbf{y}} - \mathbf{y}
$$
"""

BROKEN = {
    "an unclosed brace": (r"$\frac{1}{2$", r"\frac{1}{2", "expected '}'"),
    "a double exponent": (r"$x^2^3$", "x^2^3", "Double superscript"),
    "an undefined macro": (
        r"$\notamacro{x}$",
        r"\notamacro{x}",
        "Undefined control sequence",
    ),
}


def build(folder, pages, hooks=ROOT / "docs/hooks"):
    config = write_fixture_site(
        folder / "project", pages, "http://127.0.0.1:8000/", hooks
    )
    result = mkdocs_build(
        config, folder / "site", cwd=ROOT
    )  # snippets resolve from ROOT
    return result.returncode, result.stdout + result.stderr


def test_math_is_rendered_at_build_time(tmp_path, node_modules):
    code, log = build(tmp_path, {"index.md": GOOD})
    assert code == 0 and "WARNING" not in log, log
    html = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    assert html.count('class="arithmatex"') == 4
    assert html.count('<span class="katex">') == 4  # one per formula
    assert html.count("<math xmlns=") == 4  # with MathML for assistive technology
    assert html.count('<span class="katex-display">') == 1
    assert "\\(" not in re.sub(r"<annotation.*?</annotation>", "", html, flags=re.S)
    # The stylesheet and the fonts the formulas use, from this site.
    assert 'href="assets/vendor/katex/katex.min.css"' in html
    assert (
        'rel="preload" href="assets/vendor/katex/fonts/KaTeX_Math-Italic.woff2"' in html
    )
    assert (
        tmp_path / "site/assets/vendor/katex/fonts/KaTeX_Math-Italic.woff2"
    ).is_file()
    scripts = re.findall(r'<script[^>]*src="([^"]+)"', html)
    assert scripts and not [s for s in scripts if re.search("mathjax|katex|mermaid", s)]


def test_docstring_math_is_rendered_too(tmp_path, node_modules):
    """mkdocstrings' output passes through the same hook (nnmath.sigmoid has formulas)."""
    code, log = build(
        tmp_path, {"index.md": "# API\n\n::: nnmath.activations.sigmoid\n"}
    )
    assert code == 0 and "WARNING" not in log, log
    html = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    formulas = html.count('class="arithmatex"')
    assert formulas > 0 and html.count('<span class="katex">') == formulas


@pytest.mark.parametrize("case", BROKEN)
def test_a_tex_error_fails_the_build_naming_page_and_formula(
    tmp_path, node_modules, case
):
    markdown, tex, message = BROKEN[case]
    page = f"# Broken\n\nFine: $x^2$. Broken: {markdown}.\n"
    code, log = build(tmp_path, {"index.md": "# Home\n", "broken.md": page})
    assert code != 0, log
    assert "TeX error on page broken.md" in log, log
    assert f"`{tex}`" in log and message in log, log
    assert "x^2`" not in log  # only the broken formula is named


def test_every_broken_formula_of_a_page_is_listed(tmp_path, node_modules):
    page = "# Broken\n\n" + "\n\n".join(m for m, _, _ in BROKEN.values()) + "\n"
    code, log = build(tmp_path, {"broken.md": page})
    assert code != 0 and "KaTeX cannot typeset 3 formulas" in log, log


def test_without_npm_ci_the_build_says_to_run_it(tmp_path, node_modules):
    """The hooks of a copy of the project that has no node_modules: one clear message."""
    project = tmp_path / "clone"
    shutil.copytree(ROOT / "docs/hooks", project / "docs/hooks")
    shutil.copy(ROOT / "package.json", project / "package.json")
    code, log = build(tmp_path, {"index.md": GOOD}, hooks=project / "docs/hooks")
    assert code != 0, log
    errors = [line for line in log.splitlines() if line.startswith(("ERROR", "Error"))]
    assert len(errors) == 1 and "run `npm ci`" in errors[0], log


def test_a_broken_link_or_anchor_fails_the_build(tmp_path, node_modules):
    pages = {
        "index.md": "# Home\n\nSee [the other page](other.md#no-such-heading).\n",
        "other.md": '# Other\n\n<a href="../nowhere/">a raw HTML link</a>\n',
    }
    code, log = build(tmp_path, pages)
    assert code != 0, log
    assert "htmlproofer: invalid url - other/#no-such-heading" in log, log
    assert "htmlproofer: invalid url - ../nowhere/" in log, log
