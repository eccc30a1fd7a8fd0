"""The build (nnmath_site/equations/build.py, the MkDocs hook docs/hooks/equations.py).

Mini sites built with the equations hook alone (no KaTeX, no page code): the build writes
the line under each display equation, refuses an equation without a mark or a test, and
in CI refuses checks that did not pass. Last, the whole site as built: every display
equation has its line.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from nnmath_site.equations import page_marks
from tests.support import ROOT, mkdocs_build, write

# ---- the build (the equations hook alone: no KaTeX, no page code) ------------------------

MINI = {
    "mkdocs.yml": f"""
        site_name: mini
        site_url: http://127.0.0.1:8000/
        nav: [index.md, gradcheck.md, api.md]
        markdown_extensions:
          - attr_list
          - pymdownx.arithmatex:
              generic: true
        hooks:
          - {ROOT / "docs/hooks/equations.py"}
        """,
    "docs/index.md": """
        # Home

        $$
        % eq:s code: nnmath.sigmoid
        \\sigma(x) = 1/(1 + e^{-x})
        $$

        Inline $x$ is not a display equation.
        """,
    "docs/gradcheck.md": """
        # Gradient checking

        ## How the site checks its equations

        $$
        % eq:s
        \\sigma(x) = \\frac{1}{1 + e^{-x}}
        $$
        """,
    "docs/api.md": "# API\n\n## sigmoid {#nnmath.activations.sigmoid}\n",
    "tests/test_s.py": """
        import pytest

        @pytest.mark.verifies("s", by="exact")
        def test_s(measured):
            measured(0.0)
        """,
}


def build(root: Path, env=None):
    result = mkdocs_build(root / "mkdocs.yml", root / "site", env=env)
    return result.returncode, result.stdout + result.stderr


def test_the_build_writes_the_line_under_each_display_equation(tmp_path):
    root = write(tmp_path, MINI)
    write(
        root,
        {
            "build/verification.json": json.dumps(
                {
                    "tests": {
                        "tests/test_s.py::test_s": {
                            "ids": ["s"],
                            "by": "exact",
                            "outcome": "passed",
                            "values": [0.0],
                        }
                    }
                }
            )
        },
    )
    code, log = build(root)
    assert code == 0, log
    home = (root / "site/index.html").read_text(encoding="utf-8")
    assert '<div class="eq" id="eq-s"><div class="arithmatex">\\[\\sigma(x)' in home
    assert "% eq:" not in home
    assert "exact cases, max. difference 0 (1 case)" in home
    assert 'href="api/#nnmath.activations.sigmoid"' in home
    assert 'href="gradcheck/#how-the-site-checks-its-equations"' in home
    again = (root / "site/gradcheck/index.html").read_text(encoding="utf-8")
    assert '(as on <a href="../#eq-s">Home</a>)' in again


@pytest.mark.parametrize(
    "change, message",
    [
        (
            ("% eq:s code: nnmath.sigmoid\n", ""),
            r"page index.md: 1 display equation\(s\) without a mark.*\\sigma\(x\)",
        ),
        (
            ("code: nnmath.sigmoid", "code: nnmath.sigmoyd"),
            r"names `nnmath.sigmoyd`, which is not in nnmath",
        ),
        (
            ('verifies("s"', 'verifies("t"'),
            r"eq:s names its code .* but no test verifies it",
        ),
    ],
)
def test_the_build_fails_on_an_equation_without_a_mark_or_a_test(
    tmp_path, change, message
):
    root = write(tmp_path, MINI)
    for name in ("docs/index.md", "tests/test_s.py"):
        path = root / name
        path.write_text(
            path.read_text(encoding="utf-8").replace(*change), encoding="utf-8"
        )
    code, log = build(root)
    assert code != 0 and re.search(message, log, re.S), log[-3000:]


def test_a_ci_build_needs_the_checks_to_have_passed(tmp_path):
    root = write(tmp_path, MINI)
    code, log = build(root, env={"NNMATH_REQUIRE_MEASURED": "1"})
    assert code != 0 and "eq:s: its checks did not pass in the last test run" in log
    code, log = build(
        root
    )  # without it (mkdocs serve, a first build), it says "not run yet"
    assert (
        code == 0
        and "not run yet: run pytest" in (root / "site/index.html").read_text()
    )


# ---- the built site ------------------------------------------------------------------------


def test_every_display_equation_of_the_built_site_has_its_line(built_site):
    built = set()
    for page in sorted(built_site.rglob("*.html")):
        text = page.read_text(encoding="utf-8")
        displays = text.count('<div class="arithmatex">')
        wrapped = re.findall(
            r'<div class="eq" id="(eq-[a-z0-9-]+)"><div class="arithmatex">', text
        )
        assert displays == len(wrapped) == text.count('<div class="eq-check '), page
        assert not re.search(r'encoding="application/x-tex">[^<]*% eq:', text), page
        built |= {anchor.removeprefix("eq-") for anchor in wrapped}
    # every mark in the sources reached a page (none sits in a block that is not shown)
    assert {mark.id for mark in page_marks(ROOT)} <= built
