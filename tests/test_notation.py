"""One symbol, one meaning: every page and every docstring against docs/notation.md.

The notation page fixes three things that pages and docstrings drifted on:

- the **row index** of a batch is $i$ (rows $1 \\dots B$); the letter $b$ is only the
  bias, never an index (no ``Y_{bi}``, ``\\sum_{b=1}^{B}``, ``L_b``, "row $b$",
  ``labels[b]``);
- the **predicted probabilities** are $\\hat{Y}$ (one row $\\hat{\\mathbf{y}}$), never $P$
  (no ``P = \\operatorname{softmax}(Z)``, ``P_{ic}``, ``P - Y``, and no ``P = softmax(Z)``
  in code);
- the **bias** of a layer is a vector $\\mathbf{b}$ of shape $(k,)$, broadcast to every
  row; it is never written as a $1 \\times k$ row (``\\underbrace{\\mathbf{b}}_{1 \\times k}``,
  ``\\mathbf{b} \\in \\mathbb{R}^{1 \\times k}``, "a bias of shape (1, k)", "bias row"):
  ``nnmath.linear`` refuses a bias of shape (1, k).

Each rule is a regular expression applied to one kind of text: the math (``$...$`` and
``$$...$$``), the text outside fenced code (prose, math and inline code), or the code
(fenced blocks and inline code). The rules are narrow on purpose, so that they flag no
correct sentence (``test_rules_spare_correct_text`` lists sentences they must let
through), and each one is shown to catch a planted violation
(``test_each_rule_catches_a_planted_violation``).
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

import nnmath

ROOT = Path(__file__).resolve().parents[1]
PAGES = sorted((ROOT / "docs").glob("*.md"))


@dataclass(frozen=True)
class Rule:
    name: str
    where: str  # "math", "text" (everything outside fenced code) or "code"
    pattern: re.Pattern
    says: str  # what the notation page says instead


def rule(name, where, pattern, says):
    return Rule(name, where, re.compile(pattern), says)


RULES = [
    # --- the row index is i, never b ------------------------------------------------------
    rule(
        "row index b as a subscript",
        "math",
        r"_\{b(?:[=,}]|[a-z]\})",  # _{b=1}, _{b,j}, _{b}, _{bi}, _{bk}
        "rows are indexed by i: Y_{ic}, \\sum_{i=1}^{B}",
    ),
    rule(
        "row index b as a bare subscript",
        "math",
        r"(?<!\\)_b(?![A-Za-z0-9{])",  # \sum_b, L_b
        "rows are indexed by i: \\sum_i L_i",
    ),
    rule(
        '"row b"',
        "text",
        r"\brows?\s+\$?b\$?(?![\w{\\])",  # row $b$, row b
        "row i",
    ),
    rule(
        "b as an index in code",
        "code",
        r"\w\[\s*b\s*[\],]",  # labels[b], Y[b, :]
        "labels[i]",
    ),
    # --- the predicted probabilities are Y-hat, never P ------------------------------------
    rule(
        "P for the predicted probabilities",
        "math",
        # a bare P: not a command (\Pr), not part of a word, not {P} (\mathbb{P}),
        # not P( (a probability of an event)
        r"(?<![\\\w{])P(?![A-Za-z0-9(}])",
        "\\hat{Y} (one row \\hat{\\mathbf{y}})",
    ),
    rule(
        "P or dP assigned in code",
        "code",
        r"(?<![\w.])d?P\s*=(?!=)",  # P = softmax(Z), dP = cross_entropy_gradient(P, T)
        "Y_hat = softmax(Z) (or y_pred)",
    ),
    # --- the bias is a vector of shape (k,), never a 1 x k row -----------------------------
    rule(
        "bias written as a 1 x k row",
        "math",
        # \underbrace{\mathbf{b}}_{1 \times k}, \mathbf{b} \in \mathbb{R}^{1\times k}
        r"\\mathbf\{b\}\}?\s*(?:_\{|\\in\s*\\mathbb\{R\}\^\{)\s*1\s*\\times",
        "\\mathbf{b} of shape (k,): \\underbrace{\\mathbf{b}}_{k}, \\mathbb{R}^{k}",
    ),
    rule(
        "bias of shape (1, k) in prose",
        "text",
        # "the bias, of shape (1, k)", "a (1, k) bias", "a 1 \times k bias"; the word "not"
        # between them is allowed: "the bias must be (k,), not (1, k)"
        r"\bbias(?:es)?\b(?:(?!\bnot\b)[^.\n]){0,40}?\$?\(1,\s*k\)"
        r"|\(1,\s*k\)\$?\s+bias"
        r"|1\s*\\times\s*k\$?\s+bias",
        "a bias vector of shape (k,), broadcast to every row",
    ),
    rule(
        '"bias row"',
        "text",
        r"\bbias\s+row\b|\brow\s+of\s+biases\b",
        "the bias vector",
    ),
]

# --- splitting a text into math, text outside fences and code ----------------------------

OPENING = re.compile(r"^[ \t]*(`{3,}|~{3,})")
INLINE_CODE = re.compile(r"``(.+?)``|`([^`\n]+)`")
DISPLAY_MATH = re.compile(r"\$\$(.+?)\$\$", re.S)
INLINE_MATH = re.compile(r"(?<![\\$])\$(?!\$)((?:\\.|[^$\\])+?)\$", re.S)


def split(text: str) -> dict[str, list[str]]:
    """The math, the text outside fenced code, and the code of a Markdown text."""
    fenced, outside, fence = [], [], None
    for line in text.splitlines(keepends=True):
        if fence is None:
            opening = OPENING.match(line)
            if opening:
                fence = opening.group(1)
                fenced.append("")
            else:
                outside.append(line)
        elif re.fullmatch(
            rf"[ \t]*{re.escape(fence[0])}{{{len(fence)},}}[ \t]*\n?", line
        ):
            fence = None
        else:
            fenced[-1] += line
    rest = "".join(outside)
    inline = [m.group(1) or m.group(2) for m in INLINE_CODE.finditer(rest)]
    no_code = INLINE_CODE.sub(" ", rest)
    math = [m.group(1) for m in DISPLAY_MATH.finditer(no_code)]
    math += [m.group(1) for m in INLINE_MATH.finditer(DISPLAY_MATH.sub(" ", no_code))]
    text_outside = INLINE_CODE.sub(lambda m: m.group(1) or m.group(2), rest)
    return {"math": math, "text": [text_outside], "code": fenced + inline}


def violations(text: str, rules=RULES) -> list[str]:
    """One line per place where the text breaks a rule of the notation page."""
    found = []
    parts = split(text)
    for r in rules:
        for part in parts[r.where]:
            for m in r.pattern.finditer(part):
                context = part[max(0, m.start() - 30) : m.end() + 30].replace("\n", " ")
                found.append(f"{r.name}: ...{context}...  (notation page: {r.says})")
    return found


# --- what is checked: every page, every public docstring ---------------------------------


def public_objects():
    """(name, object) of nnmath's public functions, classes, their public members and modules."""
    seen = []
    for name in nnmath.__all__:
        obj = getattr(nnmath, name)
        seen.append((f"nnmath.{name}", obj))
        if inspect.isclass(obj):
            for member, value in vars(obj).items():
                if not member.startswith("_"):
                    seen.append((f"nnmath.{name}.{member}", value))
    seen.append(("nnmath", nnmath))
    for info in pkgutil.iter_modules(nnmath.__path__):
        if not info.name.startswith("_"):
            seen.append(
                (f"nnmath.{info.name}", importlib.import_module(f"nnmath.{info.name}"))
            )
    return seen


