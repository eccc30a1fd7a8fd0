"""pytest plugin: the tests that verify the site's equations, and what they measured.

Loaded by ``-p nnmath_site.equations.plugin`` (pyproject.toml). It

- registers ``@pytest.mark.verifies(*ids, by=...)`` and the ``measured`` fixture (see
  nnmath_site/equations/marks.py);
- at collection, refuses a mark that names an equation no page has, or an unknown kind;
- at the end of the run, writes each verifying test's outcome and measurements to
  ``build/verification.json`` (merged into the previous file when only part of the suite
  ran), which the site build prints beside the equations;
- fails the run when a verifying test that should measure did not, and, on a run of the
  whole suite, when a verified equation had no passing check or a marked test never ran.

With pytest-xdist the workers collect and run the tests and the controller sees every
report: each verifying item carries its equations in its ``user_properties`` (so that
the reports do), and the checks and the file are the controller's job alone.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from .marks import (
    KINDS,
    MEASUREMENTS,
    MarkError,
    page_marks,
    verifies_marks,
)
from .tex import save_cache

# The verifying test items of this run and their results (one run per process).
_state: dict = {"items": {}, "results": {}}


def _worker(config) -> bool:
    """A pytest-xdist worker: its reports go to the controller, which does the bookkeeping."""
    return hasattr(config, "workerinput")


def _nodeid(nodeid: str) -> str:
    """The test's id without the ``@group`` suffix pytest-xdist's loadgroup adds."""
    return nodeid.split("@", 1)[0] if "@" in nodeid.rsplit("]", 1)[-1] else nodeid


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "verifies(*ids, by): the test checks these equations of the site "
        f"(eq:<id> lines), by one of: {', '.join(KINDS)}",
    )
    _state["items"], _state["results"] = {}, {}
    _state["skipped_modules"] = set()


def _marks(item) -> tuple[tuple[str, ...], str] | None:
    found = list(item.iter_markers("verifies"))
    if not found:
        return None
    ids = tuple(ident for mark in found for ident in mark.args)
    kinds = {mark.kwargs.get("by") for mark in found}
    if len(kinds) != 1:
        raise pytest.UsageError(
            f"{item.nodeid}: verifies() marks with different by= kinds"
        )
    return ids, kinds.pop()


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(session, config, items):
    root = Path(config.rootpath)
    named = {mark.id for mark in page_marks(root)}
    wrong = []
    for item in items:
        marks = _marks(item)
        if marks is None:
            continue
        ids, by = marks
        problems = [
            f'{item.nodeid}: by="{by}" is not one of {", ".join(KINDS)}'
        ] if by not in KINDS else []  # fmt: skip
        problems += [
            f"{item.nodeid} verifies eq:{ident}, which no page or docstring has"
            for ident in ids
            if ident not in named
        ]
        wrong += problems
        if problems:  # under pytest-xdist a worker cannot stop the run: the test fails
            item.stash[_wrong_key] = "\n".join(problems)
        _state["items"][_nodeid(item.nodeid)] = (ids, by)
        item.user_properties.append(("verifies", (ids, by)))  # into its reports
    if wrong and not _worker(config):
        raise pytest.UsageError("\n".join(wrong))


_wrong_key = pytest.StashKey[str]()


def pytest_runtest_setup(item):
    if _wrong_key in item.stash:
        pytest.fail(item.stash[_wrong_key], pytrace=False)


@pytest.fixture
def measured(request):
    """Record the size of what a verifying test checked (shown beside its equation).

    Call it with the number the kind of check measures (``KINDS``): the relative error
    of a gradient check, the largest difference from PyTorch, ulps from mpmath...
    """

    def record(value):
        if request.node.get_closest_marker("verifies") is None:
            raise pytest.UsageError(
                f"{request.node.nodeid}: measured() in a test that verifies no equation"
            )
        value = float(value)
        if not math.isfinite(value) or value < 0:
            raise ValueError(f"measured(): expected a finite size >= 0, got {value}")
        request.node.user_properties.append(("measured", value))
        return value

    return record


def pytest_runtest_logreport(report):
    nodeid = _nodeid(report.nodeid)
    for key, value in report.user_properties:
        if key == "verifies":  # a report from a pytest-xdist worker
            ids, by = value
            _state["items"][nodeid] = (tuple(ids), by)
    if nodeid not in _state["items"]:
        return
    result = _state["results"].setdefault(nodeid, {"outcome": "passed", "values": []})
    if report.failed:
        result["outcome"] = "failed"
    elif report.skipped and result["outcome"] != "failed":
        result["outcome"] = "skipped"
    if report.when == "call":
        result["values"] += [v for k, v in report.user_properties if k == "measured"]


def _whole_suite(config) -> bool:
    """Did this run select the whole suite (no paths narrower than testpaths, no -k/-m)?"""
    option = config.option
    if option.keyword or option.markexpr or getattr(option, "deselect", None):
        return False
    if getattr(option, "lf", False) or getattr(option, "stepwise", False):
        return False
    root = Path(config.rootpath)
    given = [Path(arg.split("::")[0]).resolve() for arg in config.args] or [root]
    if any("::" in arg for arg in config.args):
        return False
    testpaths = [(root / path).resolve() for path in config.getini("testpaths")] or [
        root
    ]
    return all(any(path == g or g in path.parents for g in given) for path in testpaths)


def pytest_collectreport(report):
    """A test module skipped as a whole (PyTorch missing): its verifying tests were
    skipped, not lost; the run says why, and the page says they were skipped."""
    if report.skipped and report.nodeid.endswith(".py"):
        _state.setdefault("skipped_modules", set()).add(report.nodeid)


def _skipped_as_modules(verifications, results) -> None:
    """Record the verifying tests of skipped modules as skipped (build/verification.json)."""
    modules = _state.get("skipped_modules", set())
    for verification in verifications:
        if (
            verification.test.split("::", 1)[0] in modules
            and verification.test not in results
        ):
            _state["items"][verification.test] = (verification.ids, verification.by)
            results[verification.test] = {"outcome": "skipped", "values": []}


def _unrun(config, results) -> list[str]:
    """On a run of the whole suite: verified equations and marked tests with no run."""
    root = Path(config.rootpath)
    try:
        verifications = verifies_marks(root)
        marks = page_marks(root)
    except MarkError as error:
        return [str(error)]
    found = []
    _skipped_as_modules(verifications, results)
    ran = {nodeid.split("[", 1)[0] for nodeid in results}
    passed_ids = {
        ident
        for nodeid, result in results.items()
        if result["outcome"] == "passed"
        for ident in _state["items"][nodeid][0]
    }
    found += [
        f"{v.test} carries verifies({', '.join(v.ids)}) but never ran (not collected)"
        for v in verifications
        if v.test not in ran
    ]
    found += [
        f"eq:{mark.id} ({mark.where}): none of its checks passed in this run "
        "(all skipped or failed)"
        for mark in marks
        if mark.status == "verified" and mark.id not in passed_ids
    ]
    return found


def pytest_sessionfinish(session, exitstatus):
    save_cache()  # the formulas parsed in this run, for the next one (build/)
    config = session.config
    if _worker(config):
        return  # the controller has every report
    results = _state["results"]
    found = [
        f"{nodeid} verifies {', '.join(_state['items'][nodeid][0])} by "
        f"{_state['items'][nodeid][1]} but measured nothing: call measured(<"
        f"{KINDS[_state['items'][nodeid][1]][1]}>)"
        for nodeid, result in results.items()
        if result["outcome"] == "passed"
        and not result["values"]
        and KINDS.get(_state["items"][nodeid][1], (None, None))[1] is not None
    ]
    whole = _whole_suite(config) and exitstatus == pytest.ExitCode.OK
    if whole:
        found += _unrun(config, results)
    if results:
        path = Path(config.rootpath) / MEASUREMENTS
        previous = {}
        if not whole and path.is_file():
            try:
                previous = json.loads(path.read_text(encoding="utf-8")).get("tests", {})
            except (json.JSONDecodeError, AttributeError):
                previous = {}
        tests = {
            **previous,
            **{
                nodeid: {
                    "ids": list(_state["items"][nodeid][0]),
                    "by": _state["items"][nodeid][1],
                    **r,
                }
                for nodeid, r in results.items()
            },
        }
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(
            json.dumps({"tests": tests}, indent=1, sort_keys=True), encoding="utf-8"
        )
    if found:
        reporter = config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.section(
                "equations and the tests that verify them", sep="=", red=True
            )
            for problem in found:
                reporter.line(problem, red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
