"""The benchmark compares like with like (benchmarks/speed.py), and records what it ran.

Its lean NumPy step and its PyTorch step must compute what ``nnmath.train_step`` computes:
from the same initial weights, the same loss and the same updated parameters. The timing
functions are smoke-tested on tiny inputs; timings themselves are never asserted here. The
committed results (benchmarks/results.json) must hold every entry the Performance page
reads and the provenance of the run, and what the timing functions return must fill
them, so that a rerun that drops a field fails here.
"""

from __future__ import annotations

import copy
import datetime
import json
import runpy
from functools import partial
from pathlib import Path

import numpy as np
import pytest

import nnmath

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
SCRIPT = BENCHMARKS / "speed.py"
SIZES = [[5, 7, 3], [6, 8, 9, 4]]
LR = 1e-3  # nnmath.Adam's default learning rate, and the benchmark's


@pytest.fixture(scope="module")
def speed():
    return runpy.run_path(str(SCRIPT))


def setup(speed, sizes, seed, dtype="float64", batch=11):
    rng = np.random.default_rng(seed)
    model = speed["nnmath_network"](sizes, rng, dtype)
    X, labels, Y = speed["batch"](sizes, batch, rng, dtype)
    return model, X, labels, Y


@pytest.mark.parametrize("sizes", SIZES, ids=str)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_lean_step_matches_nnmath_train_step(speed, sizes, seed):
    model, X, _, Y = setup(speed, sizes, seed)
    lean = speed["lean_network"](
        model.parameters(), LR
    )  # copies of the same initial weights
    optimizer = nnmath.Adam(learning_rate=LR)
    for _ in range(3):  # several steps: Adam's bias corrections change with t
        expected = nnmath.train_step(model, optimizer, X, Y)
        loss = speed["lean_step"](lean, X, Y)
        assert loss == pytest.approx(expected, rel=1e-12, abs=0)
        for ours, theirs in zip(lean["params"], model.parameters()):
            assert ours.dtype == theirs.dtype == np.float64
            np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-14)
    # the parameters moved, so the comparison above was not between two untouched copies
    first = speed["nnmath_network"](sizes, np.random.default_rng(seed)).parameters()[0]
    assert np.abs(lean["params"][0] - first).max() > 1e-4


@pytest.mark.parametrize("sizes", SIZES, ids=str)
def test_lean_step_matches_in_float32(speed, sizes):
    model, X, _, Y = setup(speed, sizes, 0, "float32")
    assert all(p.dtype == np.float32 for p in model.parameters())
    lean = speed["lean_network"](model.parameters(), LR)
    optimizer = nnmath.Adam(learning_rate=LR)
    for _ in range(3):
        expected = nnmath.train_step(model, optimizer, X, Y)
        assert speed["lean_step"](lean, X, Y) == pytest.approx(expected, rel=1e-5)
    for ours, theirs in zip(lean["params"], model.parameters()):
        assert ours.dtype == np.float32
        np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("sizes", SIZES, ids=str)
@pytest.mark.parametrize("seed", [0, 1])
def test_torch_step_matches_nnmath_train_step(speed, sizes, seed):
    torch = pytest.importorskip("torch")
    model, X, labels, Y = setup(speed, sizes, seed)
    net = speed["torch_network"](model.parameters())
    optimizer = nnmath.Adam(learning_rate=LR)
    X_t, labels_t = torch.from_numpy(X), torch.from_numpy(labels)
    for _ in range(3):
        expected = nnmath.train_step(model, optimizer, X, Y)
        loss = speed["torch_step"](net, X_t, labels_t)
        assert loss == pytest.approx(expected, rel=1e-12, abs=0)
        linears = [m for m in net["model"] if isinstance(m, torch.nn.Linear)]
        ours = [
            t
            for lin in linears
            for t in (lin.weight.detach().numpy().T, lin.bias.detach().numpy())
        ]
        for a, b in zip(ours, model.parameters(), strict=True):
            assert a.dtype == b.dtype == np.float64
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)


