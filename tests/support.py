"""What the test modules share: the site build, serving and watching it in a browser,
sampling helpers, exact references, Hypothesis strategies and bad-input tables.

No test module imports another; what two of them need lives here.

Bad-input tables
----------------
Each ``tests/test_<module>.py`` ends with ``BAD_INPUT``, a dict from a public name of that
module (a function, a class, or ``Class.method``) to one-line rows::

    (what is wrong, a call that does it, a regular expression[, the exception])

The call raises a ``ValueError`` unless the row names another exception (``TypeError`` for
a wrong type, ``RuntimeError`` for calls in the wrong order), and exactly that class, not a
subclass. The expression names the argument and the shapes or values at fault
(``r"^x\\b.*\\(3, 1\\)"``), not the whole sentence: the sentence is the code's to word.
``test_bad_input = bad_input_test(BAD_INPUT)`` turns the table into one test per row,
and ``tests/test_api.py`` fails when a public name has no row in any table.
"""

from __future__ import annotations

import dataclasses
import functools
import gzip
import http.server
import inspect
import io
import json
import math
import os
import re
import shutil
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import numpy as np
import pytest
import yaml
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import nnmath
from nnmath_site.equations import Mark, Verification

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"

NAN, INF = float("nan"), float("inf")


# ---- the site --------------------------------------------------------------------------


def mkdocs_config():
    """mkdocs.yml as a dict (its ``!ENV`` and ``!!python/name`` tags read as None)."""

    class Loader(yaml.SafeLoader):
        pass

    Loader.add_multi_constructor("!", lambda loader, suffix, node: None)
    Loader.add_multi_constructor(
        "tag:yaml.org,2002:python/", lambda loader, suffix, node: None
    )
    return yaml.load((ROOT / "mkdocs.yml").read_text(encoding="utf8"), Loader=Loader)


def nav_pages():
    """The page files of mkdocs.yml's nav, in order (``index.md``, ``neuron.md``, ...)."""
    return [next(iter(item.values())) for item in mkdocs_config()["nav"]]


def project_copy(where: Path, seed_cache: bool = True) -> Path:
    """The project's files in ``where/project`` (node_modules linked, not copied).

    With ``seed_cache``, the copy keeps this tree's build/: the checks' record
    (verification.json, which the lines under the equations print), the parses and the
    execution cache filled by the session's build. The cache's inputs are paths relative
    to the project, so in the copy a fence replays exactly when the files it used are the
    same there, and an edit in the copy re-runs only what used the edited file."""
    copy = where / "project"
    skip = [".git", ".venv", "site", "node_modules", "__pycache__", ".hypothesis",
            "test-results", *([] if seed_cache else ["build"])]  # fmt: skip
    shutil.copytree(ROOT, copy, ignore=shutil.ignore_patterns(*skip))
    if (ROOT / "node_modules").is_dir():  # KaTeX, which the build needs (npm ci)
        (copy / "node_modules").symlink_to(
            ROOT / "node_modules", target_is_directory=True
        )
    return copy


def mkdocs_build(config, site, env=None, cwd=None):
    """Run ``mkdocs build --strict -f config -d site``; return the ``CompletedProcess``.

    ``cwd`` defaults to the folder of ``config``, where the build runs. ``env`` adds
    to the environment (e.g. ``PYTHONPATH`` to build against a modified copy of nnmath).
    """
    config = Path(config)
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict"]
        + ["-f", str(config), "-d", str(site)],
        cwd=cwd or config.parent,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1", **(env or {})},
        capture_output=True,
        text=True,
        timeout=600,
    )


# ---- the built site, served and watched in a browser -------------------------------------

# Text a static host (GitHub Pages) sends gzip-compressed; the browser tests count the bytes
# a reader downloads, so the test server compresses the same way.
COMPRESSED = (".html", ".css", ".js", ".json", ".svg", ".xml", ".map", ".txt")
BROWSER_JS = ROOT / "tests" / "browser" / "js"  # what the browser tests run in the page


