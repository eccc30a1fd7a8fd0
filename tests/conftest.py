"""Shared test configuration.

pytest-markdown-docs runs each fence with pytest's output capture turned off, so
whatever a page prints (tables, inline SVG figures) would flood the test log. The
globals hook below gives every fence a ``print`` that writes into a buffer instead;
the fences' own ``assert`` statements are what the tests check.
"""

from __future__ import annotations

import builtins
import io
import time

import pytest

from tests.support import ROOT, SiteServer, mkdocs_build


def _quiet_print(*args, file=None, **kwargs):
    if file is not None:  # an explicit file (e.g. sys.stderr) is respected
        builtins.print(*args, file=file, **kwargs)
    else:
        builtins.print(*args, file=io.StringIO(), **kwargs)


def pytest_markdown_docs_globals():
    return {"print": _quiet_print}


@pytest.fixture(scope="session")
def site_server():
    """A server on a free port of 127.0.0.1 for the session's build of the site."""
    server = SiteServer()
    yield server
    server.close()


@pytest.fixture(scope="session")
def built_site(tmp_path_factory, site_server):
    """Build the whole site once per test session with ``mkdocs build --strict``.

    Returns the ``site/`` directory, which ``site_server`` serves: the site is built for
    the server's address (Material's instant navigation only takes over links to pages
    in the sitemap, which holds full URLs). The build runs every page's code, so it fails
    the tests (not only CI's build step) when a figure or an output cannot be produced.
    """
    site = tmp_path_factory.mktemp("built") / "site"
    started = time.perf_counter()
    result = mkdocs_build(ROOT / "mkdocs.yml", site, {"SITE_URL": site_server.base})
    log = result.stdout + result.stderr
    assert result.returncode == 0, f"mkdocs build failed:\n{log[-4000:]}"
    assert "WARNING" not in log, f"mkdocs build printed a warning:\n{log[-4000:]}"
    site_server.directory = site
    site_server.build_seconds = time.perf_counter() - started
    return site
