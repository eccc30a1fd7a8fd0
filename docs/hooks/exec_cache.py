"""MkDocs hook: the pages' code runs again only when it, or what it used, changed.

markdown-exec runs the ``exec="on"`` fences; this hook puts nnmath_site/exec_cache.py
between it and its Python runner (the cache, its keys and what it tracks are described
there). ``NNMATH_EXEC_CACHE=fresh`` runs everything (the default with ``CI`` set).
"""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

from markdown_exec import (
    ExecutionError,
    base_format,
    console_width,
    formatters,
    working_directory,
)
from markupsafe import Markup
from mkdocs.exceptions import PluginError

try:  # markdown-exec's own runner: namespaces, sessions, tracebacks (not public API)
    from markdown_exec._internal.formatters.python import _run_python
except (
    ImportError
) as error:  # pragma: no cover - only with a markdown-exec that moved it
    raise PluginError(
        "docs/hooks/exec_cache.py: this markdown-exec has no "
        "markdown_exec._internal.formatters.python._run_python; update the hook "
        f"or pin markdown-exec ({error})"
    ) from None

from nnmath_site import exec_cache

log = logging.getLogger("mkdocs.hooks.exec_cache")
_state: dict[str, exec_cache.ExecCache] = {}


def _run(code, returncode=0, session=None, id="", interactive=False, **extra):  # noqa: A002
    options = {"returncode": returncode, "id": id, "interactive": interactive, **extra}
    return _state["cache"].run(_run_python, code, session, **options)


# mkdocs serve: a fence's HTML, by its output and options, kept from one rebuild to the next
# (rendering an output is a Markdown conversion of its own, ~5 ms a fence)
_html: dict[str, Markup] = {}
# A heading in an output goes into the page's table of contents as the HTML is made: not
# kept. (Everything else is the same for the same output: markdown-exec renders each
# output with a Markdown instance of its own.)
_NOT_KEPT = re.compile(r"<h[1-6][\s>]")


def _format_python(*, interactive=False, **kwargs):
    """markdown-exec's python formatter, with the cached runner, and the rendered HTML kept
    in this process for an output seen before."""
    try:
        with (
            working_directory(kwargs.get("workdir")),
            console_width(kwargs.get("width")),
        ):
            output = _run(
                kwargs["code"],
                returncode=kwargs.get("returncode", 0),
                session=kwargs.get("session"),
                id=kwargs.get("id", ""),
                interactive=interactive,
                **kwargs.get("extra", {}),
            )
    except ExecutionError as error:  # markdown-exec reports it (a warning) and shows it
        failure = error

        def run(*args, **options):
            raise failure

        return base_format(
            language="python", run=run, interactive=interactive, **kwargs
        )
    options = {name: value for name, value in kwargs.items() if name != "md"}
    key = json.dumps([output, interactive, options], sort_keys=True, default=repr)
    if key in _html:
        return _html[key]
    html = base_format(
        language="python", run=lambda *a, **k: output, interactive=interactive, **kwargs
    )
    if not _NOT_KEPT.search(html):
        _html[key] = html
    return html


def on_config(config):
    formatters["python"] = _format_python
    return config


def on_pre_build(config):
    # the project is the folder of mkdocs.yml: its files are the inputs that are tracked
    _state["cache"] = exec_cache.ExecCache(root=Path(config.config_file_path).parent)
    exec_cache._current[:] = [_state["cache"]]


def on_page_markdown(markdown, page, config, files):
    _state["cache"].start_page(page.file.src_uri)
    return markdown


def on_post_build(config):
    cache = _state["cache"]
    exec_cache._current.clear()
    cache.write_report()
    ran = {page: len(r["ran"]) for page, r in cache.report.items() if r["ran"]}
    replayed = sum(len(r["replayed"]) for r in cache.report.values())
    pages = ", ".join(f"{page} ({n})" for page, n in sorted(ran.items())) or "none"
    state = cache.mode
    memos = "; ".join(
        f"{n}: {c[1]} run, {c[0]} replayed" for n, c in cache.memos.items()
    )
    log.info(
        f"exec cache {state}: {sum(ran.values())} fence(s) ran, {replayed} replayed; "
        f"ran: {pages}" + (f"; {memos}" if memos else "")
    )
