"""The example surface of the Gradient descent and Adam page.

Site tooling: the page's figures and fences run their optimizers on it, and its formula
(eq:toy-quadratic) is run against these two functions.
"""

from __future__ import annotations

import numpy as np

__all__ = ["toy_quadratic", "toy_quadratic_gradient"]


def toy_quadratic(p):
    """f(x, y) = (x^2 + 25 y^2) / 2 at the point ``p = (x, y)``: a valley 25 times
    steeper across y than along x."""
    return 0.5 * (p[0] ** 2 + 25 * p[1] ** 2)


def toy_quadratic_gradient(p):
    """The gradient of :func:`toy_quadratic`, ``(x, 25 y)``."""
    return np.array([p[0], 25 * p[1]])