@pytest.fixture(scope="module")
def report():
    return runpy.run_path(str(BENCHMARKS / "report.py"))


def rows_fill(rows, required):
    """Each row has every field the page reads, and no field is a NaN."""
    for row in rows:
        assert set(required) <= set(row), set(required) - set(row)
        for key, value in row.items():
            assert not (isinstance(value, float) and np.isnan(value)), key


def test_timing_functions_fill_the_fields_the_page_reads(speed, report):
    required = report["REQUIRED"]
    rows = speed["time_train_steps"](
        [([4, 8, 3], 5, 1.3)], dtypes=("float64",), repeats=1
    )
    rows_fill(rows, required["train_steps"][0])
    (row,) = rows
    assert row["nnmath_ms"] > 0 and row["lean_ms"] > 0
    assert (row["torch_ms"] is None) == (speed["_torch"]() is None)
    assert "nnmath" in report["steps_table"](
        {"train_steps": rows, **_torch_provenance(speed)}
    )

    phases = speed["time_step_phases"]([([4, 8, 3], 5)], steps=3)
    rows_fill(phases, required["phases"][0])
    fractions = [p / report["phases_total"](phases[0]) for p in _phase_times(phases[0])]
    assert sum(fractions) == pytest.approx(1.0)

    checks = speed["time_checks"](shapes=((3, 4, 2),), repeats=1)
    rows_fill(checks, required["checks"][0])

    loops = speed["time_loops_vs_matmul"](4, 3, 2, repeats=1)
    rows_fill([loops], required["loops"])
    assert loops["loops_s"] > 0 and loops["matmul_s"] > 0

    hidden = speed["time_hidden_costs"](shape=(64, 32), repeats=1)
    assert report["missing"](hidden, required["hidden_costs"]) == []


def test_a_run_writes_every_field_the_page_reads(speed, report, tmp_path, monkeypatch):
    """``measure`` on tiny inputs, written and read back as the page reads it."""
    pytest.importorskip("sklearn")
    small = [([4, 8, 3], 5, 1.3), ([6, 8, 8, 3], 7, 1.1)]
    tiny = {
        "time_loops_vs_matmul": partial(speed["time_loops_vs_matmul"], 4, 3, 2),
        "time_step_phases": partial(speed["time_step_phases"], [c[:2] for c in small]),
        "time_checks": partial(speed["time_checks"], shapes=((3, 4, 2), (5, 6, 4))),
        "time_train_steps": partial(speed["time_train_steps"], small),
        "time_digits": partial(speed["time_digits"], epochs=2),
        "time_hidden_costs": partial(speed["time_hidden_costs"], shape=(64, 32)),
    }
    for name, function in tiny.items():  # measure() looks them up when it runs
        monkeypatch.setitem(speed, name, function)
    shown = []
    results = speed["measure"](quick=True, show=shown.append, command="test")
    assert len(shown) == len(report["TEXTS"])  # one text per section, as it ran
    speed["write"](results, tmp_path / "results.json")
    loaded = report["load"](tmp_path / "results.json")
    assert loaded == results and report["missing"](loaded) == []
    assert loaded["method"]["quick"] is True and loaded["provenance"]["seconds"] >= 0
    for text in report["TEXTS"].values():
        assert text(loaded)


def _phase_times(row):
    return [row[f"{p}_ms"] for p in ("forward", "loss", "backward", "update")]


def _torch_provenance(speed):
    torch = speed["_torch"]()
    return {"provenance": {"software": {"torch": torch and torch.__version__}}}


def test_digits_comparison_runs_every_epoch(speed, report):
    pytest.importorskip("sklearn")
    result = speed["time_digits"](epochs=2)
    assert report["missing"](result, report["REQUIRED"]["digits"]) == []
    assert (result["train_images"], result["test_images"]) == (1347, 450)
    assert (
        0.5 < result["nnmath_accuracy"] <= 1 and 0.5 < result["sklearn_accuracy"] <= 1
    )


