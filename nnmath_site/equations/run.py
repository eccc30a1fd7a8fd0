r"""Run a formula as written against the code its mark names.

For each context of the mark's code (contexts.py) and each random draw, the names of the
formula are bound (the context's values, the symbol table's functions and draws) and
every statement is evaluated (evaluate.py):

- ``a = b = c``: each neighbouring pair must agree (relative difference within the
  tolerance); ``\approx`` looser; a number printed with d decimals on either side
  loosens the tolerance to its rounding;
- a first term that nothing binds yet is *defined* by the term after it, for the
  statements after it (each left-hand side of an ``aligned`` block becomes a variable for
  the rows below); a definition that nothing later compares is a failure;
- ``<``, ``\le``, ``>``, ``\ge``: must hold; ``\in [0, 1]``: inside; ``\leftarrow``:
  the value after the code's step; ``\sim \mathcal{N}(0, v)``: the initializer drew from
  exactly that distribution.

Every code name of the mark must be exercised: a comparison must read a value it
computed, or call it. :func:`run_equation` returns a :class:`Result`.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import numpy as np

from nnmath_site.exec_cache import uses

from .contexts import CONTEXTS, Draw
from .evaluate import (
    Distribution,
    Unbound,
    _axis_size,
    _Scope,
    compare_op,
    evaluate,
    shape_of,
)
from .marks import _resolve
from .tex import Node, Statement, TexError, parse

__all__ = ["Result", "run_equation", "symbol_table", "FormulaError"]

TOLERANCE = {"=": 1e-9, "≈": 1e-6}


class FormulaError(ValueError):
    """A formula that cannot be run as written (an unknown name, a shape that fails)."""


@dataclass
class Result:
    """What running one formula measured."""

    ident: str
    where: str
    tex: str
    code: tuple[str, ...]
    draws: int = 0
    comparisons: int = 0
    largest: float = 0.0
    failures: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures


SYMBOLS = Path(__file__).with_name("symbols.yml")


def symbol_table() -> dict[str, dict]:
    """symbols.yml, by name."""
    uses(SYMBOLS)  # read once per build: each cached check that uses it depends on it
    return _symbol_table()


@cache
def _symbol_table() -> dict[str, dict]:
    import yaml

    rows = yaml.safe_load(SYMBOLS.read_text(encoding="utf-8"))
    return {row["tex"]: row for row in rows}


def _functions() -> dict[str, tuple[object, str]]:
    return {
        tex: (_resolve(row["function"]), row["function"])
        for tex, row in symbol_table().items()
        if row.get("function")
    }


def _draw(kind: str, rng):
    if kind == "real":
        return float(rng.normal(scale=3.0))
    if kind == "unit":
        return float(rng.uniform(-1, 1))
    if kind == "positive":
        return float(rng.uniform(0.1, 3))
    raise FormulaError(f"symbols.yml: no way to draw `{kind}`")


def _merge(statements: list[Statement]) -> list[Statement]:
    """Rows that continue the row above become one chain; `x, w \\in S` two claims."""
    merged: list[Statement] = []
    for statement in statements:
        if statement.continues and merged:
            above = merged[-1]
            above.terms = above.terms + statement.terms
            above.op = above.op + statement.op
            above.text = f"{above.text} {statement.text}"
            continue
        merged.append(statement)
    out: list[Statement] = []
    lone: list[Statement] = []
    for statement in merged:
        if not statement.op:
            lone.append(statement)
            continue
        if lone and statement.op[0] == "∈":
            for item in lone:
                out.append(
                    Statement(item.terms + statement.terms[1:2], ("∈",), text=item.text)
                )
        lone = []
        out.append(statement)
    return out


def _plain_name(node: Node) -> str | None:
    """The name a left-hand side defines: `e`, `dA_1`, `\\hat{m}_t` (-> `\\hat{m}`)."""
    if node.kind == "name":
        return node.args[0]
    if node.kind == "index" and node.args[0].kind == "name":
        sub = node.args[1]
        if isinstance(sub, tuple) and sub and sub[0] in ("digits", "text"):
            return f"{node.args[0].args[0]}_{sub[1]}"
        return node.args[0].args[0]
    return None


def _point(value):
    """``(x, 25 y)``: a point written as a tuple, as an array."""
    if isinstance(value, tuple) and value and value[-1][0] == "brackets":
        return np.array(value[:-1], dtype=float)
    return value


def _per_entry(statement: Statement, env, defining: bool = False) -> str | None:
    """``h_i = ...`` where ``h`` is a bound number: the name ``h_i`` it defines entry by
    entry (with ``defining``: once the empty table of entries exists)."""
    if statement.op[:1] != ("=",):
        return None
    node = statement.terms[0]
    if node.kind != "index" or node.args[0].kind != "name":
        return None
    sub = node.args[1]
    if not (isinstance(sub, tuple) and len(sub) == 1 and isinstance(sub[0], Node)):
        return None
    if sub[0].kind != "name" or sub[0].args[0] not in INDICES:
        return None
    base = node.args[0].args[0]
    joined = f"{base}_{sub[0].args[0]}"
    if defining:
        return joined if isinstance(env.get(joined), dict) else None
    bound = env.get(base)
    if bound is None or isinstance(bound, dict) or np.ndim(bound) != 0 or joined in env:
        return None
    return joined


def _entry_of_bound(node: Node, env) -> bool:
    """``v_0`` where ``v`` is bound: an entry to compare, not a name to define."""
    return (
        node.kind == "index"
        and node.args[0].kind == "name"
        and node.args[0].args[0] in env
    )


def _printed(node) -> list[Node]:
    """The decimal numbers printed in a term (0.6682, the 9.5 of 9.5 x 10^-7)."""
    found = []
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, Node):
            if item.kind == "num" and "." in item.args[1]:
                found.append(item)
            stack.extend(a for a in item.args if isinstance(a, (Node, tuple)))
        elif isinstance(item, tuple):
            stack.extend(a for a in item if isinstance(a, (Node, tuple)))
    return found


def _replaced(node, old: Node, new: Node):
    """The tree with the one node ``old`` (by identity) replaced by ``new``."""
    if node is old:
        return new
    if isinstance(node, Node):
        return Node(node.kind, tuple(_replaced(a, old, new) for a in node.args))
    if isinstance(node, tuple):
        return tuple(_replaced(a, old, new) for a in node)
    return node


def _rounding(node: Node, env) -> float:
    """How far a term's value may be off because its printed numbers are rounded: each
    number moved by half a unit in its last digit, the changes of the value added up
    (first order: a difference 0.5692 - 1 amplifies the rounding of 0.5692)."""
    numbers = _printed(node)
    if not numbers:
        return 0.0
    value = np.asarray(evaluate(node, env), dtype=float)
    bound = 0.0
    for number in numbers:
        half = 0.5 * 10.0 ** -len(number.args[1].split(".")[1])
        moved = Node("num", (number.args[0] + half, number.args[1]))
        shifted = np.asarray(evaluate(_replaced(node, number, moved), env), dtype=float)
        bound += float(np.max(np.abs(shifted - value), initial=0))
    return bound


def _difference(a, b, floor: float = 1.0) -> float:
    """The largest difference, relative to the larger side (and to ``floor``: near 0 a
    difference of rounding errors is not relative to anything)."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.shape != b.shape and a.size != b.size:
        raise FormulaError(f"the two sides have shapes {a.shape} and {b.shape}")
    a, b = a.reshape(-1), b.reshape(-1)
    same = a == b  # equal infinities count as equal
    a, b = np.where(same, 0.0, a), np.where(same, 0.0, b)
    scale = max(
        float(np.max(np.abs(b), initial=0)), float(np.max(np.abs(a), initial=0))
    )
    return float(np.max(np.abs(a - b), initial=0)) / max(scale, floor)


