r"""Matrix products by hand, to show what ``X @ W`` computes."""

from __future__ import annotations

import numpy as np

from ._validation import as_float_array, check_ndim, guarded

__all__ = ["matmul_loops"]


def _two_matrices(A, B):
    A = as_float_array(A, "A")
    B = as_float_array(B, "B")
    check_ndim(A, "A", (2,))
    check_ndim(B, "B", (2,))
    if A.shape[1] != B.shape[0]:
        raise ValueError(
            f"A.shape={A.shape} and B.shape={B.shape}: "
            f"inner dimensions {A.shape[1]} != {B.shape[0]}"
        )
    return A, B


def _finite_product(result):
    # Python floats overflow to inf without a warning: look at what came out
    if not np.isfinite(result).all():
        raise ValueError(
            "matmul_loops: overflow encountered in a sum of products: an entry went "
            f"beyond the float64 range (+-{np.finfo(np.float64).max:.3g}); "
            "scale A or B down"
        )


@guarded(_two_matrices, result=_finite_product)
def matmul_loops(A, B):
    r"""Matrix product with three explicit Python loops.

    This is the textbook definition and is very slow; it exists so the page can
    show that NumPy's ``A @ B`` computes exactly this sum.

    Parameters
    ----------
    A : array_like of float, shape (m, n)
    B : array_like of float, shape (n, k)

    Returns
    -------
    list of list of float
        The ``m`` by ``k`` product as nested Python lists.

    Raises
    ------
    TypeError
        If ``A`` or ``B`` are not real arrays.
    ValueError
        If ``A`` or ``B`` are not 2-D, or the inner dimensions differ, or an entry of
        the product goes beyond the float64 range.

    Notes
    -----
    $$
    % eq:matmul
    (AB)_{ij} = \sum_{p=1}^{n} A_{ip} B_{pj}
    $$

    References
    ----------
    Goodfellow et al., *Deep Learning* (2016), section 2.2.

    Examples
    --------
    ```python
    from nnmath import matmul_loops

    assert matmul_loops([[1, 2], [3, 4]], [[5], [6]]) == [[17.0], [39.0]]
    ```
    """
    (m, n), k = A.shape, B.shape[1]
    A, B = A.tolist(), B.tolist()
    result = [[0.0] * k for _ in range(m)]
    for i in range(m):  # each row of A
        for j in range(k):  # each column of B
            total = 0.0
            for p in range(n):  # walk along the shared dimension
                total += A[i][p] * B[p][j]
            result[i][j] = total
    return result
