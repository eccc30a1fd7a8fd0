r"""Fully connected layers, their backward pass, weight initialization and stacking.

Row-batch convention: ``X`` has shape ``(batch, in_features)``, ``W`` has shape
``(in_features, out_features)``, ``b`` has shape ``(out_features,)``, and
``Z = X @ W + b``, ``A = f(Z)``. The math lives in [`linear`][nnmath.linear] and
[`linear_backward`][nnmath.linear_backward]; [`Dense`][nnmath.Dense] caches its input
and wires the math together.
"""

from __future__ import annotations

import weakref

import numpy as np

from ._validation import (
    as_float_array,
    check_activation,
    check_count,
    check_finite,
    check_float_dtype,
    check_ndim,
    check_rng,
    guarded,
)
from .activations import (
    relu,
    relu_derivative,
    sigmoid,
    sigmoid_derivative,
    tanh,
    tanh_derivative,
)

__all__ = [
    "linear",
    "linear_backward",
    "he_normal",
    "glorot_uniform",
    "Dense",
    "Sequential",
]


def _matrices(X, W, names=("X", "W")):
    X, W = (as_float_array(a, n) for a, n in zip((X, W), names))
    check_ndim(X, "X", (2,))
    check_ndim(W, "W", (2,))
    if X.shape[1] != W.shape[0]:
        raise ValueError(
            f"X has {X.shape[1]} features per row but W expects {W.shape[0]}: "
            f"X.shape={X.shape}, W.shape={W.shape}"
        )
    return X, W


def _linear_inputs(X, W, b):
    X, W = _matrices(X, W)
    b = as_float_array(b, "b")
    check_ndim(b, "b", (1,))
    if b.shape != (W.shape[1],):
        raise ValueError(
            f"b must have shape ({W.shape[1]},) to match W.shape={W.shape}, "
            f"got {b.shape}"
        )
    for arr, name in ((b, "b"), (X, "X"), (W, "W")):
        check_finite(arr, name)
    return X, W, b


@guarded(_linear_inputs)
def linear(X, W, b):
    r"""Affine map of a batch, $Z = XW + \mathbf{1}\,\mathbf{b}$.

    Parameters
    ----------
    X : array_like of float, shape (batch, in_features)
    W : array_like of float, shape (in_features, out_features)
    b : array_like of float, shape (out_features,)
        The row $\mathbf{b}$, added to every row of $XW$ (broadcasting).

    Returns
    -------
    numpy.ndarray
        ``Z`` of shape ``(batch, out_features)``.

    Raises
    ------
    TypeError
        If an input is not real-valued, or is float16.
    ValueError
        If ``X`` or ``W`` are not 2-D, ``b`` is not 1-D, the widths disagree, or an
        input holds NaN or an infinity.

    References
    ----------
    Goodfellow et al., *Deep Learning* (2016), section 6.1.

    Examples
    --------
    ```python
    import numpy as np
    from nnmath import linear

    Z = linear(np.ones((4, 3)), np.ones((3, 2)), np.array([0.0, 1.0]))
    assert Z.shape == (4, 2) and np.all(Z == [3.0, 4.0])
    ```
    """
    return X @ W + b


def _backward_inputs(X, W, dZ):
    X, W = _matrices(X, W)
    dZ = as_float_array(dZ, "dZ")
    expected = (X.shape[0], W.shape[1])
    if dZ.shape != expected:
        raise ValueError(
            f"dZ must have shape {expected} (batch, out_features), got {dZ.shape}"
        )
    for arr, name in ((X, "X"), (W, "W"), (dZ, "dZ")):
        check_finite(arr, name)
    return X, W, dZ


