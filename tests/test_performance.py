"""The Performance page states only what benchmarks/results.json supports.

The page (docs/performance.md) measures nothing while it builds: its tables, figure and
comparing sentences are written by benchmarks/report.py from the committed results, which
``benchmarks/speed.py --write`` rewrites. Two kinds of sentence state a conclusion:

- sentences a fence prints: their comparison words ("faster", "meets", "less") are picked
  by the numbers, and ``test_a_changed_result_changes_the_printed_words`` shows that a
  result that flips a conclusion flips the words;
- sentences written in the page's prose: each one that compares or concludes is in
  ``CLAIMS`` with a check against the results, computed here from the raw measurements
  (not with report.py's helpers), and a change of the results that would contradict it;
  ``test_every_concluding_sentence_is_claimed`` fails on a new sentence with a comparing
  word that is in neither ``CLAIMS`` nor ``NOT_MEASURED``.

A rerun of the benchmark that contradicts a sentence of the page therefore fails here.
"""

from __future__ import annotations

import copy
import math
import re
import runpy
import time
import timeit
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "docs" / "performance.md"
REPORT = ROOT / "benchmarks" / "report.py"


@pytest.fixture(scope="module")
def report():
    return runpy.run_path(str(REPORT))


@pytest.fixture(scope="module")
def results(report):
    return report["load"]()


# ---- the raw measurements, read here without report.py ----------------------------------


def rows(results, sizes):
    return [r for r in results["train_steps"] if r["sizes"] == sizes]


def tiny(results):
    return rows(results, results["train_steps"][0]["sizes"])


def large(results):
    return rows(results, results["train_steps"][-1]["sizes"])


def products_share(row):
    """Forward and backward (every matrix product) over the sum of the four phases."""
    total = sum(row[f"{p}_ms"] for p in ("forward", "loss", "backward", "update"))
    return (row["forward_ms"] + row["backward_ms"]) / total


def loops_over_matmul(r):
    return r["loops"]["loops_s"] / r["loops"]["matmul_s"]


def tiny_arithmetic_ms(r):
    """Forward and backward products of the tiny network at the GFLOP/s of ``A @ B``."""
    row, loops = tiny(r)[0], r["loops"]
    per_second = 2 * loops["m"] * loops["n"] * loops["k"] / loops["matmul_s"]
    forward = sum(
        2 * row["batch"] * a * b for a, b in zip(row["sizes"], row["sizes"][1:])
    )
    return 1e3 * 3 * forward / per_second


def closer_to_one(before, after):
    return abs(math.log(after)) < abs(math.log(before))


# ---- the page's prose claims --------------------------------------------------------------
# Each entry: a sentence (or the part of it that concludes) as the page words it, the check
# of it against the results, and a change of the results that contradicts it.


def _set(path, value):
    """A change of the results: ``path`` is a list of keys; ``value`` a function of the
    results (before the change) giving the new number."""

    def change(results):
        new = value(results)
        where = results
        for key in path[:-1]:
            where = where[key]
        where[path[-1]] = new

    return change


def _scale_large_nnmath(results):
    for row in large(results):
        row["nnmath_ms"] = 3 * row["lean_ms"]


def _scale_large_update(results):
    results["phases"][-1]["update_ms"] *= 50


def _torch_cheap_on_tiny(results):
    for row in tiny(results):
        row["torch_ms"] = 0.5 * row["lean_ms"]


