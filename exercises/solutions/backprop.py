"""Worked solutions of the exercises of "Backpropagation"."""

import nnmath


def dense_backward(X, W, b, dA):
    """backprop.1: (dX, dW, db) of A = tanh(X W + b)."""
    Z = X @ W + b
    dZ = dA * nnmath.tanh_derivative(Z)  # element-wise activation: one product
    dX = dZ @ W.T  # (B, k) (k, n) -> (B, n)
    dW = X.T @ dZ  # (n, B) (B, k) -> (n, k)
    db = dZ.sum(axis=0)  # b was added to every row: sum over the rows
    return dX, dW, db


def two_layer_gradients(X, Y, W1, b1, W2, b2):
    """backprop.2: (dW1, db1, dW2, db2) of the two-layer network."""
    Z1 = X @ W1 + b1
    A1 = nnmath.sigmoid(Z1)
    Z2 = A1 @ W2 + b2
    dZ2 = (nnmath.softmax(Z2) - Y) / X.shape[0]
    dW2 = A1.T @ dZ2
    db2 = dZ2.sum(axis=0)
    dA1 = dZ2 @ W2.T
    dZ1 = dA1 * nnmath.sigmoid_derivative(Z1)  # the fix: f'(Z1), not f'(A1)
    dW1 = X.T @ dZ1
    db1 = dZ1.sum(axis=0)
    return dW1, db1, dW2, db2
