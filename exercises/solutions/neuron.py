"""Worked solutions of the exercises of "The neuron"."""

import nnmath
import numpy as np


def distance_to_boundary(x, w, b):
    """neuron.1: signed distance from x to the line w @ x + b = 0."""
    # Move from x along the unit normal u = w / |w| by a distance d: the point
    # x - d u is on the line when w @ (x - d u) + b = 0, that is z - d |w| = 0.
    z = w @ x + b
    return float(z / np.linalg.norm(w))


def neuron_gradients(x, w, b):
    """neuron.2: (dy/dw, dy/db, dy/dx) of y = sigmoid(w @ x + b)."""
    z = w @ x + b
    dz = nnmath.sigmoid_derivative(z)  # dy/dz = sigma(z) sigma(-z): no cancellation
    return dz * x, float(dz), dz * w  # dz/dw = x, dz/db = 1, dz/dx = w
