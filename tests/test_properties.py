"""Properties that must hold for every input, checked with Hypothesis.

Unit tests check chosen points; here Hypothesis draws shapes, scales and dtypes (and is
good at finding the extreme ones: 0, subnormals, 1e308). The properties:

- softmax: rows are distributions, unchanged by adding a constant to every logit;
- sigmoid(-x) = 1 - sigmoid(x); every activation stays in its documented range;
- losses are non-negative and zero exactly at the target;
- every gradient passes a central-difference check at random points kept away from kinks;
- no function warns for any finite float64 input, however large (warnings are errors in
  this test suite, so a warning fails the test);
- float32 in, float32 out (no silent upcast), and the result stays finite.

Settings are local to this module (``SETTINGS`` and ``SWEEP``): a fixed number of examples,
no deadline, and derandomized, so a run is fast and reproducible.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import nnmath
from nnmath import (
    check_gradient,
    cross_entropy,
    cross_entropy_gradient,
    linear,
    linear_backward,
    log_softmax,
    mse,
    mse_gradient,
    relu,
    relu_derivative,
    sigmoid,
    sigmoid_derivative,
    softmax,
    softmax_backward,
    softmax_cross_entropy,
    softmax_cross_entropy_gradient,
    softmax_jacobian,
    tanh,
    tanh_derivative,
)

SETTINGS = settings(max_examples=50, deadline=None, derandomize=True, database=None)
SWEEP = settings(
    SETTINGS, max_examples=25
)  # the per-function sweeps: 20 names x 2 dtypes

DTYPES = [np.float32, np.float64]
TOL = 1e-7  # the suite's gradient-check threshold (float64)

# "However large" means the whole float range for functions built on exp and log (the
# activations, softmax, log_softmax, cross_entropy). Where the exact result itself can leave
# the float range, inputs stay below the magnitude at which that happens:
# - PRODUCT_BOUND: a product of two inputs, summed a few times (mse, linear, neuron, Adam's g**2);
# - BATCH_BOUND: softmax_cross_entropy sums one loss of up to |logit gap| per row over the batch.
PRODUCT_BOUND = {np.float32: 1e17, np.float64: 1e150}
BATCH_BOUND = {np.float32: 1e37, np.float64: 1e300}

ELEMENTWISE = {
    "sigmoid": (sigmoid, sigmoid_derivative),
    "relu": (relu, relu_derivative),
    "tanh": (tanh, tanh_derivative),
}


# --------------------------------------------------------------------------------------
# strategies
# --------------------------------------------------------------------------------------


def finite(dtype, bound=None):
    """Finite floats of ``dtype``, from the whole range unless ``bound`` is given."""
    width = 32 if dtype == np.float32 else 64
    bound = (
        float(np.finfo(dtype).max) if bound is None else float(dtype(bound))
    )  # representable
    return st.floats(-bound, bound, allow_nan=False, allow_infinity=False, width=width)


def arrays(dtype, shape, bound=None):
    return hnp.arrays(dtype, shape, elements=finite(dtype, bound))


def shapes(min_dims=1, max_dims=2, max_side=6):
    return hnp.array_shapes(
        min_dims=min_dims, max_dims=max_dims, min_side=1, max_side=max_side
    )


def away_from_zero(low, high):
    """Floats with low <= |x| <= high and a random sign: away from kinks and underflow."""
    return st.builds(
        lambda m, s: m * s, st.floats(low, high), st.sampled_from([-1.0, 1.0])
    )


def targets(data, shape, dtype=np.float64, soft=None):
    """One-hot or soft target rows (each row a distribution) of ``shape``."""
    if soft is None:
        soft = data.draw(st.booleans(), label="soft")
    classes = shape[-1]
    rows = int(np.prod(shape[:-1]))
    if soft:
        w = data.draw(
            hnp.arrays(np.float64, (rows, classes), elements=st.floats(0.0, 1.0)),
            label="w",
        )
        w[:, 0] += 1e-3  # no all-zero row
        y = w / w.sum(axis=1, keepdims=True)
    else:
        labels = data.draw(
            st.lists(st.integers(0, classes - 1), min_size=rows, max_size=rows),
            label="labels",
        )
        y = np.eye(classes)[labels]
    return y.reshape(shape).astype(dtype)


def eps(dtype):
    return float(np.finfo(dtype).eps)


# --------------------------------------------------------------------------------------
# softmax
# --------------------------------------------------------------------------------------


@SETTINGS
@given(data=st.data(), dtype=st.sampled_from(DTYPES), axis=st.sampled_from([-1, 0]))
def test_softmax_slices_are_distributions_for_any_finite_logits(data, dtype, axis):
    z = data.draw(arrays(dtype, data.draw(shapes())), label="z")
    p = softmax(z, axis=axis)
    assert p.dtype == dtype and p.shape == z.shape
    assert np.all((p >= 0) & (p <= 1))
    classes = z.shape[axis]
    np.testing.assert_allclose(
        p.sum(axis=axis), 1.0, rtol=0, atol=4 * classes * eps(dtype)
    )


@SETTINGS
@given(
    data=st.data(),
    dtype=st.sampled_from(DTYPES),
    k=st.lists(st.integers(-4000, 4000), min_size=1, max_size=8),
)
def test_softmax_is_exactly_unchanged_by_adding_a_constant(data, dtype, k):
    """On a grid of eighths, z + c is exact in both dtypes, so the outputs are bit-identical."""
    z = np.array(k, dtype=dtype) / 8
    c = data.draw(st.integers(-(10**6), 10**6), label="c")
    shifted = z + dtype(c)
    assert np.array_equal(shifted - dtype(c), z)  # the shift really is exact
    assert np.array_equal(softmax(shifted), softmax(z))


@SETTINGS
@given(data=st.data(), dtype=st.sampled_from(DTYPES))
def test_softmax_is_unchanged_by_a_constant_per_row_at_random_scales(data, dtype):
    shape = data.draw(shapes(min_dims=2, max_dims=2))
    scale = data.draw(st.sampled_from([1e-3, 1.0, 30.0, 300.0]), label="scale")
    z = data.draw(arrays(dtype, shape, bound=scale), label="z")
    c = data.draw(arrays(dtype, (shape[0], 1), bound=1e3), label="c")
    # adding c rounds z + c to the dtype; the softmax error is that rounding error, no more
    rounding = 4 * eps(dtype) * (np.abs(z).max() + np.abs(c).max() + 1)
    np.testing.assert_allclose(
        softmax(z + c), softmax(z), rtol=3 * rounding, atol=3 * rounding
    )


# --------------------------------------------------------------------------------------
# activations
# --------------------------------------------------------------------------------------


@SETTINGS
@given(data=st.data(), dtype=st.sampled_from(DTYPES))
def test_sigmoid_of_minus_x_is_one_minus_sigmoid_of_x(data, dtype):
    x = data.draw(arrays(dtype, data.draw(shapes(max_dims=3))), label="x")
    s_neg, s = sigmoid(-x), sigmoid(x)
    assert s_neg.dtype == dtype
    np.testing.assert_allclose(s_neg, 1 - s, rtol=0, atol=2 * eps(dtype))


@SETTINGS
@given(
    data=st.data(),
    dtype=st.sampled_from(DTYPES),
    name=st.sampled_from(sorted(ELEMENTWISE)),
)
def test_activations_and_derivatives_stay_in_their_ranges(data, dtype, name):
    f, f_prime = ELEMENTWISE[name]
    x = data.draw(arrays(dtype, data.draw(shapes(max_dims=3))), label="x")
    y, dy = f(x), f_prime(x)
    assert y.dtype == dy.dtype == dtype and y.shape == dy.shape == x.shape
    low, high, d_high = {
        "sigmoid": (0, 1, 0.25),
        "tanh": (-1, 1, 1),
        "relu": (0, np.inf, 1),
    }[name]
    assert np.all((y >= low) & (y <= high))
    assert np.all((dy >= 0) & (dy <= d_high))
    if name == "relu":
        assert np.array_equal(dy, (x > 0).astype(dtype))  # derivative 0 at exactly 0


# --------------------------------------------------------------------------------------
# losses
# --------------------------------------------------------------------------------------


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


@SETTINGS
@given(data=st.data())
def test_cross_entropy_is_smallest_at_the_target_distribution(data):
    """Gibbs' inequality: -sum y log p >= -sum y log y, equality at p = y."""
    shape = data.draw(shapes())
    y = targets(data, shape, soft=True)
    p = softmax(data.draw(arrays(np.float64, shape, bound=20.0), label="z"))
    assert cross_entropy(p, y) >= cross_entropy(y, y) - 1e-12


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


