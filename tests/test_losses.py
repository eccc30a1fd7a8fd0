"""Losses: values against independent formulas, gradient checks, extremes and shape errors."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from nnmath import (
    check_gradient,
    cross_entropy,
    cross_entropy_gradient,
    log_softmax,
    mse,
    mse_gradient,
    softmax,
    softmax_cross_entropy,
    softmax_cross_entropy_and_gradient,
    softmax_cross_entropy_gradient,
)
from tests.support import (
    BATCH_BOUND,
    COL3,
    DTYPES,
    INF,
    LOGITS,
    NAN,
    ONE_HOT,
    PRODUCT_BOUND,
    SETTINGS,
    V3,
    args,
    arr,
    arrays,
    bad_input_test,
    non_finite,
    ones,
    shape_rx,
    shapes,
    targets,
    zeros,
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


@pytest.mark.verifies("mse", by="exact")
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("shape", ANY_SHAPES)
def test_mse_is_the_mean_over_every_element(seed, shape, measured):
    rng = np.random.default_rng(seed)
    y_pred, y_true = rng.normal(size=shape), rng.normal(size=shape)
    squares = [
        (t - p) ** 2 for p, t in zip(y_pred.ravel().tolist(), y_true.ravel().tolist())
    ]
    expected = math.fsum(squares) / len(squares)
    measured(abs(mse(y_pred, y_true) - expected))
    assert mse(y_pred, y_true) == pytest.approx(expected, rel=1e-13)


@pytest.mark.verifies("mse", by="finite differences")
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("shape", ANY_SHAPES)
def test_mse_gradient_formula_and_gradient_check(seed, shape, measured):
    rng = np.random.default_rng(seed)
    y_pred, y_true = rng.normal(size=shape), rng.normal(size=shape)
    grad = mse_gradient(y_pred, y_true)
    N = math.prod(shape)
    assert grad.shape == shape
    assert np.allclose(grad, 2.0 / N * (y_pred - y_true), rtol=1e-14, atol=0)
    err = measured(check_gradient(lambda v: mse(v, y_true), y_pred.copy(), grad))
    assert err < 1e-7


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


@pytest.mark.verifies("cross-entropy", "cross-entropy-batch", by="exact")
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("shape", CLASS_SHAPES)
@pytest.mark.parametrize("soft", [False, True], ids=["one-hot", "soft"])
def test_cross_entropy_is_the_row_mean_of_minus_sum_y_log_p(
    seed, shape, soft, measured
):
    rng = np.random.default_rng(seed)
    y_pred, y_true = probabilities(rng, shape), distributions(rng, shape, soft)
    per_row = [
        -math.fsum(t * math.log(p) for p, t in zip(pr, tr))
        for pr, tr in zip(rows(y_pred).tolist(), rows(y_true).tolist())
    ]
    expected = math.fsum(per_row) / len(per_row)
    measured(abs(cross_entropy(y_pred, y_true) - expected))
    assert cross_entropy(y_pred, y_true) == pytest.approx(expected, rel=1e-12)


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


@pytest.mark.verifies("cross-entropy-batch", by="finite differences")
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("shape", CLASS_SHAPES)
def test_cross_entropy_gradient_formula_and_gradient_check(seed, shape, measured):
    rng = np.random.default_rng(seed)
    y_pred, y_true = probabilities(rng, shape), distributions(rng, shape)
    grad = cross_entropy_gradient(y_pred, y_true)
    B = shape[0] if len(shape) == 2 else 1
    assert grad.shape == shape
    assert np.allclose(grad, -y_true / y_pred / B, rtol=1e-14, atol=0)
    err = check_gradient(lambda v: cross_entropy(v, y_true), y_pred.copy(), grad)
    measured(err)
    assert err < 1e-7


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


@pytest.mark.verifies("cross-entropy", by="exact")
def test_soft_labels_count_every_class(measured):
    # the article's version only reads entries equal to 1 and would return 0 here
    loss = cross_entropy([0.2, 0.8], [0.9, 0.1])
    expected = -(0.9 * math.log(0.2) + 0.1 * math.log(0.8))
    measured(abs(loss - expected))
    assert loss == pytest.approx(expected, rel=1e-14)
    assert loss > 0


# ---- softmax + cross-entropy on logits, and log_softmax --------------------------------


@pytest.mark.verifies("softmax-cross-entropy", by="exact")
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("shape", CLASS_SHAPES)
def test_softmax_cross_entropy_matches_log_of_softmax(seed, shape, measured):
    rng = np.random.default_rng(seed)
    logits, y_true = rng.normal(scale=3, size=shape), distributions(rng, shape)
    per_row = [
        -math.fsum(t * math.log(p) for p, t in zip(python_softmax(z), y))
        for z, y in zip(rows(logits).tolist(), rows(y_true).tolist())
    ]
    expected = math.fsum(per_row) / len(per_row)
    measured(abs(softmax_cross_entropy(logits, y_true) - expected))
    assert softmax_cross_entropy(logits, y_true) == pytest.approx(expected, rel=1e-12)


@pytest.mark.verifies(
    "softmax-cross-entropy", "softmax-cross-entropy-gradient", by="finite differences"
)
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("shape", CLASS_SHAPES)
def test_fused_gradient_is_softmax_minus_target_over_batch(seed, shape, measured):
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
    loss = lambda v: softmax_cross_entropy(v, y_true)
    err = measured(check_gradient(loss, logits.copy(), grad))
    assert err < 1e-7
    # the one-call version train_step uses: the same loss, and a gradient that passes too
    value, fused = softmax_cross_entropy_and_gradient(logits, y_true)
    assert value == pytest.approx(loss(logits), rel=1e-14)
    err = measured(check_gradient(loss, logits.copy(), fused))
    assert err < 1e-7


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


@pytest.mark.verifies("softmax-cross-entropy", by="exact")
@pytest.mark.parametrize("true_class, loss", [(0, 0.0), (1, 2000.0), (2, 1000.0)])
def test_logits_of_plus_minus_1000_give_exact_finite_values(true_class, loss, measured):
    z = np.array([1000.0, -1000.0, 0.0])
    y = np.eye(3)[true_class]
    value = softmax_cross_entropy(z, y)
    measured(abs(value - loss))
    assert value == loss  # z_max - z_true; the log-sum-exp remainder rounds to 0
    grad = softmax_cross_entropy_gradient(z, y)
    measured(np.abs(grad - (np.array([1.0, 0.0, 0.0]) - y)).max())
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


@pytest.mark.verifies("log-softmax", by="exact")
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("shape", CLASS_SHAPES)
def test_log_softmax_matches_the_log_of_softmax(seed, shape, measured):
    rng = np.random.default_rng(seed)
    z = rng.normal(scale=3, size=shape)
    expected = np.array(
        [[math.log(p) for p in python_softmax(r)] for r in rows(z).tolist()]
    ).reshape(shape)
    out = log_softmax(z)
    assert out.shape == shape
    measured(np.abs(out - expected).max())
    assert np.allclose(out, expected, rtol=1e-12, atol=1e-14)
    assert np.allclose(np.exp(out).sum(axis=-1), 1.0, atol=1e-14)


@pytest.mark.verifies("log-softmax", by="exact")
def test_log_softmax_extremes_are_exact(measured):
    # z_i - m, and log(1 + e^-2000) rounds to 0
    for z, expected in [
        ([0.0, -2000.0], [0.0, -2000.0]),
        ([[1e3, -1e3]], [[0.0, -2e3]]),
    ]:
        out = log_softmax(np.array(z))
        measured(np.abs(out - expected).max())
        assert np.array_equal(out, expected)
    assert np.all(log_softmax(np.array([1e300, -1e300, 0.0])) <= 0)


@pytest.mark.verifies("log-softmax-log1p", by="exact")
@pytest.mark.parametrize("gap", [1.0, 20.0, 40.0, 300.0])
@pytest.mark.parametrize("top", [0, 1, 2])
def test_log_softmax_keeps_the_tiny_terms_beside_the_largest_logit(gap, top, measured):
    # logits 0.5, 0.5 - gap, 0.5 - 2 gap (exact in float64, so z - m rounds nowhere),
    # the largest at position `top`; the closed form with math.log1p and math.exp
    z = np.roll([0.5, 0.5 - gap, 0.5 - 2 * gap], top)
    s = math.fsum([math.exp(-gap), math.exp(-2 * gap)])  # the terms beside e^0 = 1
    expected = np.roll(
        [-math.log1p(s), -gap - math.log1p(s), -2 * gap - math.log1p(s)], top
    )
    for out in (log_softmax(z), log_softmax(np.stack([z, z]))[1]):  # 1-D and a batch
        measured(np.abs(out - expected).max())
        # relative: a log of the sum 1 + s would give 0 for the largest once s < 1e-16
        np.testing.assert_allclose(out, expected, rtol=1e-14, atol=0)


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


# ---- properties for any finite input, drawn by Hypothesis (tests/support.py) ----------


@pytest.mark.verifies("mse", by="property")
@SETTINGS
@given(data=st.data(), dtype=st.sampled_from(DTYPES))
def test_mse_is_non_negative_and_zero_exactly_at_the_target(data, dtype):
    shape = data.draw(shapes(max_dims=3))
    bound = PRODUCT_BOUND[dtype]
    y_true = data.draw(arrays(dtype, shape, bound=bound), label="y_true")
    y_pred = data.draw(arrays(dtype, shape, bound=bound), label="y_pred")
    assert mse(y_true, y_true) == 0.0
    assert np.all(mse_gradient(y_true, y_true) == 0)
    loss = mse(y_pred, y_true)
    assert loss >= 0
    # zero only at the target: any difference whose square does not underflow counts
    if np.any(
        np.abs(y_pred.astype(np.float64) - y_true) > 10 * np.sqrt(np.finfo(dtype).tiny)
    ):
        assert loss > 0


@SETTINGS
@given(data=st.data(), dtype=st.sampled_from(DTYPES))
def test_cross_entropy_is_zero_for_a_one_hot_target_against_itself(data, dtype):
    shape = data.draw(shapes())
    y = targets(data, shape, dtype, soft=False)
    assert cross_entropy(y, y) == 0.0
    p = softmax(data.draw(arrays(dtype, shape, bound=30.0), label="z"))
    assert cross_entropy(p, y) >= 0


@pytest.mark.verifies("cross-entropy", by="property")
@SETTINGS
@given(data=st.data())
def test_cross_entropy_is_smallest_at_the_target_distribution(data):
    """Gibbs' inequality: -sum y log p >= -sum y log y, equality at p = y."""
    shape = data.draw(shapes())
    y = targets(data, shape, soft=True)
    p = softmax(data.draw(arrays(np.float64, shape, bound=20.0), label="z"))
    assert cross_entropy(p, y) >= cross_entropy(y, y) - 1e-12


