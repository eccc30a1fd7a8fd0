"""Losses: values against independent formulas, gradient checks, extremes and shape errors."""

from __future__ import annotations

import math

import numpy as np
import pytest

from nnmath import (
    check_gradient,
    cross_entropy,
    cross_entropy_gradient,
    log_softmax,
    mse,
    mse_gradient,
    softmax_cross_entropy,
    softmax_cross_entropy_gradient,
)

SEEDS = [0, 1, 2]
ANY_SHAPES = [(1,), (7,), (4, 3), (2, 3, 5)]
CLASS_SHAPES = [(2,), (5,), (1, 3), (4, 3), (8, 10)]


def rows(a):
    """View a 1-D sample as a batch of one row."""
    return a.reshape(1, -1) if a.ndim == 1 else a


def python_softmax(row):
    """softmax of one row of logits, written with the math module (shifted by the max)."""
    m = max(row)
    e = [math.exp(v - m) for v in row]
    s = math.fsum(e)
    return [v / s for v in e]


def distributions(rng, shape, soft=True):
    """Random target rows: soft (Dirichlet) or one-hot."""
    flat = rows(np.empty(shape))
    if soft:
        out = rng.dirichlet(np.ones(flat.shape[1]), size=flat.shape[0])
    else:
        out = np.eye(flat.shape[1])[rng.integers(flat.shape[1], size=flat.shape[0])]
    return out.reshape(shape)


def probabilities(rng, shape):
    """Predicted probabilities away from 0 and 1 (so the clip and the [0, 1] bound stay far)."""
    logits = rng.normal(size=rows(np.empty(shape)).shape)
    return np.array([python_softmax(r) for r in logits.tolist()]).reshape(shape)


# ---- mean squared error -------------------------------------------------------------


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("shape", ANY_SHAPES)
def test_mse_is_the_mean_over_every_element(seed, shape):
    rng = np.random.default_rng(seed)
    y_pred, y_true = rng.normal(size=shape), rng.normal(size=shape)
    squares = [
        (t - p) ** 2 for p, t in zip(y_pred.ravel().tolist(), y_true.ravel().tolist())
    ]
    assert mse(y_pred, y_true) == pytest.approx(
        math.fsum(squares) / len(squares), rel=1e-13
    )


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("shape", ANY_SHAPES)
def test_mse_gradient_formula_and_gradient_check(seed, shape):
    rng = np.random.default_rng(seed)
    y_pred, y_true = rng.normal(size=shape), rng.normal(size=shape)
    grad = mse_gradient(y_pred, y_true)
    N = math.prod(shape)
    assert grad.shape == shape
    assert np.allclose(grad, 2.0 / N * (y_pred - y_true), rtol=1e-14, atol=0)
    assert check_gradient(lambda v: mse(v, y_true), y_pred.copy(), grad) < 1e-7


def test_mse_hand_values():
    assert (
        mse([[1.0, 2.0], [3.0, 4.0]], [[1.0, 2.0], [3.0, 6.0]]) == 1.0
    )  # 4 / N with N = 4
    assert mse([0.0], [0.0]) == 0.0
    assert np.array_equal(
        mse_gradient([[0.0, 2.0]], [[0.0, 0.0]]), [[0.0, 2.0]]
    )  # 2/2 * 2


@pytest.mark.parametrize("seed", SEEDS)
def test_mse_is_symmetric_and_zero_only_at_equality(seed):
    rng = np.random.default_rng(seed)
    a, b = rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
    assert mse(a, b) == mse(b, a) > 0
    assert mse(a, a) == 0.0


def test_mse_of_huge_values_is_finite():
    assert mse([1e150], [-1e150]) == pytest.approx(4e300)
    assert np.all(np.isfinite(mse_gradient([1e300], [-1e300])))


# ---- cross-entropy on probabilities ----------------------------------------------------


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("shape", CLASS_SHAPES)
@pytest.mark.parametrize("soft", [False, True], ids=["one-hot", "soft"])
def test_cross_entropy_is_the_row_mean_of_minus_sum_y_log_p(seed, shape, soft):
    rng = np.random.default_rng(seed)
    y_pred, y_true = probabilities(rng, shape), distributions(rng, shape, soft)
    per_row = [
        -math.fsum(t * math.log(p) for p, t in zip(pr, tr))
        for pr, tr in zip(rows(y_pred).tolist(), rows(y_true).tolist())
    ]
    assert cross_entropy(y_pred, y_true) == pytest.approx(
        math.fsum(per_row) / len(per_row), rel=1e-12
    )


