"""docs/downloads/nnmath_standalone.py: the summary page's one-file network.

The script re-derives the site's math without nnmath, so its gradients must be nnmath's
to rounding, its own gradient check must pass, and a short run must learn the digits.
"""

from __future__ import annotations

import ast
import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from nnmath import (
    Dense,
    Sequential,
    accuracy,
    glorot_uniform,
    he_normal,
    one_hot,
    softmax_cross_entropy_and_gradient,
)

SCRIPT = (
    Path(__file__).resolve().parents[1] / "docs" / "downloads" / "nnmath_standalone.py"
)
NAMES = ["W1", "b1", "W2", "b2"]  # the order of Sequential.parameters()


@pytest.fixture(scope="module")
def standalone():
    spec = importlib.util.spec_from_file_location("nnmath_standalone", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def digits_batch(standalone, seed, rows):
    rng = np.random.default_rng(seed)
    X_train, y_train, _, _ = standalone.load_data(rng)
    return rng, X_train[:rows], y_train[:rows]


def nnmath_copy(params):
    """The same network in nnmath, with the script's weights copied in."""
    rng = np.random.default_rng(0)  # its draws are overwritten below
    model = Sequential([Dense(64, 32, "relu", rng), Dense(32, 10, None, rng)])
    for target, name in zip(model.parameters(), NAMES):
        target[...] = params[name]
    return model


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("rows", [1, 7, 32])
def test_loss_and_gradients_are_nnmaths(standalone, seed, rows):
    rng, X, y = digits_batch(standalone, seed, rows)
    Y = one_hot(y, 10)
    params = standalone.init_params(rng)
    params["b1"][:] = rng.normal(scale=0.1, size=32)  # non-zero biases, so they count
    params["b2"][:] = rng.normal(scale=0.1, size=10)
    logits, cache = standalone.forward(params, X)
    loss, _ = standalone.softmax_cross_entropy(logits, Y)
    grads = standalone.backward(params, cache, Y)

    model = nnmath_copy(params)
    expected_logits = model.forward(X)
    expected_loss, dZ = softmax_cross_entropy_and_gradient(expected_logits, Y)
    model.backward(dZ)

    np.testing.assert_allclose(logits, expected_logits, rtol=1e-12, atol=1e-12)
    assert loss == pytest.approx(expected_loss, rel=1e-12, abs=1e-12)
    for name, expected in zip(NAMES, model.gradients()):
        assert grads[name].shape == expected.shape, name
        np.testing.assert_allclose(grads[name], expected, rtol=1e-12, atol=1e-14)
    assert max(np.abs(g).max() for g in grads.values()) > 1e-3  # not trivially zero


def test_a_wrong_gradient_fails_the_comparison_and_the_check(standalone):
    """The comparison above and the script's own check both catch a dropped 1/B."""
    rng, X, y = digits_batch(standalone, 0, 16)
    Y = one_hot(y, 10)
    params = standalone.init_params(rng)
    right = standalone.backward(params, standalone.forward(params, X)[1], Y)
    original = standalone.softmax_cross_entropy
    try:  # the fused gradient without its 1/B
        standalone.softmax_cross_entropy = lambda Z, T: (
            original(Z, T)[0],
            original(Z, T)[1] * len(Z),
        )
        wrong = standalone.backward(params, standalone.forward(params, X)[1], Y)
        errors = standalone.gradient_check(params, X, Y, np.random.default_rng(1))
    finally:
        standalone.softmax_cross_entropy = original
    assert not np.allclose(wrong["W1"], right["W1"])
    assert min(errors.values()) > 0.5  # B = 16 times too large: e = 15/17


def test_initialization_has_the_variances_nnmath_uses(standalone):
    params = standalone.init_params(np.random.default_rng(0), n=400, h=300, c=200)
    he = he_normal(400, 300, np.random.default_rng(1))
    glorot = glorot_uniform(300, 200, np.random.default_rng(1))
    assert params["W1"].var() == pytest.approx(2 / 400, rel=0.02)
    assert he.var() == pytest.approx(2 / 400, rel=0.02)  # the summary sheet's He
    assert glorot.var() == pytest.approx(2 / (300 + 200), rel=0.02)  # and Glorot
    limit = np.sqrt(6 / (300 + 200))
    assert np.abs(params["W2"]).max() <= limit < 1.01 * np.abs(params["W2"]).max()
    assert params["W2"].var() == pytest.approx(glorot.var(), rel=0.03)
    assert not params["b1"].any() and not params["b2"].any()


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_its_gradient_check_passes(standalone, seed):
    rng, X, y = digits_batch(standalone, seed, 32)
    params = standalone.init_params(rng)
    before = {name: p.copy() for name, p in params.items()}
    errors = standalone.gradient_check(params, X, one_hot(y, 10), rng, entries=8)
    assert sorted(errors) == sorted(NAMES)
    assert all(0 <= e < 1e-6 for e in errors.values()), errors
    for name, p in params.items():  # every perturbed entry was put back exactly
        assert np.array_equal(p, before[name]), name


def test_the_split_is_seeded_scaled_and_disjoint(standalone):
    first = standalone.load_data(np.random.default_rng(5))
    again = standalone.load_data(np.random.default_rng(5))
    other = standalone.load_data(np.random.default_rng(6))
    X_train, y_train, X_test, y_test = first
    assert all(np.array_equal(a, b) for a, b in zip(first, again))
    assert not np.array_equal(X_test, other[2])
    assert len(X_train) + len(X_test) == 1797 and len(X_test) == 449
    assert X_train.min() == 0.0 and X_train.max() == 1.0
    train_rows = {row.tobytes() for row in X_train}
    shared = sum(row.tobytes() in train_rows for row in X_test)
    assert shared < 5  # a few digits images are exact duplicates in the data set


def test_training_learns_and_matches_nnmaths_accuracy(standalone):
    rng = np.random.default_rng(0)
    X_train, y_train, X_test, y_test = standalone.load_data(rng)
    params = standalone.init_params(rng)
    untrained = accuracy(standalone.forward(params, X_test)[0], y_test)
    standalone.train(params, X_train, one_hot(y_train, 10), rng, epochs=3)
    logits = standalone.forward(params, X_test)[0]
    assert untrained < 0.3 and accuracy(logits, y_test) >= 0.9
    assert np.allclose(nnmath_copy(params).forward(X_test), logits)


def test_it_runs_as_a_script_and_reaches_90_percent():
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--epochs", "3"],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    check, trained = result.stdout.splitlines()
    errors = [float(e) for e in re.findall(r"d\w+ ([0-9.e+-]+)", check)]
    assert check.startswith("gradient check:") and len(errors) == 4
    assert max(errors) < 1e-6
    found = re.fullmatch(r"test accuracy after 3 epochs: ([0-9.]+)%", trained)
    assert found and float(found[1]) >= 90.0, trained


def test_it_is_short_numpy_only_and_seeded():
    text = SCRIPT.read_text(encoding="utf8")
    assert len(text.splitlines()) <= 110
    tree = ast.parse(text)
    imported = {
        alias.name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, (ast.Import, ast.ImportFrom))
        for alias in (
            node.names if isinstance(node, ast.Import) else [ast.alias(node.module)]
        )
    }
    assert imported == {"argparse", "numpy", "sklearn"}
    assert "nnmath" not in imported
    assert "np.random.seed" not in text and "np.random.rand" not in text
    assert "default_rng(seed)" in text
