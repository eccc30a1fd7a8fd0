"""MkDocs hook: every build imports nnmath and the site tooling nnmath_site afresh.

The pages' code (markdown-exec) runs inside the MkDocs process and imports nnmath and
nnmath_site. ``mkdocs serve`` keeps that process alive between rebuilds, and Python caches
imported modules, so without this hook an edit to nnmath/ would update the code listings
(read from the files at every build) but not the printed outputs and figures (computed by
the cached, old module). The examples (``nnmath_site.examples.load_example``) are read
afresh at every call anyway.
"""

from __future__ import annotations

import sys

PACKAGES = ("nnmath", "nnmath_site")
#: The build's execution cache is machinery, not what the pages show: it keeps its state
#: from one build to the next (docs/hooks/exec_cache.py).
KEEP = ("nnmath_site.exec_cache",)


def on_pre_build(config, **kwargs):
    """Forget every imported module of the packages: the pages import the files as they are."""
    stale = [
        n
        for n in sys.modules
        if (n in PACKAGES or n.startswith(tuple(p + "." for p in PACKAGES)))
        and n not in KEEP
    ]
    for name in stale:
        del sys.modules[name]
