"""Exercises of the page "Gradient checking" (docs/gradcheck.md, section Exercises).

Fill in or fix each function, then check your work from the repository root:

    .venv/bin/python -m exercises --page gradcheck

Worked solutions: the folded blocks on the page, or exercises/solutions/gradcheck.py.
"""

import nnmath  # noqa: F401  (for the code you write: nnmath.check_gradient)
import numpy as np  # noqa: F401


def numerical_gradient(f, x, h=1e-6):
    """gradcheck.1 (implement): the central-difference gradient of f at x.

    f : a function of an array like x, returning one float; x : float array, any shape;
    h : the step. Returns the estimate of the gradient, shape of x. x may be changed
    during the call but must hold its original values afterwards.
    Do not use nnmath.numerical_gradient.
    """
    raise NotImplementedError


def linear_backward(X, W, dZ):
    """gradcheck.2 (debug): (dX, dW, db) of Z = X W + b. One gradient is wrong.

    X : (B, n); W : (n, k); dZ : (B, k). Returns gradients of the shapes of X, W, b.
    On a square layer (n = k) every shape is right: find the wrong gradient with
    nnmath.check_gradient, then fix it.
    """
    dX = dZ @ W.T
    dW = dZ.T @ X
    db = dZ.sum(axis=0)
    return dX, dW, db
