"""Browser tests: the built site, served on 127.0.0.1, in Debian's Chromium driven by Playwright.

The site is built once per session with ``mkdocs build --strict``, self-contained (MathJax and
Mermaid copied from ``node_modules`` by ``docs/hooks/vendored.py``), and served by a small
standard-library HTTP server on a free port of 127.0.0.1. Every request that would leave
127.0.0.1 is aborted and recorded, so a test can assert that none was made.

Without Chromium, Playwright or ``npm ci`` these tests skip and say what is missing; when the
environment variable ``CI`` is set (as ``.ci/run`` does) they fail instead, so CI cannot pass
with the browser tests silently skipped.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.conftest import mkdocs_build as shared_mkdocs_build

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
TYPESET_TIMEOUT_MS = 20_000


def _load_hook():
    """docs/hooks/vendored.py, the module that wires MathJax and Mermaid into the site."""
    spec = importlib.util.spec_from_file_location(
        "nnmath_vendored_hook", ROOT / "docs/hooks/vendored.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # as MkDocs does: dataclasses look their module up
    spec.loader.exec_module(module)
    return module


hook = _load_hook()


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


def missing_node_modules() -> str | None:
    absent = [
        item.package
        for item in hook.VENDORED
        if not (hook.NODE_MODULES / item.package).is_dir()
    ]
    if absent:
        return f"node_modules lacks {', '.join(absent)} (run `npm ci`)"
    return None


@pytest.fixture(scope="session")
def node_modules():
    """node_modules after `npm ci`: the official MathJax and Mermaid packages."""
    reason = missing_node_modules()
    if reason:
        unavailable(reason)
    return hook.NODE_MODULES


# --------------------------------------------------------------------------- building sites


def mkdocs_build(
    config: Path, site: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    """Run `mkdocs build --strict` from the repository root (snippets resolve from there)."""
    return shared_mkdocs_build(config, site, env, cwd=ROOT)


def write_fixture_site(directory: Path, pages: dict[str, str], site_url: str) -> Path:
    """A small site that inherits mkdocs.yml (theme, Markdown extensions, hook, link checker).

    Only the pages differ: `pages` maps file names to Markdown, listed in the nav in order.
    Returns the path of its configuration file.
    """
    docs = directory / "docs"
    docs.mkdir(parents=True)
    for asset in ("javascripts", "stylesheets"):
        shutil.copytree(ROOT / "docs" / asset, docs / asset)
    for name, text in pages.items():
        (docs / name).write_text(text, encoding="utf-8")
    config = {
        "INHERIT": str(ROOT / "mkdocs.yml"),
        "site_name": "fixture",
        "site_url": site_url,
        "docs_dir": str(docs),
        "nav": [{name.removesuffix(".md"): name} for name in pages],
        # Paths in mkdocs.yml are relative to it: give them again, absolute.
        "hooks": [
            str(ROOT / "docs/hooks" / name)
            for name in ("vendored.py", "fresh_package.py")
        ],
        "theme": {"custom_dir": str(ROOT / "docs/overrides")},
        "watch": [],
    }
    path = directory / "mkdocs.yml"
    path.write_text(json.dumps(config, indent=2), encoding="utf-8")  # JSON is YAML
    return path


# --------------------------------------------------------------------------- serving


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


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
        return _QuietHandler(*args, directory=str(self.directory), **kwargs)

    def close(self):
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


@pytest.fixture(scope="session")
def site(tmp_path_factory, node_modules):
    """The real site, built self-contained and served: returns the server (`.base`, `.directory`).

    The port is chosen first because the site's URL must match it: Material's instant
    navigation only takes over links to pages listed in the sitemap, which holds full URLs.
    """
    server = SiteServer()
    directory = tmp_path_factory.mktemp("browser-site") / "site"
    started = time.perf_counter()
    result = mkdocs_build(
        ROOT / "mkdocs.yml",
        directory,
        {"SITE_URL": server.base, hook.MODE_VARIABLE: "local"},
    )
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
    from tests.test_docs import nav_pages as nav_files

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

    def problems(self) -> list[str]:
        return (
            [f"request leaving 127.0.0.1: {url}" for url in self.external]
            + [f"failed request: {entry}" for entry in self.failed]
            + [f"console error: {text}" for text in self.console_errors]
        )


def open_context(browser, base: str, allow=None, **options):
    """A fresh browser context whose requests outside `base` are aborted and recorded.

    `allow(route)` may answer a request outside `base` itself (it returns True when it did).
    Returns (context, traffic).
    """
    traffic = Traffic(base)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, **options)

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
    """Record the page's requests, failed requests, HTTP errors and console errors."""
    page.on("request", lambda request: traffic.requests.append(request.url))

    def failed(request):
        if (
            request.url not in traffic.external
        ):  # aborted by open_context, reported as external
            traffic.failed.append(f"{request.url} ({request.failure})")

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


# --------------------------------------------------------------------------- typesetting

