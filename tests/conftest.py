"""Shared test configuration.

pytest-markdown-docs runs each fence with pytest's output capture turned off, so
whatever a page prints (tables, inline SVG figures) would flood the test log. The
globals hook below gives every fence a ``print`` that writes into a buffer instead;
the fences' own ``assert`` statements are what the tests check.
"""

from __future__ import annotations

import builtins
import io

import pytest

from tests.support import ROOT, mkdocs_build


def _quiet_print(*args, file=None, **kwargs):
    if file is not None:  # an explicit file (e.g. sys.stderr) is respected
        builtins.print(*args, file=file, **kwargs)
    else:
        builtins.print(*args, file=io.StringIO(), **kwargs)


def pytest_markdown_docs_globals():
    return {"print": _quiet_print}


@pytest.fixture(scope="session")
def built_site(tmp_path_factory):
    """Build the whole site once per test session with ``mkdocs build --strict``.

    Returns the ``site/`` directory. The build runs every page's code, so it fails the
    tests (not only CI's build step) when a figure or an output cannot be produced.
    """
    site = tmp_path_factory.mktemp("site")
    result = mkdocs_build(ROOT / "mkdocs.yml", site)
    log = result.stdout + result.stderr
    assert result.returncode == 0, f"mkdocs build failed:\n{log[-4000:]}"
    assert "WARNING" not in log, f"mkdocs build printed a warning:\n{log[-4000:]}"
    return site
