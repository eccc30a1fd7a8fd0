"""Third-party scripts of the site, MathJax and Mermaid: the one place where they are wired.

A MkDocs hook (``hooks:`` in mkdocs.yml). Each script comes from its official npm package,
pinned to an exact version in ``package.json`` and ``package-lock.json``. Two modes, chosen at
every build:

- self-contained, after ``npm ci``: the hook copies only the files the pages use from
  ``node_modules/`` into ``assets/vendor/<package>/`` of the built site and points the pages at
  that copy, so the site makes no request to any other host;
- CDN, when only the Python extras are installed: the pages load the same pinned versions from
  jsDelivr with a Subresource Integrity hash (the browser refuses any other file), and the build
  prints one info line saying so.

``NNMATH_VENDOR`` picks the mode: ``auto`` (the default: self-contained when ``node_modules``
holds the packages, else CDN), ``local`` (fail without them: CI and deployments use it) or
``cdn`` (the browser tests use it to check the CDN mode).

MathJax is loaded by every page, after its configuration ``docs/javascripts/mathjax.js``
(instant navigation swaps pages without running their scripts, so a page without math must
still bring MathJax for the next one). Mermaid is 3.5 MB and only one page draws a diagram:
``docs/javascripts/mermaid.js`` stands in for it and loads it on the first diagram, which also
keeps Material for MkDocs from fetching its own unpinned copy from unpkg.com.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from mkdocs.config.config_options import ExtraScriptValue
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File
from mkdocs.utils import get_relative_url

log = logging.getLogger("mkdocs.hooks.vendored")

ROOT = Path(__file__).resolve().parents[2]  # docs/hooks/vendored.py -> the repository
NODE_MODULES = ROOT / "node_modules"
MODE_VARIABLE = "NNMATH_VENDOR"
SITE_DIR = (
    "assets/vendor"  # the copies go to assets/vendor/<package>/<path in the package>
)
CDN = "https://cdn.jsdelivr.net/npm"  # serves npm packages file by file, unmodified


@dataclass(frozen=True)
class Vendored:
    """A script from an npm package, and the files of the package it loads at run time."""

    package: str
    version: str  # the exact version package.json pins
    main: str  # the script the pages load, as a path inside the package
    integrity: str  # its Subresource Integrity hash (see sri_hash)
    runtime: tuple[
        str, ...
    ]  # globs inside the package for what the script fetches itself
    exclude: tuple[str, ...] = ()  # files the globs match that are never fetched

    def site_path(self, name: str) -> str:
        return f"{SITE_DIR}/{self.package}/{name}"

    def cdn_url(self, name: str) -> str:
        return f"{CDN}/{self.package}@{self.version}/{name}"

    def files(self, node_modules: Path = NODE_MODULES) -> list[str]:
        """What is copied into the site: the main script and its run-time files, sorted."""
        package = node_modules / self.package
        found = {self.main}
        for pattern in self.runtime:
            found.update(
                path.relative_to(package).as_posix() for path in package.glob(pattern)
            )
        return sorted(found - set(self.exclude))


# Bumping a version: `npm install --save-exact <package>@X.Y.Z`, then set version and
# integrity here; the build says what the new hash is.
MATHJAX = Vendored(
    package="mathjax",
    version="3.2.2",
    main="es5/tex-mml-chtml.js",  # TeX and MathML input, CommonHTML output, the menu
    integrity="sha384-Wuix6BuhrWbjDBs24bXrjf4ZQ5aFeFWBuKkFekO2t8xFU0iNaLQfp2K6/1Nxveei",
    runtime=(
        # MathJax finds these next to its main script.
        "es5/output/chtml/fonts/woff-v2/*.woff",  # the fonts of the CommonHTML output
        "es5/input/tex/extensions/*.js",  # TeX packages, autoloaded by their macros
        # Loaded when a reader turns on an accessibility option of the MathJax menu
        # (explorer, speech, braille, collapsing): English and Nemeth speech rules only.
        "es5/a11y/*.js",
        "es5/sre/mathmaps/base.json",
        "es5/sre/mathmaps/en.json",
        "es5/sre/mathmaps/nemeth.json",
    ),
    exclude=(
        "es5/input/tex/extensions/all-packages.js",
    ),  # all TeX packages in one, unused
)
MERMAID = Vendored(
    package="mermaid",
    version="11.17.2",
    main="dist/mermaid.min.js",  # one file: the whole library and its dependencies
    integrity="sha384-EOXBFmc3gx5mb+vn0vPvvGqACToJD24hhacX5Yx+8NUUQrHIle/Qi5Bg9o3zKwW2",
    runtime=(),
)
VENDORED = (MATHJAX, MERMAID)
MATHJAX_CONFIG = "javascripts/mathjax.js"  # sets window.MathJax, so it must run first
MERMAID_LOADER = "javascripts/mermaid.js"

_mode = "cdn"  # the mode of the build in progress, set by on_config


def sri_hash(data: bytes) -> str:
    """The Subresource Integrity value of a file's bytes: sha384, base64."""
    return "sha384-" + base64.b64encode(hashlib.sha384(data).digest()).decode("ascii")


