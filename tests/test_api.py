"""Every public name of nnmath refuses bad input: each has rows in a module's table.

Bad input fails loudly, and the message names the argument and the shapes or values at
fault: NumPy would broadcast a column ``(n, 1)`` against a vector ``(n,)`` into an
``(n, n)`` matrix and return a plausible, wrong number. The cases live beside the rest of
each module's specification, in ``BAD_INPUT`` of ``tests/test_<module>.py`` (the format is
in tests/support.py). This test reads those tables (without importing the test modules)
and fails when a public function, class or method has none.
"""

from __future__ import annotations

import ast
from pathlib import Path

from tests.support import public_names

TESTS = Path(__file__).resolve().parent

# Public methods that take no argument that could be wrong.
NO_ARGUMENTS = {"Dense.parameters", "Sequential.parameters"}


def tables():
    """{test file name: the keys of its BAD_INPUT} for every file that defines one."""
    found = {}
    for path in sorted(TESTS.glob("test_*.py")):
        tree = ast.parse(path.read_text(encoding="utf8"))
        for node in tree.body:
            if (
                isinstance(node, ast.Assign)
                and [getattr(t, "id", None) for t in node.targets] == ["BAD_INPUT"]
                and isinstance(node.value, ast.Dict)
            ):
                found[path.name] = [ast.literal_eval(key) for key in node.value.keys]
    return found


def runs_its_table(path):
    """Whether the file turns its table into tests: ``test_bad_input = bad_input_test(...)``."""
    return "\ntest_bad_input = bad_input_test(BAD_INPUT)\n" in path.read_text(
        encoding="utf8"
    )


def test_every_public_name_has_bad_input_rows():
    found = tables()
    assert len(found) >= 8  # one table a module of nnmath
    listed = [name for names in found.values() for name in names]
    missing = public_names() - set(listed) - NO_ARGUMENTS
    assert not missing, f"add bad-input rows for these public names: {sorted(missing)}"
    unknown = set(listed) - public_names()
    assert not unknown, f"BAD_INPUT lists names that are not public: {sorted(unknown)}"
    twice = sorted({name for name in listed if listed.count(name) > 1})
    assert not twice, f"these names have rows in more than one table: {twice}"
    idle = [name for name in found if not runs_its_table(TESTS / name)]
    assert not idle, f"these files define BAD_INPUT but never run it: {idle}"
