"""MkDocs hook: KaTeX's stylesheet and fonts, which the site serves itself.

The math is typeset while the site is built (the hook docs/hooks/math.py); the reader's
browser only needs KaTeX's stylesheet and fonts, copied unmodified from ``node_modules``
(``npm ci``, at the version ``package.json`` pins) into ``assets/vendor/katex/``.
mkdocs.yml links the stylesheet (``extra_css``), as Material's KaTeX recipe does. Only the
woff2 fonts are copied: every browser the theme supports reads them, so it never asks for
the woff and ttf files the stylesheet also names.

Without ``npm ci`` the build stops in ``on_config`` with one message that says so.
"""

from __future__ import annotations

from pathlib import Path

from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File

from nnmath_site.math import MathSetupError, katex_version

ROOT = Path(__file__).resolve().parents[2]  # docs/hooks/vendored.py -> the repository
KATEX = ROOT / "node_modules" / "katex" / "dist"
SITE_DIR = "assets/vendor/katex"
STYLESHEET = "katex.min.css"


def files_to_copy() -> list[str]:
    """The paths, inside node_modules/katex/dist, that the site serves: CSS and woff2 fonts."""
    fonts = sorted(path.name for path in (KATEX / "fonts").glob("*.woff2"))
    return [STYLESHEET] + [f"fonts/{name}" for name in fonts]


def on_config(config):
    try:
        katex_version(ROOT)
    except MathSetupError as error:
        raise PluginError(str(error)) from None
    return config


def on_files(files, config):
    for name in files_to_copy():
        files.append(
            File.generated(config, f"{SITE_DIR}/{name}", abs_src_path=str(KATEX / name))
        )
    return files
