"""The training loop: one-hot, accuracy, mini-batches, mlp, train_step, and the digits run."""

from __future__ import annotations

import numpy as np
import pytest

from nnmath import (
    SGD,
    Adam,
    Dense,
    accuracy,
    check_gradient,
    minibatches,
    mlp,
    one_hot,
    softmax_cross_entropy,
    softmax_cross_entropy_gradient,
    train_epoch,
    train_step,
)

SEEDS = [0, 1, 2]


def toy_problem(seed, n=24, n_in=5, n_classes=3):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, n_in))
    y = rng.integers(0, n_classes, size=n)
    return rng, X, y, one_hot(y, n_classes)


# --- one_hot and accuracy ----------------------------------------------------------------


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("num_classes", [2, 10])
def test_one_hot_rows_pick_out_the_label(seed, num_classes):
    labels = np.random.default_rng(seed).integers(0, num_classes, size=17)
    Y = one_hot(labels, num_classes)
    assert Y.shape == (17, num_classes) and Y.dtype == np.float64
    assert np.array_equal(Y.sum(axis=1), np.ones(17))
    assert np.array_equal(np.argmax(Y, axis=1), labels)
    assert set(np.unique(Y)) <= {0.0, 1.0}


@pytest.mark.parametrize(
    "labels, error, match",
    [
        ([0.0, 1.0], TypeError, "integers"),
        ([0, 3], ValueError, "num_classes"),
        ([-1, 0], ValueError, ">= 0"),
        ([[0, 1]], ValueError, "1-D"),
    ],
)
def test_one_hot_rejects_bad_labels(labels, error, match):
    with pytest.raises(error, match=match):
        one_hot(np.array(labels), 3)


@pytest.mark.parametrize("seed", SEEDS)
def test_accuracy_is_the_fraction_of_correct_argmaxes(seed):
    rng = np.random.default_rng(seed)
    scores = rng.normal(size=(50, 4))
    labels = rng.integers(0, 4, size=50)
    expected = sum(int(np.argmax(row) == lab) for row, lab in zip(scores, labels)) / 50
    assert accuracy(scores, labels) == expected
    assert accuracy(scores, np.argmax(scores, axis=1)) == 1.0


def test_accuracy_rejects_mismatched_rows_and_1d_scores():
    with pytest.raises(ValueError, match="rows"):
        accuracy(np.zeros((3, 2)), np.array([0, 1]))
    with pytest.raises(ValueError, match="2-D"):
        accuracy(np.zeros(3), np.array([0, 1, 0]))


