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
from tests.support import (
    COL3,
    INF,
    NAN,
    V3,
    args,
    arr,
    bad_input_test,
    non_finite,
    ones,
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
@pytest.mark.verifies("neuron", by="exact")
def test_neuron_matches_the_weighted_sum_formula(seed, n, f, measured):
    x, w, b = sample(seed, n)
    y = neuron(x, w, b, activation=f)
    measured(abs(y - textbook(x, w, b, f)))
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
@pytest.mark.verifies("neuron-gradient", by="finite differences")
def test_gradients_wrt_weights_input_and_bias(seed, n, f, df, measured):
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
    measured(max(errors))
    assert max(errors) < 1e-7


@pytest.mark.parametrize("z", [-1000.0, 1000.0])
def test_extreme_pre_activations_are_finite_and_saturate(z):
    x, w = np.array([10.0, 10.0]), np.array([z / 20, z / 20])
    assert neuron(x, w, 0.0) == (0.0 if z < 0 else 1.0)
    assert neuron(x, w, 0.0, activation=tanh) == math.copysign(1.0, z)
    assert neuron(x, w, 0.0, activation=relu) == max(z, 0.0)


@pytest.mark.verifies("layer-of-neurons", by="exact")
@pytest.mark.parametrize("seed", SEEDS)
def test_a_dense_layer_is_neurons_in_its_columns(seed, measured):
    rng = np.random.default_rng(seed)
    layer = Dense(4, 3, activation="tanh", rng=rng)
    layer.bias[:] = rng.normal(size=3)
    X = rng.normal(size=(6, 4))
    A = layer.forward(X)
    for i in range(6):
        for j in range(3):
            measured(
                abs(A[i, j] - neuron(X[i], layer.weights[:, j], layer.bias[j], tanh))
            )
            assert A[i, j] == pytest.approx(
                neuron(X[i], layer.weights[:, j], layer.bias[j], tanh), rel=1e-12
            )


def test_a_weighted_sum_beyond_the_float_range_is_an_error_not_a_warning():
    with pytest.raises(ValueError, match=r"w @ x \+ b is inf.*float64 range"):
        neuron([1e308, 1e308], [1.0, 1.0], 0.0)
    assert neuron([1e300, -1e300], [1.0, 1.0], 0.0) == 0.5  # large but exact


# ---- bad input: one row a case (tests/support.py) -------------------------------------

# fmt: off
BAD_INPUT = {
    "neuron": [
        ("x is a column", args(COL3, V3, 0.0), r"^x\b.*1-D.*\(3, 1\)"),
        ("w is a column", args(V3, COL3, 0.0), r"^w\b.*\(3, 1\)"),
        ("x is a batch", args(ones(2, 3), ones(3), 0.0), r"^x\b.*1-D.*\(2, 3\)"),
        ("3 vs 2", args(V3, V3[:2], 0.0), r"x\.shape=\(3,\).*w\.shape=\(2,\)"),
        ("1 vs 4", args(ones(1), ones(4), 0.0), r"x\.shape=\(1,\).*w\.shape=\(4,\)"),
        ("5 vs 6", args(ones(5), ones(6), 0.0), r"x\.shape=\(5,\).*w\.shape=\(6,\)"),
        ("x is empty", args([], [], 0.0), r"^x must not be empty"),
        ("x is complex", args(arr(1j), arr(1.0), 0.0), r"^x\b.*real numbers", TypeError),
        ("x holds NaN", args(arr(1.0, NAN), ones(2), 0.0), r"^x\b.*nan.*\(1,\)"),
        ("w holds inf", args(ones(2), arr(INF, 1.0), 0.0), r"^w\b.*inf.*\(0,\)"),
        *non_finite(lambda v: neuron(arr(0.5, v, 0.25), ones(3), 0.0), r"^x must be finite"),
        ("b is an array", args(V3, V3, V3), r"^b\b.*real number.*ndarray", TypeError),
        ("b is a 1-array", args([1.0], [1.0], arr(1.0)), r"^b\b.*ndarray", TypeError),
        ("b is a string", args([1.0], [1.0], "1.0"), r"^b\b.*real number.*str", TypeError),
        ("b is None", args([1.0], [1.0], None), r"^b\b.*NoneType", TypeError),
        ("b is a bool", args([1.0], [1.0], True), r"^b\b.*bool", TypeError),
        ("b is NaN", args(V3, V3, NAN), r"^b\b.*finite.*nan"),
        ("b is inf", args([1.0], [1.0], INF), r"^b\b.*finite.*inf"),
        ("activation a name", args(V3, V3, 0, activation="relu"), r"^activation .*relu", TypeError),
    ],
}
# fmt: on
test_bad_input = bad_input_test(BAD_INPUT)
