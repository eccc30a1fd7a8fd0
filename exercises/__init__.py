"""Exercises that check themselves: one file of functions to fill in per page.

``exercises/<page>.py`` holds the reader's functions (stubs, and buggy code for the
debugging exercises), ``exercises/solutions/<page>.py`` the worked solutions,
``exercises/checks.py`` one check per exercise. From the repository root::

    .venv/bin/python -m exercises                  # every exercise
    .venv/bin/python -m exercises --page losses    # the exercises of one page
    .venv/bin/python -m exercises losses.2         # one exercise
    .venv/bin/python -m exercises --solutions      # the worked solutions

Not collected by ``pytest`` (its testpaths are tests, docs and nnmath);
``tests/test_exercises.py`` runs the command on the solutions and on the stubs.
"""