# --- minibatches -------------------------------------------------------------------------


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("n, batch_size", [(10, 3), (32, 32), (7, 10), (100, 1)])
def test_minibatches_cover_every_index_once(seed, n, batch_size):
    batches = minibatches(n, batch_size, np.random.default_rng(seed))
    assert np.array_equal(np.sort(np.concatenate(batches)), np.arange(n))
    assert all(len(b) == batch_size for b in batches[:-1])
    assert 1 <= len(batches[-1]) <= batch_size
    assert len(batches) == -(-n // batch_size)  # ceil(n / batch_size)


def test_minibatches_follow_the_generator():
    first = minibatches(50, 8, np.random.default_rng(3))
    again = minibatches(50, 8, np.random.default_rng(3))
    other = minibatches(50, 8, np.random.default_rng(4))
    assert all(np.array_equal(a, b) for a, b in zip(first, again))
    assert not np.array_equal(np.concatenate(first), np.concatenate(other))
    assert not np.array_equal(np.concatenate(first), np.arange(50))  # shuffled


@pytest.mark.parametrize("batch_size", [0, -2, 2.5, True, "8"])
def test_minibatches_reject_bad_batch_sizes(batch_size):
    with pytest.raises(ValueError, match="batch_size"):
        minibatches(10, batch_size, np.random.default_rng(0))


# --- mlp -----------------------------------------------------------------------------------


@pytest.mark.parametrize("sizes", [[4, 3], [64, 32, 10], [2, 8, 8, 2]])
@pytest.mark.parametrize("activation", ["relu", "sigmoid", "tanh"])
def test_mlp_layers_widths_and_activations(sizes, activation):
    model = mlp(sizes, activation, np.random.default_rng(0))
    assert [p.shape for p in model.parameters()] == [
        shape for a, b in zip(sizes, sizes[1:]) for shape in ((a, b), (b,))
    ]
    assert all(isinstance(layer, Dense) for layer in model.layers)
    assert [layer.activation for layer in model.layers] == [activation] * (
        len(sizes) - 2
    ) + [None]
    assert model.forward(np.zeros((3, sizes[0]))).shape == (3, sizes[-1])


def test_mlp_needs_an_input_and_an_output_width():
    with pytest.raises(ValueError, match="at least"):
        mlp([5], "relu", np.random.default_rng(0))


def test_mlp_is_reproducible_from_the_generator():
    a = mlp([4, 6, 2], "relu", np.random.default_rng(7))
    b = mlp([4, 6, 2], "relu", np.random.default_rng(7))
    assert all(np.array_equal(p, q) for p, q in zip(a.parameters(), b.parameters()))


# --- train_step and train_epoch ------------------------------------------------------------


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("activation", ["tanh", "sigmoid"])
def test_network_gradients_match_finite_differences(seed, activation):
    # the whole chain train_step relies on: logits -> fused loss gradient -> backward
    _, X, _, Y = toy_problem(seed, n=6)
    model = mlp([5, 7, 3], activation, np.random.default_rng(seed + 10))
    model.backward(softmax_cross_entropy_gradient(model.forward(X), Y))
    loss = lambda _: softmax_cross_entropy(model.forward(X), Y)
    for param, grad in zip(model.parameters(), [g.copy() for g in model.gradients()]):
        assert check_gradient(loss, param, grad) < 1e-7


@pytest.mark.parametrize("seed", SEEDS)
def test_train_step_returns_the_loss_before_the_update(seed):
    rng, X, _, Y = toy_problem(seed)
    model = mlp([5, 8, 3], "relu", rng)
    before = softmax_cross_entropy(model.forward(X), Y)
    params_before = [p.copy() for p in model.parameters()]
    assert train_step(model, SGD(learning_rate=0.1), X, Y) == before
    assert all(
        not np.array_equal(p, q) for p, q in zip(model.parameters(), params_before)
    )


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize(
    "make_optimizer", [lambda: SGD(learning_rate=0.2), lambda: Adam(learning_rate=0.01)]
)
def test_repeated_steps_drive_the_loss_down(seed, make_optimizer):
    rng, X, _, Y = toy_problem(seed)
    model, optimizer = mlp([5, 16, 3], "relu", rng), make_optimizer()
    losses = [train_step(model, optimizer, X, Y) for _ in range(100)]
    assert losses[-1] < 0.5 * losses[0]
    assert np.all(np.isfinite(losses))


def test_one_train_step_is_one_adam_time_step():
    rng, X, _, Y = toy_problem(0)
    model, adam = mlp([5, 4, 4, 3], "relu", rng), Adam()
    for expected in (1, 2, 3):
        train_step(model, adam, X, Y)
        assert adam.t == expected  # six parameter arrays, still one step


def test_train_step_rejects_targets_of_the_wrong_width():
    rng, X, _, _ = toy_problem(0)
    model = mlp([5, 4, 3], "relu", rng)
    with pytest.raises(ValueError, match="shape"):
        train_step(
            model, SGD(learning_rate=0.1), X, one_hot(np.zeros(len(X), dtype=int), 4)
        )


@pytest.mark.parametrize("seed", SEEDS)
def test_train_epoch_returns_the_size_weighted_mean_batch_loss(seed):
    _, X, _, Y = toy_problem(seed, n=10)
    # SGD with a learning rate this small barely moves: the epoch's loss is the start loss
    model = mlp([5, 4, 3], "tanh", np.random.default_rng(seed))
    start = softmax_cross_entropy(model.forward(X), Y)
    loss = train_epoch(
        model,
        SGD(learning_rate=1e-12),
        X,
        Y,
        batch_size=4,
        rng=np.random.default_rng(0),
    )
    assert loss == pytest.approx(start, rel=1e-9)  # batches of 4, 4, 2 weighted 4, 4, 2


def test_train_epoch_is_reproducible_and_checks_rows():
    runs = []
    for _ in range(2):
        rng, X, _, Y = toy_problem(5)
        model = mlp([5, 8, 3], "relu", rng)
        runs.append(train_epoch(model, Adam(0.01), X, Y, batch_size=5, rng=rng))
    assert runs[0] == runs[1]
    with pytest.raises(ValueError, match="rows"):
        train_epoch(model, Adam(), X, Y[:-1], batch_size=5, rng=rng)


# --- the digits run shown on the "Putting it all together" page ---------------------------
# examples/train_digits.py is a script, not part of the package; the page loads it the same way.


@pytest.fixture(scope="module")
def digits():
    from nnmath_site.examples import load_example

    return load_example("train_digits")


def test_digits_split_is_stratified_and_scaled(digits):
    data = digits.load_digits_split(seed=0)
    y_train, y_test = data["y_train"], data["y_test"]
    assert len(y_train) + len(y_test) == 1797
    share_train = np.bincount(y_train, minlength=10) / len(y_train)
    share_test = np.bincount(y_test, minlength=10) / len(y_test)
    assert (
        np.abs(share_train - share_test).max() < 1 / len(y_test) + 1e-12
    )  # at most one image off
    for X in (data["X_train"], data["X_test"]):
        assert X.shape[1] == 64 and X.min() == 0.0 and X.max() == 1.0


def test_digits_reach_95_percent_test_accuracy(digits):
    model, history, data = digits.train_digits(
        hidden=64, epochs=30, batch_size=32, learning_rate=0.01, seed=0
    )
    assert all(len(v) == 31 for v in history.values())
    assert history["test_accuracy"][0] < 0.3  # the untrained network is near chance
    assert history["test_accuracy"][-1] >= 0.95
    assert (
        accuracy(model.forward(data["X_test"]), data["y_test"])
        == history["test_accuracy"][-1]
    )
    assert history["train_loss"][-1] < history["train_loss"][0]


def test_digits_run_is_deterministic(digits):
    _, first, _ = digits.train_digits(hidden=8, epochs=2, seed=3)
    _, again, _ = digits.train_digits(hidden=8, epochs=2, seed=3)
    assert first == again


@pytest.mark.parametrize("epochs", [-1, 2.5, True])
def test_train_digits_rejects_bad_epochs(digits, epochs):
    with pytest.raises(ValueError, match="epochs must be a non-negative integer"):
        digits.train_digits(hidden=4, epochs=epochs)


def test_digits_script_runs_on_its_own_and_prints_the_test_accuracy(digits, tmp_path):
    import re
    import subprocess
    import sys

    script = digits.__file__
    # from another folder: the script needs nnmath and scikit-learn, not the repository
    result = subprocess.run(
        [sys.executable, script],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    match = re.fullmatch(r"test accuracy after 30 epochs: (\d+\.\d)%\n", result.stdout)
    assert match, result.stdout
    assert float(match[1]) >= 95.0


# --- what a new user tried (issue 9) ---------------------------------------------------


def test_train_epoch_on_no_data_is_a_clear_error():
    model, rng = mlp([3, 2], None, np.random.default_rng(0)), np.random.default_rng(1)
    with pytest.raises(ValueError, match="X must not be empty"):
        train_epoch(model, SGD(0.1), np.zeros((0, 3)), np.zeros((0, 2)), 4, rng)


def test_train_step_without_a_model_names_it():
    with pytest.raises(TypeError, match="model must be a Sequential, got NoneType"):
        train_step(None, SGD(0.1), np.ones((2, 3)), np.eye(2))
    model = mlp([3, 2], None, np.random.default_rng(0))
    with pytest.raises(TypeError, match="optimizer must be an SGD or Adam, got str"):
        train_step(model, "adam", np.ones((2, 3)), np.eye(2))


# --- a non-finite loss stops the step before any weight changes (review of issue 9) ----


def _model_and_copy():
    model = mlp([2, 3, 2], "relu", np.random.default_rng(0))
    return model, [p.copy() for p in model.parameters()]


@pytest.mark.parametrize(
    "X, Y, message",
    [
        (  # overflow in the forward: no NumPy warning, the boundary's clear error
            np.array([[1e308, 1e308]]),
            np.array([[1.0, 0.0]]),
            r"overflow encountered in matmul.*float64 range.*X 1e\+308",
        ),
        (  # NaN in the targets reaches the loss
            np.array([[1.0, 2.0]]),
            np.array([[np.nan, 1.0]]),
            "the loss is nan.*nothing was changed",
        ),
    ],
    ids=["overflowing batch", "NaN target"],
)
@pytest.mark.parametrize(
    "make", [lambda: SGD(0.1), lambda: Adam()], ids=["SGD", "Adam"]
)
def test_a_step_with_a_non_finite_loss_changes_nothing(X, Y, message, make):
    model, _ = _model_and_copy()
    model.layers[0].weights[:] = 1.0  # so that 1e308 + 1e308 overflows
    before = [p.copy() for p in model.parameters()]
    with pytest.raises(ValueError, match=message):
        train_step(model, make(), X, Y)
    for p, q in zip(model.parameters(), before):
        np.testing.assert_array_equal(p, q)


def test_a_nan_weight_is_caught_by_the_loss_not_spread_to_every_weight():
    model, _ = _model_and_copy()
    model.layers[1].weights[0, 0] = np.nan
    with pytest.raises(ValueError, match="the loss is nan"):
        train_step(model, SGD(0.1), np.ones((2, 2)), np.eye(2))
    assert np.isfinite(model.layers[0].weights).all()


def test_forward_keeps_its_own_copy_of_x():
    layer = Dense(3, 2, "tanh", np.random.default_rng(0))
    X = np.random.default_rng(1).normal(size=(4, 3))
    expected = Dense(3, 2, "tanh", np.random.default_rng(0))
    out = layer.forward(X)
    expected.forward(X.copy())
    X[:] = 0.0  # the caller reuses their buffer before backward
    layer.backward(np.ones_like(out))
    expected.backward(np.ones_like(out))
    np.testing.assert_array_equal(layer.grad_weights, expected.grad_weights)
