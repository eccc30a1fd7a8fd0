"""The page "A network by hand": its numbers, its checks and its graph figure.

The page's fences already run under pytest (pytest-markdown-docs). These tests check what
the fences cannot say about themselves: that the matrices the page prints are the ones
finite differences give, that every intermediate of the derivation is printed, in order,
and that the labels of the graph figure do not collide.
"""

from __future__ import annotations

import itertools
import math
import re

import numpy as np
import pytest

import nnmath
from nnmath_site.by_hand import (
    NETWORK_NAMES,
    NEURON_NAMES,
    fmt,
    network_inputs,
    network_pass,
    neuron_graph,
    neuron_inputs,
    neuron_pass,
)
from tests.support import DOCS

PAGE = DOCS / "by-hand.md"
FENCE = re.compile(r"^```\{\.python (?P<info>[^}]*)\}\n(?P<code>.*?)^```$", re.M | re.S)
PARAMETERS = ["W1", "b1", "W2", "b2"]


def session_output(session):
    """Run the page's fences of one markdown-exec session in order; return what they print."""
    fences = [
        m["code"]
        for m in FENCE.finditer(PAGE.read_text(encoding="utf8"))
        if f'session="{session}"' in m["info"]
    ]
    assert len(fences) >= 3, f"no session {session!r} on the page"
    printed = []
    namespace = {"print": lambda *args, **kw: printed.append(" ".join(map(str, args)))}
    for code in fences:
        exec(compile(code, str(PAGE), "exec"), namespace)
    return "\n".join(printed)


def network_loss(params):
    """The page's loss as a function of the parameters (read when numerical_gradient calls)."""
    inputs = network_inputs()

    def loss(_):
        return network_pass(**{**inputs, **params})[NETWORK_NAMES.index("L")]

    return loss


@pytest.mark.parametrize("name", PARAMETERS)
def test_the_gradients_the_page_prints_are_those_of_finite_differences(name):
    params = {p: network_inputs()[p] for p in PARAMETERS}
    numerical = nnmath.numerical_gradient(network_loss(params), params[name])
    printed = session_output("net")
    expected = (
        f"d{name} =\n{fmt(numerical)}"
        if numerical.ndim == 2
        else (f"d{name} = {fmt(numerical)}")
    )
    assert expected in printed, (
        f"the page does not print d{name} as finite differences give it"
    )


@pytest.mark.parametrize("name", PARAMETERS)
@pytest.mark.verifies("two-layer-backward", by="exact")
def test_network_pass_agrees_with_finite_differences_and_sequential(name, measured):
    inputs = network_inputs()
    values = dict(zip(NETWORK_NAMES, network_pass(**inputs), strict=True))
    params = {p: inputs[p].copy() for p in PARAMETERS}
    numerical = nnmath.numerical_gradient(network_loss(params), params[name])
    assert nnmath.relative_error(values[f"d{name}"], numerical) < 1e-7

    layers = [
        nnmath.Dense(2, 2, "sigmoid", np.random.default_rng(0)),
        nnmath.Dense(2, 2, None, np.random.default_rng(1)),
    ]
    for layer, w, b in zip(layers, ["W1", "W2"], ["b1", "b2"]):
        layer.weights[...], layer.bias[...] = inputs[w], inputs[b]
    model = nnmath.Sequential(layers)
    model.backward(
        nnmath.softmax_cross_entropy_gradient(model.forward(inputs["X"]), inputs["Y"])
    )
    grads = dict(zip(PARAMETERS, model.gradients(), strict=True))
    measured(np.abs(values[f"d{name}"] - grads[name]).max())
    np.testing.assert_allclose(values[f"d{name}"], grads[name], rtol=1e-12, atol=1e-15)


def test_every_intermediate_is_printed_in_the_order_of_the_derivation():
    printed = session_output("net")
    positions = []
    for name in NETWORK_NAMES:
        if name == "L":  # a scalar: printed inside the formula that computes it
            match = re.search(r"\\bigr\) = 0\.\d{4}\n", printed)
        else:
            match = re.search(rf"^{name} =", printed, re.M)
        assert match, f"{name} is not printed on the page"
        positions.append(match.start())
    assert positions == sorted(positions), "the page prints the steps out of order"


