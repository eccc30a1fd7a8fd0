"""Matrix products by hand and the forward pass of a layer: values, shapes and errors."""

from __future__ import annotations

import math

import numpy as np
import pytest

from nnmath import linear, matmul_loops
from tests.support import NAN, args, bad_input_test, non_finite, ones, zeros

SEEDS = [0, 1, 2]
# (B, n, k): single entries, a row, a column, an outer product, rectangular and square
SHAPES = [(1, 1, 1), (1, 5, 1), (4, 1, 3), (5, 1, 1), (3, 4, 2), (6, 6, 6), (8, 13, 5)]


def fsum_product(A, B):
    """(AB)_ij = sum_p A_ip B_pj, each sum taken exactly-rounded with math.fsum."""
    m, n = A.shape
    k = B.shape[1]
    return np.array(
        [
            [math.fsum(A[i, p] * B[p, j] for p in range(n)) for j in range(k)]
            for i in range(m)
        ]
    )


@pytest.mark.verifies("matmul", by="exact")
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("shape", SHAPES)
def test_loops_agree_with_numpy_matmul(seed, shape, measured):
    B, n, k = shape
    rng = np.random.default_rng(seed)
    X, W = rng.normal(size=(B, n)), rng.normal(size=(n, k))
    result = matmul_loops(X, W)
    assert isinstance(result, list) and len(result) == B
    assert all(isinstance(row, list) and len(row) == k for row in result)
    measured(np.abs(np.array(result) - fsum_product(X, W)).max())
    assert np.allclose(result, X @ W, rtol=1e-12, atol=1e-12)
    assert np.allclose(result, fsum_product(X, W), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("seed", SEEDS)
def test_integer_valued_products_are_exact(seed):
    rng = np.random.default_rng(seed)
    A = rng.integers(-9, 10, size=(4, 5))
    B = rng.integers(-9, 10, size=(5, 3))
    assert np.array_equal(
        matmul_loops(A, B), A @ B
    )  # small integers: no rounding at all


def test_hand_computed_product():
    # (1*5 + 2*7, 1*6 + 2*8; 3*5 + 4*7, 3*6 + 4*8)
    assert matmul_loops([[1, 2], [3, 4]], [[5, 6], [7, 8]]) == [
        [19.0, 22.0],
        [43.0, 50.0],
    ]


def test_inputs_are_not_modified():
    rng = np.random.default_rng(0)
    A, B = rng.normal(size=(3, 4)), rng.normal(size=(4, 2))
    A0, B0 = A.copy(), B.copy()
    matmul_loops(A, B)
    assert np.array_equal(A, A0) and np.array_equal(B, B0)


# ---- linear: Z = X W + b (forward only; the backward pass is tested with the layers) ----


@pytest.mark.verifies("dense-forward", "dense-forward-entries", by="exact")
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("shape", SHAPES)
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


# ---- bad input: one row a case (tests/support.py) -------------------------------------

# inputs only read by the calls below
X34, X42, X43 = ones(3, 4), ones(4, 2), ones(4, 3)
W25, W43, B2, B5 = ones(2, 5), ones(4, 3), zeros(2), zeros(5)

# fmt: off
BAD_INPUT = {
    "matmul_loops": [
        ("3 vs 2", args(ones(2, 3), ones(2, 2)), r"A\.shape=\(2, 3\).*B\.shape=\(2, 2\).*3 != 2"),
        ("3 vs 4", args(ones(2, 3), ones(4, 2)), r"A\.shape=\(2, 3\).*B\.shape=\(4, 2\)"),
        ("5 vs 4", args(ones(1, 5), ones(4, 1)), r"A\.shape=\(1, 5\).*B\.shape=\(4, 1\)"),
        ("3 vs 2, square", args(ones(3, 3), ones(2, 3)), r"A\.shape=\(3, 3\).*B\.shape=\(2, 3\)"),
        ("A is 1-D", args(ones(3), ones(3, 1)), r"^A\b.*2-D.*\(3,\)"),
        ("A is 1-D, B fits", args(ones(3), ones(3, 2)), r"^A\b.*2-D.*\(3,\)"),
        ("B is 1-D", args(ones(2, 3), ones(3)), r"^B\b.*2-D.*\(3,\)"),
        ("A is 3-D", args(ones(1, 2, 3), ones(3, 2)), r"^A\b.*2-D.*\(1, 2, 3\)"),
        ("complex A", args(np.ones((2, 2), complex), ones(2, 2)), r"^A\b.*real numbers", TypeError),
        ("complex B", args(ones(1, 1), [[1j]]), r"^B\b.*real numbers", TypeError),
    ],
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
}
# fmt: on
test_bad_input = bad_input_test(BAD_INPUT)