class _Handler(http.server.SimpleHTTPRequestHandler):
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


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # the browser closing a connection early is not an error of the site


class SiteServer:
    """Serves ``directory`` on a free port of 127.0.0.1 from a background thread.

    ``base`` (ending with a slash) is known before anything is served, so a site can be
    built for its own address first and ``directory`` set afterwards.
    """

    def __init__(self):
        self.directory: Path | None = None
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


def nav_titles():
    """(title, URL path) of every page in mkdocs.yml's nav, in order; home is ``""``."""
    return [
        (title, "" if file == "index.md" else file.removesuffix(".md") + "/")
        for item in mkdocs_config()["nav"]
        for title, file in item.items()
    ]


def page_id(path: str) -> str:
    """A page's short name in test ids and groups: its URL path, ``home`` for the home page."""
    return path.strip("/") or "home"


def nav_ids():
    """The test id of every page of ``nav_titles()``, in the same order."""
    return [page_id(path) for _, path in nav_titles()]


# The hooks of mkdocs.yml, which a fixture site names again (its paths are relative), but
# for the equation marks (a fixture page's display equation has none:
# tests/equations/test_build.py builds sites with that hook).
FIXTURE_HOOKS = [
    Path(hook).name for hook in mkdocs_config()["hooks"] if "equations" not in hook
]


def write_fixture_site(directory, pages, site_url, hooks=DOCS / "hooks"):
    """A small site that inherits mkdocs.yml (theme, Markdown extensions, hooks, link checker).

    Only the pages differ: ``pages`` maps file names to Markdown, listed in the nav in
    order; ``hooks`` is the folder the hooks are taken from. Returns its configuration.
    """
    docs = Path(directory) / "docs"
    docs.mkdir(parents=True)
    shutil.copytree(DOCS / "stylesheets", docs / "stylesheets")
    for name, text in pages.items():
        (docs / name).write_text(text, encoding="utf-8")
    config = {
        "INHERIT": str(ROOT / "mkdocs.yml"),
        "site_name": "fixture",
        "site_url": site_url,
        "docs_dir": str(docs),
        "nav": [{name.removesuffix(".md"): name} for name in pages],
        # Paths in mkdocs.yml are relative to it: give them again, absolute.
        "hooks": [str(Path(hooks) / name) for name in FIXTURE_HOOKS],
        "watch": [],
    }
    path = Path(directory) / "mkdocs.yml"
    path.write_text(json.dumps(config, indent=2), encoding="utf-8")  # JSON is YAML
    return path


def unavailable(reason: str):
    """Skip a test whose tools are missing on a reader's machine; fail it in CI (the
    environment variable ``CI`` set, as ``.ci/run`` does), where it must run."""
    if os.environ.get("CI", "").lower() not in ("", "0", "false", "no"):
        pytest.fail(
            f"{reason} (CI is set, so the browser tests must run)", pytrace=False
        )
    pytest.skip(f"{reason}; set up as in .ci/run to run the browser tests")


@functools.cache
def js(name):
    """The JavaScript of ``tests/browser/js/<name>.js``, for ``page.evaluate`` or a script."""
    return (BROWSER_JS / f"{name}.js").read_text(encoding="utf-8")


@dataclasses.dataclass
class Traffic:
    """What a browser context asked of the network, and what went wrong, while watched."""

    requests: list[str] = dataclasses.field(default_factory=list)
    external: list[str] = dataclasses.field(default_factory=list)
    failed: list[str] = dataclasses.field(default_factory=list)
    cancelled: list[str] = dataclasses.field(default_factory=list)
    console_errors: list[str] = dataclasses.field(default_factory=list)
    finished: list = dataclasses.field(default_factory=list, repr=False)

    def transferred(self) -> int:
        """Bytes of the finished responses so far, headers and (compressed) bodies.

        Asked of the browser only here, while the context is open, not for every request.
        """
        return sum(
            sizes["responseBodySize"] + sizes["responseHeadersSize"]
            for sizes in (request.sizes() for request in self.finished)
        )

    def problems(self, moved_on=False) -> list[str]:
        """Everything that went wrong. With ``moved_on`` (the test left each page before
        it finished loading), requests the browser cancelled on leaving are not counted."""
        return (
            [f"request leaving 127.0.0.1: {url}" for url in self.external]
            + [f"failed request: {entry}" for entry in self.failed]
            + [
                f"cancelled request: {entry}"
                for entry in self.cancelled
                if not moved_on
            ]
            + [f"console error: {text}" for text in self.console_errors]
        )