# --------------------------------------------------------------------------------------
# gradient checks at random points, float64, random upstream gradients
# --------------------------------------------------------------------------------------


@SETTINGS
@given(data=st.data(), name=st.sampled_from(sorted(ELEMENTWISE)))
def test_elementwise_gradient_check(data, name):
    f, f_prime = ELEMENTWISE[name]
    shape = data.draw(shapes(max_side=4))
    # |x| in [1e-3, 2]: off ReLU's kink by far more than h, and not saturated (where the
    # derivative is tiny and the central difference is rounding noise)
    x = data.draw(
        hnp.arrays(np.float64, shape, elements=away_from_zero(1e-3, 2.0)), label="x"
    )
    g = data.draw(
        hnp.arrays(np.float64, shape, elements=away_from_zero(0.5, 2.0)), label="g"
    )
    assert check_gradient(lambda v: np.sum(g * f(v)), x, g * f_prime(x)) < TOL


@SETTINGS
@given(data=st.data())
def test_softmax_gradient_check(data):
    shape = data.draw(shapes(max_side=5))
    z = data.draw(arrays(np.float64, shape, bound=2.0), label="z")
    g = data.draw(arrays(np.float64, shape, bound=2.0), label="g")
    g = g + np.arange(
        shape[-1]
    )  # a constant g along a row has gradient exactly 0: only noise
    analytic = softmax_backward(z, g)
    assert check_gradient(lambda v: np.sum(g * softmax(v)), z, analytic) < TOL
    J = softmax_jacobian(z)
    np.testing.assert_allclose(
        np.einsum("...ij,...j->...i", J, g), analytic, rtol=1e-12, atol=1e-14
    )


