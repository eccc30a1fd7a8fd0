r"""Numerical gradients by central differences, and the error measure to compare them.

Every derivative in the package is tested with these two functions: a formula
that disagrees with a finite difference is wrong, however plausible it looks.
"""

from __future__ import annotations

import numpy as np

from ._validation import as_float_array, check_finite, check_positive, guarded

__all__ = ["numerical_gradient", "relative_error", "check_gradient"]


def _check_function(f, x):
    """``f`` must be callable and return one finite real number at ``x``."""
    if not callable(f):
        raise TypeError(
            f"f must be a function returning a float, got {type(f).__name__}"
        )
    value = np.asarray(f(x))
    if value.shape != () or value.dtype.kind not in "iuf":
        raise ValueError(
            "f must return a single real number, "
            f"got {value.dtype} of shape {value.shape}"
        )
    if not np.isfinite(value):
        raise ValueError(f"f(x) must be finite at the point x, got {value}")


def _point_and_step(f, x, h=1e-6):
    if not isinstance(x, np.ndarray) or x.dtype.kind != "f":
        got = (
            f"an array of {x.dtype}" if isinstance(x, np.ndarray) else type(x).__name__
        )
        raise TypeError(
            "x must be a float numpy array perturbable in place (np.asarray(x, "
            f"dtype=np.float64) makes one), got {got}"
        )
    as_float_array(x, "x")  # float32 or float64: extended precision is refused too
    h = check_positive(h, "h")
    check_finite(x, "x")
    with np.errstate(over="ignore"):  # x near the float range: moved is inf, not x
        moved = x + h * np.maximum(1.0, np.abs(x)).astype(x.dtype)
    if np.any(moved == x):
        raise ValueError(
            f"h={h} is lost to rounding in {x.dtype}: x + h max(1, |x|) equals x "
            "at some entry; use float64 or a larger h"
        )
    _check_function(f, x)
    return f, x, h


def _finite_estimate(grad):
    # f(x) was finite (checked), so a NaN or inf here came from f at x +- h
    bad = np.argwhere(~np.isfinite(grad))
    if len(bad):
        where = ", ".join(str(tuple(int(j) for j in i)) for i in bad[:5])
        raise ValueError(
            f"f is not finite within the step of x at entries {where}: f(x) is "
            "finite, but f(x + h) or f(x - h) is NaN or infinite there (x sits at "
            "the edge of f's domain); move x inside it or use a smaller h"
        )


@guarded(_point_and_step, calls_user_code=True, result=_finite_estimate)
def numerical_gradient(f, x, h=1e-6):
    r"""Central-difference estimate of the gradient of a scalar function.

    Parameters
    ----------
    f : callable
        ``f(x) -> float``. It is called with ``x`` itself after one entry has
        been nudged, so ``f`` may also ignore its argument and read ``x``
        through a layer that holds the same array (e.g. ``layer.weights``).
    x : numpy.ndarray of float, any shape
        The point. Perturbed in place one entry at a time and restored exactly
        before returning, also when ``f`` raises. Use float64: see Notes.
    h : float, default 1e-6
        Relative step, $> 0$: entry $x_i$ moves by $h \max(1, |x_i|)$, so that the
        step is not lost to rounding when $|x_i|$ is large.

    Returns
    -------
    numpy.ndarray
        The estimate of $\nabla f(x)$, same shape and dtype as ``x``.

    Raises
    ------
    TypeError
        If ``x`` is not a float NumPy array (it must be perturbable in place),
        or ``f`` is not callable.
    ValueError
        If ``h`` is not a positive finite number, the step is lost to rounding
        ($x_i + h_i = x_i$ in the dtype of ``x``: the estimate would be 0), ``x``
        holds NaN or an infinity, ``f(x)`` is not one finite real number, or ``f``
        is not finite at a perturbed point $x \pm h_i e_i$.

    Notes
    -----
    $$
    % eq:central-difference
    \frac{\partial f}{\partial x_i} \approx
    \frac{f(x + h_i e_i) - f(x - h_i e_i)}{2 h_i}, \qquad h_i = h \max(1, |x_i|)
    $$

    (dividing by the difference of the two points as stored, not by $2h_i$).

    The error is $O(h^2)$ plus rounding of about $\varepsilon_{\text{mach}} |f| / h$:
    use float64.

    References
    ----------
    CS231n course notes, "Neural Networks Part 3: Learning and Evaluation",
    gradient checks; Goodfellow et al., *Deep Learning* (2016), section 11.5.

    Examples
    --------
    ```python
    import numpy as np
    from nnmath import numerical_gradient

    x = np.array([1.0, 2.0, 3.0])
    g = numerical_gradient(lambda v: np.sum(v**3), x)
    assert np.allclose(g, 3 * x**2, rtol=1e-8)
    ```
    """
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        original = x[i]
        step = h * max(1.0, abs(float(original)))  # relative: x + step differs from x
        try:
            x[i] = original + step
            x_plus, f_plus = x[i], f(x)
            x[i] = original - step
            x_minus, f_minus = x[i], f(x)
        finally:
            x[i] = original  # restore exactly, even if f raises
        grad[i] = (f_plus - f_minus) / (float(x_plus) - float(x_minus))  # stored steps
    return grad


