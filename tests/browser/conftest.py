"""Browser tests: the built site, served on 127.0.0.1, in Debian's Chromium driven by Playwright.

The site is built once per session with ``mkdocs build --strict`` (its math typeset by KaTeX
during the build, docs/hooks/math.py) and served by a small standard-library HTTP server on
a free port of 127.0.0.1 that compresses text with gzip, as static hosts (GitHub Pages) do,
so the bytes counted are the bytes a reader downloads. Every request that would leave
127.0.0.1 is aborted and recorded, so a test can assert that none was made.

Without Chromium, Playwright or ``npm ci`` these tests skip and say what is missing; when the
environment variable ``CI`` is set (as ``.ci/run`` does) they fail instead, so CI cannot pass
with the browser tests silently skipped.
"""

from __future__ import annotations

import gzip
import importlib.util
import io
import json
import os
import re
import shutil
import threading
import time
from dataclasses import asdict, dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from nnmath_site.math import MathSetupError, katex_version
from tests.support import mkdocs_build as shared_mkdocs_build
from tests.support import nav_pages as nav_files

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "test-results"  # screenshots and the per-page report (gitignored)
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
# The hooks of mkdocs.yml, which a fixture site names again (its paths are relative).
HOOKS = ("vendored.py", "math.py", "search_dialog.py", "fresh_package.py")


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() not in ("", "0", "false", "no")


def unavailable(reason: str):
    """Skip on a reader's machine; fail in CI, where these tests must run."""
    if in_ci():
        pytest.fail(
            f"{reason} (CI is set, so the browser tests must run)", pytrace=False
        )
    pytest.skip(f"{reason}; set up as in .ci/run to run the browser tests")


def missing_browser() -> str | None:
    if importlib.util.find_spec("playwright") is None:
        return 'Playwright is not installed (pip install -e ".[test]")'
    if not Path(CHROMIUM).exists():
        return f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
    return None


@pytest.fixture(scope="session")
def node_modules():
    """node_modules after `npm ci`: KaTeX, which the build runs to typeset the math."""
    try:
        katex_version(ROOT)
    except MathSetupError as error:
        unavailable(str(error))
    return ROOT / "node_modules"


# --------------------------------------------------------------------------- building sites


def mkdocs_build(config: Path, site: Path, env: dict[str, str] | None = None):
    """Run `mkdocs build --strict` from the repository root (snippets resolve from there)."""
    return shared_mkdocs_build(config, site, env, cwd=ROOT)


def write_fixture_site(
    directory: Path,
    pages: dict[str, str],
    site_url: str,
    hooks: Path = ROOT / "docs/hooks",
) -> Path:
    """A small site that inherits mkdocs.yml (theme, Markdown extensions, hooks, link checker).

    Only the pages differ: `pages` maps file names to Markdown, listed in the nav in order.
    `hooks` is the folder the hooks are taken from. Returns the path of its configuration.
    """
    docs = directory / "docs"
    docs.mkdir(parents=True)
    shutil.copytree(ROOT / "docs" / "stylesheets", docs / "stylesheets")
    for name, text in pages.items():
        (docs / name).write_text(text, encoding="utf-8")
    config = {
        "INHERIT": str(ROOT / "mkdocs.yml"),
        "site_name": "fixture",
        "site_url": site_url,
        "docs_dir": str(docs),
        "nav": [{name.removesuffix(".md"): name} for name in pages],
        # Paths in mkdocs.yml are relative to it: give them again, absolute.
        "hooks": [str(hooks / name) for name in HOOKS],
        "watch": [],
    }
    path = directory / "mkdocs.yml"
    path.write_text(json.dumps(config, indent=2), encoding="utf-8")  # JSON is YAML
    return path


# --------------------------------------------------------------------------- serving

COMPRESSED = (".html", ".css", ".js", ".json", ".svg", ".xml", ".map", ".txt")