@SETTINGS
@given(data=st.data())
def test_loss_gradient_checks(data):
    shape = data.draw(shapes(max_side=5))
    y_pred = data.draw(arrays(np.float64, shape, bound=10.0), label="y_pred")
    y_true = data.draw(arrays(np.float64, shape, bound=10.0), label="y_true")
    # mse is quadratic, so a central difference has no truncation error and h can be large
    assume(
        np.abs(y_pred - y_true).max() > 1e-9
    )  # a smaller difference is lost in (x + h)**2
    grad = mse_gradient(y_pred, y_true)
    assert check_gradient(lambda v: mse(v, y_true), y_pred, grad, h=1e-3) < TOL

    y = targets(data, shape)
    z = data.draw(arrays(np.float64, shape, bound=2.0), label="z")
    p = softmax(z)  # every entry >= e^-4 / classes, far above the clip
    # at the minimum (softmax(z) = y) the gradient is 0 and a finite difference is pure noise
    assume(np.abs(p - y).max() > 0.05)
    grad = softmax_cross_entropy_gradient(z, y)
    assert check_gradient(lambda v: softmax_cross_entropy(v, y), z, grad) < TOL
    grad = cross_entropy_gradient(p, y)
    assert check_gradient(lambda v: cross_entropy(v, y), p, grad, h=1e-7) < TOL


