r"""Activation functions and their derivatives.

Each element-wise activation ``f`` sits right above its derivative ``f'``. They take any
shape, never modify their input, and return a new array of the same shape and float
dtype (float32 stays float32; integers become float64).

NaN policy: element-wise activations propagate NaN and map $\pm\infty$ to their limits.
``softmax`` raises ``ValueError`` on NaN or $+\infty$ (no probability vector is defined
for them); $-\infty$ gives probability 0 as long as every slice keeps a finite logit.
Finite logits never warn, however large.
"""

from __future__ import annotations

import numpy as np

from ._validation import as_float_array, check_finite, check_ndim, guarded

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


def _real_array(x):
    return (as_float_array(x, "x"),)


@guarded(_real_array)
def sigmoid(x):
    r"""Logistic sigmoid $\sigma(x) = 1 / (1 + e^{-x})$, computed without overflow.

    Parameters
    ----------
    x : array_like of float, any shape
        Pre-activations. Integers become float64; float32 stays float32.

    Returns
    -------
    numpy.ndarray
        $\sigma(x)$ element-wise, same shape and float dtype as ``x``, in $[0, 1]$.

    Raises
    ------
    TypeError
        If ``x`` is not real-valued (complex, object or string dtype) or is float16.

    Notes
    -----
    With $e = e^{-|x|} \in (0, 1]$:
    $\sigma(x) = 1/(1 + e)$ for $x \ge 0$ and $e/(1 + e)$ for $x < 0$.

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
    e = np.exp(-np.abs(x))  # always in (0, 1]: cannot overflow
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


@guarded(_real_array)
def sigmoid_derivative(x):
    r"""Derivative of [`sigmoid`][nnmath.sigmoid].

    $$
    % eq:sigmoid
    \sigma'(x) = \sigma(x)(1 - \sigma(x))
    $$

    Parameters
    ----------
    x : array_like of float, any shape
        Pre-activations (the input of the sigmoid, not its output).

    Returns
    -------
    numpy.ndarray
        Same shape and float dtype as ``x``, values in $[0, 0.25]$.

    Raises
    ------
    TypeError
        If ``x`` is not real-valued, or is float16.

    References
    ----------
    Goodfellow et al., *Deep Learning* (2016), section 6.2.2.2.

    Examples
    --------
    ```python
    from nnmath import sigmoid_derivative

    assert sigmoid_derivative(0.0) == 0.25
    ```
    """
    e = np.exp(-np.abs(x))  # as in sigmoid
    d = e / ((1 + e) * (1 + e))  # sigma(x) sigma(-x): nothing cancels in 1 - sigma
    return np.minimum(d, 0.25)  # near 0, rounding could overshoot the peak by an ulp


@guarded(_real_array)
def relu(x):
    r"""Rectified linear unit, $\operatorname{ReLU}(x) = \max(0, x)$ element-wise.

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
        If ``x`` is not real-valued, or is float16.

    References
    ----------
    Nair and Hinton, "Rectified Linear Units Improve Restricted Boltzmann Machines",
    ICML 2010.

    Examples
    --------
    ```python
    import numpy as np
    from nnmath import relu

    assert np.array_equal(relu(np.array([-2.0, 0.0, 3.0])), [0.0, 0.0, 3.0])
    ```
    """
    return np.maximum(x, 0)


@guarded(_real_array)
def relu_derivative(x):
    r"""Derivative of [`relu`][nnmath.relu]: 1 where $x > 0$, else 0 (also at 0).

    Parameters
    ----------
    x : array_like of float, any shape
        Pre-activations.

    Returns
    -------
    numpy.ndarray
        1 where ``x > 0``, 0 where ``x <= 0``, NaN where ``x`` is NaN; same shape and
        float dtype as ``x``.

    Raises
    ------
    TypeError
        If ``x`` is not real-valued, or is float16.

    Notes
    -----
    $\operatorname{ReLU}'(0) = 0$ is a choice (any value in $[0, 1]$ is a
    subgradient); PyTorch makes the same one.

    References
    ----------
    Goodfellow et al., *Deep Learning* (2016), section 6.3.1.

    Examples
    --------
    ```python
    import numpy as np
    from nnmath import relu_derivative

    x = np.array([-2.0, 0.0, 3.0])
    assert np.array_equal(relu_derivative(x), [0.0, 0.0, 1.0])
    ```
    """
    slope = np.array(x > 0, dtype=x.dtype)  # 1 where x > 0, else 0: ReLU'(0) = 0
    slope[np.isnan(x)] = np.nan  # NaN in, NaN out
    return slope


@guarded(_real_array)
def tanh(x):
    r"""Hyperbolic tangent element-wise, $\tanh(x) = 2\sigma(2x) - 1$.

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
        If ``x`` is not real-valued, or is float16.

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
    return np.tanh(x)


