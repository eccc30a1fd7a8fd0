r"""Build-time figures: matplotlib figures rendered as inline SVG for the site.

Site tooling, not part of the teaching package ``nnmath``: it needs matplotlib (the
``docs`` extra). Pages call it from code fences that run during ``mkdocs build`` and
under ``pytest``, so every figure is drawn from the package's own code and can never go
stale.

Light and dark schemes: text, axes and ticks are drawn in a sentinel colour that
``to_svg`` rewrites to ``currentColor``, so they take the page's text colour; the
background is transparent; data colours are mid-tone and readable on white and on
Material's slate background.
"""

from __future__ import annotations

import html
import io
import re

__all__ = ["COLORS", "INK", "new_figure", "to_svg"]

#: Line colours that read on both a white and a dark slate background.
COLORS = ("#3b82f6", "#f97316", "#10b981", "#e11d48", "#a855f7", "#0ea5e9", "#84cc16")

#: Foreground ink for reference lines and annotations: becomes the page text colour (currentColor).
INK = "#0f0f0e"


def _style():
    return {
        "svg.fonttype": "none",  # real <text>: smaller, selectable, coloured by CSS
        "svg.hashsalt": "nnmath",  # deterministic ids: two builds give the same bytes
        "font.family": "sans-serif",
        "font.size": 11,
        "text.color": INK,
        "axes.labelcolor": INK,
        "axes.edgecolor": INK,
        "axes.titlecolor": INK,
        "xtick.color": INK,
        "ytick.color": INK,
        "axes.facecolor": "none",
        "figure.facecolor": "none",
        "savefig.facecolor": "none",
        "savefig.transparent": True,
        "axes.prop_cycle": __import__("cycler").cycler(color=list(COLORS)),
        "axes.grid": True,
        "grid.color": "#8888884d",
        "grid.linewidth": 0.6,
        "legend.frameon": False,
        "mathtext.fontset": "dejavusans",
        "lines.linewidth": 2.0,
        "axes.spines.top": False,
        "axes.spines.right": False,
    }