class _Handler(SimpleHTTPRequestHandler):
    """Serves files as a static host does: text gzip-compressed when the browser accepts it."""

    def log_message(self, format, *args):
        pass

    def send_head(self):
        if "gzip" not in self.headers.get("Accept-Encoding", ""):
            return super().send_head()
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            if not self.path.split("?")[0].endswith("/"):
                return super().send_head()  # the redirect to the folder's address
            path = path / "index.html"
        if path.suffix not in COMPRESSED or not path.is_file():
            return super().send_head()
        body = gzip.compress(path.read_bytes(), compresslevel=6, mtime=0)
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        return io.BytesIO(body)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # the browser closing a connection early is not an error of the site


class SiteServer:
    """Serves a directory on 127.0.0.1 from a background thread; `base` ends with a slash."""

    def __init__(self, directory: Path | None = None):
        self.directory = directory
        self._server = _Server(("127.0.0.1", 0), self._handler)
        self.base = f"http://127.0.0.1:{self._server.server_port}/"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def _handler(self, *args, **kwargs):
        return _Handler(*args, directory=str(self.directory), **kwargs)

    def close(self):
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


@pytest.fixture(scope="session")
def site(tmp_path_factory, node_modules):
    """The real site, built and served: returns the server (`.base`, `.directory`).

    The port is chosen first because the site's URL must match it: Material's instant
    navigation only takes over links to pages listed in the sitemap, which holds full URLs.
    """
    server = SiteServer()
    directory = tmp_path_factory.mktemp("browser-site") / "site"
    started = time.perf_counter()
    result = mkdocs_build(ROOT / "mkdocs.yml", directory, {"SITE_URL": server.base})
    log = result.stdout + result.stderr
    if result.returncode != 0 or "WARNING" in log:
        server.close()
        pytest.fail(
            f"mkdocs build --strict failed or warned:\n{log[-4000:]}", pytrace=False
        )
    server.directory = directory
    server.build_seconds = time.perf_counter() - started
    yield server
    server.close()


def nav_pages() -> list[tuple[str, str]]:
    """(title, URL path) of every page in mkdocs.yml's nav, in order."""
    config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    files = nav_files()
    titles = {
        file: re.search(rf"-\s*(.+?):\s*{re.escape(file)}\s*$", config, re.M).group(1)
        for file in files
    }
    return [
        (titles[f], "" if f == "index.md" else f.removesuffix(".md") + "/")
        for f in files
    ]


# --------------------------------------------------------------------------- the browser


@pytest.fixture(scope="session")
def browser():
    reason = missing_browser()
    if reason:
        unavailable(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@dataclass
class Traffic:
    """What a page asked of the network, and what went wrong, while it was watched."""

    base: str
    requests: list[str] = field(default_factory=list)
    external: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    bytes: int = 0  # headers and (compressed) bodies of the finished responses

    def problems(self) -> list[str]:
        return (
            [f"request leaving 127.0.0.1: {url}" for url in self.external]
            + [f"failed request: {entry}" for entry in self.failed]
            + [f"console error: {text}" for text in self.console_errors]
        )


# Run in every page before its own scripts: the math as it stands at DOMContentLoaded, and
# the sum of Chromium's layout-shift entries (those not caused by the reader's input).
PAGE_PROBES = """
window.__nnmathShift = 0;
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    if (!entry.hadRecentInput) window.__nnmathShift += entry.value;
  }
}).observe({ type: "layout-shift", buffered: true });
document.addEventListener("DOMContentLoaded", () => {
  const content = document.querySelector(".md-content");
  window.__nnmathAtDCL = content && {
    arithmatex: content.querySelectorAll(".arithmatex").length,
    rendered: content.querySelectorAll(".arithmatex > .katex, .arithmatex > .katex-display")
      .length,
  };
});
"""


def open_context(browser, base: str, allow=None, **options):
    """A fresh browser context whose requests outside `base` are aborted and recorded.

    `allow(route)` may answer a request outside `base` itself (it returns True when it did).
    Every page of the context runs PAGE_PROBES. Returns (context, traffic).
    """
    traffic = Traffic(base)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, **options)
    context.add_init_script(PAGE_PROBES)

    def outside(route):
        if allow is not None and allow(route):
            return
        traffic.external.append(route.request.url)
        route.abort()

    context.route(
        lambda url: not url.startswith(base) and not url.startswith("data:"), outside
    )
    return context, traffic


