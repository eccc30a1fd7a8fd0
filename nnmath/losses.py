r"""Loss functions and their gradients with respect to the predictions.

Every loss returns a Python float and refuses input it cannot score: shapes that differ
(no broadcasting), empty arrays, NaN or infinities. ``mse`` averages over every element;
the cross-entropies average over the rows of a batch (a 1-D input is one sample).
"""

from __future__ import annotations

import numpy as np

from ._validation import (
    as_float_array,
    check_distribution,
    check_finite,
    check_ndim,
    check_not_empty,
    check_real,
    check_same_shape,
    guarded,
)
from .activations import shift_by_max, softmax

__all__ = [
    "mse",
    "mse_gradient",
    "cross_entropy",
    "cross_entropy_gradient",
    "softmax_cross_entropy",
    "softmax_cross_entropy_gradient",
    "softmax_cross_entropy_and_gradient",
    "log_softmax",
]


def _pair(y_pred, y_true, name_pred="y_pred", ndims=None):
    y_pred = as_float_array(y_pred, name_pred)
    y_true = as_float_array(y_true, "y_true")
    if ndims is not None:
        check_ndim(y_pred, name_pred, ndims)
    check_same_shape(y_pred, y_true, name_pred, "y_true")
    check_not_empty(y_pred, name_pred)
    check_finite(y_pred, name_pred)
    check_finite(y_true, "y_true")
    return y_pred, y_true.astype(y_pred.dtype, copy=False)


def _predictions(y_pred, y_true):
    return _pair(y_pred, y_true)


@guarded(_predictions)
def mse(y_pred, y_true):
    r"""Mean squared error over every element.

    $$
    % eq:mse
    L = \frac{1}{N}\sum_i (y_i - \hat y_i)^2
    $$

    Parameters
    ----------
    y_pred : array_like of float, any shape
        Predictions $\hat{y}$.
    y_true : array_like of float, same shape as y_pred
        Targets $y$.

    Returns
    -------
    float
        $L \ge 0$, averaged over all $N$ elements (not only the rows).

    Raises
    ------
    TypeError
        If an input is not real-valued, or is float16.
    ValueError
        If the shapes differ (no broadcasting), the input is empty, or holds NaN or an
        infinity.

    References
    ----------
    Goodfellow et al., *Deep Learning* (2016), section 5.5.1.

    Examples
    --------
    ```python
    from nnmath import mse

    assert mse([1.0, 2.0], [1.0, 4.0]) == 2.0  # (0 + 4) / 2
    ```
    """
    diff = y_pred - y_true
    return float((diff * diff).mean())


@guarded(_predictions)
def mse_gradient(y_pred, y_true):
    r"""Gradient of [`mse`][nnmath.mse].

    $$
    % eq:mse
    \partial L / \partial \hat y_i = \frac{2}{N}(\hat y_i - y_i)
    $$

    Parameters
    ----------
    y_pred : array_like of float, any shape
    y_true : array_like of float, same shape as y_pred

    Returns
    -------
    numpy.ndarray
        Same shape and float dtype as ``y_pred``; $N$ counts every element.

    Raises
    ------
    TypeError, ValueError
        As for [`mse`][nnmath.mse].

    References
    ----------
    Goodfellow et al., *Deep Learning* (2016), section 5.5.1.

    Examples
    --------
    ```python
    import numpy as np
    from nnmath import mse_gradient

    assert np.array_equal(mse_gradient([1.0, 2.0], [1.0, 4.0]), [0.0, -2.0])
    ```
    """
    return (2 / y_pred.size) * (y_pred - y_true)


def _probabilities(y_pred, y_true, epsilon=1e-15):
    y_pred, y_true = _pair(y_pred, y_true, ndims=(1, 2))
    if not 0 < check_real(epsilon, "epsilon") < 1:
        raise ValueError(f"epsilon must be in (0, 1), got {epsilon}")
    if np.any(y_pred < 0) or np.any(y_pred > 1):
        raise ValueError(
            f"y_pred must hold probabilities in [0, 1], got values from "
            f"{y_pred.min()} to {y_pred.max()}; "
            "pass logits to softmax_cross_entropy instead"
        )
    check_distribution(y_true)
    return y_pred, y_true, float(epsilon)


