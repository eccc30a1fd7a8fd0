r"""The numbers of the page "A network by hand" (docs/by-hand.md) and its graph figure.

Site tooling, not part of the teaching package ``nnmath``. The page lists
``neuron_pass`` and ``network_pass`` by name (``nnmath_site.listing``) and prints what
they return; ``tests/test_by_hand.py`` checks the same numbers against finite
differences and ``Sequential.backward``. The inputs are chosen by hand, with one or two
decimals, so that a reader can redo every step with a pocket calculator.
"""

from __future__ import annotations

import numpy as np

import nnmath

__all__ = [
    "NETWORK_NAMES",
    "NEURON_NAMES",
    "fmt",
    "network_inputs",
    "network_pass",
    "neuron_graph",
    "neuron_inputs",
    "neuron_pass",
    "term",
]

#: What ``neuron_pass`` returns, in order: the forward values, then the derivatives.
NEURON_NAMES = ("z", "a", "L", "dL_da", "da_dz", "dL_dz", "dL_dw", "dL_db", "dL_dx")

#: What ``network_pass`` returns, in order: the forward pass, then the backward pass.
NETWORK_NAMES = (
    "Z1", "A1", "Z2", "Y_hat", "L",
    "dZ2", "dW2", "db2", "dA1", "dZ1", "dW1", "db1",
)  # fmt: skip


def neuron_inputs():
    """One input ``x``, weight ``w``, bias ``b`` and target ``y``."""
    return {"x": 1.5, "w": 0.8, "b": -0.5, "y": 1.0}


def neuron_pass(x, w, b, y):
    # forward: one neuron and a squared error
    z = w * x + b
    a = nnmath.sigmoid(z)
    L = (a - y) ** 2
    # local derivatives, one per edge of the graph
    dL_da = 2 * (a - y)
    da_dz = nnmath.sigmoid_derivative(z)
    dz_dw, dz_db, dz_dx = x, 1.0, w
    # backward: multiply along the path from L
    dL_dz = dL_da * da_dz
    dL_dw = dL_dz * dz_dw
    dL_db = dL_dz * dz_db
    dL_dx = dL_dz * dz_dx
    return z, a, L, dL_da, da_dz, dL_dz, dL_dw, dL_db, dL_dx


def network_inputs():
    """A batch of B = 2 rows with n = 2 features, a hidden layer of width 2, C = 2 classes."""
    return {
        "X": np.array([[1.0, 2.0], [0.5, -1.0]]),  # (B, n)
        "W1": np.array([[0.1, -0.2], [0.3, 0.4]]),  # (n, H)
        "b1": np.array([0.1, -0.1]),  # (H,)
        "W2": np.array([[0.5, -0.5], [-0.3, 0.2]]),  # (H, C)
        "b2": np.array([0.0, 0.1]),  # (C,)
        "Y": nnmath.one_hot(np.array([0, 1]), 2),  # row 0 is class 0, row 1 class 1
    }


def network_pass(X, W1, b1, W2, b2, Y):
    # forward
    Z1 = nnmath.linear(X, W1, b1)  # X W1 + b1
    A1 = nnmath.sigmoid(Z1)
    Z2 = nnmath.linear(A1, W2, b2)  # A1 W2 + b2
    Y_hat = nnmath.softmax(Z2)  # row by row
    L = nnmath.softmax_cross_entropy(Z2, Y)  # mean over the B rows
    # backward
    dZ2 = nnmath.softmax_cross_entropy_gradient(Z2, Y)  # (Y_hat - Y) / B
    dA1, dW2, db2 = nnmath.linear_backward(A1, W2, dZ2)  # dZ2 W2^T, A1^T dZ2, row sum
    dZ1 = dA1 * nnmath.sigmoid_derivative(Z1)
    _, dW1, db1 = nnmath.linear_backward(X, W1, dZ1)  # X^T dZ1, row sum
    return Z1, A1, Z2, Y_hat, L, dZ2, dW2, db2, dA1, dZ1, dW1, db1


def fmt(value):
    """A number or an array, compactly: four decimals, rows on their own lines."""
    if np.ndim(value) == 0:
        return f"{float(value):.4f}"
    return np.array2string(
        np.asarray(value), precision=4, floatmode="fixed", suppress_small=True
    )


# --- the figure ----------------------------------------------------------------------

_NODES = {  # name: (centre x, centre y), in the axes' data units
    "w": (0.7, 3.75),
    "x": (0.7, 2.05),
    "b": (0.7, 0.35),
    "z": (4.6, 2.05),
    "a": (7.75, 2.05),
    "L": (11.3, 2.05),
    "y": (11.3, 0.35),
}
_HALF_WIDTH = {
    "w": 0.62,
    "x": 0.62,
    "b": 0.62,
    "y": 0.62,
    "z": 0.88,
    "a": 0.72,
    "L": 0.88,
}
_HALF_HEIGHT = 0.34


