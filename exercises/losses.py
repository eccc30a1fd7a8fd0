"""Exercises of the page "Loss functions" (docs/losses.md, section Exercises).

Fill in or fix each function, then check your work from the repository root:

    .venv/bin/python -m exercises --page losses

Worked solutions: the folded blocks on the page, or exercises/solutions/losses.py.
"""

import nnmath
import numpy as np  # noqa: F401  (for the code you write)


def logsumexp(Z):
    """losses.1 (implement): log(sum_j exp(Z[i, j])) for every row i, without overflow.

    Z : numpy array of float, shape (B, C), any finite logits (1000 and -1000 too).
    Returns an array of shape (B,). Do not use nnmath.log_softmax or scipy.
    """
    raise NotImplementedError


def binary_cross_entropy_gradient(z, y):
    """losses.2 (derive): dL/dz of the mean binary cross-entropy of sigmoid(z).

    L = -(1/B) sum_i [y_i log sigmoid(z_i) + (1 - y_i) log(1 - sigmoid(z_i))].
    z : logits, shape (B,); y : targets in [0, 1], shape (B,).
    Returns dL/dz, shape (B,). Must stay finite for z = 1000 and z = -1000.
    """
    raise NotImplementedError


def softmax_cross_entropy_gradient(Z, Y):
    """losses.3 (debug): dL/dZ of the mean softmax cross-entropy. It has a bug: fix it.

    L = -(1/B) sum_i sum_c Y[i, c] log softmax(Z)[i, c] (nnmath.softmax_cross_entropy).
    Z : logits, shape (B, C); Y : one-hot targets, shape (B, C).
    Returns dL/dZ, shape (B, C). It is right for a batch of one row.
    """
    Y_hat = nnmath.softmax(Z)
    return Y_hat - Y