def _membership(value, space) -> bool:
    if isinstance(space, tuple) and space and space[0] == "reals":
        value = np.asarray(value)
        shape_ok = tuple(value.shape) == (
            space[1] or ()
        )  # R: a number, R^{n x k}: (n, k)
        return bool(np.all(np.isfinite(value))) and np.isrealobj(value) and shape_ok
    if isinstance(space, tuple) and space and space[-1][0] == "brackets":
        low, high = space[0], space[1]
        brackets, power = space[-1][1], space[-1][2]
        value = np.asarray(value, dtype=float)
        ok_low = value >= low if brackets[0] == "[" else value > low
        ok_high = value <= high if brackets[1] == "]" else value < high
        shape_ok = power is None or (value.ndim >= 1 and value.shape[-1] == power)
        return bool(np.all(ok_low & ok_high)) and shape_ok
    raise FormulaError(f"cannot check membership in {space!r}")


class _Run:
    """One formula, one context, all its draws."""

    def __init__(self, result: Result, statements, make_env, names_of_code):
        self.result, self.statements = result, statements
        self.make_env, self.names_of_code = make_env, names_of_code
        self.exercised: set[str] = set()

    def draw(self, rng):
        env, provenance = self.make_env(rng)
        for s in self.statements:  # h_i = h max(1, |x_i|): h_i defined entry by entry
            joined = _per_entry(s, env)
            if joined is not None:
                env[joined] = {}
        definable = {
            _plain_name(s.terms[0])
            for s in self.statements
            if s.op
            and s.op[0] == "="
            and _plain_name(s.terms[0]) is not None
            and _plain_name(s.terms[0]) not in env
            and not _entry_of_bound(s.terms[0], env)
        }
        defined: dict[str, str] = {}
        compared_names: set[str] = set()
        pending = list(self.statements)
        while pending:
            progress, missing = [], {}
            for statement in pending:
                try:
                    used = self.for_all(statement, env, definable, defined)
                except Unbound as error:
                    missing[id(statement)] = error.name
                    continue
                compared_names |= used
                progress.append(statement)
            if not progress:
                statement = pending[0]
                name = missing[id(statement)]
                known = name in symbol_table() or name.split("_")[0] in symbol_table()
                raise FormulaError(
                    f"`{statement.text}`: nothing binds `{name}`"
                    + ("" if known else " (and symbols.yml does not define it)")
                )
            pending = [s for s in pending if s not in progress]
        for name, text in defined.items():
            if name not in compared_names:
                raise FormulaError(
                    f"`{text}` defines `{name}`, which no other line compares with the code"
                )
        for name in compared_names:
            self.exercised |= provenance.get(name, set())

    def for_all(self, statement: Statement, env, definable, defined, free=()) -> set:
        """A statement with a free index (`s_i = ...`) holds for every value of it."""
        try:
            if free:
                name, *rest = free
                size = _axis_size_of(statement, name, env)
                used = set()
                for value in range(size):
                    used |= self.for_all(statement, env | {name: value}, definable,
                                         defined, rest)  # fmt: skip
                return used
            return self.statement(statement, env, definable, defined)
        except Unbound as error:
            if error.name in INDICES and error.name not in env and not free:
                names = sorted(
                    {n for t in statement.terms for n in t.names()} & INDICES - set(env)
                )
                return self.for_all(statement, env, definable, defined, names)
            raise

    def statement(self, statement: Statement, env, definable, defined) -> set:
        terms, ops = statement.terms, statement.op
        used: set[str] = set()
        later = frozenset(definable - set(env))
        if not ops:
            return used
        start = 0
        first = _plain_name(terms[0])
        joined = _per_entry(statement, env, defining=True)
        if joined is not None:  # one entry of h_i, for the index bound now
            letter = terms[0].args[1][0].args[0]
            if letter not in env:
                raise Unbound(letter)
            env[joined][int(env[letter])] = evaluate(terms[1], env, used, later)
            defined[joined] = statement.text
            start = 1
        elif ops[0] == "=" and first in definable and first not in env:
            value = evaluate(terms[1], env, used, later)
            if terms[0].kind == "index" and first == terms[0].args[0].args[0]:
                key = evaluate(terms[0].args[1][0], env, used, later)
                env[first] = {int(key): value}
            else:
                env[first] = value
            defined[first] = statement.text
            start = 1
        for i in range(start, len(ops)):
            op = ops[i]
            if op == "→":  # (n, B)(B, k) \to (n, k): a shape claim; n \to m: no claim
                if terms[i + 1].kind != "tuple":
                    continue
                scope = _Scope(env, used, later)  # the sizes it reads count as used
                product, claimed = (
                    shape_of(terms[i], scope),
                    shape_of(terms[i + 1], scope),
                )
                self.result.comparisons += 1
                if product != claimed:
                    self.fail(
                        statement, f"the product has shape {product}, not {claimed}"
                    )
                continue
            if op == "←":
                name = _plain_name(terms[i])
                before = evaluate(terms[i + 1], env, used, later)
                after = env[f"{name}←"]
                used.add(name)
                self.compare("=", after, before, terms[i], terms[i + 1], statement, env)
                continue
            left = evaluate(terms[i], env, used, later)
            right = evaluate(terms[i + 1], env, used, later)
            if op in ("=", "≈"):
                self.compare(op, left, right, terms[i], terms[i + 1], statement, env)
            elif op == "~":
                self.distribution(left, right, statement)
            elif op == "∈":
                if not _membership(left, right):
                    self.fail(statement, f"{left!r} is not in the set")
            elif op in ("<", ">", "≤", "≥", "≠"):
                if not compare_op(op, left, right):
                    self.fail(statement, f"{left!r} {op} {right!r} does not hold")
                self.result.comparisons += 1
            else:
                raise FormulaError(f"`{statement.text}`: cannot check `{op}`")
        for (
            claim
        ) in statement.annotation:  # && (B, H): the shape of the row's left side
            self.annotation(claim, evaluate(terms[0], env, used, later), statement, env)
        return used

    def annotation(self, claim: Statement, value, statement: Statement, env):
        shapes = [shape_of(term, env) for term in claim.terms]
        self.result.comparisons += 1
        if any(shape != shapes[0] for shape in shapes[1:] if claim.op[:1] == ("=",)):
            self.fail(
                statement, f"its shape annotation says {' = '.join(map(str, shapes))}"
            )
        if tuple(np.shape(value)) != shapes[-1]:
            self.fail(
                statement, f"the row's left side has shape {np.shape(value)}, its "
                f"annotation says {shapes[-1]}"
            )  # fmt: skip

    def compare(self, op, left, right, left_node, right_node, statement, env):
        left, right = _point(left), _point(right)
        if isinstance(left, dict) or isinstance(right, dict):
            raise FormulaError(f"`{statement.text}`: a sequence is compared as a whole")
        self.result.comparisons += 1
        rounding = _rounding(left_node, env) + _rounding(right_node, env)
        if rounding:  # printed numbers: the sides may differ by their rounding, no more
            difference = _difference(left, right, floor=1e-300) * max(
                float(np.max(np.abs(np.asarray(left, dtype=float)), initial=0)),
                float(np.max(np.abs(np.asarray(right, dtype=float)), initial=0)),
            )
            if not difference <= rounding * (1 + 1e-9) + 1e-300:
                self.fail(
                    statement,
                    f"the sides differ by {difference:.3g}, more than the rounding of "
                    f"its printed numbers ({rounding:.2g})",
                )
            return
        tolerance = TOLERANCE[op]
        # a number written out (10^{-15}) is compared relative to itself, however small
        written = not left_node.names() or not right_node.names()
        difference = _difference(left, right, floor=1e-300 if written else 1.0)
        self.result.largest = max(self.result.largest, difference)
        if not difference <= tolerance:
            self.fail(
                statement,
                f"the sides differ by {difference:.3g} (relative; tolerance {tolerance:g})",
            )

    def distribution(self, drawn, written, statement):
        if not isinstance(drawn, Draw) or not isinstance(written, Distribution):
            raise FormulaError(
                f"`{statement.text}`: `\\sim` compares a draw with a law"
            )
        self.result.comparisons += 1
        if drawn.family != written.family:
            self.fail(statement, f"the code draws from a {drawn.family} distribution")
            return
        for got, want in ((drawn.first, written.first), (drawn.second, written.second)):
            difference = _difference(got, want)
            self.result.largest = max(self.result.largest, difference)
            if difference > 1e-12:
                self.fail(
                    statement,
                    f"the code's parameter is {got:.17g}, the formula says {want:.17g}",
                )

    def fail(self, statement: Statement, message: str):
        row = f"row {statement.row}: " if statement.row else ""
        failure = f"{row}`{statement.text}`: {message}"
        if failure not in self.result.failures:
            self.result.failures.append(failure)