@pytest.mark.verifies("softmax-cross-entropy", by="property")
@SETTINGS
@given(data=st.data(), dtype=st.sampled_from(DTYPES))
def test_softmax_cross_entropy_falls_to_zero_as_logits_approach_a_one_hot_target(
    data, dtype
):
    shape = data.draw(shapes()).__getitem__(slice(None, -1)) + (
        data.draw(st.integers(2, 6)),
    )
    y = targets(data, shape, dtype, soft=False)
    z = data.draw(arrays(dtype, shape, bound=1e30), label="z")
    assert softmax_cross_entropy(z, y) >= 0
    losses = [softmax_cross_entropy(t * y, y) for t in (1.0, 5.0, 20.0, 50.0, 200.0)]
    assert all(
        a > b for a, b in zip(losses, losses[1:3])
    )  # strictly falling while representable
    assert all(a >= b for a, b in zip(losses, losses[1:]))
    assert losses[-1] < 1e-30 and losses[-1] >= 0


@pytest.mark.verifies("softmax-cross-entropy", by="property")
@SETTINGS
@given(data=st.data())
def test_softmax_cross_entropy_is_at_least_the_entropy_of_a_soft_target(data):
    shape = data.draw(shapes())
    y = targets(data, shape, soft=True)
    z = data.draw(arrays(np.float64, shape, bound=BATCH_BOUND[np.float64]), label="z")
    loss = softmax_cross_entropy(z, y)
    assert np.isfinite(loss)
    assert loss >= cross_entropy(y, y) - 1e-12
    assert softmax_cross_entropy(np.log(y + 1e-300), y) == pytest.approx(
        cross_entropy(y, y), abs=1e-9
    )