@guarded(_probabilities)
def cross_entropy(y_pred, y_true, epsilon=1e-15):
    r"""Cross-entropy of predicted probabilities, $L = -\sum_i y_i \log \hat y_i$.

    Parameters
    ----------
    y_pred : array_like of float, shape (classes,) or (batch, classes)
        Predicted probabilities in $[0, 1]$ (for example softmax outputs).
    y_true : array_like of float, same shape as y_pred
        One-hot or soft targets: entries in $[0, 1]$, each row summing to 1.
    epsilon : float, default 1e-15
        Predictions are clipped to $[\epsilon, 1]$ before the log, so a probability
        of exactly 0 gives a large finite loss instead of $\infty$.

    Returns
    -------
    float
        The loss of one sample (1-D input) or the mean over the rows (2-D input).

    Raises
    ------
    TypeError
        If an input is not real-valued, or is float16.
    ValueError
        If the shapes differ, an input is not 1-D or 2-D, is empty or not finite,
        ``y_pred`` leaves $[0, 1]$, a row of ``y_true`` is not a distribution, or
        ``epsilon`` is not in $(0, 1)$.

    References
    ----------
    Goodfellow et al., *Deep Learning* (2016), sections 3.13 and 6.2.2.3.

    Examples
    --------
    ```python
    import numpy as np
    from nnmath import cross_entropy

    assert np.isclose(cross_entropy([0.7, 0.2, 0.1], [1, 0, 0]), -np.log(0.7))
    assert np.isfinite(cross_entropy([0.0, 1.0], [1.0, 0.0]))  # log 0 clipped
    ```
    """
    batch = y_pred.shape[0] if y_pred.ndim == 2 else 1
    return float(-(y_true * np.log(np.clip(y_pred, epsilon, 1.0))).sum() / batch)


@guarded(_probabilities)
def cross_entropy_gradient(y_pred, y_true, epsilon=1e-15):
    r"""Gradient of [`cross_entropy`][nnmath.cross_entropy].

    $$
    % eq:cross-entropy-batch
    \frac{\partial L}{\partial \hat Y_{ic}} = -\frac{1}{B}\, Y_{ic} / \hat Y_{ic}
    $$

    Parameters
    ----------
    y_pred : array_like of float, shape (classes,) or (batch, classes)
        Predicted probabilities in $[0, 1]$.
    y_true : array_like of float, same shape as y_pred
        One-hot or soft targets.
    epsilon : float, default 1e-15
        The clip of [`cross_entropy`][nnmath.cross_entropy].

    Returns
    -------
    numpy.ndarray
        $\partial L / \partial \hat{y}$, same shape and float dtype as ``y_pred``;
        0 where the clip is active ($\hat{y}_i < \epsilon$), where the clipped loss
        is flat. $B$ is the number of rows (1 for a 1-D input).

    Raises
    ------
    TypeError, ValueError
        As for [`cross_entropy`][nnmath.cross_entropy].

    References
    ----------
    Goodfellow et al., *Deep Learning* (2016), section 6.2.2.3.

    Examples
    --------
    ```python
    import numpy as np
    from nnmath import cross_entropy_gradient

    g = cross_entropy_gradient([0.5, 0.5], [1.0, 0.0])
    assert np.allclose(g, [-2.0, 0.0])
    ```
    """
    batch = y_pred.shape[0] if y_pred.ndim == 2 else 1
    clipped = np.clip(y_pred, epsilon, 1.0)
    grad = np.where(y_pred >= epsilon, -y_true / clipped, 0.0).astype(y_pred.dtype)
    return grad / batch


def _finite_logits(z):
    z = as_float_array(z, "z")
    check_ndim(z, "z", (1, 2))
    check_not_empty(z, "z")
    check_finite(z, "z")
    return (z,)


@guarded(_finite_logits)
def log_softmax(z):
    r"""Log of [`softmax`][nnmath.softmax] over the last axis.

    $$
    % eq:log-softmax
    \log \operatorname{softmax}(\mathbf{z})_i = z_i - m - \log\sum_j e^{z_j - m}
    $$

    Parameters
    ----------
    z : array_like of float, shape (classes,) or (batch, classes)
        Finite logits.

    Returns
    -------
    numpy.ndarray
        Same shape and float dtype as ``z``, finite.

    Raises
    ------
    TypeError
        If ``z`` is not real-valued, or is float16.
    ValueError
        If ``z`` is not 1-D or 2-D, is empty, or is not finite; or if a row's logits
        lie further apart than the float range ($1.8\times10^{308}$ in float64): the
        smallest log-probability is then below it, and no float can hold it (the
        cross-entropies raise for the same reason).

    References
    ----------
    Goodfellow et al., *Deep Learning* (2016), section 4.1.

    Examples
    --------
    ```python
    import numpy as np
    from nnmath import log_softmax

    assert np.allclose(log_softmax(np.array([0.0, -2000.0])), [0.0, -2000.0])
    ```
    """
    shifted, error = shift_by_max(z)  # z - m == shifted + error, exactly
    others = np.exp(shifted)
    others += others * error  # e^(shifted + error), to first order (error < 1 ulp)
    # the largest term is e^0 = 1: leave it out of the sum ...
    rows = others.reshape(-1, others.shape[-1])  # a view, one row per sample
    rows[np.arange(len(rows)), rows.argmax(axis=-1)] = 0.0
    return shifted - np.log1p(others.sum(axis=-1, keepdims=True))  # and add it exactly


def _logits_and_targets(logits, y_true):
    logits, y_true = _pair(logits, y_true, name_pred="logits", ndims=(1, 2))
    check_distribution(y_true)
    return logits, y_true