DOCSTRINGS = {name: inspect.getdoc(obj) or "" for name, obj in public_objects()}


def test_there_is_something_to_check():
    assert len(PAGES) >= 10 and (ROOT / "docs" / "notation.md") in PAGES
    assert sum(bool(doc) for doc in DOCSTRINGS.values()) >= len(nnmath.__all__)


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_page_uses_the_notation_page_symbols(page):
    found = violations(page.read_text(encoding="utf8"))
    assert not found, f"{page.name}:\n" + "\n".join(found)


@pytest.mark.parametrize("name", sorted(DOCSTRINGS))
def test_docstring_uses_the_notation_page_symbols(name):
    found = violations(DOCSTRINGS[name])
    assert not found, f"{name}:\n" + "\n".join(found)


# --- the rules themselves ----------------------------------------------------------------

PLANTED = {  # rule name: a violation it must catch, as it would appear on a page
    "row index b as a subscript": "$$\nL = \\frac{1}{B}\\sum_{b=1}^{B} Y_{bi}\n$$\n",
    "row index b as a bare subscript": "For a batch, $L = \\frac{1}{B}\\sum_b L_b$.\n",
    '"row b"': "and row $b$ of $Z$ only enters the loss of that row.\n",
    "b as an index in code": "$Y_{ic} = 1$ if ``labels[b] == i`` else 0.\n",
    "P for the predicted probabilities": "$dZ = (P - Y)/B$ and $L = -\\log P_{ic}$.\n",
    "P or dP assigned in code": "```python\nP = softmax(Z)\n```\n",
    "bias written as a 1 x k row": (
        "$$\nZ = XW + \\underbrace{\\mathbf{b}}_{1 \\times k}\n$$\n"
    ),
    "bias of shape (1, k) in prose": "The bias has shape $(1, k)$ and is added to each row.\n",
    '"bias row"': "with the bias row $\\mathbf{b}$ added to every row of $XW$.\n",
}

