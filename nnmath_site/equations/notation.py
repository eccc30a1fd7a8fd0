"""The Notation page's table of symbols, rendered from symbols.yml.

The page prints it with a markdown-exec fence, so the table the reader sees is the one the
formula checker reads (run.py): a symbol cannot mean one thing on the page and another
when a formula is run::

    ```{.python exec="on"}
    from nnmath_site.equations import symbols_table

    print(symbols_table())
    ```

The table has the rows marked ``notation: true``, in the file's order; its symbol column is
a row's ``shown``, or its ``tex`` as inline math.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["SYMBOLS", "notation_rows", "symbols_table"]

SYMBOLS = Path(__file__).with_name("symbols.yml")

COLUMNS = ("symbol", "shape", "in the code", "meaning")


def notation_rows(path: Path = SYMBOLS) -> list[dict]:
    """The rows of symbols.yml marked ``notation: true``, in the file's order."""
    import yaml

    rows = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or []
    return [row for row in rows if row.get("notation")]


def _cells(row: dict) -> list[str]:
    cells = [
        row.get("shown") or f"${row['tex']}$",
        row.get("shape", ""),
        row.get("code", ""),
        row.get("meaning", ""),
    ]
    cells = [str(cell).strip() for cell in cells]
    for cell in cells:
        if "|" in cell or "\n" in cell:
            raise ValueError(
                f"symbols.yml, row {row['tex']!r}: {cell!r} would break the table's row"
            )
    return cells


def symbols_table(path: Path = SYMBOLS) -> str:
    """The Markdown table: symbol | shape | in the code | meaning, one row per symbol."""
    lines = [
        "| " + " | ".join(COLUMNS) + " |",
        "|" + "---|" * len(COLUMNS),
    ]
    for row in notation_rows(path):
        lines.append("| " + " | ".join(_cells(row)) + " |")
    return "\n".join(lines)
