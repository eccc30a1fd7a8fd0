"""What the test modules share: paths, the site build, sampling helpers, bad-input tables.

No test module imports another; what two of them need lives here.

Bad-input tables
----------------
Each ``tests/test_<module>.py`` ends with ``BAD_INPUT``, a dict from a public name of that
module (a function, a class, or ``Class.method``) to one-line rows::

    (what is wrong, a call that does it, a regular expression[, the exception])

The call raises a ``ValueError`` unless the row names another exception (``TypeError`` for
a wrong type, ``RuntimeError`` for calls in the wrong order), and exactly that class, not a
subclass. The expression names the argument and the shapes or values at fault
(``r"^x\\b.*\\(3, 1\\)"``), not the whole sentence: the sentence is the code's to word.
``test_bad_input = bad_input_test(BAD_INPUT)`` turns the table into one test per row,
and ``tests/test_api.py`` fails when a public name has no row in any table.
"""

from __future__ import annotations

import inspect
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import nnmath

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"

NAN, INF = float("nan"), float("inf")


# ---- the site --------------------------------------------------------------------------


def nav_pages():
    """The page files of mkdocs.yml's nav, in order (``index.md``, ``neuron.md``, ...)."""

    class Loader(yaml.SafeLoader):
        pass

    Loader.add_multi_constructor("!", lambda loader, suffix, node: None)
    Loader.add_multi_constructor(
        "tag:yaml.org,2002:python/", lambda loader, suffix, node: None
    )
    config = yaml.load((ROOT / "mkdocs.yml").read_text(encoding="utf8"), Loader=Loader)
    return [next(iter(item.values())) for item in config["nav"]]


def mkdocs_build(config, site, env=None, cwd=None):
    """Run ``mkdocs build --strict -f config -d site``; return the ``CompletedProcess``.

    ``cwd`` defaults to the folder of ``config``, where the build runs. ``env`` adds
    to the environment (e.g. ``PYTHONPATH`` to build against a modified copy of nnmath).
    """
    config = Path(config)
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict"]
        + ["-f", str(config), "-d", str(site)],
        cwd=cwd or config.parent,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1", **(env or {})},
        capture_output=True,
        text=True,
        timeout=600,
    )


# ---- sampling --------------------------------------------------------------------------


def away_from_kink(rng, shape, margin):
    """Normal samples with every |x| >= margin, so ReLU's kink at 0 is never within h of a point."""
    x = rng.normal(size=shape)
    return np.where(np.abs(x) < margin, np.copysign(2 * margin, x), x)


# ---- exact references -------------------------------------------------------------------

# (B, n, k) of a product (B, n) @ (n, k): single entries, a row, a column, an outer product,
# rectangular and square.
PRODUCT_SHAPES = [
    (1, 1, 1),
    (1, 5, 1),
    (4, 1, 3),
    (5, 1, 1),
    (3, 4, 2),
    (6, 6, 6),
    (8, 13, 5),
]


def fsum_product(A, B):
    """(AB)_ij = sum_p A_ip B_pj, each sum taken exactly-rounded with math.fsum."""
    m, n = A.shape
    k = B.shape[1]
    return np.array(
        [
            [math.fsum(A[i, p] * B[p, j] for p in range(n)) for j in range(k)]
            for i in range(m)
        ]
    )


# ---- Hypothesis: settings and strategies ---------------------------------------------

# A fixed number of examples, no deadline, derandomized: a run is fast and reproducible.
SETTINGS = settings(max_examples=50, deadline=None, derandomize=True, database=None)
DTYPES = [np.float32, np.float64]

# "However large" means the whole float range for functions built on exp and log (the
# activations, softmax, log_softmax, cross_entropy). Where the exact result itself can leave
# the float range, inputs stay below the magnitude at which that happens:
# - PRODUCT_BOUND: a product of two inputs, summed a few times (mse, linear, neuron, Adam's g**2);
# - BATCH_BOUND: softmax_cross_entropy sums one loss of up to |logit gap| per row over the batch.
PRODUCT_BOUND = {np.float32: 1e17, np.float64: 1e150}
BATCH_BOUND = {np.float32: 1e37, np.float64: 1e300}


def finite(dtype, bound=None):
    """Finite floats of ``dtype``, from the whole range unless ``bound`` is given."""
    width = 32 if dtype == np.float32 else 64
    # the bound as the dtype represents it
    bound = float(np.finfo(dtype).max) if bound is None else float(dtype(bound))
    return st.floats(-bound, bound, allow_nan=False, allow_infinity=False, width=width)


def arrays(dtype, shape, bound=None):
    return hnp.arrays(dtype, shape, elements=finite(dtype, bound))


def shapes(min_dims=1, max_dims=2, max_side=6):
    return hnp.array_shapes(
        min_dims=min_dims, max_dims=max_dims, min_side=1, max_side=max_side
    )


