"""Exercises of the page "The neuron" (docs/neuron.md, section Exercises).

Fill in each function, then check your work from the repository root:

    .venv/bin/python -m exercises --page neuron

Worked solutions: the folded blocks on the page, or exercises/solutions/neuron.py.
"""

import nnmath  # noqa: F401  (for the code you write)
import numpy as np  # noqa: F401


def distance_to_boundary(x, w, b):
    """neuron.1 (derive): signed distance from the point x to the decision line.

    The decision line (a hyperplane for n > 2) is the set of points where
    z = w @ x + b = 0. Return the distance from x to it, positive on the side that w
    points to (where the sigmoid neuron outputs more than 0.5), negative on the other.

    x : numpy array, shape (n,); w : numpy array, shape (n,), not zero; b : float.
    Returns a float.
    """
    raise NotImplementedError


def neuron_gradients(x, w, b):
    """neuron.2 (derive): the gradients of y = sigmoid(w @ x + b).

    Return the tuple (dw, db, dx) of the partial derivatives of the neuron's output y:
    dw = dy/dw, shape (n,); db = dy/db, a float; dx = dy/dx, shape (n,).
    Stay accurate where z = w @ x + b is as large as 40.
    You may use nnmath.sigmoid and nnmath.sigmoid_derivative.
    """
    raise NotImplementedError