# ---- dtypes and inputs, for every loss ----------------------------------------------

LOSSES = [
    mse,
    mse_gradient,
    cross_entropy,
    cross_entropy_gradient,
    softmax_cross_entropy,
    softmax_cross_entropy_gradient,
]


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


# ---- bad input: one row a case (tests/support.py) -------------------------------------

MISMATCHES = [
    ((3, 1), (3,)),
    ((3,), (3, 1)),
    ((2, 3), (3, 2)),
    ((4,), (5,)),
    ((1, 4), (4,)),
]
F16 = np.float16
HALVES16 = np.full(2, 0.5, F16)


# fmt: off
def pair_rows(f, pred="y_pred"):
    """What every loss refuses: shapes that differ, non-finite values, no entries."""
    rows = [
        (f"{p} vs {t}", args(np.full(p, 1 / p[-1]), np.full(t, 1 / t[-1])),
         shape_rx(pred, p) + ".*" + shape_rx("y_true", t))
        for p, t in MISMATCHES
    ]
    p, y = arr(0.25, 0.5, 0.25), arr(0.0, 1.0, 0.0)  # and either one made non-finite at 1:
    rows += non_finite(lambda v: f(arr(0.5, v, 0.25), y), rf"^{pred}\b.*finite.*\(1,\)", f"{pred} ")
    rows += non_finite(lambda v: f(p, arr(0.5, v, 0.25)), r"^y_true\b.*finite.*\(1,\)", "y_true ")
    empty = rf"^{pred}\b.*empty.*\(0, 3\)"
    rows.append(("empty", args(zeros(0, 3), zeros(0, 3)), empty))
    return rows
