"""Exercises of the page "Matrix operations" (docs/matrix.md, section Exercises).

Fill in or fix each function, then check your work from the repository root:

    .venv/bin/python -m exercises --page matrix

Worked solutions: the folded blocks on the page, or exercises/solutions/matrix.py.
"""

import numpy as np  # noqa: F401  (for the code you write)


def matmul_outer(A, B):
    """matrix.1 (implement): the product A @ B as a sum of outer products.

    A : numpy array, shape (m, n); B : numpy array, shape (n, k).
    Returns A @ B, shape (m, k), computed as the sum over p of the outer product of
    column p of A with row p of B (np.outer), without @, np.dot or np.matmul.
    """
    raise NotImplementedError


def linear(X, W, b):
    """matrix.2 (debug): Z = X W + b for a batch. This code has a bug: fix it.

    X : shape (B, n), one sample per row; W : shape (n, k); b : shape (k,).
    Returns Z, shape (B, k). It runs without an error on some shapes.
    """
    return X @ W + b.reshape(-1, 1)
