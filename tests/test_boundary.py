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


def _guarded_callables():
    """Every public function, constructor and method that carries a check."""
    for name in nnmath.__all__:
        obj = getattr(nnmath, name)
        members = [(name, obj)]
        if inspect.isclass(obj):
            members = [
                (f"{name}.{m}", f)
                for m, f in inspect.getmembers(obj, inspect.isfunction)
                if not m.startswith("_") or m == "__init__"
            ]
        for label, fn in members:
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