def watch(page, traffic: Traffic):
    """Record the page's requests and their sizes, failed requests, HTTP and console errors."""
    page.on("request", lambda request: traffic.requests.append(request.url))

    def finished(request):
        sizes = request.sizes()
        traffic.bytes += sizes["responseBodySize"] + sizes["responseHeadersSize"]

    def failed(request):
        if (
            request.url not in traffic.external
        ):  # aborted by open_context, reported as external
            traffic.failed.append(f"{request.url} ({request.failure})")

    page.on("requestfinished", finished)
    page.on("requestfailed", failed)
    page.on(
        "response",
        lambda r: (
            r.status >= 400 and traffic.failed.append(f"{r.url} (HTTP {r.status})")
        ),
    )
    page.on(
        "console", lambda m: m.type == "error" and traffic.console_errors.append(m.text)
    )
    page.on(
        "pageerror", lambda error: traffic.console_errors.append(f"uncaught: {error}")
    )
    return page


# --------------------------------------------------------------------------- math

# Counts of the typeset math, and any TeX left visible outside code.
MATH_REPORT = r"""
() => {
  const content = document.querySelector(".md-content");
  const spans = [...content.querySelectorAll(".arithmatex")];
  const report = {
    arithmatex: spans.length,
    rendered: 0,
    mathml: 0,
    unrendered: [],
    errors: [...content.querySelectorAll(".katex-error")].map((el) => el.title || "error"),
    raw_tex: [],
    math_scripts: [...document.scripts].map((s) => s.src)
      .filter((src) => /mathjax|katex|mermaid/i.test(src)),
  };
  for (const el of spans) {
    const katex = el.querySelectorAll(".katex");
    const html = el.querySelectorAll(".katex > .katex-html");
    const mathml = el.querySelectorAll(".katex > .katex-mathml > math");
    if (katex.length === 1 && html.length === 1) report.rendered += 1;
    else report.unrendered.push(el.textContent.trim().slice(0, 120));
    if (mathml.length === 1) report.mathml += 1;
  }
  const text = content.cloneNode(true);
  text.querySelectorAll("pre, code, .katex, script, style, svg").forEach((el) => el.remove());
  const visible = text.textContent;
  for (const pattern of [/\\[A-Za-z]+/g, /\$\$/g, /\\[()[\]]/g, /\$[^\s$][^$]{0,80}\$/g]) {
    for (const match of visible.matchAll(pattern)) {
      const at = match.index;
      report.raw_tex.push(visible.slice(Math.max(0, at - 30), at + 50).replace(/\s+/g, " "));
    }
  }
  return report;
}
"""


def math_problems(report: dict) -> list[str]:
    problems = []
    if report["rendered"] != report["arithmatex"]:
        problems.append(
            f"{report['rendered']} rendered formulas of {report['arithmatex']}"
        )
    if report["mathml"] != report["arithmatex"]:
        problems.append(f"{report['mathml']} MathML formulas of {report['arithmatex']}")
    problems += [f"not rendered: {tex}" for tex in report["unrendered"]]
    problems += [f"KaTeX error: {text}" for text in report["errors"]]
    problems += [f"raw TeX visible: ...{text}..." for text in report["raw_tex"]]
    problems += [f"a math script is sent: {src}" for src in report["math_scripts"]]
    return problems


