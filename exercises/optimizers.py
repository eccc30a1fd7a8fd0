"""Exercises of the page "Gradient descent and Adam" (docs/optimizers.md, Exercises).

Fill in or fix each function, then check your work from the repository root:

    .venv/bin/python -m exercises --page optimizers

Worked solutions: the folded blocks on the page, or exercises/solutions/optimizers.py.
"""

import numpy as np


def largest_stable_learning_rate(H):
    """optimizers.1 (derive): the largest eta for which gradient descent converges.

    For f(theta) = theta @ H @ theta / 2 with H symmetric positive definite, shape
    (d, d), gradient descent theta <- theta - eta H theta converges from every start
    exactly when eta is below a limit. Return that limit, a float.
    """
    raise NotImplementedError


def adam_step(
    theta, grad, m, v, t, learning_rate=1e-3, beta1=0.9, beta2=0.999, epsilon=1e-8
):
    """optimizers.2 (debug): one Adam step, as nnmath.Adam. It has a bug: fix it.

    theta, grad, m, v : arrays of one shape; t : the step number, 1 for the first step.
    Returns the new (theta, m, v). The first step is right; later ones are not.
    """
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad**2
    m_hat = m / (1 - beta1)
    v_hat = v / (1 - beta2)
    theta = theta - learning_rate * m_hat / (np.sqrt(v_hat) + epsilon)
    return theta, m, v
