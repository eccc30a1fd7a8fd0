r"""Evaluate a parsed formula (tex.py) with NumPy, its names bound to values.

The meaning of juxtaposition follows the notation: ``\sigma(x)`` calls when ``\sigma``
is bound to a function and multiplies otherwise (``x(1 - x)``); ``X W`` is a matrix
product when both sides are arrays and a product of numbers otherwise; ``\odot`` is
element by element; ``W_1`` is the name ``W_1`` when it is bound and entry 1 of ``W``
otherwise; ``\sum_{i=1}^{B}`` and ``\sum_i`` run over an index (0-based inside, as the
subscripts are), ``\sum_{\text{rows}}`` over the rows of an array.
"""

from __future__ import annotations

import math

import numpy as np

from .tex import Node

__all__ = ["Unbound", "evaluate", "Distribution", "shape_of"]


class Unbound(LookupError):
    """A name the formula uses that nothing has bound (yet)."""

    def __init__(self, name: str):
        super().__init__(name)
        self.name = name


class Distribution:
    """``\\mathcal{N}(mean, variance)`` or ``\\mathcal{U}(low, high)``, as written."""

    def __init__(self, family: str, first, second):
        self.family, self.first, self.second = family, first, second

    def __repr__(self):
        return f"{self.family}({self.first}, {self.second})"


class _Ones:
    r"""``\mathbf{1}``: a column of ones as long as the product needs; ``1^\top M``
    sums the rows of M."""

    transposed = False


class _OnesRow(_Ones):
    transposed = True


class _Delta:
    r"""Kronecker's ``\delta_{ij}``."""

    def __getitem__(self, key):
        i, j = key
        return 1.0 if i == j else 0.0


BUILTIN = {
    r"\delta": _Delta(),
    r"\mathbf{1}": _Ones(),
    "diag": np.diag,
    "log1p": np.log1p,
    r"\log": np.log,
    r"\exp": np.exp,
    r"\tanh": np.tanh,
    r"\pi": math.pi,
}


def _matmul(a, b):
    if isinstance(a, _OnesRow):
        return np.sum(b, axis=0)
    a, b = np.asanyarray(a), np.asanyarray(b)  # subclasses keep their own @
    if a.ndim == 1 and b.ndim == 2 and b.shape[0] == 1:  # s s^T: a column times a row
        return np.outer(a, b[0])
    result = a @ b
    return result


class _Pending:
    r"""``y \log`` before its argument: ``y \log x`` is y times log(x)."""

    def __init__(self, factor, function):
        self.factor, self.function = factor, function


def _product(a, b):
    """Juxtaposition of two values: a matrix product of arrays, else a product."""
    if isinstance(a, _Pending):
        return _product(a.factor, a.function(b))
    if _is_function(b):
        return _Pending(a, b)
    if isinstance(a, _OnesRow):
        return _matmul(a, b)
    if np.ndim(a) >= 1 and np.ndim(b) >= 1:
        return _matmul(a, b)
    return np.multiply(a, b)


def _is_function(value) -> bool:
    return callable(value) and not isinstance(value, np.ndarray)


class _Scope:
    """The names of a formula: the bindings, then the indices of enclosing sums."""

    def __init__(self, env: dict, used: set, later: frozenset = frozenset()):
        self.env, self.indices, self.used, self.later = env, {}, used, later

    def lookup(self, name: str):
        if name in self.later and name not in self.env:  # defined by a later statement
            raise Unbound(name)
        if name in self.indices:
            return self.indices[name]
        if name in self.env:
            self.used.add(name)
            return self.env[name]
        if name in BUILTIN:
            return BUILTIN[name]
        if name == "e":
            return math.e
        raise Unbound(name)

    def bound(self, name: str) -> bool:
        return name in self.indices or name in self.env


def evaluate(node: Node, env: dict, used: set | None = None, later=frozenset()):
    """The value of ``node`` with ``env``'s bindings; ``used`` collects the names read;
    ``later`` are names that a later statement defines (read before: Unbound)."""
    return _eval(node, _Scope(env, used if used is not None else set(), later))


def _name_of(node: Node) -> str | None:
    return node.args[0] if node.kind == "name" else None


def _subscript_name(node: Node, scope: _Scope) -> str | None:
    """``W_1`` or ``g_{\\text{analytic}}`` as one name, when that name is bound."""
    base, sub = node.args
    name = _name_of(base)
    if name is None:
        return None
    if isinstance(sub, tuple) and sub and sub[0] in ("digits", "text"):
        joined = f"{name}_{sub[1]}"
        if scope.bound(joined) or sub[0] == "text":
            return joined
    if isinstance(sub, tuple) and len(sub) == 1 and isinstance(sub[0], Node):
        letter = _name_of(sub[0])
        if letter is not None and scope.bound(f"{name}_{letter}"):
            return f"{name}_{letter}"
    return None


