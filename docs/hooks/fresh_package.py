"""MkDocs hook: every build imports nnmath afresh.

The pages' code (markdown-exec) runs inside the MkDocs process and imports nnmath.
``mkdocs serve`` keeps that process alive between rebuilds, and Python caches imported
modules, so without this hook an edit to nnmath/ would update the code listings (read from
the files) but not the printed outputs and figures (computed by the cached, old module).
"""

from __future__ import annotations

import sys


def on_pre_build(config, **kwargs):
    """Forget every imported nnmath module, so the pages import the files as they are now."""
    for name in [n for n in sys.modules if n == "nnmath" or n.startswith("nnmath.")]:
        del sys.modules[name]