def new_figure(nrows=1, ncols=1, width=6.4, height=3.6, **kwargs):
    """Create a styled ``(fig, axes)`` pair (``matplotlib.pyplot.subplots`` arguments)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    # Legends, annotations and colour bars are styled when they are created, after this
    # function returns, so the style is set for the whole (build or test) process.
    matplotlib.rcParams.update(_style())
    fig, axes = plt.subplots(
        nrows, ncols, figsize=(width, height), layout="constrained", **kwargs
    )
    return fig, axes


def to_svg(fig, alt, caption=None):
    """Render ``fig`` to an inline ``<figure>`` holding an accessible SVG, then close it.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        Made by ``new_figure``.
    alt : str
        Text alternative read by screen readers (``role="img"`` and ``aria-label``).
    caption : str, optional
        Visible caption (Markdown is not rendered inside it).

    Returns
    -------
    str
        HTML for ``markdown-exec`` to insert with ``html="true"``.
    """
    import matplotlib.pyplot as plt

    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
    plt.close(fig)
    svg = buf.getvalue()
    svg = svg[
        svg.index("<svg") :
    ]  # drop the XML prolog and DOCTYPE: invalid inside HTML
    svg = svg.replace(INK, "currentColor")
    svg = re.sub(r"<metadata>.*?</metadata>", "", svg, count=1, flags=re.S)
    # matplotlib's <style> uses a bare `*` selector, which inline in HTML would restyle the
    # whole page; the same rule is scoped to figures in docs/stylesheets/extra.css.
    svg = re.sub(r'<style type="text/css">.*?</style>', "", svg, count=1, flags=re.S)
    label = html.escape(alt, quote=True)
    svg = svg.replace("<svg ", f'<svg role="img" aria-label="{label}" ', 1)
    cap = (
        f"<figcaption>{html.escape(caption, quote=False)}</figcaption>"
        if caption
        else ""
    )
    return f'<figure class="nnmath-figure">{svg}{cap}</figure>'


# --- the backpropagation graph (docs/backprop.md) ----------------------------------------
#
# Drawn in an axes whose data units are points (1/72 inch) with y pointing down, so the
# layout below reads as a page: one column of operations in the middle, weights on the
# left and biases on the right of the layer that uses them. Values flow down the column
# (solid, ink), gradients flow back up (dashed, orange); each edge label sits in a band of
# its own, and tests/test_figures_extra.py checks that no two of them touch.

_NODE_H = 24  # height of every node box
_OP_W = 100  # width of the operation boxes
_IN_W = 60  # width of the input boxes (X, the weights and biases, Y)
_SIDE = 86  # from the edge of an operation box to the near edge of an input box
_LANE = 14  # forward arrows run left of the column's centre line, backward ones right
_BACK = COLORS[1]


def _node(ax, name, x, y, label, kind):
    from matplotlib.patches import FancyBboxPatch

    width = _OP_W if kind == "op" else _IN_W
    color = COLORS[0] if kind == "op" else COLORS[2]
    # inputs are stadiums (as Mermaid drew them), operations rounded rectangles
    radius = _NODE_H / 2 if kind == "input" else 4
    box = FancyBboxPatch(
        (x - width / 2, y - _NODE_H / 2),
        width,
        _NODE_H,
        boxstyle=f"round,pad=0,rounding_size={radius}",
        facecolor=color + "26",  # 15 % tint: reads on white and on slate
        edgecolor=color,
        linewidth=1.3,
        gid=f"node:{name}",
    )
    ax.add_patch(box)
    ax.text(x, y, label, ha="center", va="center", fontsize=10, gid=f"node:{name}")
    return {
        "x": x,
        "y": y,
        "left": x - width / 2,
        "right": x + width / 2,
        "top": y - _NODE_H / 2,
        "bottom": y + _NODE_H / 2,
    }


def _arrow(ax, points, backward, name):
    """A polyline ending in an arrowhead: dashed orange for gradients, solid ink for values."""
    from matplotlib.patches import FancyArrowPatch

    color = _BACK if backward else INK
    xs, ys = zip(*points)
    # the dashed shaft is a plain line; the head is drawn solid on its own (a dashed
    # FancyArrowPatch would dash its head too)
    (x0, y0), (x1, y1) = points[-2], points[-1]
    length = ((x1 - x0) ** 2 + (y1 - y0) ** 2) ** 0.5
    head = 7.0
    ux, uy = (x1 - x0) / length, (y1 - y0) / length
    ax.plot(
        [*xs[:-1], x1 - ux * head * 0.8],
        [*ys[:-1], y1 - uy * head * 0.8],
        color=color,
        linewidth=1.3,
        linestyle=(0, (4, 2.5)) if backward else "-",
        solid_capstyle="butt",
        dash_capstyle="butt",
        gid=f"edge:{name}",
    )
    ax.add_patch(
        FancyArrowPatch(
            (x1 - ux * head, y1 - uy * head),
            (x1, y1),
            arrowstyle=f"-|>,head_length={head / 8:.3f},head_width={head / 16:.3f}",
            mutation_scale=8,
            color=color,
            linewidth=0,
            shrinkA=0,
            shrinkB=0,
            gid=f"head:{name}",
        )
    )


def _label(ax, name, x, y, text, ha, va="center"):
    ax.text(x, y, text, ha=ha, va=va, fontsize=9.5, gid=f"label:{name}")


def backprop_graph():
    r"""The two-layer network of docs/backprop.md as a computational graph.

    Forward nodes (inputs as stadiums, operations as boxes) joined by solid arrows that
    carry values down, and dashed arrows that carry the gradients back up, each labelled
    with the formula that computes it (mathtext).

    Returns
    -------
    matplotlib.figure.Figure
        For ``to_svg``. Every text has a ``gid``: ``node:<name>`` for a node's box and
        its text, ``label:<edge>`` for an edge label, and the arrows' shafts (lines) and
        heads (patches) are ``edge:<edge>`` and ``head:<edge>``, so a test can find them.
    """
    from matplotlib.lines import Line2D

    gap = 46  # vertical gap between two rows of the column: room for one label band
    cx = _IN_W + _SIDE + _OP_W / 2 + 4
    width = 2 * cx
    rows = {}  # y of each row's centre
    y = 8 + _NODE_H / 2
    for row, step in [("X", 0), ("lin1", 30), ("act1", gap), ("lin2", gap)]:
        y += step + (_NODE_H if step else 0)
        rows[row] = y
    for row in ("soft", "loss"):
        y += gap + _NODE_H
        rows[row] = y
    height = y + _NODE_H / 2 + 8
    left_x = cx - _OP_W / 2 - _SIDE - _IN_W / 2
    right_x = cx + _OP_W / 2 + _SIDE + _IN_W / 2

    fig, ax = new_figure(width=width / 72, height=height / 72)
    fig.set_layout_engine("none")
    ax.set_position([0, 0, 1, 1])
    ax.set_xlim(0, width)
    ax.set_ylim(height, 0)
    ax.set_axis_off()

    n = {
        "X": _node(ax, "X", cx, rows["X"], r"$X\;(B, n)$", "input"),
        "lin1": _node(
            ax, "lin1", cx, rows["lin1"], r"$Z_1 = XW_1 + \mathbf{b}_1$", "op"
        ),
        "W1": _node(ax, "W1", left_x, rows["lin1"], r"$W_1\;(n, H)$", "input"),
        "b1": _node(
            ax, "b1", right_x, rows["lin1"], r"$\mathbf{b}_1\;(H{,})$", "input"
        ),
        "act1": _node(ax, "act1", cx, rows["act1"], r"$A_1 = f(Z_1)$", "op"),
        "lin2": _node(
            ax, "lin2", cx, rows["lin2"], r"$Z_2 = A_1W_2 + \mathbf{b}_2$", "op"
        ),
        "W2": _node(ax, "W2", left_x, rows["lin2"], r"$W_2\;(H, C)$", "input"),
        "b2": _node(
            ax, "b2", right_x, rows["lin2"], r"$\mathbf{b}_2\;(C{,})$", "input"
        ),
        "soft": _node(
            ax, "soft", cx, rows["soft"], r"$\hat{Y} = \mathrm{softmax}(Z_2)$", "op"
        ),
        "loss": _node(
            ax, "loss", cx, rows["loss"], r"$L = \mathrm{CE}(\hat{Y}, Y)$", "op"
        ),
        "Y": _node(ax, "Y", left_x, rows["loss"], r"$Y\;(B, C)$", "input"),
    }

    # down the column: forward on the left lane, backward on the right lane
    chain = [
        ("X", "lin1", None, None),
        ("lin1", "act1", r"$Z_1\;(B, H)$", r"$dZ_1 = dA_1 \odot f′(Z_1)$"),
        ("act1", "lin2", r"$A_1\;(B, H)$", r"$dA_1 = dZ_2\, W_2^\top$"),
        ("lin2", "soft", r"$Z_2\;(B, C)$", None),
        ("soft", "loss", r"$\hat{Y}\;(B, C)$", None),
    ]
    for upper, lower, value, gradient in chain:
        top, bottom = n[upper]["bottom"], n[lower]["top"]
        mid = (top + bottom) / 2
        if upper == "X":  # X only feeds the layer: one arrow on the centre line
            _arrow(ax, [(cx, top), (cx, bottom)], False, f"{upper}-{lower}")
            continue
        _arrow(ax, [(cx - _LANE, top), (cx - _LANE, bottom)], False, f"{upper}-{lower}")
        _label(ax, f"{upper}-{lower}", cx - _LANE - 6, mid, value, "right")
        if gradient:
            _arrow(
                ax, [(cx + _LANE, bottom), (cx + _LANE, top)], True, f"{lower}-{upper}"
            )
            _label(ax, f"{lower}-{upper}", cx + _LANE + 6, mid, gradient, "left")

    # softmax and cross-entropy are differentiated together: dZ2 skips the softmax box,
    # round its right side, and enters the second layer from below
    bypass = n["soft"]["right"] + 14
    below_lin2 = (n["lin2"]["bottom"] + n["soft"]["top"]) / 2
    _arrow(
        ax,
        [
            (n["loss"]["right"], rows["loss"]),
            (bypass, rows["loss"]),
            (bypass, below_lin2),
            (cx + _LANE, below_lin2),
            (cx + _LANE, n["lin2"]["bottom"]),
        ],
        True,
        "loss-lin2",
    )
    _label(
        ax,
        "loss-lin2",
        bypass + 6,
        rows["soft"],
        r"$dZ_2 = (\hat{Y} - Y)\,/\,B$",
        "left",
    )

    # inputs beside the layers: value in (lower arrow), gradient out (upper arrow)
    sides = [
        ("W1", "lin1", r"$dW_1 = X^\top dZ_1$"),
        ("b1", "lin1", r"$d\mathbf{b}_1 = \Sigma_{\mathrm{rows}}\, dZ_1$"),
        ("W2", "lin2", r"$dW_2 = A_1^\top dZ_2$"),
        ("b2", "lin2", r"$d\mathbf{b}_2 = \Sigma_{\mathrm{rows}}\, dZ_2$"),
        ("Y", "loss", None),
    ]
    for source, op, gradient in sides:
        on_left = n[source]["x"] < cx
        near_in = n[source]["right"] if on_left else n[source]["left"]
        near_op = n[op]["left"] if on_left else n[op]["right"]
        y = rows[op]
        if gradient is None:
            _arrow(ax, [(near_in, y), (near_op, y)], False, f"{source}-{op}")
            continue
        _arrow(ax, [(near_in, y + 5), (near_op, y + 5)], False, f"{source}-{op}")
        _arrow(ax, [(near_op, y - 5), (near_in, y - 5)], True, f"{op}-{source}")
        _label(
            ax,
            f"{op}-{source}",
            (near_in + near_op) / 2,
            y - 10.5,
            gradient,
            "center",
            "bottom",
        )

    key = [
        Line2D([], [], color=INK, linewidth=1.3, label="value, forward"),
        Line2D(
            [],
            [],
            color=_BACK,
            linewidth=1.3,
            linestyle=(0, (4, 2.5)),
            label="gradient, backward",
        ),
    ]
    ax.legend(
        handles=key, loc="upper right", fontsize=9, handlelength=2.4, borderaxespad=0.3
    )
    return fig


# --- the step-size figure (docs/gradcheck.md) --------------------------------------------


def step_error_figure(seed=0):
    r"""Relative error of a central difference against the step ``h``, float64 and float32.

    The gradient of :math:`f(x) = \sum_i g_i \tanh x_i` at a random :math:`x \in
    \mathbb{R}^5`, with ``f`` evaluated in each precision, against the exact float64
    gradient :math:`g \odot (1 - \tanh^2 x)`. The test threshold ``1e-7`` is a dashed
    line named in the legend, away from the curves.

    Returns
    -------
    fig : matplotlib.figure.Figure
    results : dict
        ``"x"``: the point; ``"hs"``: the steps tried (float64 tries all of them,
        float32 those above its epsilon); for ``"float64"`` and ``"float32"``: a dict
        with ``steps``, ``errors``, ``eps``, the best step ``h`` and its ``error``.
    """
    import numpy as np
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    from nnmath import numerical_gradient, relative_error, tanh, tanh_derivative

    superscripts = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")
    rng = np.random.default_rng(seed)
    x, g = rng.normal(size=5), rng.normal(size=5)
    exact = g * tanh_derivative(x)  # in float64
    hs = np.logspace(-12, -1, 67)

    fig, ax = new_figure(width=6.4, height=3.8)
    results = {"x": x, "hs": hs}
    # where each "best h" label goes, from its dot: float32's sits between its own curve
    # and float64's, which meet at that dot
    offsets = {np.float64: ((-9, -4), "top"), np.float32: ((-14, 0), "center")}
    for dtype, color in ((np.float64, COLORS[0]), (np.float32, COLORS[1])):
        xd, gd = x.astype(dtype), g.astype(dtype)
        eps = np.finfo(dtype).eps
        steps = hs[
            hs > eps
        ]  # below eps, x + h rounds back to x: numerical_gradient refuses

        def f(v, gd=gd):
            return np.sum(gd * tanh(v))

        errors = np.array(
            [relative_error(exact, numerical_gradient(f, xd, h)) for h in steps]
        )
        i = int(np.argmin(errors))
        name = np.dtype(dtype).name
        results[name] = {
            "steps": steps,
            "errors": errors,
            "eps": eps,
            "h": steps[i],
            "error": errors[i],
        }
        ax.loglog(steps, errors, color=color, label=name)
        ax.plot(steps[i], errors[i], "o", color=color, markersize=7)
        ax.annotate(
            f"best h = {steps[i]:.0e}",
            (steps[i], errors[i]),
            textcoords="offset points",
            xytext=offsets[dtype][0],
            ha="right",
            va=offsets[dtype][1],
            fontsize=9,
            color=INK,
        )
        ax.axvline(eps ** (1 / 3), color=color, linestyle=":", linewidth=1.2)
    # named in the legend, not written on the plot: there the label sat on a curve
    ax.axhline(
        1e-7, color=INK, linestyle="--", linewidth=1, label="test threshold 1e-7"
    )
    ax.text(1e-11, 3e-3, "rounding\n(error ∝ ε/h)", fontsize=9, ha="left")
    ax.text(8e-3, 2e-11, "truncation\n(error ∝ h²)", fontsize=9, ha="left")
    ax.set(xlabel="finite-difference step h", ylabel="relative error", ylim=(1e-13, 3))
    powers = FuncFormatter(
        lambda v, _: "10" + str(round(np.log10(v))).translate(superscripts)
    )
    for axis in (ax.xaxis, ax.yaxis):  # 10⁻⁶ as plain text: no mathtext to typeset
        axis.set_major_locator(LogLocator(base=100))
        axis.set_major_formatter(powers)
        axis.set_minor_formatter(NullFormatter())
    ax.legend(loc="lower left", fontsize=9)
    return fig, results
