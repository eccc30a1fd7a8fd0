r"""TeX, as the site writes it, parsed into expression trees (lark, grammar in tex.lark).

>>> statements = parse(r"\sigma'(x) = \sigma(x)\,\bigl(1 - \sigma(x)\bigr)")
>>> statements[0].op
('=',)

A formula is a list of :class:`Statement`: a chain of terms joined by relations
(``a = b = c`` is one statement with two relations). An ``aligned`` block gives one
statement per row; a row that starts with a relation (``&= ...``) continues the row
above; what a row writes after ``&&`` is its :attr:`Statement.annotation` (a shape such
as ``(H, B)(B, C) \to (H, C)``, or text).

Names are kept as the TeX spells them, so that the symbol table can say what they mean:
``\hat{Y}``, ``\mathbf{b}``, ``dW`` (a gradient), ``\sigma'`` (a derivative),
``softmax`` (from ``\operatorname{softmax}``). Whether ``W_1`` is the name ``W_1`` or
entry 1 of ``W``, and whether ``x(1 - x)`` is a call or a product, is decided when the
expression is evaluated, by what the names are bound to (run.py).
"""

from __future__ import annotations

import copy
import hashlib
import os
import pickle
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from lark import Lark, Token, Transformer, v_args
from lark.exceptions import LarkError

from nnmath_site.exec_cache import untraced, uses

__all__ = ["Node", "Statement", "TexError", "parse"]


class TexError(ValueError):
    """TeX that the grammar does not read."""


@dataclass(frozen=True)
class Node:
    """One node of an expression: ``kind`` and its children or values."""

    kind: str
    args: tuple = ()

    def names(self) -> set[str]:
        """Every name the expression uses."""
        found = {self.args[0]} if self.kind == "name" else set()
        for arg in self.args:
            items = arg if isinstance(arg, tuple) else (arg,)
            for item in items:
                if isinstance(item, Node):
                    found |= item.names()
        return found


@dataclass
class Statement:
    """``terms[0] op[0] terms[1] op[1] ...``; ``continues``: the row above's chain goes on."""

    terms: list[Node]
    op: tuple[str, ...]
    continues: bool = False
    annotation: list = field(default_factory=list)  # shape claims after `&&`
    remark: str | None = None
    row: int = 0  # row of an aligned block (0 for a single line)
    span: tuple[int, int] = (0, 0)
    text: str = ""  # the TeX of the statement, as written


RELATIONS = {
    "=": "=",
    "<": "<",
    ">": ">",
    r"\approx": "≈",
    r"\le": "≤",
    r"\leq": "≤",
    r"\ge": "≥",
    r"\geq": "≥",
    r"\ne": "≠",
    r"\leftarrow": "←",
    r"\sim": "~",
    r"\in": "∈",
    r"\to": "→",
}


def _node(kind, *args):
    return Node(kind, tuple(args))


def _name(text: str) -> Node:
    return Node("name", (text,))


