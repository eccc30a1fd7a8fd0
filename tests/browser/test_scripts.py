"""The JavaScript the browser tests run in the page (tests/browser/js/): each file is valid
JavaScript and each is used, so a script cannot rot unnoticed between browser runs."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from tests.support import BROWSER_JS, ROOT, unavailable

SCRIPTS = sorted(path.stem for path in BROWSER_JS.glob("*.js"))


def test_every_script_is_used_and_every_used_script_exists():
    sources = "\n".join(
        path.read_text(encoding="utf-8") for path in (ROOT / "tests").rglob("*.py")
    )
    used = set(re.findall(r"""\bjs\(["']([\w-]+)["']\)""", sources))
    assert used == set(SCRIPTS), (
        f"unused: {sorted(set(SCRIPTS) - used)}; missing: {sorted(used - set(SCRIPTS))}"
    )


@pytest.mark.parametrize("name", SCRIPTS)
def test_each_script_parses(name):
    node = shutil.which("node")
    if node is None:
        unavailable("Node.js is not installed (the build runs KaTeX with it)")
    result = subprocess.run(
        [node, "--check", str(BROWSER_JS / f"{name}.js")],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