def _environment(context, functions, free_names):
    def make(rng):
        env, provenance = {}, {}
        for tex, (function, name) in functions.items():
            env[tex] = function
            provenance[tex] = {name}
        if context is not None:
            bound = context(rng)
            env.update(bound)
            for key in bound:
                provenance[key] = set(context.names)
        for name in free_names:
            if name not in env:
                env[name] = _draw(symbol_table()[name]["draw"], rng)
        return env, provenance

    return make


def run_equation(
    ident: str,
    tex: str,
    code: tuple[str, ...],
    where: str = "",
    *,
    contexts: tuple[str, ...] = (),
    draws: int | None = None,
    seed: int = 0,
) -> Result:
    """Run ``tex`` against ``code`` (the names of its mark) on random draws.

    ``contexts`` overrides where the formula is run (a restated formula runs where its
    mark says, by default in the contexts of the equation's code).
    """
    result = Result(ident, where, tex, tuple(contexts or code))  # what it runs against
    try:
        statements = _merge(parse(tex))
    except TexError as error:
        result.failures.append(str(error))
        return result
    if not any(s.op for s in statements):
        result.failures.append("states no relation to check (no `=`, `\\le`, ...)")
        return result
    unknown = sorted(
        {name for names in _names(statements) for name in names} - _known()
    )
    unknown = [name for name in unknown if not _defined_by_table(name)]
    if unknown:
        result.failures.append(
            f"uses {', '.join(f'`{name}`' for name in unknown)}, which symbols.yml does "
            "not define: add it to the table (the Notation page shows it) or write the "
            "formula with the table's symbols"
        )
        return result
    functions = _functions()
    function_names = {name for _, name in functions.values()}
    chosen = contexts or code
    runs = []
    for name in chosen:
        if any(run[0] is not None and name in run[0].names for run in runs):
            continue  # the context chosen for an earlier name runs this code too
        context = CONTEXTS.get(name)
        if context is None and name not in function_names:
            result.failures.append(
                f"`{name}` has no context in nnmath_site/equations/contexts.py and is "
                "no function of symbols.yml: nothing binds what it computes"
            )
            continue
        if context is not None and all(context is not r[0] for r in runs):
            runs.append((context, name))
    if not runs and not result.failures:
        runs.append((None, chosen[0] if chosen else ""))
    free = [
        name
        for name, row in symbol_table().items()
        if row.get("draw") and any(name in s_names for s_names in _names(statements))
    ]
    exercised: set[str] = set()
    for context, _ in runs:
        count = draws or (context.draws if context is not None else 200)
        run = _Run(result, statements, _environment(context, functions, free), None)
        rng = np.random.default_rng([seed, zlib.crc32(ident.encode())])
        try:
            with np.errstate(all="ignore"):  # an overflow shows as a difference
                for _ in range(count):
                    run.draw(rng)
                    result.draws += 1
                    if result.failures:  # the first draw that fails says enough
                        break
        except (FormulaError, ValueError, TypeError, IndexError, KeyError) as error:
            result.failures.append(
                f"{type(error).__name__}: {error}"
                if not isinstance(error, FormulaError)
                else str(error)
            )
        exercised |= run.exercised
    if not result.failures:
        for name in contexts or code:
            if name not in exercised:
                result.failures.append(
                    f"the formula never reads what `{name}` computes (its mark names it)"
                )
    return result


