"""``python -m nnmath_site.equations``: run every formula of the site as written.

Prints one line per failure (where, equation, the formula's line as written, the code
it was compared with, what differed) and a summary; exits 1 on any failure.
"""

from __future__ import annotations

import sys
import time

from nnmath_site import ROOT

from .site import check


def main() -> int:
    start = time.perf_counter()
    results, skipped = check(ROOT)
    failed = [r for r in results if not r.ok]
    for result in failed:
        for failure in result.failures:
            code = " ".join(result.code) or "-"
            print(f"{result.where}: eq:{result.ident} [{code}]: {failure}")
    seconds = time.perf_counter() - start
    draws = sum(r.draws for r in results)
    print(
        f"{len(results) - len(failed)} of {len(results)} formulas as written agree with "
        f"their code ({draws} draws); {len(skipped)} not run yet (pending.yml); "
        f"{seconds:.1f} s"
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
