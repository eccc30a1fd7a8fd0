r"""Fully connected layers, their backward pass, weight initialization and stacking.

Row-batch convention: ``X`` has shape ``(batch, in_features)``, ``W`` has shape
``(in_features, out_features)``, ``b`` has shape ``(out_features,)``, and
``Z = X @ W + b``, ``A = f(Z)``. The pure math lives in [`linear`][nnmath.linear]
and [`linear_backward`][nnmath.linear_backward]; [`Dense`][nnmath.Dense] only
caches its inputs and wires the math together.
"""

from __future__ import annotations

import numpy as np

from ._validation import as_float_array, check_count, check_finite, check_ndim
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


def _check_linear_shapes(X, W, b):
    check_ndim(X, "X", (2,))
    check_ndim(W, "W", (2,))
    if X.shape[1] != W.shape[0]:
        raise ValueError(
            f"X has {X.shape[1]} features per row but W expects {W.shape[0]}: "
            f"X.shape={X.shape}, W.shape={W.shape}"
        )
    if b is not None:  # linear_backward has no b to check
        check_ndim(b, "b", (1,))
        if b.shape != (W.shape[1],):
            raise ValueError(f"b must have shape ({W.shape[1]},) to match W.shape={W.shape}, got {b.shape}")
        check_finite(b, "b")
    check_finite(X, "X")
    check_finite(W, "W")


def _check_backward_inputs(X, W, dZ):
    X, W, dZ = (as_float_array(a, n) for a, n in ((X, "X"), (W, "W"), (dZ, "dZ")))
    _check_linear_shapes(X, W, None)
    expected = (X.shape[0], W.shape[1])
    if dZ.shape != expected:
        raise ValueError(f"dZ must have shape {expected} (batch, out_features), got {dZ.shape}")
    check_finite(dZ, "dZ")
    return X, W, dZ


def _check_init(in_features, out_features, rng, dtype):
    check_count(in_features, "in_features")
    check_count(out_features, "out_features")
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy.random.Generator, got {type(rng).__name__}")
    if np.dtype(dtype).kind != "f":
        raise TypeError(f"dtype must be a float dtype such as np.float64, got {np.dtype(dtype)}")


