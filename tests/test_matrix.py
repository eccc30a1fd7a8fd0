"""Matrix products by hand (nnmath.matrix): values against exact sums, shapes and errors."""

from __future__ import annotations

import numpy as np
import pytest

from nnmath import matmul_loops
from tests.support import PRODUCT_SHAPES, args, bad_input_test, fsum_product, ones

SEEDS = [0, 1, 2]


@pytest.mark.verifies("matmul", by="exact")
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("shape", PRODUCT_SHAPES)
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


# ---- bad input: one row a case (tests/support.py) -------------------------------------

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
}
# fmt: on
test_bad_input = bad_input_test(BAD_INPUT)