@pytest.mark.parametrize("seed", SEEDS)
def test_a_one_d_input_is_one_sample(seed):
    rng = np.random.default_rng(seed)
    p, y = probabilities(rng, (4,)), distributions(rng, (4,))
    assert cross_entropy(p, y) == pytest.approx(
        cross_entropy(p[None, :], y[None, :]), rel=1e-15
    )
    assert np.allclose(
        cross_entropy_gradient(p, y), cross_entropy_gradient(p[None, :], y[None, :])[0]
    )


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("shape", CLASS_SHAPES)
def test_cross_entropy_gradient_formula_and_gradient_check(seed, shape):
    rng = np.random.default_rng(seed)
    y_pred, y_true = probabilities(rng, shape), distributions(rng, shape)
    grad = cross_entropy_gradient(y_pred, y_true)
    B = shape[0] if len(shape) == 2 else 1
    assert grad.shape == shape
    assert np.allclose(grad, -y_true / y_pred / B, rtol=1e-14, atol=0)
    assert (
        check_gradient(lambda v: cross_entropy(v, y_true), y_pred.copy(), grad) < 1e-7
    )


def test_zero_probability_for_the_true_class_is_clipped_not_infinite():
    y_true = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    y_pred = np.array([[0.0, 0.5, 0.5], [0.2, 0.8, 0.0]])
    expected = (-math.log(1e-15) - math.log(0.8)) / 2
    assert cross_entropy(y_pred, y_true) == pytest.approx(expected, rel=1e-14)
    grad = cross_entropy_gradient(y_pred, y_true)
    assert np.all(np.isfinite(grad))
    assert grad[0, 0] == 0.0  # the clipped function is flat where the clip is active
    assert grad[1, 1] == pytest.approx(-1 / 0.8 / 2)


@pytest.mark.parametrize("epsilon", [1e-15, 1e-7, 1e-3])
def test_epsilon_caps_the_loss(epsilon):
    loss = cross_entropy([0.0, 1.0], [1.0, 0.0], epsilon=epsilon)
    assert loss == pytest.approx(-math.log(epsilon), rel=1e-14)


def test_a_perfect_prediction_costs_nothing():
    assert cross_entropy([0.0, 1.0, 0.0], [0.0, 1.0, 0.0]) == 0.0


def test_soft_labels_count_every_class():
    # the article's version only reads entries equal to 1 and would return 0 here
    loss = cross_entropy([0.2, 0.8], [0.9, 0.1])
    assert loss == pytest.approx(
        -(0.9 * math.log(0.2) + 0.1 * math.log(0.8)), rel=1e-14
    )
    assert loss > 0


@pytest.mark.parametrize("y_pred", [[1.5, -0.5], [-1e-9, 1.0], [3.0, 7.0]])
def test_cross_entropy_rejects_values_that_are_not_probabilities(y_pred):
    for fn in (cross_entropy, cross_entropy_gradient):
        with pytest.raises(ValueError, match="y_pred must hold probabilities"):
            fn(y_pred, [1.0, 0.0])


@pytest.mark.parametrize(
    "fn", [cross_entropy, cross_entropy_gradient, softmax_cross_entropy]
)
@pytest.mark.parametrize("y_true", [[1.0, 1.0], [0.5, 0.2], [1.2, -0.2]])
def test_targets_must_be_distributions(fn, y_true):
    with pytest.raises(ValueError, match="y_true"):
        fn([0.5, 0.5], y_true)