# --8<-- [start:linear]
def linear(X, W, b):
    # --8<-- [end:linear]
    r"""Affine map of a batch, $Z = XW + \mathbf{b}$.

    Parameters
    ----------
    X : array_like of float, shape (batch, in_features)
    W : array_like of float, shape (in_features, out_features)
    b : array_like of float, shape (out_features,)
        Added to every row (NumPy broadcasting of a row vector).

    Returns
    -------
    numpy.ndarray
        ``Z`` of shape ``(batch, out_features)``.

    Raises
    ------
    TypeError
        If an input is not real-valued.
    ValueError
        If ``X`` or ``W`` are not 2-D, ``b`` is not 1-D, the widths disagree, or
        an input holds NaN or an infinity.

    Notes
    -----
    $$
    Z = XW + \mathbf{1}\,\mathbf{b}, \quad
    Z_{ij} = \sum_{p} X_{ip} W_{pj} + b_j
    $$

    with $\mathbf{1}$ a column of ``batch`` ones and $\mathbf{b}$ a row of length
    ``out_features``, so $\mathbf{1}\,\mathbf{b}$ repeats the bias on every row.

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
    # --8<-- [start:linear-2]
    X, W, b = (as_float_array(a, n) for a, n in ((X, "X"), (W, "W"), (b, "b")))
    _check_linear_shapes(X, W, b)
    return X @ W + b


def linear_backward(X, W, dZ):
    # --8<-- [end:linear-2]
    r"""Gradients of a loss through [`linear`][nnmath.linear].

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
        Summed (not averaged) over the batch: any averaging already happened in
        the loss gradient.

    Raises
    ------
    TypeError
        If an input is not real-valued.
    ValueError
        If ``X`` or ``W`` are not 2-D, their widths disagree, ``dZ`` does not
        have shape ``(batch, out_features)``, or an input holds NaN or an infinity.

    Notes
    -----
    $$
    dX = dZ\,W^\top, \qquad dW = X^\top dZ, \qquad d\mathbf{b} = \sum_{\text{rows}} dZ
    $$

    Each gradient has the shape of the thing it is the gradient of, which is a
    quick way to remember where the transposes go.

    References
    ----------
    Goodfellow et al., *Deep Learning* (2016), section 6.5.4; CS231n notes,
    "Derivatives, Backpropagation, and Vectorization".

    Examples
    --------
    ```python
    import numpy as np
    from nnmath import linear_backward

    dX, dW, db = linear_backward(np.ones((4, 3)), np.ones((3, 2)), np.ones((4, 2)))
    assert dX.shape == (4, 3) and dW.shape == (3, 2) and np.all(db == 4.0)
    ```
    """
    # --8<-- [start:linear-3]
    X, W, dZ = _check_backward_inputs(X, W, dZ)
    dX = dZ @ W.T
    dW = X.T @ dZ
    db = dZ.sum(axis=0)
    return dX, dW, db


# --8<-- [end:linear-3]


# --8<-- [start:init]
def he_normal(in_features, out_features, rng, dtype=np.float64):
    # --8<-- [end:init]
    r"""He (Kaiming) normal initialization, for ReLU layers.

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
        Shape ``(in_features, out_features)``, drawn from $\mathcal{N}(0, 2/n_{\text{in}})$.

    Raises
    ------
    ValueError
        If a width is not a positive integer.
    TypeError
        If ``rng`` is not a ``numpy.random.Generator`` or ``dtype`` is not a float dtype.

    Notes
    -----
    ReLU zeroes about half of its inputs, halving the variance passed on; the
    factor 2 restores it, so activations keep their scale through depth:

    $$
    W_{ij} \sim \mathcal{N}\!\left(0, \frac{2}{n_{\text{in}}}\right)
    $$

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
    # --8<-- [start:init-2]
    _check_init(in_features, out_features, rng, dtype)
    std = np.sqrt(2.0 / in_features)
    return (rng.standard_normal((in_features, out_features)) * std).astype(dtype)