INDICES = {"i", "j", "k", "c", "p", "q"}


def _axis_size_of(statement: Statement, name: str, env) -> int:
    scope = _Scope(env, set())
    for term in statement.terms:
        try:
            return _axis_size(term, name, scope)
        except ValueError:
            continue
    raise FormulaError(f"`{statement.text}`: cannot tell how far the index {name} runs")


@cache
def _known() -> frozenset[str]:
    from .evaluate import BUILTIN

    return frozenset(set(symbol_table()) | set(BUILTIN) | INDICES | {"e"})


def _defined_by_table(name: str) -> bool:
    """Is a name the table's, written with what the notation adds to a symbol: a layer
    number or a step (``W_1``, ``\\beta_1``, ``m_t``), a prime, a star (``j^*``), ``d``
    for the gradient of the loss (``dW``), ``da/dz`` for a derivative?"""
    table = _known()
    if name in table:
        return True
    if "/" in name:
        top, bottom = name.split("/", 1)
        return (
            top.startswith("d")
            and bottom.startswith("d")
            and all(_defined_by_table(part[1:]) for part in (top, bottom))
        )
    for stripped in (
        name.removesuffix("'"),
        name.removesuffix("^*"),
        name.split("_")[0],
    ):
        if stripped != name and _defined_by_table(stripped):
            return True
    if name.startswith("d") and len(name) > 1 and _defined_by_table(name[1:]):
        return True
    return any(key.startswith(f"{name}_") for key in table)  # \beta of \beta_1


def _names(statements):
    for statement in statements:
        for term in statement.terms:
            yield term.names()
