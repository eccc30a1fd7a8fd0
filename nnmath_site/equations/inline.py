r"""Formulas in the prose and in tables (``$dW = X^\top dZ$``), run like display ones.

An inline formula carries no mark: what it is compared with comes from its page. Each
one that states a relation is sorted into one of these kinds:

- ``run``: its names are bound by a context of the page (the code that the page's
  display equations name, the nearest one above it first, or the symbol table's
  functions), and it was evaluated and compared: a difference fails the build;
- ``arithmetic``: no names at all (``0.25^{10} \approx 9.5\times10^{-7}``): evaluated;
- ``value``: a name given a number (``x = 40``, ``T > 0``, ``B = 4``): a choice the
  prose makes, not a formula;
- ``unbound``: a name that no context of the page binds (a symbol of an argument, an
  index condition such as ``i = j``): counted, not run;
- ``unread``: TeX the grammar does not read yet: counted, not run.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from functools import cache

from nnmath_site.math import FORMULA

from .run import Result, run_equation
from .tex import Node, TexError, parse

__all__ = ["Inline", "inline_formulas", "run_inline", "KINDS"]

KINDS = ("run", "arithmetic", "value", "disagrees", "unbound", "unread")


@dataclass
class Inline:
    tex: str
    kind: str = ""
    result: Result | None = None
    contexts: tuple[str, ...] = field(default_factory=tuple)


def inline_formulas(page_html: str) -> list[tuple[int, str]]:
    """(position, TeX) of each inline formula of a page's HTML (arithmatex spans)."""
    found = []
    for match in FORMULA.finditer(page_html):
        if match.group(1) != "span":
            continue
        tex = html.unescape(match.group(2)).strip()
        if tex.startswith(r"\(") and tex.endswith(r"\)"):
            tex = tex[2:-2]
        found.append((match.start(), tex.strip()))
    return found


def _has_relation(statements) -> bool:
    """A relation to check: ``=``, ``\\le``, ..., or a shape claim ``(n, B)(B, k) \\to
    (n, k)``; ``n \\to m`` (a layer's widths) is no relation."""
    return any(
        set(s.op) - {"→"} or all(_is_shape(term) for term in s.terms)
        for s in statements
        if s.op
    )


def _is_shape(node: Node) -> bool:
    if node.kind == "tuple":
        return True
    if node.kind == "call":  # (H, B)(B, C)
        return _is_shape(node.args[0])
    return node.kind == "juxt" and all(_is_shape(arg) for arg in node.args)


def _is_name(node: Node) -> bool:
    """``x``, ``\beta_1``, ``m_0``, ``n_{\text{in}}``: a name, not an expression."""
    if node.kind == "name":
        return True
    return (
        node.kind == "index"
        and node.args[0].kind == "name"
        and isinstance(node.args[1], tuple)
        and (
            node.args[1][0] in ("digits", "text")
            or (len(node.args[1]) == 1 and isinstance(node.args[1][0], Node)
                and node.args[1][0].kind == "name")  # x_i = 10^{11}
        )
    )  # fmt: skip


def _is_value(statement) -> bool:
    """``x = 40``, ``T > 0``, ``\beta_1 = 0.9``, ``m_0 = v_0 = 0``: names and a number."""
    if len(statement.terms) < 2 or set(statement.op) & {"←", "~"}:
        return False
    *names, value = statement.terms
    return all(_is_name(n) for n in names) and not value.names() - {"e"}


def _names(statements) -> set[str]:
    found = set()
    for statement in statements:
        for term in statement.terms:
            found |= term.names()
    return found


