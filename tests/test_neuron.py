"""The neuron: values against the textbook formula, its gradients, extremes and errors."""

from __future__ import annotations

import math

import numpy as np
import pytest

from nnmath import (
    Dense,
    check_gradient,
    neuron,
    relu,
    relu_derivative,
    sigmoid,
    sigmoid_derivative,
    tanh,
    tanh_derivative,
)

SEEDS = [0, 1, 2]
SIZES = [1, 3, 10]
ACTIVATIONS = [
    (sigmoid, sigmoid_derivative),
    (tanh, tanh_derivative),
    (relu, relu_derivative),
]


def textbook(x, w, b, f):
    """y = f(sum_i w_i x_i + b), summed in plain Python with math.fsum."""
    z = math.fsum(wi * xi for wi, xi in zip(x.tolist(), w.tolist())) + b
    return {
        sigmoid: lambda v: 1.0 / (1.0 + math.exp(-v)),
        tanh: math.tanh,
        relu: lambda v: max(0.0, v),
    }[f](z)


def sample(seed, n):
    rng = np.random.default_rng(seed)
    return rng.normal(size=n), rng.normal(size=n), float(rng.normal())


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("f", [sigmoid, tanh, relu])
def test_neuron_matches_the_weighted_sum_formula(seed, n, f):
    x, w, b = sample(seed, n)
    y = neuron(x, w, b, activation=f)
    assert isinstance(y, float)
    assert y == pytest.approx(textbook(x, w, b, f), rel=1e-12, abs=1e-15)


def test_default_activation_is_sigmoid_and_identity_works():
    x, w, b = np.array([0.5, -1.0, 2.0]), np.array([0.4, 0.3, -0.2]), 0.1
    z = 0.5 * 0.4 + (-1.0) * 0.3 + 2.0 * (-0.2) + 0.1
    assert neuron(x, w, b) == pytest.approx(1 / (1 + math.exp(-z)), rel=1e-14)
    assert neuron(x, w, b, activation=lambda v: v) == pytest.approx(z, rel=1e-14)


@pytest.mark.parametrize("seed", SEEDS)
def test_bias_shifts_the_pre_activation(seed):
    x, w, b = sample(seed, 4)
    identity = lambda v: v
    assert neuron(x, w, b + 2.5, identity) - neuron(x, w, b, identity) == pytest.approx(
        2.5
    )
    assert neuron(np.zeros(4), w, b, identity) == b  # no input: only the bias remains


def test_lists_and_integers_are_accepted():
    assert neuron([1, 2], [3, -1], 0, activation=relu) == 1.0


@pytest.mark.parametrize("seed", SEEDS)
def test_inputs_are_not_modified(seed):
    x, w, b = sample(seed, 5)
    x0, w0 = x.copy(), w.copy()
    neuron(x, w, b)
    assert np.array_equal(x, x0) and np.array_equal(w, w0)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("f, df", ACTIVATIONS)
def test_gradients_wrt_weights_input_and_bias(seed, n, f, df):
    x, w, b = sample(seed, n)
    z = float(w @ x + b)
    if (
        f is relu and abs(z) < 1e-2
    ):  # keep away from ReLU's kink, where no derivative exists
        b += 0.1 if z >= 0 else -0.1
        z = float(w @ x + b)
    dz = float(df(z))
    errors = [
        check_gradient(lambda v: neuron(x, v, b, f), w.copy(), dz * x),
        check_gradient(lambda v: neuron(v, w, b, f), x.copy(), dz * w),
        check_gradient(
            lambda v: neuron(x, w, float(v[0]), f), np.array([b]), np.array([dz])
        ),
    ]
    assert max(errors) < 1e-7


@pytest.mark.parametrize("z", [-1000.0, 1000.0])
def test_extreme_pre_activations_are_finite_and_saturate(z):
    x, w = np.array([10.0, 10.0]), np.array([z / 20, z / 20])
    assert neuron(x, w, 0.0) == (0.0 if z < 0 else 1.0)
    assert neuron(x, w, 0.0, activation=tanh) == math.copysign(1.0, z)
    assert neuron(x, w, 0.0, activation=relu) == max(z, 0.0)


@pytest.mark.parametrize("seed", SEEDS)
def test_a_dense_layer_is_neurons_in_its_columns(seed):
    rng = np.random.default_rng(seed)
    layer = Dense(4, 3, activation="tanh", rng=rng)
    layer.bias[:] = rng.normal(size=3)
    X = rng.normal(size=(6, 4))
    A = layer.forward(X)
    for i in range(6):
        for j in range(3):
            assert A[i, j] == pytest.approx(
                neuron(X[i], layer.weights[:, j], layer.bias[j], tanh), rel=1e-12
            )


@pytest.mark.parametrize(
    "x_shape, w_shape",
    [((3,), (2,)), ((1,), (4,)), ((5,), (6,))],
    ids=["3-vs-2", "1-vs-4", "5-vs-6"],
)
def test_length_mismatch_names_both_shapes(x_shape, w_shape):
    with pytest.raises(ValueError) as error:
        neuron(np.ones(x_shape), np.ones(w_shape), 0.0)
    assert f"x.shape={x_shape}" in str(error.value)
    assert f"w.shape={w_shape}" in str(error.value)


@pytest.mark.parametrize("bad", ["x", "w"])
def test_a_column_is_not_a_vector(bad):
    column, vector = np.ones((3, 1)), np.ones(3)
    x, w = (column, vector) if bad == "x" else (vector, column)
    with pytest.raises(ValueError, match=r"\(3, 1\)"):
        neuron(x, w, 0.0)


def test_a_batch_is_rejected():
    with pytest.raises(ValueError, match=r"x must be 1-D, got shape \(2, 3\)"):
        neuron(np.ones((2, 3)), np.ones(3), 0.0)


@pytest.mark.parametrize("b", [np.array([1.0]), "1.0", None, True])
def test_bias_must_be_a_real_number(b):
    with pytest.raises(TypeError, match="b must be a real number"):
        neuron([1.0], [1.0], b)


@pytest.mark.parametrize("b", [math.inf, math.nan])
def test_bias_must_be_finite(b):
    with pytest.raises(ValueError, match="b must be finite"):
        neuron([1.0], [1.0], b)


def test_complex_input_is_rejected():
    with pytest.raises(TypeError, match="x must hold real numbers"):
        neuron(np.array([1j]), np.array([1.0]), 0.0)


def test_a_weighted_sum_beyond_the_float_range_is_an_error_not_a_warning():
    with pytest.raises(ValueError, match=r"w @ x \+ b is inf.*float64 range"):
        neuron([1e308, 1e308], [1.0, 1.0], 0.0)
    assert neuron([1e300, -1e300], [1.0, 1.0], 0.0) == 0.5  # large but exact


def test_an_empty_input_is_refused():
    with pytest.raises(ValueError, match="x must not be empty"):
        neuron([], [], 0.0)
