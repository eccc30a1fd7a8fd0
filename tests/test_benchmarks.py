"""The benchmark compares like with like (benchmarks/speed.py).

Its lean NumPy step and its PyTorch step must compute what ``nnmath.train_step`` computes:
from the same initial weights, the same loss and the same updated parameters. The timing
functions the Performance page calls are smoke-tested on tiny inputs; timings themselves
are never asserted here.
"""

from __future__ import annotations

import runpy
from pathlib import Path

import numpy as np
import pytest

import nnmath

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "speed.py"
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


def test_timing_functions_run_and_report_consistent_numbers(speed):
    rows = speed["time_train_steps"](
        [([4, 8, 3], 5, 1.3)], dtypes=("float64",), repeats=1
    )
    (row,) = rows
    assert row["nnmath_lean"] == pytest.approx(row["nnmath_ms"] / row["lean_ms"])
    assert row["holds"] == (row["nnmath_lean"] <= 1.3)
    assert all(len(line) <= 88 for line in speed["steps_table"](rows).splitlines())

    (phases,) = speed["time_step_phases"]([([4, 8, 3], 5)], steps=3)
    fractions = [
        phases[f"{p}_fraction"] for p in ("forward", "loss", "backward", "update")
    ]
    assert sum(fractions) == pytest.approx(1.0)

    checks = speed["time_checks"](shapes=((3, 4, 2),), repeats=1)
    assert checks[0]["checks_us"] == pytest.approx(
        checks[0]["linear_us"] - checks[0]["bare_us"]
    )

    loops = speed["time_loops_vs_matmul"](4, 3, 2, repeats=1)
    assert loops["flops"] == 2 * 4 * 3 * 2 and loops["loops_vs_matmul"] > 0


def test_digits_comparison_runs_every_epoch(speed):
    pytest.importorskip("sklearn")
    result = speed["time_digits"](epochs=2)
    assert (result["train_images"], result["test_images"]) == (1347, 450)
    assert (
        0.5 < result["nnmath_accuracy"] <= 1 and 0.5 < result["sklearn_accuracy"] <= 1
    )


def test_machine_names_the_cpu_numpy_and_blas(speed):
    text = speed["machine"]()
    assert np.__version__ in text and "cores" in text
