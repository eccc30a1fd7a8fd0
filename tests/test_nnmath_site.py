"""The site tooling, nnmath_site: listings by name, the examples' loader, the figures."""

from __future__ import annotations

import os
import re
import textwrap
import time

import numpy as np
import pytest

from nnmath_site import ROOT
from nnmath_site.listing import ListingError, listing, source

# --- listing -------------------------------------------------------------------------------


def test_a_listing_is_a_titled_block_of_the_objects_and_links_to_their_api_entries():
    text = listing("nnmath.sigmoid", "nnmath.sigmoid_derivative")
    assert text.startswith(
        '<div class="nnmath-listing" markdown>\n\n```python title="nnmath/activations.py"\n'
    )
    assert text.endswith("</div>")
    # the public alias is shown as the page wrote it and links to the object's own entry
    assert "[`nnmath.sigmoid`][nnmath.activations.sigmoid]" in text
    assert (
        "[`nnmath.sigmoid_derivative`][nnmath.activations.sigmoid_derivative]" in text
    )


def test_functions_are_shown_with_decorators_without_docstrings_two_lines_apart():
    code = source("nnmath.sigmoid", "nnmath.sigmoid_derivative")
    assert '"""' not in code
    first, second = code.split(
        "\n\n\n"
    )  # as in a file: two blank lines between functions
    assert "def sigmoid(x):" in first and "def sigmoid_derivative(x):" in second
    real = (ROOT / "nnmath" / "activations.py").read_text(encoding="utf8")
    for part in (first, second):
        head = part.splitlines()[0]
        assert (
            head in real.splitlines()
        )  # the first line is the file's, a decorator if any
        assert "\n\n" not in part  # the blank line after the docstring went with it


def test_a_class_is_shown_without_docstrings_private_members_and_repr():
    code = source("nnmath.Dense")
    assert code.startswith("class Dense")
    for shown in (
        "def __init__(",
        "def forward(",
        "def backward(",
        "def parameters(",
        "def gradients(",
    ):
        assert shown in code
    assert "__repr__" not in code and '"""' not in code
    assert not re.search(r"def _(?!_init__)", code)  # private methods are left out
    assert (
        "\n\n\n" not in code
    )  # one blank line between methods, also where one was dropped
    assert (
        "self._X" in code
    )  # instance attributes set in __init__ are code, not members


def test_a_method_is_shown_dedented_and_links_to_its_entry():
    code = source("nnmath.Dense.backward")
    assert not code[0].isspace() and "def backward(self, grad_output):" in code
    assert "[nnmath.layers.Dense.backward]" in listing("nnmath.Dense.backward")


def test_the_function_nnmath_neuron_is_shown_not_the_module():
    # `from .neuron import *` makes nnmath.neuron the function, as it is at run time
    assert "def neuron(" in source("nnmath.neuron")
    assert "[nnmath.neuron.neuron]" in listing("nnmath.neuron")


def test_a_file_is_shown_whole_without_docstrings_and_private_names():
    code = source("examples/train_digits.py")
    assert code.startswith("from __future__ import annotations\n")
    assert "def load_digits_split(" in code and "def train_digits(" in code
    assert 'if __name__ == "__main__":' in code
    assert '"""' not in code and "def _check_epochs" not in code
    text = listing("examples/train_digits.py")
    assert 'title="examples/train_digits.py"' in text and "API reference" not in text


def test_an_object_of_a_file_is_named_after_a_colon():
    code = source(
        "tests/test_crosscheck.py:test_optimizer_trajectory_matches_torch_with_random_gradients"
    )
    assert code.startswith("@pytest.mark.parametrize(")
    assert "def test_optimizer_trajectory_matches_torch_with_random_gradients(" in code


@pytest.mark.parametrize(
    "names, message",
    [
        (("nnmath.sigmod",), "nnmath has no member 'sigmod'"),
        (("nnmath.Dense.bakward",), "nnmath.layers.Dense has no member 'bakward'"),
        (("no_such_package.f",), "no installed package 'no_such_package'"),
        (("examples/no_such_file.py",), "no file"),
        (("tests/test_crosscheck.py:no_such_test",), "has no member 'no_such_test'"),
        (("nnmath.sigmoid", "nnmath.Dense"), "one listing shows one file"),
        ((), "at least one name"),
    ],
)
def test_a_wrong_name_fails_with_a_message_naming_it(names, message):
    with pytest.raises(ListingError, match=message):
        listing(*names)


@pytest.fixture
def probe_package(tmp_path, monkeypatch):
    """A tiny package on sys.path, to edit between two listings."""
    import importlib

    package = tmp_path / "listing_probe"
    package.mkdir()
    (package / "__init__.py").write_text("from .core import *  # noqa: F403\n")
    (package / "core.py").write_text(
        textwrap.dedent(
            '''
            __all__ = ["f", "g"]


            def f(x):
                """Only a docstring."""


            def g(x):
                """Twice x."""

                return 2 * x
            '''
        )
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    importlib.invalidate_caches()
    return package


def test_a_function_of_only_a_docstring_shows_an_ellipsis(probe_package):
    assert source("listing_probe.f") == "def f(x):\n    ..."
    assert source("listing_probe.g") == "def g(x):\n    return 2 * x"


def test_a_listing_follows_an_edit_of_the_file(probe_package):
    """mkdocs serve rebuilds in one process: the next listing must show the edited code."""
    core = probe_package / "core.py"
    assert "return 2 * x" in source("listing_probe.g")
    core.write_text(core.read_text().replace("2 * x", "3 * x"))
    stat = core.stat()
    os.utime(
        core, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9)
    )  # even on a coarse clock
    assert "return 3 * x" in source("listing_probe.g")


def test_a_listing_is_fast():
    """About 25 listings per build: the package is read once, then each takes well under 30 ms."""
    import nnmath_site.listing as module

    module._packages.clear()
    start = time.perf_counter()
    listing("nnmath.sigmoid", "nnmath.sigmoid_derivative")
    first = time.perf_counter() - start
    start = time.perf_counter()
    for _ in range(50):
        listing("nnmath.Dense")
    later = (time.perf_counter() - start) / 50
    assert first < 1.0 and later < 0.03, (first, later)


# --- examples --------------------------------------------------------------------------------


def test_load_example_imports_the_script_by_its_path():
    from nnmath_site.examples import load_example

    module = load_example("train_digits")
    assert module.__name__ == "examples.train_digits"
    assert module.__file__ == str(ROOT / "examples" / "train_digits.py")
    assert load_example("train_digits") is not module  # afresh at every call
    with pytest.raises(FileNotFoundError, match="no example 'no_such_example'"):
        load_example("no_such_example")


# --- plotting --------------------------------------------------------------------------------


def test_to_svg_escapes_alt_and_caption():
    from nnmath_site.plotting import new_figure, to_svg

    fig, _ = new_figure()
    out = to_svg(fig, alt='a "quoted" <b> & c', caption="x < y & z")
    assert 'aria-label="a &quot;quoted&quot; &lt;b&gt; &amp; c"' in out
    assert "<figcaption>x &lt; y &amp; z</figcaption>" in out


@pytest.mark.verifies("toy-quadratic", by="finite differences")
@pytest.mark.parametrize("seed", range(3))
def test_the_example_surface_gradient_agrees_with_central_differences(seed, measured):
    from nnmath import check_gradient
    from nnmath_site.surfaces import toy_quadratic, toy_quadratic_gradient

    point = np.random.default_rng(seed).normal(scale=3.0, size=2)
    err = check_gradient(toy_quadratic, point.copy(), toy_quadratic_gradient(point))
    measured(err)
    assert err < 1e-7
