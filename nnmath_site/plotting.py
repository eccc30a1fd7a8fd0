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