SPARED = [  # correct text, each close to a rule, that no rule may flag
    "$$\nL = \\frac{1}{B}\\sum_{i=1}^{B}\\sum_{c=1}^{C} Y_{ic} \\log \\hat{Y}_{ic}\n$$\n",
    "$Z_{ij} = \\sum_p X_{ip} W_{pj} + b_j$ with $\\mathbf{b}_1$, $\\mathbf{b}_2$ and "
    "$d\\mathbf{b}$, $\\partial L/\\partial \\mathbf{b}$.\n",
    "So $(k,)$ is read as $(1, k)$, and that single row is reused for each row.\n",
    "A bias must have shape $(k,)$, not $(1, k)$: `linear` refuses it.\n",
    '("linear", "b", "a row (1, k), not (k,)", lambda: nnmath.linear(X, W, b))\n',
    "For a single sample `x`, `x @ W` has shape $(k,)$, not $(1, k)$.\n",
    "the row $i$ of $X$ and the bias $b$ of one neuron, "
    "$y = f(\\mathbf{w}^\\top\\mathbf{x} + b)$\n",
    "$\\mathbb{P}(y = c)$ and $\\Pr(A)$, and $P(\\text{error})$\n",
    "```python\nY_hat = softmax(Z)\ndY_hat = cross_entropy_gradient(Y_hat, Y)\n"
    "b = layer.bias\n```\n",
    "```python\nassert np.isclose(p_t.grad, dP_value)\nx = params[0]\n```\n",
    "PyTorch's `Linear` stores $W^\\top$; `np.testing.assert_allclose(P_ref, ...)` aside.\n",
    "$\\mathbf{1}\\,\\mathbf{b} \\in \\mathbb{R}^{B \\times k}$, "
    "where $\\mathbf{1}$ is $B \\times 1$\n",
]


def test_every_rule_has_a_planted_violation():
    assert sorted(PLANTED) == sorted(r.name for r in RULES)


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.name)
def test_each_rule_catches_a_planted_violation(rule):
    assert violations(PLANTED[rule.name], [rule]), f"{rule.name!r} missed its example"


def test_the_planted_violations_are_each_found_where_they_are():
    # every planted line is flagged by its own rule, and "P_{" and "P -" count separately
    found = violations(PLANTED["P for the predicted probabilities"])
    assert len(found) == 2, found
    assert len(violations(PLANTED["row index b as a subscript"])) == 2  # _{b=1}, _{bi}


@pytest.mark.parametrize("text", SPARED)
def test_rules_spare_correct_text(text):
    assert not violations(text), violations(text)


def test_a_rule_only_reads_its_kind_of_text():
    # P assigned in code is a violation; the same characters in prose are not math
    assert not violations("In words: P = the probabilities (not a formula).\n")
    assert violations("```python\nP = softmax(Z)\n```\n")
    # a b subscript inside a code fence is code, not math
    assert not violations("```python\nY_{bi} = 1  # a string in code\n```\n")
