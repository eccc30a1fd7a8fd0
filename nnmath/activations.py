r"""Activation functions and their derivatives.

Every element-wise activation ``f`` sits right above its derivative ``f'`` so a
reader sees both on one screen. All functions take any shape, never modify their
input, and return a new array of the same shape and floating dtype (float32 stays
float32; integers become float64).

NaN policy: element-wise activations propagate NaN (a NaN in gives NaN out, with
no warning) and map $\pm\infty$ to their limits. ``softmax`` raises
``ValueError`` on NaN or $+\infty$, because no probability vector is defined
for them; $-\infty$ is allowed (it gives probability 0) as long as every
slice keeps at least one finite logit. ``softmax_backward`` also raises on a
NaN or infinite ``grad_output``. Finite logits never warn, however large.
"""

from __future__ import annotations

import numpy as np

from ._validation import as_float_array, check_finite, check_ndim

__all__ = [
    "sigmoid",
    "sigmoid_derivative",
    "relu",
    "relu_derivative",
    "tanh",
    "tanh_derivative",
    "softmax",
    "softmax_jacobian",
    "softmax_backward",
]


# --8<-- [start:sigmoid]
def sigmoid(x):
    # --8<-- [end:sigmoid]
    r"""Logistic sigmoid, computed without overflow.

    Parameters
    ----------
    x : array_like of float, any shape
        Pre-activations. Integers are converted to float64; float32 stays float32.

    Returns
    -------
    numpy.ndarray
        $\sigma(x)$ element-wise, same shape and float dtype as ``x``,
        every value in $[0, 1]$.

    Raises
    ------
    TypeError
        If ``x`` is not real-valued (complex, object or string dtype).

    Notes
    -----
    $$
    \sigma(x) = \frac{1}{1 + e^{-x}}
    $$

    The direct formula overflows in $e^{-x}$ for $x \lesssim -710$
    (float64). With $e = e^{-|x|} \in (0, 1]$ the code uses the two
    algebraically equal forms

    $$
    \sigma(x) = \begin{cases} \frac{1}{1 + e} & x \ge 0 \\ \frac{e}{1 + e} & x < 0 \end{cases}
    $$

    so no exponential ever exceeds 1. NaN propagates; $\sigma(\pm\infty)$
    is 1 or 0.

    References
    ----------
    Goodfellow, Bengio and Courville, *Deep Learning* (2016), section 6.2.2.2.

    Examples
    --------
    ```python
    import numpy as np
    from nnmath import sigmoid

    assert sigmoid(0.0) == 0.5
    assert np.allclose(sigmoid(np.array([-1000.0, 1000.0])), [0.0, 1.0])
    ```
    """
    # --8<-- [start:sigmoid-2]
    x = as_float_array(x, "x")
    e = np.exp(-np.abs(x))  # always in (0, 1]: cannot overflow
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


def sigmoid_derivative(x):
    # --8<-- [end:sigmoid-2]
    r"""Derivative of [`sigmoid`][nnmath.sigmoid] with respect to its input.

    Parameters
    ----------
    x : array_like of float, any shape
        Pre-activations (the input of the sigmoid, not its output).

    Returns
    -------
    numpy.ndarray
        $\sigma'(x)$ element-wise, same shape and float dtype as ``x``,
        every value in $[0, 0.25]$.

    Raises
    ------
    TypeError
        If ``x`` is not real-valued.

    Notes
    -----
    $$
    \sigma'(x) = \sigma(x)\,\bigl(1 - \sigma(x)\bigr)
    $$

    The maximum, 0.25, is reached at $x = 0$.

    References
    ----------
    Goodfellow, Bengio and Courville, *Deep Learning* (2016), section 6.2.2.2.

    Examples
    --------
    ```python
    from nnmath import sigmoid_derivative

    assert sigmoid_derivative(0.0) == 0.25
    ```
    """
    # --8<-- [start:sigmoid-3]
    s = sigmoid(x)
    return s * (1 - s)


