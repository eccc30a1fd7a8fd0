r"""Code listings by name: a page names what it shows, the build prints its source.

A page shows code with a markdown-exec fence (``exec="on"`` without ``result``, so what
it prints is rendered as Markdown)::

    ```{.python exec="on"}
    from nnmath_site.listing import listing

    print(listing("nnmath.sigmoid", "nnmath.sigmoid_derivative"))
    ```

(The fence prints the listing itself: markdown-exec captures the ``print`` of the fence's
code, not the prints of the functions it calls.) The listing is one fenced code block
titled with the source file: each object's source as it is written, decorators included,
docstrings left out (the API page renders them), objects separated as in a file; then a
link to each object's entry on the API page. The source files carry no include markers,
and a listing cannot drift from the code: it is read from the file at every build.

A name is one of

- a dotted path into an installed package: ``nnmath.sigmoid`` (the public alias of
  ``nnmath.activations.sigmoid``), ``nnmath.Dense``, ``nnmath.Dense.backward``;
- a file of the repository, shown whole, by its path from the repository's root:
  ``examples/train_digits.py`` (a module of a package too: ``nnmath/neuron.py``);
- an object of such a file: ``tests/test_crosscheck.py:test_optimizer_trajectory``.

A class is shown without its docstring, its methods' docstrings and its private members
(names starting with ``_``, ``__repr__`` among them; ``__init__`` stays). A whole file is
shown without its docstrings and its private top-level names (``_helper``; dunder names
such as ``__all__`` stay). A name that does not exist raises ``ListingError`` naming it,
which fails ``mkdocs build --strict`` and the page's test.

griffe (the library mkdocstrings uses) reads the source statically: it follows the
package's re-exports, knows where every object and docstring starts and ends, and never
imports the code. A package is read again whenever one of its files changes (the cache is
keyed by the files' modification times), so ``mkdocs serve`` redraws a listing when the
code it shows is edited. After the first listing of a build, a listing takes well under a
millisecond.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import griffe

from nnmath_site.exec_cache import uses

from . import ROOT

__all__ = ["ListingError", "listing", "source"]

#: The class of the ``<div>`` that wraps every listing: tests/test_site.py finds them by it.
LISTING_CLASS = "nnmath-listing"

_packages: dict[
    str, tuple[tuple, griffe.Module]
] = {}  # name -> (files' stamps, package)
_files: dict[Path, tuple[tuple, griffe.Module]] = {}  # file -> (its stamp, module)


class ListingError(LookupError):
    """A listing names an object that does not exist, or objects of several files."""


def listing(*names: str) -> str:
    """The Markdown of the listing of ``names``: a titled code block, then the API links."""
    code, title, links = _listing(names)
    ticks = "`" * max(
        3, 1 + max((len(run) for run in re.findall(r"`+", code)), default=0)
    )
    parts = [
        f'<div class="{LISTING_CLASS}" markdown>',
        "",
        f'{ticks}python title="{title}"',
    ]
    parts += [code, ticks, ""]
    if links:
        refs = " · ".join(f"[`{shown}`][{identifier}]" for shown, identifier in links)
        parts += [f"API reference: {refs}", ""]
    parts.append("</div>")
    return "\n".join(parts)


def source(*names: str) -> str:
    """The code of the listing of ``names``, as plain text."""
    return _listing(names)[0]


def _listing(names):
    if not names:
        raise ListingError("listing() needs at least one name")
    found = [_find(name) for name in names]
    titles = {title for _, title, _ in found}
    if len(titles) > 1:
        raise ListingError(
            f"one listing shows one file, but {names} are in {sorted(titles)}"
        )
    pieces, links = [], []
    for name, (obj, _, link) in zip(names, found):
        pieces.append(
            (_code(obj), obj.is_module or obj.parent is None or obj.parent.is_module)
        )
        if link:
            links.append((name, link))
    code = pieces[0][0]
    for text, top_level in pieces[1:]:
        code += ("\n\n\n" if top_level else "\n\n") + text
    return code, titles.pop(), links


# --- finding the object ----------------------------------------------------------------


def _find(name):
    """Return ``(griffe object, title, API identifier or None)`` for one name."""
    obj, title, identifier = _find_object(name)
    uses(obj.filepath)  # the build's cache: this listing depends on that file
    return obj, title, identifier


def _find_object(name):
    path, colon, qualname = name.partition(":")
    if path.endswith(".py"):
        module = _file_module(path)
        obj = _member(module, qualname, name) if colon else module
        return obj, Path(obj.filepath).relative_to(ROOT).as_posix(), None
    package_name, _, qualname = name.partition(".")
    package, folder = _package(package_name, name)
    obj = _member(package, qualname, name) if qualname else package
    if obj.is_module and obj.name in obj.members:
        # `from .neuron import *` in nnmath/__init__.py rebinds nnmath.neuron to the function
        # nnmath.neuron.neuron, as Python does; griffe keeps the submodule under that name.
        obj = obj.members[obj.name]
        obj = obj.final_target if obj.is_alias else obj
    title = Path(obj.filepath).resolve().relative_to(folder.parent).as_posix()
    public = not any(
        part.startswith("_") and part != "__init__" for part in obj.path.split(".")
    )
    return obj, title, obj.path if public else None


def _member(parent, qualname, name):
    obj = parent
    try:
        for part in qualname.split("."):
            obj = obj.members[part]
            if obj.is_alias:
                obj = obj.final_target
    except KeyError:
        raise ListingError(
            f"listing({name!r}): {obj.path} has no member {part!r}"
        ) from None
    except griffe.AliasResolutionError as error:
        raise ListingError(
            f"listing({name!r}): cannot follow {obj.path}: {error}"
        ) from None
    if not isinstance(
        obj, (griffe.Function, griffe.Class, griffe.Module, griffe.Attribute)
    ):
        raise ListingError(
            f"listing({name!r}): {obj.path} is not a function, class or module"
        )
    return obj


def _stamp(path):
    stat = path.stat()
    return (str(path), stat.st_mtime_ns, stat.st_size)


def _package(name, wanted):
    """The statically loaded package ``name``, from where ``import name`` would find it."""
    try:
        spec = importlib.util.find_spec(name)  # does not import a top-level package
    except (ImportError, ValueError):
        spec = None
    if spec is None or not spec.submodule_search_locations:
        raise ListingError(f"listing({wanted!r}): no installed package {name!r}")
    folder = Path(next(iter(spec.submodule_search_locations))).resolve()
    stamps = tuple(_stamp(path) for path in sorted(folder.rglob("*.py")))
    cached = _packages.get(name)
    if cached is None or cached[0] != stamps:
        package = griffe.load(
            name, search_paths=[folder.parent], allow_inspection=False
        )
        cached = _packages[name] = (stamps, package)
    return cached[1], folder


def _file_module(path):
    """A file of the repository (``examples/x.py``), read statically as a module."""
    file = (ROOT / path).resolve()
    if not file.is_file():
        raise ListingError(f"listing({path!r}): no file {file}")
    stamp = _stamp(file)
    cached = _files.get(file)
    if cached is None or cached[0] != stamp:
        name = ".".join(Path(path).with_suffix("").parts)
        code = file.read_text(encoding="utf8")
        lines = griffe.LinesCollection()
        lines[file] = code.splitlines()
        module = griffe.visit(name, filepath=file, code=code, lines_collection=lines)
        cached = _files[file] = (stamp, module)
    return cached[1]


# --- the code of one object ------------------------------------------------------------


def _code(obj):
    """The object's source lines, without docstrings and hidden members, dedented."""
    lines = obj.lines_collection[obj.filepath]
    first, last = (1, len(lines)) if obj.is_module else (obj.lineno, obj.endlineno)
    dropped, replaced = set(), {}
    _hide(obj, lines, dropped, replaced)
    kept = []  # the lines shown, with the blank lines around a dropped part normalized
    gap, gap_had_drop = [], False
    for number in range(first, last + 1):
        line = replaced.get(number, lines[number - 1])
        if number in dropped and number not in replaced:
            gap_had_drop = True
        elif not line.strip():
            gap.append(line)
        else:
            if gap_had_drop:
                gap = [""] * (
                    0 if not kept or not gap else 1 if line[:1].isspace() else 2
                )
            kept += gap + [line]
            gap, gap_had_drop = [], False
    indent = min(len(line) - len(line.lstrip()) for line in kept if line.strip())
    return "\n".join(line[indent:] for line in kept)


