r"""A single artificial neuron: a weighted sum, a bias, and an activation."""

from __future__ import annotations

import numpy as np

from ._validation import (
    as_float_array,
    check_finite,
    check_ndim,
    check_not_empty,
    check_real,
    check_same_shape,
    guarded,
)
from .activations import sigmoid

__all__ = ["neuron"]


def _neuron_args(x, w, b, activation=sigmoid):
    x = as_float_array(x, "x")
    w = as_float_array(w, "w")
    check_ndim(x, "x", (1,))
    check_ndim(w, "w", (1,))
    check_same_shape(x, w, "x", "w")
    check_not_empty(x, "x")
    check_finite(x, "x")
    check_finite(w, "w")
    if not callable(activation):
        raise TypeError(
            f"activation must be a function such as nnmath.relu, got {activation!r}"
        )
    b = check_real(b, "b")
    with np.errstate(over="ignore", invalid="ignore"):
        z = w @ x + b
    if not np.isfinite(z):
        raise ValueError(
            f"w @ x + b is {z}: the weighted sum leaves the {x.dtype} range "
            f"(|x| up to {np.abs(x).max():.3g}, |w| up to {np.abs(w).max():.3g})"
        )
    return x, w, b, activation


@guarded(_neuron_args, calls_user_code=True)
def neuron(x, w, b, activation=sigmoid):
    r"""Output of one neuron, $y = f(\mathbf{w}^\top \mathbf{x} + b)$.

    Parameters
    ----------
    x : array_like of float, shape (n,)
        One input vector.
    w : array_like of float, shape (n,)
        The neuron's weights, one per input.
    b : float
        The bias.
    activation : callable, default sigmoid
        Element-wise function $f$ applied to the pre-activation, by default
        [`sigmoid`][nnmath.sigmoid].

    Returns
    -------
    float
        The activation $y = f(z)$ of the pre-activation $z$.

    Raises
    ------
    TypeError
        If ``x`` or ``w`` are not real arrays, ``b`` is not a real number, or
        ``activation`` is not callable.
    ValueError
        If ``x`` or ``w`` are not 1-D or are empty, their shapes differ, ``x``, ``w``
        or ``b`` hold NaN or an infinity, or $\mathbf{w}^\top\mathbf{x} + b$ is beyond
        the float range (rather than an overflow warning and $z = \pm\infty$).

    Notes
    -----
    $$
    % eq:neuron
    y = f\left(\mathbf{w}^\top\mathbf{x} + b\right)
      = f\left(\sum_{i=1}^{n} w_i x_i + b\right),
    \qquad \mathbf{x}, \mathbf{w} \in \mathbb{R}^n,\ b \in \mathbb{R}
    $$

    References
    ----------
    Goodfellow et al., *Deep Learning* (2016), section 6.1; Rosenblatt (1958),
    "The perceptron".

    Examples
    --------
    ```python
    from nnmath import neuron, relu

    assert neuron([1.0, 2.0], [0.5, -0.25], 0.0) == 0.5  # z = 0, sigmoid(0) = 0.5
    assert neuron([1.0, 2.0], [0.5, 0.25], 1.0, activation=relu) == 2.0
    ```
    """
    z = w @ x + b  # pre-activation: a weighted sum plus the bias
    return float(activation(z))
