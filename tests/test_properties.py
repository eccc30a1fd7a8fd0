"""Properties that must hold for every input, checked with Hypothesis.

Unit tests check chosen points; here Hypothesis draws shapes, scales and dtypes (and is
good at finding the extreme ones: 0, subnormals, 1e308). The properties of one function
(softmax rows are distributions, losses are zero at the target, ...) are in its module's
tests/test_<module>.py; these hold for every public name at once:

- no function warns for any finite float64 input, however large (warnings are errors in
  this test suite, so a warning fails the test);
- float32 in, float32 out (no silent upcast), and the result stays finite;
- beyond PRODUCT_BOUND, a finite result or one clear error.

The settings and strategies are in tests/support.py; ``SWEEP`` runs fewer examples per
name, as there are 20 names and two dtypes.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import nnmath
from nnmath import (
    cross_entropy,
    cross_entropy_gradient,
    linear,
    linear_backward,
    log_softmax,
    mse,
    mse_gradient,
    relu,
    sigmoid,
    softmax,
    softmax_backward,
    softmax_cross_entropy,
    softmax_cross_entropy_gradient,
    softmax_jacobian,
    tanh,
)
from tests.support import (
    BATCH_BOUND,
    PRODUCT_BOUND,
    SETTINGS,
    arrays,
    finite,
    shapes,
    targets,
)

SWEEP = settings(
    SETTINGS, max_examples=25
)  # the per-function sweeps: 20 names x 2 dtypes
ELEMENTWISE = ["sigmoid", "relu", "tanh"]


# --------------------------------------------------------------------------------------
# no warning for any finite float64 input, however large
# --------------------------------------------------------------------------------------


def _flat(result):
    """Every array or number in a result that may be a (nested) tuple."""
    if isinstance(result, tuple):
        return [leaf for part in result for leaf in _flat(part)]
    return [result]


def _no_nan(result):
    for part in _flat(result):
        assert not np.any(np.isnan(np.asarray(part, dtype=np.float64)))


def _draw_any(data, shape, dtype=np.float64, bound=None, label="x"):
    return data.draw(arrays(dtype, shape, bound=bound), label=label)


def _elementwise(name):
    def run(data, dtype):
        x = _draw_any(data, data.draw(shapes(max_dims=3)), dtype)
        return getattr(nnmath, name)(x)

    return run


def _softmax(data, dtype):
    z = _draw_any(data, data.draw(shapes()), dtype)
    return softmax(z, axis=data.draw(st.sampled_from([-1, 0])))


def _softmax_jacobian(data, dtype):
    return softmax_jacobian(_draw_any(data, data.draw(shapes()), dtype))


def _softmax_backward(data, dtype):
    shape = data.draw(shapes())
    return softmax_backward(
        _draw_any(data, shape, dtype), _draw_any(data, shape, dtype, 1e3, "g")
    )


def _log_softmax(data, dtype):
    return log_softmax(_draw_any(data, data.draw(shapes()), dtype))


def _softmax_cross_entropy(data, dtype):
    shape = data.draw(shapes())
    z, y = (
        _draw_any(data, shape, dtype, BATCH_BOUND[dtype], "z"),
        targets(data, shape, dtype),
    )
    loss, grad = nnmath.softmax_cross_entropy_and_gradient(z, y)
    assert loss == softmax_cross_entropy(z, y)
    eps = np.finfo(
        dtype
    ).eps  # exp(log_softmax) against softmax: the last bits may differ
    np.testing.assert_allclose(
        grad, softmax_cross_entropy_gradient(z, y), rtol=16 * eps, atol=4 * eps
    )
    return loss, grad


def _cross_entropy(data, dtype):
    shape = data.draw(shapes())
    width = 32 if dtype == np.float32 else 64
    p = data.draw(
        hnp.arrays(dtype, shape, elements=st.floats(0.0, 1.0, width=width)), label="p"
    )
    y = targets(data, shape, dtype)
    return cross_entropy(p, y), cross_entropy_gradient(p, y)


def _mse(data, dtype):
    shape = data.draw(shapes(max_dims=3))
    a, b = (
        _draw_any(data, shape, dtype, PRODUCT_BOUND[dtype], k)
        for k in ("y_pred", "y_true")
    )
    return mse(a, b), mse_gradient(a, b)


def _linear(data, dtype):
    bound = PRODUCT_BOUND[dtype]
    batch, n_in, n_out = (data.draw(st.integers(1, 5)) for _ in range(3))
    X = _draw_any(data, (batch, n_in), dtype, bound, "X")
    W = _draw_any(data, (n_in, n_out), dtype, bound, "W")
    b = _draw_any(data, (n_out,), dtype, bound, "b")
    dZ = _draw_any(data, (batch, n_out), dtype, bound, "dZ")
    return linear(X, W, b), linear_backward(X, W, dZ)


def _neuron(data, dtype):
    n = data.draw(st.integers(1, 6))
    bound = PRODUCT_BOUND[dtype]
    x, w = (
        _draw_any(data, (n,), dtype, bound, "x"),
        _draw_any(data, (n,), dtype, bound, "w"),
    )
    b = data.draw(finite(dtype, bound), label="b")
    act = data.draw(st.sampled_from([sigmoid, tanh, relu]))
    return nnmath.neuron(x, w, b, act)


def _dense_and_sequential(data, dtype):
    bound = PRODUCT_BOUND[dtype] ** 0.5  # two layers: a product of products
    act = data.draw(st.sampled_from(["relu", "sigmoid", "tanh", None]))
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1), label="seed"))
    model = nnmath.Sequential(
        [nnmath.Dense(3, 4, act, rng, dtype), nnmath.Dense(4, 2, None, rng, dtype)]
    )
    X = _draw_any(data, (data.draw(st.integers(1, 5)), 3), dtype, bound, "X")
    out = model.forward(X)
    dX = model.backward(_draw_any(data, out.shape, dtype, bound, "dA"))
    return out, dX, *model.gradients()


def _optimizer(name):
    def run(data, dtype):
        bound = PRODUCT_BOUND[dtype]
        params = [
            _draw_any(data, s, dtype, bound, f"p{k}")
            for k, s in enumerate([(2, 3), (3,)])
        ]
        opt = nnmath.SGD(0.1, momentum=0.9) if name == "SGD" else nnmath.Adam(0.01)
        for step in range(2):
            grads = [_draw_any(data, p.shape, dtype, bound, f"g{step}") for p in params]
            opt.step(params, grads)
        return tuple(params)

    return run


def _accuracy(data, dtype):
    scores = _draw_any(data, data.draw(shapes(min_dims=2)), dtype)
    labels = data.draw(
        st.lists(
            st.integers(0, scores.shape[1] - 1),
            min_size=len(scores),
            max_size=len(scores),
        )
    )
    return nnmath.accuracy(scores, labels)


def _relative_error(data, dtype):
    shape = data.draw(shapes())
    bound = PRODUCT_BOUND[dtype]
    return nnmath.relative_error(
        _draw_any(data, shape, dtype, bound, "a"),
        _draw_any(data, shape, dtype, bound, "b"),
    )


def _matmul_loops(data, dtype):
    A = _draw_any(data, (2, 3), dtype, PRODUCT_BOUND[dtype], "A")
    B = _draw_any(data, (3, 2), dtype, PRODUCT_BOUND[dtype], "B")
    return np.array(nnmath.matmul_loops(A, B))


NO_WARNING = {
    **{name: _elementwise(name) for name in ELEMENTWISE},
    **{
        f"{name}_derivative": _elementwise(f"{name}_derivative") for name in ELEMENTWISE
    },
    "softmax": _softmax,
    "softmax_jacobian": _softmax_jacobian,
    "softmax_backward": _softmax_backward,
    "log_softmax": _log_softmax,
    "softmax_cross_entropy": _softmax_cross_entropy,
    "cross_entropy": _cross_entropy,
    "mse": _mse,
    "linear": _linear,
    "neuron": _neuron,
    "Dense": _dense_and_sequential,
    "SGD": _optimizer("SGD"),
    "Adam": _optimizer("Adam"),
    "accuracy": _accuracy,
    "relative_error": _relative_error,
    "matmul_loops": _matmul_loops,
}

# Public names covered through another entry, or that take no floating-point array input.
COVERED_ELSEWHERE = {
    "softmax_cross_entropy_gradient": "softmax_cross_entropy",
    "softmax_cross_entropy_and_gradient": "softmax_cross_entropy",
    "cross_entropy_gradient": "cross_entropy",
    "mse_gradient": "mse",
    "linear_backward": "linear",
    "Sequential": "Dense",
    "he_normal": "Dense (its relu layers)",
    "glorot_uniform": "Dense (its other layers)",
    "check_gradient": "the gradient checks of tests/test_<module>.py",
    "numerical_gradient": "the gradient checks of tests/test_<module>.py",
    "one_hot": "integer labels only",
    "minibatches": "integer sizes only",
    "mlp": "builds Dense layers",
    "train_step": "Dense, softmax_cross_entropy and the optimizers",
    "train_epoch": "train_step",
}


def test_every_public_name_is_in_the_no_warning_table():
    missing = set(nnmath.__all__) - set(NO_WARNING) - set(COVERED_ELSEWHERE)
    assert not missing, (
        f"add these public names to NO_WARNING or COVERED_ELSEWHERE: {sorted(missing)}"
    )


@pytest.mark.parametrize("name", sorted(NO_WARNING))
@SWEEP
@given(data=st.data())
def test_no_warning_and_no_nan_for_any_finite_float64_input(name, data):
    """Warnings are errors in this suite: a single RuntimeWarning fails the example."""
    _no_nan(NO_WARNING[name](data, np.float64))


# --------------------------------------------------------------------------------------
# float32 stays float32
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(NO_WARNING))
@SWEEP
@given(data=st.data())
def test_float32_inputs_give_float32_results_that_stay_finite(name, data):
    for part in _flat(NO_WARNING[name](data, np.float32)):
        if isinstance(part, np.ndarray) and name not in ("matmul_loops",):
            assert part.dtype == np.float32, f"{name} returned {part.dtype}"
        assert np.all(np.isfinite(np.asarray(part, dtype=np.float64)))


# --------------------------------------------------------------------------------------
# beyond PRODUCT_BOUND: a finite result, or one clear error, never a warning (issue 9)
# --------------------------------------------------------------------------------------

BOUNDED = ["mse", "linear", "neuron", "Dense", "SGD", "Adam", "relative_error"]
BOUNDED += ["matmul_loops"]
CLEAR_OVERFLOW = (
    r"overflow encountered in|beyond the float|whose square overflows|leaves the float"
)


@pytest.mark.parametrize("name", BOUNDED)
@SWEEP
@given(data=st.data())
def test_the_whole_float64_range_gives_a_finite_result_or_one_clear_error(name, data):
    saved = dict(PRODUCT_BOUND)
    PRODUCT_BOUND.update({d: float(np.finfo(d).max) for d in PRODUCT_BOUND})
    try:  # values up to 1.8e308: products and squares can leave the float range
        result = NO_WARNING[name](data, np.float64)
    except ValueError as error:
        assert re.search(CLEAR_OVERFLOW, str(error)), str(error)
    else:
        for part in _flat(result):
            assert np.all(np.isfinite(np.asarray(part, dtype=np.float64)))
    finally:
        PRODUCT_BOUND.update(saved)
