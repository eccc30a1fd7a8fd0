"""The marks (nnmath_site/equations/marks.py): the ``% eq:`` line of each display equation,
the tests' ``@pytest.mark.verifies`` and ``problems()``, where the two must agree.

First the site's own marks, read from the sources (nothing built): they agree with the
tests, and what the package computes is verified by name. Then marks parsed, each
disagreement named, and ``verifies`` marks read from test files written for the test.
"""

from __future__ import annotations

import re

import pytest

from nnmath_site.equations import (
    MarkError,
    Verification,
    page_marks,
    parse_mark,
    problems,
    verifies_marks,
)
from tests.support import ROOT, mark, verified_by, write

# ---- the site's own marks ---------------------------------------------------------------


def test_every_mark_on_the_site_agrees_with_the_tests():
    assert problems(page_marks(ROOT), verifies_marks(ROOT)) == []


# What the package computes (the list): each must be verified, by name.
MUST_BE_VERIFIED = [
    "sigmoid",
    "sigmoid-derivative",
    "relu",
    "tanh",
    "softmax",
    "softmax-jacobian",
    "mse",
    "cross-entropy",
    "log-softmax",
    "softmax-cross-entropy",
    "softmax-cross-entropy-gradient",
    "dense-forward",
    "dense-backward",
    "sgd",
    "momentum",
    "adam",
    "he-normal",
    "glorot-uniform",
    "relative-error",
]


def test_what_the_package_computes_is_verified_by_name():
    status = {
        mark.id: mark.status for mark in page_marks(ROOT) if mark.status != "restated"
    }
    assert {ident: status.get(ident) for ident in MUST_BE_VERIFIED} == dict.fromkeys(
        MUST_BE_VERIFIED, "verified"
    )


def test_gradients_are_verified_by_finite_differences():
    kinds = {}
    for verification in verifies_marks(ROOT):
        for ident in verification.ids:
            kinds.setdefault(ident, set()).add(verification.by)
    for ident in (
        "sigmoid-derivative",
        "softmax-jacobian",
        "softmax-cross-entropy-gradient",
        "dense-backward",
    ):
        assert "finite differences" in kinds[ident], ident


# ---- marks, parsed ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "line, status, code, reason",
    [
        (
            "% eq:sigmoid code: nnmath.sigmoid nnmath.sigmoid_derivative",
            "verified",
            ("nnmath.sigmoid", "nnmath.sigmoid_derivative"),
            None,
        ),
        (
            "  %eq:sigmoid code: nnmath.sigmoid, nnmath.relu",
            "verified",
            ("nnmath.sigmoid", "nnmath.relu"),
            None,
        ),
        (
            "% eq:chain-rule explanatory: a definition",
            "explanatory",
            (),
            "a definition",
        ),
        ("% eq:sigmoid", "restated", (), None),
    ],
)
def test_a_mark_is_read_from_the_first_line_and_taken_out(line, status, code, reason):
    mark, rest = parse_mark(f"\n{line}\nx = 1\n")
    assert (mark.status, mark.code, mark.reason) == (status, code, reason)
    assert rest == "x = 1\n"


def test_tex_without_a_mark_is_left_alone():
    assert parse_mark("x = 1 % eq:late\n") == (None, "x = 1 % eq:late\n")


@pytest.mark.parametrize(
    "line, message",
    [
        ("% eq:Sigmoid", r"eq:Sigmoid.*lower-case"),
        ("% eq:two--hyphens", r"lower-case"),
        ("% eq:x code:", r"`code:` is followed by the names"),
        ("% eq:x code: sigmoid", r"`code:` is followed by the names"),
        ("% eq:x explanatory:", r"after the name comes"),
        ("% eq:x verified", r"after the name comes"),
    ],
)
def test_a_mark_that_does_not_parse_is_refused_with_the_line(line, message):
    with pytest.raises(MarkError, match=message):
        parse_mark(line + "\nx", "page.md")


# ---- problems ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "marks, verifications, message",
    [
        (
            [mark("s", ["nnmath.sigmoid"])],
            [],
            r"eq:s names its code .* but no test verifies it",
        ),
        (
            [mark("s", reason="a step")],
            [verified_by("s")],
            r"eq:s is marked explanatory, but tests/test_x.py::test_x verifies it",
        ),
        (
            [mark("s", ["nnmath.sigmoid"])],
            [verified_by("s", "t")],
            r"test_x verifies eq:t, which no page or docstring has",
        ),
        ([mark("s")], [], r"eq:s is stated again, but no equation is marked"),
        (
            [mark("s", ["nnmath.sigmoid"]), mark("s", reason="x", where="b.md")],
            [verified_by("s")],
            r"eq:s is stated .* twice, at page.md and b.md",
        ),
        (
            [mark("s", ["nnmath.sigmoyd"])],
            [verified_by("s")],
            r"names `nnmath.sigmoyd`, which is not in nnmath",
        ),
        (
            [mark("s", ["nnmath.sigmoid"])],
            [verified_by("s", by="eyeballing")],
            r'by="eyeballing" is not a kind of check',
        ),
    ],
)
def test_each_disagreement_is_named(marks, verifications, message):
    found = problems(marks, verifications)
    assert len(found) == 1 and re.search(message, found[0]), found


def test_agreeing_marks_have_no_problem():
    marks = [
        mark("s", ["nnmath.sigmoid"]),
        mark("s", where="api"),
        mark("q", reason="a step"),
    ]
    assert problems(marks, [verified_by("s")]) == []


def test_verifies_marks_are_read_from_decorators_and_params_only(tmp_path):
    write(
        tmp_path,
        {
            "tests/test_a.py": """
        import pytest

        @pytest.mark.verifies("s", "t", by="exact")
        def test_one(): ...

        class TestTwo:
            @pytest.mark.parametrize(
                "x", [pytest.param(1, marks=pytest.mark.verifies("u", by="property"))]
            )
            def test_two(self, x): ...
        """
        },
    )
    assert verifies_marks(tmp_path) == [
        Verification("tests/test_a.py::test_one", ("s", "t"), "exact", 4),
        Verification("tests/test_a.py::TestTwo::test_two", ("u",), "property", 9),
    ]
    write(
        tmp_path,
        {
            "tests/test_c.py": """
        import pytest
        PARAMS = [pytest.param(1, marks=pytest.mark.verifies("v", by="exact"))]

        @pytest.mark.parametrize("x", PARAMS)
        def test_three(x): ...
        """
        },
    )
    assert verifies_marks(tmp_path)[-1] == Verification(
        "tests/test_c.py::test_three", ("v",), "exact", 3
    )
    write(
        tmp_path,
        {
            "tests/test_b.py": """
        import pytest
        MARK = pytest.mark.verifies("s", by="exact")
        """
        },
    )
    with pytest.raises(
        MarkError, match=r"test_b.py line 3: .*belongs in the decorators"
    ):
        verifies_marks(tmp_path)


@pytest.mark.parametrize(
    "source, message",
    [
        ('@pytest.mark.verifies(NAME, by="exact")', "string literals"),
        ('@pytest.mark.verifies("s")', "one keyword, by="),
        ('@pytest.mark.verifies(by="exact")', "names no equation"),
    ],
)
def test_a_verifies_mark_must_be_literal(tmp_path, source, message):
    write(
        tmp_path, {"tests/test_a.py": f"import pytest\n{source}\ndef test_a(): ...\n"}
    )
    with pytest.raises(MarkError, match=message):
        verifies_marks(tmp_path)