@guarded(_backward_inputs)
def linear_backward(X, W, dZ):
    r"""Gradients through [`linear`][nnmath.linear].

    $$
    % eq:dense-backward
    dX = dZ\,W^\top, \qquad dW = X^\top dZ, \qquad d\mathbf{b} = \mathbf{1}^\top dZ
    $$

    Parameters
    ----------
    X : numpy.ndarray of float, shape (batch, in_features)
        The input the forward pass saw.
    W : numpy.ndarray of float, shape (in_features, out_features)
    dZ : numpy.ndarray of float, shape (batch, out_features)
        $\partial L / \partial Z$.

    Returns
    -------
    dX : numpy.ndarray of float, shape (batch, in_features)
    dW : numpy.ndarray of float, shape (in_features, out_features)
    db : numpy.ndarray of float, shape (out_features,)
        Summed (not averaged) over the batch: any averaging happened in the loss.

    Raises
    ------
    TypeError
        If an input is not real-valued, or is float16.
    ValueError
        If ``X`` or ``W`` are not 2-D, their widths disagree, ``dZ`` is not
        ``(batch, out_features)``, or an input holds NaN or an infinity.

    References
    ----------
    Goodfellow et al., *Deep Learning* (2016), section 6.5.4.

    Examples
    --------
    ```python
    import numpy as np
    from nnmath import linear_backward

    dX, dW, db = linear_backward(np.ones((4, 3)), np.ones((3, 2)), np.ones((4, 2)))
    assert dX.shape == (4, 3) and dW.shape == (3, 2) and np.all(db == 4.0)
    ```
    """
    dX = dZ @ W.T
    dW = X.T @ dZ
    db = dZ.sum(axis=0)
    return dX, dW, db


def _init_args(in_features, out_features, rng, dtype=np.float64):
    return (
        check_count(in_features, "in_features"),
        check_count(out_features, "out_features"),
        check_rng(rng),
        check_float_dtype(dtype),
    )


@guarded(_init_args)
def he_normal(in_features, out_features, rng, dtype=np.float64):
    r"""He (Kaiming) normal initialization for ReLU layers.

    $$
    % eq:he-normal
    W_{ij} \sim \mathcal{N}(0, 2/n_{\text{in}})
    $$

    Parameters
    ----------
    in_features, out_features : int
        Layer widths, both at least 1.
    rng : numpy.random.Generator
        Source of randomness.
    dtype : numpy dtype, default float64

    Returns
    -------
    numpy.ndarray
        Shape ``(in_features, out_features)``.

    Raises
    ------
    ValueError
        If a width is not a positive integer.
    TypeError
        If ``rng`` is not a ``numpy.random.Generator`` or ``dtype`` is not a float
        dtype.

    References
    ----------
    He, Zhang, Ren and Sun, "Delving Deep into Rectifiers", ICCV 2015, section 2.2.

    Examples
    --------
    ```python
    import numpy as np
    from nnmath import he_normal

    W = he_normal(1000, 500, np.random.default_rng(0))
    assert abs(W.var() - 2 / 1000) < 1e-4
    ```
    """
    std = np.sqrt(2.0 / in_features)
    return (rng.standard_normal((in_features, out_features)) * std).astype(dtype)


@guarded(_init_args)
def glorot_uniform(in_features, out_features, rng, dtype=np.float64):
    r"""Glorot (Xavier) uniform initialization.

    $$
    % eq:glorot-uniform
    W_{ij} \sim \mathcal{U}(-a, a), \qquad
    a = \sqrt{6 / (n_{\text{in}} + n_{\text{out}})}
    $$

    For sigmoid, tanh and linear layers.

    Parameters
    ----------
    in_features, out_features : int
        Layer widths, both at least 1.
    rng : numpy.random.Generator
        Source of randomness.
    dtype : numpy dtype, default float64

    Returns
    -------
    numpy.ndarray
        Shape ``(in_features, out_features)``.

    Raises
    ------
    ValueError
        If a width is not a positive integer.
    TypeError
        If ``rng`` is not a ``numpy.random.Generator`` or ``dtype`` is not a float
        dtype.

    References
    ----------
    Glorot and Bengio, "Understanding the difficulty of training deep feedforward
    neural networks", AISTATS 2010, equation 16.

    Examples
    --------
    ```python
    import numpy as np
    from nnmath import glorot_uniform

    W = glorot_uniform(300, 100, np.random.default_rng(0))
    assert np.abs(W).max() <= np.sqrt(6 / 400)
    ```
    """
    limit = np.sqrt(6.0 / (in_features + out_features))
    return rng.uniform(-limit, limit, size=(in_features, out_features)).astype(dtype)


_ACTIVATIONS = {  # name: (f, f', the initialization that keeps f's signal in scale)
    "relu": (relu, relu_derivative, he_normal),
    "sigmoid": (sigmoid, sigmoid_derivative, glorot_uniform),
    "tanh": (tanh, tanh_derivative, glorot_uniform),
    None: (None, None, glorot_uniform),
}


