"""The training loop: one-hot, accuracy, mini-batches, mlp, train_step, and the digits run."""

from __future__ import annotations

import numpy as np
import pytest

from nnmath import (
    SGD,
    Adam,
    Dense,
    accuracy,
    minibatches,
    mlp,
    mse_gradient,
    one_hot,
    softmax_cross_entropy,
    train_epoch,
    train_step,
)
from tests.support import (
    NAN,
    args,
    arr,
    bad_input_test,
    gen,
    model,
    non_finite,
    ones,
    zeros,
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


@pytest.mark.parametrize("seed", SEEDS)
def test_accuracy_is_the_fraction_of_correct_argmaxes(seed):
    rng = np.random.default_rng(seed)
    scores = rng.normal(size=(50, 4))
    labels = rng.integers(0, 4, size=50)
    expected = sum(int(np.argmax(row) == lab) for row, lab in zip(scores, labels)) / 50
    assert accuracy(scores, labels) == expected
    assert accuracy(scores, np.argmax(scores, axis=1)) == 1.0


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


@pytest.mark.parametrize("batch_size", [1, 5, 20])
@pytest.mark.verifies("minibatch-unbiased", by="sampling")
def test_the_gradient_of_a_minibatch_is_unbiased(batch_size, measured):
    # linear regression, one output: the batch gradient is the mean of per-sample ones
    rng = np.random.default_rng(7)
    N, n_in = 40, 3
    X, y = rng.normal(size=(N, n_in)), rng.normal(size=(N, 1))
    layer = Dense(n_in, 1, None, rng)

    def gradient(rows):
        layer.backward(mse_gradient(layer.forward(X[rows]), y[rows]))
        return np.concatenate([layer.grad_weights.ravel(), layer.grad_bias])

    full = gradient(np.arange(N))
    draws = np.array(
        [gradient(minibatches(N, batch_size, rng)[0]) for _ in range(4000)]
    )
    mean, stderr = draws.mean(axis=0), draws.std(axis=0, ddof=1) / np.sqrt(len(draws))
    measured(np.linalg.norm(mean - full) / np.linalg.norm(full))
    assert np.all(np.abs(mean - full) < 5 * stderr)
    assert np.all(stderr > 0)  # the draws really vary (the check is not vacuous)


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


def test_mlp_is_reproducible_from_the_generator():
    a = mlp([4, 6, 2], "relu", np.random.default_rng(7))
    b = mlp([4, 6, 2], "relu", np.random.default_rng(7))
    assert all(np.array_equal(p, q) for p, q in zip(a.parameters(), b.parameters()))


# --- train_step and train_epoch ------------------------------------------------------------


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


def test_train_epoch_is_reproducible():
    runs = []
    for _ in range(2):
        rng, X, _, Y = toy_problem(5)
        model = mlp([5, 8, 3], "relu", rng)
        runs.append(train_epoch(model, Adam(0.01), X, Y, batch_size=5, rng=rng))
    assert runs[0] == runs[1]


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


# ---- bad input: one row a case (tests/support.py) -------------------------------------


def step_of(**change):
    """train_step of a 3-4-2 model on a batch of two, with ``change`` to its arguments."""
    kw = dict(model=model(), optimizer=SGD(0.1), X=ones(2, 3), Y=np.eye(2)) | change
    return args(*kw.values())


def epoch_of(**change):
    """train_epoch with batches of 2 on two samples, with ``change`` to its arguments."""
    kw = (
        dict(model=model(), optimizer=SGD(0.1), X=ones(2, 3), Y=np.eye(2), batch_size=2)
        | change
    )
    return args(*kw.values(), gen())


# fmt: off
BAD_INPUT = {
    "one_hot": [
        ("num_classes None", args([0, 1], None), r"^num_classes\b.*positive integer.*None"),
        ("num_classes 0", args([], 0), r"^num_classes\b.*positive integer.*0"),
        ("float labels", args(arr(0.0, 1.0), 2), r"^labels\b.*integers.*float64", TypeError),
        ("label 3 of 3 classes", args(np.array([0, 3]), 3), r"^labels\b.*num_classes=3.*got 3"),
        ("label -1", args(np.array([-1, 0]), 3), r"^labels\b.*>= 0.*-1"),
        ("a column of labels", args([[0], [1]], 2), r"^labels\b.*1-D.*\(2, 1\)"),
        ("a row of labels", args(np.array([[0, 1]]), 3), r"^labels\b.*1-D.*\(1, 2\)"),
    ],
    "accuracy": [
        ("rows differ", args(ones(3, 2), [0, 1]), r"^scores has 3 rows but labels has 2"),
        ("1-D scores", args(ones(3), [0]), r"^scores\b.*2-D.*\(3,\)"),
        ("NaN scores", args(np.array([[NAN, 0.0]]), [0]), r"^scores\b.*finite"),
        *non_finite(lambda v: accuracy(arr(0.5, v, 0.25)[None, :], [0]), r"^scores\b.*finite"),
        ("empty", args(zeros(0, 2), []), r"^scores\b.*empty.*\(0, 2\)"),
        ("label 2 of 2 classes", args(ones(1, 2), [2]), r"^labels\b.*num_classes=2.*got 2"),
    ],
    "minibatches": [
        ("batch_size 0", args(10, 0, gen()), r"^batch_size\b.*positive integer.*0"),
        ("batch_size -2", args(10, -2, gen()), r"^batch_size\b.*-2"),
        ("batch_size 2.0", args(10, 2.0, gen()), r"^batch_size\b.*2\.0"),
        ("batch_size 2.5", args(10, 2.5, gen()), r"^batch_size\b.*2\.5"),
        ("batch_size True", args(10, True, gen()), r"^batch_size\b.*True"),
        ("batch_size '8'", args(10, "8", gen()), r"^batch_size\b.*'8'"),
        ("n -1", args(-1, 2, gen()), r"^n\b.*non-negative integer.*-1"),
        ("seed instead of rng", args(10, 2, 0), r"^rng\b.*Generator.*int", TypeError),
    ],
    "mlp": [
        ("sizes None", args(None, "relu", gen()), r"^sizes\b.*list of .*NoneType", TypeError),
        ("one size", args([3], "relu", gen()), r"^sizes\b.*at least.*\[3\]"),
        ("one size of 5", args([5], "relu", gen()), r"^sizes\b.*at least.*\[5\]"),
        ("zero width", args([3, 0, 2], "relu", gen()), r"^out_features\b.*0"),
        ("unknown activation", args([3, 4, 2], "gelu", gen()), r"^activation\b.*'gelu'"),
        ("unknown activation, 2 sizes", args([3, 2], "gelu", gen()), r"^activation\b.*'gelu'"),
    ],
    "train_step": [
        ("labels", step_of(Y=arr(0, 1)), r"logits\.shape=\(2, 2\).*y_true\.shape=\(2,"),
        ("4 classes", step_of(Y=np.eye(4)[:2]), r"logits\.shape=\(2, 2\).*y_true\.shape=\(2, 4"),
        ("X of width 5, not 3", step_of(X=ones(2, 5)), r"expects 3 input features.*X with 5"),
        ("no model", step_of(model=None), r"^model\b.*Sequential.*NoneType", TypeError),
        ("a name", step_of(optimizer="adam"), r"^optimizer\b.*SGD or Adam.*str", TypeError),
    ],
    "train_epoch": [
        ("X a scalar", epoch_of(X=3.0), r"^X\b.*\(samples, features\).*float", TypeError),
        ("Y a generator", epoch_of(Y=(row for row in np.eye(2))), r"^Y\b.*generator", TypeError),
        ("5 rows of X, 4 of Y", epoch_of(X=ones(5, 3), Y=ones(4, 2) / 2), r"^X has 5 .*Y has 4"),
        ("batch_size 0", epoch_of(batch_size=0), r"^batch_size\b.*0"),
        ("no data", epoch_of(X=zeros(0, 3), Y=zeros(0, 2)), r"^X\b.*empty"),
    ],
}
# fmt: on
test_bad_input = bad_input_test(BAD_INPUT)
