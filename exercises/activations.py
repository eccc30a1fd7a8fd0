"""Exercises of the page "Activation functions" (docs/activations.md, Exercises).

Fill in or fix each function, then check your work from the repository root:

    .venv/bin/python -m exercises --page activations

Worked solutions: the folded blocks on the page, or exercises/solutions/activations.py.
"""

import nnmath  # noqa: F401  (for the code you write)
import numpy as np


def silu_derivative(x):
    """activations.1 (derive): the derivative of SiLU, silu(x) = x * sigmoid(x).

    x : numpy array of float, any shape. Returns silu'(x), element-wise, same shape.
    Must not overflow (no RuntimeWarning) for x = -1000 or x = 1000.
    You may use nnmath.sigmoid and nnmath.sigmoid_derivative.
    """
    raise NotImplementedError


def softmax(Z):
    """activations.2 (debug): softmax along the last axis. This code has a bug: fix it.

    Z : numpy array of float, shape (B, C) (a batch of logits) or (C,).
    Returns the probabilities, same shape; each row sums to 1.
    It is right for small logits and breaks on others: find which, and why.
    """
    E = np.exp(Z)
    return E / E.sum(axis=-1, keepdims=True)
