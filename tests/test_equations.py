"""Every display equation says what verifies it (nnmath_site/equations/, its hook and plugin).

The marks on the pages and the tests' ``verifies`` marks must agree (read from the
sources, nothing built); the build refuses an equation without a mark and writes the line
under each; the plugin refuses a run where a verified equation's checks did not run. The
last tests show, on a copy of the project, that deleting the tests of an equation or its
mark makes pytest fail.
"""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from nnmath_site.equations import (
    KINDS,
    Mark,
    MarkError,
    Summary,
    Verification,
    api_anchor,
    equation_counts,
    page_marks,
    parse_mark,
    problems,
    render_check,
    summarize,
    verifies_marks,
)
from tests.support import ROOT, mkdocs_build

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


def mark(ident, code=(), reason=None, where="page.md"):
    return Mark(ident, tuple(code), reason, where)


def verified_by(*ids, by="finite differences", test="tests/test_x.py::test_x"):
    return Verification(test, ids, by, 1)


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


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return root


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


# ---- the line under an equation ----------------------------------------------------------


def summary_of(measurements, ident="s"):
    verifications = [
        verified_by("s", test="tests/test_x.py::test_grad"),
        verified_by("s", by="PyTorch", test="tests/test_x.py::test_torch"),
    ]
    return summarize(ident, verifications, measurements)


def test_the_largest_measure_of_each_kind_is_shown_with_its_case_count():
    measurements = {
        "tests/test_x.py::test_grad[0]": {
            "ids": ["s"],
            "outcome": "passed",
            "values": [2e-10, 3.1e-9],
        },
        "tests/test_x.py::test_grad[1]": {
            "ids": ["s"],
            "outcome": "passed",
            "values": [1e-11],
        },
        "tests/test_x.py::test_torch": {
            "ids": ["s"],
            "outcome": "skipped",
            "values": [],
        },
        "tests/test_x.py::test_gone": {
            "ids": ["s"],
            "outcome": "failed",
            "values": [1.0],
        },
    }
    grad, torch = summary_of(measurements)
    assert (grad.kind, grad.passed, grad.largest) == ("finite differences", 2, 3.1e-9)
    assert (torch.passed, torch.skipped) == (
        0,
        1,
    )  # a test no longer marked is not counted
    line = render_check(
        mark("s"),
        mark("s", ["nnmath.sigmoid"]),
        [grad, torch],
        anchor="eq-s",
        api_url="../api/",
        how_url="../gradcheck/#how",
    )
    assert "✓ verified" in line
    assert "central differences, rel. error ≤ 3e-9 (2 cases)" in line
    assert "PyTorch autograd, float64 (skipped in the last test run)" in line
    assert (
        '<a href="../api/#nnmath.activations.sigmoid"><code>sigmoid</code></a>' in line
    )
    assert "<code>tests/test_x.py::test_grad</code>" in line


def test_a_failed_check_is_shown_as_failed_and_no_run_as_not_run():
    failed = summary_of(
        {
            "tests/test_x.py::test_grad": {
                "ids": ["s"],
                "outcome": "failed",
                "values": [],
            }
        }
    )
    line = render_check(
        mark("s"),
        mark("s", ["nnmath.sigmoid"]),
        failed,
        anchor="eq-s",
        api_url="a",
        how_url="h",
    )
    assert "✗ check failed" in line and "eq-failed" in line
    assert "central differences <strong>failed</strong> (1 of 1 cases" in line
    assert "not run yet: run pytest" in render_check(
        mark("s"),
        mark("s", ["nnmath.sigmoid"]),
        summary_of({}),
        anchor="eq-s",
        api_url="a",
        how_url="h",
    )


def test_an_explanatory_equation_shows_its_reason():
    line = render_check(
        mark("q"),
        mark("q", reason="a step of <the> derivation"),
        [],
        anchor="eq-q",
        api_url="a",
        how_url="h",
    )
    assert "explanatory</a>: a step of &lt;the&gt; derivation" in line
    assert "verified" not in line


