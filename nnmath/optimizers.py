r"""Gradient-descent optimizers that update parameter arrays in place.

Both optimizers share one calling convention: ``step(params, grads)`` takes two lists
of arrays of matching shapes (for example ``model.parameters()`` and
``model.gradients()``), updates every parameter in place, and counts as **one** time
step however many parameters there are.
"""

from __future__ import annotations

import operator

import numpy as np

from ._validation import as_float_array, check_positive, check_unit_interval, guarded

__all__ = ["SGD", "Adam"]


def check_state_fits(optimizer, params):
    """An optimizer keeps state per parameter array: each step passes the same arrays.

    On the first step it remembers the arrays (refusing one array listed twice, which
    would be stepped twice); later steps must pass those same arrays in the same order.
    """
    if optimizer._params is None:
        for k, p in enumerate(params):
            for j in range(k):
                if np.may_share_memory(p, params[j]):
                    raise ValueError(
                        f"params[{k}] and params[{j}] are the same array (or views of "
                        "one): it would be stepped twice; list each parameter once"
                    )
        optimizer._params = list(params)
        return
    if len(params) == len(optimizer._params) and all(
        map(operator.is_, params, optimizer._params)
    ):
        return  # the same arrays as before: the usual case, checked in O(1) per array
    shapes, first = [p.shape for p in params], [p.shape for p in optimizer._params]
    if shapes != first:
        raise ValueError(
            f"this optimizer was first stepped with parameter shapes {first}, "
            f"now got {shapes}; use one optimizer per list of parameters"
        )
    for k, (p, q) in enumerate(zip(params, optimizer._params)):
        if p is not q:
            raise ValueError(
                f"params[{k}] is not the array this optimizer was first stepped with: "
                "its state (velocity or moments) belongs to that array; use one "
                "optimizer per list of parameters"
            )


def _step_args(optimizer, params, grads):
    for value, name in ((params, "params"), (grads, "grads")):
        if not isinstance(value, (list, tuple)):
            raise TypeError(
                f"{name} must be a list of arrays, got {type(value).__name__}"
            )
    params, grads = list(params), list(grads)
    if len(params) != len(grads):
        raise ValueError(
            f"params and grads must have the same length, got {len(params)} "
            f"parameters but {len(grads)} gradients"
        )
    checked = []
    for k, (p, g) in enumerate(zip(params, grads)):
        if not isinstance(p, np.ndarray) or p.dtype.kind != "f":
            raise TypeError(
                f"params[{k}] must be a float numpy array updated in place, "
                f"got {type(p).__name__}"
            )
        as_float_array(p, f"params[{k}]")  # float32 or float64
        if not p.flags.writeable:  # refused here, before any parameter has moved
            raise ValueError(
                f"params[{k}] is read-only: the optimizer updates parameters in "
                "place; pass a writeable array (np.array(p) copies one)"
            )
        g = as_float_array(g, f"grads[{k}]")
        if g.shape != p.shape:
            raise ValueError(
                f"params[{k}].shape={p.shape} but grads[{k}].shape={g.shape}"
            )
        largest = np.abs(g).max(initial=0.0)  # NaN if g holds one
        if not np.isfinite(largest):
            raise ValueError(
                f"grads[{k}] contains NaN or inf; refusing to corrupt params[{k}]"
            )
        if isinstance(optimizer, Adam) and largest > np.sqrt(np.finfo(p.dtype).max):
            raise ValueError(
                f"grads[{k}] holds {largest:.3g}, whose square overflows "
                f"{p.dtype} in Adam's second moment: the gradient has exploded "
                "(lower the learning rate or scale the loss)"
            )
        checked.append(g.astype(p.dtype, copy=False))
    check_state_fits(optimizer, params)
    return optimizer, params, checked


def _sgd_args(self, learning_rate, momentum=0.0):
    learning_rate = check_positive(learning_rate, "learning_rate")
    return self, learning_rate, check_unit_interval(momentum, "momentum")


class SGD:
    r"""Stochastic gradient descent, optionally with (heavy-ball) momentum.

    Parameters
    ----------
    learning_rate : float
        Step size $\eta > 0$.
    momentum : float, default 0.0
        $\mu \in [0, 1)$. With 0 this is plain gradient descent.

    Raises
    ------
    ValueError
        On a non-positive learning rate or a momentum outside $[0, 1)$; in ``step``,
        on lists of different lengths, mismatched shapes, non-finite gradients, a
        read-only parameter, one array listed twice, or other arrays than those of the
        first step (the state belongs to those arrays: use one optimizer per model).
    TypeError
        If a hyper-parameter is not a real number; in ``step``, if ``params`` or
        ``grads`` is not a list, a parameter is not a float NumPy array (it could not
        be updated in place) or is float16, or a gradient is not real-valued.

    Notes
    -----
    $\mathbf{v}_t = \mu\,\mathbf{v}_{t-1} + \mathbf{g}_t$ and
    $\theta_t = \theta_{t-1} - \eta\,\mathbf{v}_t$, with $\mathbf{v}_0 = \mathbf{0}$
    (the form of PyTorch's ``torch.optim.SGD``).

    References
    ----------
    Goodfellow et al., *Deep Learning* (2016), sections 8.3.1 and 8.3.2.

    Examples
    --------
    ```python
    import numpy as np
    from nnmath import SGD

    w = np.array([1.0, -2.0])
    SGD(learning_rate=0.1).step([w], [np.array([10.0, 10.0])])
    assert np.allclose(w, [0.0, -3.0])
    ```
    """

    @guarded(_sgd_args)
    def __init__(self, learning_rate, momentum=0.0):
        self.learning_rate, self.momentum = learning_rate, momentum
        self.velocity = None  # one array per parameter, created on the first step
        self._params = None  # the arrays of the first step, which the state is for

    @guarded(_step_args)
    def step(self, params, grads):
        """Apply one update to every array in ``params`` (in place)."""
        if self.momentum == 0.0:
            for p, g in zip(params, grads):
                p -= self.learning_rate * g
            return
        if self.velocity is None:
            self.velocity = [np.zeros_like(p) for p in params]
        for p, g, v in zip(params, grads, self.velocity):
            v *= self.momentum
            v += g
            p -= self.learning_rate * v