def test_provenance_names_the_machine_the_versions_and_the_commit(speed, report):
    found = speed["provenance"]()
    required = report["REQUIRED"]["provenance"]
    measured_by_run = {"date", "seconds", "command", "load_average"}  # added by measure
    assert (
        report["missing"](
            found, {k: v for k, v in required.items() if k not in measured_by_run}
        )
        == []
    )
    assert found["software"]["numpy"] == np.__version__
    assert found["machine"]["logical_cores"] >= 1 and found["machine"]["cpu"]
    assert found["software"]["blas"]["internal_api"]  # the BLAS NumPy calls
    assert len(found["git"]["commit"]) == 40 and isinstance(found["git"]["dirty"], bool)
    assert found["git"]["dirty"] == bool(found["git"]["changed"])


# ---- the committed results ----------------------------------------------------------------


@pytest.fixture(scope="module")
def results(report):
    return report["load"]()


def test_committed_results_hold_every_entry_the_page_reads(report, results, speed):
    assert report["missing"](results) == []
    assert results["schema"] == speed["SCHEMA"]


def test_committed_results_come_from_a_full_run_with_their_provenance(results):
    assert results["method"]["quick"] is False, (
        "a --quick run was written: rerun in full"
    )
    p = results["provenance"]
    assert datetime.datetime.fromisoformat(p["date"]).tzinfo is not None
    assert len(p["git"]["commit"]) == 40 and p["seconds"] > 0
    assert (
        p["command"].startswith("benchmarks/speed.py") and "--quick" not in p["command"]
    )
    assert p["machine"]["logical_cores"] >= 1 and p["software"]["numpy"]
    assert p["git"]["dirty"] == bool(p["git"]["changed"])


def test_committed_results_are_written_as_speed_py_writes_them(
    speed, results, tmp_path
):
    """Sorted keys and two-space indents: a rerun's diff shows only what changed."""
    speed["write"](results, tmp_path / "results.json")
    assert (tmp_path / "results.json").read_text() == speed["RESULTS"].read_text()


def _leaves(required, path=()):
    if isinstance(required, list):
        yield from _leaves(required[0], (*path, 0))
    elif isinstance(required, dict):
        for key, inner in required.items():
            yield (*path, key)
            yield from _leaves(inner, (*path, key))


REQUIRED = runpy.run_path(str(BENCHMARKS / "report.py"))["REQUIRED"]


@pytest.mark.parametrize(
    "path", list(_leaves(REQUIRED)), ids=lambda p: ".".join(map(str, p))
)
def test_a_run_that_drops_a_field_fails_the_check(
    report, speed, results, path, tmp_path
):
    broken = copy.deepcopy(results)
    where = broken
    for key in path[:-1]:
        where = where[key]
    del where[path[-1]]
    lacking = report["missing"](broken)
    name = ".".join("[]" if k == 0 else k for k in path).replace(".[]", "[]")
    assert any(entry.startswith(name) for entry in lacking), (name, lacking)
    with pytest.raises(ValueError, match="lack"):
        speed["write"](broken, tmp_path / "broken.json")
    (tmp_path / "broken.json").write_text(json.dumps(broken))
    with pytest.raises(ValueError, match="lacks"):
        report["load"](tmp_path / "broken.json")


def _pruned(results, required):
    """Only the entries ``required`` names."""
    if isinstance(required, list):
        return [_pruned(row, required[0]) for row in results]
    if isinstance(required, dict):
        return {k: _pruned(results[k], v) for k, v in required.items()}
    return results


def test_the_page_reads_nothing_the_check_does_not_require(report, results):
    """Every text and the figure are made from the required entries alone."""
    pruned = _pruned(results, REQUIRED)
    for name, text in report["TEXTS"].items():
        assert text(pruned) == text(results), name
    assert report["provenance_text"](pruned) == report["provenance_text"](results)
    plt = pytest.importorskip("matplotlib.pyplot")
    plt.close(report["steps_figure"](pruned))
