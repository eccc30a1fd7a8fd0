"""Worked solutions: the same functions as ``exercises/<page>.py``, filled in."""
