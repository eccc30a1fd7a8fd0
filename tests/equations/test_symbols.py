"""The Notation page's table of symbols is rendered from symbols.yml, the formulas' table.

One table, read twice: the page prints it (nnmath_site/equations/notation.py) and the
formula checker binds each name of a formula as it says (nnmath_site/equations/run.py).
"""

from __future__ import annotations

import re
from collections import Counter

import pytest
import yaml

from nnmath_site.equations.notation import SYMBOLS, notation_rows, symbols_table
from tests.support import DOCS

FENCE = (
    '```{.python exec="on"}\n'
    "from nnmath_site.equations import symbols_table\n"
    "\n"
    "print(symbols_table())\n"
    "```"
)


def symbols():
    return yaml.safe_load(SYMBOLS.read_text(encoding="utf-8"))


def section(text: str, heading: str) -> str:
    """The text of one ``## heading`` section of a page, up to the next ``##``."""
    match = re.search(rf"^## {re.escape(heading)}\n(.*?)(?=^## |\Z)", text, re.M | re.S)
    assert match, f"no '## {heading}' section"
    return match.group(1)


def test_the_notation_page_prints_its_symbols_table_from_symbols_yml():
    symbols_section = section(
        (DOCS / "notation.md").read_text(encoding="utf-8"), "Symbols"
    )
    assert FENCE in symbols_section
    # the fence is the table: no hand-written row left beside it
    assert not re.search(r"^\|", symbols_section, re.M)


def test_the_table_has_one_row_per_notation_symbol_in_the_files_order():
    lines = symbols_table().splitlines()
    assert lines[:2] == [
        "| symbol | shape | in the code | meaning |",
        "|---|---|---|---|",
    ]
    marked = [row for row in symbols() if row.get("notation")]
    assert marked == notation_rows() and len(marked) >= 20
    assert len(lines) == 2 + len(marked)
    for line, row in zip(lines[2:], marked):
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        assert cells == [
            row.get("shown", f"${row['tex']}$"),
            row["shape"],
            row["code"],
            row["meaning"],
        ]


def test_a_symbol_is_shown_as_its_tex_unless_it_says_otherwise():
    lines = symbols_table().splitlines()
    assert any(line.startswith("| $B$ | scalar |") for line in lines)
    assert any(line.startswith("| $n$, $k$ | scalars |") for line in lines)


def test_every_tex_name_is_defined_once():
    """run.py keys the table by ``tex``: a second row would silently replace the first."""
    counts = Counter(row["tex"] for row in symbols())
    assert [tex for tex, count in counts.items() if count > 1] == []


def test_a_cell_that_would_break_the_row_is_refused(tmp_path):
    path = tmp_path / "symbols.yml"
    path.write_text(
        '- {tex: x, shape: scalar, code: "`x`", meaning: "|x|", notation: true}\n',
        encoding="utf-8",
    )
    with pytest.raises(ValueError, match=r"row 'x'"):
        symbols_table(path)
