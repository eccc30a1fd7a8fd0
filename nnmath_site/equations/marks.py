r"""Which check verifies each display equation of the site.

Site tooling, shared by the build hook ``docs/hooks/equations.py`` and the pytest plugin
``nnmath_site/equations/plugin.py``.

**On the page.** The first line of every display equation is a TeX comment that names
it (KaTeX never sees the line: the hook takes it out):

- ``% eq:sigmoid code: nnmath.sigmoid nnmath.sigmoid_derivative``: the equation is
  computed by that code, and at least one test must verify it;
- ``% eq:sigmoid-quotient explanatory: a step of the derivation``: nothing checks it, for
  the reason given (a definition, a step, a statement no test applies to);
- ``% eq:sigmoid``: the same equation stated again (a docstring, the summary sheet); it
  carries the mark of the place that states it with ``code:`` or ``explanatory:``.

**In the tests.** A test says which equations it verifies, and how::

    @pytest.mark.verifies("sigmoid", "sigmoid-derivative", by="finite differences")
    def test_elementwise_gradient_check(..., measured):
        err = check_gradient(...)
        measured(err)  # shown beside the equation after the next build
        assert err < 1e-7

so the link lives in one place. The plugin writes what each verifying test measured to
``build/verification.json``; the build reads it and prints it under the equation.
:func:`problems` lists what is wrong with the marks (the build and pytest both fail on
it).
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import re
import sys
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "KINDS",
    "MEASUREMENTS",
    "Mark",
    "MarkError",
    "Verification",
    "api_anchor",
    "page_marks",
    "parse_mark",
    "problems",
    "unknown_code",
    "verifies_marks",
]

# The kinds of check a test can name in ``by=``: how the page words it, and what the
# number passed to ``measured`` is (None: the check measures no number).
KINDS = {
    "finite differences": ("central differences", "rel. error"),
    "PyTorch": ("PyTorch autograd, float64", "max. difference"),
    "mpmath": ("200-bit mpmath", "ulps"),
    "exact": ("exact cases", "max. difference"),
    "sampling": ("sample statistics", "rel. deviation"),
    "property": ("Hypothesis properties", None),
}
MEASUREMENTS = Path("build") / "verification.json"  # relative to the repository

_ID = r"[a-z0-9]+(?:-[a-z0-9]+)*"
MARK = re.compile(r"^[ \t]*%[ \t]*eq:(?P<id>\S*)[ \t]*(?P<rest>.*?)[ \t]*$", re.M)
# the package, the site tooling, or an exercise's worked solution
_NAME = re.compile(r"^(?:nnmath|nnmath_site|exercises)(?:\.[A-Za-z_][A-Za-z0-9_]*)+$")


class MarkError(ValueError):
    """A ``% eq:`` line that does not parse."""


@dataclass(frozen=True)
class Mark:
    """What the first line of a display equation says about it."""

    id: str
    code: tuple[str, ...] = ()
    reason: str | None = None
    where: str = ""  # file:line (source scan) or page (build), for messages
    context: tuple[str, ...] = ()  # restated: where its formula runs (run.py)

    @property
    def status(self) -> str:
        if self.code:
            return "verified"
        return "explanatory" if self.reason else "restated"


def _mark(match: re.Match, where: str) -> Mark:
    ident, rest = match["id"], match["rest"]
    if not re.fullmatch(_ID, ident):
        raise MarkError(
            f"{where}: `% eq:{ident}`: an equation's name is lower-case letters, digits "
            "and single hyphens, e.g. `% eq:sigmoid-derivative`"
        )
    if not rest:
        return Mark(ident, where=where)
    context = ()
    explains = rest.startswith("explanatory:")  # its reason may say anything
    if not explains and (rest.startswith("context:") or " context:" in rest):
        rest, _, where_run = rest.partition("context:")
        rest = rest.strip()
        context = _code_names(where_run, f"{where}: `% eq:{ident}`: `context:` is followed "
                              "by the code whose values the formula is run with, e.g. "
                              "`context: nnmath_site.by_hand.network_pass`")  # fmt: skip
        if not rest:  # restated, run with that code's values
            return Mark(ident, where=where, context=context)
    if rest.startswith("code:"):
        names = _code_names(rest[5:], f"{where}: `% eq:{ident} {rest}`: `code:` is "
                            "followed by the names that compute the equation, e.g. "
                            "`code: nnmath.sigmoid nnmath.relu`")  # fmt: skip
        return Mark(ident, code=names, where=where, context=context)
    if rest.startswith("explanatory:") and rest[12:].strip():
        return Mark(ident, reason=rest[12:].strip(), where=where)
    raise MarkError(
        f"{where}: `% eq:{ident} {rest}`: after the name comes `code: <names>`, "
        "`explanatory: <why nothing checks it>`, or nothing (stated again)"
    )


def _code_names(text: str, message: str) -> tuple[str, ...]:
    """The dotted names after ``code:`` or ``context:``; MarkError with ``message``."""
    names = tuple(re.split(r"[\s,]+", text.strip()))
    if names == ("",) or not all(_NAME.match(name) for name in names):
        raise MarkError(message)
    return names


def parse_mark(tex: str, where: str = "") -> tuple[Mark | None, str]:
    """The mark on the first line of a display equation's TeX, and the TeX without it.

    Returns ``(None, tex)`` when the first line is not a ``% eq:`` line.
    """
    stripped = tex.lstrip("\n")
    first, _, rest = stripped.partition("\n")
    match = MARK.fullmatch(first)
    if match is None:
        return None, tex
    return _mark(match, where), rest


def page_marks(root: Path) -> list[Mark]:
    """Every ``% eq:`` line in the pages' sources and the package's docstrings."""
    root = Path(root)
    files = sorted((root / "docs").rglob("*.md")) + sorted(
        (root / "nnmath").rglob("*.py")
    )
    marks = []
    for path in files:
        text = path.read_text(encoding="utf-8")
        for match in MARK.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            marks.append(_mark(match, f"{path.relative_to(root)}:{line}"))
    return marks


@dataclass(frozen=True)
class Verification:
    """One test function's ``@pytest.mark.verifies(*ids, by=...)``."""

    test: str  # tests/test_activations.py::test_sigmoid (Class::method for methods)
    ids: tuple[str, ...]
    by: str
    line: int


