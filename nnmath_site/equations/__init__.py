"""The site's equations: each formula as shown, run against the code its mark names.

One module per job:

- ``marks``: the ``% eq:`` line of each display equation and the tests' ``verifies``;
- ``symbols.yml``: what each symbol means; ``notation``: the Notation page's table of it;
- ``tex`` (grammar ``tex.lark``): TeX -> expression trees, on lark;
- ``evaluate``: expression trees -> NumPy values;
- ``contexts``: the code each mark names, run on random inputs, bound to the names;
- ``run``: a formula evaluated in its contexts and compared, draw after draw;
- ``site``: every formula of the site (pages, docstrings, fence output) and its run;
- ``report``: the line under each equation; ``plugin``: pytest; ``build``: the MkDocs hook.

``python -m nnmath_site.equations`` checks every formula and prints one line per failure.
"""

from .marks import (  # noqa: F401
    KINDS,
    MEASUREMENTS,
    Mark,
    MarkError,
    Verification,
    api_anchor,
    page_marks,
    parse_mark,
    problems,
    unknown_code,
    verifies_marks,
)
from .notation import symbols_table  # noqa: F401
from .report import (  # noqa: F401
    Summary,
    equation_counts,
    load_measurements,
    render_check,
    summarize,
)
