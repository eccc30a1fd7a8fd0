"""The build's execution cache (nnmath_site/exec_cache.py): what it replays and when it runs.

A small project in ``tmp_path`` stands in for the repository: a module whose function a
fence calls, a data file a fence reads, and fences run by markdown-exec's own runner. The
whole site is covered by tests/test_site.py (a rebuild after an edit to nnmath/losses.py).
"""

from __future__ import annotations

import importlib.util
import json
import sys
from unittest.mock import ANY

import pytest
from markdown_exec._internal.formatters import python as markdown_exec_python

from nnmath_site import exec_cache
from nnmath_site.exec_cache import ExecCache, memo, untraced, uses

_run_python = (
    markdown_exec_python._run_python
)  # markdown-exec's runner, as the hook uses it


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A repository with ``helper.py`` (imported as a module) and ``data.txt``."""
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setenv("NNMATH_EXEC_CACHE", "on")
    (tmp_path / "helper.py").write_text("def double(x):\n    return 2 * x\n")
    (tmp_path / "other.py").write_text("def triple(x):\n    return 3 * x\n")
    (tmp_path / "data.txt").write_text("first\n")
    name = f"helper_{tmp_path.name}"
    spec = importlib.util.spec_from_file_location(name, tmp_path / "helper.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    sys.modules[name] = module  # imported before the fences, as the packages are
    yield tmp_path, name
    sys.modules.pop(name, None)


def build(root, fences, page="page.md"):
    """One build: run ``fences`` [(code, session)] through a new cache; outputs and report."""
    cache = ExecCache(root=root)
    cache.start_page(page)
    outputs = [cache.run(_run_python, code, session) for code, session in fences]
    return outputs, cache.report[page]


def test_a_fence_replays_until_a_function_it_called_changes(project):
    root, helper = project
    fence = [(f"import {helper}\nprint({helper}.double(21))", None)]
    outputs, report = build(root, fence)
    assert outputs == ["42\n"] and len(report["ran"]) == 1
    outputs, report = build(root, fence)
    assert outputs == ["42\n"] and report["ran"] == [] and len(report["replayed"]) == 1
    (root / "other.py").write_text("# a file the fence never used\n")
    assert build(root, fence)[1]["ran"] == []
    (root / "helper.py").write_text("def double(x):\n    return 2 * x  # edited\n")
    assert len(build(root, fence)[1]["ran"]) == 1


def test_a_file_a_fence_read_is_one_of_its_inputs(project):
    root, _ = project
    code = f"from pathlib import Path\nprint(Path({str(root / 'data.txt')!r}).read_text().strip())"
    fence = [(code, None)]
    assert build(root, fence)[0] == ["first\n"]
    assert build(root, fence)[1]["ran"] == []
    (root / "data.txt").write_text("second\n")
    outputs, report = build(root, fence)
    assert outputs == ["second\n"] and len(report["ran"]) == 1


def test_the_code_of_a_fence_is_part_of_its_key(project):
    root, _ = project
    assert build(root, [("print(1)", None)])[0] == ["1\n"]
    outputs, report = build(root, [("print(2)", None)])
    assert outputs == ["2\n"] and len(report["ran"]) == 1


def test_a_session_fence_that_runs_first_reruns_the_replayed_fences_before_it(project):
    root, _ = project
    session = f"s_{root.name}"
    first = ("x = 20\nprint('set')", session)
    assert build(root, [first, ("print(x + 1)", session)])[0] == ["set\n", "21\n"]
    markdown_exec_python._sessions_globals.pop(session, None)  # a new process: no state
    outputs, report = build(root, [first, ("print(x + 2)", session)])
    assert outputs == ["set\n", "22\n"]
    assert len(report["replayed"]) == 1 and len(report["ran"]) == 1


def test_a_session_fence_is_keyed_by_the_fences_before_it(project):
    root, _ = project
    session = f"k_{root.name}"
    build(root, [("x = 1", session), ("print(x)", session)])
    markdown_exec_python._sessions_globals.pop(session, None)
    outputs, report = build(root, [("x = 5", session), ("print(x)", session)])
    assert outputs == ["", "5\n"] and len(report["ran"]) == 2


def test_a_failing_fence_is_never_stored(project):
    root, _ = project
    fence = [("raise RuntimeError('no')", None)]
    for _ in range(2):
        with pytest.raises(markdown_exec_python.ExecutionError):
            build(root, fence)
    assert not list((root / "build" / "exec-cache").glob("*.json"))


@pytest.mark.parametrize(
    "environment, mode",
    [({}, "on"), ({"CI": "true"}, "fresh"), ({"NNMATH_EXEC_CACHE": "off"}, "off"),
     ({"CI": "1", "NNMATH_EXEC_CACHE": "on"}, "on")],
)  # fmt: skip
def test_mode_follows_the_environment(monkeypatch, environment, mode):
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.delenv("NNMATH_EXEC_CACHE", raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    assert exec_cache.mode() == mode


def test_a_wrong_mode_is_named(monkeypatch):
    monkeypatch.setenv("NNMATH_EXEC_CACHE", "sometimes")
    with pytest.raises(ValueError, match="'sometimes'"):
        exec_cache.mode()


@pytest.mark.parametrize("mode", ["fresh", "off"])
def test_fresh_and_off_run_every_fence_and_only_fresh_stores(
    project, monkeypatch, mode
):
    root, _ = project
    build(root, [("print(7)", None)])  # stored, mode on
    monkeypatch.setenv("NNMATH_EXEC_CACHE", mode)
    before = {p: p.stat().st_mtime_ns for p in (root / "build").rglob("*.json")}
    outputs, report = build(root, [("print(7)", None), ("print(8)", None)])
    assert outputs == ["7\n", "8\n"] and len(report["ran"]) == 2
    after = {p: p.stat().st_mtime_ns for p in (root / "build").rglob("*.json")}
    assert (after != before) == (mode == "fresh")


def test_a_replayed_check_inside_a_running_one_passes_its_inputs_on(project):
    """memo() in memo(): the outer check depends on what the inner one used, even when
    the inner one is replayed (it read nothing this time)."""
    root, _ = project
    data = root / "data.txt"

    def inner():
        return data.read_text()

    def outer(cache):
        return cache.memo("inner", ["read"], inner).upper()

    assert ExecCache(root=root).memo("inner", ["read"], inner) == "first\n"
    cache = ExecCache(root=root)
    assert cache.memo("outer", ["x"], lambda: outer(cache)) == "FIRST\n"
    assert cache.memos == {"inner": [1, 0], "outer": [0, 1]}
    data.write_text("second\n")
    cache = ExecCache(root=root)
    assert cache.memo("outer", ["x"], lambda: outer(cache)) == "SECOND\n"
    assert cache.memos["outer"] == [0, 1]


def test_uses_and_untraced_name_inputs_explicitly(project):
    """What a cached reader keeps in memory is declared with uses(); untraced() pauses
    the trace and declares what the paused code depends on."""
    root, helper = project
    cache = ExecCache(root=root)
    module = sys.modules[helper]

    def compute():
        uses(root / "data.txt")
        with untraced(root / "other.py"):
            return module.double(2)  # not traced: helper.py is not an input

    assert cache.memo("explicit", [1], compute) == 4
    stored = next((root / "build" / "exec-cache" / "explicit").glob("*.pickle"))
    import pickle

    inputs, _ = pickle.loads(stored.read_bytes())
    inside = sorted(
        p for p in inputs if not p.startswith("/")
    )  # (this test file ran too)
    assert inside == ["data.txt", "other.py"]


def test_outside_a_build_memo_just_computes(monkeypatch):
    monkeypatch.setattr(exec_cache, "_current", [])
    assert memo("anything", [1], lambda: 5) == 5


def test_the_report_lists_what_ran_and_what_was_replayed(project):
    root, _ = project
    build(root, [("print(1)", None)])
    cache = ExecCache(root=root)
    cache.start_page("a.md")
    cache.run(_run_python, "print(1)", None)
    cache.start_page("b.md")
    cache.run(_run_python, "print(2)", None)
    report = json.loads(cache.write_report().read_text())
    assert len(report["fences"]["a.md"]["ran"]) == 1  # the page is part of the key
    assert len(report["fences"]["b.md"]["ran"]) == 1
    cache = ExecCache(root=root)
    cache.start_page("a.md")
    cache.run(_run_python, "print(1)", None)
    assert (
        cache.report["a.md"]["ran"] == [] and len(cache.report["a.md"]["replayed"]) == 1
    )
    assert (cache.directory / f"{cache.report['a.md']['keys'][0]}.json").is_file()


def test_python_code_outside_the_project_that_ran_is_an_input_too(
    project, tmp_path_factory
):
    """A package imported from another folder (not installed) is tracked by absolute path;
    the installation's own files are not (the environment is part of the key)."""
    root, _ = project
    elsewhere = tmp_path_factory.mktemp("elsewhere") / "far.py"
    elsewhere.write_text("def far():\n    return 'far'\n")
    name = f"far_{root.name}"
    spec = importlib.util.spec_from_file_location(name, elsewhere)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    sys.modules[name] = module
    try:
        fence = [(f"import {name}, json\nprint({name}.far(), json.dumps(1))", None)]
        assert build(root, fence)[0] == ["far 1\n"]
        entry = next((root / "build" / "exec-cache").glob("*.json"))
        assert json.loads(entry.read_text())["inputs"] == {str(elsewhere): ANY}
        elsewhere.write_text("def far():\n    return 'far'  # edited\n")
        assert len(build(root, fence)[1]["ran"]) == 1
    finally:
        sys.modules.pop(name, None)
