"""Worked solutions of the exercises of "Loss functions"."""

import nnmath
import numpy as np


def logsumexp(Z):
    """losses.1: log sum_j exp(Z_ij) for each row i."""
    m = Z.max(axis=1, keepdims=True)  # log sum e^z = m + log sum e^(z - m)
    return (m + np.log(np.exp(Z - m).sum(axis=1, keepdims=True)))[:, 0]


def binary_cross_entropy_gradient(z, y):
    """losses.2: dL/dz of the mean binary cross-entropy of sigmoid(z) against y."""
    # d/dz log s(z) = 1 - s(z) and d/dz log(1 - s(z)) = -s(z), so each term gives
    # -(y (1 - s) - (1 - y) s) = s - y; the mean over B rows divides by B.
    return (nnmath.sigmoid(z) - y) / z.shape[0]


def softmax_cross_entropy_gradient(Z, Y):
    """losses.3: dL/dZ of the mean softmax cross-entropy over the B rows."""
    Y_hat = nnmath.softmax(Z)
    return (Y_hat - Y) / Z.shape[0]  # the mean over rows: 1/B, as in the loss
