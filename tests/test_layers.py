"""Dense layers, their backward pass, initialization and stacking (docs/backprop.md).

Every gradient is checked against central differences in float64 with a random upstream
gradient, at points kept away from ReLU's kink.
"""

from __future__ import annotations

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
def test_dense_gradients_match_finite_differences(activation, shape, seed):
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

    assert check_gradient(loss, layer.weights, dW) < TOL
    assert check_gradient(loss, layer.bias, db) < TOL
    assert check_gradient(lambda x: np.sum(G * layer.forward(x)), X, dX) < TOL


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_dense_forward_is_activation_of_affine_map(activation):
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
def test_two_layer_network_gradients_end_to_end(sizes, hidden_activation, seed):
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
        assert check_gradient(loss, param, grad) < TOL
    assert (
        check_gradient(lambda x: softmax_cross_entropy(model.forward(x), Y), X, dX)
        < TOL
    )


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


# ---------------------------------------------------------------- linear_backward


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("shape", SHAPES)
def test_linear_backward_shapes_and_values(shape, seed):
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
    assert check_gradient(loss, X, dX) < TOL
    assert check_gradient(loss, W, dW) < TOL
    assert check_gradient(loss, b, db) < TOL


def test_linear_backward_rejects_a_mismatched_dZ():
    X, W = np.ones((4, 3)), np.ones((3, 2))
    with pytest.raises(ValueError, match=r"\(4, 2\).*\(2, 4\)"):
        linear_backward(X, W, np.ones((2, 4)))


# ---------------------------------------------------------------- initialization


def _five_sigma(std_of_one_sample, n):
    """Tolerance for a sample mean of n independent draws: five standard errors."""
    return 5 * std_of_one_sample / np.sqrt(n)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("n_in, n_out", [(400, 300), (1000, 50), (64, 512)])
def test_he_normal_has_variance_two_over_fan_in(n_in, n_out, seed):
    W = he_normal(n_in, n_out, np.random.default_rng(seed))
    N = W.size
    var = 2.0 / n_in
    assert W.shape == (n_in, n_out) and W.dtype == np.float64
    # mean of W: sd of one draw is sqrt(var);
    # mean of W^2 estimates var, sd of one W^2 is sqrt(2) var
    assert abs(W.mean()) < _five_sigma(np.sqrt(var), N)
    assert abs(np.mean(W**2) - var) < _five_sigma(np.sqrt(2) * var, N)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("n_in, n_out", [(400, 300), (1000, 50), (64, 512)])
def test_glorot_uniform_has_variance_two_over_fan_sum(n_in, n_out, seed):
    W = glorot_uniform(n_in, n_out, np.random.default_rng(seed))
    N = W.size
    a = np.sqrt(6.0 / (n_in + n_out))
    var = a**2 / 3  # variance of U(-a, a), which equals 2 / (n_in + n_out)
    assert np.isclose(var, 2.0 / (n_in + n_out))
    assert W.shape == (n_in, n_out) and np.abs(W).max() <= a
    # for U(-a, a): Var(W^2) = E[W^4] - var^2 = a^4/5 - a^4/9 = 4 a^4 / 45
    assert abs(W.mean()) < _five_sigma(np.sqrt(var), N)
    assert abs(np.mean(W**2) - var) < _five_sigma(np.sqrt(4 * a**4 / 45), N)


@pytest.mark.parametrize("init", [he_normal, glorot_uniform])
def test_initializers_honour_dtype(init):
    W = init(8, 4, np.random.default_rng(0), dtype=np.float32)
    assert W.dtype == np.float32 and W.shape == (8, 4)


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


# ---------------------------------------------------------------- errors


def test_sequential_rejects_mismatched_widths():
    rng = np.random.default_rng(0)
    with pytest.raises(
        ValueError, match=r"layer 0 outputs 4 features but layer 1 expects 5"
    ):
        Sequential([Dense(3, 4, "relu", rng), Dense(5, 2, None, rng)])


def test_sequential_rejects_an_empty_list():
    with pytest.raises(ValueError, match="at least one layer"):
        Sequential([])


def test_backward_before_forward_raises():
    layer = Dense(3, 2, "relu", np.random.default_rng(0))
    with pytest.raises(RuntimeError, match="before forward"):
        layer.backward(np.ones((4, 2)))
    with pytest.raises(RuntimeError, match="before backward"):
        layer.gradients()


@pytest.mark.parametrize("width", [2, 5])
def test_wrong_input_width_names_both_widths(width):
    layer = Dense(3, 2, "tanh", np.random.default_rng(0))
    with pytest.raises(
        ValueError, match=rf"expects 3 input features, got X with {width}"
    ):
        layer.forward(np.ones((4, width)))


def test_wrong_input_rank_and_upstream_shape_raise():
    layer = Dense(3, 2, "tanh", np.random.default_rng(0))
    with pytest.raises(ValueError, match="2-D"):
        layer.forward(np.ones(3))
    layer.forward(np.ones((4, 3)))
    with pytest.raises(ValueError, match=r"\(4, 2\).*\(4, 3\)"):
        layer.backward(np.ones((4, 3)))


@pytest.mark.parametrize("bad", ["softmax", "ReLU", 1])
def test_unknown_activation_raises(bad):
    with pytest.raises(ValueError, match="activation must be one of"):
        Dense(3, 2, bad, np.random.default_rng(0))


@pytest.mark.parametrize("bad", [0, -1, 2.5, True])
def test_bad_widths_raise(bad):
    with pytest.raises(ValueError, match="positive integer"):
        Dense(bad, 2, "relu", np.random.default_rng(0))


# --- a layer is used once (issue 9): weight sharing would corrupt the cache -----------


def test_a_layer_listed_twice_is_refused():
    d = Dense(3, 3, "tanh", np.random.default_rng(0))
    with pytest.raises(
        ValueError, match=r"layers\[1\] and layers\[0\] share their weights"
    ):
        Sequential([d, d])


def test_two_layers_holding_one_weight_array_are_refused():
    rng = np.random.default_rng(0)
    a, b = Dense(3, 3, "tanh", rng), Dense(3, 3, "tanh", rng)
    b.weights = a.weights
    with pytest.raises(ValueError, match="share their weights"):
        Sequential([a, b])
