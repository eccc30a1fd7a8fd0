"""Activations: values against independent formulas, stability, and gradient checks."""

from __future__ import annotations

import math

import numpy as np
import pytest

from nnmath import (
    check_gradient,
    relu,
    relu_derivative,
    sigmoid,
    sigmoid_derivative,
    softmax,
    softmax_backward,
    softmax_jacobian,
    tanh,
    tanh_derivative,
)
from tests.conftest import away_from_kink

SEEDS = [0, 1, 2]
SHAPES = [(7,), (3, 4), (2, 3, 5)]
ELEMENTWISE = [
    (sigmoid, sigmoid_derivative),
    (tanh, tanh_derivative),
    (relu, relu_derivative),
]


@pytest.mark.parametrize("x", [-30.0, -2.5, -0.1, 0.0, 0.3, 4.0, 30.0])
def test_sigmoid_matches_textbook_formula(x):
    assert sigmoid(x) == pytest.approx(1 / (1 + math.exp(-x)), rel=1e-15)


def test_sigmoid_extreme_inputs_are_finite_and_exact():
    x = np.array([-1e308, -1000.0, -745.0, 1000.0, 1e308])
    s = sigmoid(x)
    assert np.all(np.isfinite(s))
    assert s[0] == 0.0 and s[-1] == 1.0
    # below -709 the exact value exp(x) is subnormal or 0, not garbage
    assert s[2] == pytest.approx(math.exp(-745.0), rel=1e-6, abs=1e-323)


@pytest.mark.parametrize("seed", SEEDS)
def test_sigmoid_symmetry(seed):
    x = np.random.default_rng(seed).normal(scale=20, size=100)
    assert np.allclose(sigmoid(-x), 1 - sigmoid(x), atol=1e-15)


def test_sigmoid_derivative_peaks_at_a_quarter():
    x = np.linspace(-10, 10, 20001)
    d = sigmoid_derivative(x)
    assert d.max() == 0.25
    assert x[np.argmax(d)] == 0.0


def test_relu_and_its_derivative_convention_at_zero():
    x = np.array([-3.0, -0.0, 0.0, 1e-300, 2.0])
    assert np.array_equal(relu(x), [0.0, 0.0, 0.0, 1e-300, 2.0])
    assert np.array_equal(relu_derivative(x), [0.0, 0.0, 0.0, 1.0, 1.0])


def test_tanh_identity_with_sigmoid():
    x = np.linspace(-8, 8, 33)
    assert np.allclose(tanh(x), 2 * sigmoid(2 * x) - 1, atol=1e-15)
    assert np.allclose(tanh_derivative(x), 1 - np.tanh(x) ** 2)


@pytest.mark.parametrize("f, df", ELEMENTWISE)
def test_elementwise_functions_do_not_modify_input(f, df):
    x = np.array([-1.0, 0.5, 2.0])
    before = x.copy()
    f(x)
    df(x)
    assert np.array_equal(x, before)
    assert f(x) is not x


@pytest.mark.parametrize("f, df", ELEMENTWISE)
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("seed", SEEDS)
def test_elementwise_gradient_check(f, df, shape, seed):
    rng = np.random.default_rng(seed)
    x = away_from_kink(rng, shape, margin=1e-2)
    upstream = rng.normal(size=shape)  # random: all-ones would hide a mix-up of entries
    err = check_gradient(lambda v: np.sum(upstream * f(v)), x.copy(), upstream * df(x))
    assert err < 1e-7


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("shape", [(5,), (4, 6)])
def test_softmax_rows_sum_to_one_and_match_definition(seed, shape):
    z = np.random.default_rng(seed).normal(scale=3, size=shape)
    p = softmax(z)
    assert np.allclose(p.sum(axis=-1), 1.0)
    expected = np.exp(z) / np.exp(z).sum(
        axis=-1, keepdims=True
    )  # safe: |z| is small here
    assert np.allclose(p, expected, rtol=1e-13)


def test_softmax_large_logits_no_overflow():
    z = np.array([[1000.0, 999.0, -1000.0], [-1e300, 0.0, 1e300]])
    p = softmax(z)
    assert np.all(np.isfinite(p))
    assert np.allclose(
        p[0, :2], [1 / (1 + math.exp(-1)), math.exp(-1) / (1 + math.exp(-1))]
    )
    assert np.array_equal(p[1], [0.0, 0.0, 1.0])


def test_softmax_axis_zero_equals_transposed_last_axis():
    z = np.random.default_rng(3).normal(size=(4, 3))
    assert np.allclose(softmax(z, axis=0), softmax(z.T).T)


@pytest.mark.parametrize("seed", SEEDS)
def test_softmax_jacobian_against_finite_differences(seed):
    rng = np.random.default_rng(seed)
    z = rng.normal(size=5)
    J = softmax_jacobian(z)
    for i in range(5):  # row i of J is the gradient of s_i
        err = check_gradient(lambda v, i=i: softmax(v)[i], z.copy(), J[i])
        assert err < 1e-7


@pytest.mark.parametrize("seed", SEEDS)
def test_softmax_backward_is_jacobian_product_for_a_batch(seed):
    rng = np.random.default_rng(seed)
    Z, G = rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
    J = softmax_jacobian(Z)
    assert J.shape == (3, 4, 4)
    assert np.allclose(softmax_backward(Z, G), np.einsum("bij,bi->bj", J, G))
    err = check_gradient(
        lambda v: np.sum(G * softmax(v)), Z.copy(), softmax_backward(Z, G)
    )
    assert err < 1e-7


def test_elementwise_derivative_of_softmax_is_wrong():
    """The page's warning: the diagonal s(1-s) alone is not the softmax gradient."""
    rng = np.random.default_rng(0)
    z, g = rng.normal(size=4), rng.normal(size=4)
    s = softmax(z)
    assert not np.allclose(g * s * (1 - s), softmax_backward(z, g))


def test_a_ragged_list_names_the_argument():
    from nnmath import sigmoid as f

    with pytest.raises(ValueError, match="x must be a rectangular array of numbers"):
        f([[1, 2], [3]])


@pytest.mark.parametrize("name", ["sigmoid", "tanh_derivative", "softmax", "relu"])
def test_float16_is_refused_with_one_clear_error(name):
    import nnmath

    with pytest.raises(
        TypeError, match=r"has dtype float16: nnmath computes in float32"
    ):
        getattr(nnmath, name)(np.zeros(3, np.float16))