def test_code_links_go_to_the_defining_modules_anchor():
    assert api_anchor("nnmath.Dense.backward") == "nnmath.layers.Dense.backward"
    assert api_anchor("nnmath.softmax") == "nnmath.activations.softmax"


def test_every_kind_words_its_check_and_names_its_measure():
    assert all(
        words and (quantity is None or quantity) for words, quantity in KINDS.values()
    )
    assert Summary("exact").kind in KINDS


def test_the_count_table_sorts_every_display_formula_by_what_runs_it():
    """Gradient checking's table: run as shown + not run yet + explanatory = the formulas."""
    from nnmath_site.equations.site import pending  # imports the translator

    lines = equation_counts(ROOT).splitlines()
    assert lines[0] == (
        "| page | display formulas | run as shown | not run yet | explanatory | restated |"
    )
    rows = [
        [cell.strip(" *") for cell in line.strip("|").split("|")] for line in lines[2:]
    ]
    numbers = {row[0]: [int(cell) for cell in row[1:]] for row in rows}
    total = numbers.pop("all")
    for title, (shown, run, waiting, explanatory, restated) in numbers.items():
        assert shown == run + waiting + explanatory, title
        assert restated <= shown, title
    assert [sum(column) for column in zip(*numbers.values())] == total
    # every marked formula counts, the ones a fence prints (by-hand.md) and the docstrings'
    marks = page_marks(ROOT)
    assert total[0] == len(marks)
    by_hand = [mark for mark in marks if mark.where.startswith("docs/by-hand.md:")]
    assert numbers["A network by hand"][0] == len(by_hand)
    # a formula on pending.yml (keyed by its file, docstrings by their module) is not run
    definitions = {mark.id: mark for mark in marks if mark.status != "restated"}
    waiting = pending(ROOT)
    assert total[2] == sum(
        (mark.where.rsplit(":", 1)[0], mark.id) in waiting
        and definitions.get(mark.id, mark).status != "explanatory"
        for mark in marks
    )


# ---- the build (the equations hook alone: no KaTeX, no page code) ------------------------

MINI = {
    "mkdocs.yml": f"""
        site_name: mini
        site_url: http://127.0.0.1:8000/
        nav: [index.md, gradcheck.md, api.md]
        markdown_extensions:
          - attr_list
          - pymdownx.arithmatex:
              generic: true
        hooks:
          - {ROOT / "docs/hooks/equations.py"}
        """,
    "docs/index.md": """
        # Home

        $$
        % eq:s code: nnmath.sigmoid
        \\sigma(x) = 1/(1 + e^{-x})
        $$

        Inline $x$ is not a display equation.
        """,
    "docs/gradcheck.md": """
        # Gradient checking

        ## How the site checks its equations

        $$
        % eq:s
        \\sigma(x) = \\frac{1}{1 + e^{-x}}
        $$
        """,
    "docs/api.md": "# API\n\n## sigmoid {#nnmath.activations.sigmoid}\n",
    "tests/test_s.py": """
        import pytest

        @pytest.mark.verifies("s", by="exact")
        def test_s(measured):
            measured(0.0)
        """,
}


def build(root: Path, env=None):
    result = mkdocs_build(root / "mkdocs.yml", root / "site", env=env)
    return result.returncode, result.stdout + result.stderr


def test_the_build_writes_the_line_under_each_display_equation(tmp_path):
    root = write(tmp_path, MINI)
    write(
        root,
        {
            "build/verification.json": json.dumps(
                {
                    "tests": {
                        "tests/test_s.py::test_s": {
                            "ids": ["s"],
                            "by": "exact",
                            "outcome": "passed",
                            "values": [0.0],
                        }
                    }
                }
            )
        },
    )
    code, log = build(root)
    assert code == 0, log
    home = (root / "site/index.html").read_text(encoding="utf-8")
    assert '<div class="eq" id="eq-s"><div class="arithmatex">\\[\\sigma(x)' in home
    assert "% eq:" not in home
    assert "exact cases, max. difference 0 (1 case)" in home
    assert 'href="api/#nnmath.activations.sigmoid"' in home
    assert 'href="gradcheck/#how-the-site-checks-its-equations"' in home
    again = (root / "site/gradcheck/index.html").read_text(encoding="utf-8")
    assert '(as on <a href="../#eq-s">Home</a>)' in again