def watch(context, base) -> Traffic:
    """Watch a browser context: every page of it runs ``js/probes.js`` first, requests
    outside ``base`` are aborted and recorded, and its requests, their sizes, failures,
    HTTP and console errors are kept in the ``Traffic`` returned."""
    traffic = Traffic()
    context.add_init_script(js("probes"))

    def outside(route):
        traffic.external.append(route.request.url)
        route.abort()

    def failed(request):
        if request.url in traffic.external:
            return  # aborted by the route above: reported as external
        entry = f"{request.url} ({request.failure})"
        if request.failure == "net::ERR_ABORTED":
            traffic.cancelled.append(entry)  # by the page, or by leaving it
        else:
            traffic.failed.append(entry)

    def responded(response):
        if response.status >= 400:
            traffic.failed.append(f"{response.url} (HTTP {response.status})")

    def console(message):
        if message.type == "error":
            traffic.console_errors.append(message.text)

    # Matched by the browser, so only requests that leave the site come to Python.
    leaving = re.compile(rf"^(?!{re.escape(base)}|data:)")
    context.route(leaving, outside)
    context.on("request", lambda request: traffic.requests.append(request.url))
    context.on("requestfinished", lambda request: traffic.finished.append(request))
    context.on("requestfailed", failed)
    context.on("response", responded)
    context.on("console", console)
    context.on(
        "weberror", lambda e: traffic.console_errors.append(f"uncaught: {e.error}")
    )
    return traffic


def math_problems(report):
    """What is wrong with the math of a page, from ``js/math_report.js``'s report."""
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


def check_math(page):
    """The math of the current page as it stands (nothing is waited for): (problems, report)."""
    report = page.evaluate(js("math_report"))
    return math_problems(report), report


def code_block_problems(page):
    """(problems, number of blocks) of the page's code blocks: each highlighted, Python
    with highlighted tokens, each with a copy button."""
    blocks = page.evaluate(js("code_blocks"))
    problems = []
    for block in blocks:
        if not block["highlighted"]:
            problems.append(f"code block {block['id']!r} is not highlighted")
        if block["language"] in ("python", "py") and block["tokens"] == 0:
            problems.append(f"Python block {block['id']!r} has no highlighted tokens")
        if not block["copy_button"]:
            problems.append(f"code block {block['id']!r} has no copy button")
    return problems, len(blocks)


# WCAG AA: 4.5:1 for text (formulas, figure labels), 3:1 for graphics (axes).
CONTRAST_NEEDED = {
    "formulas": 4.5,
    "figure_text": 4.5,
    "figure_axes": 3.0,
    "figure_text_coloured": 4.5,
}


def readability(page):
    """Contrast of formulas, figure text and figure axes against what is behind them.

    For each kind: how many, the lowest contrast ratio, the mean luminance of the ink, and
    the items below ``CONTRAST_NEEDED``. ``figure_text_coloured`` (text in a colour of its
    own, which may sit on a coloured patch) is for the report, not for asserting.
    """
    found = page.evaluate(js("readability"))
    summary = {"scheme": found["scheme"]}
    for kind, needed in CONTRAST_NEEDED.items():
        values = found[kind]
        summary[kind] = {
            "count": len(values),
            "min_contrast": round(min((v["ratio"] for v in values), default=21.0), 2),
            "mean_luminance": (
                sum(v["fg"] for v in values) / len(values) if values else None
            ),
            "too_faint": [
                f"{v['text']!r} in {v['colour']}: {v['ratio']:.2f}:1"
                for v in values
                if v["ratio"] < needed
            ],
        }
    return summary


