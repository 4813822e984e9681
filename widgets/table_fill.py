"""Fill a DataTable with columns already as wide as their widest cell.

DataTable measures new rows only on its next idle, and caches the lines it paints before that:
a terminal that repaints in between (the manager's board opening for role = "manager") kept
every column as narrow as its header until a key was pressed. Widths given up front leave
nothing to measure later.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.cells import cell_len
from rich.text import Text
from textual.widgets import DataTable

Cell = str | Text
Row = tuple[Sequence[Cell], str]  # the cells and the row key


def _width(cell: Cell) -> int:
    return cell.cell_len if isinstance(cell, Text) else cell_len(cell)


def fill_table(table: DataTable, labels: Sequence[str], rows: Sequence[Row]) -> None:
    """Replace the table's columns and rows; each column fits its label and every cell.

    The cursor stays on the row with the same key when it is still there (a live reload).
    """
    current = None
    if table.row_count:
        current = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
    widths = [cell_len(label) for label in labels]
    for cells, _key in rows:
        for i, cell in enumerate(cells):
            widths[i] = max(widths[i], _width(cell))
    table.clear(columns=True)
    for label, width in zip(labels, widths, strict=True):
        table.add_column(label, width=width, key=label)
    for cells, key in rows:
        table.add_row(*cells, key=key)
    if current is not None and current in table.rows:
        table.move_cursor(row=table.get_row_index(current), animate=False)