def glorot_uniform(in_features, out_features, rng, dtype=np.float64):
    # --8<-- [end:init-2]
    r"""Glorot (Xavier) uniform initialization, for sigmoid, tanh and linear layers.

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
        Shape ``(in_features, out_features)``, uniform on $[-a, a]$.

    Raises
    ------
    ValueError
        If a width is not a positive integer.
    TypeError
        If ``rng`` is not a ``numpy.random.Generator`` or ``dtype`` is not a float dtype.

    Notes
    -----
    Choosing the variance $2/(n_{\text{in}} + n_{\text{out}})$ balances the
    scale of activations going forward and of gradients going back:

    $$
    W_{ij} \sim \mathcal{U}(-a, a), \qquad a = \sqrt{\frac{6}{n_{\text{in}} + n_{\text{out}}}}
    $$

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
    # --8<-- [start:init-3]
    _check_init(in_features, out_features, rng, dtype)
    limit = np.sqrt(6.0 / (in_features + out_features))
    return rng.uniform(-limit, limit, size=(in_features, out_features)).astype(dtype)


# --8<-- [end:init-3]


_ACTIVATIONS = {
    "relu": (relu, relu_derivative, he_normal),
    "sigmoid": (sigmoid, sigmoid_derivative, glorot_uniform),
    "tanh": (tanh, tanh_derivative, glorot_uniform),
    None: (None, None, glorot_uniform),
}


# --8<-- [start:dense]
class Dense:
    # --8<-- [end:dense]
    r"""Fully connected layer $A = f(XW + \mathbf{b})$ that caches what backward needs.

    Parameters
    ----------
    in_features : int
        Width of each input row.
    out_features : int
        Number of neurons, the width of each output row.
    activation : {"relu", "sigmoid", "tanh", None}, default "relu"
        Element-wise activation. ``None`` is the identity, used for the logits
        that feed [`softmax_cross_entropy`][nnmath.softmax_cross_entropy].
    rng : numpy.random.Generator, optional
        Source of randomness for the initial weights. ``None`` draws a fresh,
        unseeded generator; pass one for reproducible runs.
    dtype : numpy dtype, default float64
        Dtype of the parameters; ``forward`` requires float inputs of the same
        dtype (integers are converted).

    Attributes
    ----------
    weights : numpy.ndarray of float, shape (in_features, out_features)
        $W$, initialized with [`he_normal`][nnmath.he_normal] for ReLU and
        [`glorot_uniform`][nnmath.glorot_uniform] otherwise.
    bias : numpy.ndarray of float, shape (out_features,)
        $\mathbf{b}$, initialized to zeros.
    grad_weights, grad_bias : numpy.ndarray or None
        $dW$ and $d\mathbf{b}$ from the last ``backward``, same shapes as
        ``weights`` and ``bias``.

    Raises
    ------
    ValueError
        If a width is not a positive integer or the activation is unknown; in
        ``forward``, if ``X`` is not 2-D, has the wrong width or holds NaN or an
        infinity; in ``backward``, if ``grad_output`` has the wrong shape or is
        not finite.
    TypeError
        If ``rng`` is not a ``numpy.random.Generator`` or ``dtype`` is not a
        float dtype; in ``forward``, if ``X`` has another dtype than the layer.
    RuntimeError
        If ``backward`` comes before ``forward``, or ``gradients`` before ``backward``.

    Notes
    -----
    Forward, then backward given $dA = \partial L/\partial A$:

    $$
    Z = XW + \mathbf{b}, \quad A = f(Z); \qquad
    dZ = dA \odot f'(Z), \quad dW = X^\top dZ, \quad d\mathbf{b} = \sum_{\text{rows}} dZ,
    \quad dX = dZ\,W^\top
    $$

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

    # --8<-- [start:dense-2]

    def __init__(self, in_features, out_features, activation="relu", rng=None, dtype=np.float64):
        in_features = check_count(in_features, "in_features")
        out_features = check_count(out_features, "out_features")
        if activation not in _ACTIVATIONS:
            raise ValueError(
                f"activation must be one of 'relu', 'sigmoid', 'tanh' or None, got {activation!r}"
            )
        if rng is None:
            rng = np.random.default_rng()
        if not isinstance(rng, np.random.Generator):
            raise TypeError(f"rng must be a numpy.random.Generator, got {type(rng).__name__}")
        self.activation = activation
        self._f, self._f_prime, init = _ACTIVATIONS[activation]
        self.dtype = np.dtype(dtype)
        self.weights = init(in_features, out_features, rng, self.dtype)
        self.bias = np.zeros(out_features, dtype=self.dtype)
        self.grad_weights = None
        self.grad_bias = None
        self._X = None  # cache: the input of the last forward pass
        self._Z = None  # cache: the pre-activation of the last forward pass

    def forward(self, X):
        """Compute ``A = f(X @ W + b)`` for ``X`` of shape ``(batch, in_features)``; cache X and Z."""
        X = self._check_input(X)
        Z = linear(X, self.weights, self.bias)
        self._X, self._Z = X, Z
        return Z if self._f is None else self._f(Z)

    def backward(self, grad_output):
        """Take ``dA`` of shape ``(batch, out_features)``, store ``dW`` and ``db``, return ``dX``."""
        if self._Z is None:
            raise RuntimeError("backward() called before forward(): there is no cached input")
        dA = as_float_array(grad_output, "grad_output")
        check_finite(dA, "grad_output")
        if dA.shape != self._Z.shape:
            raise ValueError(
                f"grad_output must have the shape of the last output {self._Z.shape}, got {dA.shape}"
            )
        dZ = dA if self._f_prime is None else dA * self._f_prime(self._Z)
        dX, self.grad_weights, self.grad_bias = linear_backward(self._X, self.weights, dZ)
        return dX

    def parameters(self):
        """Return ``[weights, bias]``: the arrays an optimizer updates in place."""
        return [self.weights, self.bias]

    def gradients(self):
        """Return ``[grad_weights, grad_bias]`` from the last backward pass."""
        if self.grad_weights is None:
            raise RuntimeError("gradients() called before backward(): there are no gradients yet")
        return [self.grad_weights, self.grad_bias]

    # --8<-- [end:dense-2]

    def _check_input(self, X):
        X = np.asarray(X)
        if X.dtype.kind in "iub":
            X = X.astype(self.dtype)  # integer pixels and the like: convert, no precision lost
        X = as_float_array(X, "X")
        if X.ndim != 2:
            raise ValueError(
                f"X must be 2-D (batch, in_features={self.weights.shape[0]}), got shape {X.shape}"
            )
        if X.shape[1] != self.weights.shape[0]:
            raise ValueError(
                f"this layer expects {self.weights.shape[0]} input features, got X with "
                f"{X.shape[1]} (X.shape={X.shape})"
            )
        if X.dtype != self.dtype:
            raise TypeError(
                f"X has dtype {X.dtype} but the layer's parameters are {self.dtype}; "
                f"convert with X.astype(np.{self.dtype})"
            )
        return X

    def __repr__(self):
        n_in, n_out = self.weights.shape
        return f"Dense({n_in}, {n_out}, activation={self.activation!r})"


