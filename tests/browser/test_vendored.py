"""KaTeX, the one npm package of the site: pinned exactly, and served unmodified.

The build runs KaTeX (nnmath_site/render_math.mjs) and the site serves its stylesheet and
woff2 fonts itself (docs/hooks/vendored.py). package.json pins the exact version; `npm ci`
installs what package-lock.json names, checking the tarball against the lockfile's hash.
These tests need `npm ci`, not a browser.
"""

from __future__ import annotations

import json
import re

from tests.support import ROOT

PACKAGE_JSON = json.loads((ROOT / "package.json").read_text(encoding="utf-8"))
LOCK = json.loads((ROOT / "package-lock.json").read_text(encoding="utf-8"))
KATEX = ROOT / "node_modules" / "katex"
SITE_DIR = "assets/vendor/katex"


def test_katex_is_the_only_dependency_and_pinned_exactly():
    assert list(PACKAGE_JSON["dependencies"]) == ["katex"]
    pinned = PACKAGE_JSON["dependencies"]["katex"]
    assert re.fullmatch(r"\d+\.\d+\.\d+", pinned), f"{pinned!r} is not an exact version"
    assert LOCK["packages"][""]["dependencies"] == PACKAGE_JSON["dependencies"]
    assert LOCK["packages"]["node_modules/katex"]["version"] == pinned
    assert LOCK["packages"]["node_modules/katex"]["integrity"].startswith("sha512-")


def test_node_modules_holds_the_pinned_release(node_modules):
    installed = json.loads((KATEX / "package.json").read_text(encoding="utf-8"))
    assert installed["version"] == PACKAGE_JSON["dependencies"]["katex"]


def test_the_site_serves_katexs_stylesheet_and_woff2_fonts_unmodified(site):
    copied = site.directory / SITE_DIR
    names = sorted(
        p.relative_to(copied).as_posix() for p in copied.rglob("*") if p.is_file()
    )
    fonts = sorted(p.name for p in (KATEX / "dist/fonts").glob("*.woff2"))
    assert names == sorted(["katex.min.css"] + [f"fonts/{name}" for name in fonts])
    assert len(fonts) > 15
    for name in names:
        assert (copied / name).read_bytes() == (KATEX / "dist" / name).read_bytes(), (
            name
        )


def test_no_math_or_diagram_script_is_in_the_site(site):
    vendor = site.directory / "assets" / "vendor"
    assert sorted(p.name for p in vendor.iterdir()) == ["katex"]
    assert not [
        p for p in site.directory.rglob("*") if re.search("mathjax|mermaid", p.name)
    ]
    assert not list(vendor.rglob("*.js"))
