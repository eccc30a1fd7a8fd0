"""MkDocs hook: ``mkdocs serve`` rebuilds fast; whole-site checks belong to the build.

Under ``mkdocs serve`` the link checker (the htmlproofer plugin, which parses every page
again) is off, so an edit shows in seconds. ``mkdocs build --strict``, CI and the tests
check every link and anchor as before. ``NNMATH_SERVE_CHECK_LINKS=1`` keeps the link check
on while serving.
"""

from __future__ import annotations

import logging
import os

log = logging.getLogger("mkdocs.hooks.serve")
_state = {"command": None}


def on_startup(command, dirty):
    _state["command"] = command


def on_config(config):
    serving = _state["command"] == "serve"
    if serving and not os.environ.get("NNMATH_SERVE_CHECK_LINKS"):
        proofer = config.plugins.get("htmlproofer")
        if proofer is not None and proofer.config["enabled"]:
            proofer.config["enabled"] = False
            log.info(
                "mkdocs serve: links are checked by mkdocs build --strict, not here"
            )
    return config
