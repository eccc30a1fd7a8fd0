"""The boundary: every public call checks its input once, and what it calls does not.

``nnmath._validation.guarded`` runs a function's check only on the outermost nnmath call.
These tests pin the three promises that make that safe: each check takes exactly the
arguments (and defaults) of the function it guards, nested calls skip their checks, and
code of the user's that nnmath calls (a gradient check's ``f``) is checked again.
"""

from __future__ import annotations

import inspect

import numpy as np
import pytest

import nnmath
from nnmath import _validation
from tests.support import public_callables


def _guarded_callables():
    """Every public function, constructor and method that carries a check."""
    for label, fn in public_callables(constructors=True):
        if hasattr(fn, "check"):
            yield pytest.param(fn, id=label)


GUARDED = list(_guarded_callables())


def test_every_public_function_is_guarded():
    unguarded = [
        name
        for name in nnmath.__all__
        if inspect.isfunction(getattr(nnmath, name))
        and not hasattr(getattr(nnmath, name), "check")
    ]
    assert not unguarded, f"public functions without a @guarded check: {unguarded}"
    assert len(GUARDED) > len(nnmath.__all__)  # the methods count too


@pytest.mark.parametrize("fn", GUARDED)
def test_each_check_takes_the_arguments_and_defaults_of_its_function(fn):
    math = list(inspect.signature(fn.__wrapped__).parameters.values())
    check = [
        p
        for p in inspect.signature(fn.check).parameters.values()
        if p.kind is not p.KEYWORD_ONLY  # train_epoch's own switches for the check
    ]
    if math[0].name == "self":  # a method's check may call its object `layer`, `model`
        math, check = math[1:], check[1:]
    assert [p.name for p in check] == [p.name for p in math]
    assert [p.default for p in check] == [p.default for p in math]


def _count_finite_checks(monkeypatch):
    """Count the calls of check_finite made through every module that imported it."""
    calls = []
    original = _validation.check_finite

    def counting(arr, name):
        calls.append(name)
        return original(arr, name)

    for module in (nnmath.activations, nnmath.losses, nnmath.layers, nnmath.training):
        if hasattr(module, "check_finite"):
            monkeypatch.setattr(module, "check_finite", counting)
    return calls


def test_a_train_step_scans_its_batch_once_and_nothing_else(monkeypatch):
    rng = np.random.default_rng(0)
    model, opt = nnmath.mlp([4, 8, 3], "relu", rng), nnmath.Adam()
    X, Y = rng.normal(size=(5, 4)), nnmath.one_hot(rng.integers(0, 3, size=5), 3)
    calls = _count_finite_checks(monkeypatch)
    nnmath.train_step(model, opt, X, Y)
    # Sequential.forward, Dense.forward, linear, the loss, Dense.backward and
    # linear_backward each scan their input when called directly; inside a step only
    # the step's own check runs.
    assert calls == ["X"]


def test_a_direct_call_of_an_inner_function_still_checks():
    rng = np.random.default_rng(0)
    layer = nnmath.Dense(3, 2, "relu", rng)
    with pytest.raises(ValueError, match="X must be finite"):
        layer.forward(np.array([[1.0, np.nan, 0.0]]))
    with pytest.raises(ValueError, match="b must be 1-D"):
        nnmath.linear(np.ones((2, 3)), np.ones((3, 2)), np.zeros((1, 2)))


def test_code_of_the_users_called_by_a_gradient_check_is_checked_again():
    # f calls nnmath.mse with shapes that differ: the check inside f must still run.
    def f(v):
        return nnmath.mse(v, np.zeros((3, 1)))

    with pytest.raises(ValueError, match="must have the same shape"):
        nnmath.numerical_gradient(f, np.ones(3))


def test_a_failed_check_leaves_later_calls_checked():
    rng = np.random.default_rng(0)
    model, opt = nnmath.mlp([3, 2], None, rng), nnmath.SGD(0.1)
    with pytest.raises(ValueError, match="logits and y_true"):
        nnmath.train_step(model, opt, np.ones((2, 3)), np.array([0, 1]))
    assert _validation._inside.get() is False
    with pytest.raises(ValueError, match="must have the same shape"):
        nnmath.mse(np.ones(3), np.ones((3, 1)))


