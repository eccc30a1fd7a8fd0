"""Figures whose layout is placed by hand: no label may touch another label, a node or a line.

Each check draws the figure, then compares window extents (display pixels) of the texts with
the boxes of the nodes and with the lines, sampled densely along every segment.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

pytest.importorskip("matplotlib")

from nnmath_site.plotting import backprop_graph, step_error_figure, to_svg  # noqa: E402

PAD = 1.5  # pixels of clearance every label keeps (figures are drawn at 100 dpi)


def padded(bbox, pad=PAD):
    return bbox.padded(pad)


def overlap(a, b):
    """True if the two display boxes share an area (touching edges do not count)."""
    return a.x0 < b.x1 and b.x0 < a.x1 and a.y0 < b.y1 and b.y0 < a.y1


def samples(points, step=0.5):
    """Points every ``step`` pixels along a polyline given in display coordinates."""
    out = [points[:1]]
    for p, q in itertools.pairwise(points):
        n = max(2, int(np.hypot(*(q - p)) / step) + 1)
        out.append(p + np.linspace(0, 1, n)[:, None] * (q - p))
    return np.concatenate(out)


def inside(bbox, points):
    x, y = points[:, 0], points[:, 1]
    return (bbox.x0 < x) & (x < bbox.x1) & (bbox.y0 < y) & (y < bbox.y1)


def line_points(line):
    return samples(line.get_transform().transform(line.get_xydata()))


# --- the backpropagation graph -------------------------------------------------------------


@pytest.fixture(scope="module")
def graph():
    fig = backprop_graph()
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    (ax,) = fig.axes
    parts = {"node": {}, "text": {}, "label": {}, "shaft": {}, "head": {}}
    for text in ax.texts:
        kind, name = text.get_gid().split(":")
        parts["text" if kind == "node" else kind][name] = text.get_window_extent(
            renderer
        )
    for patch in ax.patches:
        kind, name = patch.get_gid().split(":")
        parts[kind][name] = patch.get_window_extent(renderer)
    for line in ax.lines:
        parts["shaft"][line.get_gid().removeprefix("edge:")] = line_points(line)
    legend = ax.get_legend().get_window_extent(renderer)
    yield fig, parts, legend
    import matplotlib.pyplot as plt

    plt.close(fig)


def test_graph_has_the_mermaid_diagrams_content(graph):
    _, parts, _ = graph
    inputs = {"X", "W1", "b1", "W2", "b2", "Y"}
    ops = {"lin1", "act1", "lin2", "soft", "loss"}
    assert set(parts["node"]) == set(parts["text"]) == inputs | ops
    forward = {"X-lin1", "W1-lin1", "b1-lin1", "lin1-act1", "act1-lin2", "W2-lin2"}
    forward |= {"b2-lin2", "lin2-soft", "soft-loss", "Y-loss"}
    backward = {"loss-lin2", "lin2-W2", "lin2-b2", "lin2-act1", "act1-lin1"}
    backward |= {"lin1-W1", "lin1-b1"}
    assert set(parts["shaft"]) == set(parts["head"]) == forward | backward
    # every gradient is named, and the values between operations carry their shapes
    assert set(parts["label"]) == backward | {
        "lin1-act1",
        "act1-lin2",
        "lin2-soft",
        "soft-loss",
    }


def test_graph_labels_do_not_overlap_each_other(graph):
    _, parts, legend = graph
    boxes = {**parts["label"], **{f"node {k}": v for k, v in parts["text"].items()}}
    boxes["legend"] = legend
    for (a, box_a), (b, box_b) in itertools.combinations(boxes.items(), 2):
        assert not overlap(padded(box_a), box_b), f"{a!r} touches {b!r}"


def test_graph_nodes_hold_their_text_and_keep_apart(graph):
    _, parts, legend = graph
    for name, box in parts["node"].items():
        text = padded(parts["text"][name], 2)
        assert box.x0 < text.x0 and text.x1 < box.x1, f"{name}'s text overflows its box"
        assert box.y0 < text.y0 and text.y1 < box.y1, f"{name}'s text overflows its box"
        assert not overlap(padded(box), legend), f"the legend touches {name}"
    for (a, box_a), (b, box_b) in itertools.combinations(parts["node"].items(), 2):
        assert not overlap(padded(box_a, 10), box_b), f"{a} is too close to {b}"


def test_graph_labels_keep_clear_of_nodes_and_arrows(graph):
    _, parts, legend = graph
    labels = {**parts["label"], "legend": legend}
    for name, label in labels.items():
        box = padded(label)
        for node, node_box in parts["node"].items():
            assert not overlap(box, node_box), f"label {name!r} touches node {node}"
        for edge, points in parts["shaft"].items():
            assert not inside(box, points).any(), f"label {name!r} crosses arrow {edge}"
        for edge, head in parts["head"].items():
            assert not overlap(box, head), f"label {name!r} touches arrowhead {edge}"


def test_graph_arrows_run_between_nodes_not_through_them(graph):
    _, parts, _ = graph
    for edge, points in parts["shaft"].items():
        for node, box in parts["node"].items():
            # an arrow starts on its source's edge: shrink each box by a pixel
            hit = inside(box.padded(-1), points)
            assert not hit.any(), f"arrow {edge} runs through node {node}"
    # and no two arrowheads sit on each other
    for (a, box_a), (b, box_b) in itertools.combinations(parts["head"].items(), 2):
        assert not overlap(box_a, box_b), f"arrowheads {a} and {b} touch"


def test_graph_fits_a_phone_and_reads_on_a_desktop(graph):
    fig, parts, _ = graph
    width_pt, _ = fig.get_size_inches() * 72
    # the SVG is width_pt wide in CSS pixels times 4/3; Material's column at 1280 px is
    # about 700 px, so the figure is shown at full size there, text at 12 px or more
    assert width_pt * 4 / 3 < 700
    sizes = {t.get_fontsize() for t in fig.axes[0].texts}
    assert min(sizes) >= 9
    # on a 390 px phone the column is about 350 px: the text shrinks, to 6.5 px at least
    assert min(sizes) * 4 / 3 * 350 / (width_pt * 4 / 3) > 6.5
    everything = fig.bbox
    for kind in ("node", "label", "text"):
        for name, box in parts[kind].items():
            assert everything.x0 <= box.x0 and box.x1 <= everything.x1, name
            assert everything.y0 <= box.y0 and box.y1 <= everything.y1, name


def test_graph_svg_is_accessible_and_follows_the_scheme():
    out = to_svg(backprop_graph(), alt="The computational graph of a two-layer network")
    assert 'role="img" aria-label="The computational graph' in out
    assert "currentColor" in out  # text and value arrows take the page's text colour
    assert "cmsy10" not in out  # no glyph from a font a browser lacks (f′ drew as f0)


# --- the step-size figure of the gradient-checking page ------------------------------------


@pytest.fixture(scope="module")
def steps():
    fig, results = step_error_figure()
    fig.canvas.draw()
    yield fig, results
    import matplotlib.pyplot as plt

    plt.close(fig)


def test_threshold_is_named_in_the_legend(steps):
    fig, _ = steps
    (ax,) = fig.axes
    threshold = [line for line in ax.lines if line.get_label() == "test threshold 1e-7"]
    assert len(threshold) == 1 and set(threshold[0].get_ydata()) == {1e-7}
    legend_texts = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend_texts == ["float64", "float32", "test threshold 1e-7"]
    assert not any("threshold" in t.get_text() for t in ax.texts)  # not on the plot


def test_threshold_label_and_other_texts_keep_off_every_line(steps):
    fig, _ = steps
    (ax,) = fig.axes
    renderer = fig.canvas.get_renderer()
    legend = ax.get_legend()
    boxes = {t.get_text(): t.get_window_extent(renderer) for t in legend.get_texts()}
    boxes["legend"] = legend.get_window_extent(renderer)
    # and the annotations written on the plot ("best h = ...", "rounding", "truncation")
    boxes |= {t.get_text(): t.get_window_extent(renderer) for t in ax.texts}
    inner = ax.get_window_extent(renderer)
    for name, box in boxes.items():
        assert inner.x0 < box.x0 and box.x1 < inner.x1, f"{name!r} leaves the axes"
        assert inner.y0 < box.y0 and box.y1 < inner.y1, f"{name!r} leaves the axes"
        for line in ax.lines:  # curves, best-h dots, epsilon^(1/3) and threshold lines
            if line.get_linestyle() == "None":  # a dot: its radius counts
                radius = line.get_markersize() / 2 * fig.dpi / 72
                dots = line.get_transform().transform(line.get_xydata())
                hit = inside(padded(box, PAD + radius), dots)
            else:
                hit = inside(padded(box), line_points(line))
            assert not hit.any(), f"{name!r} overlaps {line.get_label()!r}"


def test_step_error_results_match_the_page_claims(steps):
    _, results = steps
    for name, low, high in (("float64", 1e-13, 1e-10), ("float32", 1e-7, 1e-5)):
        r = results[name]
        assert 0.1 < r["h"] / r["eps"] ** (1 / 3) < 10
        assert low < r["error"] < high
        assert np.all(r["steps"] > r["eps"])
    assert np.array_equal(results["float64"]["steps"], results["hs"])