CLAIMS = {
    # Three loops against one matrix product
    "it is what makes training in Python possible at all": (
        lambda r: loops_over_matmul(r) >= 100,  # two orders of magnitude at least
        _set(["loops", "loops_s"], lambda r: 20 * r["loops"]["matmul_s"]),
    ),
    "the middle row of the table shows how little of the gap that closes": (
        # one dot per entry closes less than half the gap, on a log scale
        lambda r: (
            r["loops"]["loops_s"] / r["loops"]["dots_s"]
            < r["loops"]["dots_s"] / r["loops"]["matmul_s"]
        ),
        _set(["loops", "dots_s"], lambda r: 2 * r["loops"]["matmul_s"]),
    ),
    # Where the time of a train step goes
    "so what its time follows is the number of calls and checks rather than the "
    "arithmetic: that is the regime where overhead decides": (
        # loss and update, which do no matrix product, take most of the small network's time
        lambda r: products_share(r["phases"][0]) < 0.5,
        _set(["phases", 0, "forward_ms"], lambda r: 50 * r["phases"][0]["forward_ms"]),
    ),
    # What input checks cost
    "so for a wide layer the check is cheap next to the product": (
        lambda r: r["checks"][-1]["isfinite_us"] < 0.1 * r["checks"][-1]["matmul_us"],
        _set(["checks", -1, "isfinite_us"], lambda r: r["checks"][-1]["matmul_us"]),
    ),
    "and on a small network they would be a large part of it, as the last sentence above "
    "measures": (
        # the four phases checking their own input add a fifth or more to a step
        lambda r: r["phases"][0]["checked_ms"] >= 1.2 * r["phases"][0]["train_step_ms"],
        _set(["phases", 0, "checked_ms"], lambda r: r["phases"][0]["train_step_ms"]),
    ),
    # nnmath against lean NumPy, PyTorch and scikit-learn
    "On a tiny network what decides is the fixed cost per call": (
        lambda r: tiny_arithmetic_ms(r) < 0.5 * min(row["lean_ms"] for row in tiny(r)),
        _set(["loops", "matmul_s"], lambda r: 100 * r["loops"]["matmul_s"]),
    ),
    "PyTorch has a fixed cost of its own": (
        lambda r: all(
            row["torch_ms"] is not None and row["torch_ms"] > row["lean_ms"]
            for row in tiny(r)
        ),
        _torch_cheap_on_tiny,
    ),
    "As the layers grow, the matrix products take over and every contender tends towards "
    "the speed of its BLAS": (
        lambda r: all(
            closer_to_one(a["nnmath_ms"] / a["lean_ms"], b["nnmath_ms"] / b["lean_ms"])
            and closer_to_one(
                a["torch_ms"] / a["lean_ms"], b["torch_ms"] / b["lean_ms"]
            )
            for a, b in zip(tiny(r), large(r), strict=True)
        ),
        _scale_large_nnmath,
    ),
    "Both learn the digits, each well above 90 % of the test images right": (
        lambda r: (
            min(r["digits"]["nnmath_accuracy"], r["digits"]["sklearn_accuracy"]) >= 0.93
        ),
        _set(["digits", "sklearn_accuracy"], lambda r: 0.85),
    ),
    # Two costs that hide in plain NumPy
    "A temporary that is freed at once is reused by the next one": (
        lambda r: all(
            r["hidden_costs"]["temporaries"][when]["one_at_a_time_faults"] < 10
            for when in ("fresh", "after_run")
        ),
        _set(
            ["hidden_costs", "temporaries", "fresh", "one_at_a_time_faults"],
            lambda r: 1000.0,
        ),
    ),
    "so the same code can pay the cost in one process and not in another": (
        # page faults and time: paid in a fresh process, not after the run
        lambda r: (
            (fresh := r["hidden_costs"]["temporaries"]["fresh"])["two_alive_faults"]
            > 100 + 2 * fresh["one_at_a_time_faults"]
            and fresh["two_alive_ms"] > 2 * fresh["one_at_a_time_ms"]
            and (after := r["hidden_costs"]["temporaries"]["after_run"])[
                "two_alive_faults"
            ]
            <= 100 + 2 * after["one_at_a_time_faults"]
        ),
        _set(
            ["hidden_costs", "temporaries", "fresh", "two_alive_faults"], lambda r: 0.0
        ),
    ),
    # The run's settings, as the prose states them
    r"computing a $(64, 64) \times (64, 32)$ product": (
        lambda r: (r["loops"]["m"], r["loops"]["n"], r["loops"]["k"]) == (64, 64, 32),
        _set(["loops", "m"], lambda r: 128),
    ),
    "Every measurement uses one BLAS thread (and one PyTorch thread)": (
        lambda r: (
            r["method"]["blas_threads"] == 1 and r["method"]["torch_threads"] == 1
        ),
        _set(["method", "blas_threads"], lambda r: 2),
    ),
    "The benchmark timed each phase in a few hundred real steps": (
        lambda r: all(100 <= row["steps"] < 1000 for row in r["phases"]),
        _set(["phases", 0, "steps"], lambda r: 30),
    ),
    "(the median of each, in float64)": (
        lambda r: all(row["dtype"] == "float64" for row in r["phases"]),
        _set(["phases", 0, "dtype"], lambda r: "float32"),
    ),
    "on a small and a larger layer": (
        lambda r: (
            len(r["checks"]) == 2
            and r["checks"][0]["in"] * r["checks"][0]["out"]
            < r["checks"][1]["in"] * r["checks"][1]["out"]
        ),
        _set(["checks", 0, "out"], lambda r: 10**6),
    ),
    "on three networks from tiny to wide": (
        lambda r: len({tuple(row["sizes"]) for row in r["train_steps"]}) == 3,
        _set(["train_steps", 0, "sizes"], lambda r: [5, 5, 5]),
    ),
    "split with 450 test images": (
        lambda r: r["digits"]["test_images"] == 450,
        _set(["digits", "test_images"], lambda r: 360),
    ),
    r"a $64 \to 64 \to 10$ ReLU network": (
        lambda r: r["digits"]["hidden"] == 64,
        _set(["digits", "hidden"], lambda r: 32),
    ),
    "batches of 32, float64": (
        lambda r: r["digits"]["batch"] == 32,
        _set(["digits", "batch"], lambda r: 64),
    ),
    # Summary
    "orders of magnitude faster": (
        lambda r: loops_over_matmul(r) >= 100,
        _set(["loops", "loops_s"], lambda r: 50 * r["loops"]["matmul_s"]),
    ),
    "On small networks the fixed cost per call decides; on large ones the matrix products "
    "do": (
        lambda r: (
            products_share(r["phases"][0]) < 0.5 < products_share(r["phases"][-1])
        ),
        _scale_large_update,
    ),
}

