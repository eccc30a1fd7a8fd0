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


def _quiet_print(*args, file=None, **kwargs):
    if file is not None:  # an explicit file (e.g. sys.stderr) is respected
        builtins.print(*args, file=file, **kwargs)
    else:
        builtins.print(*args, file=io.StringIO(), **kwargs)


def pytest_markdown_docs_globals():
    return {"print": _quiet_print}


@pytest.fixture
def rng(request):
    """A seeded ``np.random.Generator``; parametrize ``seed`` to vary it."""
    import numpy as np

    seed = getattr(request, "param", 0)
    return np.random.default_rng(seed)
