r"""Loss functions and their gradients.

Conventions, used on every page:

- ``mse`` averages over **every element** ($N$ = ``y_pred.size``).
- ``cross_entropy`` and ``softmax_cross_entropy`` sum over classes and average
  over **rows** (the batch); a 1-D input is a single sample.
- Predictions and targets must have exactly the same shape: a column ``(n, 1)``
  against a vector ``(n,)`` raises instead of broadcasting to ``(n, n)``.
- Non-finite inputs (NaN, $\pm\infty$) raise ``ValueError``: a loss of NaN
  would silently stop training.
"""

from __future__ import annotations

import numpy as np

from ._validation import (
    as_float_array,
    check_finite,
    check_ndim,
    check_not_empty,
    check_real,
    check_same_shape,
)

__all__ = [
    "mse",
    "mse_gradient",
    "cross_entropy",
    "cross_entropy_gradient",
    "softmax_cross_entropy",
    "softmax_cross_entropy_gradient",
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


def _check_distribution(y_true, axis=-1):
    """Targets must be probability vectors: entries in [0, 1], each row summing to 1."""
    if np.any(y_true < 0) or np.any(y_true > 1):
        raise ValueError(
            f"y_true must hold probabilities in [0, 1], got values from {y_true.min()} to {y_true.max()}"
        )
    sums = y_true.sum(axis=axis)
    tol = 1e-6 if y_true.dtype == np.float64 else 1e-3
    if not np.allclose(sums, 1.0, rtol=0, atol=tol):
        worst = sums.flat[np.argmax(np.abs(sums - 1))]
        raise ValueError(
            f"each row of y_true must sum to 1 (one-hot or soft labels), found a row summing to {worst}"
        )


# --8<-- [start:mse]
def mse(y_pred, y_true):
    # --8<-- [end:mse]
    r"""Mean squared error, averaged over every element.

    Parameters
    ----------
    y_pred : array_like of float, any shape
        Predictions $\hat{y}$.
    y_true : array_like of float, same shape as y_pred
        Targets $y$.

    Returns
    -------
    float
        $L \ge 0$, zero exactly when ``y_pred == y_true``.

    Raises
    ------
    TypeError
        If an input is not real-valued.
    ValueError
        If the shapes differ (no broadcasting), the input is empty, or holds
        NaN or an infinity.

    Notes
    -----
    $$
    L = \frac{1}{N}\sum_{i=1}^{N} (y_i - \hat{y}_i)^2, \qquad N = \text{number of elements}
    $$

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
    # --8<-- [start:mse-2]
    y_pred, y_true = _pair(y_pred, y_true)
    diff = y_pred - y_true
    return float(np.mean(diff * diff))


def mse_gradient(y_pred, y_true):
    # --8<-- [end:mse-2]
    r"""Gradient of [`mse`][nnmath.mse] with respect to ``y_pred``.

    Parameters
    ----------
    y_pred : array_like of float, any shape
    y_true : array_like of float, same shape as y_pred

    Returns
    -------
    numpy.ndarray
        $\partial L / \partial \hat{y}$, same shape and float dtype as ``y_pred``.

    Raises
    ------
    TypeError, ValueError
        As for [`mse`][nnmath.mse].

    Notes
    -----
    $$
    \frac{\partial L}{\partial \hat{y}_i} = \frac{2}{N}(\hat{y}_i - y_i)
    $$

    $N$ counts every element, not only the rows: a batch of 4 samples with 3
    outputs each has $N = 12$.

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
    # --8<-- [start:mse-3]
    y_pred, y_true = _pair(y_pred, y_true)
    return (2 / y_pred.size) * (y_pred - y_true)


# --8<-- [end:mse-3]


# --8<-- [start:cross_entropy]
def cross_entropy(y_pred, y_true, epsilon=1e-15):
    # --8<-- [end:cross_entropy]
    r"""Cross-entropy between predicted probabilities and target distributions.

    Parameters
    ----------
    y_pred : array_like of float, shape (classes,) or (batch, classes)
        Predicted probabilities, each in $[0, 1]$ (for example softmax outputs).
    y_true : array_like of float, same shape as y_pred
        One-hot or soft targets: entries in $[0, 1]$, each row summing to 1.
    epsilon : float, default 1e-15
        Predictions are clipped to $[\epsilon, 1]$ before the log, so a
        probability of exactly 0 gives a large finite loss instead of
        $\infty$.

    Returns
    -------
    float
        The loss of one sample (1-D input) or the mean over rows (2-D input).

    Raises
    ------
    TypeError
        If an input is not real-valued.
    ValueError
        If the shapes differ, an input is not 1-D or 2-D, is empty or not finite,
        ``y_pred`` leaves $[0, 1]$, ``y_true`` is not a probability
        distribution per row, or ``epsilon`` is not in $(0, 1)$.

    Notes
    -----
    $$
    L = -\sum_{i} y_i \log \hat{y}_i, \qquad
    L_{\text{batch}} = \frac{1}{B}\sum_{b=1}^{B}\Bigl(-\sum_i Y_{bi} \log \hat{Y}_{bi}\Bigr)
    $$

    Prefer [`softmax_cross_entropy`][nnmath.softmax_cross_entropy] on logits:
    it needs no clipping and its gradient is exact.

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
    # --8<-- [start:cross_entropy-2]
    y_pred, y_true = _pair(y_pred, y_true, ndims=(1, 2))
    _check_probabilities(y_pred, epsilon)
    _check_distribution(y_true)
    per_row = -np.sum(y_true * np.log(np.clip(y_pred, epsilon, 1.0)), axis=-1)
    return float(np.mean(per_row))


def cross_entropy_gradient(y_pred, y_true, epsilon=1e-15):
    # --8<-- [end:cross_entropy-2]
    r"""Gradient of [`cross_entropy`][nnmath.cross_entropy] with respect to ``y_pred``.

    Parameters
    ----------
    y_pred, y_true, epsilon
        As for [`cross_entropy`][nnmath.cross_entropy].

    Returns
    -------
    numpy.ndarray
        $\partial L / \partial \hat{y}$, same shape and float dtype as ``y_pred``.
        Where the clip is active ($\hat{y}_i < \epsilon$) the gradient is 0,
        because the clipped function is flat there.

    Raises
    ------
    TypeError, ValueError
        As for [`cross_entropy`][nnmath.cross_entropy].

    Notes
    -----
    $$
    \frac{\partial L}{\partial \hat{Y}_{bi}} = -\frac{1}{B}\,\frac{Y_{bi}}{\hat{Y}_{bi}}
    $$

    with $B = 1$ for a 1-D input.

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
    # --8<-- [start:cross_entropy-3]
    y_pred, y_true = _pair(y_pred, y_true, ndims=(1, 2))
    _check_probabilities(y_pred, epsilon)
    _check_distribution(y_true)
    batch = y_pred.shape[0] if y_pred.ndim == 2 else 1
    clipped = np.clip(y_pred, epsilon, 1.0)
    return np.where(y_pred >= epsilon, -y_true / clipped, 0.0).astype(y_pred.dtype) / batch


# --8<-- [end:cross_entropy-3]


def _check_probabilities(y_pred, epsilon):
    if not 0 < check_real(epsilon, "epsilon") < 1:
        raise ValueError(f"epsilon must be in (0, 1), got {epsilon}")
    if np.any(y_pred < 0) or np.any(y_pred > 1):
        raise ValueError(
            f"y_pred must hold probabilities in [0, 1], got values from "
            f"{y_pred.min()} to {y_pred.max()}; pass logits to softmax_cross_entropy instead"
        )


# --8<-- [start:softmax_cross_entropy]
def log_softmax(z):
    # --8<-- [end:softmax_cross_entropy]
    r"""Logarithm of the softmax over the last axis, via log-sum-exp.

    Parameters
    ----------
    z : array_like of float, shape (classes,) or (batch, classes)
        Finite logits.

    Returns
    -------
    numpy.ndarray
        $\log \operatorname{softmax}(\mathbf{z})$, same shape and float dtype.
        Always finite: a value below the float range (a logit gap over
        $1.8\times10^{308}$ in float64) saturates at ``np.finfo(dtype).min``.

    Raises
    ------
    TypeError
        If ``z`` is not real-valued.
    ValueError
        If ``z`` is not 1-D or 2-D, is empty, or is not finite.

    Notes
    -----
    $$
    \log \operatorname{softmax}(\mathbf{z})_i = z_i - m - \log\sum_j e^{z_j - m},
    \qquad m = \max_j z_j
    $$

    Computing ``log(softmax(z))`` instead would take the log of an underflowed 0
    for very negative logits.

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
    # --8<-- [start:softmax_cross_entropy-2]
    z = as_float_array(z, "z")
    check_ndim(z, "z", (1, 2))
    check_not_empty(z, "z")
    check_finite(z, "z")
    with np.errstate(over="ignore"):  # a gap beyond the float range saturates instead of -inf
        shifted = np.maximum(z - np.max(z, axis=-1, keepdims=True), np.finfo(z.dtype).min)
    return shifted - np.log(np.sum(np.exp(shifted), axis=-1, keepdims=True))


def softmax_cross_entropy(logits, y_true):
    # --8<-- [end:softmax_cross_entropy-2]
    r"""Cross-entropy of ``softmax(logits)`` against ``y_true``, computed stably.

    Parameters
    ----------
    logits : array_like of float, shape (classes,) or (batch, classes)
        Raw scores $\mathbf{z}$, any finite values.
    y_true : array_like of float, same shape as logits
        One-hot or soft targets, each row a probability distribution.

    Returns
    -------
    float
        The loss of one sample (1-D) or the mean over rows (2-D).

    Raises
    ------
    TypeError
        If an input is not real-valued.
    ValueError
        If the shapes differ, an input is not 1-D or 2-D, is empty or not finite,
        or ``y_true`` is not a distribution per row.

    Notes
    -----
    $$
    L = -\sum_i y_i \log \operatorname{softmax}(\mathbf{z})_i
      = -\sum_i y_i \Bigl(z_i - \log\sum_j e^{z_j}\Bigr)
    $$

    References
    ----------
    Goodfellow et al., *Deep Learning* (2016), section 6.2.2.3.

    Examples
    --------
    ```python
    import numpy as np
    from nnmath import softmax_cross_entropy

    # a confident, correct prediction costs almost nothing, even with huge logits
    assert softmax_cross_entropy(np.array([1000.0, 0.0]), np.array([1.0, 0.0])) < 1e-12
    ```
    """
    # --8<-- [start:softmax_cross_entropy-3]
    logits, y_true = _pair(logits, y_true, name_pred="logits", ndims=(1, 2))
    _check_distribution(y_true)
    per_row = -np.sum(y_true * log_softmax(logits), axis=-1)
    return float(np.mean(per_row))


def softmax_cross_entropy_gradient(logits, y_true):
    # --8<-- [end:softmax_cross_entropy-3]
    r"""Gradient of [`softmax_cross_entropy`][nnmath.softmax_cross_entropy] with respect to the logits.

    Parameters
    ----------
    logits, y_true
        As for [`softmax_cross_entropy`][nnmath.softmax_cross_entropy].

    Returns
    -------
    numpy.ndarray
        $\partial L / \partial \mathbf{z}$, same shape and float dtype as ``logits``.

    Raises
    ------
    TypeError, ValueError
        As for [`softmax_cross_entropy`][nnmath.softmax_cross_entropy].

    Notes
    -----
    $$
    \frac{\partial L}{\partial \mathbf{z}}
    = \frac{1}{B}\bigl(\operatorname{softmax}(\mathbf{z}) - \mathbf{y}\bigr)
    $$

    with $B$ the number of rows ($B = 1$ for a 1-D input). This holds for any
    target distribution whose entries sum to 1.

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
    # --8<-- [start:softmax_cross_entropy-4]
    logits, y_true = _pair(logits, y_true, name_pred="logits", ndims=(1, 2))
    _check_distribution(y_true)
    batch = logits.shape[0] if logits.ndim == 2 else 1
    return (np.exp(log_softmax(logits)) - y_true) / batch


# --8<-- [end:softmax_cross_entropy-4]