def _check_layers(layers):
    if not isinstance(layers, (list, tuple)):
        raise TypeError(f"layers must be a list of Dense layers, got {type(layers).__name__}")
    layers = list(layers)
    for k, layer in enumerate(layers):
        if not isinstance(layer, Dense):
            raise TypeError(f"layers[{k}] must be a Dense layer, got {type(layer).__name__}")
    return layers


# --8<-- [start:sequential]
class Sequential:
    # --8<-- [end:sequential]
    r"""A stack of layers run in order forward and in reverse order backward.

    Parameters
    ----------
    layers : list of Dense
        Consecutive widths must agree: ``layers[k].weights.shape[1] ==
        layers[k + 1].weights.shape[0]``.

    Raises
    ------
    ValueError
        If the list is empty or two consecutive widths disagree.
    TypeError
        If ``layers`` is not a list of [`Dense`][nnmath.Dense] layers.
    RuntimeError
        From ``backward`` before any ``forward``, and ``gradients`` before any ``backward``.

    Notes
    -----
    Forward is function composition, $f_L \circ \dots \circ f_1$; backward is
    the chain rule applied right to left, each layer turning
    $\partial L/\partial A^{(k)}$ into $\partial L/\partial A^{(k-1)}$.

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

    # --8<-- [start:sequential-2]

    def __init__(self, layers):
        self.layers = _check_layers(layers)
        if not self.layers:
            raise ValueError("Sequential needs at least one layer")
        for k, (a, b) in enumerate(zip(self.layers, self.layers[1:])):
            if a.weights.shape[1] != b.weights.shape[0]:
                raise ValueError(
                    f"layer {k} outputs {a.weights.shape[1]} features but layer {k + 1} "
                    f"expects {b.weights.shape[0]}"
                )

    def forward(self, X):
        """Run every layer in order; return the last layer's output."""
        for layer in self.layers:
            X = layer.forward(X)
        return X

    def backward(self, grad_output):
        """Run every layer's backward in reverse order; return ``dX`` of the first."""
        for layer in reversed(self.layers):
            grad_output = layer.backward(grad_output)
        return grad_output

    def parameters(self):
        """All parameters, layer by layer: ``[W1, b1, W2, b2, ...]``."""
        return [p for layer in self.layers for p in layer.parameters()]

    def gradients(self):
        """All gradients in the order of ``parameters()``: ``[dW1, db1, dW2, db2, ...]``."""
        return [g for layer in self.layers for g in layer.gradients()]


# --8<-- [end:sequential-2]