@v_args(inline=True)
class _Tree(Transformer):
    """Parse tree -> Node / Statement."""

    # ---- statements
    def start(self, line):
        return line

    def line(self, *items):
        return [item for item in items if isinstance(item, Statement)]

    def aligned(self, *rows):
        statements = []
        rows = [row for row in rows if not isinstance(row, Token)]
        for number, row in enumerate(rows, start=1):
            for statement in row:
                statement.row = number
                statements.append(statement)
        return statements

    def row(self, *items):
        annotation = []
        statements = []
        for item in items:
            if isinstance(item, Statement):
                statements.append(item)
            elif isinstance(item, list):
                annotation = item
        # `&& (B, H)`: the shape of the row's left side; `&& (H, C), (C,)`: one shape per
        # statement of the row; `&& W \in \mathbb{R}^{n \times H}`: a claim of its own
        shapes = [claim for claim in annotation if claim.op[:1] != ("∈",)]
        if len(shapes) > 1 and len(shapes) == len(statements):
            for statement, claim in zip(statements, shapes, strict=True):
                statement.annotation = [claim]
        elif statements:
            statements[-1].annotation = shapes
        return statements + [claim for claim in annotation if claim.op[:1] == ("∈",)]

    @v_args(meta=True)
    def continued(self, meta, items):
        statement = self.chain(meta, items)
        statement.continues = True
        return statement

    def annotation(self, *items):
        return [item for item in items if isinstance(item, Statement)]

    def statement(self, chain, remark=None):
        chain.remark = remark
        return chain

    @v_args(meta=True)
    def chain(self, meta, items):
        terms, ops = [], []
        for item in items:
            if isinstance(item, Token) and item.type == "REL":
                ops.append(RELATIONS[str(item)])
            elif isinstance(item, Node):
                terms.append(item)
        span = (meta.start_pos, meta.end_pos) if not meta.empty else (0, 0)
        return Statement(terms, tuple(ops), span=span)

    def remark(self, text):
        return str(text)[6:-1]

    # ---- operators
    def add(self, a, b):
        return _node("add", a, b)

    def sub(self, a, b):
        return _node("sub", a, b)

    def plus_minus(self, a, b):
        return _node("pm", a, b)

    def times(self, a, b):
        return _node("mul", a, b)

    def hadamard(self, a, b):
        return _node("odot", a, b)

    def divide(self, a, b):
        return _node("div", a, b)

    def neg(self, a):
        return _node("neg", a)

    def juxt(self, a, b):
        return _node("juxt", a, b)

    def bigop(self, op, *rest):
        rest = list(rest)
        body = rest.pop()
        sub = rest[0] if rest else None
        sup = rest[1] if len(rest) > 1 else None
        kind = "argmax" if str(op).startswith("\\arg") else str(op)[1:]
        return _node("bigop", kind, sub, sup, body)

    def func(self, name, *rest):
        rest = list(rest)
        argument = rest.pop()
        function = _name(str(name))
        if rest:  # \tanh^2 x
            return _node("pow", _node("call", function, (argument,)), rest[0])
        return _node("call", function, (argument,))

    def subscript(self, base, sub):
        if base.kind == "norm" and sub == ("digits", "2"):  # \lVert v \rVert_2
            return base
        return _node("index", base, sub)

    def power(self, base, sup):
        if sup == "top":
            return _node("T", base)
        if sup == "ast":
            return _name(base.args[0] + "^*") if base.kind == "name" else base
        return _node("pow", base, sup)

    def prime(self, base):
        if base.kind != "name":
            raise TexError("a prime ' follows a function's name")
        return _name(base.args[0] + "'")

    def call(self, function, args):
        return _node("call", function, tuple(args))

    def args(self, *items):
        return list(items)

    # ---- sub- and superscripts
    def sub_letter(self, letter):
        return (_name(str(letter)),)

    def sub_digits(self, digits):
        return ("digits", str(digits))

    def sub_text(self, *parts):
        text = "".join(str(p) for p in parts)
        return ("text", text.removeprefix("\\text{").removesuffix("}"))

    def sub_range(self, name, low):
        return ("range", name, low)

    def sub_except(self, name, relation, value):
        if RELATIONS.get(str(relation)) != "≠":
            raise TexError(
                f"a sum over `{name.args[0]} {relation} ...`: only ≠ is read"
            )
        return ("except", name, value)

    def nabla(self, wrt, expr):
        if expr.kind != "name":
            raise TexError("\\nabla_x takes the name of a function")
        return _name(f"d{wrt.args[0]}")  # the gradient of L is dθ (Notation)

    def gradient(self, name):
        return _name(f"\\nabla {name.args[0]}")  # \nabla f: the gradient of f

    def index_list(self, *items):
        # `Y_{ic}` reads as the product i c: two indices, as in `Y_{i,c}`
        if len(items) == 1 and isinstance(items[0], Node) and items[0].kind == "num":
            text = items[0].args[1]
            if text.isdigit() and len(text) > 1:  # X_{10}: row 1, column 0
                return ("digits", text)
        flat = []
        for item in items:
            flat += _letters(item) or [item]
        return tuple(flat)

    def index_letters(self, *letters):
        return tuple(_name(str(letter)) for letter in letters)

    def index_digits(self, digits):
        return ("digits", str(digits))

    def colon(self):
        return _node("colon")

    def sup_letter(self, letter):
        return _name(str(letter))

    def sup_number(self, number):
        return self.number(number)

    def sup_top(self):
        return "top"

    def sup_star(self):
        return "ast"

    def sup_group(self, expr):
        return expr

    # ---- atoms
    def number(self, token):
        return _node("num", float(token), str(token))

    def group(self, expr):
        return expr

    def frac(self, a, b):
        return _node("div", self._arg(a), self._arg(b))

    def _arg(self, item):
        if isinstance(item, Token):  # \tfrac12
            return self.number(item)
        return item

    def sqrt(self, a):
        return _node("sqrt", self._arg(a))

    def abs(self, a):
        return _node("abs", a)

    def norm(self, a, *order):
        return _node("norm", a)

    def cases(self, *items):
        items = [item for item in items if not isinstance(item, Token)]
        if len(items) == 1 and isinstance(items[0], Node):  # the atom around the rows
            return items[0]
        return _node("cases", tuple(items))

    def case(self, value, _amp, condition):
        if isinstance(condition, Token):  # \text{otherwise}
            return (value, None)
        return (value, condition)

    def normal(self, mean, variance):
        return _node("normal", mean, variance)

    def uniform(self, low, high):
        return _node("uniform", low, high)

    def tuple(self, left, *items):
        items = list(items)
        power = None
        right = next(i for i in items if isinstance(i, Token) and i.type == "IRIGHT")
        position = items.index(right)
        values = tuple(i for i in items[:position] if isinstance(i, Node))
        if position + 1 < len(items):
            power = items[position + 1]
        return _node("tuple", values, str(left) + str(right), power)

    def underbrace(self, expr, _label):
        return expr

    def shaped(self, expr, label):
        """``\\underbrace{Z}_{B \\times k}``: the expression, with the shape it claims."""
        return _node("shaped", expr, label)

    def reals(self, power=None):
        return _node("reals", power)

    def zero(self):
        return _node("num", 0.0, "0")

    def infinity(self):
        return _node("num", float("inf"), "inf")

    def partial(self, x):
        return _node("partial", x)

    # ---- names
    def letter(self, token):
        return _name(str(token))

    def greek(self, token):
        return _name(str(token))

    def differential(self, _d, name):
        return _name("d" + name.args[0])

    def bold(self, token):
        text = str(token)
        if text.startswith("\\"):
            return _name(rf"\boldsymbol{{{text}}}")
        return _name(rf"\mathbf{{{text}}}")

    def hat(self, name):
        inner = name.args[0] if isinstance(name, Node) else str(name)
        return _name(rf"\hat{{{inner}}}")

    def operator(self, token):
        return _name(str(token))

    def name(self, inner):
        return inner


