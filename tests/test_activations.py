"""Activations: values against independent formulas, stability, and gradient checks."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import nnmath
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
from tests.support import (
    DTYPES,
    INF,
    LOGITS,
    NAN,
    SETTINGS,
    V3,
    args,
    arr,
    arrays,
    away_from_kink,
    bad_input_test,
    eps,
    ones,
    shapes,
    zeros,
)

SEEDS = [0, 1, 2]
SHAPES = [(7,), (3, 4), (2, 3, 5)]
ELEMENTWISE = [
    (sigmoid, sigmoid_derivative),
    (tanh, tanh_derivative),
    (relu, relu_derivative),
]


@pytest.mark.verifies("sigmoid", "sigmoid-stable", by="exact")
@pytest.mark.parametrize("x", [-30.0, -2.5, -0.1, 0.0, 0.3, 4.0, 30.0])
def test_sigmoid_matches_textbook_formula(x, measured):
    expected = 1 / (1 + math.exp(-x))
    measured(abs(sigmoid(x) - expected))
    assert sigmoid(x) == pytest.approx(expected, rel=1e-15)


@pytest.mark.verifies("sigmoid-stable", by="exact")
def test_sigmoid_extreme_inputs_are_finite_and_exact(measured):
    x = np.array([-1e308, -1000.0, -745.0, 1000.0, 1e308])
    s = sigmoid(x)
    assert np.all(np.isfinite(s))
    assert s[0] == 0.0 and s[-1] == 1.0
    # below -709 the exact value exp(x) is subnormal or 0, not garbage
    measured(max(s[0], 1.0 - s[-1], abs(s[2] - math.exp(-745.0))))
    assert s[2] == pytest.approx(math.exp(-745.0), rel=1e-6, abs=1e-323)


def test_sigmoid_derivative_peaks_at_a_quarter():
    x = np.linspace(-10, 10, 20001)
    d = sigmoid_derivative(x)
    assert d.max() == 0.25
    assert x[np.argmax(d)] == 0.0


@pytest.mark.verifies("relu", by="exact")
def test_relu_and_its_derivative_convention_at_zero(measured):
    x = np.array([-3.0, -0.0, 0.0, 1e-300, 2.0])
    expected = np.maximum(x, 0.0), (x > 0).astype(float)  # max(0, x); 1 where x > 0
    measured(
        np.abs(relu(x) - expected[0]).max()
        + np.abs(relu_derivative(x) - expected[1]).max()
    )
    assert np.array_equal(relu(x), [0.0, 0.0, 0.0, 1e-300, 2.0])
    assert np.array_equal(relu_derivative(x), [0.0, 0.0, 0.0, 1.0, 1.0])


@pytest.mark.verifies("tanh", by="exact")
def test_tanh_identity_with_sigmoid(measured):
    x = np.linspace(-8, 8, 33)
    measured(np.abs(tanh(x) - (2 * sigmoid(2 * x) - 1)).max())
    measured(np.abs(tanh_derivative(x) - (1 - np.tanh(x) ** 2)).max())
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


@pytest.mark.parametrize(
    "f, df",
    [
        pytest.param(
            sigmoid,
            sigmoid_derivative,
            marks=pytest.mark.verifies(
                "sigmoid", "sigmoid-derivative", by="finite differences"
            ),
            id="sigmoid",
        ),
        pytest.param(
            tanh,
            tanh_derivative,
            marks=pytest.mark.verifies("tanh", by="finite differences"),
            id="tanh",
        ),
        pytest.param(
            relu,
            relu_derivative,
            marks=pytest.mark.verifies("relu", by="finite differences"),
            id="relu",
        ),
    ],
)
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("seed", SEEDS)
def test_elementwise_gradient_check(f, df, shape, seed, measured):
    rng = np.random.default_rng(seed)
    x = away_from_kink(rng, shape, margin=1e-2)
    upstream = rng.normal(size=shape)  # random: all-ones would hide a mix-up of entries
    err = check_gradient(lambda v: np.sum(upstream * f(v)), x.copy(), upstream * df(x))
    measured(err)
    assert err < 1e-7


@pytest.mark.verifies("softmax", by="exact")
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("shape", [(5,), (4, 6)])
def test_softmax_rows_sum_to_one_and_match_definition(seed, shape, measured):
    z = np.random.default_rng(seed).normal(scale=3, size=shape)
    p = softmax(z)
    assert np.allclose(p.sum(axis=-1), 1.0)
    expected = np.exp(z) / np.exp(z).sum(
        axis=-1, keepdims=True
    )  # safe: |z| is small here
    measured(np.abs(p - expected).max())
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


@pytest.mark.verifies("softmax-jacobian", by="finite differences")
@pytest.mark.parametrize("seed", SEEDS)
def test_softmax_jacobian_against_finite_differences(seed, measured):
    rng = np.random.default_rng(seed)
    z = rng.normal(size=5)
    J = softmax_jacobian(z)
    for i in range(5):  # row i of J is the gradient of s_i
        err = check_gradient(lambda v, i=i: softmax(v)[i], z.copy(), J[i])
        measured(err)
        assert err < 1e-7


@pytest.mark.verifies("softmax-jacobian", by="finite differences")
@pytest.mark.parametrize("seed", SEEDS)
def test_softmax_backward_is_jacobian_product_for_a_batch(seed, measured):
    rng = np.random.default_rng(seed)
    Z, G = rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
    J = softmax_jacobian(Z)
    assert J.shape == (3, 4, 4)
    assert np.allclose(softmax_backward(Z, G), np.einsum("bij,bi->bj", J, G))
    err = check_gradient(
        lambda v: np.sum(G * softmax(v)), Z.copy(), softmax_backward(Z, G)
    )
    measured(err)
    assert err < 1e-7


def test_elementwise_derivative_of_softmax_is_wrong():
    """The page's warning: the diagonal s(1-s) alone is not the softmax gradient."""
    rng = np.random.default_rng(0)
    z, g = rng.normal(size=4), rng.normal(size=4)
    s = softmax(z)
    assert not np.allclose(g * s * (1 - s), softmax_backward(z, g))