def _is_verifies(node: ast.AST) -> bool:
    func = node.func if isinstance(node, ast.Call) else None
    return (
        isinstance(func, ast.Attribute)
        and func.attr == "verifies"
        and isinstance(func.value, ast.Attribute)
        and func.value.attr == "mark"
    )


def _verification(call: ast.Call, test: str) -> Verification:
    where = f"{test} (line {call.lineno})"
    ids = []
    for arg in call.args:
        if not (isinstance(arg, ast.Constant) and isinstance(arg.value, str)):
            raise MarkError(
                f"{where}: verifies() takes equation names as string literals"
            )
        ids.append(arg.value)
    by = [kw.value for kw in call.keywords if kw.arg == "by"]
    if len(call.keywords) != 1 or not by or not isinstance(by[0], ast.Constant):
        raise MarkError(f'{where}: verifies() needs one keyword, by="<kind of check>"')
    if not ids:
        raise MarkError(f"{where}: verifies() names no equation")
    return Verification(test, tuple(ids), by[0].value, call.lineno)


def _walk(node: ast.AST, lists: dict[str, ast.AST]):
    """ast.walk, going into the module-level assignments that the node names."""
    seen = set()
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        if (
            isinstance(current, ast.Name)
            and current.id in lists
            and current.id not in seen
        ):
            seen.add(current.id)
            stack.append(lists[current.id])
        stack.extend(ast.iter_child_nodes(current))


def verifies_marks(root: Path) -> list[Verification]:
    """Every ``pytest.mark.verifies`` in tests/, read from the source (nothing runs).

    A mark must sit in the decorators of a test function: directly, or in the ``marks``
    of a ``pytest.param`` there or in a module-level list that a decorator names;
    anywhere else it is an error.
    """
    root = Path(root)
    found = []
    for path in sorted((root / "tests").rglob("*.py")):
        found += _file_verifications(path, path.relative_to(root).as_posix())
    return found