def _letters(node) -> list | None:
    """The single letters of a product of single letters (`ic`), or None."""
    if (
        isinstance(node, Node)
        and node.kind == "name"
        and len(node.args[0].rstrip("'")) == 1
    ):
        return [node]
    if isinstance(node, Node) and node.kind == "juxt":
        left, right = _letters(node.args[0]), _letters(node.args[1])
        if left and right:
            return left + right
    return None


GRAMMAR = Path(__file__).with_name("tex.lark")


@cache
def _parser() -> Lark:
    grammar = GRAMMAR.read_text(encoding="utf-8")
    return Lark(grammar, parser="earley", ambiguity="resolve", propagate_positions=True)


def parse(tex: str) -> list[Statement]:
    """The statements of a formula; TexError names the place the grammar stops reading."""
    return copy.deepcopy(_parse(tex))  # callers may join rows: never share them


_CACHE: dict = {}
CACHE = Path(__file__).resolve().parents[2] / "build" / "formula-parses.pickle"


def _grammar_key() -> str:
    grammar = GRAMMAR.read_bytes()
    source = Path(__file__).read_bytes()  # the tree -> Node rules are part of it
    return hashlib.sha256(grammar + source).hexdigest()


def _load_cache() -> dict:
    """Parses of earlier runs (build/), kept while the grammar and this file are the same:
    the Earley parser needs ~25 ms a formula, a read of the cache almost nothing."""
    if not _CACHE:
        _CACHE["key"] = _grammar_key()
        _CACHE["parses"] = {}
        _CACHE["dirty"] = False
        try:
            with CACHE.open("rb") as file:
                stored = pickle.load(file)
            if stored.get("key") == _CACHE["key"]:
                _CACHE["parses"] = stored["parses"]
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, KeyError):
            pass
    return _CACHE


def save_cache() -> None:
    """Write the parses of this run to build/ (the CLI, the build and pytest call it).

    Merged with what another process (a pytest-xdist worker, a build) wrote meanwhile,
    and replaced in one step, so that a reader never sees half a file."""
    if _CACHE.get("dirty"):
        parses = dict(_CACHE["parses"])
        try:
            with CACHE.open("rb") as file:
                stored = pickle.load(file)
            if stored.get("key") == _CACHE["key"]:
                parses = {**stored["parses"], **parses}
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, KeyError):
            pass
        CACHE.parent.mkdir(parents=True, exist_ok=True)
        temporary = CACHE.with_suffix(f".{os.getpid()}.tmp")
        with temporary.open("wb") as file:
            pickle.dump({"key": _CACHE["key"], "parses": parses}, file)
        os.replace(temporary, CACHE)
        _CACHE["dirty"] = False


def _parse(tex: str) -> list[Statement]:
    uses(GRAMMAR)  # the build's cache: a parse depends on the grammar (kept in memory)
    cache = _load_cache()
    found = cache["parses"].get(tex)
    if found is None:
        try:
            with untraced(
                GRAMMAR, __file__
            ):  # the build's cache: what a parse depends on
                found = _parse_fresh(tex)
        except TexError as error:
            found = str(error)  # what cannot be read is kept too
        cache["parses"][tex] = found
        cache["dirty"] = True
    if isinstance(found, str):
        raise TexError(found)
    return found


def _parse_fresh(tex: str) -> list[Statement]:
    try:
        tree = _parser().parse(tex.strip())
    except LarkError as error:
        raise TexError(f"cannot read `{' '.join(tex.split())}`: {error}") from None
    result = _Tree().transform(tree)
    statements = result if isinstance(result, list) else [result]
    for statement in statements:
        start, end = statement.span
        statement.text = " ".join(tex.strip()[start:end].split())
    return statements
