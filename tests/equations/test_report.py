"""The report (nnmath_site/equations/report.py): the line under each equation.

``summarize`` keeps the largest measure of each kind of check and its case count;
``render_check`` words it (verified, failed, not run yet, explanatory) with links to the
code and to how the site checks; ``equation_counts`` is Gradient checking's table of
every display formula by what runs it, counted on the site's own sources.
"""

from __future__ import annotations

from nnmath_site.equations import (
    KINDS,
    Summary,
    api_anchor,
    equation_counts,
    page_marks,
    render_check,
    summarize,
)
from tests.support import ROOT, mark, verified_by

# ---- the line under an equation ----------------------------------------------------------


def summary_of(measurements, ident="s"):
    verifications = [
        verified_by("s", test="tests/test_x.py::test_grad"),
        verified_by("s", by="PyTorch", test="tests/test_x.py::test_torch"),
    ]
    return summarize(ident, verifications, measurements)


def test_the_largest_measure_of_each_kind_is_shown_with_its_case_count():
    measurements = {
        "tests/test_x.py::test_grad[0]": {
            "ids": ["s"],
            "outcome": "passed",
            "values": [2e-10, 3.1e-9],
        },
        "tests/test_x.py::test_grad[1]": {
            "ids": ["s"],
            "outcome": "passed",
            "values": [1e-11],
        },
        "tests/test_x.py::test_torch": {
            "ids": ["s"],
            "outcome": "skipped",
            "values": [],
        },
        "tests/test_x.py::test_gone": {
            "ids": ["s"],
            "outcome": "failed",
            "values": [1.0],
        },
    }
    grad, torch = summary_of(measurements)
    assert (grad.kind, grad.passed, grad.largest) == ("finite differences", 2, 3.1e-9)
    assert (torch.passed, torch.skipped) == (
        0,
        1,
    )  # a test no longer marked is not counted
    line = render_check(
        mark("s"),
        mark("s", ["nnmath.sigmoid"]),
        [grad, torch],
        anchor="eq-s",
        api_url="../api/",
        how_url="../gradcheck/#how",
    )
    assert "✓ verified" in line
    assert "central differences, rel. error ≤ 3e-9 (2 cases)" in line
    assert "PyTorch autograd, float64 (skipped in the last test run)" in line
    assert (
        '<a href="../api/#nnmath.activations.sigmoid"><code>sigmoid</code></a>' in line
    )
    assert "<code>tests/test_x.py::test_grad</code>" in line


def test_a_failed_check_is_shown_as_failed_and_no_run_as_not_run():
    failed = summary_of(
        {
            "tests/test_x.py::test_grad": {
                "ids": ["s"],
                "outcome": "failed",
                "values": [],
            }
        }
    )
    line = render_check(
        mark("s"),
        mark("s", ["nnmath.sigmoid"]),
        failed,
        anchor="eq-s",
        api_url="a",
        how_url="h",
    )
    assert "✗ check failed" in line and "eq-failed" in line
    assert "central differences <strong>failed</strong> (1 of 1 cases" in line
    assert "not run yet: run pytest" in render_check(
        mark("s"),
        mark("s", ["nnmath.sigmoid"]),
        summary_of({}),
        anchor="eq-s",
        api_url="a",
        how_url="h",
    )


def test_an_explanatory_equation_shows_its_reason():
    line = render_check(
        mark("q"),
        mark("q", reason="a step of <the> derivation"),
        [],
        anchor="eq-q",
        api_url="a",
        how_url="h",
    )
    assert "explanatory</a>: a step of &lt;the&gt; derivation" in line
    assert "verified" not in line


def test_code_links_go_to_the_defining_modules_anchor():
    assert api_anchor("nnmath.Dense.backward") == "nnmath.layers.Dense.backward"
    assert api_anchor("nnmath.softmax") == "nnmath.activations.softmax"


def test_every_kind_words_its_check_and_names_its_measure():
    assert all(
        words and (quantity is None or quantity) for words, quantity in KINDS.values()
    )
    assert Summary("exact").kind in KINDS


def test_the_count_table_sorts_every_display_formula_by_what_runs_it():
    """Gradient checking's table: run as shown + not run yet + explanatory = the formulas."""
    from nnmath_site.equations.site import pending  # imports the translator

    lines = equation_counts(ROOT).splitlines()
    assert lines[0] == (
        "| page | display formulas | run as shown | not run yet | explanatory | restated |"
    )
    rows = [
        [cell.strip(" *") for cell in line.strip("|").split("|")] for line in lines[2:]
    ]
    numbers = {row[0]: [int(cell) for cell in row[1:]] for row in rows}
    total = numbers.pop("all")
    for title, (shown, run, waiting, explanatory, restated) in numbers.items():
        assert shown == run + waiting + explanatory, title
        assert restated <= shown, title
    assert [sum(column) for column in zip(*numbers.values())] == total
    # every marked formula counts, the ones a fence prints (by-hand.md) and the docstrings'
    marks = page_marks(ROOT)
    assert total[0] == len(marks)
    by_hand = [mark for mark in marks if mark.where.startswith("docs/by-hand.md:")]
    assert numbers["A network by hand"][0] == len(by_hand)
    # a formula on pending.yml (keyed by its file, docstrings by their module) is not run
    definitions = {mark.id: mark for mark in marks if mark.status != "restated"}
    waiting = pending(ROOT)
    assert total[2] == sum(
        (mark.where.rsplit(":", 1)[0], mark.id) in waiting
        and definitions.get(mark.id, mark).status != "explanatory"
        for mark in marks
    )


def test_the_line_says_what_running_the_formula_measured_and_ticks_only_after_pytest():
    from nnmath_site.equations.run import run_equation

    run = run_equation("s", r"\sigma(x) = \frac{1}{1 + e^{-x}}", ("nnmath.sigmoid",))
    before = render_check(
        mark("s"), mark("s", ["nnmath.sigmoid"]), summary_of({}),
        anchor="eq-s", api_url="a", how_url="h", run=run,
    )  # fmt: skip
    assert "formula as shown = <code>sigmoid</code>, max. rel. difference" in before
    assert f"over {run.draws} draws" in before and run.draws == 200
    assert "✓" not in before and "checks run by pytest" in before
    passed = summary_of(
        {
            "tests/test_x.py::test_grad": {
                "ids": ["s"],
                "outcome": "passed",
                "values": [1e-9],
            }
        }
    )
    after = render_check(
        mark("s"), mark("s", ["nnmath.sigmoid"]), passed,
        anchor="eq-s", api_url="a", how_url="h", run=run,
    )  # fmt: skip
    assert "✓ verified" in after
    pending = render_check(
        mark("s"), mark("s", ["nnmath.sigmoid"]), passed,
        anchor="eq-s", api_url="a", how_url="h", run="why",
    )  # fmt: skip
    assert "formula as shown not run yet" in pending
