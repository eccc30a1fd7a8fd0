"""The gradient checker itself: exact where theory says so, its error measure, what it catches."""

from __future__ import annotations

import math

import numpy as np
import pytest

from nnmath import (
    check_gradient,
    numerical_gradient,
    relative_error,
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
    away_from_kink,
    bad_input_test,
    non_finite,
    ones,
)

SEEDS = [0, 1, 2]
SHAPES = [(1,), (5,), (3, 4), (2, 3, 2)]


# --- numerical_gradient ------------------------------------------------------------------


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("shape", SHAPES)
def test_numerical_gradient_restores_x_bit_for_bit(seed, shape):
    rng = np.random.default_rng(seed)
    x = (
        rng.normal(size=shape) / 3.0
    )  # (x + h) - h often differs from x: restoring must copy
    before = x.copy()
    numerical_gradient(lambda v: np.sum(np.sin(v)), x, h=1e-3)
    assert np.array_equal(x, before)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("shape", SHAPES)
def test_numerical_gradient_keeps_shape_and_dtype(seed, shape):
    x = np.random.default_rng(seed).normal(size=shape)
    g = numerical_gradient(lambda v: np.sum(v**2), x)
    assert g.shape == x.shape and g.dtype == x.dtype


def test_numerical_gradient_keeps_float32():
    x = np.array([0.5, -1.5], dtype=np.float32)
    g = numerical_gradient(lambda v: float(np.sum(v * v)), x, h=1e-2)
    assert g.dtype == np.float32
    np.testing.assert_allclose(g, 2 * x, rtol=1e-3)


@pytest.mark.verifies("central-difference", by="exact")
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("h", [1e-1, 0.5, 2.0])
def test_central_difference_is_exact_on_quadratics_for_any_h(seed, h, measured):
    # f(x) = x^T A x + c^T x has f''' = 0: the truncation error vanishes for every h
    # (a one-sided difference would be off by h/2 f'' here)
    rng = np.random.default_rng(seed)
    A, c, x = rng.normal(size=(4, 4)), rng.normal(size=4), rng.normal(size=4)
    f = lambda v: v @ A @ v + c @ v
    exact = (A + A.T) @ x + c
    estimate = numerical_gradient(f, x, h)
    measured(np.abs(estimate - exact).max())
    assert relative_error(exact, estimate) < 1e-12


@pytest.mark.verifies("central-difference", by="exact")
@pytest.mark.parametrize("h", [1e-1, 0.5])
def test_a_large_step_is_not_exact_on_a_cubic(h, measured):
    # the contrast to the quadratic test: f''' = 6 makes the h^2 term visible
    x = np.array([0.7, -1.3])
    estimate = numerical_gradient(lambda v: np.sum(v**3), x, h)
    assert relative_error(3 * x**2, estimate) > 1e-3
    # and it is exactly the error term h^2/6 f''' = h_i^2, with h_i = h max(1, |x_i|):
    # ((x + h)^3 - (x - h)^3) / 2h = 3x^2 + h^2, all higher terms vanish for a cubic
    step = h * np.maximum(1.0, np.abs(x))
    measured(np.abs(estimate - (3 * x**2 + step**2)).max())
    np.testing.assert_allclose(estimate, 3 * x**2 + step**2, rtol=0, atol=1e-12)


@pytest.mark.parametrize("x0", [0.3, 1.0, 2.5])
def test_truncation_error_is_second_order(x0):
    x = np.array([x0])
    err = [
        abs(numerical_gradient(lambda v: np.sum(np.sin(v)), x, h)[0] - np.cos(x0))
        for h in (1e-2, 5e-3)
    ]
    assert err[0] / err[1] == pytest.approx(
        4.0, rel=0.01
    )  # halving h quarters the error


def test_numerical_gradient_works_through_a_shared_array():
    # f ignores its argument and reads the array the caller holds, as the layer tests do
    w = np.array([1.0, -2.0, 0.5])
    holder = {"w": w}
    g = numerical_gradient(lambda _: np.sum(holder["w"] ** 2), w)
    assert np.allclose(g, 2 * w, rtol=1e-8)


# --- relative_error ----------------------------------------------------------------------


@pytest.mark.parametrize("seed", SEEDS)
def test_relative_error_properties(seed):
    rng = np.random.default_rng(seed)
    a, b = rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
    e = relative_error(a, b)
    assert relative_error(a, a) == 0.0
    assert e == relative_error(b, a)  # symmetric
    assert 0.0 < e <= 1.0
    assert relative_error(-a, a) == pytest.approx(
        1.0
    )  # opposite directions: the maximum
    assert relative_error(a, np.zeros_like(a)) == 1.0


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("scale", [1e-8, 1e3, 1e12])
def test_relative_error_does_not_depend_on_scale(seed, scale):
    rng = np.random.default_rng(seed)
    a = rng.normal(size=6)
    b = a + 1e-6 * rng.normal(size=6)
    assert relative_error(scale * a, scale * b) == pytest.approx(
        relative_error(a, b), rel=1e-9
    )