# Sentences with a comparing word that state no measured conclusion, and why.
NOT_MEASURED = {
    "The arithmetic itself is a tiny part of that": "what the interpreter does per "
    "operation; the loops' GFLOP/s, printed above it, are the measurement",
    "so with blocking the arithmetic units rarely wait for memory": "how BLAS kernels are "
    "built, not a number of this page",
    "so backward has twice the arithmetic of forward": "the count of eq:layer-flops",
    "can outweigh them": "'can': the fences below measure whether it does",
    "Most checks cost a fixed time per call": "what the checks do (attribute reads and "
    "comparisons, no loop over the data); the table measures them",
    "(below 1 means `nnmath` is faster)": "how to read the ratio column",
    "A check costs a fixed time plus at most one pass over its array": "what the checks do; "
    "the table above prices them",
    "Two mistakes made `nnmath`'s Adam step slower than the lean one while it was being "
    "written": "history of the code, not a result of the benchmark",
    "doubled the memory traffic of the update": "float64 has twice float32's bytes: the "
    "fence below asserts the nbytes",
    "which can make tiny products slower, not faster": "advice; 'can': the benchmark does "
    "not time several threads",
    "Another process can slow one contender and not the other": "advice",
    "can tick too slowly for a call of a few microseconds": "advice",
    "each time it runs": "what a check does",
    "This page shows what that costs": "says what the page is about",
    "each sentence below that compares two of them is written from them": "how the page "
    "is made; this test file is the proof",
    "The benchmark measured both costs, and counted the page faults": "introduces the "
    "fence that prints them",
    "What differs is the cost of each operation": "introduces the table below it",
    "forward and backward cost, in matrix products": "introduces eq:layer-flops",
    "may find that more memory has come free at once than it keeps": "'may': the fence "
    "below prints the page faults measured, and CLAIMS checks them",
}

# Words that mark a comparison or a conclusion.
COMPARING = re.compile(
    r"\b(faster|slower|fast|slow|times as|cheap|cheaper|expensive|costs?|decides?|"
    r"orders of magnitude|longer|less|more|most|little|large part|well above|meets?|"
    r"misses|tends?|take over|outweigh|rarely|doubled|twice|tiny part)\b"
)