@guarded(_logits_and_targets)
def softmax_cross_entropy(logits, y_true):
    r"""Cross-entropy of ``softmax(logits)``.

    $$
    % eq:softmax-cross-entropy
    L(\mathbf{z}) = -\sum_i y_i \log \operatorname{softmax}(\mathbf{z})_i
    $$

    Parameters
    ----------
    logits : array_like of float, shape (classes,) or (batch, classes)
        Raw scores $\mathbf{z}$, any finite values.
    y_true : array_like of float, same shape as logits
        One-hot or soft targets, each row a probability distribution.

    Returns
    -------
    float
        The loss of one sample (1-D) or the mean over the rows (2-D).

    Raises
    ------
    TypeError
        If an input is not real-valued, or is float16.
    ValueError
        If the shapes differ, an input is not 1-D or 2-D, is empty or not finite, or
        a row of ``y_true`` is not a distribution.

    References
    ----------
    Goodfellow et al., *Deep Learning* (2016), section 6.2.2.3.

    Examples
    --------
    ```python
    import numpy as np
    from nnmath import softmax_cross_entropy

    # a confident, correct prediction costs almost nothing, even with huge logits
    z, y = np.array([1000.0, 0.0]), np.array([1.0, 0.0])
    assert softmax_cross_entropy(z, y) < 1e-12
    ```
    """
    batch = logits.shape[0] if logits.ndim == 2 else 1
    return float(-(y_true * log_softmax(logits)).sum() / batch)


@guarded(_logits_and_targets)
def softmax_cross_entropy_gradient(logits, y_true):
    r"""Gradient of [`softmax_cross_entropy`][nnmath.softmax_cross_entropy].

    $$
    % eq:softmax-cross-entropy-gradient
    dZ = \frac{1}{B}(\operatorname{softmax}(Z) - Y)
    $$

    Parameters
    ----------
    logits : array_like of float, shape (classes,) or (batch, classes)
    y_true : array_like of float, same shape as logits

    Returns
    -------
    numpy.ndarray
        $\partial L / \partial \mathbf{z}$, same shape and float dtype as ``logits``;
        $B$ is the number of rows (1 for a 1-D input).

    Raises
    ------
    TypeError, ValueError
        As for [`softmax_cross_entropy`][nnmath.softmax_cross_entropy].

    References
    ----------
    Goodfellow et al., *Deep Learning* (2016), section 6.2.2.3.

    Examples
    --------
    ```python
    import numpy as np
    from nnmath import softmax, softmax_cross_entropy_gradient

    z, y = np.array([2.0, 1.0, 0.1]), np.array([0.0, 1.0, 0.0])
    assert np.allclose(softmax_cross_entropy_gradient(z, y), softmax(z) - y)
    ```
    """
    batch = logits.shape[0] if logits.ndim == 2 else 1
    return (softmax(logits) - y_true) / batch


def _finite_loss(value):
    loss = value[0]
    if not np.isfinite(loss):
        raise ValueError(
            f"the loss is {loss}: the logits, the targets or the weights behind them "
            "hold NaN or overflowed; nothing was changed"
        )


@guarded(_logits_and_targets, result=_finite_loss)
def softmax_cross_entropy_and_gradient(logits, y_true):
    r"""Softmax cross-entropy and its gradient from one log-softmax.

    Parameters
    ----------
    logits : array_like of float, shape (classes,) or (batch, classes)
    y_true : array_like of float, same shape as logits

    Returns
    -------
    loss : float
        As [`softmax_cross_entropy`][nnmath.softmax_cross_entropy] returns it.
    grad : numpy.ndarray
        As [`softmax_cross_entropy_gradient`][nnmath.softmax_cross_entropy_gradient]
        returns it: $\frac{1}{B}(\operatorname{softmax}(\mathbf{z}) - \mathbf{y})$.

    Raises
    ------
    TypeError, ValueError
        As for [`softmax_cross_entropy`][nnmath.softmax_cross_entropy].
        ValueError also if the loss is not finite, checked on every call (inside
        [`train_step`][nnmath.train_step] too, before any weight changes).

    References
    ----------
    Goodfellow et al., *Deep Learning* (2016), section 6.2.2.3.

    Examples
    --------
    ```python
    import numpy as np
    from nnmath import (
        softmax_cross_entropy,
        softmax_cross_entropy_and_gradient,
        softmax_cross_entropy_gradient,
    )

    z, y = np.array([[2.0, 1.0, 0.1]]), np.array([[0.0, 1.0, 0.0]])
    loss, grad = softmax_cross_entropy_and_gradient(z, y)
    assert np.isclose(loss, softmax_cross_entropy(z, y))
    assert np.allclose(grad, softmax_cross_entropy_gradient(z, y))
    ```
    """
    batch = logits.shape[0] if logits.ndim == 2 else 1
    log_p = log_softmax(logits)  # log of the predicted probabilities, computed once
    loss = float(-(y_true * log_p).sum() / batch)
    return loss, (np.exp(log_p) - y_true) / batch