@pytest.mark.verifies("relative-error", by="exact")
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("shape", SHAPES)
def test_relative_error_is_the_norm_of_the_difference_over_the_sum_of_norms(
    seed, shape, measured
):
    rng = np.random.default_rng(seed)
    a = rng.normal(size=shape)
    b = a + rng.normal(scale=10.0 ** rng.uniform(-8, 0), size=shape)
    pairs = list(zip(a.ravel().tolist(), b.ravel().tolist()))
    expected = math.hypot(*(p - q for p, q in pairs)) / (
        math.hypot(*(p for p, _ in pairs)) + math.hypot(*(q for _, q in pairs))
    )
    measured(abs(relative_error(a, b) - expected))
    assert relative_error(a, b) == pytest.approx(expected, rel=1e-13)
    # check_gradient is this error between the analytic and the numerical gradient
    f = lambda v: np.sum(np.sin(v))
    analytic = np.cos(a)
    numerical = numerical_gradient(f, a.copy())
    e = check_gradient(f, a.copy(), analytic)
    measured(abs(e - relative_error(analytic, numerical)))
    assert e == relative_error(analytic, numerical)


def test_relative_error_of_two_zero_gradients_is_zero():
    assert relative_error(np.zeros(3), np.zeros(3)) == 0.0


# --- check_gradient: what it accepts and what it catches -------------------------------


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize(
    "f, df",
    [(sigmoid, sigmoid_derivative), (tanh, tanh_derivative), (relu, relu_derivative)],
)
def test_check_gradient_accepts_correct_derivatives(seed, f, df):
    rng = np.random.default_rng(seed)
    x = away_from_kink(rng, (4, 3), margin=1e-3)  # a thousand times the default h
    g = rng.normal(size=x.shape)  # random upstream gradient
    assert check_gradient(lambda v: np.sum(g * f(v)), x, g * df(x)) < 1e-7


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize(
    "f, wrong_df",
    [
        (sigmoid, sigmoid),  # sigma instead of sigma (1 - sigma)
        (sigmoid, lambda x: sigmoid(x) * (1 - sigmoid(x)) * 2),  # a stray factor of 2
        (tanh, lambda x: 1 - np.tanh(x)),  # forgot the square
        (relu, lambda x: (x >= 0).astype(float) * 0.5),  # wrong slope
    ],
)
def test_check_gradient_catches_wrong_derivatives(seed, f, wrong_df):
    rng = np.random.default_rng(seed)
    x = away_from_kink(rng, 6, margin=1e-3)
    g = rng.normal(size=6)
    assert check_gradient(lambda v: np.sum(g * f(v)), x, g * wrong_df(x)) > 1e-2


@pytest.mark.parametrize("seed", SEEDS)
def test_random_upstream_catches_a_transposed_gradient_that_all_ones_misses(seed):
    rng = np.random.default_rng(seed)
    X, W = rng.normal(size=(3, 4)), rng.normal(size=(4, 3))
    ones, G = np.ones((3, 3)), rng.normal(size=(3, 3))
    f_ones = lambda W_: np.sum(ones * (X @ W_))
    f_random = lambda W_: np.sum(G * (X @ W_))
    assert check_gradient(f_ones, W, X.T @ ones.T) < 1e-7  # the bug passes
    assert check_gradient(f_random, W, X.T @ G) < 1e-7  # the right formula passes
    assert check_gradient(f_random, W, X.T @ G.T) > 1e-2  # the bug is caught


@pytest.mark.parametrize("x0", [1e-8, -1e-8, 5e-7])
def test_a_point_within_h_of_relus_kink_fails_a_correct_gradient(x0):
    x = np.array([x0])
    assert (
        check_gradient(lambda v: np.sum(relu(v)), x, relu_derivative(x), h=1e-6) > 0.1
    )


@pytest.mark.parametrize("seed", SEEDS)
def test_float32_cannot_reach_the_threshold_float64_meets(seed):
    x = np.random.default_rng(seed).normal(size=5)
    f = lambda v: np.sum(tanh(v))
    assert check_gradient(f, x.copy(), tanh_derivative(x)) < 1e-7
    assert check_gradient(f, x.astype(np.float32), tanh_derivative(x)) > 1e-7


# --- large, tiny and float32 points; a failing f; the error measure's range (issue 9) --


@pytest.mark.parametrize("scale", [1e9, 1e11, 1e200])
def test_the_step_is_relative_so_large_points_keep_their_gradient(scale):
    x = np.array([scale, -2.0 * scale])
    estimate = numerical_gradient(lambda v: np.sum(v * (v / scale)), x)
    assert relative_error(estimate, 2 * x / scale) < 1e-8