def test_an_error_raised_by_the_math_resets_the_boundary(monkeypatch):
    def broken(*args):
        raise ArithmeticError("planted")

    @_validation.guarded(lambda x: (x,))
    def outer(x):
        return broken(x)

    with pytest.raises(ArithmeticError, match="planted"):
        outer(1.0)
    assert _validation._inside.get() is False


# --- finite input that overflows: one clear error instead of a warning and an infinity --
BIG = 1e300


def _dense_forward():
    layer = nnmath.Dense(2, 2, "relu", np.random.default_rng(0))
    layer.weights[:] = BIG
    return layer.forward(np.full((1, 2), BIG))


def _dense_backward():
    layer = nnmath.Dense(2, 2, None, np.random.default_rng(0))
    layer.forward(np.full((1, 2), BIG))
    return layer.backward(np.full((1, 2), BIG))


OVERFLOWS = {  # name: (call, the operation NumPy names, an input the message names)
    # logits 3.4e308 apart: the smallest log-probability is below the float range
    "log_softmax": (
        lambda: nnmath.log_softmax(np.array([1.7e308, -1.7e308])),
        "subtract",
        "z 1.7e\\+308",
    ),
    "softmax_cross_entropy": (
        lambda: nnmath.softmax_cross_entropy(
            np.array([1.7e308, -1.7e308]), np.array([0.0, 1.0])
        ),
        "subtract",
        "logits 1.7e\\+308",
    ),
    "mse": (
        lambda: nnmath.mse(np.array([BIG]), np.array([-BIG])),
        "multiply",
        "y_pred",
    ),
    "mse_gradient": (
        lambda: nnmath.mse_gradient(np.array([1e308]), np.array([-1e308])),
        "subtract",
        "y_true",
    ),
    "mse, float64 targets cast to float32": (
        lambda: nnmath.mse(np.ones(1, np.float32), np.array([1e300])),
        "cast",
        "y_true 1e\\+300",
    ),
    "linear": (
        lambda: nnmath.linear(np.full((2, 3), BIG), np.full((3, 2), BIG), np.zeros(2)),
        "matmul",
        "X 1e\\+300, W 1e\\+300",
    ),
    "linear_backward": (
        lambda: nnmath.linear_backward(
            np.full((2, 3), BIG), np.ones((3, 2)), np.full((2, 2), BIG)
        ),
        "matmul",
        "dZ 1e\\+300",
    ),
    "matmul_loops": (
        lambda: nnmath.matmul_loops(np.full((1, 2), BIG), np.full((2, 1), BIG)),
        "a sum of products",
        "scale A or B",
    ),
    "Dense.forward": (_dense_forward, "matmul", "X 1e\\+300"),
    "Dense.backward": (_dense_backward, "matmul", "grad_output 1e\\+300"),
    "softmax_backward": (
        # g - sum(g * s) is -3e308: NaN (times s = 0) without the boundary's errstate
        lambda: nnmath.softmax_backward(
            np.array([0.0, -1e3]), np.array([1.5e308, -1.5e308])
        ),
        "subtract",
        "grad_output",
    ),
    "SGD.step": (
        lambda: nnmath.SGD(10.0).step([np.array([-1e308])], [np.array([1e308])]),
        "",
        "grads 1e\\+308",
    ),
}


@pytest.mark.parametrize("name", sorted(OVERFLOWS))
def test_finite_input_that_overflows_raises_one_clear_error(name):
    call, operation, named = OVERFLOWS[name]
    pattern = (
        f"overflow encountered in {operation}.*beyond the float(32|64) range.*{named}"
    )
    with pytest.raises(ValueError, match=pattern):  # and no RuntimeWarning before it
        call()


def test_functions_that_mean_to_saturate_still_do_without_error():
    big = np.finfo(np.float64).max
    assert nnmath.softmax(np.array([big, -big]))[1] == 0.0
    assert nnmath.sigmoid(np.array([-big]))[0] == 0.0


def test_big_endian_input_is_read_as_the_same_numbers_in_native_order():
    X = np.arange(6.0).reshape(2, 3)
    layer = nnmath.Dense(3, 2, "relu", np.random.default_rng(0))
    np.testing.assert_array_equal(layer.forward(X.astype(">f8")), layer.forward(X))
    assert nnmath.relu_derivative(X.astype(">f8")).dtype == np.float64  # native
    assert nnmath.sigmoid(X.astype(">f4")).dtype == np.float32