def _installed(item: Vendored) -> bool:
    return (NODE_MODULES / item.package / item.main).is_file()


def _check(item: Vendored) -> None:
    """Fail the build unless node_modules holds the pinned, unmodified release."""
    pinned = json.loads((ROOT / "package.json").read_text(encoding="utf-8"))[
        "dependencies"
    ][item.package]
    manifest = NODE_MODULES / item.package / "package.json"
    installed = json.loads(manifest.read_text(encoding="utf-8"))["version"]
    if not pinned == installed == item.version:
        raise PluginError(
            f"{item.package} versions disagree: {__file__} has {item.version}, package.json "
            f"{pinned}, node_modules {installed}. Run `npm ci`, or update the hook."
        )
    actual = sri_hash((NODE_MODULES / item.package / item.main).read_bytes())
    if actual != item.integrity:
        raise PluginError(
            f"node_modules/{item.package}/{item.main} is not the pinned file: {actual}"
        )


def on_config(config):
    global _mode
    wanted = os.environ.get(MODE_VARIABLE, "auto")
    if wanted not in ("auto", "local", "cdn"):
        raise PluginError(f"{MODE_VARIABLE} must be auto, local or cdn, not {wanted!r}")
    present = all(_installed(item) for item in VENDORED)
    if wanted == "local" and not present:
        raise PluginError(
            f"{MODE_VARIABLE}=local, but {NODE_MODULES} lacks MathJax or Mermaid: run `npm ci`"
        )
    _mode = "local" if present and wanted != "cdn" else "cdn"
    if _mode == "local":
        for item in VENDORED:
            _check(item)
    else:
        why = f"{MODE_VARIABLE}=cdn" if wanted == "cdn" else "node_modules not found"
        log.info(
            f"MathJax {MATHJAX.version} and Mermaid {MERMAID.version} load from the CDN, "
            f"with SRI hashes ({why}; `npm ci` makes the site self-contained)"
        )
    if MATHJAX_CONFIG not in [str(script) for script in config.extra_javascript]:
        config.extra_javascript.append(ExtraScriptValue(MATHJAX_CONFIG))
    return config


def on_files(files, config):
    if _mode == "local":
        for item in VENDORED:
            for name in item.files():
                source = NODE_MODULES / item.package / name
                files.append(
                    File.generated(
                        config, item.site_path(name), abs_src_path=str(source)
                    )
                )
    return files


def _tags(url) -> str:
    """The script tags every page ends with; url(path) makes a site path a link from the page."""
    if _mode == "local":
        mathjax = f'<script src="{url(MATHJAX.site_path(MATHJAX.main))}"></script>'
        mermaid = f'data-src="{url(MERMAID.site_path(MERMAID.main))}"'
    else:
        mathjax = (
            f'<script src="{MATHJAX.cdn_url(MATHJAX.main)}" integrity="{MATHJAX.integrity}" '
            'crossorigin="anonymous"></script>'
        )
        mermaid = f'data-src="{MERMAID.cdn_url(MERMAID.main)}" data-integrity="{MERMAID.integrity}"'
    return f'{mathjax}\n<script src="{url(MERMAID_LOADER)}" {mermaid}></script>\n'


def _append_to_body(html: str, tags: str) -> str:
    end = html.rfind("</body>")
    return html if end < 0 else html[:end] + tags + html[end:]


def on_post_page(output, page, config):
    return _append_to_body(output, _tags(lambda path: get_relative_url(path, page.url)))


def on_post_template(output_content, template_name, config):
    # The 404 page is served at any depth, so it links by absolute path, as the theme does there.
    if template_name != "404.html":
        return output_content
    base = urlsplit(config.site_url or "/").path.rstrip("/")
    return _append_to_body(output_content, _tags(lambda path: f"{base}/{path}"))