def test_float32_at_1000_gives_an_estimate_not_zero():
    x = np.array([1000.0, -500.0], dtype=np.float32)
    estimate = numerical_gradient(lambda v: float(np.sum(v.astype(np.float64) ** 2)), x)
    assert relative_error(estimate, 2 * x.astype(np.float64)) < 1e-3


def test_x_is_restored_when_f_raises_at_a_perturbed_point():
    x = np.array([1.0, 2.0, 3.0])
    original = x.copy()

    def f(v):
        if v[1] != 2.0:
            raise ArithmeticError("f fails away from the point")
        return float(np.sum(v))

    with pytest.raises(ArithmeticError):
        numerical_gradient(f, x)
    np.testing.assert_array_equal(x, original)


@pytest.mark.verifies("relative-error", by="exact")
@pytest.mark.parametrize(
    "a, b, expected",
    [([1e-200], [0.0], 1.0), ([1e308], [-1e308], 1.0), ([1e-320], [1e-320], 0.0)],
)
def test_relative_error_neither_underflows_nor_overflows(a, b, expected, measured):
    # by hand: |a - 0| / (|a| + 0) = 1, |2a| / (|a| + |a|) = 1, and 0 / (2|a|) = 0
    e = relative_error(a, b)  # warnings are errors in this suite
    measured(abs(e - expected))
    assert e == expected


# ---- bad input: one row a case (tests/support.py) -------------------------------------


F32, LONG = np.float32, np.longdouble


def nan_beyond_1(v):
    """sqrt(1 - v[0]), NaN past 1: finite at x = 1, not at x + h."""
    return float(np.sqrt(1 - v[0])) if v[0] <= 1 else NAN


# fmt: off
BAD_INPUT = {
    "numerical_gradient": [
        ("longdouble", args(np.sum, ones(2, dtype=LONG)), r"^x\b.*float(96|128|64).*32", TypeError),
        ("f NaN at x + h", args(nan_beyond_1, ones(1)), r"^f is not finite within the step.*\(0,"),
        ("x a list", args(np.sum, [1.0, 2.0]), r"^x\b.*float numpy array.*list", TypeError),
        ("x integers", args(np.sum, np.array([1, 2])), r"^x\b.*float numpy array", TypeError),
        ("x a float", args(np.sum, 3.0), r"^x\b.*float numpy array.*float", TypeError),
        ("h 0", args(np.sum, ones(2), h=0), r"^h\b.*> 0.*0\.0"),
        ("h -1e-6", args(np.sum, ones(2), h=-1e-6), r"^h\b.*-1e-06"),
        ("h inf", args(np.sum, ones(2), h=INF), r"^h\b.*inf"),
        ("h NaN", args(np.sum, ones(2), h=NAN), r"^h\b.*nan"),
        ("h below float32", args(np.sum, ones(3, dtype=F32), h=1e-9), r"^h\b.*lost.*float32"),
        ("f not callable", args(1.0, ones(2)), r"^f\b.*function.*float", TypeError),
        ("f an array", args(lambda v: v * 2, ones(2)), r"^f\b.*single real number.*\(2,\)"),
        ("x holds NaN", args(np.sum, arr(NAN)), r"^x\b.*finite"),
        ("f NaN at x", args(lambda v: v[0] * NAN, ones(1)), r"^f\(x\) must be finite.*nan"),
    ],
    "relative_error": [
        ("(3,) vs (3, 1)", args(V3, COL3), r"^a and b\b.*same shape.*\(3,\).*\(3, 1\)"),
        ("(3,) vs (1, 3)", args(ones(3), ones(1, 3)), r"^a and b\b.*\(3,\).*\(1, 3\)"),
        ("(3,) vs (4,)", args(ones(3), ones(4)), r"^a and b\b.*\(3,\).*\(4,\)"),
        ("NaN in a", args([NAN], [1.0]), r"^a\b.*nan.*\(0,\)"),
        ("inf in b", args([1.0], [INF]), r"^b\b.*inf.*\(0,\)"),
        *non_finite(lambda v: relative_error(arr(0.5, v, 0.25), ones(3)), r"^a\b.*finite.*\(1,\)"),
        ("complex", args([1j], [1.0]), r"^a\b.*real numbers", TypeError),
    ],
    "check_gradient": [
        # relative_error's own message would name its parameter "a"
        ("NaN in analytic", args(np.sum, ones(2), arr(NAN, 1)), r"^analytic\b.*nan.*\(0,\)"),
        ("x integers", args(np.sum, np.array([1, 2]), ones(2)), r"^x\b.*float.*int64", TypeError),
        ("(3, 1) vs (3,)", args(np.sum, ones(3), COL3), r"analytic\.shape=\(3, 1\).*x\.shape"),
    ],
}
# fmt: on
test_bad_input = bad_input_test(BAD_INPUT)
