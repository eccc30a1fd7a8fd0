"""The exercises of the pages: every solution passes, every untouched stub fails cleanly.

``python -m exercises`` (exercises/__main__.py) is run as the reader runs it, in a
subprocess. The stub tests check the stubs as committed (``git show HEAD:...`` into a
copy), so a reader who has solved exercises in a clone still gets a green ``pytest``;
outside a git checkout they check the files as they are.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
import types
from pathlib import Path

import numpy as np
import pytest

import nnmath
from exercises.__main__ import run
from exercises.checks import EXERCISES, PAGES

ROOT = Path(__file__).resolve().parents[1]
BY_ID = {exercise.id: exercise for exercise in EXERCISES}
LINE = re.compile(r"^(PASS|TODO|FAIL)  (\S+)\s+(derive|implement|debug)\s+(.+)$")


def cli(*args, cwd=ROOT):
    result = subprocess.run(
        [sys.executable, "-m", "exercises", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "Traceback" not in result.stdout + result.stderr, (
        result.stdout + result.stderr
    )
    return result


def shipped_copy(tmp_path):
    """exercises/ copied to tmp_path, its stubs as committed when git knows them."""
    shutil.copytree(ROOT / "exercises", tmp_path / "exercises")
    for page in PAGES:
        stub = f"exercises/{page}.py"
        committed = subprocess.run(
            ["git", "show", f"HEAD:{stub}"], cwd=ROOT, capture_output=True, text=True
        )
        if committed.returncode == 0:  # not committed yet, or no git: the file as is
            (tmp_path / stub).write_text(committed.stdout)
    return tmp_path


def statuses(stdout):
    """{id: (status, the indented lines under it)} from the command's output."""
    found, current = {}, None
    for line in stdout.splitlines():
        if m := LINE.match(line):
            current = m[2]
            found[current] = (m[1], [])
        elif line.startswith("        ") and current:
            found[current][1].append(line.strip())
        elif line.strip():
            current = None
    return found


def test_at_least_twelve_exercises_two_or_three_per_page_of_every_kind():
    assert len(EXERCISES) >= 12
    assert len(BY_ID) == len(EXERCISES)  # ids are unique
    for page in PAGES:
        ids = [e.id for e in EXERCISES if e.page == page]
        assert 2 <= len(ids) <= 3, page
        assert ids == [f"{page}.{k}" for k in range(1, len(ids) + 1)]
    kinds = [e.kind for e in EXERCISES]
    assert set(kinds) == {"derive", "implement", "debug"}
    assert kinds.count("debug") >= 4


def test_every_worked_solution_passes_its_exercise():
    result = cli("--solutions")
    found = statuses(result.stdout)
    assert sorted(found) == sorted(BY_ID), result.stdout
    failing = {i: s for i, s in found.items() if s[0] != "PASS"}
    assert not failing, result.stdout
    assert result.returncode == 0 and result.stderr == ""


def test_every_untouched_stub_fails_cleanly_with_a_hint(tmp_path):
    result = cli(cwd=shipped_copy(tmp_path))
    found = statuses(result.stdout)
    assert sorted(found) == sorted(BY_ID), result.stdout
    passing = [i for i, (status, _) in found.items() if status == "PASS"]
    assert not passing, f"{passing} pass on the stubs as shipped"
    for exercise in EXERCISES:
        status, lines = found[exercise.id]
        expected = "TODO" if exercise.kind != "debug" else "FAIL"  # debug: buggy code
        assert status == expected, (exercise.id, status)
        text = " ".join(lines)
        assert text.endswith(f"hint: {exercise.hint}"), (exercise.id, text)
        assert len(text) > len(exercise.hint) + 20  # and what went wrong, before it
    assert result.returncode == 1 and result.stderr == ""
    assert result.stdout.rstrip().endswith("at the end of each page.")


def test_one_page_and_one_exercise_can_be_checked_alone(tmp_path):
    result = cli("--solutions", "--page", "losses")
    assert sorted(statuses(result.stdout)) == ["losses.1", "losses.2", "losses.3"]
    result = cli("backprop.2", cwd=shipped_copy(tmp_path))
    assert list(statuses(result.stdout)) == ["backprop.2"] and result.returncode == 1
    result = cli("no.such")
    assert result.returncode == 2 and "no exercise no.such" in result.stderr


