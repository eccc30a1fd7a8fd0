"""``python -m nnmath_site.equations``: run every formula of the site as written.

Prints one line per failure (where, equation, the formula's line as written, the code
it was compared with, what differed), then what ran; exits 1 on any failure. Display
formulas of the pages and docstrings, and the formulas in the prose and tables.
"""

from __future__ import annotations

import collections
import sys
import time

from nnmath_site import ROOT

from .site import check, inline_checks, inline_list, inline_problems
from .tex import save_cache


def main() -> int:
    start = time.perf_counter()
    results, skipped = check(ROOT)
    failed = [r for r in results if not r.ok]
    for result in failed:
        for failure in result.failures:
            code = " ".join(result.code) or "-"
            print(f"{result.where}: eq:{result.ident} [{code}]: {failure}")
    inline = inline_checks(ROOT)
    problems = inline_problems(ROOT, inline)
    for problem in problems:
        print(problem)
    save_cache()
    seconds = time.perf_counter() - start
    draws = sum(r.draws for r in results)
    kinds = collections.Counter(item.kind for _, item in inline)
    listed = sum((page, item.tex) in inline_list(ROOT) for page, item in inline)
    print(
        f"display: {len(results) - len(failed)} of {len(results)} formulas as written agree "
        f"with their code ({draws} draws), {len(skipped)} not run yet (pending.yml)\n"
        f"inline: {kinds['run']} run, {kinds['arithmetic']} arithmetic, {kinds['value']} "
        f"values, {listed} not run (inline.yml), {len(problems)} problem(s)\n"
        f"{seconds:.1f} s"
    )
    return 1 if failed or problems else 0


if __name__ == "__main__":
    sys.exit(main())
