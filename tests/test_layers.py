"""Dense layers, their backward pass, initialization and stacking (docs/backprop.md).

Every gradient is checked against central differences in float64 with a random upstream
gradient, at points kept away from ReLU's kink.
"""

from __future__ import annotations

from functools import partial

import numpy as np
import pytest

from nnmath import (
    Dense,
    Sequential,
    check_gradient,
    glorot_uniform,
    he_normal,
    linear,
    linear_backward,
    one_hot,
    softmax_cross_entropy,
    softmax_cross_entropy_gradient,
)
from tests.support import (
    INF,
    NAN,
    PRODUCT_SHAPES,
    args,
    bad_input_test,
    dense,
    forwarded,
    fsum_product,
    gen,
    model,
    non_finite,
    ones,
    zeros,
)

ACTIVATIONS = ["relu", "sigmoid", "tanh", None]
SEEDS = [0, 1, 2]
SHAPES = [(1, 1, 1), (4, 3, 5), (7, 6, 2)]  # (batch, in_features, out_features)
TOL = 1e-7
KINK_MARGIN = 1e-3  # |Z| above this: a step of 1e-6 cannot cross ReLU's kink


def _layer_away_from_kink(rng, batch, n_in, n_out, activation):
    """A layer with random non-zero bias and an input X whose pre-activations avoid 0."""
    layer = Dense(n_in, n_out, activation, rng)
    layer.bias[:] = rng.normal(scale=0.5, size=n_out)
    for _ in range(100):
        X = rng.normal(size=(batch, n_in))
        if np.abs(linear(X, layer.weights, layer.bias)).min() > KINK_MARGIN:
            return layer, X
    raise AssertionError(
        "could not draw an input away from the kink"
    )  # pragma: no cover


# ---------------------------------------------------------------- Dense gradients


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.verifies("dense-backward", by="finite differences")
def test_dense_gradients_match_finite_differences(activation, shape, seed, measured):
    rng = np.random.default_rng(seed)
    batch, n_in, n_out = shape
    layer, X = _layer_away_from_kink(rng, batch, n_in, n_out, activation)
    G = rng.normal(size=(batch, n_out))  # random upstream gradient dA
    loss = lambda _: np.sum(G * layer.forward(X))  # L = sum(G * A), so dL/dA = G

    layer.forward(X)
    dX = layer.backward(G)
    dW, db = layer.grad_weights.copy(), layer.grad_bias.copy()
    assert (
        dX.shape == X.shape
        and dW.shape == layer.weights.shape
        and db.shape == layer.bias.shape
    )

    assert measured(check_gradient(loss, layer.weights, dW)) < TOL
    assert measured(check_gradient(loss, layer.bias, db)) < TOL
    assert measured(check_gradient(lambda x: np.sum(G * layer.forward(x)), X, dX)) < TOL


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.verifies("dense-forward", by="exact")
def test_dense_forward_is_activation_of_affine_map(activation, measured):
    rng = np.random.default_rng(3)
    layer = Dense(4, 3, activation, rng)
    layer.bias[:] = rng.normal(size=3)
    X = rng.normal(size=(5, 4))
    Z = X @ layer.weights + layer.bias
    expected = {
        "relu": np.maximum(Z, 0),
        "sigmoid": 1 / (1 + np.exp(-Z)),
        "tanh": np.tanh(Z),
        None: Z,
    }[activation]
    measured(np.abs(layer.forward(X) - expected).max())
    np.testing.assert_allclose(layer.forward(X), expected, rtol=1e-12, atol=1e-15)


def test_dense_backward_returns_new_arrays_and_does_not_touch_parameters():
    rng = np.random.default_rng(4)
    layer = Dense(3, 2, "tanh", rng)
    W0, b0 = layer.weights.copy(), layer.bias.copy()
    X, G = rng.normal(size=(4, 3)), rng.normal(size=(4, 2))
    G0 = G.copy()
    layer.forward(X)
    layer.backward(G)
    assert np.array_equal(layer.weights, W0) and np.array_equal(layer.bias, b0)
    assert np.array_equal(G, G0)  # the upstream gradient is not modified in place


