r"""Build-time math: every formula of a built page typeset by KaTeX, HTML plus MathML.

Site tooling, used by the hook ``docs/hooks/math.py``. pymdownx.arithmatex (``generic:
true``) leaves each formula in the page as ``<span class="arithmatex">\(...\)</span>``
(inline) or ``<div class="arithmatex">\[...\]</div>`` (display); :func:`typeset` replaces
the TeX inside by KaTeX's rendering: HTML that the stylesheet lays out, and MathML that
screen readers read. The reader's browser has no math left to do.

KaTeX runs in one Node.js process for the whole build (``render_math.mjs`` beside this
file), from ``node_modules`` after ``npm ci``, at the version ``package.json`` pins.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "FORMULA",
    "MathSetupError",
    "Renderer",
    "TexError",
    "fonts_used",
    "katex_version",
    "typeset",
]

SCRIPT = Path(__file__).with_name("render_math.mjs")
# What arithmatex (generic mode) writes for a formula. The TeX inside is HTML-escaped text.
FORMULA = re.compile(r'<(span|div) class="arithmatex">(.*?)</\1>', re.S)
NPM_CI = "run `npm ci` in the repository (Node.js 20 or newer), as the README says"


class MathSetupError(RuntimeError):
    """KaTeX cannot run: Node.js or ``npm ci`` is missing, or node_modules is stale."""


@dataclass
class TexError:
    """A formula KaTeX refused, with KaTeX's message."""

    tex: str
    message: str

    def __str__(self) -> str:
        tex = " ".join(self.tex.split())
        return f"`{tex}`: {self.message}"


def katex_version(root: Path) -> str:
    """The KaTeX that node_modules holds, checked against package.json's pin."""
    manifest = root / "node_modules" / "katex" / "package.json"
    if not manifest.is_file():
        raise MathSetupError(
            f"KaTeX, which typesets the site's math at build time, is not installed: {NPM_CI}"
        )
    installed = json.loads(manifest.read_text(encoding="utf-8"))["version"]
    pinned = json.loads((root / "package.json").read_text(encoding="utf-8"))
    pinned = pinned["dependencies"]["katex"]
    if installed != pinned:
        raise MathSetupError(
            f"node_modules holds KaTeX {installed}, package.json pins {pinned}: {NPM_CI}"
        )
    return installed


class Renderer:
    """One Node.js process running KaTeX; :meth:`render` typesets a batch of formulas."""

    def __init__(self, root: Path):
        self.version = katex_version(root)
        node = shutil.which("node")
        if node is None:
            raise MathSetupError(f"Node.js is not on PATH: {NPM_CI}")
        katex = root / "node_modules" / "katex" / "dist" / "katex.mjs"
        self._process = subprocess.Popen(
            [node, str(SCRIPT), str(katex)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            encoding="utf-8",
        )
        hello = json.loads(self._read())
        if hello.get("katex") != self.version:
            raise MathSetupError(f"render_math.mjs loaded KaTeX {hello}: {NPM_CI}")

    def _read(self) -> str:
        line = self._process.stdout.readline()
        if not line:
            code = self._process.wait()
            raise MathSetupError(
                f"the KaTeX process ended (exit status {code}): {NPM_CI}"
            )
        return line

    def render(self, formulas: list[tuple[str, bool]]) -> list[dict]:
        """(TeX, display?) pairs -> {"html": ...} or {"error": ...}, in the same order."""
        if not formulas:
            return []
        request = [{"tex": tex, "display": display} for tex, display in formulas]
        self._process.stdin.write(json.dumps(request) + "\n")
        self._process.stdin.flush()
        return json.loads(self._read())

    def close(self) -> None:
        """End the process (it stops when its input closes) and its pipes."""
        self._process.stdin.close()
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._process.stdout.close()


def _split(content: str) -> tuple[str, bool]:
    """The TeX of one arithmatex element without its delimiters, and whether it is display."""
    tex = html.unescape(content).strip()
    if tex.startswith(r"\(") and tex.endswith(r"\)"):
        return tex[2:-2], False
    if tex.startswith(r"\[") and tex.endswith(r"\]"):
        return tex[2:-2], True
    return tex, True  # an environment on its own, \begin{...}...\end{...}


def typeset(page_html: str, renderer: Renderer) -> tuple[str, list[TexError]]:
    """Replace the TeX of every formula by KaTeX's HTML and MathML.

    Returns the new HTML and the formulas KaTeX refused (left as they were).
    The arithmatex element stays around each formula (the theme's CSS lays it out).
    """
    found = list(FORMULA.finditer(page_html))
    formulas = [_split(match.group(2)) for match in found]
    results = renderer.render(formulas)
    errors = []
    parts, end = [], 0
    for match, (tex, _), result in zip(found, formulas, results, strict=True):
        if "error" in result:
            errors.append(TexError(tex, result["error"]))
            continue
        tag = match.group(1)
        parts += [page_html[end : match.start()], f'<{tag} class="arithmatex">']
        parts += [result["html"], f"</{tag}>"]
        end = match.end()
    parts.append(page_html[end:])
    return "".join(parts), errors


# Which KaTeX font a class of KaTeX's HTML selects (after katex.css); KaTeX_Main-Regular is
# the default of every formula. A rule is (classes that must all be on one element, font).
_FONT_RULES = (
    ({"mathnormal"}, "Math-Italic"),
    ({"mathbf"}, "Main-Bold"),
    ({"textbf"}, "Main-Bold"),
    ({"mathit"}, "Main-Italic"),
    ({"textit"}, "Main-Italic"),
    ({"boldsymbol"}, "Math-BoldItalic"),
    ({"mathbb"}, "AMS-Regular"),
    ({"amsrm"}, "AMS-Regular"),
    ({"mathcal"}, "Caligraphic-Regular"),
    ({"mathfrak"}, "Fraktur-Regular"),
    ({"mathscr"}, "Script-Regular"),
    ({"mathsf"}, "SansSerif-Regular"),
    ({"textsf"}, "SansSerif-Regular"),
    ({"mathtt"}, "Typewriter-Regular"),
    ({"texttt"}, "Typewriter-Regular"),
    ({"small-op"}, "Size1-Regular"),
    ({"large-op"}, "Size2-Regular"),
    ({"delimsizing", "size1"}, "Size1-Regular"),
    ({"delimsizing", "size2"}, "Size2-Regular"),
    ({"delimsizing", "size3"}, "Size3-Regular"),
    ({"delimsizing", "size4"}, "Size4-Regular"),
    ({"delim-size1"}, "Size1-Regular"),
    ({"delim-size4"}, "Size4-Regular"),
)
_CLASSES = re.compile(r'<span class="([^"]+)"')


def fonts_used(page_html: str) -> list[str]:
    """The KaTeX fonts (file names without .woff2) that the page's typeset math draws with.

    The page preloads them, so that they arrive with the page and no formula reflows
    when its font comes in late (layout shift).
    """
    if 'class="katex"' not in page_html:
        return []
    found = {"Main-Regular"}
    for value in set(_CLASSES.findall(page_html)):
        classes = set(value.split())
        found.update(font for needed, font in _FONT_RULES if needed <= classes)
    return sorted(f"KaTeX_{font}" for font in found)