# --8<-- [end:sigmoid-3]


# --8<-- [start:relu]
def relu(x):
    # --8<-- [end:relu]
    r"""Rectified linear unit, $\max(0, x)$ element-wise.

    Parameters
    ----------
    x : array_like of float, any shape
        Pre-activations.

    Returns
    -------
    numpy.ndarray
        Same shape and float dtype as ``x``. NaN propagates.

    Raises
    ------
    TypeError
        If ``x`` is not real-valued.

    Notes
    -----
    $$
    \operatorname{ReLU}(x) = \max(0, x)
    $$

    References
    ----------
    Nair and Hinton, "Rectified Linear Units Improve Restricted Boltzmann
    Machines", ICML 2010; Goodfellow et al., *Deep Learning*, section 6.3.1.

    Examples
    --------
    ```python
    import numpy as np
    from nnmath import relu

    assert np.array_equal(relu(np.array([-2.0, 0.0, 3.0])), [0.0, 0.0, 3.0])
    ```
    """
    # --8<-- [start:relu-2]
    x = as_float_array(x, "x")
    return np.maximum(x, 0)


def relu_derivative(x):
    # --8<-- [end:relu-2]
    r"""Derivative of [`relu`][nnmath.relu], with the convention $\operatorname{ReLU}'(0) = 0$.

    Parameters
    ----------
    x : array_like of float, any shape
        Pre-activations.

    Returns
    -------
    numpy.ndarray
        1 where ``x > 0``, 0 where ``x <= 0``, NaN where ``x`` is NaN; same shape
        and float dtype as ``x``.

    Raises
    ------
    TypeError
        If ``x`` is not real-valued.

    Notes
    -----
    $$
    \operatorname{ReLU}'(x) = \begin{cases} 1 & x > 0 \\ 0 & x \le 0 \end{cases}
    $$

    ReLU has no derivative at 0 (the left slope is 0, the right slope is 1);
    any value in $[0, 1]$ is a valid subgradient. We pick 0, as PyTorch does.

    References
    ----------
    Goodfellow et al., *Deep Learning* (2016), section 6.3.1.

    Examples
    --------
    ```python
    import numpy as np
    from nnmath import relu_derivative

    assert np.array_equal(relu_derivative(np.array([-2.0, 0.0, 3.0])), [0.0, 0.0, 1.0])
    ```
    """
    # --8<-- [start:relu-3]
    x = as_float_array(x, "x")
    return np.where(np.isnan(x), x, x > 0).astype(x.dtype)


# --8<-- [end:relu-3]


# --8<-- [start:tanh]
def tanh(x):
    # --8<-- [end:tanh]
    r"""Hyperbolic tangent element-wise.

    Parameters
    ----------
    x : array_like of float, any shape
        Pre-activations.

    Returns
    -------
    numpy.ndarray
        Same shape and float dtype as ``x``, values in $[-1, 1]$.

    Raises
    ------
    TypeError
        If ``x`` is not real-valued.

    Notes
    -----
    $$
    \tanh(x) = \frac{e^{x} - e^{-x}}{e^{x} + e^{-x}} = 2\sigma(2x) - 1
    $$

    ``np.tanh`` is already stable for every finite input.

    References
    ----------
    Goodfellow et al., *Deep Learning* (2016), section 6.3.2.

    Examples
    --------
    ```python
    import numpy as np
    from nnmath import sigmoid, tanh

    x = np.linspace(-3, 3, 7)
    assert np.allclose(tanh(x), 2 * sigmoid(2 * x) - 1)
    ```
    """
    # --8<-- [start:tanh-2]
    x = as_float_array(x, "x")
    return np.tanh(x)


