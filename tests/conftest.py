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


def away_from_kink(rng, shape, margin):
    """Normal samples with every |x| >= margin, so ReLU's kink at 0 is never within h of a point."""
    import numpy as np

    x = rng.normal(size=shape)
    return np.where(np.abs(x) < margin, np.copysign(2 * margin, x), x)


@pytest.fixture
def rng(request):
    """A seeded ``np.random.Generator``; parametrize ``seed`` to vary it."""
    import numpy as np

    seed = getattr(request, "param", 0)
    return np.random.default_rng(seed)


def mkdocs_build(config, site, env=None, cwd=None):
    """Run ``mkdocs build --strict -f config -d site``; return the ``CompletedProcess``.

    ``cwd`` defaults to the folder of ``config``, where the build runs. ``env`` adds
    to the environment (e.g. ``PYTHONPATH`` to build against a modified copy of nnmath).
    """
    import os
    import subprocess
    import sys
    from pathlib import Path

    config = Path(config)
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "mkdocs",
            "build",
            "--strict",
            "-f",
            str(config),
            "-d",
            str(site),
        ],
        cwd=cwd or config.parent,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1", **(env or {})},
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.fixture(scope="session")
def built_site(tmp_path_factory):
    """Build the whole site once per test session with ``mkdocs build --strict``.

    Returns the ``site/`` directory. The build runs every page's code, so it fails the
    tests (not only CI's build step) when a figure or an output cannot be produced.
    """
    from pathlib import Path

    site = tmp_path_factory.mktemp("site")
    result = mkdocs_build(Path(__file__).resolve().parents[1] / "mkdocs.yml", site)
    log = result.stdout + result.stderr
    assert result.returncode == 0, f"mkdocs build failed:\n{log[-4000:]}"
    assert "WARNING" not in log, f"mkdocs build printed a warning:\n{log[-4000:]}"
    return site