# ---- softmax + cross-entropy on logits, and log_softmax --------------------------------


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("shape", CLASS_SHAPES)
def test_softmax_cross_entropy_matches_log_of_softmax(seed, shape):
    rng = np.random.default_rng(seed)
    logits, y_true = rng.normal(scale=3, size=shape), distributions(rng, shape)
    per_row = [
        -math.fsum(t * math.log(p) for p, t in zip(python_softmax(z), y))
        for z, y in zip(rows(logits).tolist(), rows(y_true).tolist())
    ]
    assert softmax_cross_entropy(logits, y_true) == pytest.approx(
        math.fsum(per_row) / len(per_row), rel=1e-12
    )


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("shape", CLASS_SHAPES)
def test_fused_gradient_is_softmax_minus_target_over_batch(seed, shape):
    rng = np.random.default_rng(seed)
    logits, y_true = rng.normal(scale=3, size=shape), distributions(rng, shape)
    grad = softmax_cross_entropy_gradient(logits, y_true)
    B = shape[0] if len(shape) == 2 else 1
    softmax_rows = np.array([python_softmax(z) for z in rows(logits).tolist()]).reshape(
        shape
    )
    assert grad.shape == shape
    assert np.allclose(grad, (softmax_rows - y_true) / B, rtol=1e-12, atol=1e-15)
    assert np.allclose(grad.sum(axis=-1), 0.0, atol=1e-15)  # both rows sum to 1
    assert (
        check_gradient(lambda v: softmax_cross_entropy(v, y_true), logits.copy(), grad)
        < 1e-7
    )


@pytest.mark.parametrize("seed", SEEDS)
def test_shifting_the_logits_changes_nothing(seed):
    rng = np.random.default_rng(seed)
    logits, y_true = rng.normal(size=(4, 5)), distributions(rng, (4, 5))
    shift = rng.normal(scale=100, size=(4, 1))  # a different constant for each row
    assert softmax_cross_entropy(logits + shift, y_true) == pytest.approx(
        softmax_cross_entropy(logits, y_true), rel=1e-10
    )
    assert np.allclose(
        softmax_cross_entropy_gradient(logits + shift, y_true),
        softmax_cross_entropy_gradient(logits, y_true),
        atol=1e-12,
    )


@pytest.mark.parametrize("true_class, loss", [(0, 0.0), (1, 2000.0), (2, 1000.0)])
def test_logits_of_plus_minus_1000_give_exact_finite_values(true_class, loss):
    z = np.array([1000.0, -1000.0, 0.0])
    y = np.eye(3)[true_class]
    assert (
        softmax_cross_entropy(z, y) == loss
    )  # z_max - z_true; the log-sum-exp remainder rounds to 0
    grad = softmax_cross_entropy_gradient(z, y)
    assert np.array_equal(grad, np.array([1.0, 0.0, 0.0]) - y)


@pytest.mark.parametrize("seed", SEEDS)
def test_huge_random_logits_stay_finite(seed):
    rng = np.random.default_rng(seed)
    logits = rng.normal(scale=1e5, size=(6, 4))
    y_true = distributions(rng, (6, 4), soft=False)
    loss = softmax_cross_entropy(logits, y_true)
    true_logit = np.sum(logits * y_true, axis=1)
    # with gaps of ~1e5 the log-sum-exp is the max to within rounding
    assert loss == pytest.approx(
        np.mean(logits.max(axis=1) - true_logit), rel=1e-12, abs=1e-9
    )
    grad = softmax_cross_entropy_gradient(logits, y_true)
    assert np.all(np.isfinite(grad)) and np.all(np.abs(grad) <= 1 / 6 + 1e-15)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("shape", CLASS_SHAPES)
def test_log_softmax_matches_the_log_of_softmax(seed, shape):
    rng = np.random.default_rng(seed)
    z = rng.normal(scale=3, size=shape)
    expected = np.array(
        [[math.log(p) for p in python_softmax(r)] for r in rows(z).tolist()]
    ).reshape(shape)
    out = log_softmax(z)
    assert out.shape == shape
    assert np.allclose(out, expected, rtol=1e-12, atol=1e-14)
    assert np.allclose(np.exp(out).sum(axis=-1), 1.0, atol=1e-14)


def test_log_softmax_extremes_are_exact():
    assert np.array_equal(log_softmax(np.array([0.0, -2000.0])), [0.0, -2000.0])
    assert np.array_equal(log_softmax(np.array([[1000.0, -1000.0]])), [[0.0, -2000.0]])
    assert np.all(log_softmax(np.array([1e300, -1e300, 0.0])) <= 0)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("shape", [(5,), (3, 4)])