def _letter(node: Node) -> str | None:
    """The one index letter of ``h_i``, or None."""
    sub = node.args[1]
    if isinstance(sub, tuple) and len(sub) == 1 and isinstance(sub[0], Node):
        return _name_of(sub[0])
    return None


def _indices(sub, scope: _Scope) -> tuple:
    if sub[0] == "digits":
        return tuple(int(d) for d in sub[1])
    items = []
    for item in sub:
        if isinstance(item, Node) and item.kind == "colon":
            items.append(slice(None))
        else:
            value = _eval(item, scope)
            items.append(int(value))
    return tuple(items)


def _eval(node: Node, scope: _Scope):
    kind, args = node.kind, node.args
    if kind == "num":
        return args[0]
    if kind == "name":
        return scope.lookup(args[0])
    if kind == "add":
        return _eval(args[0], scope) + _eval(args[1], scope)
    if kind == "sub":
        return _eval(args[0], scope) - _eval(args[1], scope)
    if kind == "mul":
        a, b = _eval(args[0], scope), _eval(args[1], scope)
        if np.ndim(a) == 1 and np.ndim(b) == 1:
            return np.dot(a, b)
        return np.multiply(a, b)
    if kind == "odot":
        return np.multiply(_eval(args[0], scope), _eval(args[1], scope))
    if kind == "div":
        return _divide(args, scope)
    if kind == "neg":
        return -_eval(args[0], scope)
    if kind == "juxt":
        composite = _log_softmax(node, scope)
        if composite is not None:
            return composite
        a = _eval(args[0], scope)
        b = _eval(args[1], scope)
        if _is_function(a) and not _is_function(b):
            return a(b)
        return _product(a, b)
    if kind == "call":
        function = _eval(args[0], scope)
        values = [_eval(arg, scope) for arg in args[1]]
        if _is_function(function):
            return function(*values)
        if len(args[1]) == 1 and args[0].kind == "name" and args[1][0].kind == "name":
            # L(z): a quantity written as a function of its input, "L(\mathbf{z})" if
            # the context tells it from another L
            spelled = f"{args[0].args[0]}({args[1][0].args[0]})"
            return scope.env.get(spelled, function)
        if isinstance(function, _Pending) and len(values) == 1:
            return _product(function, values[0])
        if len(values) != 1:
            raise ValueError(
                f"{function!r} is not a function but takes {len(values)} arguments"
            )
        return _product(function, values[0])
    if kind == "index":
        name = _subscript_name(node, scope)
        if name is not None:
            value = scope.lookup(name)
            if isinstance(value, dict) and name.endswith(f"_{_letter(node)}"):
                # h_i, defined entry by entry (h_i = h max(1, |x_i|)): entry i
                key = int(scope.lookup(_letter(node)))
                if key not in value:
                    raise Unbound(name)
                return value[key]
            return value
        base = _eval(args[0], scope)
        key = _indices(args[1], scope)
        if isinstance(base, dict):
            return base[key[0] if len(key) == 1 else key]
        return base[key if len(key) > 1 else key[0]]
    if kind == "pow":
        return _power(node, scope)
    if kind == "T":
        value = _eval(args[0], scope)
        if isinstance(value, _Ones):
            return _OnesRow()
        value = np.asarray(value)
        return value[None, :] if value.ndim == 1 else value.T
    if kind == "sqrt":
        return np.sqrt(_eval(args[0], scope))
    if kind == "abs":
        return np.abs(_eval(args[0], scope))
    if kind == "norm":
        return np.linalg.norm(np.ravel(_eval(args[0], scope)))
    if kind == "bigop":
        return _bigop(node, scope)
    if kind == "cases":
        for value, condition in args[0]:
            if condition is None or _holds_all(condition, scope):
                return _eval(value, scope)
        raise ValueError("no case of the cases applies")
    if kind == "normal":
        return Distribution("normal", _eval(args[0], scope), _eval(args[1], scope))
    if kind == "uniform":
        return Distribution("uniform", _eval(args[0], scope), _eval(args[1], scope))
    if kind == "tuple":
        values, brackets, power = args
        return tuple(_eval(v, scope) for v in values) + (
            ("brackets", brackets, None if power is None else _eval(power, scope)),
        )
    if kind == "shaped":
        value = _eval(args[0], scope)
        claimed = shape_of(args[1], scope)
        if tuple(np.shape(value)) != claimed:
            raise ValueError(
                f"a value of shape {np.shape(value)} is labelled {claimed} under its brace"
            )
        return value
    if kind == "reals":
        power = None if args[0] is None else _eval(args[0], scope)
        return ("reals", power)
    if kind == "partial":
        raise ValueError("a lone \\partial: write a derivative as a fraction")
    raise ValueError(f"cannot evaluate a `{kind}`")


