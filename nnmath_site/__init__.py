"""Site tooling for the nnmath pages: code listings, figures and the examples' loader.

Not part of the teaching package: ``nnmath`` needs NumPy alone, while this package is what
the pages' build-time code (markdown-exec fences) imports, with the ``docs`` extra:

- [`listing`](listing.py) prints a page's code listing from the names of the objects it
  shows (griffe finds their source; the docstrings are left to the API page);
- [`plotting`](plotting.py) draws matplotlib figures as inline SVG;
- [`examples`](examples.py) imports a script from ``examples/`` by its path.
"""

from pathlib import Path

#: The repository: ``examples/``, ``tests/`` and the listings' file paths are relative to it.
ROOT = Path(__file__).resolve().parents[1]
