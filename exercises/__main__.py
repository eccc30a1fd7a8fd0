"""``python -m exercises``: check the reader's exercises and print one line each.

Each exercise is PASS, TODO (the stub still raises NotImplementedError) or FAIL (a
wrong answer, or an exception: reported in one line, without a traceback), with a hint
until it passes. The exit status is 0 exactly when every exercise checked passed.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import textwrap
import warnings

import numpy as np

from .checks import EXERCISES, PAGES, Failed


def _one_line(error):
    text = " ".join(str(error).split())
    return f"{type(error).__name__}: {text[:200]}" if text else type(error).__name__


def _load(package, page):
    """The module of one page, or the one-line reason it does not import."""
    try:
        return importlib.import_module(f"{package}.{page}"), None
    except Exception as error:  # the reader's file: a syntax error is reported too
        where = f" (line {error.lineno})" if getattr(error, "lineno", None) else ""
        return (
            None,
            f"{package.replace('.', '/')}/{page}.py does not import{where}: "
            + (_one_line(error)),
        )


def run(exercise, module):
    """Return ``(status, detail)`` for one exercise of a loaded module."""
    function = getattr(module, exercise.function, None)
    if not callable(function):
        return "FAIL", f"{exercise.file} has no function {exercise.function}"
    with (
        warnings.catch_warnings(),
        np.errstate(over="warn", divide="warn", invalid="warn", under="ignore"),
    ):
        warnings.simplefilter("error")  # an overflow warning is a wrong answer
        try:
            exercise.check(function)
        except NotImplementedError:
            return "TODO", f"not implemented yet: fill in {exercise.function}"
        except Failed as failure:
            return "FAIL", str(failure)
        except Exception as error:  # anything else the reader's code raised
            return "FAIL", _one_line(error)
    return "PASS", ""


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m exercises",
        description="Check the exercises of the pages: prints PASS, TODO or FAIL for "
        "each, with a hint. Exit status 0 when every exercise checked passes.",
    )
    parser.add_argument(
        "ids", nargs="*", metavar="ID", help="exercises to check, e.g. losses.2"
    )
    parser.add_argument(
        "--page", action="append", choices=PAGES, help="check this page's exercises"
    )
    parser.add_argument(
        "--solutions",
        action="store_true",
        help="check the worked solutions (exercises/solutions/) instead of your files",
    )
    args = parser.parse_args(argv)
    known = [exercise.id for exercise in EXERCISES]
    unknown = [i for i in args.ids if i not in known]
    if unknown:
        parser.error(f"no exercise {', '.join(unknown)}; there are {', '.join(known)}")
    chosen = [
        e
        for e in EXERCISES
        if (not args.ids or e.id in args.ids) and (not args.page or e.page in args.page)
    ]
    package = "exercises.solutions" if args.solutions else "exercises"
    modules = {
        page: _load(package, page) for page in dict.fromkeys(e.page for e in chosen)
    }
    width = max(len(e.id) for e in chosen)
    indent = " " * 8
    passed = 0
    for exercise in chosen:
        module, problem = modules[exercise.page]
        status, detail = ("FAIL", problem) if module is None else run(exercise, module)
        passed += status == "PASS"
        print(f"{status}  {exercise.id:<{width}}  {exercise.kind:<9}  {exercise.title}")
        if status != "PASS":
            for text in (detail, f"hint: {exercise.hint}"):
                print(
                    textwrap.fill(
                        text,
                        88,
                        initial_indent=indent,
                        subsequent_indent=indent + "  ",
                        break_on_hyphens=False,
                        break_long_words=False,
                    )
                )
        sys.stdout.flush()
    where = "exercises/solutions/" if args.solutions else "exercises/"
    print(f"\n{passed} of {len(chosen)} passed ({where}).", end="")
    if passed < len(chosen) and not args.solutions:
        print(" Worked solutions: the Exercises section at the end of each page.")
    else:
        print()
    return 0 if passed == len(chosen) else 1


if __name__ == "__main__":
    sys.exit(main())