def _file_verifications(path: Path, module: str) -> list[Verification]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    # module-level lists of pytest.param, which a decorator may name
    lists = {
        target.id: node.value
        for node in tree.body
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Name)
    }
    found, placed = [], set()
    classes = [(tree.body, "")]
    while classes:
        body, prefix = classes.pop(0)
        for node in body:
            if isinstance(node, ast.ClassDef):
                classes.append((node.body, f"{prefix}{node.name}::"))
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                test = f"{module}::{prefix}{node.name}"
                for decorator in node.decorator_list:
                    for call in _walk(decorator, lists):
                        if _is_verifies(call):
                            placed.add(id(call))
                            found.append(_verification(call, test))
    for node in ast.walk(tree):
        if _is_verifies(node) and id(node) not in placed:
            raise MarkError(
                f"{module} line {node.lineno}: a verifies() mark belongs in the "
                "decorators of the test function that makes the check"
            )
    return found


def _top_package(name: str):
    """Import a top-level package; ``exercises`` from the repository (MkDocs does not put
    the working directory on sys.path, pytest does)."""
    try:
        return importlib.import_module(name)
    except ImportError:
        init = Path(__file__).resolve().parents[2] / name / "__init__.py"
        if name != "exercises" or not init.is_file():
            raise
    spec = importlib.util.spec_from_file_location(
        name, init, submodule_search_locations=[str(init.parent)]
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def _resolve(name: str):
    """The object a dotted name names: attributes from the top package (``nnmath.neuron``
    is the function the package exports, not its module), importing a submodule that is
    not imported yet (``nnmath_site.surfaces``)."""
    parts = name.split(".")
    obj = _top_package(parts[0])
    for number, part in enumerate(parts[1:], start=2):
        if not hasattr(obj, part):
            importlib.import_module(".".join(parts[:number]))
        obj = getattr(obj, part)
    return obj


def _resolves(name: str) -> bool:
    try:
        _resolve(name)
    except (ImportError, AttributeError):
        return False
    return True


def unknown_code(mark: Mark) -> list[str]:
    """The names after ``code:`` that nnmath (or the site tooling) does not have."""
    return [
        f"{mark.where}: eq:{mark.id} names `{name}`, which is not in "
        f"{name.split('.')[0]}"
        for name in mark.code
        if not _resolves(name)
    ]


def api_anchor(name: str) -> str:
    """The API page's anchor of a public name: its defining module's path
    (``nnmath.sigmoid`` -> ``nnmath.activations.sigmoid``), as mkdocstrings writes it."""
    obj = _resolve(name)
    return f"{obj.__module__}.{obj.__qualname__}"


def problems(marks: list[Mark], verifications: list[Verification]) -> list[str]:
    """What is wrong with the site's marks and the tests' verifies() marks, in words."""
    found = []
    defined: dict[str, Mark] = {}
    for mark in marks:
        if mark.status == "restated":
            continue
        if mark.id in defined:
            found.append(
                f"eq:{mark.id} is stated with code: or explanatory: twice, at "
                f"{defined[mark.id].where} and {mark.where}: state it once, and mark "
                f"the other place `% eq:{mark.id}` alone"
            )
        defined.setdefault(mark.id, mark)
    named = {mark.id for mark in marks}
    for mark in marks:
        if mark.id not in defined:
            found.append(
                f"{mark.where}: eq:{mark.id} is stated again, but no equation is marked "
                f"`% eq:{mark.id} code: ...` or `% eq:{mark.id} explanatory: ...`"
            )
        found += unknown_code(mark)
    by_id: dict[str, list[Verification]] = {}
    for verification in verifications:
        if verification.by not in KINDS:
            found.append(
                f'{verification.test}: by="{verification.by}" is not a kind of check; '
                f"use one of {', '.join(KINDS)}"
            )
        for ident in verification.ids:
            by_id.setdefault(ident, []).append(verification)
            if ident not in named:
                found.append(
                    f"{verification.test} verifies eq:{ident}, which no page or docstring has"
                )
    for ident, mark in defined.items():
        tests = by_id.get(ident, [])
        if mark.status == "verified" and not tests:
            found.append(
                f"{mark.where}: eq:{ident} names its code ({' '.join(mark.code)}) but no "
                f'test verifies it: add @pytest.mark.verifies("{ident}", by=...) to the '
                "test that checks it, or mark the equation explanatory"
            )
        if mark.status == "explanatory" and tests:
            found.append(
                f"{mark.where}: eq:{ident} is marked explanatory, but "
                f"{tests[0].test} verifies it: name its code instead"
            )
    return sorted(set(found), key=found.index)
