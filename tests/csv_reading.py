"""The hall's CSV files read back as a program would (docs/reports.md, Exporting): the BOM
first, then each cell's text with the marks that keep Excel from changing it undone."""

from __future__ import annotations

import csv
import io


def cell_text(cell: str) -> str:
    """The text of a cell: `="007"` is 007, `'=SUM(A1)` is =SUM(A1), the rest as it is."""
    if cell.startswith('="') and cell.endswith('"'):
        return cell[2:-1]
    if cell.startswith("'"):
        return cell[1:]
    return cell


def raw_rows(body: bytes) -> list[list[str]]:
    """The cells as written: UTF-8 after a byte-order mark, Excel's CSV dialect."""
    text = body.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:], newline="")))


def text_rows(body: bytes) -> list[list[str]]:
    """The cells' text, the marks undone."""
    return [[cell_text(cell) for cell in row] for row in raw_rows(body)]