def test_the_entry_worked_by_hand_substitutes_the_actual_inputs():
    inputs = network_inputs()
    X, W1, b1 = inputs["X"], inputs["W1"], inputs["b1"]
    z = network_pass(**inputs)[0][0, 0]
    line = (
        f"= {X[0, 0]:g}\\cdot{W1[0, 0]:.4f} + {X[0, 1]:g}\\cdot{W1[1, 0]:.4f} "
        f"+ {b1[0]:.4f}\n= {z:.4f}\n\\end{{aligned}}"
    )
    assert line in session_output("net")


@pytest.mark.parametrize("name", ["w", "b", "x"])
@pytest.mark.verifies(
    "neuron-worked-numbers", "neuron-example", by="finite differences"
)
def test_the_neuron_gradients_agree_with_a_central_difference(name, measured):
    inputs = neuron_inputs()
    values = dict(zip(NEURON_NAMES, neuron_pass(**inputs), strict=True))
    point = np.array([inputs[name]])

    def loss(v):
        return neuron_pass(**{**inputs, name: float(v[0])})[NEURON_NAMES.index("L")]

    numerical = nnmath.numerical_gradient(loss, point)[0]
    assert measured(nnmath.relative_error(values[f"dL_d{name}"], numerical)) < 1e-7


def _entries_by_hand(X, W1, b1, W2, b2, Y):
    """The five entries the page works out by hand, as sums of scalars (no NumPy rows)."""
    values = dict(zip(NETWORK_NAMES, network_pass(X, W1, b1, W2, b2, Y), strict=True))
    Z1, dZ1 = values["Z1"], values["dZ1"]
    Z2 = values["Z2"]
    B = X.shape[0]
    e0, e1 = math.exp(Z2[0, 0]), math.exp(Z2[0, 1])
    y_hat = values["Y_hat"]
    true = [int(np.argmax(row)) for row in Y]
    return {
        "by-hand-z1-entry": (
            X[0, 0] * W1[0, 0] + X[0, 1] * W1[1, 0] + b1[0],
            Z1[0, 0],
        ),
        "by-hand-softmax-entry": (e0 / (e0 + e1), y_hat[0, 0]),
        "by-hand-loss": (
            -(math.log(y_hat[0, true[0]]) + math.log(y_hat[1, true[1]])) / B,
            values["L"],
        ),
        "by-hand-dz2-entry": ((y_hat[0, 0] - Y[0, 0]) / B, values["dZ2"][0, 0]),
        "by-hand-dw1-entry": (
            X[0, 0] * dZ1[0, 0] + X[1, 0] * dZ1[1, 0],
            values["dW1"][0, 0],
        ),
    }


@pytest.mark.parametrize(
    "ident",
    [
        pytest.param(
            "by-hand-z1-entry",
            marks=pytest.mark.verifies("by-hand-z1-entry", by="exact"),
        ),
        pytest.param(
            "by-hand-softmax-entry",
            marks=pytest.mark.verifies("by-hand-softmax-entry", by="exact"),
        ),
        pytest.param(
            "by-hand-loss",
            marks=pytest.mark.verifies("by-hand-loss", by="exact"),
        ),
        pytest.param(
            "by-hand-dz2-entry",
            marks=pytest.mark.verifies("by-hand-dz2-entry", by="exact"),
        ),
        pytest.param(
            "by-hand-dw1-entry",
            marks=pytest.mark.verifies("by-hand-dw1-entry", by="exact"),
        ),
    ],
)
def test_each_entry_worked_by_hand_is_what_nnmath_computes(ident, measured):
    by_hand, computed = _entries_by_hand(**network_inputs())[ident]
    measured(abs(by_hand - computed))
    assert by_hand == pytest.approx(computed, rel=1e-12, abs=1e-15)
    # and the page prints that value as the result of its formula
    assert f"= {by_hand:.4f}" in session_output("net"), (
        f"the page does not print {by_hand:.4f} for {ident}"
    )