def tanh_derivative(x):
    # --8<-- [end:tanh-2]
    r"""Derivative of [`tanh`][nnmath.tanh] with respect to its input.

    Parameters
    ----------
    x : array_like of float, any shape
        Pre-activations.

    Returns
    -------
    numpy.ndarray
        Same shape and float dtype as ``x``, values in $[0, 1]$.

    Raises
    ------
    TypeError
        If ``x`` is not real-valued.

    Notes
    -----
    $$
    \tanh'(x) = 1 - \tanh^2(x)
    $$

    References
    ----------
    Goodfellow et al., *Deep Learning* (2016), section 6.3.2.

    Examples
    --------
    ```python
    from nnmath import tanh_derivative

    assert tanh_derivative(0.0) == 1.0
    ```
    """
    # --8<-- [start:tanh-3]
    t = tanh(x)
    return 1 - t * t


# --8<-- [end:tanh-3]


def _check_logits(z, axis):
    z = as_float_array(z, "z")
    check_ndim(z, "z", (1, 2))
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)) or not -z.ndim <= axis < z.ndim:
        raise ValueError(f"axis must be an int in [-{z.ndim}, {z.ndim}) for z.shape={z.shape}, got {axis!r}")
    if z.shape[axis] == 0:
        raise ValueError(f"z must have at least one entry along axis {axis}, got shape {z.shape}")
    if np.isnan(z).any() or np.isposinf(z).any():
        raise ValueError("z must not contain NaN or +inf: softmax is undefined there")
    if np.isneginf(z).all(axis=axis).any():
        raise ValueError(f"every slice of z along axis {axis} needs a finite logit, got all -inf")
    return z


# --8<-- [start:softmax]
def softmax(z, axis=-1):
    # --8<-- [end:softmax]
    r"""Softmax along ``axis``, with the maximum subtracted for stability.

    Parameters
    ----------
    z : array_like of float, shape (classes,) or (batch, classes)
        Logits. Float32 stays float32.
    axis : int, default -1
        The axis that holds the classes.

    Returns
    -------
    numpy.ndarray
        Probabilities with the shape and float dtype of ``z``; each slice along
        ``axis`` is non-negative and sums to 1.

    Raises
    ------
    TypeError
        If ``z`` is not real-valued.
    ValueError
        If ``z`` is not 1-D or 2-D, ``axis`` is not an axis of ``z``, the class
        axis is empty, ``z`` contains NaN or $+\infty$, or has a slice that is
        entirely $-\infty$.

    Notes
    -----
    $$
    \operatorname{softmax}(\mathbf{z})_i = \frac{e^{z_i}}{\sum_j e^{z_j}}
    = \frac{e^{z_i - m}}{\sum_j e^{z_j - m}}, \quad m = \max_j z_j
    $$

    Subtracting $m$ changes nothing mathematically (it cancels) but keeps
    every exponent $\le 0$, so $e^{z_i - m} \in (0, 1]$ never
    overflows and the largest term is exactly 1, so the sum is at least 1.

    References
    ----------
    Goodfellow et al., *Deep Learning* (2016), section 6.2.2.3 (softmax units)
    and section 4.1 (overflow and underflow).

    Examples
    --------
    ```python
    import numpy as np
    from nnmath import softmax

    p = softmax(np.array([1000.0, 1001.0, 1002.0]))
    assert np.isclose(p.sum(), 1.0)
    assert np.allclose(p, softmax(np.array([0.0, 1.0, 2.0])))
    ```
    """
    # --8<-- [start:softmax-2]
    z = _check_logits(z, axis)
    with np.errstate(over="ignore"):  # a gap beyond the float range gives -inf, and e^-inf = 0
        shifted = z - np.max(z, axis=axis, keepdims=True)
    e = np.exp(shifted)
    return e / np.sum(e, axis=axis, keepdims=True)


# --8<-- [end:softmax-2]