@SETTINGS
@given(
    data=st.data(),
    batch=st.integers(1, 5),
    n_in=st.integers(1, 4),
    n_out=st.integers(1, 4),
)
def test_linear_gradient_check(data, batch, n_in, n_out):
    def draw(shape, label):
        return data.draw(arrays(np.float64, shape, bound=1.0), label=label)

    X, W, b, dZ = (
        draw((batch, n_in), "X"),
        draw((n_in, n_out), "W"),
        draw((n_out,), "b"),
        draw((batch, n_out), "dZ"),
    )
    dX, dW, db = linear_backward(X, W, dZ)
    for point, analytic in ((X, dX), (W, dW), (b, db)):
        # linear in each argument: no truncation error, so a large h only shrinks the noise;
        # an all-but-zero gradient (e.g. db when dZ's rows cancel) would be noise against noise
        if np.linalg.norm(analytic) > 1e-3:
            err = check_gradient(
                lambda _: np.sum(dZ * linear(X, W, b)), point, analytic, h=1e-2
            )
            assert err < TOL


# --------------------------------------------------------------------------------------
# no warning for any finite float64 input, however large
# --------------------------------------------------------------------------------------


def _flat(result):
    """Every array or number in a result that may be a (nested) tuple."""
    if isinstance(result, tuple):
        return [leaf for part in result for leaf in _flat(part)]
    return [result]


def _no_nan(result):
    for part in _flat(result):
        assert not np.any(np.isnan(np.asarray(part, dtype=np.float64)))


def _draw_any(data, shape, dtype=np.float64, bound=None, label="x"):
    return data.draw(arrays(dtype, shape, bound=bound), label=label)


def _elementwise(name):
    def run(data, dtype):
        x = _draw_any(data, data.draw(shapes(max_dims=3)), dtype)
        return getattr(nnmath, name)(x)

    return run


def _softmax(data, dtype):
    z = _draw_any(data, data.draw(shapes()), dtype)
    return softmax(z, axis=data.draw(st.sampled_from([-1, 0])))


def _softmax_jacobian(data, dtype):
    return softmax_jacobian(_draw_any(data, data.draw(shapes()), dtype))


def _softmax_backward(data, dtype):
    shape = data.draw(shapes())
    return softmax_backward(
        _draw_any(data, shape, dtype), _draw_any(data, shape, dtype, 1e3, "g")
    )


def _log_softmax(data, dtype):
    return log_softmax(_draw_any(data, data.draw(shapes()), dtype))


def _softmax_cross_entropy(data, dtype):
    shape = data.draw(shapes())
    z, y = (
        _draw_any(data, shape, dtype, BATCH_BOUND[dtype], "z"),
        targets(data, shape, dtype),
    )
    loss, grad = nnmath.softmax_cross_entropy_and_gradient(z, y)
    assert loss == softmax_cross_entropy(z, y)
    eps = np.finfo(
        dtype
    ).eps  # exp(log_softmax) against softmax: the last bits may differ
    np.testing.assert_allclose(
        grad, softmax_cross_entropy_gradient(z, y), rtol=16 * eps, atol=4 * eps
    )
    return loss, grad


def _cross_entropy(data, dtype):
    shape = data.draw(shapes())
    width = 32 if dtype == np.float32 else 64
    p = data.draw(
        hnp.arrays(dtype, shape, elements=st.floats(0.0, 1.0, width=width)), label="p"
    )
    y = targets(data, shape, dtype)
    return cross_entropy(p, y), cross_entropy_gradient(p, y)


def _mse(data, dtype):
    shape = data.draw(shapes(max_dims=3))
    a, b = (
        _draw_any(data, shape, dtype, PRODUCT_BOUND[dtype], k)
        for k in ("y_pred", "y_true")
    )
    return mse(a, b), mse_gradient(a, b)