def _layer_args(
    self, in_features, out_features, activation="relu", rng=None, dtype=np.float64
):
    in_features, out_features, rng, dtype = _init_args(
        in_features,
        out_features,
        np.random.default_rng() if rng is None else rng,
        dtype,
    )
    return self, in_features, out_features, check_activation(activation), rng, dtype


def _parameters_fit(layer, name="the layer"):
    """``weights`` and ``bias`` reassigned after construction must still fit."""
    W, b = layer.weights, layer.bias
    if not isinstance(W, np.ndarray) or W.ndim != 2 or W.dtype != layer.dtype:
        raise ValueError(
            f"{name}'s weights must be a 2-D {layer.dtype} array "
            f"(in_features, out_features), got {_describe(W)}"
        )
    if not isinstance(b, np.ndarray) or b.shape != W.shape[1:] or b.dtype != W.dtype:
        raise ValueError(
            f"{name}'s bias must be a {layer.dtype} array of shape ({W.shape[1]},) to "
            f"match its weights of shape {W.shape}, got {_describe(b)}"
        )


def _describe(value):
    if isinstance(value, np.ndarray):
        return f"{value.dtype} of shape {value.shape}"
    return type(value).__name__


def _layer_input(layer, X, *, keep=True):
    _parameters_fit(layer)
    given = X
    X = np.asarray(X)
    if X.dtype.kind in "iub":
        X = X.astype(layer.dtype)  # integer pixels and the like: no precision lost
    X = as_float_array(X, "X")
    n_in = layer.weights.shape[0]
    if X.ndim != 2:
        raise ValueError(
            f"X must be 2-D (batch, in_features={n_in}), got shape {X.shape}"
        )
    if X.shape[1] != n_in:
        raise ValueError(
            f"this layer expects {n_in} input features, got X with "
            f"{X.shape[1]} (X.shape={X.shape})"
        )
    if X.dtype != layer.dtype:
        raise TypeError(
            f"X has dtype {X.dtype} but the layer's parameters are {layer.dtype}; "
            f"convert with X.astype(np.{layer.dtype})"
        )
    check_finite(X, "X")
    if keep and X is given:  # the cache must not change if the caller edits their X
        X = X.copy()
    return layer, X


def _upstream_gradient(layer, grad_output):
    if layer._Z is None:
        raise RuntimeError(
            "backward() called before forward(): there is no cached input"
        )
    dA = as_float_array(grad_output, "grad_output")
    if dA.shape != layer._Z.shape:
        raise ValueError(
            f"grad_output must have the shape of the last output {layer._Z.shape}, "
            f"got {dA.shape}"
        )
    if dA.dtype != layer._Z.dtype:  # float64 into a float32 layer: no silent upcast
        raise TypeError(
            f"grad_output has dtype {dA.dtype} but the layer computes in "
            f"{layer._Z.dtype}; convert with grad_output.astype(np.{layer._Z.dtype})"
        )
    check_finite(dA, "grad_output")
    return layer, dA


def _after_backward(layer):
    if layer.grad_weights is None:
        raise RuntimeError(
            "gradients() called before backward(): there are no gradients yet"
        )
    return (layer,)


