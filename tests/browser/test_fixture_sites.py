"""Small sites built with the real configuration, to show the checks catch what they claim to.

- A broken formula and a missing MathJax file fail the typeset check (it is not vacuous).
- The CDN mode loads the pinned releases, with their integrity hashes, and typesets: the CDN
  is played, inside the browser, by the official copies in node_modules (the tests in
  test_vendored.py prove them official), so a wrong version or hash fails here.
- A broken internal link or anchor fails the build (the htmlproofer plugin in mkdocs.yml).
"""

from __future__ import annotations

import json
import mimetypes
import shutil

import pytest

from .conftest import (
    ROOT,
    SiteServer,
    hook,
    load_and_check,
    mkdocs_build,
    write_fixture_site,
)

GOOD = r"""# Formulas

Inline $\sigma(x) = 1/(1 + e^{-x})$, a bold $\boldsymbol{\theta}$ and a struck $\cancel{x}$
(both load a TeX extension on demand), and a display:

$$
\frac{\partial L}{\partial \mathbf{z}} = \hat{\mathbf{y}} - \mathbf{y}
$$

```mermaid
flowchart LR
  X --> Z --> A
```
"""

BROKEN = r"""# Broken formulas

A brace left open: $\frac{1}{2$. A double exponent: $x^2^3$.
A macro that does not exist: $\notamacro{x}$.
"""

LOCK = json.loads((ROOT / "package-lock.json").read_text(encoding="utf-8"))


def build(tmp_path_factory, name: str, pages: dict[str, str], mode: str):
    """Build a fixture site in `mode` and serve it; returns (server, build log)."""
    server = SiteServer()
    folder = tmp_path_factory.mktemp(name)
    config = write_fixture_site(folder / "project", pages, server.base)
    result = mkdocs_build(config, folder / "site", {hook.MODE_VARIABLE: mode})
    log = result.stdout + result.stderr
    if result.returncode != 0:
        server.close()
        pytest.fail(f"the fixture site did not build:\n{log[-3000:]}", pytrace=False)
    server.directory = folder / "site"
    return server, log


@pytest.fixture(scope="module")
def local_site(tmp_path_factory, node_modules):
    server, _ = build(
        tmp_path_factory,
        "local-fixture",
        {"index.md": GOOD, "broken.md": BROKEN},
        "local",
    )
    yield server
    server.close()


@pytest.fixture(scope="module")
def cdn_site(tmp_path_factory, node_modules):
    server, log = build(tmp_path_factory, "cdn-fixture", {"index.md": GOOD}, "cdn")
    server.log = log
    yield server
    server.close()


def test_a_working_page_passes_the_checks(browser, local_site):
    problems, report, _ = load_and_check(browser, local_site.base, "", diagrams=1)
    assert not problems, problems
    assert report["arithmatex"] == report["containers"] == 4


def test_a_broken_formula_fails_the_typeset_check(browser, local_site):
    problems, _, _ = load_and_check(
        browser, local_site.base, "broken/", timeout_ms=4_000
    )
    # MathJax does not even find a formula whose braces do not balance: it stays raw TeX.
    assert "not typeset: \\(\\frac{1}{2\\)" in problems, problems
    assert any(
        p.startswith("raw TeX visible:") and "\\frac{1}{2" in p for p in problems
    ), problems
    assert any(p.startswith("MathJax error: Double exponent") for p in problems), (
        problems
    )
    assert any(p.startswith("undefined macro: \\notamacro") for p in problems), problems


@pytest.mark.parametrize(
    "missing",
    [
        "es5/tex-mml-chtml.js",  # the main script
        "es5/input/tex/extensions/boldsymbol.js",  # an extension loaded on demand
        "es5/output/chtml/fonts/woff-v2/MathJax_Main-Regular.woff",  # a font
    ],
)
def test_a_missing_mathjax_file_fails_the_check(browser, local_site, tmp_path, missing):
    copy = tmp_path / "site"
    shutil.copytree(local_site.directory, copy)
    (copy / hook.MATHJAX.site_path(missing)).unlink()
    server = SiteServer(copy)
    try:
        problems, _, _ = load_and_check(browser, server.base, "", timeout_ms=5_000)
    finally:
        server.close()
    assert problems, f"the page passed without {missing}"
    assert any(missing.rsplit("/", 1)[-1] in p for p in problems), problems