# --8<-- [start:softmax_jacobian]
def softmax_jacobian(z):
    # --8<-- [end:softmax_jacobian]
    r"""Jacobian of [`softmax`][nnmath.softmax] (over the last axis) at ``z``.

    Parameters
    ----------
    z : array_like of float, shape (classes,) or (batch, classes)
        Logits.

    Returns
    -------
    numpy.ndarray
        Shape ``(classes, classes)`` for a 1-D ``z``, ``(batch, classes, classes)``
        for a 2-D one; entry ``[..., i, j]`` is $\partial s_i / \partial z_j$.

    Raises
    ------
    TypeError, ValueError
        As for [`softmax`][nnmath.softmax].

    Notes
    -----
    With $\mathbf{s} = \operatorname{softmax}(\mathbf{z})$,

    $$
    \frac{\partial s_i}{\partial z_j} = s_i(\delta_{ij} - s_j),
    \qquad J = \operatorname{diag}(\mathbf{s}) - \mathbf{s}\mathbf{s}^\top
    $$

    The Jacobian is symmetric, so a vector-Jacobian product equals a
    Jacobian-vector product; see [`softmax_backward`][nnmath.softmax_backward].

    References
    ----------
    Goodfellow et al., *Deep Learning* (2016), section 6.2.2.3.

    Examples
    --------
    ```python
    import numpy as np
    from nnmath import softmax_jacobian

    J = softmax_jacobian(np.array([0.5, -1.0, 2.0]))
    assert np.allclose(J, J.T)
    assert np.allclose(J.sum(axis=0), 0.0)  # the outputs always sum to 1
    ```
    """
    # --8<-- [start:softmax_jacobian-2]
    s = softmax(z, axis=-1)
    eye = np.eye(s.shape[-1], dtype=s.dtype)
    return s[..., :, None] * eye - s[..., :, None] * s[..., None, :]


def softmax_backward(z, grad_output):
    # --8<-- [end:softmax_jacobian-2]
    r"""Backpropagate ``grad_output`` through [`softmax`][nnmath.softmax] without forming the Jacobian.

    Parameters
    ----------
    z : array_like of float, shape (classes,) or (batch, classes)
        Logits that went into the softmax.
    grad_output : array_like of float, same shape as z
        Upstream gradient $\partial L / \partial \mathbf{s}$.

    Returns
    -------
    numpy.ndarray
        $\partial L / \partial \mathbf{z}$, same shape as ``z``.

    Raises
    ------
    TypeError, ValueError
        As for [`softmax`][nnmath.softmax]; ValueError also if the shapes differ
        or ``grad_output`` holds NaN or an infinity.

    Notes
    -----
    Multiplying $\mathbf{g}$ by $J = \operatorname{diag}(\mathbf{s}) - \mathbf{s}\mathbf{s}^\top$
    collapses to an $O(n)$ formula per row:

    $$
    \frac{\partial L}{\partial z_j} = \sum_i g_i s_i(\delta_{ij} - s_j)
    = s_j\Bigl(g_j - \sum_i g_i s_i\Bigr)
    $$

    References
    ----------
    Goodfellow et al., *Deep Learning* (2016), section 6.5 (back-propagation).

    Examples
    --------
    ```python
    import numpy as np
    from nnmath import softmax_backward, softmax_jacobian

    rng = np.random.default_rng(0)
    z, g = rng.normal(size=4), rng.normal(size=4)
    assert np.allclose(softmax_backward(z, g), softmax_jacobian(z) @ g)
    ```
    """
    # --8<-- [start:softmax_jacobian-3]
    s = softmax(z, axis=-1)
    g = as_float_array(grad_output, "grad_output")
    check_finite(g, "grad_output")
    if g.shape != s.shape:
        raise ValueError(
            f"grad_output must have the shape of z, got grad_output.shape={g.shape} and z.shape={s.shape}"
        )
    return s * (g - np.sum(g * s, axis=-1, keepdims=True))


# --8<-- [end:softmax_jacobian-3]