def _num(value):
    """Four decimals with a real minus sign."""
    return f"{float(value):.4f}".replace("-", "\u2212")


def _border(node, towards):
    """Where the segment from the centre of ``node`` towards a point leaves its box."""
    cx, cy = _NODES[node]
    dx, dy = towards[0] - cx, towards[1] - cy
    scale = min(
        _HALF_WIDTH[node] / abs(dx) if dx else np.inf,
        _HALF_HEIGHT / abs(dy) if dy else np.inf,
    )
    return np.array([cx + scale * dx, cy + scale * dy])


def neuron_graph(values, inputs):
    """The computational graph of ``neuron_pass`` as a matplotlib figure.

    Nodes hold the forward values. Each edge carries its local derivative (above it, in
    the page's text colour) and, beside a dashed arrow pointing back, the gradient of
    ``L`` with respect to the node it comes from (below it, in orange).
    """
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

    from .plotting import COLORS, INK, new_figure

    v, i, n = values, inputs, _num
    back = COLORS[1]
    fig, ax = new_figure(width=7.6, height=3.7)
    ax.set(xlim=(0, 12.25), ylim=(-0.05, 4.15))
    ax.set_axis_off()
    labels = {
        "w": f"w = {i['w']:g}",
        "x": f"x = {i['x']:g}",
        "b": f"b = {i['b']:g}".replace("-", "−"),
        "y": f"y = {i['y']:g}",
        "z": f"z = w·x + b\n= {n(v['z'])}",
        "a": f"a = σ(z)\n= {n(v['a'])}",
        "L": f"L = (a − y)²\n= {n(v['L'])}",
    }
    for name, (cx, cy) in _NODES.items():
        hw = _HALF_WIDTH[name]
        ax.add_patch(
            FancyBboxPatch(
                (cx - hw, cy - _HALF_HEIGHT),
                2 * hw,
                2 * _HALF_HEIGHT,
                boxstyle="round,pad=0,rounding_size=0.12",
                facecolor="none",
                edgecolor=INK,
                linewidth=1.2,
            )
        )
        ax.text(cx, cy, labels[name], ha="center", va="center", fontsize=10)

    # (tail, head, local derivative d head / d tail, gradient of L at the tail)
    edges = [
        ("w", "z", f"∂z/∂w = x = {i['x']:g}", f"∂L/∂w = {n(v['dL_dw'])}"),
        ("x", "z", f"∂z/∂x = w = {i['w']:g}", f"∂L/∂x = {n(v['dL_dx'])}"),
        ("b", "z", "∂z/∂b = 1", f"∂L/∂b = {n(v['dL_db'])}"),
        ("z", "a", f"∂a/∂z = σ′(z)\n= {n(v['da_dz'])}", f"∂L/∂z\n= {n(v['dL_dz'])}"),
        ("a", "L", f"∂L/∂a = 2(a − y)\n= {n(v['dL_da'])}", f"∂L/∂a\n= {n(v['dL_da'])}"),
        ("y", "L", None, None),
    ]
    for tail, head, local, backward in edges:
        start = _border(tail, _NODES[head])
        end = _border(head, _NODES[tail])
        ax.add_patch(
            FancyArrowPatch(
                start, end, arrowstyle="-|>", mutation_scale=12, color=INK, lw=1.2
            )
        )
        if local is None:
            continue
        direction = (end - start) / np.linalg.norm(end - start)
        normal = np.array([-direction[1], direction[0]])
        if normal[1] < 0:
            normal = -normal  # the side "above" the edge
        gap = 0.17  # between the forward arrow and the dashed arrow back
        ax.add_patch(
            FancyArrowPatch(
                end - gap * normal - 0.1 * direction,
                start - gap * normal + 0.1 * direction,
                arrowstyle="-|>",
                mutation_scale=10,
                color=back,
                lw=1.2,
                linestyle=(0, (3, 2)),
            )
        )
        middle = start + (0.5 if direction[1] == 0 else 0.42) * (end - start)
        angle = np.degrees(np.arctan2(direction[1], direction[0]))
        text = {"ha": "center", "rotation": angle, "rotation_mode": "anchor"}
        ax.text(*(middle + 0.12 * normal), local, va="bottom", fontsize=9, **text)
        ax.text(
            *(middle - (gap + 0.15) * normal),
            backward,
            va="top",
            fontsize=9,
            color=back,
            **text,
        )
    return fig


def term(value):
    """A number for a formula typed out with numbers: four decimals, negatives bracketed."""
    text = f"{float(value):.4f}"
    return f"({text})" if float(value) < 0 else text