def prose_sentences():
    """The page's sentences outside code fences and display math, one line each."""
    text = PAGE.read_text(encoding="utf-8")
    text = re.sub(r"^```.*?^```[ \t]*$", "", text, flags=re.S | re.M)
    text = re.sub(r"^\$\$.*?^\$\$[ \t]*$", "", text, flags=re.S | re.M)
    text = re.sub(r"^!!!.*$", "", text, flags=re.M)
    sentences = []
    for paragraph in re.split(r"\n\s*\n|\n\s*- ", text):
        flat = " ".join(paragraph.split())
        sentences += re.split(r"(?<=[.!?])\s+(?=[A-Z`*\[])", flat)
    return [s for s in sentences if s and not s.startswith("#")]


def page_text():
    return " ".join(prose_sentences())


@pytest.mark.parametrize("claim", CLAIMS)
def test_the_claim_is_on_the_page(claim):
    assert claim in page_text(), "reworded? update CLAIMS with the sentence as written"


@pytest.mark.parametrize("claim", CLAIMS)
def test_the_claim_holds_for_the_committed_results(claim, results):
    holds, _ = CLAIMS[claim]
    assert holds(results), f"benchmarks/results.json contradicts {claim!r}"


@pytest.mark.parametrize("claim", CLAIMS)
def test_results_that_contradict_the_claim_fail_its_check(claim, results):
    """A rerun that wrote these results would fail the test above: the check can fail."""
    holds, contradict = CLAIMS[claim]
    changed = copy.deepcopy(results)
    contradict(changed)
    assert changed != results
    assert not holds(changed)


@pytest.mark.parametrize("reason", NOT_MEASURED)
def test_each_exemption_is_on_the_page(reason):
    assert reason in page_text()


def test_every_concluding_sentence_is_claimed():
    known = [*CLAIMS, *NOT_MEASURED]
    unclaimed = [
        sentence
        for sentence in prose_sentences()
        if COMPARING.search(sentence) and not any(k in sentence for k in known)
    ]
    assert unclaimed == [], "add each to CLAIMS (with its check) or to NOT_MEASURED"


def test_the_sentence_finder_finds_the_claims():
    """The check above looks at sentences that exist: every claim is in one of them."""
    found = prose_sentences()
    assert len(found) > 50
    for claim in CLAIMS:
        assert any(claim in sentence for sentence in found), claim


# ---- the sentences the fences print -------------------------------------------------------
# (text function, change of the results, words before, words after the change)


def _flip_tiny_targets(results):
    """The tiny network's rows miss their target if they met it, and meet it if not."""
    for row in tiny(results):
        met = row["nnmath_ms"] <= row["target"] * row["lean_ms"]
        row["nnmath_ms"] = (2 * row["target"] if met else 1.0) * row["lean_ms"]


PRINTED = [
    (
        "loops_text",
        _set(["loops", "matmul_s"], lambda r: 2 * r["loops"]["loops_s"]),
        "`A @ B` is ",
        "`A @ B` takes ",
    ),
    (
        "phases_text",
        _set(
            ["phases", -1, "backward_ms"], lambda r: r["phases"][-1]["forward_ms"] / 2
        ),
        "the matrix products show",
        "takes no longer",
    ),
    (
        "phases_text",
        _scale_large_update,
        "the larger the network, the more of its time goes to the products",
        "the larger network did not spend more of its time in the products",
    ),
    (
        "checks_text",
        _set(["checks", -1, "isfinite_us"], lambda r: 2 * r["checks"][-1]["matmul_us"]),
        "the finite check costs less than",
        "the finite check costs more than",
    ),
    (
        "checks_text",
        _set(["phases", 0, "checked_ms"], lambda r: r["phases"][0]["train_step_ms"]),
        "the repeated checks add",
        "the repeated checks did not show",
    ),
    (
        "steps_table",
        _set(
            ["train_steps", -1, "nnmath_ms"],
            lambda r: 2 * r["train_steps"][-1]["lean_ms"],
        ),
        "1.1: meets) ",
        "1.1: misses) ",
    ),
    (
        "steps_text",
        _set(["loops", "matmul_s"], lambda r: 100 * r["loops"]["matmul_s"]),
        "most of a step is the fixed cost of its calls",
        "arithmetic is most of a step",
    ),
    (
        "steps_text",
        _torch_cheap_on_tiny,
        "PyTorch's fixed cost per step shows",
        "PyTorch's fixed cost per step does not show",
    ),
    ("steps_text", _scale_large_nnmath, ": both closer to 1", ": not both closer to 1"),
    (
        "digits_text",
        _set(["digits", "nnmath_s"], lambda r: 2 * r["digits"]["sklearn_s"]),
        "times as fast as scikit-learn, and meets",
        "times as long as scikit-learn, and misses",
    ),
    (
        "digits_text",
        _set(["digits", "sklearn_accuracy"], lambda r: 0.85),
        "(≥ 97%: meets)",
        "(≥ 97%: misses)",
    ),
    (
        "hidden_costs_text",
        _set(
            ["hidden_costs", "temporaries", "fresh", "two_alive_faults"], lambda r: 0.0
        ),
        "handed its blocks back",
        "kept its blocks",
    ),
    (
        "hidden_costs_text",
        _set(
            ["hidden_costs", "scalar", "numpy_scalar_ms"],
            lambda r: r["hidden_costs"]["scalar"]["python_float_ms"] / 2,
        ),
        "scalar takes",
        "scalar is",
    ),
]


