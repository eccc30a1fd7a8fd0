"""Worked solutions of the exercises of "Matrix operations"."""

import numpy as np


def matmul_outer(A, B):
    """matrix.1: A @ B as the sum of n outer products."""
    (m, n), k = A.shape, B.shape[1]
    Z = np.zeros((m, k))
    for p in range(n):  # (AB)_ij = sum_p A_ip B_pj: term p is an (m, k) matrix
        Z += np.outer(A[:, p], B[p, :])
    return Z


def linear(X, W, b):
    """matrix.2: Z = X W + b, with b broadcast along the rows."""
    return X @ W + b  # b of shape (k,) is read as (1, k): one row, reused B times
