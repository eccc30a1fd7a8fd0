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


MPMATH_EQUATIONS = [
    pytest.param("relu", marks=pytest.mark.verifies("relu", by="mpmath")),
    pytest.param("relu_derivative", marks=pytest.mark.verifies("relu", by="mpmath")),
    pytest.param(
        "sigmoid", marks=pytest.mark.verifies("sigmoid", "sigmoid-stable", by="mpmath")
    ),
    pytest.param(
        "sigmoid_derivative",
        marks=pytest.mark.verifies("sigmoid", "sigmoid-derivative", by="mpmath"),
    ),
    pytest.param("tanh", marks=pytest.mark.verifies("tanh", by="mpmath")),
    pytest.param("tanh_derivative", marks=pytest.mark.verifies("tanh", by="mpmath")),
]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", MPMATH_EQUATIONS)
def test_elementwise_functions_are_within_4_ulps(name, dtype, measured):
    worst, n = worst_ulps(getattr(nnmath, name), EXACT[name], points(dtype), dtype)
    measured(worst)
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
    """Exact log-softmax. Written as (z_i - m) - log1p(sum of the others): z_i - log(sum)
    would need 200 bits more than mpmath keeps when the others are far below the max."""
    row = [mpmath.mpf(float(v)) for v in row]
    top = max(row)
    k = row.index(top)
    rest = mpmath.log1p(
        mpmath.fsum(mpmath.exp(v - top) for i, v in enumerate(row) if i != k)
    )
    return [(v - top) - rest for v in row]


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
    # far tails, where z - max(z) rounds: exp turns that rounding into hundreds of ulps
    # unless the error term of nnmath.activations.shift_by_max is added back
    rows += [[0.1, 700.3], [1.5, -700.7, 3.2], [-1e3, 1.0], [0.3, -1.0, 37.7]]
    rows += [list(rng.normal(size=10) * scale) for scale in (5, 30, 100, 300) * 25]
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


@pytest.mark.verifies("softmax", by="mpmath")
def test_softmax_is_within_5_ulps_in_the_tails(measured):
    # softmax divides by a sum of rounded terms, so it gets one ulp more than the
    # log-softmax; without the TwoSum error term the worst row here was ~500 ulps
    worst, measured_points = 0.0, 0
    for row in logit_rows():
        computed = nnmath.softmax(np.array(row))
        for c, e in zip(computed, mp_log_softmax(row)):
            error = ulps(c, mpmath.exp(e))
            if error is not None:
                worst, measured_points = max(worst, error), measured_points + 1
    assert measured_points > 500
    measured(worst)
    assert worst <= TARGET_ULPS + 1, f"softmax: {worst:.1f} ulps over {measured_points}"
    assert nnmath.softmax(np.array([0.1, 700.3]))[0] == pytest.approx(
        float(mpmath.exp(mp_log_softmax([0.1, 700.3])[0])), rel=4e-16
    )


def test_softmax_keeps_minus_infinity_at_probability_zero_without_warning():
    p = nnmath.softmax(np.array([-np.inf, 0.0, 700.0]))
    assert p[0] == 0.0 and np.isfinite(p).all() and p.sum() == pytest.approx(1.0)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_derivatives_never_exceed_their_peak(dtype):
    # e / (1 + e)^2 rounds up to 0.25000003 in float32 at x = 9.3e-6 (found by Hypothesis)
    x = np.array([9.317462e-06, -9.317462e-06, 1e-7, 0.0], dtype=dtype)
    assert (nnmath.sigmoid_derivative(x) <= 0.25).all()
    assert (nnmath.tanh_derivative(x) <= 1.0).all()


def test_mse_and_cross_entropy_are_within_4_ulps_on_random_batches():
    rng = np.random.default_rng(3)
    worst = {"mse": 0.0, "cross_entropy": 0.0}
    for _ in range(100):
        rows, cols = int(rng.integers(1, 40)), int(rng.integers(1, 12))
        scale = 10.0 ** rng.uniform(-100, 100)  # differences from 1e-100 to 1e100
        p, t = rng.normal(size=(2, rows, cols)) * scale
        exact = mpmath.fsum(
            (mpmath.mpf(float(a)) - mpmath.mpf(float(b))) ** 2
            for a, b in zip(p.ravel(), t.ravel())
        ) / (rows * cols)
        worst["mse"] = max(worst["mse"], ulps(nnmath.mse(p, t), exact))
        q = rng.dirichlet(np.ones(cols), size=rows)
        y = np.eye(cols)[rng.integers(0, cols, rows)]
        exact = (
            -mpmath.fsum(
                mpmath.log(mpmath.mpf(float(max(a, 1e-15)))) * mpmath.mpf(float(b))
                for a, b in zip(q.ravel(), y.ravel())
            )
            / rows
        )
        if exact != 0:
            worst["cross_entropy"] = max(
                worst["cross_entropy"], ulps(nnmath.cross_entropy(q, y), exact)
            )
    assert max(worst.values()) <= TARGET_ULPS, worst