@pytest.mark.parametrize(
    "name, change, before, after",
    PRINTED,
    ids=lambda v: v if isinstance(v, str) and len(v) < 40 else "",
)
def test_a_changed_result_changes_the_printed_words(
    report, results, name, change, before, after
):
    changed = copy.deepcopy(results)
    change(changed)
    was, now = report[name](results), report[name](changed)
    assert was.count(before) > now.count(before)
    assert was.count(after) < now.count(after)


def met_count(results):
    return sum(
        r["nnmath_ms"] <= r["target"] * r["lean_ms"] for r in results["train_steps"]
    )


def test_the_target_count_follows_the_rows(report, results):
    """'meets its target on N of the M rows' counts the rows that meet it."""
    total = len(results["train_steps"])
    changed = copy.deepcopy(results)
    _flip_tiny_targets(changed)
    assert met_count(changed) != met_count(results)
    for r in (results, changed):
        said = f"meets its target on {met_count(r)} of the {total} rows"
        assert said in report["steps_text"](r)


def test_the_page_says_where_and_with_what_it_was_measured(report, results):
    text = report["provenance_text"](results)
    p = results["provenance"]
    for shown in (
        p["date"].replace("T", " "),
        p["git"]["commit"][:12],
        p["machine"]["cpu"],
        f"{p['machine']['logical_cores']} logical cores",
        p["software"]["numpy"],
        p["software"]["python"],
        p["software"]["numpy_build_blas"]["name"],
        p["software"]["torch"] or "not installed",
        p["software"]["scikit-learn"] or "not installed",
    ):
        assert shown in text


def test_building_the_page_times_nothing(monkeypatch):
    """The page's fences run with every clock disabled and without benchmarks/speed.py."""
    fences = re.findall(
        r'^```\{\.python exec="on"[^}]*\}\n(.*?)^```$',
        PAGE.read_text(encoding="utf-8"),
        flags=re.S | re.M,
    )
    assert len(fences) >= 8

    def no_clock(*args, **kwargs):
        raise AssertionError("the Performance page timed something while it built")

    for clock in ("perf_counter", "perf_counter_ns", "monotonic", "process_time"):
        monkeypatch.setattr(time, clock, no_clock)
    monkeypatch.setattr(timeit, "default_timer", no_clock)
    ran = []
    real_run_path = runpy.run_path

    def run_path(path, *args, **kwargs):
        ran.append(Path(path).name)
        return real_run_path(path, *args, **kwargs)

    monkeypatch.setattr(runpy, "run_path", run_path)
    printed = []
    namespace = {
        "print": lambda *args, **kwargs: printed.append(" ".join(map(str, args)))
    }
    for code in fences:
        exec(compile(code, str(PAGE), "exec"), namespace)  # noqa: S102
    assert ran and set(ran) == {"report.py"}
    assert any("nnmath_site" not in p and "|" in p for p in printed)  # tables came out