# ---- properties for any finite input, drawn by Hypothesis (tests/support.py) ----------


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
    name=st.sampled_from(["relu", "sigmoid", "tanh"]),
)
def test_activations_and_derivatives_stay_in_their_ranges(data, dtype, name):
    f, f_prime = getattr(nnmath, name), getattr(nnmath, f"{name}_derivative")
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


# ---- NaN and inf: propagated by the element-wise functions, refused by softmax ---------

SPECIAL = np.array([NAN, INF, -INF, 0.0])
LIMITS = {  # name: values at [nan, +inf, -inf, 0]
    "sigmoid": [NAN, 1.0, 0.0, 0.5],
    "sigmoid_derivative": [NAN, 0.0, 0.0, 0.25],
    "relu": [NAN, INF, 0.0, 0.0],
    "relu_derivative": [NAN, 1.0, 0.0, 0.0],
    "tanh": [NAN, 1.0, -1.0, 0.0],
    "tanh_derivative": [NAN, 0.0, 0.0, 1.0],
}


@pytest.mark.parametrize("name", sorted(LIMITS))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_activations_propagate_nan_and_map_inf_to_their_limits(name, dtype):
    # and no warning: warnings are errors in this suite
    out = getattr(nnmath, name)(SPECIAL.astype(dtype))
    assert out.dtype == dtype
    np.testing.assert_array_equal(out, np.array(LIMITS[name], dtype=dtype))


def test_softmax_accepts_minus_inf_as_probability_zero():
    z = np.array([[-INF, 0.0, 0.0], [1.0, -INF, 1.0]])
    np.testing.assert_array_equal(softmax(z), [[0.0, 0.5, 0.5], [0.5, 0.0, 0.5]])
    np.testing.assert_array_equal(
        softmax_backward(z[0], np.array([5.0, 1.0, -1.0])), [0.0, 0.5, -0.5]
    )


# ---- bad input: one row a case (tests/support.py) -------------------------------------


# fmt: off
def elementwise_rows():
    return [
        ("complex", args(arr(1 + 2j)), r"^x\b.*real numbers.*complex128", TypeError),
        ("strings", args(arr("1.0")), r"^x\b.*real numbers.*<U3", TypeError),
        ("None", args(None), r"^x\b.*real numbers.*object", TypeError),
        ("ragged list", args([[1, 2], [3]]), r"^x must be a rectangular array"),
        ("float16", args(zeros(3, dtype=np.float16)), r"^x\b.*float16.*float32", TypeError),
    ]
# fmt: on


# fmt: off
BAD_INPUT = {
    "sigmoid": elementwise_rows(),
    "sigmoid_derivative": elementwise_rows(),
    "relu": elementwise_rows(),
    "relu_derivative": elementwise_rows(),
    "tanh": elementwise_rows(),
    "tanh_derivative": elementwise_rows(),
    "softmax": [
        ("NaN", args(arr(0.0, NAN)), r"^z\b.*NaN"),
        ("+inf", args(arr(INF, 0.0)), r"^z\b.*\+inf"),
        ("a row of -inf", args([[0.0, 1.0], [-INF, -INF]]), r"z along axis -1.*all -inf"),
        ("3-D", args(zeros(2, 2, 2)), r"^z\b.*1-D or 2-D.*\(2, 2, 2\)"),
        ("axis 2", args(LOGITS, axis=2), r"^axis\b.*\[-2, 2\).*\(2, 3\).*got 2"),
        ("axis not an int", args(LOGITS, axis=1.0), r"^axis\b.*\[-2, 2\).*got 1\.0"),
        ("no classes", args(zeros(2, 0)), r"^z\b.*axis -1.*\(2, 0\)"),
        ("complex", args(arr(1j)), r"^z\b.*real numbers", TypeError),
        ("float16", args(zeros(3, dtype=np.float16)), r"^z\b.*float16.*float32", TypeError),
    ],
    "softmax_jacobian": [
        ("3-D", args(zeros(1, 2, 2)), r"^z\b.*1-D or 2-D"),
        ("NaN", args(arr(NAN, 1.0)), r"^z\b.*NaN"),
    ],
    "softmax_backward": [
        ("shapes differ", args(LOGITS, V3), r"grad_output\.shape=\(3,\).*z\.shape=\(2, 3\)"),
        ("inf in grad_output", args(V3, arr(0, INF, 0)), r"^grad_output\b.*inf.*\(1,\)"),
        ("z holds NaN", args(arr(NAN), ones(1)), r"^z\b.*NaN"),
    ],
}
# fmt: on
test_bad_input = bad_input_test(BAD_INPUT)