def _linear(data, dtype):
    bound = PRODUCT_BOUND[dtype]
    batch, n_in, n_out = (data.draw(st.integers(1, 5)) for _ in range(3))
    X = _draw_any(data, (batch, n_in), dtype, bound, "X")
    W = _draw_any(data, (n_in, n_out), dtype, bound, "W")
    b = _draw_any(data, (n_out,), dtype, bound, "b")
    dZ = _draw_any(data, (batch, n_out), dtype, bound, "dZ")
    return linear(X, W, b), linear_backward(X, W, dZ)


def _neuron(data, dtype):
    n = data.draw(st.integers(1, 6))
    bound = PRODUCT_BOUND[dtype]
    x, w = (
        _draw_any(data, (n,), dtype, bound, "x"),
        _draw_any(data, (n,), dtype, bound, "w"),
    )
    b = data.draw(finite(dtype, bound), label="b")
    act = data.draw(st.sampled_from([sigmoid, tanh, relu]))
    return nnmath.neuron(x, w, b, act)


def _dense_and_sequential(data, dtype):
    bound = PRODUCT_BOUND[dtype] ** 0.5  # two layers: a product of products
    act = data.draw(st.sampled_from(["relu", "sigmoid", "tanh", None]))
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1), label="seed"))
    model = nnmath.Sequential(
        [nnmath.Dense(3, 4, act, rng, dtype), nnmath.Dense(4, 2, None, rng, dtype)]
    )
    X = _draw_any(data, (data.draw(st.integers(1, 5)), 3), dtype, bound, "X")
    out = model.forward(X)
    dX = model.backward(_draw_any(data, out.shape, dtype, bound, "dA"))
    return out, dX, *model.gradients()


def _optimizer(name):
    def run(data, dtype):
        bound = PRODUCT_BOUND[dtype]
        params = [
            _draw_any(data, s, dtype, bound, f"p{k}")
            for k, s in enumerate([(2, 3), (3,)])
        ]
        opt = nnmath.SGD(0.1, momentum=0.9) if name == "SGD" else nnmath.Adam(0.01)
        for step in range(2):
            grads = [_draw_any(data, p.shape, dtype, bound, f"g{step}") for p in params]
            opt.step(params, grads)
        return tuple(params)

    return run


def _accuracy(data, dtype):
    scores = _draw_any(data, data.draw(shapes(min_dims=2)), dtype)
    labels = data.draw(
        st.lists(
            st.integers(0, scores.shape[1] - 1),
            min_size=len(scores),
            max_size=len(scores),
        )
    )
    return nnmath.accuracy(scores, labels)


def _relative_error(data, dtype):
    shape = data.draw(shapes())
    bound = PRODUCT_BOUND[dtype]
    return nnmath.relative_error(
        _draw_any(data, shape, dtype, bound, "a"),
        _draw_any(data, shape, dtype, bound, "b"),
    )


def _matmul_loops(data, dtype):
    A = _draw_any(data, (2, 3), dtype, PRODUCT_BOUND[dtype], "A")
    B = _draw_any(data, (3, 2), dtype, PRODUCT_BOUND[dtype], "B")
    return np.array(nnmath.matmul_loops(A, B))


NO_WARNING = {
    **{name: _elementwise(name) for name in ELEMENTWISE},
    **{
        f"{name}_derivative": _elementwise(f"{name}_derivative") for name in ELEMENTWISE
    },
    "softmax": _softmax,
    "softmax_jacobian": _softmax_jacobian,
    "softmax_backward": _softmax_backward,
    "log_softmax": _log_softmax,
    "softmax_cross_entropy": _softmax_cross_entropy,
    "cross_entropy": _cross_entropy,
    "mse": _mse,
    "linear": _linear,
    "neuron": _neuron,
    "Dense": _dense_and_sequential,
    "SGD": _optimizer("SGD"),
    "Adam": _optimizer("Adam"),
    "accuracy": _accuracy,
    "relative_error": _relative_error,
    "matmul_loops": _matmul_loops,
}