def _log_softmax(node: Node, scope: _Scope):
    r"""``\log \operatorname{softmax}(z)_i`` is one function in the code, log_softmax:
    read as the symbol ``log softmax`` when the symbol table binds it."""
    left, right = node.args
    if not (left.kind == "name" and left.args[0] == r"\log"):
        return None
    entry = None
    if right.kind == "index":
        right, entry = right.args
    if not (right.kind == "call" and right.args[0].kind == "name"
            and right.args[0].args[0] == "softmax"):  # fmt: skip
        return None
    try:
        function = scope.lookup("log softmax")
    except Unbound:
        return None
    value = function(*[_eval(a, scope) for a in right.args[1]])
    if entry is None:
        return value
    return value[_indices(entry, scope)[0]] if np.ndim(value) == 1 else value[
        _indices(entry, scope)]  # fmt: skip


def _factors(node: Node) -> list[Node]:
    """``B \\times k`` (or ``B \\cdot k``) as its factors."""
    if node.kind == "mul":
        return _factors(node.args[0]) + _factors(node.args[1])
    return [node]


def _product_shape(left: tuple, right: tuple) -> tuple:
    """The shape of a matrix product ``(a, b)(b, c) -> (a, c)``, if the inner sizes agree."""
    if len(left) != 2 or len(right) != 2 or left[1] != right[0]:
        raise ValueError(f"a {left} matrix times a {right} one has no product")
    return (left[0], right[1])


def shape_of(node: Node, scope_or_env) -> tuple:
    """A shape as the pages write it: ``(B, H)``, ``B \\times H``, ``(H, B)(B, C)``, ``k``."""
    scope = (
        scope_or_env
        if isinstance(scope_or_env, _Scope)
        else _Scope(scope_or_env, set())
    )
    if node.kind == "tuple":
        return tuple(int(_eval(v, scope)) for v in node.args[0])
    if node.kind == "call":  # (H, B)(B, C): the second tuple reads as arguments
        right = tuple(int(_eval(v, scope)) for v in node.args[1])
        return _product_shape(shape_of(node.args[0], scope), right)
    if node.kind == "juxt":
        return _product_shape(
            shape_of(node.args[0], scope), shape_of(node.args[1], scope)
        )
    return tuple(int(_eval(factor, scope)) for factor in _factors(node))


def derivative_name(numerator: Node, denominator: Node) -> tuple[str, tuple | None]:
    r"""``\partial L / \partial W_{ij}`` -> ("dW", (i, j) subscript); other
    numerators: ``\partial a/\partial z`` -> "da/dz", ``\partial s_i/\partial z_j``
    -> ("ds/dz", (i, j))."""
    top, bottom = numerator.args[0], denominator.args[0]
    sub = None
    if top.kind == "index" and bottom.kind == "index":
        top, top_sub = top.args
        bottom, bottom_sub = bottom.args
        if top_sub[0] not in ("digits", "text") and bottom_sub[0] not in (
            "digits",
            "text",
        ):
            sub = tuple(top_sub) + tuple(bottom_sub)
    elif bottom.kind == "index":
        bottom, sub = bottom.args
    top_name, bottom_name = _name_of(top), _name_of(bottom)
    if top_name is None or bottom_name is None:
        raise ValueError("a derivative is written \\partial <name> / \\partial <name>")
    if top_name == "L":
        return f"d{bottom_name}", sub
    return f"d{top_name}/d{bottom_name}", sub


def _divide(args, scope):
    top, bottom = args
    if top.kind == "partial" and bottom.kind == "partial":
        name, sub = derivative_name(top, bottom)
        value = scope.lookup(name)
        if sub is None:
            return value
        return _eval(Node("index", (Node("name", (name,)), sub)), scope)
    return np.divide(_eval(top, scope), _eval(bottom, scope))