def _adam_args(self, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-8):
    return (
        self,
        check_positive(learning_rate, "learning_rate"),
        check_unit_interval(beta1, "beta1"),
        check_unit_interval(beta2, "beta2"),
        check_positive(epsilon, "epsilon"),
    )


class Adam:
    r"""Adam: per-coordinate steps scaled by running moments of the gradient.

    Parameters
    ----------
    learning_rate : float, default 0.001
        Step size $\eta > 0$.
    beta1 : float, default 0.9
        Decay of the first-moment (mean) estimate, in $[0, 1)$.
    beta2 : float, default 0.999
        Decay of the second-moment (uncentred variance) estimate, in $[0, 1)$.
    epsilon : float, default 1e-8
        Added to $\sqrt{\hat{v}_t}$ to avoid dividing by zero; must be $> 0$.

    Attributes
    ----------
    t : int
        Number of steps taken so far, shared by all parameters.
    m, v : list of numpy.ndarray or None
        Moment estimates, one array per parameter, created on the first step.

    Raises
    ------
    ValueError
        On a non-positive ``learning_rate`` or ``epsilon``, or a beta outside
        $[0, 1)$; in ``step``, as for [`SGD`][nnmath.SGD], and on a gradient entry
        whose square overflows (above $\sqrt{\max}$ of the dtype, about
        $1.3\times10^{154}$ in float64).
    TypeError
        If a hyper-parameter is not a real number; in ``step``, as for
        [`SGD`][nnmath.SGD].

    Notes
    -----
    $$
    % eq:adam
    \begin{aligned}
    m_t &= \beta_1 m_{t-1} + (1-\beta_1)\, g_t, \qquad
    v_t = \beta_2 v_{t-1} + (1-\beta_2)\, g_t^2 \\
    \hat{m}_t &= \frac{m_t}{1-\beta_1^t}, \qquad \hat{v}_t = \frac{v_t}{1-\beta_2^t} \\
    \theta_t &= \theta_{t-1}
      - \eta\, \hat{m}_t / \bigl(\sqrt{\hat{v}_t} + \epsilon\bigr)
    \end{aligned}
    $$

    $t$ advances once per call of ``step``, for all parameters together.

    References
    ----------
    Kingma and Ba, "Adam: A Method for Stochastic Optimization", ICLR 2015,
    algorithm 1.

    Examples
    --------
    ```python
    import numpy as np
    from nnmath import Adam

    w = np.array([1.0, -1.0])
    Adam(learning_rate=0.1).step([w], [np.array([3.0, -0.001])])
    # the first step moves each coordinate by about learning_rate, whatever the gradient
    assert np.allclose(w, [0.9, -0.9], atol=1e-4)
    ```
    """

    @guarded(_adam_args)
    def __init__(self, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-8):
        self.learning_rate, self.epsilon = learning_rate, epsilon
        self.beta1, self.beta2 = beta1, beta2
        self.t = 0
        self.m = self.v = None  # one array per parameter, created on the first step
        self._params = None  # the arrays of the first step, which the state is for

    @guarded(_step_args)
    def step(self, params, grads):
        """Apply one Adam update to every array in ``params`` (in place)."""
        if self.m is None:
            self.m = [np.zeros_like(p) for p in params]
            self.v = [np.zeros_like(p) for p in params]
        self.t += 1  # once per step, not once per parameter
        step_size = self.learning_rate / (1 - self.beta1**self.t)  # eta / (1 - beta1^t)
        sqrt_correction2 = (1 - self.beta2**self.t) ** 0.5
        for p, g, m, v in zip(params, grads, self.m, self.v):
            m *= self.beta1
            m += (1 - self.beta1) * g  # m_t
            v *= self.beta2
            v += (1 - self.beta2) * g * g  # v_t
            # theta -= eta m_hat / (sqrt(v_hat) + epsilon), all in one buffer
            update = np.sqrt(v) / sqrt_correction2 + self.epsilon
            np.divide(m, update, out=update)
            update *= step_size
            p -= update