# ---------------------------------------------------------------- two-layer network


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("hidden_activation", ["relu", "sigmoid", "tanh"])
@pytest.mark.parametrize("sizes", [(3, 5, 4), (6, 4, 2), (2, 8, 3)])
@pytest.mark.verifies(
    "two-layer-forward", "two-layer-backward", by="finite differences"
)
def test_two_layer_network_gradients_end_to_end(
    sizes, hidden_activation, seed, measured
):
    rng = np.random.default_rng(seed)
    n, h, C = sizes
    batch = 6
    first, X = _layer_away_from_kink(rng, batch, n, h, hidden_activation)
    second = Dense(h, C, None, rng)
    second.bias[:] = rng.normal(scale=0.5, size=C)
    model = Sequential([first, second])
    Y = one_hot(rng.integers(0, C, size=batch), C)
    loss = lambda _: softmax_cross_entropy(model.forward(X), Y)

    dX = model.backward(softmax_cross_entropy_gradient(model.forward(X), Y))
    grads = [g.copy() for g in model.gradients()]
    assert len(grads) == 4
    for param, grad in zip(model.parameters(), grads):
        assert grad.shape == param.shape
        assert measured(check_gradient(loss, param, grad)) < TOL
    err = check_gradient(lambda x: softmax_cross_entropy(model.forward(x), Y), X, dX)
    assert measured(err) < TOL


def test_sequential_lists_parameters_in_layer_order_as_views():
    rng = np.random.default_rng(5)
    layers = [Dense(3, 4, "relu", rng), Dense(4, 2, None, rng)]
    model = Sequential(layers)
    params = model.parameters()
    assert [
        p is q
        for p, q in zip(
            params,
            [layers[0].weights, layers[0].bias, layers[1].weights, layers[1].bias],
        )
    ] == [True] * 4


# ---------------------------------------------------------------- linear: Z = X W + b