# Resolves once MathJax has typeset every formula of the current content, or says why not.
WAIT_FOR_TYPESET = """
async (timeout) => {
  const deadline = performance.now() + timeout;
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  while (!(window.MathJax && MathJax.startup && MathJax.startup.promise)) {
    if (performance.now() > deadline) return "MathJax did not start";
    await sleep(20);
  }
  const settled = await Promise.race([
    MathJax.startup.promise.then(() => null, (error) => `MathJax failed: ${error}`),
    sleep(Math.max(0, deadline - performance.now())).then(() => "MathJax did not finish"),
  ]);
  if (settled) return settled;
  const pending = () => [...document.querySelectorAll(".md-content .arithmatex")]
    .filter((el) => !el.querySelector("mjx-container")).length;
  while (pending() > 0) {
    if (performance.now() > deadline) return `${pending()} formulas never typeset`;
    await sleep(20);
  }
  return null;
}
"""

# Counts and errors of the typeset math, and any TeX left visible outside code.
MATH_REPORT = r"""
() => {
  const content = document.querySelector(".md-content");
  const spans = [...content.querySelectorAll(".arithmatex")];
  const report = {
    arithmatex: spans.length,
    containers: content.querySelectorAll("mjx-container").length,
    untypeset: spans.filter((el) => el.querySelectorAll("mjx-container").length !== 1)
      .map((el) => el.textContent.trim().slice(0, 120)),
    merror: [...content.querySelectorAll("mjx-merror")]
      .map((el) => el.getAttribute("data-mjx-error") || "merror"),
    red_macros: [],
    raw_tex: [],
  };
  // Undefined macros are shown as their name in red (MathJax's noundefined extension).
  if (window.MathJax && MathJax.startup && MathJax.startup.document) {
    for (const item of MathJax.startup.document.math) {
      let mml = "";
      try {
        mml = MathJax.startup.toMML(item.root);
      } catch (error) {
        report.merror.push(`unfinished (${error}) in ${item.math.slice(0, 80)}`);
      }
      for (const match of mml.matchAll(/<mtext mathcolor="red">([^<]*)<\/mtext>/g)) {
        report.red_macros.push(`${match[1]} in ${item.math.slice(0, 80)}`);
      }
      if (mml.includes("<merror")) report.merror.push(`merror in ${item.math.slice(0, 80)}`);
    }
  }
  const text = content.cloneNode(true);
  text.querySelectorAll("pre, code, mjx-container, script, style, svg, .mermaid")
    .forEach((el) => el.remove());
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
    if report["containers"] != report["arithmatex"]:
        problems.append(
            f"{report['containers']} MathJax containers for {report['arithmatex']} formulas"
        )
    problems += [f"not typeset: {tex}" for tex in report["untypeset"]]
    problems += [f"MathJax error: {text}" for text in report["merror"]]
    problems += [f"undefined macro: {text}" for text in report["red_macros"]]
    problems += [f"raw TeX visible: ...{text}..." for text in report["raw_tex"]]
    return problems


def typeset(page, timeout_ms: int = TYPESET_TIMEOUT_MS) -> tuple[list[str], dict]:
    """Wait for MathJax on the current page; return (problems, report)."""
    waited = page.evaluate(WAIT_FOR_TYPESET, timeout_ms)
    report = page.evaluate(MATH_REPORT)
    return ([waited] if waited else []) + math_problems(report), report


def expected_diagrams(site_dir: Path, path: str) -> int:
    html = (site_dir / path / "index.html").read_text(encoding="utf-8")
    return html.count('<pre class="mermaid">')


def wait_for_diagrams(page, count: int) -> list[str]:
    """Material replaces each `pre.mermaid` by a `div.mermaid` holding the drawing."""
    if count == 0:
        return []
    try:
        page.wait_for_function(
            "n => document.querySelectorAll('.md-content div.mermaid').length === n",
            arg=count,
            timeout=20_000,
        )
    except Exception:
        drawn = page.evaluate(
            "() => document.querySelectorAll('.md-content div.mermaid').length"
        )
        return [f"{drawn} of {count} Mermaid diagrams drawn"]
    heights = page.evaluate(
        "() => [...document.querySelectorAll('.md-content div.mermaid')].map(e => e.offsetHeight)"
    )
    return [f"an empty Mermaid diagram (height {h}px)" for h in heights if h < 40]


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
    formulas: all(".md-content mjx-container", "color"),
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


def load_and_check(
    browser,
    base: str,
    path: str,
    allow=None,
    diagrams: int = 0,
    timeout_ms: int = 8_000,
):
    """Open one page in a fresh context and run the checks every page must pass.

    Returns (problems, math report, traffic): problems is empty for a page that works.
    """
    context, traffic = open_context(browser, base, allow)
    page = watch(context.new_page(), traffic)
    page.goto(base + path)
    problems, report = typeset(page, timeout_ms)
    problems += wait_for_diagrams(page, diagrams)
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
    typeset_ms: float = 0.0
    math: dict = field(default_factory=dict)
    math_problems: list[str] = field(default_factory=list)
    diagram_problems: list[str] = field(default_factory=list)
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
        started = time.perf_counter()
        page.goto(site.base + path)
        record.math_problems, record.math = typeset(page)
        record.typeset_ms = round((time.perf_counter() - started) * 1000)
        record.diagram_problems = wait_for_diagrams(
            page, expected_diagrams(site.directory, path)
        )
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
        page.wait_for_timeout(200)  # let late requests (fonts, search index) report
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