@pytest.mark.parametrize(
    "change, message",
    [
        (
            ("% eq:s code: nnmath.sigmoid\n", ""),
            r"page index.md: 1 display equation\(s\) without a mark.*\\sigma\(x\)",
        ),
        (
            ("code: nnmath.sigmoid", "code: nnmath.sigmoyd"),
            r"names `nnmath.sigmoyd`, which is not in nnmath",
        ),
        (
            ('verifies("s"', 'verifies("t"'),
            r"eq:s names its code .* but no test verifies it",
        ),
    ],
)
def test_the_build_fails_on_an_equation_without_a_mark_or_a_test(
    tmp_path, change, message
):
    root = write(tmp_path, MINI)
    for name in ("docs/index.md", "tests/test_s.py"):
        path = root / name
        path.write_text(
            path.read_text(encoding="utf-8").replace(*change), encoding="utf-8"
        )
    code, log = build(root)
    assert code != 0 and re.search(message, log, re.S), log[-3000:]


def test_a_ci_build_needs_the_checks_to_have_passed(tmp_path):
    root = write(tmp_path, MINI)
    code, log = build(root, env={"NNMATH_REQUIRE_MEASURED": "1"})
    assert code != 0 and "eq:s: its checks did not pass in the last test run" in log
    code, log = build(
        root
    )  # without it (mkdocs serve, a first build), it says "not run yet"
    assert (
        code == 0
        and "not run yet: run pytest" in (root / "site/index.html").read_text()
    )


# ---- the plugin, on a project of its own --------------------------------------------------


def run_pytest(root: Path, *args):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "nnmath_site.equations.plugin",
            "-p",
            "no:cacheprovider",
            "-q",
            *args,
        ],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )
    return result.returncode, result.stdout + result.stderr


PROJECT = {
    "pyproject.toml": '[tool.pytest.ini_options]\ntestpaths = ["tests"]\n',
    "docs/page.md": "$$\n% eq:s code: nnmath.sigmoid\n\\sigma\n$$\n",
    "tests/test_other.py": "def test_other():\n    assert 1 + 1 == 2\n",
    "tests/test_s.py": """
        import pytest

        @pytest.mark.verifies("s", by="finite differences")
        @pytest.mark.parametrize("x", [1.0, 2.0])
        def test_s(x, measured):
            measured(x * 1e-10)
        """,
}


def test_the_plugin_writes_what_each_verifying_test_measured(tmp_path):
    root = write(tmp_path, PROJECT)
    code, log = run_pytest(root)
    assert code == 0, log
    tests = json.loads((root / "build/verification.json").read_text())["tests"]
    assert tests["tests/test_s.py::test_s[2.0]"] == {
        "ids": ["s"],
        "by": "finite differences",
        "outcome": "passed",
        "values": [2e-10],
    }
    # a partial run keeps what the other tests measured before
    code, log = run_pytest(root, "tests/test_s.py::test_s[1.0]")
    assert code == 0, log
    assert len(json.loads((root / "build/verification.json").read_text())["tests"]) == 2


@pytest.mark.parametrize(
    "change, args, message",
    [
        (
            ("measured(x * 1e-10)", "pass"),
            (),
            r"test_s\[1.0\] verifies s by finite differences but measured nothing",
        ),
        (
            (
                "def test_s(x, measured):",
                "def test_s(x, measured):\n    pytest.skip('no')",
            ),
            (),
            r"eq:s \(docs/page.md:2\): none of its checks passed in this run",
        ),
        (
            ('verifies("s"', 'verifies("t"'),
            (),
            r"test_s\[1.0\] verifies eq:t, which no page or docstring has",
        ),
        (
            ('by="finite differences"', 'by="eyeballing"'),
            (),
            r'by="eyeballing" is not one of',
        ),
        (
            ("def test_s(", "def check_s("),
            (),
            r"tests/test_s.py::check_s carries verifies\(s\) but never ran",
        ),
    ],
)
def test_the_plugin_fails_a_run_whose_checks_did_not_run_or_measure(
    tmp_path, change, args, message
):
    root = write(tmp_path, PROJECT)
    path = root / "tests/test_s.py"
    path.write_text(path.read_text().replace(*change))
    code, log = run_pytest(root, *args)
    assert code != 0 and re.search(message, log), log


