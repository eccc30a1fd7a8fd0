"""MkDocs hook: every formula typeset at build time, by KaTeX (see nnmath_site/math.py).

``on_post_page`` sees each page's final HTML, the API reference's docstrings included
(mkdocstrings renders them with the same Markdown extensions), and replaces the TeX that
pymdownx.arithmatex left there by KaTeX's HTML and MathML. A formula KaTeX refuses fails
the build, naming the page and the formula. One Node.js process serves the whole build.
"""

from __future__ import annotations

import atexit
from pathlib import Path

from mkdocs.exceptions import PluginError
from mkdocs.utils import get_relative_url

from nnmath_site.math import MathSetupError, Renderer, fonts_used, typeset

ROOT = Path(__file__).resolve().parents[2]  # docs/hooks/math.py -> the repository
FONTS = "assets/vendor/katex/fonts"  # where docs/hooks/vendored.py copies KaTeX's fonts

_renderer: Renderer | None = None


def _close() -> None:
    global _renderer
    if _renderer is not None:
        _renderer.close()
        _renderer = None


atexit.register(_close)  # a build that failed half-way still ends its Node.js process


def on_post_page(output, page, config):
    global _renderer
    if 'class="arithmatex"' not in output:
        return output
    try:
        if _renderer is None:
            _renderer = Renderer(ROOT)
        output, errors = typeset(output, _renderer)
    except MathSetupError as error:
        raise PluginError(str(error)) from None
    if errors:
        listed = "\n".join(f"  {error}" for error in errors)
        raise PluginError(
            f"TeX error on page {page.file.src_uri}: KaTeX cannot typeset "
            f"{len(errors)} formula{'s' if len(errors) > 1 else ''}:\n{listed}"
        )
    return _preload_fonts(output, page)


def _preload_fonts(output: str, page) -> str:
    """Ask for the page's math fonts at the top of its head (after the charset, which must
    come first), before the stylesheets: they arrive with the page, and no formula reflows
    when its font comes in late (layout shift)."""
    links = "".join(
        f'<link rel="preload" href="{get_relative_url(f"{FONTS}/{font}.woff2", page.url)}"'
        ' as="font" type="font/woff2" crossorigin>'
        for font in fonts_used(output)
    )
    charset = '<meta charset="utf-8">'
    at = output.find(charset)
    at = at + len(charset) if at >= 0 else output.find("</head>")
    return output[:at] + links + output[at:]


def on_post_build(config):
    _close()


def on_build_error(error):
    _close()
