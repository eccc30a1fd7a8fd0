"""Bad input fails loudly, and the message says which argument is wrong and why.

NumPy broadcasts a column ``(n, 1)`` against a vector ``(n,)`` into an ``(n, n)`` matrix and
returns a plausible, wrong number. Every public function and method of nnmath refuses such
input with a ``ValueError`` or ``TypeError`` whose message names the argument and the shapes
or values at fault. (``backward`` before ``forward`` is a ``RuntimeError``: no argument is
wrong, the call order is.)

``BAD_INPUT`` maps every public name (and every public method, as ``Class.method``) to its
cases; ``test_every_public_name_has_bad_input_cases`` fails when a new public function is
added without cases here. The NaN/inf policy of each family is tested at the end, as the
docstrings document it: activations propagate NaN and map +-inf to their limits, softmax
rejects NaN and +inf, losses, layers and gradient checks reject any non-finite value, and the
optimizers refuse non-finite gradients.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest

import nnmath

NAN, INF = float("nan"), float("inf")


@dataclass(frozen=True)
class Case:
    """One bad call: what it does, the exception it must raise, and a regex for the message."""

    id: str
    call: Callable[[], Any]
    exc: type[Exception]
    match: str


def lit(text):
    """A regex matching ``text`` literally (shapes are full of parentheses)."""
    return re.escape(text)


def rng():
    return np.random.default_rng(0)


def dense(n_in=3, n_out=4, activation="relu"):
    return nnmath.Dense(n_in, n_out, activation, rng())


def forwarded(layer, batch=2):
    """A layer after one forward pass on a (batch, in_features) input."""
    layer.forward(np.ones((batch, layer.weights.shape[0])))
    return layer


def read_only(n):
    a = np.ones(n)
    a.flags.writeable = False
    return a


def replaced(layer, **arrays):
    """A layer whose parameters were reassigned after construction."""
    for name, value in arrays.items():
        setattr(layer, name, value)
    return layer


def dense32():
    return nnmath.Dense(3, 4, "relu", rng(), dtype=np.float32)


def forwarded32(layer):
    layer.forward(np.ones((2, 3), np.float32))
    return layer


def two_models_one_layer():
    layer = dense(3, 2)
    first = nnmath.Sequential([layer])
    return first, nnmath.Sequential([layer])  # first is alive: the layer is taken


def replaced_in_model(bias):
    model = nnmath.Sequential([dense(3, 4), dense(4, 2)])
    model.layers[1].bias = bias
    return model


def model():
    return nnmath.Sequential([dense(3, 4), dense(4, 2, None)])


def stepped(optimizer):
    optimizer.step([np.zeros(3)], [np.ones(3)])
    return optimizer


V3 = np.array([0.2, 0.3, 0.5])
COL3 = V3.reshape(3, 1)
ONE_HOT = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
LOGITS = np.array([[1.0, 2.0, 0.5], [0.1, -1.0, 3.0]])


def elementwise_cases(name):
    f = getattr(nnmath, name)
    return [
        Case(
            "complex",
            lambda: f(np.array([1 + 2j])),
            TypeError,
            lit("x must hold real numbers, got dtype complex128"),
        ),
        Case(
            "strings",
            lambda: f(np.array(["1.0"])),
            TypeError,
            r"x must hold real numbers, got dtype <U3",
        ),
        Case(
            "object",
            lambda: f(None),
            TypeError,
            r"x must hold real numbers, got dtype object",
        ),
    ]


def optimizer_step_cases(make):
    return [
        Case(
            "lengths differ",
            lambda: make().step([np.zeros(3), np.zeros(2)], [np.ones(3)]),
            ValueError,
            lit(
                "params and grads must have the same length, got 2 parameters but 1 gradients"
            ),
        ),
        Case(
            "column vs vector",
            lambda: make().step([np.zeros(3)], [np.ones((3, 1))]),
            ValueError,
            lit("params[0].shape=(3,) but grads[0].shape=(3, 1)"),
        ),
        Case(
            "NaN gradient",
            lambda: make().step([np.zeros(3)], [np.array([0.0, NAN, 1.0])]),
            ValueError,
            lit("grads[0] contains NaN or inf; refusing to corrupt params[0]"),
        ),
        Case(
            "inf gradient",
            lambda: make().step(
                [np.zeros(2), np.zeros(3)], [np.ones(2), np.array([INF, 0, 0])]
            ),
            ValueError,
            lit("grads[1] contains NaN or inf"),
        ),
        Case(
            "a bare array, not a list",
            lambda: make().step(np.zeros(3), np.ones(3)),
            TypeError,
            lit("params must be a list of arrays, got ndarray"),
        ),
        Case(
            "integer parameter",
            lambda: make().step([np.zeros(3, dtype=int)], [np.ones(3)]),
            TypeError,
            lit("params[0] must be a float numpy array updated in place, got ndarray"),
        ),
        Case(
            "list parameter",
            lambda: make().step([[0.0, 0.0]], [np.ones(2)]),
            TypeError,
            lit("params[0] must be a float numpy array updated in place, got list"),
        ),
        Case(
            "complex gradient",
            lambda: make().step([np.zeros(2)], [np.array([1j, 0])]),
            TypeError,
            lit("grads[0] must hold real numbers, got dtype complex128"),
        ),
        Case(
            "shapes change between steps",
            lambda: stepped(make()).step([np.zeros(4)], [np.ones(4)]),
            ValueError,
            lit(
                "this optimizer was first stepped with parameter shapes [(3,)], now got [(4,)]"
            ),
        ),
    ]


def init_cases(init):
    return [
        Case(
            "zero width",
            lambda: init(0, 3, rng()),
            ValueError,
            lit("in_features must be a positive integer, got 0"),
        ),
        Case(
            "float width",
            lambda: init(3, 2.5, rng()),
            ValueError,
            lit("out_features must be a positive integer, got 2.5"),
        ),
        Case(
            "no rng",
            lambda: init(3, 2, None),
            TypeError,
            lit("rng must be a numpy.random.Generator, got NoneType"),
        ),
        Case(
            "legacy RandomState",
            lambda: init(3, 2, np.random.RandomState(0)),
            TypeError,
            lit("rng must be a numpy.random.Generator, got RandomState"),
        ),
        Case(
            "integer dtype",
            lambda: init(3, 2, rng(), dtype=np.int64),
            TypeError,
            lit("dtype must be a float dtype such as np.float64, got int64"),
        ),
    ]


BAD_INPUT: dict[str, list[Case]] = {
    # ---- neuron ---------------------------------------------------------------------
    "neuron": [
        Case(
            "x is a column",
            lambda: nnmath.neuron(COL3, V3, 0.0),
            ValueError,
            lit("x must be 1-D, got shape (3, 1)"),
        ),
        Case(
            "x and w differ",
            lambda: nnmath.neuron(V3, V3[:2], 0.0),
            ValueError,
            lit("x and w must have the same shape, got x.shape=(3,) and w.shape=(2,)"),
        ),
        Case(
            "b is an array",
            lambda: nnmath.neuron(V3, V3, V3),
            TypeError,
            lit("b must be a real number, got ndarray"),
        ),
        Case(
            "b is NaN",
            lambda: nnmath.neuron(V3, V3, NAN),
            ValueError,
            lit("b must be finite, got nan"),
        ),
        Case(
            "x holds NaN",
            lambda: nnmath.neuron(np.array([1.0, NAN]), np.ones(2), 0.0),
            ValueError,
            lit("x must be finite, found nan at index (1,)"),
        ),
        Case(
            "w holds inf",
            lambda: nnmath.neuron(np.ones(2), np.array([INF, 1.0]), 0.0),
            ValueError,
            lit("w must be finite, found inf at index (0,)"),
        ),
        Case(
            "activation is a name",
            lambda: nnmath.neuron(V3, V3, 0.0, activation="relu"),
            TypeError,
            lit("activation must be a function such as nnmath.relu, got 'relu'"),
        ),
    ],
    # ---- activations ----------------------------------------------------------------
    **{name: elementwise_cases(name) for name in ("sigmoid", "relu", "tanh")},
    **{
        f"{name}_derivative": elementwise_cases(f"{name}_derivative")
        for name in ("sigmoid", "relu", "tanh")
    },
    "softmax": [
        Case(
            "NaN",
            lambda: nnmath.softmax(np.array([0.0, NAN])),
            ValueError,
            lit("z must not contain NaN or +inf"),
        ),
        Case(
            "+inf",
            lambda: nnmath.softmax(np.array([INF, 0.0])),
            ValueError,
            lit("z must not contain NaN or +inf"),
        ),
        Case(
            "a row of -inf",
            lambda: nnmath.softmax(np.array([[0.0, 1.0], [-INF, -INF]])),
            ValueError,
            lit("every slice of z along axis -1 needs a finite logit, got all -inf"),
        ),
        Case(
            "3-D",
            lambda: nnmath.softmax(np.zeros((2, 2, 2))),
            ValueError,
            lit("z must be 1-D or 2-D, got shape (2, 2, 2)"),
        ),
        Case(
            "axis out of range",
            lambda: nnmath.softmax(LOGITS, axis=2),
            ValueError,
            lit("axis must be an int in [-2, 2) for z.shape=(2, 3), got 2"),
        ),
        Case(
            "axis is not an int",
            lambda: nnmath.softmax(LOGITS, axis=1.0),
            ValueError,
            lit("axis must be an int in [-2, 2) for z.shape=(2, 3), got 1.0"),
        ),
        Case(
            "no classes",
            lambda: nnmath.softmax(np.zeros((2, 0))),
            ValueError,
            lit("z must have at least one entry along axis -1, got shape (2, 0)"),
        ),
        Case(
            "complex",
            lambda: nnmath.softmax(np.array([1j])),
            TypeError,
            lit("z must hold real numbers"),
        ),
    ],
    "softmax_jacobian": [
        Case(
            "3-D",
            lambda: nnmath.softmax_jacobian(np.zeros((1, 2, 2))),
            ValueError,
            lit("z must be 1-D or 2-D"),
        ),
        Case(
            "NaN",
            lambda: nnmath.softmax_jacobian(np.array([NAN, 1.0])),
            ValueError,
            lit("z must not contain NaN"),
        ),
    ],
    "softmax_backward": [
        Case(
            "grad_output of another shape",
            lambda: nnmath.softmax_backward(LOGITS, V3),
            ValueError,
            lit(
                "grad_output must have the shape of z, got "
                "grad_output.shape=(3,) and z.shape=(2, 3)"
            ),
        ),
        Case(
            "grad_output holds inf",
            lambda: nnmath.softmax_backward(V3, np.array([0.0, INF, 0.0])),
            ValueError,
            lit("grad_output must be finite, found inf at index (1,)"),
        ),
        Case(
            "z holds NaN",
            lambda: nnmath.softmax_backward(np.array([NAN]), np.ones(1)),
            ValueError,
            lit("z must not contain NaN"),
        ),
    ],
    # ---- matrix ---------------------------------------------------------------------
    "matmul_loops": [
        Case(
            "inner dimensions differ",
            lambda: nnmath.matmul_loops(np.ones((2, 3)), np.ones((2, 2))),
            ValueError,
            lit("A.shape=(2, 3) and B.shape=(2, 2): inner dimensions 3 != 2"),
        ),
        Case(
            "A is 1-D",
            lambda: nnmath.matmul_loops(np.ones(3), np.ones((3, 1))),
            ValueError,
            lit("A must be 2-D, got shape (3,)"),
        ),
        Case(
            "complex B",
            lambda: nnmath.matmul_loops(np.ones((1, 1)), [[1j]]),
            TypeError,
            lit("B must hold real numbers"),
        ),
    ],
    # ---- losses ---------------------------------------------------------------------
    "mse": [
        Case(
            "column vs vector",
            lambda: nnmath.mse(COL3, V3),
            ValueError,
            lit(
                "y_pred and y_true must have the same shape, got "
                "y_pred.shape=(3, 1) and y_true.shape=(3,)"
            ),
        ),
        Case(
            "NaN prediction",
            lambda: nnmath.mse(np.array([1.0, NAN]), np.ones(2)),
            ValueError,
            lit("y_pred must be finite, found nan at index (1,)"),
        ),
        Case(
            "inf target",
            lambda: nnmath.mse(np.ones(2), np.array([INF, 1.0])),
            ValueError,
            lit("y_true must be finite, found inf at index (0,)"),
        ),
        Case(
            "empty",
            lambda: nnmath.mse(np.zeros(0), np.zeros(0)),
            ValueError,
            lit("y_pred must not be empty, got shape (0,)"),
        ),
        Case(
            "strings",
            lambda: nnmath.mse(["a"], ["b"]),
            TypeError,
            lit("y_pred must hold real numbers"),
        ),
    ],
    "mse_gradient": [
        Case(
            "column vs vector",
            lambda: nnmath.mse_gradient(V3, COL3),
            ValueError,
            lit("got y_pred.shape=(3,) and y_true.shape=(3, 1)"),
        ),
        Case(
            "-inf prediction",
            lambda: nnmath.mse_gradient(np.array([-INF]), np.ones(1)),
            ValueError,
            lit("y_pred must be finite"),
        ),
    ],
    "cross_entropy": [
        Case(
            "column vs vector",
            lambda: nnmath.cross_entropy(COL3, V3),
            ValueError,
            lit(
                "y_pred and y_true must have the same shape, got "
                "y_pred.shape=(3, 1) and y_true.shape=(3,)"
            ),
        ),
        Case(
            "logits instead of probabilities",
            lambda: nnmath.cross_entropy(LOGITS, ONE_HOT),
            ValueError,
            lit(
                "y_pred must hold probabilities in [0, 1], got "
                "values from -1.0 to 3.0; pass logits to"
            ),
        ),
        Case(
            "target row does not sum to 1",
            lambda: nnmath.cross_entropy(V3, np.array([0.5, 0.0, 0.0])),
            ValueError,
            lit(
                "each row of y_true must sum to 1 (one-hot or soft "
                "labels), found a row summing to 0.5"
            ),
        ),
        Case(
            "negative target",
            lambda: nnmath.cross_entropy(V3, np.array([1.5, -0.5, 0.0])),
            ValueError,
            lit(
                "y_true must hold probabilities in [0, 1], got values from -0.5 to 1.5"
            ),
        ),
        Case(
            "class labels instead of one-hot",
            lambda: nnmath.cross_entropy(nnmath.softmax(LOGITS), np.array([0, 2])),
            ValueError,
            lit("got y_pred.shape=(2, 3) and y_true.shape=(2,)"),
        ),
        Case(
            "3-D",
            lambda: nnmath.cross_entropy(np.ones((1, 1, 1)), np.ones((1, 1, 1))),
            ValueError,
            lit("y_pred must be 1-D or 2-D"),
        ),
        Case(
            "epsilon 0",
            lambda: nnmath.cross_entropy(V3, V3, epsilon=0.0),
            ValueError,
            lit("epsilon must be in (0, 1), got 0.0"),
        ),
        Case(
            "NaN target",
            lambda: nnmath.cross_entropy(V3, np.array([NAN, 0, 1])),
            ValueError,
            lit("y_true must be finite"),
        ),
    ],
    "cross_entropy_gradient": [
        Case(
            "column vs vector",
            lambda: nnmath.cross_entropy_gradient(V3, COL3),
            ValueError,
            lit("got y_pred.shape=(3,) and y_true.shape=(3, 1)"),
        ),
        Case(
            "probabilities above 1",
            lambda: nnmath.cross_entropy_gradient(
                np.array([1.5, 0.0]), np.array([1.0, 0.0])
            ),
            ValueError,
            lit("y_pred must hold probabilities in [0, 1], got values from 0.0 to 1.5"),
        ),
        Case(
            "epsilon 1",
            lambda: nnmath.cross_entropy_gradient(V3, V3, epsilon=1.0),
            ValueError,
            lit("epsilon must be in (0, 1), got 1.0"),
        ),
    ],
    "softmax_cross_entropy": [
        Case(
            "column vs vector",
            lambda: nnmath.softmax_cross_entropy(COL3, V3),
            ValueError,
            lit(
                "logits and y_true must have the same shape, got "
                "logits.shape=(3, 1) and y_true.shape=(3,)"
            ),
        ),
        Case(
            "target rows summing to 2",
            lambda: nnmath.softmax_cross_entropy(LOGITS, 2 * ONE_HOT),
            ValueError,
            lit("y_true must hold probabilities in [0, 1], got values from 0.0 to 2.0"),
        ),
        Case(
            "soft targets that do not sum to 1",
            lambda: nnmath.softmax_cross_entropy(LOGITS, 0.4 * np.ones((2, 3))),
            ValueError,
            r"each row of y_true must sum to 1 \(one-hot or soft "
            r"labels\), found a row summing to 1\.2",
        ),
        Case(
            "NaN logits",
            lambda: nnmath.softmax_cross_entropy(
                np.array([NAN, 0.0]), np.array([1.0, 0.0])
            ),
            ValueError,
            lit("logits must be finite"),
        ),
        Case(
            "3-D",
            lambda: nnmath.softmax_cross_entropy(
                np.ones((1, 1, 2)), np.ones((1, 1, 2))
            ),
            ValueError,
            lit("logits must be 1-D or 2-D"),
        ),
    ],
    "softmax_cross_entropy_gradient": [
        Case(
            "column vs vector",
            lambda: nnmath.softmax_cross_entropy_gradient(V3, COL3),
            ValueError,
            lit("got logits.shape=(3,) and y_true.shape=(3, 1)"),
        ),
        Case(
            "inf logits",
            lambda: nnmath.softmax_cross_entropy_gradient(
                np.array([INF, 0.0]), np.array([1.0, 0.0])
            ),
            ValueError,
            lit("logits must be finite, found inf at index (0,)"),
        ),
        Case(
            "targets not a distribution",
            lambda: nnmath.softmax_cross_entropy_gradient(LOGITS, np.zeros((2, 3))),
            ValueError,
            lit("found a row summing to 0.0"),
        ),
    ],
    "softmax_cross_entropy_and_gradient": [
        Case(
            "column vs vector",
            lambda: nnmath.softmax_cross_entropy_and_gradient(V3, COL3),
            ValueError,
            lit("got logits.shape=(3,) and y_true.shape=(3, 1)"),
        ),
        Case(
            "NaN logits",
            lambda: nnmath.softmax_cross_entropy_and_gradient(
                np.array([NAN, 0.0]), np.array([1.0, 0.0])
            ),
            ValueError,
            lit("logits must be finite, found nan at index (0,)"),
        ),
        Case(
            "targets not a distribution",
            lambda: nnmath.softmax_cross_entropy_and_gradient(LOGITS, 2 * ONE_HOT),
            ValueError,
            lit("y_true must hold probabilities in [0, 1]"),
        ),
    ],
    "log_softmax": [
        Case(
            "NaN",
            lambda: nnmath.log_softmax(np.array([NAN, 0.0])),
            ValueError,
            lit("z must be finite, found nan at index (0,)"),
        ),
        Case(
            "-inf",
            lambda: nnmath.log_softmax(np.array([-INF, 0.0])),
            ValueError,
            lit("z must be finite, found -inf"),
        ),
        Case(
            "empty",
            lambda: nnmath.log_softmax(np.zeros((2, 0))),
            ValueError,
            lit("z must not be empty, got shape (2, 0)"),
        ),
        Case(
            "3-D",
            lambda: nnmath.log_softmax(np.zeros((1, 1, 1))),
            ValueError,
            lit("z must be 1-D or 2-D"),
        ),
    ],
    # ---- layers ---------------------------------------------------------------------
    "linear": [
        Case(
            "X of the wrong width",
            lambda: nnmath.linear(np.ones((4, 3)), np.ones((2, 5)), np.zeros(5)),
            ValueError,
            lit(
                "X has 3 features per row but W expects 2: X.shape=(4, 3), W.shape=(2, 5)"
            ),
        ),
        Case(
            "b of the wrong width",
            lambda: nnmath.linear(np.ones((4, 2)), np.ones((2, 5)), np.zeros(4)),
            ValueError,
            lit("b must have shape (5,) to match W.shape=(2, 5), got (4,)"),
        ),
        Case(
            "b as a row",
            lambda: nnmath.linear(np.ones((4, 2)), np.ones((2, 5)), np.zeros((1, 5))),
            ValueError,
            lit("b must be 1-D, got shape (1, 5)"),
        ),
        Case(
            "X is one sample",
            lambda: nnmath.linear(np.ones(2), np.ones((2, 5)), np.zeros(5)),
            ValueError,
            lit("X must be 2-D, got shape (2,)"),
        ),
        Case(
            "W holds NaN",
            lambda: nnmath.linear(np.ones((1, 1)), np.array([[NAN]]), np.zeros(1)),
            ValueError,
            lit("W must be finite"),
        ),
    ],
    "linear_backward": [
        Case(
            "dZ of the wrong shape",
            lambda: nnmath.linear_backward(
                np.ones((4, 2)), np.ones((2, 5)), np.ones((4, 4))
            ),
            ValueError,
            lit("dZ must have shape (4, 5) (batch, out_features), got (4, 4)"),
        ),
        Case(
            "X and W disagree",
            lambda: nnmath.linear_backward(
                np.ones((4, 3)), np.ones((2, 5)), np.ones((4, 5))
            ),
            ValueError,
            lit("X has 3 features per row but W expects 2"),
        ),
        Case(
            "dZ holds inf",
            lambda: nnmath.linear_backward(np.ones((1, 1)), np.ones((1, 1)), [[INF]]),
            ValueError,
            lit("dZ must be finite"),
        ),
        Case(
            "W is 1-D",
            lambda: nnmath.linear_backward(
                np.ones((1, 2)), np.ones(2), np.ones((1, 1))
            ),
            ValueError,
            lit("W must be 2-D, got shape (2,)"),
        ),
    ],
    "he_normal": init_cases(nnmath.he_normal),
    "glorot_uniform": init_cases(nnmath.glorot_uniform),
    "Dense": [
        Case(
            "zero width",
            lambda: nnmath.Dense(0, 3, rng=rng()),
            ValueError,
            lit("in_features must be a positive integer, got 0"),
        ),
        Case(
            "softmax activation",
            lambda: nnmath.Dense(3, 2, "softmax", rng()),
            ValueError,
            lit(
                "activation must be one of 'relu', 'sigmoid', 'tanh' or None, got 'softmax'"
            ),
        ),
        Case(
            "seed instead of rng",
            lambda: nnmath.Dense(3, 2, rng=42),
            TypeError,
            lit("rng must be a numpy.random.Generator, got int"),
        ),
        Case(
            "integer dtype",
            lambda: nnmath.Dense(3, 2, rng=rng(), dtype=int),
            TypeError,
            lit("dtype must be a float dtype"),
        ),
    ],
    "Dense.forward": [
        Case(
            "bias replaced by one of another width",
            lambda: replaced(dense(), bias=np.zeros(5)).forward(np.ones((1, 3))),
            ValueError,
            lit(
                "the layer's bias must be a float64 array of shape (4,) to match its "
                "weights of shape (3, 4), got float64 of shape (5,)"
            ),
        ),
        Case(
            "weights replaced by a float32 array",
            lambda: replaced(dense(), weights=np.ones((3, 4), np.float32)).forward(
                np.ones((1, 3))
            ),
            ValueError,
            lit("the layer's weights must be a 2-D float64 array"),
        ),
        Case(
            "wrong width",
            lambda: dense(3, 4).forward(np.ones((2, 4))),
            ValueError,
            lit("this layer expects 3 input features, got X with 4 (X.shape=(2, 4))"),
        ),
        Case(
            "one sample, not a batch",
            lambda: dense(3, 4).forward(np.ones(3)),
            ValueError,
            lit("X must be 2-D (batch, in_features=3), got shape (3,)"),
        ),
        Case(
            "float32 input to a float64 layer",
            lambda: dense(3, 4).forward(np.ones((2, 3), dtype=np.float32)),
            TypeError,
            lit("X has dtype float32 but the layer's parameters are float64"),
        ),
        Case(
            "NaN input",
            lambda: dense(2, 1).forward(np.array([[1.0, NAN]])),
            ValueError,
            lit("X must be finite, found nan at index (0, 1)"),
        ),
    ],
    "Dense.backward": [
        Case(
            "float64 grad_output into a float32 layer",
            lambda: forwarded32(dense32()).backward(np.ones((2, 4))),
            TypeError,
            lit("grad_output has dtype float64 but the layer computes in float32"),
        ),
        Case(
            "before forward",
            lambda: dense().backward(np.ones((2, 4))),
            RuntimeError,
            lit("backward() called before forward()"),
        ),
        Case(
            "wrong shape",
            lambda: forwarded(dense(3, 4)).backward(np.ones((2, 3))),
            ValueError,
            lit(
                "grad_output must have the shape of the last output (2, 4), got (2, 3)"
            ),
        ),
        Case(
            "column for one output",
            lambda: forwarded(dense(3, 1), batch=3).backward(np.ones(3)),
            ValueError,
            lit("grad_output must have the shape of the last output (3, 1), got (3,)"),
        ),
        Case(
            "NaN upstream gradient",
            lambda: forwarded(dense(3, 2)).backward(np.array([[0.0, NAN], [0.0, 0.0]])),
            ValueError,
            lit("grad_output must be finite, found nan at index (0, 1)"),
        ),
    ],
    "Dense.gradients": [
        Case(
            "before backward",
            lambda: forwarded(dense()).gradients(),
            RuntimeError,
            lit("gradients() called before backward()"),
        ),
    ],
    "Sequential": [
        Case(
            "a layer of another living model",
            lambda: two_models_one_layer(),
            ValueError,
            lit("layers[0] already belongs to another Sequential"),
        ),
        Case(
            "no layers",
            lambda: nnmath.Sequential([]),
            ValueError,
            lit("Sequential needs at least one layer"),
        ),
        Case(
            "widths disagree",
            lambda: nnmath.Sequential([dense(3, 4), dense(5, 2)]),
            ValueError,
            lit("layer 0 outputs 4 features but layer 1 expects 5"),
        ),
        Case(
            "a single layer",
            lambda: nnmath.Sequential(dense()),
            TypeError,
            lit("layers must be a list of Dense layers, got Dense"),
        ),
        Case(
            "a non-layer",
            lambda: nnmath.Sequential([dense(3, 4), 4]),
            TypeError,
            lit("layers[1] must be a Dense layer, got int"),
        ),
    ],
    "Sequential.forward": [
        Case(
            "a later layer's bias replaced",
            lambda: replaced_in_model(np.zeros(7)).forward(np.ones((1, 3))),
            ValueError,
            lit("layers[1]'s bias must be a float64 array of shape (2,)"),
        ),
        Case(
            "wrong width",
            lambda: model().forward(np.ones((2, 4))),
            ValueError,
            lit("this layer expects 3 input features, got X with 4"),
        ),
    ],
    "Sequential.backward": [
        Case(
            "before forward",
            lambda: model().backward(np.ones((2, 2))),
            RuntimeError,
            lit("backward() called before forward()"),
        ),
    ],
    "Sequential.gradients": [
        Case(
            "before backward",
            lambda: model().gradients(),
            RuntimeError,
            lit("gradients() called before backward()"),
        ),
    ],
    # ---- optimizers -----------------------------------------------------------------
    "SGD": [
        Case(  # issue 9: refused before any parameter moves
            "read-only parameter",
            lambda: nnmath.SGD(0.1).step([np.ones(2), read_only(2)], [np.ones(2)] * 2),
            ValueError,
            lit("params[1] is read-only"),
        ),
        Case(
            "zero learning rate",
            lambda: nnmath.SGD(0.0),
            ValueError,
            lit("learning_rate must be > 0, got 0.0"),
        ),
        Case(
            "negative learning rate",
            lambda: nnmath.SGD(-0.1),
            ValueError,
            lit("learning_rate must be > 0, got -0.1"),
        ),
        Case(
            "NaN learning rate",
            lambda: nnmath.SGD(NAN),
            ValueError,
            lit("learning_rate must be finite, got nan"),
        ),
        Case(
            "string learning rate",
            lambda: nnmath.SGD("0.1"),
            TypeError,
            lit("learning_rate must be a real number, got str"),
        ),
        Case(
            "momentum 1",
            lambda: nnmath.SGD(0.1, momentum=1.0),
            ValueError,
            lit("momentum must be in [0, 1), got 1.0"),
        ),
        Case(
            "negative momentum",
            lambda: nnmath.SGD(0.1, momentum=-0.5),
            ValueError,
            lit("momentum must be in [0, 1), got -0.5"),
        ),
    ],
    "SGD.step": optimizer_step_cases(lambda: nnmath.SGD(0.1, momentum=0.9)),
    "Adam": [
        Case(  # issue 9: Adam used to update params[0] before failing on params[1]
            "read-only parameter",
            lambda: nnmath.Adam().step([np.ones(2), read_only(2)], [np.ones(2)] * 2),
            ValueError,
            lit("params[1] is read-only"),
        ),
        Case(
            "zero learning rate",
            lambda: nnmath.Adam(learning_rate=0),
            ValueError,
            lit("learning_rate must be > 0, got 0.0"),
        ),
        Case(
            "beta1 = 1",
            lambda: nnmath.Adam(beta1=1.0),
            ValueError,
            lit("beta1 must be in [0, 1), got 1.0"),
        ),
        Case(
            "negative beta1",
            lambda: nnmath.Adam(beta1=-0.1),
            ValueError,
            lit("beta1 must be in [0, 1), got -0.1"),
        ),
        Case(
            "beta2 = 1",
            lambda: nnmath.Adam(beta2=1.0),
            ValueError,
            lit("beta2 must be in [0, 1), got 1.0"),
        ),
        Case(
            "beta2 > 1",
            lambda: nnmath.Adam(beta2=1.5),
            ValueError,
            lit("beta2 must be in [0, 1), got 1.5"),
        ),
        Case(
            "zero epsilon",
            lambda: nnmath.Adam(epsilon=0.0),
            ValueError,
            lit("epsilon must be > 0, got 0.0"),
        ),
        Case(
            "bool beta",
            lambda: nnmath.Adam(beta1=True),
            TypeError,
            lit("beta1 must be a real number, got bool"),
        ),
    ],
    "Adam.step": optimizer_step_cases(lambda: nnmath.Adam()),
    # ---- training -------------------------------------------------------------------
    "one_hot": [
        Case(
            "num_classes None",
            lambda: nnmath.one_hot([0, 1], None),
            ValueError,
            lit("num_classes must be a positive integer, got None"),
        ),
        Case(
            "float labels",
            lambda: nnmath.one_hot(np.array([0.0, 1.0]), 2),
            TypeError,
            lit("labels must be integers, got dtype float64"),
        ),
        Case(
            "label too large",
            lambda: nnmath.one_hot([0, 3], 3),
            ValueError,
            lit("labels must be < num_classes=3, got 3"),
        ),
        Case(
            "negative label",
            lambda: nnmath.one_hot([-1, 0], 3),
            ValueError,
            lit("labels must be >= 0, got -1"),
        ),
        Case(
            "a column of labels",
            lambda: nnmath.one_hot([[0], [1]], 2),
            ValueError,
            lit("labels must be 1-D, got shape (2, 1)"),
        ),
        Case(
            "zero classes",
            lambda: nnmath.one_hot([], 0),
            ValueError,
            lit("num_classes must be a positive integer, got 0"),
        ),
    ],
    "accuracy": [
        Case(
            "rows differ",
            lambda: nnmath.accuracy(np.ones((3, 2)), [0, 1]),
            ValueError,
            lit("scores has 3 rows but labels has 2"),
        ),
        Case(
            "1-D scores",
            lambda: nnmath.accuracy(np.ones(3), [0]),
            ValueError,
            lit("scores must be 2-D, got shape (3,)"),
        ),
        Case(
            "NaN scores",
            lambda: nnmath.accuracy(np.array([[NAN, 0.0]]), [0]),
            ValueError,
            lit("scores must be finite"),
        ),
        Case(
            "empty",
            lambda: nnmath.accuracy(np.zeros((0, 2)), []),
            ValueError,
            lit("scores must not be empty, got shape (0, 2)"),
        ),
        Case(
            "label out of range",
            lambda: nnmath.accuracy(np.ones((1, 2)), [2]),
            ValueError,
            lit("labels must be < num_classes=2, got 2"),
        ),
    ],
    "minibatches": [
        Case(
            "zero batch size",
            lambda: nnmath.minibatches(10, 0, rng()),
            ValueError,
            lit("batch_size must be a positive integer, got 0"),
        ),
        Case(
            "float batch size",
            lambda: nnmath.minibatches(10, 2.0, rng()),
            ValueError,
            lit("batch_size must be a positive integer, got 2.0"),
        ),
        Case(
            "negative n",
            lambda: nnmath.minibatches(-1, 2, rng()),
            ValueError,
            lit("n must be a non-negative integer, got -1"),
        ),
        Case(
            "seed instead of rng",
            lambda: nnmath.minibatches(10, 2, 0),
            TypeError,
            lit("rng must be a numpy.random.Generator, got int"),
        ),
    ],
    "mlp": [
        Case(
            "sizes None",
            lambda: nnmath.mlp(None, "relu", rng()),
            TypeError,
            lit(
                "sizes must be a list of layer widths such as [64, 32, 10], got NoneType"
            ),
        ),
        Case(
            "one size",
            lambda: nnmath.mlp([3], "relu", rng()),
            ValueError,
            lit("sizes needs at least an input and an output width, got [3]"),
        ),
        Case(
            "zero width",
            lambda: nnmath.mlp([3, 0, 2], "relu", rng()),
            ValueError,
            lit("out_features must be a positive integer, got 0"),
        ),
        Case(
            "unknown activation",
            lambda: nnmath.mlp([3, 4, 2], "gelu", rng()),
            ValueError,
            lit("got 'gelu'"),
        ),
        Case(
            "unknown activation, no hidden layer",
            lambda: nnmath.mlp([3, 2], "gelu", rng()),
            ValueError,
            lit("got 'gelu'"),
        ),
    ],
    "train_step": [
        Case(
            "labels instead of one-hot",
            lambda: nnmath.train_step(
                model(), nnmath.SGD(0.1), np.ones((2, 3)), np.array([0, 1])
            ),
            ValueError,
            lit(
                "logits and y_true must have the same shape, got "
                "logits.shape=(2, 2) and y_true.shape=(2,)"
            ),
        ),
        Case(
            "X of the wrong width",
            lambda: nnmath.train_step(
                model(), nnmath.SGD(0.1), np.ones((2, 5)), np.eye(2)
            ),
            ValueError,
            lit("this layer expects 3 input features, got X with 5"),
        ),
    ],
    "train_epoch": [
        Case(
            "X a scalar",
            lambda: nnmath.train_epoch(
                nnmath.mlp([2, 2], None, rng()),
                nnmath.SGD(0.1),
                3.0,
                np.eye(2),
                2,
                rng(),
            ),
            TypeError,
            lit("X must be an array of shape (samples, features), got float"),
        ),
        Case(
            "Y a generator",
            lambda: nnmath.train_epoch(
                nnmath.mlp([2, 2], None, rng()),
                nnmath.SGD(0.1),
                np.ones((2, 2)),
                (row for row in np.eye(2)),
                2,
                rng(),
            ),
            TypeError,
            lit("Y must be an array of shape (samples, features), got generator"),
        ),
        Case(
            "X and Y of different lengths",
            lambda: nnmath.train_epoch(
                model(),
                nnmath.SGD(0.1),
                np.ones((5, 3)),
                np.eye(2)[[0, 1, 0, 1]],
                2,
                rng(),
            ),
            ValueError,
            lit("X has 5 rows but Y has 4"),
        ),
        Case(
            "zero batch size",
            lambda: nnmath.train_epoch(
                model(), nnmath.SGD(0.1), np.ones((2, 3)), np.eye(2), 0, rng()
            ),
            ValueError,
            lit("batch_size must be a positive integer, got 0"),
        ),
    ],
    # ---- gradient checking ----------------------------------------------------------
    "numerical_gradient": [
        Case(
            "extended precision x",
            lambda: nnmath.numerical_gradient(np.sum, np.ones(2, np.longdouble)),
            TypeError,
            r"x has dtype float(96|128|64).*float32 or float64",
        ),
        Case(  # f(x) is finite, f(x + h) is not: the estimate used to be NaN, silently
            "f NaN at a perturbed point",
            lambda: nnmath.numerical_gradient(
                lambda v: float(np.sqrt(1 - v[0])) if v[0] <= 1 else NAN, np.ones(1)
            ),
            ValueError,
            lit("f is not finite within the step of x at entries (0,)"),
        ),
        Case(
            "x is a list",
            lambda: nnmath.numerical_gradient(np.sum, [1.0, 2.0]),
            TypeError,
            lit("x must be a float numpy array perturbable in place") + ".*got list",
        ),
        Case(
            "zero step",
            lambda: nnmath.numerical_gradient(np.sum, np.ones(2), h=0),
            ValueError,
            lit("h must be > 0, got 0.0"),
        ),
        Case(
            "f is not callable",
            lambda: nnmath.numerical_gradient(1.0, np.ones(2)),
            TypeError,
            lit("f must be a function returning a float, got float"),
        ),
        Case(
            "f returns an array",
            lambda: nnmath.numerical_gradient(lambda v: v * 2, np.ones(2)),
            ValueError,
            lit("f must return a single real number, got float64 of shape (2,)"),
        ),
        Case(
            "x holds NaN",
            lambda: nnmath.numerical_gradient(np.sum, np.array([NAN])),
            ValueError,
            lit("x must be finite"),
        ),
        Case(
            "f is NaN at x",
            lambda: nnmath.numerical_gradient(lambda v: v[0] * NAN, np.ones(1)),
            ValueError,
            lit("f(x) must be finite at the point x, got nan"),
        ),
    ],
    "relative_error": [
        Case(
            "column vs vector",
            lambda: nnmath.relative_error(V3, COL3),
            ValueError,
            lit("a and b must have the same shape, got (3,) and (3, 1)"),
        ),
        Case(
            "NaN",
            lambda: nnmath.relative_error([NAN], [1.0]),
            ValueError,
            lit("a must be finite, found nan at index (0,)"),
        ),
        Case(
            "inf",
            lambda: nnmath.relative_error([1.0], [INF]),
            ValueError,
            lit("b must be finite, found inf at index (0,)"),
        ),
        Case(
            "complex",
            lambda: nnmath.relative_error([1j], [1.0]),
            TypeError,
            lit("a must hold real numbers"),
        ),
    ],
    "check_gradient": [
        Case(  # relative_error's own message would name its parameter "a"
            "analytic holds NaN",
            lambda: nnmath.check_gradient(np.sum, np.ones(2), np.array([NAN, 1.0])),
            ValueError,
            lit("analytic must be finite, found nan at index (0,)"),
        ),
        Case(
            "x an integer array",
            lambda: nnmath.check_gradient(np.sum, np.array([1, 2]), np.ones(2)),
            TypeError,
            lit("got an array of int64"),
        ),
        Case(
            "analytic of the wrong shape",
            lambda: nnmath.check_gradient(np.sum, np.ones(3), np.ones((3, 1))),
            ValueError,
            lit(
                "analytic must have the shape of x, got analytic.shape=(3, 1) and x.shape=(3,)"
            ),
        ),
        Case(
            "integer x",
            lambda: nnmath.check_gradient(np.sum, np.ones(3, dtype=int), np.ones(3)),
            TypeError,
            lit("x must be a float numpy array"),
        ),
    ],
}

# Public methods that take no argument that could be wrong.
NO_ARGUMENTS = {"Dense.parameters", "Sequential.parameters"}


def _public_names():
    """Every public function and class in nnmath.__all__, plus every public method of a class."""
    names = set(nnmath.__all__)
    for name in nnmath.__all__:
        obj = getattr(nnmath, name)
        if inspect.isclass(obj):
            names |= {
                f"{name}.{m}"
                for m, _ in inspect.getmembers(obj, inspect.isfunction)
                if not m.startswith("_")
            }
    return names


def test_every_public_name_has_bad_input_cases():
    missing = _public_names() - set(BAD_INPUT) - NO_ARGUMENTS
    assert not missing, f"add bad-input cases for these public names: {sorted(missing)}"
    unknown = set(BAD_INPUT) - _public_names()
    assert not unknown, f"BAD_INPUT lists names that are not public: {sorted(unknown)}"
    assert all(BAD_INPUT[name] for name in BAD_INPUT)


CASES = [
    pytest.param(case, id=f"{name}: {case.id}")
    for name, cases in BAD_INPUT.items()
    for case in cases
]


@pytest.mark.parametrize("case", CASES)
def test_bad_input_raises_a_clear_error(case):
    with pytest.raises(case.exc, match=case.match) as info:
        case.call()
    assert (
        type(info.value) is case.exc
    )  # not a subclass that would hide a different failure


def test_shape_errors_name_both_arguments_and_both_shapes():
    """The column-vs-vector trap, for every function that compares a prediction with a target."""
    column, vector = COL3, V3
    for f, pred in [
        (nnmath.mse, "y_pred"),
        (nnmath.mse_gradient, "y_pred"),
        (nnmath.cross_entropy, "y_pred"),
        (nnmath.cross_entropy_gradient, "y_pred"),
        (nnmath.softmax_cross_entropy, "logits"),
        (nnmath.softmax_cross_entropy_gradient, "logits"),
    ]:
        with pytest.raises(ValueError) as info:
            f(column, vector)
        message = str(info.value)
        for part in (pred, "y_true", "(3, 1)", "(3,)"):
            assert part in message, f"{f.__name__}: {message!r} does not mention {part}"


def test_a_failed_optimizer_step_changes_nothing():
    """The checks run before any update: a refused step leaves every parameter as it was."""
    for opt in (nnmath.SGD(0.1), nnmath.Adam()):
        params = [np.ones(2), np.ones(3)]
        with pytest.raises(ValueError):
            opt.step(params, [np.ones(2), np.array([1.0, NAN, 1.0])])
        assert all(np.array_equal(p, np.ones_like(p)) for p in params)


# --------------------------------------------------------------------------------------
# NaN and inf: the documented behaviour of each family
# --------------------------------------------------------------------------------------

SPECIAL = np.array([NAN, INF, -INF, 0.0])

ELEMENTWISE_LIMITS = {
    # name: values at [nan, +inf, -inf, 0]
    "sigmoid": [NAN, 1.0, 0.0, 0.5],
    "sigmoid_derivative": [NAN, 0.0, 0.0, 0.25],
    "relu": [NAN, INF, 0.0, 0.0],
    "relu_derivative": [NAN, 1.0, 0.0, 0.0],
    "tanh": [NAN, 1.0, -1.0, 0.0],
    "tanh_derivative": [NAN, 0.0, 0.0, 1.0],
}


@pytest.mark.parametrize("name", sorted(ELEMENTWISE_LIMITS))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_activations_propagate_nan_and_map_inf_to_their_limits(name, dtype):
    out = getattr(nnmath, name)(
        SPECIAL.astype(dtype)
    )  # and no warning (warnings are errors)
    assert out.dtype == dtype
    np.testing.assert_array_equal(out, np.array(ELEMENTWISE_LIMITS[name], dtype=dtype))


def test_softmax_accepts_minus_inf_as_probability_zero():
    z = np.array([[-INF, 0.0, 0.0], [1.0, -INF, 1.0]])
    np.testing.assert_array_equal(nnmath.softmax(z), [[0.0, 0.5, 0.5], [0.5, 0.0, 0.5]])
    np.testing.assert_array_equal(
        nnmath.softmax_backward(z[0], np.array([5.0, 1.0, -1.0])), [0.0, 0.5, -0.5]
    )


@pytest.mark.parametrize("bad", [NAN, INF, -INF])
@pytest.mark.parametrize(
    "call",
    [
        lambda v: nnmath.mse(v, np.zeros(3)),
        lambda v: nnmath.mse_gradient(np.zeros(3), v),
        lambda v: nnmath.softmax_cross_entropy(v, np.array([0.0, 1.0, 0.0])),
        lambda v: nnmath.softmax_cross_entropy_gradient(v, np.array([0.0, 1.0, 0.0])),
        lambda v: nnmath.log_softmax(v),
        lambda v: nnmath.linear(v[None, :], np.ones((3, 2)), np.zeros(2)),
        lambda v: nnmath.neuron(v, np.ones(3), 0.0),
        lambda v: nnmath.relative_error(v, np.ones(3)),
        lambda v: nnmath.accuracy(v[None, :], [0]),
        lambda v: nnmath.SGD(0.1).step([np.zeros(3)], [v]),
        lambda v: nnmath.Adam().step([np.zeros(3)], [v]),
    ],
    ids=[
        "mse",
        "mse_gradient",
        "softmax_cross_entropy",
        "softmax_cross_entropy_gradient",
        "log_softmax",
        "linear",
        "neuron",
        "relative_error",
        "accuracy",
        "SGD.step",
        "Adam.step",
    ],
)
def test_non_finite_values_are_refused(call, bad):
    v = np.array([0.5, bad, 0.25])
    with pytest.raises(ValueError, match=r"finite|NaN or inf"):
        call(v)


def test_cross_entropy_refuses_nan_but_clips_a_zero_probability():
    with pytest.raises(ValueError, match="y_pred must be finite"):
        nnmath.cross_entropy(np.array([NAN, 1.0]), np.array([1.0, 0.0]))
    loss = nnmath.cross_entropy(np.array([0.0, 1.0]), np.array([1.0, 0.0]))
    assert np.isfinite(loss) and loss == pytest.approx(-np.log(1e-15))
