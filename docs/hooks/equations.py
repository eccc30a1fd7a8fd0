"""MkDocs hook: every display equation says what verifies it, and its formula is run.

The work is in nnmath_site/equations/build.py; this file only hands MkDocs its hooks.
"""

from nnmath_site.equations.build import (  # noqa: F401
    on_env,
    on_files,
    on_page_content,
    on_post_build,
    on_post_page,
    on_pre_build,
)