# fmt: on


# fmt: off
def class_rows(f, pred="y_pred"):
    """What the losses over classes refuse besides: 3-D input, targets that are no distribution."""
    return [
        ("3-D", args(ones(2, 2, 2) / 2, ones(2, 2, 2) / 2), rf"^{pred}\b.*1-D or 2-D"),
        ("targets summing to 2", args([0.5, 0.5], [1.0, 1.0]), r"y_true.*sum.*2\.0"),
        ("targets summing to 0.7", args([0.5, 0.5], [0.5, 0.2]), r"y_true.*sum.*0\.7"),
        ("target -0.2", args([0.5, 0.5], [1.2, -0.2]), r"^y_true\b.*\[0, 1\].*-0\.2.*1\.2"),
    ]
# fmt: on


# fmt: off
def probability_rows():
    """cross_entropy takes probabilities: anything outside [0, 1] is refused, naming the range."""
    return [
        ("-0.5 and 1.5", args([1.5, -0.5], [1.0, 0.0]), r"^y_pred\b.*\[0, 1\].*-0\.5.*1\.5"),
        ("-1e-9", args([-1e-9, 1.0], [1.0, 0.0]), r"^y_pred\b.*\[0, 1\].*-1e-09"),
        ("3 and 7", args([3.0, 7.0], [1.0, 0.0]), r"^y_pred\b.*\[0, 1\].*3\.0.*7\.0.*pass logits"),
    ]
# fmt: on