def _rotated_box(text, renderer):
    """The corners of a text's box in display coordinates, rotated as drawn."""
    angle = text.get_rotation()
    text.set_rotation(0)
    box = text.get_window_extent(renderer)
    text.set_rotation(angle)
    anchor = text.get_transform().transform(text.get_position())
    corners = np.array(
        [[box.x0, box.y0], [box.x1, box.y0], [box.x1, box.y1], [box.x0, box.y1]]
    )
    c, s = np.cos(np.radians(angle)), np.sin(np.radians(angle))
    return (corners - anchor) @ np.array([[c, s], [-s, c]]) + anchor


def _drawn_vertices(path):
    """A path's vertices without the placeholders of its CLOSEPOLY codes."""
    from matplotlib.path import Path

    codes = path.codes if path.codes is not None else np.ones(len(path.vertices))
    return path.vertices[codes != Path.CLOSEPOLY]


def _turn(o, a, b):
    """Twice the signed area of the triangle o, a, b: positive for a left turn."""
    return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])


def _hull(points):
    """Convex hull (monotone chain), counter-clockwise."""
    pts = sorted(map(tuple, np.asarray(points)))
    if len(pts) < 3:
        return np.array(pts)

    def half(seq):
        out = []
        for p in seq:
            while len(out) >= 2 and _turn(out[-2], out[-1], p) <= 0:
                out.pop()
            out.append(p)
        return out[:-1]

    return np.array(half(pts) + half(pts[::-1]))


def _overlap(a, b):
    """Whether two convex polygons intersect (separating axis theorem)."""
    for poly in (a, b):
        edges = np.roll(poly, -1, axis=0) - poly
        for normal in np.stack([-edges[:, 1], edges[:, 0]], axis=1):
            if not normal.any():
                continue
            pa, pb = a @ normal, b @ normal
            if pa.max() <= pb.min() or pb.max() <= pa.min():
                return False
    return True


def test_the_graph_shows_every_number_and_no_label_collides():
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

    from nnmath_site import by_hand

    inputs = neuron_inputs()
    values = dict(zip(NEURON_NAMES, neuron_pass(**inputs), strict=True))
    fig = neuron_graph(values, inputs)
    try:
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        (ax,) = fig.axes
        texts = [t for t in ax.texts if t.get_text()]
        shown = "\n".join(t.get_text() for t in texts).replace("−", "-")
        for name in ["z", "a", "L", "dL_da", "da_dz", "dL_dz", "dL_dw", "dL_db"]:
            assert f"{values[name]:.4f}" in shown, f"{name} is not on the graph"

        centres = {tuple(c) for c in by_hand._NODES.values()}
        node_text = [t for t in texts if tuple(t.get_position()) in centres]
        edge_text = [t for t in texts if t not in node_text]
        assert len(node_text) == len(centres) and len(edge_text) >= 10
        polygon = {id(t): _rotated_box(t, renderer) for t in texts}
        nodes = [
            _hull(p.get_window_extent(renderer).corners())
            for p in ax.patches
            if isinstance(p, FancyBboxPatch)
        ]
        arrows = [
            _hull(ax.transData.transform(_drawn_vertices(p.get_path())))
            for p in ax.patches
            if isinstance(p, FancyArrowPatch)
        ]
        assert len(nodes) == len(centres) and len(arrows) >= 11

        for text in texts:
            corners = polygon[id(text)]
            assert np.all(corners >= fig.bbox.p0) and np.all(corners <= fig.bbox.p1), (
                f"{text.get_text()!r} is cut off"
            )
        for t1, t2 in itertools.combinations(texts, 2):
            assert not _overlap(polygon[id(t1)], polygon[id(t2)]), (
                f"{t1.get_text()!r} collides with {t2.get_text()!r}"
            )
        for text in edge_text:
            for shape in nodes + arrows:
                assert not _overlap(polygon[id(text)], shape), (
                    f"{text.get_text()!r} touches a node or an arrow"
                )
        for text in node_text:  # inside its own box, clear of every arrow
            corners = polygon[id(text)]
            assert sum(_overlap(corners, node) for node in nodes) == 1
            assert not any(_overlap(corners, arrow) for arrow in arrows)
    finally:
        import matplotlib.pyplot as plt

        plt.close(fig)
