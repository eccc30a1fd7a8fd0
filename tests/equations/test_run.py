"""The display formulas as shown run against their code (nnmath_site/equations: run, site).

Every display formula of the pages, the docstrings and a page's fence output that is
neither explanatory nor on the pending list is evaluated on random draws and compared
with the code its mark names; errors planted in the TeX are caught.
"""

from __future__ import annotations

import shutil

import pytest

from nnmath_site.equations.run import run_equation
from nnmath_site.equations.site import (
    _definitions,
    check,
    formulas,
    generated_formulas,
    pending,
    run_formula,
    waiting_reason,
)
from tests.support import ROOT

ITEMS = formulas(ROOT)
DEFINITIONS = _definitions(ITEMS)
WAITING = pending(ROOT)
RUN = [
    f
    for f in ITEMS
    if DEFINITIONS.get(f.mark.id, f.mark).status != "explanatory"
    and not waiting_reason(f.where.split(":")[0], f.mark.id, f.tex)
]


@pytest.mark.parametrize("formula", RUN, ids=[f"{f.where}-{f.mark.id}" for f in RUN])
def test_the_formula_as_shown_agrees_with_its_code(formula):
    result = run_formula(formula, DEFINITIONS)
    assert result.ok, "\n".join(result.failures)
    assert result.draws >= 1 and result.comparisons >= 1


def test_the_site_runs_formulas_and_its_pending_list_names_real_formulas():
    results, skipped = check(ROOT)
    assert len(results) >= 15
    where = {(f.where.split(":")[0], f.mark.id) for f in ITEMS}
    generated = {key for key in WAITING if key[0] == "docs/by-hand.md"}
    assert set(WAITING) - generated <= where


# Planted errors, one of each kind the issue names, in formulas as the site writes them.
PLANTS = [
    # a flipped sign in sigma' = sigma (1 - sigma)
    ("sigmoid", r"\sigma'(x) = \sigma(x)\,\bigl(1 + \sigma(x)\bigr)", ("nnmath.sigmoid",
     "nnmath.sigmoid_derivative")),
    # dW = dZ^T X for X^T dZ, in a line of the aligned two-layer backward pass
    ("two-layer-backward", "\\begin{aligned}\ndZ_2 &= \\tfrac{1}{B}(\\hat{Y} - Y) \\\\\n"
     "dW_2 &= dZ_2^\\top A_1 \\end{aligned}", ("nnmath.Sequential.backward",)),
    # a dropped 1/B
    ("softmax-cross-entropy-gradient", r"dZ = \hat{Y} - Y",
     ("nnmath.softmax_cross_entropy_gradient",)),
    # 2h -> h in the central difference
    ("central-difference",
     r"\frac{\partial f}{\partial x_i} \approx \frac{f(x + h\,e_i) - f(x - h\,e_i)}{h}",
     ("nnmath.numerical_gradient",)),
    # Glorot's denominator off by one
    ("glorot-uniform",
     r"W_{ij} \sim \mathcal{U}(-a, a), \quad a = \sqrt{6 / (n_{\text{in}} + n_{\text{out}} + 1)}",
     ("nnmath.glorot_uniform",)),
    # He's variance over n_out
    ("he-normal", r"W_{ij} \sim \mathcal{N}(0, 2/n_{\text{out}})", ("nnmath.he_normal",)),
    # the relative error with one norm missing from the denominator
    ("relative-error",
     r"e = \frac{\lVert g_{\text{analytic}} - g_{\text{numerical}} \rVert_2}"
     r"{\lVert g_{\text{analytic}} \rVert_2}", ("nnmath.relative_error",)),
    # a dropped factor 2 in tanh'
    ("tanh", r"\tanh'(x) = 1 - \tanh^2(x) = \frac{4e}{(1 + e)^2}, \quad e = e^{-|x|}",
     ("nnmath.tanh_derivative",)),
]  # fmt: skip


@pytest.mark.parametrize("ident, tex, code", PLANTS, ids=[p[0] for p in PLANTS])
def test_an_error_planted_in_a_shown_formula_is_caught(ident, tex, code):
    result = run_equation(ident, tex, code, "planted")
    assert not result.ok
    assert any("differ" in f or "parameter" in f for f in result.failures), (
        result.failures
    )


def test_the_unplanted_forms_pass():
    fine = [
        (r"\sigma'(x) = \sigma(x)\,\bigl(1 - \sigma(x)\bigr)", ("nnmath.sigmoid_derivative",)),
        (r"dZ = \frac{1}{B}\bigl(\hat{Y} - Y\bigr)", ("nnmath.softmax_cross_entropy_gradient",)),
        (r"W_{ij} \sim \mathcal{N}(0, 2/n_{\text{in}})", ("nnmath.he_normal",)),
    ]  # fmt: skip
    for tex, code in fine:
        result = run_equation("fine", tex, code)
        assert result.ok, result.failures


def test_a_symbol_the_table_does_not_define_is_named():
    result = run_equation(
        "x", r"\sigma(x) = \mathbf{q}", ("nnmath.sigmoid",), "page.md"
    )
    assert any(
        "`\\mathbf{q}`, which symbols.yml does not define" in f for f in result.failures
    )


