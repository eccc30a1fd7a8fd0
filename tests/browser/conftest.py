"""Browser tests: the built site, served on 127.0.0.1, in Debian's Chromium.

Playwright drives the browser through pytest-playwright's fixtures (``browser``,
``context``, ``page``); this file configures them: the system's Chromium and its launch
arguments, a 1280 x 900 viewport, and the session's build of the site as ``base_url``, so a
test opens a page with ``page.goto("activations/")``. A test that asks for ``traffic``
watches its context (tests/support.py ``watch``: requests that would leave 127.0.0.1 are
aborted and recorded). The JavaScript the tests run in the page is in ``js/``.

The site is built once per session (tests/conftest.py ``built_site``) and served gzip-
compressed, as static hosts do, so the bytes counted are the bytes a reader downloads.

Without Chromium or ``npm ci`` these tests skip and say what is missing; when the environment
variable ``CI`` is set (as ``.ci/run`` does) they fail instead, so CI cannot pass with the
browser tests silently skipped. Playwright and pytest-playwright come with the test extra.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
from pathlib import Path

import pytest
from filelock import FileLock

from tests.support import (
    check_math,
    code_block_problems,
    js,
    page_id,
    readability,
    unavailable,
    watch,
)

CHROMIUM = (
    os.environ.get("NNMATH_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
)
# Debian's Chromium, run as root in a container with no network but the package registries:
# no sandbox (root), no GPU, and none of the background requests Chromium makes on its own.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
VIEWPORT = {"width": 1280, "height": 900}
CODE_WIDTHS = (
    1024,
    1280,
    1920,
)  # desktop widths at which a code block holds 88 columns


@pytest.fixture(scope="session")
def site(node_modules, built_site, site_server):
    """The session's build of the real site, served: ``.base`` and ``.directory``."""
    return site_server


@pytest.fixture(scope="session")
def results(pytestconfig) -> Path:
    """pytest-playwright's output folder (``--output``, test-results/), emptied by it at the
    start of each session: screenshots and the per-page report go there."""
    folder = Path(pytestconfig.getoption("--output")).absolute()
    folder.mkdir(parents=True, exist_ok=True)
    return folder


# --------------------------------------------------------------- pytest-playwright's fixtures


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Debian's Chromium with CHROMIUM_ARGS, instead of a browser Playwright downloads."""
    if not Path(CHROMIUM).exists():
        unavailable(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": CHROMIUM_ARGS,
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args, site):
    """Every context: the site's address as base_url, a desktop viewport."""
    return {**browser_context_args, "base_url": site.base, "viewport": VIEWPORT}


@pytest.fixture
def traffic(context, site):
    """The test's context, watched: what it requested and what went wrong (``Traffic``)."""
    return watch(context, site.base)


# --------------------------------------------------------------------------- per-page visits


@dataclasses.dataclass
class PageVisit:
    """Everything the per-page tests assert, from one load of the page."""

    title: str
    path: str
    load_ms: float = 0.0  # navigation start to the end of the load event
    at_dcl: dict = dataclasses.field(
        default_factory=dict
    )  # the math at DOMContentLoaded
    layout_shift: float = 0.0  # sum of Chromium's layout-shift entries 1.5 s after load
    bytes: int = 0  # transferred, fonts and search index included
    math: dict = dataclasses.field(default_factory=dict)
    math_problems: list[str] = dataclasses.field(default_factory=list)
    code_blocks: int = 0
    code_problems: list[str] = dataclasses.field(default_factory=list)
    requests: list[str] = dataclasses.field(default_factory=list)
    network_problems: list[str] = dataclasses.field(default_factory=list)
    axe: list[dict] = dataclasses.field(default_factory=list)
    readability: dict = dataclasses.field(default_factory=dict)
    # the page's code blocks at each desktop width (the window resized, not reloaded)
    code_fit: dict = dataclasses.field(default_factory=dict)


@pytest.fixture(scope="session")
def visits(browser, browser_context_args, site, results):
    """Loads each nav page once, on demand, in a fresh watched context, and keeps what was
    seen for the tests to assert. At the end of the session the records go to
    test-results/browser-pages.json."""
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    seen: dict[str, PageVisit] = {}

    def visit(title: str, path: str, again: bool = False) -> PageVisit:
        """The page's record; ``again``: load it once more, in a new context."""
        if path in seen and not again:
            return seen[path]
        record = PageVisit(title, path)
        context = browser.new_context(**browser_context_args)
        traffic = watch(context, site.base)
        page = context.new_page()
        page.goto(path, wait_until="load")
        record.at_dcl = page.evaluate("() => window.__nnmathAtDCL")
        timing = "() => performance.getEntriesByType('navigation')[0].loadEventEnd"
        record.load_ms = round(page.evaluate(timing))
        # Late fonts, the search index, and any shift they cause.
        page.wait_for_timeout(1500)
        record.layout_shift = round(page.evaluate("() => window.__nnmathShift"), 4)
        record.bytes = traffic.transferred()
        record.math_problems, record.math = check_math(page)
        record.readability = readability(page)
        record.code_problems, record.code_blocks = code_block_problems(page)
        result = axe.run(page, options={"resultTypes": ["violations"]})
        record.axe = [
            {
                "id": violation["id"],
                "impact": violation["impact"],
                "nodes": [node["target"] for node in violation["nodes"]][:10],
                "help": violation["help"],
            }
            for violation in result.response["violations"]
        ]
        for width in CODE_WIDTHS:
            page.set_viewport_size({"width": width, "height": VIEWPORT["height"]})
            record.code_fit[width] = page.evaluate(js("code_columns"))
        page.wait_for_timeout(200)  # let late requests report
        record.requests = [url.removeprefix(site.base) for url in traffic.requests]
        record.network_problems = traffic.problems()
        context.close()
        seen.setdefault(path, record)
        return record

    yield visit
    if seen:
        results.mkdir(
            parents=True, exist_ok=True
        )  # another session may have emptied it
        path = results / "browser-pages.json"
        with FileLock(str(path) + ".lock"):  # pytest-xdist: each worker adds its pages
            try:
                pages = json.loads(path.read_text(encoding="utf-8"))["pages"]
            except (OSError, ValueError, KeyError):
                pages = []
            pages = [p for p in pages if p["path"] not in seen]
            pages += [dataclasses.asdict(record) for record in seen.values()]
            summary = {
                "build_seconds": round(getattr(site, "build_seconds", 0), 1),
                "pages": sorted(pages, key=lambda page: page["path"]),
            }
            path.write_text(json.dumps(summary, indent=2), encoding="utf-8")


def pytest_collection_modifyitems(items):
    """pytest-xdist (--dist loadgroup): a page's per-page tests run in one worker, which
    loads the page once for all of them (``visits``)."""
    for item in items:
        callspec = getattr(item, "callspec", None)
        if "visits" in getattr(item, "fixturenames", ()) and callspec is not None:
            path = callspec.params.get("path")
            if path is not None:
                item.add_marker(pytest.mark.xdist_group(f"page:{page_id(path)}"))