@guarded(_real_array)
def tanh_derivative(x):
    r"""Derivative of [`tanh`][nnmath.tanh], $\tanh'(x) = 1 - \tanh^2(x)$.

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
        If ``x`` is not real-valued, or is float16.

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
    # e = e^{-2|x|} in (0, 1]; beyond |x| = 400 it is 0 anyway, and 2|x| stays finite
    e = np.exp(-2 * np.minimum(np.abs(x), 400.0))
    d = 4 * e / ((1 + e) * (1 + e))  # 1 - tanh^2 without the cancellation near 1
    return np.minimum(d, 1.0)  # near 0, rounding could overshoot the peak by an ulp


def shift_by_max(z, axis=-1):
    r"""Return ``shifted, error`` with ``shifted + error == z - max(z)`` exactly.

    ``z - m`` rounds: ``0.1 - 700.3`` keeps 13 of 0.1's 17 digits, and ``exp`` turns an
    absolute error in its argument into a relative one of the same size, hundreds of
    ulps. TwoSum recovers the rounding error exactly from four more subtractions (Knuth,
    *TAOCP* vol. 2, section 4.2.2); softmax and log-softmax add it back to first order.
    """
    m = z.max(axis=axis, keepdims=True)
    shifted = z - m
    z_part = shifted + m  # the part of shifted that came from z ...
    m_part = shifted - z_part  # ... and from -m; what is left of each is the error
    error = (z - z_part) - (m + m_part)
    return shifted, error


def _logits(z, axis=-1):
    z = as_float_array(z, "z")
    check_ndim(z, "z", (1, 2))
    if (
        isinstance(axis, bool)
        or not isinstance(axis, (int, np.integer))
        or not -z.ndim <= axis < z.ndim
    ):
        raise ValueError(
            f"axis must be an int in [-{z.ndim}, {z.ndim}) for z.shape={z.shape}, "
            f"got {axis!r}"
        )
    if z.shape[axis] == 0:
        raise ValueError(
            f"z must have at least one entry along axis {axis}, got shape {z.shape}"
        )
    if np.isnan(z).any() or np.isposinf(z).any():
        raise ValueError("z must not contain NaN or +inf: softmax is undefined there")
    if np.isneginf(z).all(axis=axis).any():
        raise ValueError(
            f"every slice of z along axis {axis} needs a finite logit, got all -inf"
        )
    return z, axis


@guarded(_logits)
def softmax(z, axis=-1):
    r"""Softmax along ``axis``, with the maximum subtracted so that nothing overflows.

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
        If ``z`` is not real-valued, or is float16.
    ValueError
        If ``z`` is not 1-D or 2-D, ``axis`` is not an axis of ``z``, the class axis is
        empty, ``z`` contains NaN or $+\infty$, or a slice is entirely $-\infty$.

    Notes
    -----
    $$
    % eq:softmax
    \operatorname{softmax}(\mathbf{z})_i = \frac{e^{z_i - m}}{\sum_j e^{z_j - m}},
    \quad m = \max_j z_j
    $$

    References
    ----------
    Goodfellow et al., *Deep Learning* (2016), sections 4.1 and 6.2.2.3.

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
    with np.errstate(over="ignore", invalid="ignore"):  # a gap beyond the float range
        shifted, error = shift_by_max(z, axis)  # gives e^-inf = 0, and error NaN there
    e = np.exp(shifted)
    e += e * np.where(np.isnan(error), 0.0, error)  # e^(shifted + error), first order
    return e / e.sum(axis=axis, keepdims=True)


def _logits_last_axis(z):
    return (_logits(z)[0],)


@guarded(_logits_last_axis)
def softmax_jacobian(z):
    r"""Jacobian of [`softmax`][nnmath.softmax] over the last axis.

    $$
    % eq:softmax-jacobian
    J = \operatorname{diag}(\mathbf{s}) - \mathbf{s}\mathbf{s}^\top
    $$

    Parameters
    ----------
    z : array_like of float, shape (classes,) or (batch, classes)
        Logits.

    Returns
    -------
    numpy.ndarray
        Shape ``(classes, classes)`` for a 1-D ``z``, ``(batch, classes, classes)`` for
        a 2-D one; entry ``[..., i, j]`` is $\partial s_i / \partial z_j$.

    Raises
    ------
    TypeError, ValueError
        As for [`softmax`][nnmath.softmax].

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
    s = softmax(z)
    eye = np.eye(s.shape[-1], dtype=s.dtype)
    return s[..., :, None] * eye - s[..., :, None] * s[..., None, :]


def _logits_and_upstream(z, grad_output):
    (z,) = _logits_last_axis(z)
    g = as_float_array(grad_output, "grad_output")
    check_finite(g, "grad_output")
    if g.shape != z.shape:
        raise ValueError(
            "grad_output must have the shape of z, "
            f"got grad_output.shape={g.shape} and z.shape={z.shape}"
        )
    return z, g


@guarded(_logits_and_upstream)
def softmax_backward(z, grad_output):
    r"""Backpropagate ``grad_output`` through [`softmax`][nnmath.softmax], $O(n)$ a row.

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
        As for [`softmax`][nnmath.softmax]; ValueError also if the shapes differ or
        ``grad_output`` holds NaN or an infinity.

    Notes
    -----
    $\partial L / \partial z_j = s_j \bigl(g_j - \sum_i g_i s_i\bigr)$, the product
    $J\mathbf{g}$ without forming $J$.

    References
    ----------
    Goodfellow et al., *Deep Learning* (2016), section 6.5.

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
    s = softmax(z)
    return s * (grad_output - (grad_output * s).sum(axis=-1, keepdims=True))
