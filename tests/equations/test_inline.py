"""The formulas in the prose and tables (nnmath_site/equations/inline.py).

Each runs in a context of its page, or is a value, arithmetic, or listed with its reason
in inline.yml; an error planted in one is caught.
"""

from __future__ import annotations

import shutil

import pytest

from nnmath_site.equations.site import (
    inline_problems,
)
from tests.support import ROOT


def test_every_inline_formula_runs_or_says_why_not():
    assert inline_problems(ROOT) == []


INLINE_PLANTS = [
    # (page, the formula as written, a wrong version of it)
    ("backprop.md", r"$dW = X^\top dZ$", r"$dW = dZ^\top X$"),
    ("summary.md", r"$\tanh'(x) = 1 - \tanh^2 x$", r"$\tanh'(x) = 1 + \tanh^2 x$"),
    ("summary.md", r"$L = \dfrac{1}{N}\sum_{i,j}", r"$L = \dfrac{1}{B}\sum_{i,j}"),
    ("summary.md", r"$(n, B)(B, k) \to (n, k)$", r"$(n, B)(B, k) \to (k, n)$"),
    ("activations.md", r"$\sigma'(x) = \sigma(x)\,\sigma(-x)$",
     r"$\sigma'(x) = \sigma(x)\,\sigma(x)$"),
]  # fmt: skip


def planted(tmp_path, doc: str, right: str, wrong: str) -> list[str]:
    """The inline problems of a copy of the pages with ``right`` replaced by ``wrong``."""
    docs = tmp_path / "docs"
    shutil.copytree(
        ROOT / "docs", docs, ignore=shutil.ignore_patterns("hooks", "downloads")
    )
    shutil.copytree(ROOT / "nnmath", tmp_path / "nnmath")
    text = (docs / doc).read_text(encoding="utf-8")
    assert right in text, right
    (docs / doc).write_text(text.replace(right, wrong, 1), encoding="utf-8")
    return inline_problems(tmp_path)


@pytest.mark.parametrize(
    "doc, right, wrong", INLINE_PLANTS, ids=[p[0] for p in INLINE_PLANTS]
)
def test_an_error_planted_in_an_inline_formula_is_caught(tmp_path, doc, right, wrong):
    problems = planted(tmp_path, doc, right, wrong)
    shown = " ".join(wrong.strip("$").split())
    assert any(shown in problem and doc in problem for problem in problems), problems


VALUE_PLANTS = [
    # a default of the code, given in the prose: checked against the code's signature
    ("summary.md", r"$\beta_2 = 0.999$", r"$\beta_2 = 0.99$"),
    ("optimizers.md", r"$\beta_1 = 0.9$", r"$\beta_1 = 0.8$"),
    ("losses.md", r"$\epsilon = 10^{-15}$", r"$\epsilon = 10^{-12}$"),
]  # fmt: skip


@pytest.mark.parametrize(
    "doc, right, wrong", VALUE_PLANTS, ids=[p[0] for p in VALUE_PLANTS]
)
def test_a_default_given_wrongly_in_the_prose_is_caught(tmp_path, doc, right, wrong):
    problems = planted(tmp_path, doc, right, wrong)
    assert any(wrong.strip("$") in problem and doc in problem for problem in problems)