# Public names covered through another entry, or that take no floating-point array input.
COVERED_ELSEWHERE = {
    "softmax_cross_entropy_gradient": "softmax_cross_entropy",
    "softmax_cross_entropy_and_gradient": "softmax_cross_entropy",
    "cross_entropy_gradient": "cross_entropy",
    "mse_gradient": "mse",
    "linear_backward": "linear",
    "Sequential": "Dense",
    "he_normal": "Dense (its relu layers)",
    "glorot_uniform": "Dense (its other layers)",
    "check_gradient": "test_*_gradient_check above",
    "numerical_gradient": "test_*_gradient_check above",
    "one_hot": "integer labels only",
    "minibatches": "integer sizes only",
    "mlp": "builds Dense layers",
    "train_step": "Dense, softmax_cross_entropy and the optimizers",
    "train_epoch": "train_step",
}


def test_every_public_name_is_in_the_no_warning_table():
    missing = set(nnmath.__all__) - set(NO_WARNING) - set(COVERED_ELSEWHERE)
    assert not missing, (
        f"add these public names to NO_WARNING or COVERED_ELSEWHERE: {sorted(missing)}"
    )


@pytest.mark.parametrize("name", sorted(NO_WARNING))
@SWEEP
@given(data=st.data())
def test_no_warning_and_no_nan_for_any_finite_float64_input(name, data):
    """Warnings are errors in this suite: a single RuntimeWarning fails the example."""
    _no_nan(NO_WARNING[name](data, np.float64))


# --------------------------------------------------------------------------------------
# float32 stays float32
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(NO_WARNING))
@SWEEP
@given(data=st.data())
def test_float32_inputs_give_float32_results_that_stay_finite(name, data):
    for part in _flat(NO_WARNING[name](data, np.float32)):
        if isinstance(part, np.ndarray) and name not in ("matmul_loops",):
            assert part.dtype == np.float32, f"{name} returned {part.dtype}"
        assert np.all(np.isfinite(np.asarray(part, dtype=np.float64)))


@pytest.mark.parametrize("init", [nnmath.he_normal, nnmath.glorot_uniform])
def test_initializers_honour_float32(init):
    W = init(5, 3, np.random.default_rng(0), dtype=np.float32)
    assert W.dtype == np.float32 and np.all(np.isfinite(W))


def test_numerical_gradient_keeps_float32():
    x = np.array([0.5, -1.5], dtype=np.float32)
    g = nnmath.numerical_gradient(lambda v: float(np.sum(v * v)), x, h=1e-2)
    assert g.dtype == np.float32
    np.testing.assert_allclose(g, 2 * x, rtol=1e-3)


# --------------------------------------------------------------------------------------
# beyond PRODUCT_BOUND: a finite result, or one clear error, never a warning (issue 9)
# --------------------------------------------------------------------------------------

BOUNDED = ["mse", "linear", "neuron", "Dense", "SGD", "Adam", "relative_error"]
BOUNDED += ["matmul_loops"]
CLEAR_OVERFLOW = (
    r"overflow encountered in|beyond the float|whose square overflows|leaves the float"
)


@pytest.mark.parametrize("name", BOUNDED)
@SWEEP
@given(data=st.data())
def test_the_whole_float64_range_gives_a_finite_result_or_one_clear_error(name, data):
    saved = dict(PRODUCT_BOUND)
    PRODUCT_BOUND.update({d: float(np.finfo(d).max) for d in PRODUCT_BOUND})
    try:  # values up to 1.8e308: products and squares can leave the float range
        result = NO_WARNING[name](data, np.float64)
    except ValueError as error:
        assert re.search(CLEAR_OVERFLOW, str(error)), str(error)
    else:
        for part in _flat(result):
            assert np.all(np.isfinite(np.asarray(part, dtype=np.float64)))
    finally:
        PRODUCT_BOUND.update(saved)