def _two_gradients(a, b):
    a = as_float_array(a, "a").astype(np.float64)
    b = as_float_array(b, "b").astype(np.float64)
    if a.shape != b.shape:
        raise ValueError(
            f"a and b must have the same shape, got {a.shape} and {b.shape}"
        )
    check_finite(a, "a")
    check_finite(b, "b")
    return a, b


@guarded(_two_gradients)
def relative_error(a, b):
    r"""Norm-wise relative error between two gradients of the same shape.

    Parameters
    ----------
    a, b : array_like of float, same shape
        Typically the analytic and the numerical gradient.

    Returns
    -------
    float
        $\|a - b\|_2 / (\|a\|_2 + \|b\|_2)$, between 0 and 1, computed on
        $a$ and $b$ divided by their largest entry, so that no norm overflows or
        underflows. Two all-zero arrays give 0.

    Raises
    ------
    TypeError
        If an input is not real-valued, or is float16.
    ValueError
        If the shapes differ or an input holds NaN or an infinity.

    Notes
    -----
    $$
    % eq:relative-error
    e = \frac{\lVert a - b \rVert_2}{\lVert a \rVert_2 + \lVert b \rVert_2}
    $$

    References
    ----------
    CS231n course notes, "Neural Networks Part 3", gradient checks.

    Examples
    --------
    ```python
    from nnmath import relative_error

    assert relative_error([1.0, 2.0], [1.0, 2.0]) == 0.0
    assert 0.0 < relative_error([1.0, 2.0], [1.0, 2.000001]) < 1e-6
    ```
    """
    scale = max(np.abs(a).max(initial=0.0), np.abs(b).max(initial=0.0))
    if scale == 0.0:  # two zero gradients agree
        return 0.0
    a, b = (
        a / scale,
        b / scale,
    )  # entries in [-1, 1]: the norms neither overflow nor vanish
    return float(np.linalg.norm(a - b) / (np.linalg.norm(a) + np.linalg.norm(b)))


def _gradient_check_args(f, x, analytic, h=1e-6):
    analytic = as_float_array(analytic, "analytic")
    check_finite(analytic, "analytic")  # named here: relative_error would say "a"
    if isinstance(x, np.ndarray) and analytic.shape != x.shape:
        raise ValueError(
            "analytic must have the shape of x, "
            f"got analytic.shape={analytic.shape} and x.shape={x.shape}"
        )
    return f, x, analytic, h


@guarded(_gradient_check_args, calls_user_code=True)
def check_gradient(f, x, analytic, h=1e-6):
    r"""Relative error between ``analytic`` and the numerical gradient of ``f``.

    Parameters
    ----------
    f : callable
        Scalar function, as for [`numerical_gradient`][nnmath.numerical_gradient].
    x : numpy.ndarray of float
        The point (perturbed in place and restored).
    analytic : array_like of float, same shape as x
        The gradient your formula gives at ``x``.
    h : float, default 1e-6
        Finite-difference step.

    Returns
    -------
    float
        [`relative_error`][nnmath.relative_error] of the two gradients.

    Raises
    ------
    TypeError, ValueError
        As for [`numerical_gradient`][nnmath.numerical_gradient] and
        [`relative_error`][nnmath.relative_error]; ValueError also if ``analytic``
        does not have the shape of ``x``.

    Notes
    -----
    $$
    % eq:relative-error
    e = \frac{\lVert g_{\text{an}} - g_{\text{num}} \rVert_2}
             {\lVert g_{\text{an}} \rVert_2 + \lVert g_{\text{num}} \rVert_2}
    $$

    References
    ----------
    CS231n course notes, "Neural Networks Part 3", gradient checks.

    Examples
    --------
    ```python
    import numpy as np
    from nnmath import check_gradient, tanh, tanh_derivative

    x = np.random.default_rng(0).normal(size=5)
    assert check_gradient(lambda v: tanh(v).sum(), x, tanh_derivative(x)) < 1e-7
    ```
    """
    return relative_error(analytic, numerical_gradient(f, x, h))