def play_the_cdn(tamper: str | None = None):
    """A route handler that answers for the CDN from node_modules, at the locked versions only.

    `tamper` names a file (path inside its package) served with one byte more.
    """
    locked = {
        item.package: LOCK["packages"][f"node_modules/{item.package}"]["version"]
        for item in hook.VENDORED
    }
    prefixes = {
        f"{hook.CDN}/{package}@{version}/": package
        for package, version in locked.items()
    }

    def answer(route) -> bool:
        url = route.request.url
        for prefix, package in prefixes.items():
            if url.startswith(prefix):
                name = url.removeprefix(prefix)
                file = hook.NODE_MODULES / package / name
                if not file.is_file():
                    route.fulfill(status=404, body="not found")
                    return True
                body = file.read_bytes() + (b"\n" if name == tamper else b"")
                kind = mimetypes.guess_type(name)[0] or "application/octet-stream"
                # jsDelivr allows any origin, which crossorigin="anonymous" scripts require.
                headers = {"access-control-allow-origin": "*", "content-type": kind}
                route.fulfill(status=200, body=body, headers=headers)
                return True
        return False

    return answer


def test_cdn_mode_says_so_once_in_the_build_log(cdn_site):
    lines = [line for line in cdn_site.log.splitlines() if "from the CDN" in line]
    assert len(lines) == 1 and lines[0].startswith("INFO"), cdn_site.log
    html = (cdn_site.directory / "index.html").read_text(encoding="utf-8")
    assert f'integrity="{hook.MATHJAX.integrity}" crossorigin="anonymous"' in html
    assert not (cdn_site.directory / hook.SITE_DIR).exists()


def test_cdn_mode_typesets_with_the_pinned_releases(browser, cdn_site):
    problems, report, traffic = load_and_check(
        browser, cdn_site.base, "", allow=play_the_cdn(), diagrams=1
    )
    assert not problems, problems
    assert report["arithmatex"] == report["containers"] == 4
    from_cdn = [url for url in traffic.requests if url.startswith(hook.CDN)]
    assert hook.MATHJAX.cdn_url(hook.MATHJAX.main) in from_cdn
    assert hook.MERMAID.cdn_url(hook.MERMAID.main) in from_cdn
    assert any(
        url.endswith("/boldsymbol.js") for url in from_cdn
    )  # extensions come along


def test_cdn_mode_refuses_a_changed_script(browser, cdn_site):
    """The integrity hash is enforced: one byte more and MathJax does not run."""
    problems, _, traffic = load_and_check(
        browser,
        cdn_site.base,
        "",
        allow=play_the_cdn(tamper=hook.MATHJAX.main),
        timeout_ms=4_000,
    )
    assert "MathJax did not start" in problems
    assert any("integrity" in error for error in traffic.console_errors), (
        traffic.console_errors
    )


def test_a_broken_link_or_anchor_fails_the_build(tmp_path, node_modules):
    pages = {
        "index.md": "# Home\n\nSee [the other page](other.md#no-such-heading).\n",
        "other.md": '# Other\n\n<a href="../nowhere/">a raw HTML link</a>\n',
    }
    config = write_fixture_site(tmp_path / "project", pages, "http://127.0.0.1:8000/")
    result = mkdocs_build(config, tmp_path / "site")
    log = result.stdout + result.stderr
    assert result.returncode != 0, log
    assert "htmlproofer: invalid url - other/#no-such-heading" in log, log
    assert "htmlproofer: invalid url - ../nowhere/" in log, log
