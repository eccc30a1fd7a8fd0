"""Structure of the docs: every fence is tested or says why not, every page is in the nav.

pytest-markdown-docs parses pages with a CommonMark parser that only sees fences at the
top level, and superfences only honours options in brace form. These tests make sure no
fence silently escapes either tool.
"""

from __future__ import annotations

import re

import pytest

from tests.support import DOCS, ROOT, nav_pages

PAGES = sorted(DOCS.glob("*.md"))
FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<ticks>`{3,}|~{3,})\s*(?P<info>.*)$")
PY_LANGS = {"python", "py", "python3", "pycon"}


def fences(path):
    """Yield (line_number, indent, info, previous_line) for every opening fence in a page."""
    lines = path.read_text(encoding="utf8").splitlines()
    closing = None
    for i, line in enumerate(lines):
        m = FENCE.match(line)
        if closing is None and m and m["info"]:
            closing = m["ticks"]
            yield i + 1, m["indent"], m["info"].strip(), lines[i - 1] if i else ""
        elif closing is not None and line.strip() == closing:
            closing = None


def language(info):
    if info.startswith("{"):
        langs = [w[1:] for w in info.strip("{}").split() if w.startswith(".")]
        return langs[0] if langs else ""
    return info.split()[0]


# The path README.md promises: the neuron, activations, matrices, losses, backpropagation
# (worked by hand first), gradient checking, the optimizers, then training on digits.
PATH = [
    "neuron.md",
    "activations.md",
    "matrix.md",
    "losses.md",
    "by-hand.md",
    "backprop.md",
    "gradcheck.md",
    "optimizers.md",
    "training.md",
]


def test_the_nav_opens_on_the_index_and_follows_the_path_in_order():
    nav = nav_pages()
    assert nav[0] == "index.md" and "notation.md" in nav and nav[-1] == "api.md"
    assert [page for page in nav if page in PATH] == PATH


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_python_fences_use_brace_options(page):
    for line, _, info, _ in fences(page):
        words = info.split()
        if (
            not info.startswith("{")
            and words
            and words[0] in PY_LANGS
            and len(words) > 1
        ):
            pytest.fail(
                f"{page.name}:{line}: bare fence options {info!r}; write {{.python ...}}"
            )


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_python_fences_are_visible_to_pytest(page):
    """An indented fence (inside an admonition) would be skipped by pytest without a word."""
    for line, indent, info, _ in fences(page):
        if language(info) in PY_LANGS and indent and "notest" not in info:
            pytest.fail(
                f"{page.name}:{line}: indented python fence is never run by pytest"
            )


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_every_notest_fence_states_its_reason(page):
    for line, _, info, previous in fences(page):
        if "notest" in info.split() or "notest}" in info:
            assert re.match(r"\s*<!-- notest: .{10,} -->", previous), (
                f"{page.name}:{line}: a notest fence needs '<!-- "
                f"notest: reason -->' on the line above"
            )


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_pages_name_what_they_list_instead_of_including_files(page):
    """Issue 8: a listing names its objects (nnmath_site.listing); no snippet includes."""
    for number, line in enumerate(page.read_text(encoding="utf8").splitlines(), 1):
        assert "--8<--" not in line, (
            f"{page.name}:{number}: write listing(...) instead of an include"
        )


@pytest.mark.parametrize(
    "path",
    sorted((ROOT / "nnmath").glob("*.py")) + sorted((ROOT / "examples").glob("*.py")),
    ids=lambda p: p.relative_to(ROOT).as_posix(),
)
def test_listed_code_carries_no_include_markers(path):
    """The source reads top to bottom like the page: griffe finds what a listing shows."""
    for number, line in enumerate(path.read_text(encoding="utf8").splitlines(), 1):
        assert "--8<--" not in line, f"{path.name}:{number}: an include marker is left"


def test_every_page_is_in_the_nav_and_every_nav_entry_exists():
    nav = nav_pages()
    assert sorted(nav) == sorted(p.name for p in PAGES)
    assert len(nav) == len(set(nav))


def test_every_public_name_is_in_the_api_reference():
    import nnmath

    api = (DOCS / "api.md").read_text(encoding="utf8")
    for name in nnmath.__all__:
        module = getattr(nnmath, name).__module__
        assert f"::: {module}" in api, f"{name} (from {module}) is not in docs/api.md"


def _documented_parameters():
    """(path, name, default in the docstring, default in the signature, type) per row."""
    import griffe

    package = griffe.load("nnmath", docstring_parser="numpy")

    def walk(obj):
        for member in obj.members.values():
            if member.is_alias or member.name.startswith("_"):
                continue
            yield member
            if member.is_class or member.is_module:
                yield from walk(member)

    rows = []
    for obj in walk(package):
        if not (obj.is_function or obj.is_class) or not obj.docstring:
            continue
        init = obj.members.get("__init__") if obj.is_class else obj
        signature = {p.name: p.default for p in (init.parameters if init else [])}
        for section in obj.docstring.parsed:
            if section.kind.value == "parameters":
                for p in section.value:
                    rows.append(
                        (
                            obj.path,
                            p.name,
                            p.default,
                            signature.get(p.name),
                            p.annotation,
                        )
                    )
    return rows


def _normalized(default):
    text = str(default).strip("'\"").removeprefix("np.")
    try:
        return float(text)
    except ValueError:
        return text


def test_the_api_page_shows_the_signatures_defaults_and_every_type():
    # numpydoc reads `{"relu", ...}` as defaulting to its first choice: mlp's activation
    # showed as defaulted on the API page although it is required
    rows = _documented_parameters()
    assert len(rows) > 60
    wrong = [
        (path, name, documented, actual)
        for path, name, documented, actual, _ in rows
        if _normalized(documented) != _normalized(actual)
    ]
    assert not wrong, wrong
    untyped = [(path, name) for path, name, *_, annotation in rows if not annotation]
    assert not untyped, untyped