def _power(node: Node, scope: _Scope):
    base, exponent = node.args
    if base.kind == "name" and base.args[0] == "e" and not scope.bound("e"):
        return np.exp(_eval(exponent, scope))
    if base.kind == "name" and base.args[0] == "e":
        return np.exp(_eval(exponent, scope))  # e^{...} is always the exponential
    value = _eval(base, scope)
    power = _eval(exponent, scope)
    if isinstance(value, tuple) and value and value[0] == "reals":  # \mathbb{R}^{n}
        return ("reals", shape_of(exponent, scope))
    if isinstance(value, tuple) and value and value[-1][0] == "brackets":  # [0, 1]^C
        return value[:-1] + (("brackets", value[-1][1], power),)
    if _is_function(value):  # \tanh^2 x
        return lambda *a: value(*a) ** power
    return np.power(value, power)


def _range(node: Node, sub, sup, body, scope: _Scope):
    """The index name and the values a big operator runs over."""
    if sub is None:
        raise ValueError("a \\sum without an index")
    if sub[0] == "range":
        _, name, low = sub
        low = int(_eval(low, scope))
        high = int(_eval(sup, scope))
        return name.args[0], range(low - 1, high)  # subscripts are 0-based
    if sub[0] == "text":
        return sub[1], None
    if sub[0] == "except":  # \sum_{j \ne j^*}: every j of the axis but one
        _, name, left_out = sub
        size = _axis_size(body, name.args[0], scope)
        skip = int(_eval(left_out, scope))
        return name.args[0], [v for v in range(size) if v != skip]
    names = [_name_of(item) for item in sub if isinstance(item, Node)]
    if not names or None in names:
        raise ValueError("a \\sum runs over named indices")
    return names, "infer"


def _axis_size(body: Node, index: str, scope: _Scope) -> int:
    """How far an index without bounds runs: the length of the axis it subscripts."""
    stack = [body]
    while stack:
        node = stack.pop()
        if not isinstance(node, Node):
            continue
        if node.kind == "index" and isinstance(node.args[1], tuple):
            sub = node.args[1]
            for axis, item in enumerate(sub):
                if isinstance(item, Node) and _name_of(item) == index:
                    try:
                        base = _eval(node.args[0], scope)
                    except Unbound:
                        continue
                    if isinstance(base, np.ndarray):
                        return base.shape[axis]
                    if hasattr(base, "family"):  # W_{ij} of a draw: every entry alike
                        return 1
        for arg in node.args:
            if isinstance(arg, Node):
                stack.append(arg)
            elif isinstance(arg, tuple):
                stack.extend(a for a in arg if isinstance(a, Node))
    raise ValueError(f"cannot tell how far the index {index} runs")


def _bigop(node: Node, scope: _Scope):
    op, sub, sup, body = node.args
    if sub is None and body.kind == "tuple":  # \max(0, x): element by element
        values = [_eval(v, scope) for v in body.args[0]]
        reduce = {"max": np.maximum, "min": np.minimum}[op]
        return reduce.reduce(np.broadcast_arrays(*values))
    names, values = _range(node, sub, sup, body, scope)
    if values is None:  # \sum_{\text{rows}}
        if names != "rows":
            raise ValueError(f"\\{op}_{{\\text{{{names}}}}}: only rows")
        reduce = {"sum": np.sum, "max": np.max, "min": np.min, "prod": np.prod}[op]
        return reduce(_eval(body, scope), axis=0)
    if isinstance(names, str):
        names, ranges = [names], [values]
    else:
        ranges = [None] * len(names)
    results = []
    saved = dict(scope.indices)

    def run(level):
        if level == len(names):
            results.append(_eval(body, scope))
            return
        span = ranges[level]
        if span is None:
            span = range(_axis_size(body, names[level], scope))
        for value in span:
            scope.indices[names[level]] = value
            run(level + 1)

    try:
        run(0)
    finally:
        scope.indices = saved
    if op == "sum":
        return sum(results[1:], start=results[0]) if results else 0.0
    if op == "argmax":
        return int(np.argmax(results))
    if op == "max":
        return max(results)
    if op == "min":
        return min(results)
    return math.prod(results)


def _holds_all(statement, scope: _Scope) -> bool:
    """A condition of a cases block: ``x > 0``."""
    values = [_eval(term, scope) for term in statement.terms]
    return all(
        compare_op(op, a, b) for op, a, b in zip(statement.op, values, values[1:])
    )


def compare_op(op: str, a, b) -> bool:
    if op == "<":
        return bool(np.all(np.less(a, b)))
    if op == ">":
        return bool(np.all(np.greater(a, b)))
    if op == "≤":
        return bool(np.all(np.less_equal(a, b)))
    if op == "≥":
        return bool(np.all(np.greater_equal(a, b)))
    if op == "≠":
        return bool(np.all(np.not_equal(a, b)))
    raise ValueError(f"no condition {op}")
