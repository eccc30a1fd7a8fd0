"""The pytest plugin (nnmath_site/equations/plugin.py): ``measured`` and
build/verification.json.

On a mini project of its own, the plugin writes what each verifying test measured and
refuses a run where a verified equation's checks did not run or measure. On a copy of this
project, deleting the tests of an equation or its mark makes pytest fail.
"""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from nnmath_site.equations import page_marks, verifies_marks
from tests.support import ROOT, write

# ---- the plugin, on a project of its own --------------------------------------------------


def run_pytest(root: Path, *args):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "nnmath_site.equations.plugin",
            "-p",
            "no:cacheprovider",
            "-q",
            *args,
        ],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )
    return result.returncode, result.stdout + result.stderr


PROJECT = {
    "pyproject.toml": '[tool.pytest.ini_options]\ntestpaths = ["tests"]\n',
    "docs/page.md": "$$\n% eq:s code: nnmath.sigmoid\n\\sigma\n$$\n",
    "tests/test_other.py": "def test_other():\n    assert 1 + 1 == 2\n",
    "tests/test_s.py": """
        import pytest

        @pytest.mark.verifies("s", by="finite differences")
        @pytest.mark.parametrize("x", [1.0, 2.0])
        def test_s(x, measured):
            measured(x * 1e-10)
        """,
}


# one process, and pytest-xdist's workers (the suite's addopts): the controller keeps the books
WORKERS = pytest.mark.parametrize("workers", ["0", "2"], ids=["one-process", "xdist"])


@WORKERS
def test_the_plugin_writes_what_each_verifying_test_measured(tmp_path, workers):
    root = write(tmp_path, PROJECT)
    code, log = run_pytest(root, "-n", workers)
    assert code == 0, log
    tests = json.loads((root / "build/verification.json").read_text())["tests"]
    assert tests["tests/test_s.py::test_s[2.0]"] == {
        "ids": ["s"],
        "by": "finite differences",
        "outcome": "passed",
        "values": [2e-10],
    }
    # a partial run keeps what the other tests measured before
    code, log = run_pytest(root, "tests/test_s.py::test_s[1.0]")
    assert code == 0, log
    assert len(json.loads((root / "build/verification.json").read_text())["tests"]) == 2


@pytest.mark.parametrize(
    "change, args, message",
    [
        (
            ("measured(x * 1e-10)", "pass"),
            (),
            r"test_s\[1.0\] verifies s by finite differences but measured nothing",
        ),
        (
            (
                "def test_s(x, measured):",
                "def test_s(x, measured):\n    pytest.skip('no')",
            ),
            (),
            r"eq:s \(docs/page.md:2\): none of its checks passed in this run",
        ),
        (
            ('verifies("s"', 'verifies("t"'),
            (),
            r"test_s\[1.0\] verifies eq:t, which no page or docstring has",
        ),
        (
            ('by="finite differences"', 'by="eyeballing"'),
            (),
            r'by="eyeballing" is not one of',
        ),
        (
            ("def test_s(", "def check_s("),
            (),
            r"tests/test_s.py::check_s carries verifies\(s\) but never ran",
        ),
    ],
)
@WORKERS
def test_the_plugin_fails_a_run_whose_checks_did_not_run_or_measure(
    tmp_path, change, args, message, workers
):
    root = write(tmp_path, PROJECT)
    path = root / "tests/test_s.py"
    path.write_text(path.read_text().replace(*change))
    code, log = run_pytest(root, "-n", workers, *args)
    assert code != 0 and re.search(message, log), log


def test_a_partial_run_does_not_ask_for_every_check(tmp_path):
    root = write(tmp_path, PROJECT)
    code, log = run_pytest(root, "tests/test_other.py")
    assert code == 0, log


# ---- on a copy of this project: deleting tests or a mark fails pytest ---------------------


@pytest.fixture(scope="module")
def project_copy(tmp_path_factory):
    """The repository's sources (no .git, venv, node_modules or builds), copied."""
    copy = tmp_path_factory.mktemp("project") / "nnmath"
    ignore = shutil.ignore_patterns(
        ".*", "node_modules", "site", "build", "__pycache__", "*.egg-info"
    )
    shutil.copytree(ROOT, copy, ignore=ignore)
    return copy


def run_static_check(copy: Path):
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:randomly",
            "-n0",  # one test: no pytest-xdist workers
            "tests/equations/test_marks.py::test_every_mark_on_the_site_agrees_with_the_tests",
        ],
        cwd=copy,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONPATH": str(copy)},
    )


def delete_function(path: Path, name: str) -> None:
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    tree = ast.parse("".join(lines))
    node = next(
        n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name == name
    )
    start = min([node.lineno] + [d.lineno for d in node.decorator_list]) - 1
    del lines[start : node.end_lineno]
    path.write_text("".join(lines), encoding="utf-8")


def test_on_a_copy_the_static_check_passes_before_any_change(project_copy):
    result = run_static_check(project_copy)
    assert result.returncode == 0, result.stdout + result.stderr


def test_on_a_copy_deleting_the_tests_of_an_equation_fails_pytest(
    project_copy, tmp_path
):
    copy = tmp_path / "copy"
    shutil.copytree(project_copy, copy)
    ident = "relative-error"
    verifying = [v for v in verifies_marks(copy) if ident in v.ids]
    assert verifying
    for verification in verifying:
        module, *names = verification.test.split("::")
        delete_function(copy / module, names[-1])
    result = run_static_check(copy)
    assert result.returncode != 0
    assert f"eq:{ident} names its code" in result.stdout
    assert "but no test verifies it" in result.stdout


def test_on_a_copy_editing_an_equations_mark_away_fails_pytest(project_copy, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(project_copy, copy)
    ident = "relative-error"
    where = next(
        m.where for m in page_marks(copy) if m.id == ident and m.status == "verified"
    )
    path, line = where.rsplit(":", 1)
    lines = (copy / path).read_text(encoding="utf-8").splitlines(keepends=True)
    assert f"eq:{ident} " in lines[int(line) - 1]
    del lines[int(line) - 1]
    (copy / path).write_text("".join(lines), encoding="utf-8")
    result = run_static_check(copy)
    assert result.returncode != 0
    assert re.search(
        rf"verifies eq:{ident}, which no page or docstring has"
        rf"|eq:{ident} is stated again, but no equation is marked",
        result.stdout,
    )


def test_a_module_skipped_for_a_missing_tool_is_skipped_not_lost(tmp_path):
    """Issue 20: without PyTorch the cross-check module skips; the run stays green and
    the page says the check was skipped, while the equation's other check passed."""
    project = {
        **PROJECT,
        "tests/test_torch.py": """
            import pytest

            pytest.importorskip("a_module_nobody_installed", reason="needs the tool")

            @pytest.mark.verifies("s", by="PyTorch")
            def test_s_against_the_tool(measured):
                measured(0.0)
            """,
    }
    root = write(tmp_path, project)
    code, log = run_pytest(root, "-rs")
    assert code == 0, log
    assert "needs the tool" in log and "never ran" not in log
    tests = json.loads((root / "build/verification.json").read_text())["tests"]
    assert tests["tests/test_torch.py::test_s_against_the_tool"]["outcome"] == "skipped"