class Dense:
    r"""Fully connected layer, $A = f(XW + \mathbf{1}\,\mathbf{b})$, and its backward.

    Parameters
    ----------
    in_features : int
        Width of each input row.
    out_features : int
        Number of neurons, the width of each output row.
    activation : {"relu", "sigmoid", "tanh", None}, default "relu"
        Element-wise activation. ``None`` is the identity, used for the logits that
        feed [`softmax_cross_entropy`][nnmath.softmax_cross_entropy].
    rng : numpy.random.Generator, optional
        Source of randomness for the initial weights. ``None`` draws a fresh,
        unseeded generator; pass one for reproducible runs.
    dtype : numpy dtype, default float64
        Dtype of the parameters; ``forward`` requires inputs of the same float dtype
        (integers are converted).

    Attributes
    ----------
    weights : numpy.ndarray of float, shape (in_features, out_features)
        $W$: [`he_normal`][nnmath.he_normal] for ReLU,
        [`glorot_uniform`][nnmath.glorot_uniform] otherwise.
    bias : numpy.ndarray of float, shape (out_features,)
        $\mathbf{b}$, zeros at first.
    grad_weights, grad_bias : numpy.ndarray or None
        $dW$ and $d\mathbf{b}$ from the last ``backward``.

    Notes
    -----
    ``forward`` caches a copy of the ``X`` it is given (editing ``X`` afterwards does
    not change ``backward``) and its pre-activation; a second ``forward`` replaces both,
    so call ``backward`` for the batch the last ``forward`` saw.

    Raises
    ------
    ValueError
        If a width is not a positive integer or the activation is unknown; in
        ``forward``, if ``X`` is not 2-D, has the wrong width or holds NaN or an
        infinity, or if ``weights`` or ``bias`` were replaced by arrays of another
        shape or dtype (the bias must have shape ``(out_features,)`` of the weights);
        in ``backward``, if ``grad_output`` has the wrong shape or is not finite.
    TypeError
        If ``rng`` is not a ``numpy.random.Generator`` or ``dtype`` is not a float
        dtype; in ``forward``, if ``X`` has another dtype than the layer, and in
        ``backward`` if ``grad_output`` has (float64 into a float32 layer is refused,
        not upcast).
    RuntimeError
        If ``backward`` comes before ``forward``, or ``gradients`` before ``backward``.

    References
    ----------
    Goodfellow et al., *Deep Learning* (2016), section 6.5.4 (algorithm 6.4).

    Examples
    --------
    ```python
    import numpy as np
    from nnmath import Dense

    layer = Dense(3, 2, activation="tanh", rng=np.random.default_rng(0))
    A = layer.forward(np.ones((5, 3)))
    dX = layer.backward(np.ones_like(A))
    assert A.shape == (5, 2) and dX.shape == (5, 3)
    assert layer.grad_weights.shape == layer.weights.shape
    ```
    """

    @guarded(_layer_args)
    def __init__(
        self, in_features, out_features, activation="relu", rng=None, dtype=np.float64
    ):
        self.activation, self.dtype = activation, np.dtype(dtype)
        self.f, self.f_prime, init = _ACTIVATIONS[activation]
        self.weights = init(in_features, out_features, rng, dtype)
        self.bias = np.zeros(out_features, dtype=dtype)
        self.grad_weights = self.grad_bias = None
        self._X = self._Z = None  # the cache: forward's input and pre-activation

    @guarded(_layer_input)
    def forward(self, X):
        """``A = f(X @ W + b)`` for ``X`` of shape ``(batch, in_features)``."""
        Z = linear(X, self.weights, self.bias)
        self._X, self._Z = X, Z
        return Z if self.f is None else self.f(Z)

    @guarded(_upstream_gradient)
    def backward(self, grad_output):
        """Take dA of shape ``(batch, out_features)``; store dW and db; return dX."""
        dA = grad_output
        dZ = dA if self.f_prime is None else dA * self.f_prime(self._Z)
        dX, self.grad_weights, self.grad_bias = linear_backward(
            self._X, self.weights, dZ
        )
        return dX

    def parameters(self):
        """``[weights, bias]``: the arrays an optimizer updates in place."""
        return [self.weights, self.bias]

    @guarded(_after_backward)
    def gradients(self):
        """``[grad_weights, grad_bias]`` from the last backward pass."""
        return [self.grad_weights, self.grad_bias]

    def __repr__(self):
        n_in, n_out = self.weights.shape
        return f"Dense({n_in}, {n_out}, activation={self.activation!r})"


_OWNERS = weakref.WeakKeyDictionary()  # Dense layer -> weak reference to its Sequential


