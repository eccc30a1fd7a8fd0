"""MkDocs hook: the theme's search dialog gets a name, as axe-core requires (aria-dialog-name).

Material for MkDocs renders its search as ``<div class="md-search" ... role="dialog">``
with no accessible name. This hook adds ``aria-label`` to that tag in every built page (the
404 page too), taking the text from the theme's own search labels, so it follows the site's
language. It edits one attribute of the built HTML instead of copying the theme's partial,
so a theme upgrade keeps working: if the theme names the dialog itself, the hook leaves it.
"""

from __future__ import annotations

import re

DIALOG = re.compile(r'<div class="md-search"[^>]*\brole="dialog"[^>]*>')
# The theme's translation of "Search", on the search options inside the dialog.
LABEL = re.compile(r'<nav class="md-search__options" aria-label="([^"]+)"')


def name_the_dialog(html: str) -> str:
    match = DIALOG.search(html)
    if match is None or "aria-label=" in match.group(0):
        return html
    label = LABEL.search(html, match.end())
    name = label.group(1) if label else "Search"
    tag = match.group(0)[:-1] + f' aria-label="{name}">'
    return html[: match.start()] + tag + html[match.end() :]


def on_post_page(output, page, config):
    return name_the_dialog(output)


def on_post_template(output_content, template_name, config):
    return (
        name_the_dialog(output_content)
        if template_name == "404.html"
        else output_content
    )
