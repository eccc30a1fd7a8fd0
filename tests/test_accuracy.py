"""Accuracy to the last bits: every element-wise function against 200-bit mpmath.

The target: within 4 ulps (units in the last place of the result's dtype) of the exact
value, over the whole float64 range wherever the result is a normal number, for each
activation and derivative; log-softmax and the losses wherever the result is finite.
Forms that cancel (``s * (1 - s)``, ``1 - tanh(x)**2``, ``log(1 + small)``) lose every
digit on one side; the tests below are what rules them out.
"""

from __future__ import annotations

import mpmath
import numpy as np
import pytest

import nnmath

mpmath.mp.prec = 200
TARGET_ULPS = 4


def ulps(computed, exact, dtype=np.float64):
    """|computed - exact| in units of the spacing of ``dtype`` at ``exact``; None if the
    exact value is not a normal number of ``dtype`` (zero, subnormal or out of range)."""
    info = np.finfo(dtype)
    magnitude = abs(exact)
    if magnitude < mpmath.mpf(float(info.tiny)) or magnitude > mpmath.mpf(
        float(info.max)
    ):
        return None
    spacing = mpmath.mpf(float(np.spacing(dtype(float(magnitude)))))
    return float(abs(mpmath.mpf(float(computed)) - exact) / spacing)


def points(dtype=np.float64):
    """Points over the whole range: both signs, every decade, the hand-picked edges."""
    rng = np.random.default_rng(0)
    top = int(np.log10(np.finfo(dtype).max))
    decades = 10.0 ** np.arange(-300 if dtype == np.float64 else -37, top + 1)
    edges = [
        0.0,
        -0.0,
        1e-320,
        0.5,
        1.0,
        5.0,
        17.3,
        36.7,
        40.0,
        354.9,
        700.0,
        709.78,
        745.1,
        5e-324 if dtype == np.float64 else 1e-45,
    ]
    x = np.concatenate(
        [decades, edges, rng.normal(size=100) * 3, rng.uniform(-800, 800, 100)]
    )
    x = np.concatenate([x, -x]).astype(dtype)
    return x[np.isfinite(x)]


def mp_sigmoid(x):
    return 1 / (1 + mpmath.exp(-x))


def mp_sigmoid_derivative(x):
    return mpmath.exp(-abs(x)) / (1 + mpmath.exp(-abs(x))) ** 2


EXACT = {
    "sigmoid": mp_sigmoid,
    "sigmoid_derivative": mp_sigmoid_derivative,
    "tanh": mpmath.tanh,
    "tanh_derivative": lambda x: mpmath.sech(x) ** 2,
    "relu": lambda x: max(x, mpmath.mpf(0)),
    "relu_derivative": lambda x: mpmath.mpf(1) if x > 0 else mpmath.mpf(0),
}


def worst_ulps(fn, exact, x, dtype):
    computed = fn(x)
    errors = [ulps(c, exact(mpmath.mpf(float(v))), dtype) for c, v in zip(computed, x)]
    measured = [e for e in errors if e is not None]
    assert len(measured) > len(x) // 3  # the range was sampled, not skipped
    return max(measured), len(measured)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", sorted(EXACT))
def test_elementwise_functions_are_within_4_ulps(name, dtype):
    worst, n = worst_ulps(getattr(nnmath, name), EXACT[name], points(dtype), dtype)
    assert worst <= TARGET_ULPS, (
        f"{name} ({np.dtype(dtype).name}): {worst:.1f} ulps over {n}"
    )


def test_derivatives_keep_their_digits_on_both_sides():
    # sigma' and tanh' are even: the cancelling forms gave 0 on one side only
    x = np.array([5.0, 20.0, 36.7, 40.0, 300.0])
    np.testing.assert_array_equal(
        nnmath.sigmoid_derivative(x), nnmath.sigmoid_derivative(-x)
    )
    np.testing.assert_array_equal(nnmath.tanh_derivative(x), nnmath.tanh_derivative(-x))
    assert nnmath.sigmoid_derivative(40.0) == pytest.approx(
        4.248354255291589e-18, rel=1e-15
    )


def mp_log_softmax(row):
    row = [mpmath.mpf(float(v)) for v in row]
    total = mpmath.log(mpmath.fsum(mpmath.exp(v) for v in row))
    return [v - total for v in row]


def logit_rows():
    rng = np.random.default_rng(1)
    rows = [
        [0.0, -40.0],
        [0.0, -1e-10],
        [1000.0, 0.0],
        [3.0, 3.0, 3.0],
        [-745.0, 0.0, 2.0],
    ]
    rows += [list(rng.normal(size=5) * scale) for scale in (1e-8, 1.0, 30.0, 1e3)]
    rows += [list(rng.uniform(-1e300, 1e300, size=3))]
    return rows


def test_log_softmax_is_within_4_ulps_where_finite():
    worst = 0.0
    for row in logit_rows():
        computed = nnmath.log_softmax(np.array(row))
        for c, e in zip(computed, mp_log_softmax(row)):
            error = ulps(c, e)
            if error is not None:
                worst = max(worst, error)
    assert worst <= TARGET_ULPS, f"log_softmax: {worst:.1f} ulps"
    assert nnmath.log_softmax(np.array([0.0, -40.0]))[0] == pytest.approx(
        -4.248354255291589e-18
    )


def test_softmax_cross_entropy_is_within_4_ulps_where_finite():
    worst = 0.0
    for row in logit_rows():
        z = np.array(row)
        for k in range(len(row)):
            y = np.eye(len(row))[k]
            exact = -mp_log_softmax(row)[k]
            error = ulps(nnmath.softmax_cross_entropy(z, y), exact)
            if error is not None:
                worst = max(worst, error)
    assert worst <= TARGET_ULPS, f"softmax_cross_entropy: {worst:.1f} ulps"