def test_a_solved_copy_passes_and_a_broken_file_is_one_line(tmp_path):
    """A reader's clone: solved files pass; a file with a syntax error is reported."""
    shutil.copytree(ROOT / "exercises", tmp_path / "exercises")
    for page in PAGES:
        shutil.copy(
            ROOT / "exercises" / "solutions" / f"{page}.py", tmp_path / "exercises"
        )
    solved = cli(cwd=tmp_path)
    assert solved.returncode == 0, solved.stdout
    (tmp_path / "exercises" / "neuron.py").write_text("def distance_to_boundary(:\n")
    broken = cli("--page", "neuron", cwd=tmp_path)
    found = statuses(broken.stdout)
    assert [s for s, _ in found.values()] == ["FAIL", "FAIL"]
    assert "exercises/neuron.py does not import (line 1): SyntaxError" in broken.stdout
    assert broken.returncode == 1


# --- the checks catch the usual mistakes, with a hint that names them -------------------


def _forward_difference(f, x, h=1e-6):
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        f0, original = f(x), x[i]
        x[i] = original + h
        grad[i] = (f(x) - f0) / h
        x[i] = original
    return grad


def _not_restored(f, x, h=1e-6):
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        x[i] += h
        f_plus = f(x)
        x[i] -= 2 * h
        grad[i] = (f_plus - f(x)) / (2 * h)
    return grad


def _fixed_step(f, x, h=1e-6):
    from exercises.solutions.gradcheck import numerical_gradient

    return numerical_gradient(f, x)  # ignores the h it is given


def _one_minus_sigmoid(x, w, b):
    s = 1 / (1 + np.exp(-(w @ x + b)))
    return s * (1 - s) * x, s * (1 - s), s * (1 - s) * w


MISTAKES = [
    ("neuron.1", lambda x, w, b: w @ x + b, "divides it by |w|"),
    ("neuron.1", lambda x, w, b: abs(w @ x + b) / np.linalg.norm(w), "signed one"),
    ("neuron.2", _one_minus_sigmoid, "z = 40: dy/db is 0"),
    (
        "activations.1",
        lambda x: (1 + np.exp(-x) + x * np.exp(-x)) / (1 + np.exp(-x)) ** 2,
        "RuntimeWarning: overflow",
    ),
    (
        "activations.2",
        lambda Z: np.exp(Z - Z.max()) / np.exp(Z - Z.max()).sum(-1, keepdims=True),
        "different scales",
    ),
    ("matrix.1", lambda A, B: (A @ B)[:, :1], "has shape"),
    ("losses.1", lambda Z: np.log(np.exp(Z).sum(axis=1)), "near 1000"),
    ("losses.1", lambda Z: Z.max(axis=1, keepdims=True), "has shape (4, 1)"),
    ("losses.2", lambda z, y: 1 / (1 + np.exp(-z)) - y, "B = 6"),
    (
        "losses.3",
        lambda Z, Y: Y - np.exp(Z) / np.exp(Z).sum(1, keepdims=True),
        "-1 times the right gradient",
    ),
    ("optimizers.1", lambda H: 1 / np.linalg.eigvalsh(H).max(), "diag(1, 25)"),
    ("optimizers.1", lambda H: 2 / H.max(), "not diagonal"),
    ("gradcheck.1", _forward_difference, "one-sided differences"),
    ("gradcheck.1", _not_restored, "x is changed"),
    ("gradcheck.1", _fixed_step, "is h used?"),
    ("backprop.1", lambda X, W, b, dA: (dA @ W.T, X.T @ dA, dA.sum(0)), "dW disagrees"),
    ("gradcheck.2", lambda X, W, dZ: (dZ @ W.T, dZ.T @ X, dZ.sum(0)), "transpose"),
    ("neuron.1", lambda x, w, b: "far", "must be an array of numbers"),
    ("matrix.2", lambda X, W, b: X.foo, "AttributeError"),
]


@pytest.mark.parametrize(
    ("id", "wrong", "says"), MISTAKES, ids=[m[0] for m in MISTAKES]
)
def test_a_typical_mistake_fails_with_a_hint_that_names_it(id, wrong, says):
    exercise = BY_ID[id]
    status, detail = run(exercise, types.SimpleNamespace(**{exercise.function: wrong}))
    assert status == "FAIL" and says in detail, detail
    assert "\n" not in detail


# --- the pages show every exercise, with its command and its folded solution -----------