@pytest.mark.verifies("dense-forward", "dense-forward-entries", by="exact")
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("shape", PRODUCT_SHAPES)
def test_linear_matches_the_elementwise_formula(seed, shape, measured):
    B, n, k = shape
    rng = np.random.default_rng(seed)
    X, W, b = rng.normal(size=(B, n)), rng.normal(size=(n, k)), rng.normal(size=k)
    Z = linear(X, W, b)
    expected = fsum_product(X, W) + np.array(
        [[b[j] for j in range(k)] for _ in range(B)]
    )
    assert Z.shape == (B, k)
    measured(np.abs(Z - expected).max())
    assert np.allclose(Z, expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("seed", SEEDS)
def test_bias_is_added_to_every_row(seed):
    rng = np.random.default_rng(seed)
    W, b = rng.normal(size=(3, 4)), rng.normal(size=4)
    assert np.array_equal(linear(np.zeros((5, 3)), W, b), np.tile(b, (5, 1)))
    X = rng.normal(size=(5, 3))
    shifted = linear(X, W, b + 1.0) - linear(X, W, b)
    assert np.allclose(shifted, 1.0, rtol=0, atol=1e-12)


@pytest.mark.parametrize("seed", SEEDS)
def test_linear_is_affine_in_x(seed):
    rng = np.random.default_rng(seed)
    X1, X2 = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    W, b = rng.normal(size=(3, 2)), rng.normal(size=2)
    a = float(rng.uniform(-2, 2))
    # Z(a X1 + X2) = a (Z(X1) - b) + Z(X2): linear in X once the bias is taken out
    assert np.allclose(
        linear(a * X1 + X2, W, b), a * (linear(X1, W, b) - b) + linear(X2, W, b)
    )


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_linear_keeps_the_float_dtype(dtype):
    rng = np.random.default_rng(0)
    X, W, b = (rng.normal(size=s).astype(dtype) for s in [(4, 3), (3, 2), (2,)])
    Z = linear(X, W, b)
    assert Z.dtype == dtype
    assert np.allclose(
        Z,
        X.astype(np.float64) @ W.astype(np.float64) + b,
        rtol=1e-5 if dtype == np.float32 else 1e-12,
    )


# ---------------------------------------------------------------- linear_backward


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.verifies("dense-backward", by="finite differences")
def test_linear_backward_shapes_and_values(shape, seed, measured):
    rng = np.random.default_rng(seed)
    batch, n_in, n_out = shape
    X, W, b = (
        rng.normal(size=(batch, n_in)),
        rng.normal(size=(n_in, n_out)),
        rng.normal(size=n_out),
    )
    dZ = rng.normal(size=(batch, n_out))
    dX, dW, db = linear_backward(X, W, dZ)
    assert (
        dX.shape == (batch, n_in) and dW.shape == (n_in, n_out) and db.shape == (n_out,)
    )
    loss = lambda _: np.sum(dZ * linear(X, W, b))
    assert measured(check_gradient(loss, X, dX)) < TOL
    assert measured(check_gradient(loss, W, dW)) < TOL
    assert measured(check_gradient(loss, b, db)) < TOL


# ---------------------------------------------------------------- initialization


def assert_moments(W, var, sd_of_square, measured):
    """The entries' sample mean within five standard errors of 0 (the sd of one entry is
    sqrt(var)) and their mean square within five of ``var`` (``sd_of_square`` that of one
    squared entry); measures the relative error of the variance."""
    n = W.size
    assert abs(W.mean()) < 5 * np.sqrt(var) / np.sqrt(n)
    measured(abs(np.mean(W**2) - var) / var)
    assert abs(np.mean(W**2) - var) < 5 * sd_of_square / np.sqrt(n)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("n_in, n_out", [(400, 300), (1000, 50), (64, 512)])
@pytest.mark.verifies("he-normal", by="sampling")
def test_he_normal_has_variance_two_over_fan_in(n_in, n_out, seed, measured):
    W = he_normal(n_in, n_out, np.random.default_rng(seed))
    var = 2.0 / n_in
    assert W.shape == (n_in, n_out) and W.dtype == np.float64
    # for N(0, var): Var(W^2) = E[W^4] - var^2 = 3 var^2 - var^2 = 2 var^2
    assert_moments(W, var, np.sqrt(2) * var, measured)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("n_in, n_out", [(400, 300), (1000, 50), (64, 512)])
@pytest.mark.verifies("glorot-uniform", by="sampling")
def test_glorot_uniform_has_variance_two_over_fan_sum(n_in, n_out, seed, measured):
    W = glorot_uniform(n_in, n_out, np.random.default_rng(seed))
    a = np.sqrt(6.0 / (n_in + n_out))
    var = a**2 / 3  # variance of U(-a, a), which equals 2 / (n_in + n_out)
    assert np.isclose(var, 2.0 / (n_in + n_out))
    assert W.shape == (n_in, n_out) and np.abs(W).max() <= a
    # for U(-a, a): Var(W^2) = E[W^4] - var^2 = a^4/5 - a^4/9 = 4 a^4 / 45
    assert_moments(W, var, np.sqrt(4 * a**4 / 45), measured)


class RecordingGenerator(np.random.Generator):
    """A seeded ``Generator`` that records each draw asked of it: ``(method, its
    parameters by name, the array it returned)``. What an initializer asked for (the
    scale of a normal, the bounds of a uniform) is then read off exactly, not estimated
    from samples."""

    def __init__(self, seed=0):
        super().__init__(np.random.PCG64(seed))
        self.draws = []

    def _record(self, method, result, **parameters):
        self.draws.append((method, parameters, result))
        return result

    def standard_normal(self, size=None, dtype=np.float64, out=None):
        result = super().standard_normal(size, dtype, out)
        return self._record("standard_normal", result)

    def normal(self, loc=0.0, scale=1.0, size=None):
        result = super().normal(loc, scale, size)
        return self._record("normal", result, loc=loc, scale=scale)

    def uniform(self, low=0.0, high=1.0, size=None):
        result = super().uniform(low, high, size)
        return self._record("uniform", result, low=low, high=high)

    def random(self, size=None, dtype=np.float64, out=None):
        result = super().random(size, dtype, out)
        return self._record("random", result)


# both orders of each pair: a fan-in read from out_features shows
FANS = [(1, 1), (3, 7), (7, 3), (400, 300), (10, 784), (784, 10)]


@pytest.mark.parametrize("n_in, n_out", FANS)
@pytest.mark.verifies("he-normal", by="exact")
def test_he_normal_scales_its_draws_by_sqrt_two_over_fan_in(n_in, n_out, measured):
    rng = RecordingGenerator()
    W = he_normal(n_in, n_out, rng)
    (method, parameters, drawn), *more = rng.draws
    assert not more, "one draw for the whole matrix"
    if method == "normal":  # N(0, std) drawn directly
        assert parameters["loc"] == 0 and np.array_equal(W, drawn)
        std = np.asarray(parameters["scale"], dtype=np.float64)
    else:  # N(0, 1) drawn, then scaled: W / z is the scale, up to two roundings
        assert method == "standard_normal" and drawn.shape == (n_in, n_out)
        std = np.array([np.min(W / drawn), np.max(W / drawn)])
    measured(np.max(np.abs(std - np.sqrt(2.0 / n_in))))
    np.testing.assert_allclose(std, np.sqrt(2.0 / n_in), rtol=1e-15, atol=0)


@pytest.mark.parametrize("n_in, n_out", FANS)
@pytest.mark.verifies("glorot-uniform", by="exact")
def test_glorot_uniform_draws_within_sqrt_six_over_fan_sum(n_in, n_out, measured):
    rng = RecordingGenerator()
    W = glorot_uniform(n_in, n_out, rng)
    (method, parameters, drawn), *more = rng.draws
    assert not more, "one draw for the whole matrix"
    assert method == "uniform" and np.array_equal(W, drawn)
    assert W.shape == (n_in, n_out)
    a = np.sqrt(6.0 / (n_in + n_out))
    bounds = np.array([parameters["low"], parameters["high"]], dtype=np.float64)
    measured(np.max(np.abs(bounds - [-a, a])))
    np.testing.assert_allclose(bounds, [-a, a], rtol=1e-15, atol=0)


@pytest.mark.parametrize("init", [he_normal, glorot_uniform])
def test_initializers_honour_dtype(init):
    W = init(8, 4, np.random.default_rng(0), dtype=np.float32)
    assert W.dtype == np.float32 and W.shape == (8, 4) and np.all(np.isfinite(W))


@pytest.mark.parametrize(
    "activation, init",
    [
        ("relu", he_normal),
        ("sigmoid", glorot_uniform),
        ("tanh", glorot_uniform),
        (None, glorot_uniform),
    ],
)
def test_dense_uses_the_initializer_matching_its_activation(activation, init):
    layer = Dense(20, 30, activation, np.random.default_rng(7))
    assert np.array_equal(layer.weights, init(20, 30, np.random.default_rng(7)))
    assert np.array_equal(layer.bias, np.zeros(30))


def test_dense_is_reproducible_with_a_seeded_generator():
    a = Dense(5, 4, "relu", np.random.default_rng(11))
    b = Dense(5, 4, "relu", np.random.default_rng(11))
    c = Dense(5, 4, "relu", np.random.default_rng(12))
    assert np.array_equal(a.weights, b.weights) and not np.array_equal(
        a.weights, c.weights
    )


# ---- bad input: one row a case (tests/support.py) -------------------------------------


# fmt: off
def init_rows():
    return [
        ("zero width", args(0, 3, gen()), r"^in_features\b.*positive integer.*0"),
        ("float width", args(3, 2.5, gen()), r"^out_features\b.*positive integer.*2\.5"),
        ("no rng", args(3, 2, None), r"^rng\b.*Generator.*NoneType", TypeError),
        ("RandomState", args(3, 2, np.random.RandomState(0)), r"^rng\b.*RandomState", TypeError),
        ("integer dtype", args(3, 2, gen(), dtype=np.int64), r"^dtype\b.*float.*int64", TypeError),
    ]
# fmt: on


def two_models_one_layer():
    layer = dense(3, 2)
    first = Sequential([layer])
    return first, Sequential([layer])  # first is alive: the layer is taken


def sharing_weights():
    a, b = dense(3, 3, "tanh"), dense(3, 3, "tanh")
    b.weights = a.weights
    return Sequential([a, b])


def later_bias(network, bias):
    """A forward pass of ``network`` (3 inputs) after its last layer's bias became ``bias``."""
    last = network.layers[-1] if isinstance(network, Sequential) else network
    last.bias = bias
    return partial(network.forward, ones(1, 3))


def float32_weights():
    layer = dense()
    layer.weights = layer.weights.astype(np.float32)
    return layer


def fed(n_in=3, n_out=4, batch=2, dtype=np.float64):
    """A Dense layer after one forward pass on a (batch, n_in) input."""
    return forwarded(dense(n_in, n_out, dtype=dtype), batch)


# inputs only read by the calls below
X34, X42, X43 = ones(3, 4), ones(4, 2), ones(4, 3)
W25, W43, B2, B5 = ones(2, 5), ones(4, 3), zeros(2), zeros(5)
F32 = np.float32
X32 = ones(2, 3, dtype=F32)
G24 = ones(2, 4)  # an upstream gradient (backward only reads it)


# fmt: off
BAD_INPUT = {
    "linear": [
        ("X 3 wide, W 2 high", args(X43, W25, B5), r"^X has 3.*W expects 2.*\(4, 3\).*\(2, 5\)"),
        ("X 3 wide, W 5 high", args(X43, ones(5, 2), B2), r"X\.shape=\(4, 3\).*W\.shape=\(5, 2\)"),
        ("b (4,), not (5,)", args(X42, W25, zeros(4)), r"^b\b.*\(5,\).*\(2, 5\).*\(4,\)"),
        ("b (2,)", args(X34, W43, ones(2)), r"^b\b.*\(3,\).*\(2,\)"),
        ("b (4,)", args(X34, W43, ones(4)), r"^b\b.*\(3,\).*\(4,\)"),
        ("b a row", args(X42, W25, zeros(1, 5)), r"^b\b.*1-D.*\(1, 5\)"),
        ("b (1, 3)", args(X34, W43, ones(1, 3)), r"^b\b.*1-D.*\(1, 3\)"),
        # (3, 1) would broadcast without error here (B = k = 3) and add b_i to row i
        ("b a column", args(X34, W43, ones(3, 1)), r"^b\b.*1-D.*\(3, 1\)"),
        ("X one sample", args(ones(2), W25, B5), r"^X\b.*2-D.*\(2,\)"),
        ("X 3-D", args(ones(2, 3, 4), ones(3, 2), B2), r"^X\b.*2-D.*\(2, 3, 4\)"),
        ("NaN in W", args(ones(1, 1), [[NAN]], zeros(1)), r"^W\b.*finite"),
        *non_finite(lambda v: linear([[0.5, v, 0.25]], ones(3, 2), B2), r"^X\b.*finite"),
    ],
    "linear_backward": [
        ("dZ (4, 4)", args(ones(4, 2), ones(2, 5), ones(4, 4)), r"^dZ\b.*\(4, 5\).*\(4, 4\)"),
        ("dZ transposed", args(ones(4, 3), ones(3, 2), ones(2, 4)), r"^dZ\b.*\(4, 2\).*\(2, 4\)"),
        ("X and W disagree", args(ones(4, 3), ones(2, 5), ones(4, 5)), r"^X has 3.*W expects 2"),
        ("dZ holds inf", args(ones(1, 1), ones(1, 1), [[INF]]), r"^dZ\b.*finite"),
        ("W is 1-D", args(ones(1, 2), ones(2), ones(1, 1)), r"^W\b.*2-D.*\(2,\)"),
    ],
    "he_normal": init_rows(),
    "glorot_uniform": init_rows(),
    "Dense": [
        ("zero width", args(0, 3, rng=gen()), r"^in_features\b.*positive integer.*0"),
        ("negative width", args(-1, 2, "relu", gen()), r"^in_features\b.*-1"),
        ("float width", args(2.5, 2, "relu", gen()), r"^in_features\b.*2\.5"),
        ("bool width", args(True, 2, "relu", gen()), r"^in_features\b.*True"),
        ("softmax", args(3, 2, "softmax", gen()), r"^activation\b.*'relu'.*None.*'softmax'"),
        ("ReLU activation", args(3, 2, "ReLU", gen()), r"^activation\b.*'ReLU'"),
        ("activation 1", args(3, 2, 1, gen()), r"^activation\b.*got 1"),
        ("seed instead of rng", args(3, 2, rng=42), r"^rng\b.*Generator.*int", TypeError),
        ("integer dtype", args(3, 2, rng=gen(), dtype=int), r"^dtype\b.*float", TypeError),
    ],
    "Dense.forward": [
        ("bias of width 5", later_bias(dense(), zeros(5)), r"bias.*\(4,\).*\(3, 4\).*\(5,\)"),
        ("float32 weights", partial(float32_weights().forward, ones(1, 3)), r"weights.*float64"),
        ("width 4", partial(dense(3, 4).forward, ones(2, 4)), r"expects 3 .*X with 4.*\(2, 4\)"),
        ("width 2", partial(dense(3, 2).forward, ones(4, 2)), r"expects 3 .*X with 2"),
        ("width 5", partial(dense(3, 2).forward, ones(4, 5)), r"expects 3 .*X with 5"),
        ("one sample", partial(dense(3, 4).forward, ones(3)), r"^X\b.*2-D.*in_features=3.*\(3,\)"),
        ("float32 X", partial(dense().forward, X32), r"^X\b.*float32.*64", TypeError),
        ("NaN in X", partial(dense(2, 1).forward, [[1.0, NAN]]), r"^X\b.*nan.*\(0, 1\)"),
    ],
    "Dense.backward": [
        ("float64", partial(fed(dtype=F32).backward, G24), r"^grad_output .*64.*32", TypeError),
        ("early", partial(dense().backward, G24), r"^backward.*before forward", RuntimeError),
        ("(2, 3)", partial(fed(3, 4).backward, ones(2, 3)), r"^grad_output\b.*\(2, 4\).*\(2, 3\)"),
        ("(4, 3)", partial(fed(3, 2, 4).backward, ones(4, 3)), r"^grad_output .*\(4, 2\).*\(4, 3"),
        ("(3,)", partial(fed(3, 1, 3).backward, ones(3)), r"^grad_output\b.*\(3, 1\).*\(3,\)"),
        ("NaN", partial(fed(3, 2).backward, [[0, NAN], [0, 0]]), r"^grad_output\b.*nan.*\(0, 1\)"),
    ],
    "Dense.gradients": [
        ("before backward", fed().gradients, r"^gradients\(\) .*before backward", RuntimeError),
        ("before forward", dense().gradients, r"^gradients\(\) .*before backward", RuntimeError),
    ],
    "Sequential": [
        ("a layer of another living model", two_models_one_layer, r"^layers\[0\] already belongs"),
        ("no layers", args([]), r"^Sequential needs at least one layer"),
        ("widths 4 and 5", args([dense(3, 4), dense(5, 2)]), r"layer 0 outputs 4.*1 expects 5"),
        ("a single layer", args(dense()), r"^layers\b.*list.*got Dense", TypeError),
        ("a non-layer", args([dense(3, 4), 4]), r"^layers\[1\] must be a Dense.*int", TypeError),
        ("a layer twice", args([dense(3, 3)] * 2), r"layers\[1\] and layers\[0\] share"),
        ("two layers, one weight array", sharing_weights, r"layers\[1\] and layers\[0\] share"),
    ],
    "Sequential.forward": [
        ("a later bias replaced", later_bias(model(), zeros(7)), r"^layers\[1\]'s bias\b.*\(2,\)"),
        ("width 4, not 3", partial(model().forward, ones(2, 4)), r"expects 3 .*X with 4"),
    ],
    "Sequential.backward": [
        ("early", partial(model().backward, G24), r"^backward.*before forward", RuntimeError),
    ],
    "Sequential.gradients": [
        ("before backward", model().gradients, r"^gradients\(\) .*before backward", RuntimeError),
    ],
}
# fmt: on
test_bad_input = bad_input_test(BAD_INPUT)
