"""Exercises of the page "Backpropagation" (docs/backprop.md, section Exercises).

Fill in or fix each function, then check your work from the repository root:

    .venv/bin/python -m exercises --page backprop

Worked solutions: the folded blocks on the page, or exercises/solutions/backprop.py.
"""

import nnmath
import numpy as np  # noqa: F401  (for the code you write)


def dense_backward(X, W, b, dA):
    """backprop.1 (implement): the backward pass of A = tanh(X W + b).

    X : shape (B, n); W : shape (n, k); b : shape (k,); dA = dL/dA : shape (B, k).
    Returns the tuple (dX, dW, db) with the shapes of X, W and b.
    You may use nnmath.tanh_derivative.
    """
    raise NotImplementedError


def two_layer_gradients(X, Y, W1, b1, W2, b2):
    """backprop.2 (debug): gradients of a two-layer network. One line is wrong: fix it.

    Z1 = X W1 + b1, A1 = sigmoid(Z1), Z2 = A1 W2 + b2, L = mean softmax cross-entropy
    of Z2 against the one-hot Y (nnmath.softmax_cross_entropy).
    X : (B, n); Y : (B, C); W1 : (n, H); b1 : (H,); W2 : (H, C); b2 : (C,).
    Returns (dW1, db1, dW2, db2). The output layer's gradients are right.
    """
    Z1 = X @ W1 + b1
    A1 = nnmath.sigmoid(Z1)
    Z2 = A1 @ W2 + b2
    dZ2 = (nnmath.softmax(Z2) - Y) / X.shape[0]
    dW2 = A1.T @ dZ2
    db2 = dZ2.sum(axis=0)
    dA1 = dZ2 @ W2.T
    dZ1 = dA1 * nnmath.sigmoid_derivative(A1)
    dW1 = X.T @ dZ1
    db1 = dZ1.sum(axis=0)
    return dW1, db1, dW2, db2
