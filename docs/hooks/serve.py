"""MkDocs hook: ``mkdocs serve`` rebuilds fast; whole-site work belongs to the build.

Under ``mkdocs serve`` the link checker (the htmlproofer plugin, which parses every page
again) and the search index (Material's search plugin parses every page too) are off, so an
edit shows in seconds. ``mkdocs build --strict``, CI and the tests check every link and
anchor and build the search index as before. ``NNMATH_SERVE_FULL=1`` keeps both while
serving.
"""

from __future__ import annotations

import logging
import os

log = logging.getLogger("mkdocs.hooks.serve")
_state = {"command": None}
# (plugin, what it does for the site) that serve skips
SKIPPED = (("htmlproofer", "the link check"), ("material/search", "the search index"))


def on_startup(command, dirty):
    _state["command"] = command


def on_config(config):
    if _state["command"] != "serve" or os.environ.get("NNMATH_SERVE_FULL"):
        return config
    off = []
    for name, what in SKIPPED:
        plugin = config.plugins.get(name)
        if plugin is not None and plugin.config["enabled"]:
            plugin.config["enabled"] = False
            off.append(what)
    if off:
        log.info(
            f"mkdocs serve: {' and '.join(off)} off (mkdocs build --strict has them; "
            "NNMATH_SERVE_FULL=1 keeps them here)"
        )
    return config