def check_math(page) -> tuple[list[str], dict]:
    """The math of the current page as it stands (nothing is waited for): (problems, report)."""
    report = page.evaluate(MATH_REPORT)
    return math_problems(report), report


CODE_BLOCKS = """
() => [...document.querySelectorAll(".md-content pre")]
  .filter((pre) => pre.querySelector(":scope > code"))
  .map((pre) => ({
    id: pre.id || pre.textContent.trim().slice(0, 40),
    language:
      (pre.closest("[class*='language-']")?.className || "").match(/language-(\\S+)/)?.[1]
      || null,
    highlighted: pre.closest(".highlight") !== null,
    tokens: pre.querySelectorAll("code span[class]").length,
    copy_button: pre.querySelector("button[data-md-type='copy'], button.md-clipboard") !== null,
  }))
"""


def code_block_problems(blocks: list[dict]) -> list[str]:
    problems = []
    for block in blocks:
        if not block["highlighted"]:
            problems.append(f"code block {block['id']!r} is not highlighted")
        if block["language"] in ("python", "py") and block["tokens"] == 0:
            problems.append(f"Python block {block['id']!r} has no highlighted tokens")
        if not block["copy_button"]:
            problems.append(f"code block {block['id']!r} has no copy button")
    return problems


# Colours as the reader sees them: each colour composited over the backgrounds behind it.
READABILITY = r"""
() => {
  const parse = (css) => {
    const m = css.match(/rgba?\(([^)]+)\)/);
    if (!m) return null;
    const [r, g, b, a = 1] = m[1].split(/[\s,\/]+/).filter(Boolean).map(Number);
    return [r, g, b, a];
  };
  const over = (top, below) => top.slice(0, 3).map((v, i) => v * top[3] + below[i] * (1 - top[3]));
  const background = (el) => {
    const chain = [];
    for (let e = el; e; e = e.parentElement) chain.unshift(e);
    let bg = [255, 255, 255];
    for (const e of chain) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c) bg = over(c, bg);
    }
    return bg;
  };
  const luminance = (rgb) => {
    const [r, g, b] = rgb.map((v) => {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const contrast = (el, property) => {
    const bg = background(el);
    const ink = parse(getComputedStyle(el)[property]);
    if (!ink) return null;
    const fg = over(ink, bg);
    const [hi, lo] = [luminance(fg), luminance(bg)].sort((x, y) => y - x);
    const text = el.textContent.trim().slice(0, 40);
    const colour = getComputedStyle(el)[property];
    return { ratio: (hi + 0.05) / (lo + 0.05), fg: luminance(fg), text, colour };
  };
  const all = (selector, property, keep = () => true) =>
    [...document.querySelectorAll(selector)]
      .filter(keep)
      .map((el) => contrast(el, property))
      .filter(Boolean);
  // Figure text in the page's ink (currentColor) is measured against the page. Text in a colour
  // of its own may sit on a coloured patch or image of the figure: measured against the page
  // too, but only reported, since what is really behind it is not known here.
  const inked = (el) => getComputedStyle(el).fill === getComputedStyle(el.closest("svg")).color;
  return {
    scheme: document.body.getAttribute("data-md-color-scheme"),
    formulas: all(".md-content .katex-html", "color"),
    figure_text: all(".md-content .nnmath-figure svg text", "fill", inked),
    figure_text_coloured: all(".md-content .nnmath-figure svg text", "fill", (el) => !inked(el)),
    figure_axes: all(
      ".md-content .nnmath-figure svg "
        + ":is([stroke='currentColor'], [style*='stroke: currentColor'])",
      "stroke",
    ),
  };
}
"""