# ---- sampling --------------------------------------------------------------------------


def away_from_kink(rng, shape, margin):
    """Normal samples with every |x| >= margin, so ReLU's kink at 0 is never within h of a point."""
    x = rng.normal(size=shape)
    return np.where(np.abs(x) < margin, np.copysign(2 * margin, x), x)


# ---- exact references -------------------------------------------------------------------

# (B, n, k) of a product (B, n) @ (n, k): single entries, a row, a column, an outer product,
# rectangular and square.
PRODUCT_SHAPES = [
    (1, 1, 1),
    (1, 5, 1),
    (4, 1, 3),
    (5, 1, 1),
    (3, 4, 2),
    (6, 6, 6),
    (8, 13, 5),
]


def fsum_product(A, B):
    """(AB)_ij = sum_p A_ip B_pj, each sum taken exactly-rounded with math.fsum."""
    m, n = A.shape
    k = B.shape[1]
    return np.array(
        [
            [math.fsum(A[i, p] * B[p, j] for p in range(n)) for j in range(k)]
            for i in range(m)
        ]
    )


# ---- Hypothesis: settings and strategies ---------------------------------------------

# A fixed number of examples, no deadline, derandomized: a run is fast and reproducible.
SETTINGS = settings(max_examples=50, deadline=None, derandomize=True, database=None)
DTYPES = [np.float32, np.float64]

# "However large" means the whole float range for functions built on exp and log (the
# activations, softmax, log_softmax, cross_entropy). Where the exact result itself can leave
# the float range, inputs stay below the magnitude at which that happens:
# - PRODUCT_BOUND: a product of two inputs, summed a few times (mse, linear, neuron, Adam's g**2);
# - BATCH_BOUND: softmax_cross_entropy sums one loss of up to |logit gap| per row over the batch.
PRODUCT_BOUND = {np.float32: 1e17, np.float64: 1e150}
BATCH_BOUND = {np.float32: 1e37, np.float64: 1e300}


def finite(dtype, bound=None):
    """Finite floats of ``dtype``, from the whole range unless ``bound`` is given."""
    width = 32 if dtype == np.float32 else 64
    # the bound as the dtype represents it
    bound = float(np.finfo(dtype).max) if bound is None else float(dtype(bound))
    return st.floats(-bound, bound, allow_nan=False, allow_infinity=False, width=width)


def arrays(dtype, shape, bound=None):
    return hnp.arrays(dtype, shape, elements=finite(dtype, bound))


def shapes(min_dims=1, max_dims=2, max_side=6):
    return hnp.array_shapes(
        min_dims=min_dims, max_dims=max_dims, min_side=1, max_side=max_side
    )


def targets(data, shape, dtype=np.float64, soft=None):
    """One-hot or soft target rows (each row a distribution) of ``shape``."""
    if soft is None:
        soft = data.draw(st.booleans(), label="soft")
    classes = shape[-1]
    rows = int(np.prod(shape[:-1]))
    if soft:
        w = data.draw(
            hnp.arrays(np.float64, (rows, classes), elements=st.floats(0.0, 1.0)),
            label="w",
        )
        w[:, 0] += 1e-3  # no all-zero row
        y = w / w.sum(axis=1, keepdims=True)
    else:
        labels = data.draw(
            st.lists(st.integers(0, classes - 1), min_size=rows, max_size=rows),
            label="labels",
        )
        y = np.eye(classes)[labels]
    return y.reshape(shape).astype(dtype)


def eps(dtype):
    return float(np.finfo(dtype).eps)


# ---- the public API --------------------------------------------------------------------


def public_callables(constructors=False):
    """(name, object) of each name of ``nnmath.__all__`` and ``(Class.method, function)``
    of each public method; with ``constructors``, each class's ``Class.__init__`` too."""
    for name in nnmath.__all__:
        obj = getattr(nnmath, name)
        yield name, obj
        if inspect.isclass(obj):
            for method, function in inspect.getmembers(obj, inspect.isfunction):
                if not method.startswith("_") or (
                    constructors and method == "__init__"
                ):
                    yield f"{name}.{method}", function


