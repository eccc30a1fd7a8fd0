"""Shared test configuration.

pytest-markdown-docs runs each fence with pytest's output capture turned off, so
whatever a page prints (tables, inline SVG figures) would flood the test log. The
globals hook below gives every fence a ``print`` that writes into a buffer instead;
the fences' own ``assert`` statements are what the tests check.
"""

from __future__ import annotations

import builtins
import dataclasses
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from filelock import FileLock

from nnmath_site.math import MathSetupError, katex_version
from tests.support import ROOT, SiteServer, unavailable


def _quiet_print(*args, file=None, **kwargs):
    if file is not None:  # an explicit file (e.g. sys.stderr) is respected
        builtins.print(*args, file=file, **kwargs)
    else:
        builtins.print(*args, file=io.StringIO(), **kwargs)


def pytest_markdown_docs_globals():
    return {"print": _quiet_print}


# ---- one build of the site per run, served by one server ---------------------------------
# With pytest-xdist (pyproject's addopts) the tests run in worker processes. The site is
# built once per run, by the first worker that needs it (a file lock), into a folder the
# controller made; the controller serves that folder for the whole run, at one address
# the site is built for. Without xdist the single process plays both parts.

_SHARED = "NNMATH_TEST_SITE"  # the environment variable that tells workers where
_builders: list[subprocess.Popen] = []  # the site's build, if this process started it


def _worker(config) -> bool:
    return hasattr(config, "workerinput")


def pytest_configure(config):
    if _worker(config):
        return  # the controller serves; a pytest run inside a test serves its own
    folder = Path(tempfile.mkdtemp(prefix="nnmath-test-site-"))
    server = SiteServer()
    server.directory = folder / "site"
    os.environ[_SHARED] = json.dumps({"base": server.base, "folder": str(folder)})
    config.stash[_server_key] = (server, folder)


def pytest_unconfigure(config):
    for builder in _builders:
        if not _worker(config):
            builder.terminate()  # nobody else is waiting for it
        builder.wait()  # a worker: another worker may still wait for it
    if _server_key in config.stash:
        server, folder = config.stash[_server_key]
        server.close()
        pid = folder / "build.pid"
        if pid.is_file() and _alive(
            int(pid.read_text())
        ):  # the run ended before the build
            os.kill(int(pid.read_text()), signal.SIGTERM)
        shutil.rmtree(folder, ignore_errors=True)
        os.environ.pop(_SHARED, None)


_server_key = pytest.StashKey[tuple]()


@dataclasses.dataclass
class SharedSite:
    """The run's site: its address, its folder, and how long its build took."""

    base: str
    directory: Path
    build_seconds: float = 0.0


@pytest.fixture(scope="session")
def site_server() -> SharedSite:
    """Where the run's site is served (``base``) and built (``directory``)."""
    shared = json.loads(os.environ[_SHARED])
    return SharedSite(shared["base"], Path(shared["folder"]) / "site")


# The build runs in the background from the start of the run (the first worker that
# collects a test needing the site starts it), while the workers run the other tests: those
# that need the site are moved to the end of the collection.
_NEEDS_SITE = {"built_site", "site", "visits"}
_BUILD = """
import json, os, subprocess, sys, time
config, site, record, base = sys.argv[1:]
started = time.perf_counter()
done = subprocess.run(
    [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", config, "-d", site],
    cwd=os.path.dirname(config), capture_output=True, text=True,
    env={**os.environ, "NO_MKDOCS_2_WARNING": "1", "SITE_URL": base},
)
log = done.stdout + done.stderr
with open(record + ".tmp", "w") as file:
    json.dump({"returncode": done.returncode, "warned": "WARNING" in log,
               "log": log[-4000:], "seconds": time.perf_counter() - started}, file)
os.replace(record + ".tmp", record)
"""


def _needs_site(item) -> bool:
    return bool(_NEEDS_SITE & set(getattr(item, "fixturenames", ())))


@pytest.hookimpl(trylast=True)  # after -k and -m have deselected
def pytest_collection_modifyitems(session, config, items):
    needing = [item for item in items if _needs_site(item)]
    if not needing:
        return
    items[:] = [item for item in items if not _needs_site(item)] + needing
    if _katex_missing():
        return  # built_site skips (or fails, with CI set) saying so
    shared = json.loads(os.environ[_SHARED])
    folder = Path(shared["folder"])
    with FileLock(str(folder / "build.lock")):
        if (folder / "build.started").exists():
            return  # another worker started it
        (folder / "build.started").touch()
    builder = subprocess.Popen(
        [sys.executable, "-c", _BUILD, str(ROOT / "mkdocs.yml"), str(folder / "site"),
         str(folder / "build.json"), shared["base"]],
    )  # fmt: skip
    (folder / "build.pid").write_text(
        str(builder.pid)
    )  # the controller stops it at the end


def _katex_missing() -> str | None:
    """Why the site cannot be built here (no ``npm ci``), or None."""
    try:
        katex_version(ROOT)
    except MathSetupError as error:
        return str(error)
    return None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    return True


@pytest.fixture(scope="session")
def node_modules():
    """node_modules after `npm ci`: KaTeX, which the build runs to typeset the math."""
    missing = _katex_missing()
    if missing:
        unavailable(missing)
    return ROOT / "node_modules"


@pytest.fixture(scope="session")
def built_site(site_server):
    """The whole site, built once per test run with ``mkdocs build --strict``.

    Returns the ``site/`` directory, which ``site_server`` serves: the site is built for
    the server's address (Material's instant navigation only takes over links to pages
    in the sitemap, which holds full URLs). The build runs every page's code, so it fails
    the tests (not only CI's build step) when a figure or an output cannot be produced.
    It started in the background at collection; this waits for its record.
    """
    missing = _katex_missing()
    if missing:
        unavailable(missing)
    record = site_server.directory.with_name("build.json")
    pid = site_server.directory.with_name("build.pid")
    while not record.is_file():
        if pid.is_file() and not _alive(int(pid.read_text())) and not record.is_file():
            pytest.fail("the site's build stopped without a record")
        time.sleep(0.2)
    for builder in _builders:  # started here: reap it (it wrote its record and ends)
        builder.wait(timeout=60)
    built = json.loads(record.read_text())
    assert built["returncode"] == 0, f"mkdocs build failed:\n{built['log']}"
    assert not built["warned"], f"mkdocs build printed a warning:\n{built['log']}"
    site_server.build_seconds = built["seconds"]
    return site_server.directory
