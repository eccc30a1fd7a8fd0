"""Import a script of ``examples/`` by its path, for the pages and the tests.

The examples are scripts (``python examples/train_digits.py``), not an installed package,
and ``mkdocs build`` does not run from the repository root, so ``import examples`` would
fail there. ``load_example("train_digits")`` imports ``examples/train_digits.py`` afresh
at every call, so ``mkdocs serve`` uses the file as it is now.
"""

from __future__ import annotations

import importlib.util

from . import ROOT

__all__ = ["load_example"]

EXAMPLES = ROOT / "examples"


def load_example(name):
    """Return ``examples/<name>.py`` imported as a new module named ``examples.<name>``."""
    path = EXAMPLES / f"{name}.py"
    if not path.is_file():
        raise FileNotFoundError(f"no example {name!r}: {path} does not exist")
    spec = importlib.util.spec_from_file_location(f"examples.{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