def _stack(self, layers):
    if not isinstance(layers, (list, tuple)):
        raise TypeError(
            f"layers must be a list of Dense layers, got {type(layers).__name__}"
        )
    layers = list(layers)
    for k, layer in enumerate(layers):
        if not isinstance(layer, Dense):
            raise TypeError(
                f"layers[{k}] must be a Dense layer, got {type(layer).__name__}"
            )
        for j in range(k):
            if layers[j] is layer or np.may_share_memory(
                layers[j].weights, layer.weights
            ):
                raise ValueError(
                    f"layers[{k}] and layers[{j}] share their weights: the second "
                    "forward pass would overwrite the first one's cache and gradients. "
                    "nnmath does not share weights; use two Dense layers"
                )
    if not layers:
        raise ValueError("Sequential needs at least one layer")
    for k, layer in enumerate(layers):
        owner = _OWNERS.get(layer)
        if owner is not None and owner() not in (None, self):
            raise ValueError(
                f"layers[{k}] already belongs to another Sequential: a layer caches "
                "its last forward pass, so two models sharing it would backpropagate "
                "through each other's inputs; build new Dense layers for this model"
            )
    for layer in layers:  # each layer remembers its model, as long as the model lives
        _OWNERS[layer] = weakref.ref(self)
    for k, (a, b) in enumerate(zip(layers, layers[1:])):
        if a.weights.shape[1] != b.weights.shape[0]:
            raise ValueError(
                f"layer {k} outputs {a.weights.shape[1]} features but layer {k + 1} "
                f"expects {b.weights.shape[0]}"
            )
    return self, layers


def _model_input(model, X, *, keep=True):
    for k, (a, b) in enumerate(zip(model.layers, model.layers[1:] + [None])):
        _parameters_fit(a, f"layers[{k}]")
        if b is not None and a.weights.shape[1] != b.weights.shape[0]:
            raise ValueError(
                f"layers[{k}] outputs {a.weights.shape[1]} features but "
                f"layers[{k + 1}] expects {b.weights.shape[0]}"
            )
    return model, _layer_input(model.layers[0], X, keep=keep)[1]


def _model_upstream(model, grad_output):
    return model, _upstream_gradient(model.layers[-1], grad_output)[1]


def _model_after_backward(model):
    for layer in model.layers:
        _after_backward(layer)
    return (model,)


class Sequential:
    r"""A stack of layers, run in order forward and in reverse order backward.

    Parameters
    ----------
    layers : list of Dense
        Consecutive widths must agree: ``layers[k].weights.shape[1] ==
        layers[k + 1].weights.shape[0]``.

    Raises
    ------
    ValueError
        If the list is empty, two consecutive widths disagree, or a layer is listed
        twice (or two layers hold one weight array: nnmath does not share weights, since
        a second forward pass would overwrite the first one's cache and gradients), or a
        layer already belongs to another living ``Sequential`` (for the same reason); in
        ``forward`` and ``backward``, as for [`Dense`][nnmath.Dense], and in ``forward``
        if a layer's weights or bias were replaced by arrays that no longer fit.
    TypeError
        If ``layers`` is not a list of [`Dense`][nnmath.Dense] layers.
    RuntimeError
        From ``backward`` before any ``forward``, and ``gradients`` before any
        ``backward``.

    References
    ----------
    Goodfellow et al., *Deep Learning* (2016), section 6.5.

    Examples
    --------
    ```python
    import numpy as np
    from nnmath import Dense, Sequential

    rng = np.random.default_rng(0)
    model = Sequential([Dense(4, 8, "relu", rng), Dense(8, 3, None, rng)])
    logits = model.forward(rng.normal(size=(2, 4)))
    model.backward(np.ones_like(logits))
    assert [p.shape for p in model.parameters()] == [(4, 8), (8,), (8, 3), (3,)]
    assert [g.shape for g in model.gradients()] == [(4, 8), (8,), (8, 3), (3,)]
    ```
    """

    @guarded(_stack)
    def __init__(self, layers):
        self.layers = layers

    @guarded(_model_input)
    def forward(self, X):
        """Run every layer in order; return the last layer's output."""
        for layer in self.layers:
            X = layer.forward(X)
        return X

    @guarded(_model_upstream)
    def backward(self, grad_output):
        """Run every layer's backward in reverse order; return ``dX`` of the first."""
        for layer in reversed(self.layers):
            grad_output = layer.backward(grad_output)
        return grad_output

    def parameters(self):
        """All parameters, layer by layer: ``[W1, b1, W2, b2, ...]``."""
        return [p for layer in self.layers for p in layer.parameters()]

    @guarded(_model_after_backward)
    def gradients(self):
        """All gradients, in the order of ``parameters()``: ``[dW1, db1, dW2, ...]``."""
        return [g for layer in self.layers for g in layer.gradients()]