@pytest.mark.parametrize("page", PAGES)
def test_every_exercise_is_on_its_page_with_a_folded_solution(page):
    text = (ROOT / "docs" / f"{page}.md").read_text(encoding="utf8")
    headings = re.findall(r"^## (.+)$", text, flags=re.M)
    assert headings[-1] == "Exercises", f"{page}.md: Exercises is not the last section"
    section = text[text.rindex("\n## Exercises") :]
    assert f".venv/bin/python -m exercises --page {page}" in section
    for exercise in (e for e in EXERCISES if e.page == page):
        heading = f"### {exercise.id} "
        assert heading in section, f"{page}.md has no heading {heading!r}"
        part = section[section.index(heading) :].split("\n### ")[0]
        named = f"`{exercise.function}`" in part or f"`{exercise.function}(" in part
        assert named and exercise.file in part, exercise.id
        assert '??? example "Solution"' in part
        name = f"exercises/solutions/{page}.py:{exercise.function}"
        assert f'print(listing("{name}"))' in part, (
            f"{exercise.id}: no listing of {name}"
        )
        folded = part[part.index('??? example "Solution"') :]
        assert f'listing("{name}")' in folded  # the listing is inside the fold


def test_plain_pytest_does_not_collect_the_exercises():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf8"))
    assert "exercises" not in config["tool"]["pytest"]["ini_options"]["testpaths"]
    assert not list((ROOT / "exercises").rglob("test_*.py"))


# ---- the worked solutions as the pages' formulas name them --------------------------------
# Each formula of an exercise runs against its solution (nnmath_site/equations); these
# checks verify the solutions themselves, independently of the formulas.


@pytest.mark.verifies("silu-derivative", by="finite differences")
@pytest.mark.parametrize("seed", range(3))
def test_the_silu_solution_is_the_derivative_of_silu(seed, measured):
    from exercises.solutions.activations import silu_derivative

    rng = np.random.default_rng(seed)
    x, g = rng.normal(scale=3.0, size=7), rng.normal(size=7)
    err = nnmath.check_gradient(
        lambda v: np.sum(g * v * nnmath.sigmoid(v)), x, g * silu_derivative(x)
    )
    assert measured(err) < 1e-7


@pytest.mark.verifies("tanh-layer-backward", by="finite differences")
@pytest.mark.parametrize("seed", range(3))
def test_the_tanh_layer_solution_gives_the_gradients_of_its_layer(seed, measured):
    from exercises.solutions.backprop import dense_backward

    rng = np.random.default_rng(seed)
    X, W = rng.normal(size=(4, 3)), rng.normal(size=(3, 2))
    b, dA = rng.normal(size=2), rng.normal(size=(4, 2))
    dX, dW, db = dense_backward(X, W, b, dA)
    loss = lambda X, W, b: np.sum(dA * np.tanh(X @ W + b))  # noqa: E731
    errors = [
        nnmath.check_gradient(lambda v: loss(v, W, b), X.copy(), dX),
        nnmath.check_gradient(lambda v: loss(X, v, b), W.copy(), dW),
        nnmath.check_gradient(lambda v: loss(X, W, v), b.copy(), db),
    ]
    assert measured(max(errors)) < 1e-7


@pytest.mark.verifies("logsumexp-exercise", by="exact")
def test_the_logsumexp_solution_is_the_log_of_the_sum(measured):
    from exercises.solutions.losses import logsumexp

    Z = np.random.default_rng(0).normal(scale=5.0, size=(6, 4))
    direct = np.log(np.sum(np.exp(Z), axis=1))  # no overflow at this scale
    assert measured(np.max(np.abs(logsumexp(Z) - direct))) < 1e-12


@pytest.mark.verifies("binary-cross-entropy-gradient", by="finite differences")
@pytest.mark.parametrize("seed", range(3))
def test_the_binary_cross_entropy_solution_is_its_gradient(seed, measured):
    from exercises.solutions.losses import binary_cross_entropy_gradient

    rng = np.random.default_rng(seed)
    z, y = rng.normal(scale=3.0, size=5), rng.uniform(size=5)

    def loss(v):  # log sigma(v) = -log(1 + e^-v), log(1 - sigma(v)) = -log(1 + e^v)
        return -np.mean(-y * np.logaddexp(0, -v) - (1 - y) * np.logaddexp(0, v))

    err = nnmath.check_gradient(loss, z.copy(), binary_cross_entropy_gradient(z, y))
    assert measured(err) < 1e-7