# fmt: off
BAD_INPUT = {
    "mse": [
        *pair_rows(mse),
        ("empty, 1-D", args(zeros(0), zeros(0)), r"^y_pred\b.*empty.*\(0,\)"),
        ("inf target at 0", args(ones(2), arr(INF, 1.0)), r"^y_true\b.*inf.*\(0,\)"),
        ("strings", args(["a"], ["b"]), r"^y_pred\b.*real numbers", TypeError),
        ("float16", args(HALVES16, zeros(2, dtype=F16)), r"float16.*float32 or float64", TypeError),
    ],
    "mse_gradient": [
        *pair_rows(mse_gradient),
        ("-inf prediction", args(arr(-INF), ones(1)), r"^y_pred\b.*-inf.*\(0,\)"),
    ],
    "cross_entropy": [
        *pair_rows(cross_entropy),
        *class_rows(cross_entropy),
        *probability_rows(),
        ("logits", args(LOGITS, ONE_HOT), r"^y_pred\b.*-1\.0.*3\.0.*pass logits to softmax_cross"),
        ("a row summing to 0.5", args(V3, arr(0.5, 0, 0)), r"y_true.*sum.*0\.5"),
        ("targets -0.5 and 1.5", args(V3, arr(1.5, -0.5, 0)), r"^y_true\b.*\[0, 1\].*-0\.5.*1\.5"),
        ("(1, 1, 1)", args(ones(1, 1, 1), ones(1, 1, 1)), r"^y_pred\b.*1-D or 2-D.*\(1, 1, 1\)"),
        ("NaN target at 0", args(V3, arr(NAN, 0, 1)), r"^y_true\b.*nan.*\(0,\)"),
        ("labels, not one-hot", args(softmax(LOGITS), arr(0, 2)), shape_rx("y_true", (2,))),
        ("epsilon 0", args(V3, V3, epsilon=0.0), r"^epsilon\b.*\(0, 1\).*0\.0"),
        ("float16", args(HALVES16, HALVES16 * 2), r"float16.*float32 or float64", TypeError),
    ],
    "cross_entropy_gradient": [
        *pair_rows(cross_entropy_gradient),
        *class_rows(cross_entropy_gradient),
        *probability_rows(),
        ("0.0 to 1.5", args(arr(1.5, 0.0), arr(1.0, 0.0)), r"^y_pred\b.*\[0, 1\].*0\.0.*1\.5"),
        ("epsilon 1", args(V3, V3, epsilon=1.0), r"^epsilon\b.*\(0, 1\).*1\.0"),
    ],
    "softmax_cross_entropy": [
        *pair_rows(softmax_cross_entropy, "logits"),
        *class_rows(softmax_cross_entropy, "logits"),
        ("NaN logit at 0", args(arr(NAN, 0.0), arr(1.0, 0.0)), r"^logits\b.*nan.*\(0,\)"),
        ("3-D, (1, 1, 2)", args(ones(1, 1, 2), ones(1, 1, 2)), r"^logits\b.*1-D or 2-D.*\(1, 1, 2"),
        ("targets of 2", args(LOGITS, 2 * ONE_HOT), r"^y_true\b.*\[0, 1\].*0\.0.*2\.0"),
        ("targets summing to 1.2", args(LOGITS, 0.4 * ones(2, 3)), r"y_true.*sum.*1\.2"),
        ("float16", args(HALVES16, HALVES16 * 2), r"float16.*float32 or float64", TypeError),
    ],
    "softmax_cross_entropy_gradient": [
        *pair_rows(softmax_cross_entropy_gradient, "logits"),
        *class_rows(softmax_cross_entropy_gradient, "logits"),
        ("inf logit at 0", args(arr(INF, 0.0), arr(1.0, 0.0)), r"^logits\b.*inf.*\(0,\)"),
        ("targets summing to 0", args(LOGITS, zeros(2, 3)), r"y_true.*sum.*0\.0"),
    ],
    "softmax_cross_entropy_and_gradient": [
        ("(3,) vs (3, 1)", args(V3, COL3), r"logits\.shape=\(3,\).*y_true\.shape=\(3, 1\)"),
        ("NaN logits", args(arr(NAN, 0.0), arr(1.0, 0.0)), r"^logits\b.*nan.*\(0,\)"),
        ("targets of 2", args(LOGITS, 2 * ONE_HOT), r"^y_true\b.*\[0, 1\]"),
    ],
    "log_softmax": [
        ("NaN", args(arr(NAN, 0.0)), r"^z\b.*nan.*\(0,\)"),
        ("-inf", args(arr(-INF, 0.0)), r"^z\b.*finite.*-inf"),
        *non_finite(lambda v: log_softmax(arr(0.5, v, 0.25)), r"^z\b.*finite.*\(1,\)"),
        ("empty", args(zeros(2, 0)), r"^z\b.*empty.*\(2, 0\)"),
        ("3-D", args(zeros(1, 1, 1)), r"^z\b.*1-D or 2-D"),
    ],
}
# fmt: on
test_bad_input = bad_input_test(BAD_INPUT)