def test_a_partial_run_does_not_ask_for_every_check(tmp_path):
    root = write(tmp_path, PROJECT)
    code, log = run_pytest(root, "tests/test_other.py")
    assert code == 0, log


# ---- on a copy of this project: deleting tests or a mark fails pytest ---------------------


@pytest.fixture(scope="module")
def project_copy(tmp_path_factory):
    """The repository's sources (no .git, venv, node_modules or builds), copied."""
    copy = tmp_path_factory.mktemp("project") / "nnmath"
    ignore = shutil.ignore_patterns(
        ".*", "node_modules", "site", "build", "__pycache__", "*.egg-info"
    )
    shutil.copytree(ROOT, copy, ignore=ignore)
    return copy


def run_static_check(copy: Path):
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:randomly",
            "tests/test_equations.py::test_every_mark_on_the_site_agrees_with_the_tests",
        ],
        cwd=copy,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONPATH": str(copy)},
    )


def delete_function(path: Path, name: str) -> None:
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    tree = ast.parse("".join(lines))
    node = next(
        n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name == name
    )
    start = min([node.lineno] + [d.lineno for d in node.decorator_list]) - 1
    del lines[start : node.end_lineno]
    path.write_text("".join(lines), encoding="utf-8")


def test_on_a_copy_the_static_check_passes_before_any_change(project_copy):
    result = run_static_check(project_copy)
    assert result.returncode == 0, result.stdout + result.stderr


def test_on_a_copy_deleting_the_tests_of_an_equation_fails_pytest(
    project_copy, tmp_path
):
    copy = tmp_path / "copy"
    shutil.copytree(project_copy, copy)
    ident = "relative-error"
    verifying = [v for v in verifies_marks(copy) if ident in v.ids]
    assert verifying
    for verification in verifying:
        module, *names = verification.test.split("::")
        delete_function(copy / module, names[-1])
    result = run_static_check(copy)
    assert result.returncode != 0
    assert f"eq:{ident} names its code" in result.stdout
    assert "but no test verifies it" in result.stdout


def test_on_a_copy_editing_an_equations_mark_away_fails_pytest(project_copy, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(project_copy, copy)
    ident = "relative-error"
    where = next(
        m.where for m in page_marks(copy) if m.id == ident and m.status == "verified"
    )
    path, line = where.rsplit(":", 1)
    lines = (copy / path).read_text(encoding="utf-8").splitlines(keepends=True)
    assert f"eq:{ident} " in lines[int(line) - 1]
    del lines[int(line) - 1]
    (copy / path).write_text("".join(lines), encoding="utf-8")
    result = run_static_check(copy)
    assert result.returncode != 0
    assert re.search(
        rf"verifies eq:{ident}, which no page or docstring has"
        rf"|eq:{ident} is stated again, but no equation is marked",
        result.stdout,
    )


# ---- the built site ------------------------------------------------------------------------


def test_every_display_equation_of_the_built_site_has_its_line(built_site):
    built = set()
    for page in sorted(built_site.rglob("*.html")):
        text = page.read_text(encoding="utf-8")
        displays = text.count('<div class="arithmatex">')
        wrapped = re.findall(
            r'<div class="eq" id="(eq-[a-z0-9-]+)"><div class="arithmatex">', text
        )
        assert displays == len(wrapped) == text.count('<div class="eq-check '), page
        assert not re.search(r'encoding="application/x-tex">[^<]*% eq:', text), page
        built |= {anchor.removeprefix("eq-") for anchor in wrapped}
    # every mark in the sources reached a page (none sits in a block that is not shown)
    assert {mark.id for mark in page_marks(ROOT)} <= built
