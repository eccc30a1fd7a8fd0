"""Worked solutions of the exercises of "Gradient descent and Adam"."""

import numpy as np


def largest_stable_learning_rate(H):
    """optimizers.1: 2 / (largest eigenvalue of H)."""
    # In the eigenvectors of H each coordinate is multiplied by 1 - eta lambda_j per
    # step; all of them shrink iff |1 - eta lambda_j| < 1 for every j, that is
    # 0 < eta < 2 / lambda_j: the largest eigenvalue sets the limit.
    return float(2 / np.linalg.eigvalsh(H).max())


def adam_step(
    theta, grad, m, v, t, learning_rate=1e-3, beta1=0.9, beta2=0.999, epsilon=1e-8
):
    """optimizers.2: one Adam step."""
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad**2
    m_hat = m / (1 - beta1**t)  # the fix: the correction depends on the step t
    v_hat = v / (1 - beta2**t)
    theta = theta - learning_rate * m_hat / (np.sqrt(v_hat) + epsilon)
    return theta, m, v