def public_names():
    """Every name of ``nnmath.__all__``, and ``Class.method`` for each public method."""
    return {name for name, _ in public_callables()}


# ---- bad-input tables ------------------------------------------------------------------


class args:
    """The arguments of a row's call of the public function it is listed under."""

    def __init__(self, *args, **kwargs):
        self.args, self.kwargs = args, kwargs


def _call(name, call):
    if isinstance(call, args):
        f = getattr(nnmath, name)
        return lambda: f(*call.args, **call.kwargs)
    return call


def bad_input_test(table):
    """One test per row of ``table`` (see the module docstring); assign it to ``test_bad_input``.

    A row's call is either ``args(...)``, the arguments for the function or class it is
    listed under, or a function of no arguments (a method call, a sequence of calls).
    """
    assert all(table.values()), "every name of a table needs at least one row"
    rows = [
        pytest.param(
            _call(name, call), *(rest or [ValueError]), match, id=f"{name}: {what}"
        )
        for name, cases in table.items()
        for what, call, match, *rest in cases
    ]

    @pytest.mark.parametrize("call, exc, match", rows)
    def test_bad_input(call, exc, match):
        with pytest.raises(exc, match=match) as info:
            call()
        assert type(info.value) is exc  # not a subclass that would hide another failure

    return test_bad_input


def non_finite(call, match, where=""):
    """Rows for NaN, +inf and -inf: ``call(value)`` must raise a ValueError matching ``match``."""
    return [
        (f"{where}{what} refused", lambda v=v: call(v), match)
        for what, v in (("NaN", NAN), ("+inf", INF), ("-inf", -INF))
    ]


def shape_rx(name, shape):
    """A regex for ``name.shape=(3, 1)`` as the messages print it."""
    return f"{name}\\.shape=" + str(tuple(shape)).replace("(", r"\(").replace(
        ")", r"\)"
    )


def arr(*values):
    """``np.array(values)``: a 1-D array, short enough for a table row."""
    return np.array(values)


def ones(*shape, dtype=np.float64):
    return np.ones(shape, dtype)


def zeros(*shape, dtype=np.float64):
    return np.zeros(shape, dtype)


def gen(seed=0):
    """A fresh seeded generator, for the calls of a table (each row gets its own)."""
    return np.random.default_rng(seed)


V3 = np.array([0.2, 0.3, 0.5])
COL3 = V3.reshape(3, 1)
ONE_HOT = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
LOGITS = np.array([[1.0, 2.0, 0.5], [0.1, -1.0, 3.0]])


def dense(n_in=3, n_out=4, activation="relu", dtype=np.float64):
    return nnmath.Dense(n_in, n_out, activation, gen(), dtype=dtype)


def forwarded(layer, batch=2):
    """``layer`` after one forward pass on a (batch, in_features) input of its dtype."""
    layer.forward(np.ones((batch, layer.weights.shape[0]), layer.weights.dtype))
    return layer


def model():
    """A small network: Dense(3, 4, relu), Dense(4, 2) with no activation."""
    return nnmath.Sequential([dense(3, 4), dense(4, 2, None)])


def replaced(obj, **attributes):
    """``obj`` with its attributes reassigned (a layer's parameters after construction)."""
    for name, value in attributes.items():
        setattr(obj, name, value)
    return obj


def read_only(n):
    a = np.ones(n)
    a.flags.writeable = False
    return a


# ---- the equations package (tests/equations/) --------------------------------------------


def write(root: Path, files: dict[str, str]) -> Path:
    """Write ``files`` (path under ``root`` -> text, dedented) under ``root``; return it."""
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return root


def mark(ident, code=(), reason=None, where="page.md"):
    """A page's ``% eq:`` mark: verified with ``code``, explanatory with ``reason``."""
    return Mark(ident, tuple(code), reason, where)


def verified_by(*ids, by="finite differences", test="tests/test_x.py::test_x"):
    """A test's ``@pytest.mark.verifies(*ids, by=by)``."""
    return Verification(test, ids, by, 1)