def test_log_softmax_gradient_with_a_random_upstream(seed, shape):
    rng = np.random.default_rng(seed)
    z, g = rng.normal(size=shape), rng.normal(size=shape)
    s = np.exp(log_softmax(z))
    analytic = g - s * g.sum(axis=-1, keepdims=True)  # J^T g with J = I - 1 s^T per row
    assert (
        check_gradient(lambda v: np.sum(g * log_softmax(v)), z.copy(), analytic) < 1e-7
    )


# ---- shapes, dtypes and bad inputs, for every loss --------------------------------------

LOSSES = [
    mse,
    mse_gradient,
    cross_entropy,
    cross_entropy_gradient,
    softmax_cross_entropy,
    softmax_cross_entropy_gradient,
]
MISMATCHES = [
    ((3, 1), (3,)),
    ((3,), (3, 1)),
    ((2, 3), (3, 2)),
    ((4,), (5,)),
    ((1, 4), (4,)),
]


@pytest.mark.parametrize("fn", LOSSES)
@pytest.mark.parametrize("pred_shape, true_shape", MISMATCHES)
def test_shape_mismatch_raises_naming_both_shapes(fn, pred_shape, true_shape):
    y_pred = np.full(pred_shape, 1.0 / pred_shape[-1])
    y_true = np.full(true_shape, 1.0 / true_shape[-1])
    with pytest.raises(ValueError) as error:
        fn(y_pred, y_true)
    message = str(error.value)
    assert str(pred_shape) in message and str(true_shape) in message


@pytest.mark.parametrize("fn", LOSSES)
def test_non_finite_inputs_are_rejected(fn):
    for bad in (np.nan, np.inf):
        with pytest.raises(ValueError, match="must be finite"):
            fn(np.array([bad, 0.5]), np.array([0.5, 0.5]))
        with pytest.raises(ValueError, match="must be finite"):
            fn(np.array([0.5, 0.5]), np.array([bad, 0.5]))


@pytest.mark.parametrize("fn", LOSSES)
def test_empty_inputs_are_rejected(fn):
    with pytest.raises(ValueError, match="must not be empty"):
        fn(np.zeros((0, 3)), np.zeros((0, 3)))


@pytest.mark.parametrize(
    "fn",
    [
        cross_entropy,
        cross_entropy_gradient,
        softmax_cross_entropy,
        softmax_cross_entropy_gradient,
    ],
)
def test_class_losses_take_one_or_two_dimensions(fn):
    with pytest.raises(ValueError, match="1-D or 2-D"):
        fn(np.full((2, 2, 2), 0.5), np.full((2, 2, 2), 0.5))


@pytest.mark.parametrize(
    "fn", [mse_gradient, cross_entropy_gradient, softmax_cross_entropy_gradient]
)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_gradients_keep_the_float_dtype(fn, dtype):
    y_pred = np.array([[0.2, 0.8], [0.6, 0.4]], dtype=dtype)
    y_true = np.array([[0.0, 1.0], [1.0, 0.0]], dtype=dtype)
    assert fn(y_pred, y_true).dtype == dtype


@pytest.mark.parametrize("fn", LOSSES)
def test_inputs_are_not_modified(fn):
    y_pred, y_true = np.array([[0.3, 0.7]]), np.array([[1.0, 0.0]])
    before = y_pred.copy(), y_true.copy()
    fn(y_pred, y_true)
    assert np.array_equal(y_pred, before[0]) and np.array_equal(y_true, before[1])


@pytest.mark.parametrize(
    "call",
    [
        lambda z: cross_entropy(z, np.array([1.0, 0.0], np.float16)),
        lambda z: softmax_cross_entropy(z, np.array([1.0, 0.0], np.float16)),
        lambda z: mse(z, np.zeros(2, np.float16)),
    ],
)
def test_float16_is_refused_rather_than_clipped_to_an_infinite_loss(call):
    with pytest.raises(TypeError, match="float32 or float64"):
        call(np.array([0.5, 0.5], np.float16))