def run_inline(tex: str, contexts: list[tuple[str, ...]], where: str = "") -> Inline:
    """Sort and run one inline formula; ``contexts``: the page's code names, nearest
    first (each a mark's code, or its context)."""
    item = Inline(tex)
    if not any(
        op in tex
        for op in ("=", "<", ">", r"\le", r"\ge", r"\approx", r"\sim", r"\in", r"\to")
    ):
        item.kind = "none"
        return item
    try:
        statements = parse(tex)
    except TexError:
        item.kind = "unread"
        return item
    if not _has_relation(statements):
        item.kind = "none"
        return item
    if all(_is_value(s) for s in statements if s.op):
        return _value(item, statements, contexts, where)
    if not _names(statements) - {"e"}:
        item.kind = "arithmetic"
        item.result = run_equation("inline", tex, (), where, draws=1)
        return item
    disagreed = None
    defined = {s.terms[0].args[0] for s in statements if s.op[:1] == ("=",)
               and s.terms[0].kind == "name"}  # fmt: skip
    needed = _names(statements) - _known_everywhere() - defined
    for code in [(), *contexts]:  # the symbol table's functions and draws alone first
        if not needed <= _bound_by(code) or _constants_only(code):
            continue
        result = run_equation("inline", tex, code, where, contexts=code, draws=5)
        if result.ok:
            item.kind, item.result, item.contexts = "run", result, code
            return item
        if disagreed is None and not _unbound_only(result):
            disagreed = (result, code)
    if disagreed is not None:
        item.kind, (item.result, item.contexts) = "disagrees", disagreed
    else:
        item.kind = "unbound"
    return item


@cache
def _known_everywhere() -> frozenset[str]:
    """Names every run binds: the symbol table's functions and draws, Euler's e,
    Kronecker's delta, the index letters."""
    from .evaluate import BUILTIN
    from .run import INDICES, symbol_table

    table = symbol_table()
    return frozenset(
        {n for n, row in table.items() if row.get("function") or row.get("draw")}
        | set(BUILTIN) | INDICES | {"e"}
    )  # fmt: skip


@cache
def _bound_by(code: tuple[str, ...]) -> frozenset[str]:
    """The names a context binds (one draw, to see them), or none for no context."""
    import numpy as np

    from .contexts import CONTEXTS

    names = set()
    for name in code:
        context = CONTEXTS.get(name)
        if context is not None:
            bound = context(np.random.default_rng(0))
            names |= set(bound)
            # W_1 is read from W with subscript 1, \hat{m}_t from \hat{m}: bases too
            names |= {key.split("_")[0] for key in bound}
    return frozenset(names)


def _value(item: Inline, statements, contexts, where: str) -> Inline:
    """``\\beta_1 = 0.9``: checked against a context that binds the name to the code's
    fixed value (a default, a clip); ``x = 40``, a choice of the prose, stays a value."""
    from .contexts import CONTEXTS

    names = {s.terms[0].args[0] if s.terms[0].kind == "name" else _joined(s.terms[0])
             for s in statements if s.op}  # fmt: skip
    failed = None
    for code in [*contexts, *((name,) for name in CONTEXTS)]:
        context = CONTEXTS.get(code[0]) if code else None
        if context is None or not names <= context.constants:
            continue
        result = run_equation("inline", item.tex, code, where, contexts=code, draws=1)
        if result.ok:
            item.kind, item.result, item.contexts = "run", result, code
            return item
        failed = failed or (result, code)
    if failed is not None:
        item.kind, (item.result, item.contexts) = "disagrees", failed
    else:
        item.kind = "value"
    return item


def _constants_only(code: tuple[str, ...]) -> bool:
    """A context of defaults only (Adam's): values are checked there, formulas are not."""
    from .contexts import CONTEXTS

    context = CONTEXTS.get(code[0]) if code else None
    return context is not None and context.values_only


def _joined(node: Node) -> str:
    """``\\beta_1`` as the one name the table spells it."""
    base, sub = node.args
    return f"{base.args[0]}_{sub[1]}" if sub[0] in ("digits", "text") else base.args[0]


def _unbound_only(result: Result) -> bool:
    """Did the run stop only because a name is not bound in this context?"""
    return all(
        "nothing binds" in failure
        or "never reads" in failure
        or "cannot tell how far" in failure
        or "Error" in failure
        for failure in result.failures
    )