def targets(data, shape, dtype=np.float64, soft=None):
    """One-hot or soft target rows (each row a distribution) of ``shape``."""
    if soft is None:
        soft = data.draw(st.booleans(), label="soft")
    classes = shape[-1]
    rows = int(np.prod(shape[:-1]))
    if soft:
        w = data.draw(
            hnp.arrays(np.float64, (rows, classes), elements=st.floats(0.0, 1.0)),
            label="w",
        )
        w[:, 0] += 1e-3  # no all-zero row
        y = w / w.sum(axis=1, keepdims=True)
    else:
        labels = data.draw(
            st.lists(st.integers(0, classes - 1), min_size=rows, max_size=rows),
            label="labels",
        )
        y = np.eye(classes)[labels]
    return y.reshape(shape).astype(dtype)


def eps(dtype):
    return float(np.finfo(dtype).eps)


# ---- the public API --------------------------------------------------------------------


def public_callables(constructors=False):
    """(name, object) of each name of ``nnmath.__all__`` and ``(Class.method, function)``
    of each public method; with ``constructors``, each class's ``Class.__init__`` too."""
    for name in nnmath.__all__:
        obj = getattr(nnmath, name)
        yield name, obj
        if inspect.isclass(obj):
            for method, function in inspect.getmembers(obj, inspect.isfunction):
                if not method.startswith("_") or (
                    constructors and method == "__init__"
                ):
                    yield f"{name}.{method}", function


def public_names():
    """Every name of ``nnmath.__all__``, and ``Class.method`` for each public method."""
    return {name for name, _ in public_callables()}


# ---- bad-input tables ------------------------------------------------------------------


class args:
    """The arguments of a row's call of the public function it is listed under."""

    def __init__(self, *args, **kwargs):
        self.args, self.kwargs = args, kwargs


def _call(name, call):
    if isinstance(call, args):
        f = getattr(nnmath, name)
        return lambda: f(*call.args, **call.kwargs)
    return call


def bad_input_test(table):
    """One test per row of ``table`` (see the module docstring); assign it to ``test_bad_input``.

    A row's call is either ``args(...)``, the arguments for the function or class it is
    listed under, or a function of no arguments (a method call, a sequence of calls).
    """
    assert all(table.values()), "every name of a table needs at least one row"
    rows = [
        pytest.param(
            _call(name, call), *(rest or [ValueError]), match, id=f"{name}: {what}"
        )
        for name, cases in table.items()
        for what, call, match, *rest in cases
    ]

    @pytest.mark.parametrize("call, exc, match", rows)
    def test_bad_input(call, exc, match):
        with pytest.raises(exc, match=match) as info:
            call()
        assert type(info.value) is exc  # not a subclass that would hide another failure

    return test_bad_input


def non_finite(call, match, where=""):
    """Rows for NaN, +inf and -inf: ``call(value)`` must raise a ValueError matching ``match``."""
    return [
        (f"{where}{what} refused", lambda v=v: call(v), match)
        for what, v in (("NaN", NAN), ("+inf", INF), ("-inf", -INF))
    ]


def shape_rx(name, shape):
    """A regex for ``name.shape=(3, 1)`` as the messages print it."""
    return f"{name}\\.shape=" + str(tuple(shape)).replace("(", r"\(").replace(
        ")", r"\)"
    )


def arr(*values):
    """``np.array(values)``: a 1-D array, short enough for a table row."""
    return np.array(values)


def ones(*shape, dtype=np.float64):
    return np.ones(shape, dtype)


def zeros(*shape, dtype=np.float64):
    return np.zeros(shape, dtype)


def gen(seed=0):
    """A fresh seeded generator, for the calls of a table (each row gets its own)."""
    return np.random.default_rng(seed)


V3 = np.array([0.2, 0.3, 0.5])
COL3 = V3.reshape(3, 1)
ONE_HOT = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
LOGITS = np.array([[1.0, 2.0, 0.5], [0.1, -1.0, 3.0]])


def dense(n_in=3, n_out=4, activation="relu", dtype=np.float64):
    return nnmath.Dense(n_in, n_out, activation, gen(), dtype=dtype)


def forwarded(layer, batch=2):
    """``layer`` after one forward pass on a (batch, in_features) input of its dtype."""
    layer.forward(np.ones((batch, layer.weights.shape[0]), layer.weights.dtype))
    return layer


def model():
    """A small network: Dense(3, 4, relu), Dense(4, 2) with no activation."""
    return nnmath.Sequential([dense(3, 4), dense(4, 2, None)])


def replaced(obj, **attributes):
    """``obj`` with its attributes reassigned (a layer's parameters after construction)."""
    for name, value in attributes.items():
        setattr(obj, name, value)
    return obj


def read_only(n):
    a = np.ones(n)
    a.flags.writeable = False
    return a