def readability(page) -> dict:
    """Contrast of formulas, figure text and figure axes against what is behind them.

    For each kind: how many, the lowest contrast ratio, the mean luminance of the ink, and
    the items below WCAG AA (4.5:1 for text, 3:1 for the axes, which are graphics).
    `figure_text_coloured` (text in a colour of its own) is for the report, not for asserting.
    """
    found = page.evaluate(READABILITY)
    summary = {"scheme": found["scheme"]}
    kinds = (
        ("formulas", 4.5),
        ("figure_text", 4.5),
        ("figure_axes", 3.0),
        ("figure_text_coloured", 4.5),
    )
    for kind, needed in kinds:
        values = found[kind]
        summary[kind] = {
            "count": len(values),
            "min_contrast": round(min((v["ratio"] for v in values), default=21.0), 2),
            "mean_luminance": sum(v["fg"] for v in values) / len(values)
            if values
            else None,
            "too_faint": [
                f"{v['text']!r} in {v['colour']}: {v['ratio']:.2f}:1"
                for v in values
                if v["ratio"] < needed
            ],
        }
    return summary


def load_and_check(browser, base: str, path: str, allow=None, **options):
    """Open one page in a fresh context and run the math and network checks.

    Returns (problems, math report, traffic): problems is empty for a page that works.
    """
    context, traffic = open_context(browser, base, allow, **options)
    page = watch(context.new_page(), traffic)
    page.goto(base + path)
    problems, report = check_math(page)
    page.wait_for_timeout(300)  # let late requests report
    problems += traffic.problems()
    context.close()
    return problems, report, traffic


# --------------------------------------------------------------------------- per-page visits


@dataclass
class PageVisit:
    """Everything the per-page tests assert, from one load of the page."""

    title: str
    path: str
    load_ms: float = 0.0  # navigation start to the end of the load event
    at_dcl: dict = field(default_factory=dict)  # the math at DOMContentLoaded
    layout_shift: float = 0.0  # sum of Chromium's layout-shift entries 1.5 s after load
    bytes: int = 0  # transferred, fonts and search index included
    math: dict = field(default_factory=dict)
    math_problems: list[str] = field(default_factory=list)
    code_blocks: int = 0
    code_problems: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    network_problems: list[str] = field(default_factory=list)
    axe: list[dict] = field(default_factory=list)
    readability: dict = field(default_factory=dict)


@pytest.fixture(scope="session")
def visits(browser, site):
    """Loads each nav page once, on demand, and keeps what was seen for the tests to assert.

    At the end of the session the results go to test-results/browser-pages.json.
    """
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    seen: dict[str, PageVisit] = {}

    def visit(title: str, path: str) -> PageVisit:
        if path in seen:
            return seen[path]
        record = PageVisit(title, path)
        context, traffic = open_context(browser, site.base)
        page = watch(context.new_page(), traffic)
        page.goto(site.base + path, wait_until="load")
        record.at_dcl = page.evaluate("() => window.__nnmathAtDCL")
        timing = "() => performance.getEntriesByType('navigation')[0].loadEventEnd"
        record.load_ms = round(page.evaluate(timing))
        # Late fonts, the search index, and any shift they cause.
        page.wait_for_timeout(1500)
        record.layout_shift = round(page.evaluate("() => window.__nnmathShift"), 4)
        record.bytes = traffic.bytes
        record.math_problems, record.math = check_math(page)
        record.readability = readability(page)
        blocks = page.evaluate(CODE_BLOCKS)
        record.code_blocks = len(blocks)
        record.code_problems = code_block_problems(blocks)
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
        page.wait_for_timeout(200)  # let late requests report
        record.requests = [url.removeprefix(site.base) for url in traffic.requests]
        record.network_problems = traffic.problems()
        context.close()
        seen[path] = record
        return record

    yield visit
    if seen:
        RESULTS.mkdir(exist_ok=True)
        summary = {
            "build_seconds": round(getattr(site, "build_seconds", 0), 1),
            "pages": [asdict(record) for record in seen.values()],
        }
        (RESULTS / "browser-pages.json").write_text(
            json.dumps(summary, indent=2), encoding="utf-8"
        )
