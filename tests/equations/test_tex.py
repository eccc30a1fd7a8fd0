"""The site's TeX, read by the grammar and evaluated (nnmath_site/equations: tex, evaluate).

Each construct the pages use, evaluated with NumPy on values bound by hand and compared
with the same expression written in NumPy.
"""

from __future__ import annotations

import numpy as np
import pytest

from nnmath_site.equations.evaluate import Unbound, evaluate
from nnmath_site.equations.tex import TexError, parse

RNG = np.random.default_rng(0)
X, W, dZ = RNG.normal(size=(4, 3)), RNG.normal(size=(3, 2)), RNG.normal(size=(4, 2))
b, z = RNG.normal(size=2), RNG.normal(size=5)
ENV = {
    "X": X, "W": W, "dZ": dZ, r"\mathbf{b}": b, r"\mathbf{z}": z, "z": z, "x": 0.7,
    r"\sigma": lambda v: 1 / (1 + np.exp(-v)), "softmax": lambda v: np.exp(v) / np.exp(v).sum(),
    "n_in": 3, "n_out": 2, "B": 4, "C": 5, r"\hat{Y}": np.full((4, 2), 0.5),
    "Y": np.eye(4, 2),
}  # fmt: skip

SIGMA = 1 / (1 + np.exp(-0.7))
CASES = [
    (r"\frac{1}{1 + e^{-x}}", 1 / (1 + np.exp(-0.7))),
    (r"\tfrac12 x", 0.35),
    (r"X^\top dZ", X.T @ dZ),
    (r"dZ \odot dZ", dZ * dZ),
    (r"X W + \mathbf{b}", X @ W + b),
    (r"\sum_{\text{rows}} dZ", dZ.sum(axis=0)),
    (r"\sum_{i=1}^{B} \sum_{p} X_{ip} W_{p,1}", (X @ W)[:, 1].sum()),
    (r"\sum_{j=1}^{C} e^{z_j}", np.exp(z).sum()),
    (r"\max_j z_j", z.max()),
    (r"\max(0, x)", 0.7),
    (r"\log \operatorname{softmax}(\mathbf{z})_2", np.log(np.exp(z[2]) / np.exp(z).sum())),
    (r"\sqrt{6 / (n_{\text{in}} + n_{\text{out}})}", np.sqrt(6 / 5)),
    (r"\lVert \mathbf{b} \rVert_2", np.linalg.norm(b)),
    (r"\sigma(x)\,\bigl(1 - \sigma(x)\bigr)", SIGMA * (1 - SIGMA)),
    (r"\begin{cases} 1 & x > 0 \\ 0 & x \le 0 \end{cases}", 1),
    (r"\frac{1}{B}\bigl(\hat{Y} - Y\bigr)", (np.full((4, 2), 0.5) - np.eye(4, 2)) / 4),
    (r"X_{10}", X[1, 0]),
    (r"\mathbf{1}^\top dZ", dZ.sum(axis=0)),
]  # fmt: skip


@pytest.mark.parametrize("tex, expected", CASES, ids=[c[0] for c in CASES])
def test_each_construct_evaluates_as_numpy_does(tex, expected):
    (statement,) = parse(f"{tex} = 0")
    assert np.allclose(evaluate(statement.terms[0], ENV), expected, rtol=1e-13, atol=0)


def test_a_relation_chain_and_its_statements():
    first, second = parse(r"a = b = c, \qquad d \le e")
    assert first.op == ("=", "=") and second.op == ("≤",)
    (law,) = parse(r"W_{ij} \sim \mathcal{N}(0, 2/n_{\text{in}})")
    assert law.op == ("~",) and law.terms[1].kind == "normal"


def test_commands_end_where_their_letters_end():
    # \le is not the start of \left, nor \in of \infty
    (statement,) = parse(r"y = f\left(x\right)")
    assert statement.op == ("=",)


def test_a_name_nothing_binds_is_reported():
    (statement,) = parse(r"g(x) = 1")
    with pytest.raises(Unbound):
        evaluate(statement.terms[0], ENV)


def test_the_grammar_reads_rows_continuations_and_annotations():
    rows = parse(
        "\\begin{aligned}\nz &= w x + b \\\\\n&= 0.5 && (B, H) \\\\\nL &= 1\n\\end{aligned}"
    )
    assert [s.row for s in rows] == [1, 2, 3]
    assert rows[1].continues and rows[1].annotation
    with pytest.raises(TexError, match="cannot read"):
        parse(r"x = \frac{1}")