def _hidden(obj):
    name = obj.name
    if obj.parent is not None and obj.parent.is_class:
        return name.startswith("_") and name != "__init__"
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _hide(obj, lines, dropped, replaced):
    """Add to ``dropped`` the lines of the docstrings and hidden members inside ``obj``."""
    doc = obj.docstring
    if doc is not None and doc.lineno is not None:
        dropped.update(range(doc.lineno, doc.endlineno + 1))
        if (
            not obj.is_module
            and not obj.is_attribute
            and doc.endlineno >= obj.endlineno
        ):
            line = lines[
                doc.lineno - 1
            ]  # the body was only the docstring: it becomes `...`
            replaced[doc.lineno] = line[: len(line) - len(line.lstrip())] + "..."
        else:
            after = doc.endlineno + 1
            while after <= len(lines) and not lines[after - 1].strip():
                dropped.add(after)  # the blank lines that separated it from the body
                after += 1
    if not (obj.is_class or obj.is_module):
        return
    members = [
        m for m in obj.members.values() if not m.is_alias and m.lineno is not None
    ]
    bodies = [(m.lineno, m.endlineno) for m in members if m.is_function]
    for member in members:
        if member.is_attribute and any(a < member.lineno <= b for a, b in bodies):
            _hide(
                member, lines, dropped, replaced
            )  # self.x = ... inside a method: shown
        elif _hidden(member):
            start = member.lineno
            while start > 1 and lines[start - 2].lstrip().startswith("#"):
                start -= 1  # the comment right above it belongs to it
            dropped.update(range(start, member.endlineno + 1))
        else:
            _hide(member, lines, dropped, replaced)