def test_a_definition_nothing_compares_fails():
    tex = r"\hat{m} = \sigma(x), \qquad \sigma(x) = \sigma(x)"
    result = run_equation("x", tex, ("nnmath.sigmoid",))
    assert any("defines `\\hat{m}`" in f for f in result.failures), result.failures


def test_a_pending_formula_still_does_not_run():
    waiting = [
        f for f in ITEMS if waiting_reason(f.where.split(":")[0], f.mark.id, f.tex)
    ]
    assert waiting, "pending.yml names formulas that are not in the sources"
    for formula in waiting:
        result = run_formula(formula, DEFINITIONS)
        assert not result.ok, (
            f"{formula.where} eq:{formula.mark.id} runs now: take it off"
        )


# ---- formulas that a page's fences print ---------------------------------------------------

FENCE_PLANTS = [
    # the worked numbers of one neuron: a sign in the symbolic step, a wrong printed value
    (r"&= 2(a - y) = 2\,(", r"&= 2(a + y) = 2\,("),
    (r"= {v['dL_da']:.4f} \\", r"= {v['dL_da'] + 0.01:.4f} \\"),
    # the entry of dW_1: a wrong row of X
    (r"(dZ_1)_{{00}} + X_{{10}}\,(dZ_1)", r"(dZ_1)_{{00}} + X_{{01}}\,(dZ_1)"),
]  # fmt: skip


def test_the_formulas_a_fence_prints_run():
    printed = [f for f in ITEMS if f.where.endswith("(printed by a fence)")]
    assert {f.mark.id for f in printed} >= {
        "neuron-worked-numbers",
        "by-hand-dw1-entry",
    }


@pytest.mark.parametrize("right, wrong", FENCE_PLANTS, ids=range(len(FENCE_PLANTS)))
def test_an_error_planted_in_a_fences_formula_is_caught(tmp_path, right, wrong):
    shutil.copytree(
        ROOT / "docs", tmp_path / "docs", ignore=shutil.ignore_patterns("hooks")
    )
    page = tmp_path / "docs" / "by-hand.md"
    text = page.read_text(encoding="utf-8")
    assert text.count(right) == 1, right
    page.write_text(text.replace(right, wrong), encoding="utf-8")
    printed = generated_formulas(tmp_path)
    results = [run_formula(f, _definitions(printed + ITEMS)) for f in printed]
    assert any(not r.ok for r in results), [r.failures for r in results]


def test_a_pending_formula_that_is_changed_runs_again():
    (row,) = [f for f in ITEMS if f.mark.id == "minibatch-unbiased"]
    assert waiting_reason("docs/optimizers.md", "minibatch-unbiased", row.tex)
    changed = row.tex.replace(r"\frac{1}{B} \sum_{i", r"\frac{1}{N} \sum_{i")
    assert changed != row.tex
    assert waiting_reason("docs/optimizers.md", "minibatch-unbiased", changed) is None


def test_a_step_defined_entry_by_entry_runs_and_its_factor_2_is_checked():
    (row,) = [
        f
        for f in ITEMS
        if f.mark.id == "central-difference" and "gradcheck.py" in f.where
    ]
    code = ("nnmath.numerical_gradient",)
    assert run_equation("central-difference", row.tex, code).ok
    planted = row.tex.replace("{2 h_i}", "{h_i}")
    assert (
        planted != row.tex and not run_equation("central-difference", planted, code).ok
    )


@pytest.mark.parametrize(
    "tex, holds",
    [
        (r"0.25^{10} \approx 9.5\times10^{-7}", True),
        (r"0.25^{10} \approx 9.5\times10^{-4}", False),
        (r"0.25^{10} \approx -9.5\times10^{-7}", False),
        (r"0.25^{10} \approx 5.5\times10^{-7}", False),
        (r"2\,(0.6682 - 1) = -0.6636", True),
        (r"2\,(0.6682 - 1) = -0.6663", False),
    ],
)
def test_a_printed_number_is_held_to_its_own_digits(tex, holds):
    assert run_equation("printed", tex, (), draws=1).ok is holds


SHAPE_PLANTS = [
    # the shape column of an aligned row, with its product transposed
    ("two-layer-backward",
     "\\begin{aligned}\ndZ_2 &= \\tfrac{1}{B}(\\hat{Y} - Y) && (B, C) \\\\\n"
     "dW_2 &= A_1^\\top dZ_2 && (B, H)(B, C) \\to (H, C) \\end{aligned}",
     ("nnmath.Sequential.backward",)),
    # a membership in R^{n x k} with the sizes swapped
    ("dense-forward", r"Z = XW + \mathbf{b}, \qquad W \in \mathbb{R}^{k \times n}",
     ("nnmath.linear",)),
    # a brace labelled with the transposed shape
    ("dense-forward", r"\underbrace{Z}_{k \times B} = X W + \mathbf{b}", ("nnmath.linear",)),
]  # fmt: skip


@pytest.mark.parametrize("ident, tex, code", SHAPE_PLANTS, ids=range(len(SHAPE_PLANTS)))
def test_a_wrong_shape_in_a_formula_is_caught(ident, tex, code):
    result = run_equation(ident, tex, code)
    assert not result.ok, tex
    right = (
        tex.replace("(B, H)(B, C)", "(H, B)(B, C)")
        .replace(r"{k \times n}", r"{n \times k}")
        .replace(r"{k \times B}", r"{B \times k}")
    )
    assert run_equation(ident, right, code).ok, right
