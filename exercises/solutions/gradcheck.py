"""Worked solutions of the exercises of "Gradient checking"."""

import numpy as np


def numerical_gradient(f, x, h=1e-6):
    """gradcheck.1: central differences, one entry at a time."""
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        original = x[i]
        x[i] = original + h
        f_plus = f(x)
        x[i] = original - h
        f_minus = f(x)
        x[i] = original  # put the entry back before moving to the next one
        grad[i] = (f_plus - f_minus) / (2 * h)  # error O(h^2), one-sided is O(h)
    return grad


def linear_backward(X, W, dZ):
    """gradcheck.2: (dX, dW, db) of Z = X W + b."""
    dX = dZ @ W.T
    dW = X.T @ dZ  # the fix: dZ.T @ X is dW transposed, shape (k, n)
    db = dZ.sum(axis=0)
    return dX, dW, db
