"""Horizontal bars drawn with text: readable at 80 columns, in any terminal, without a plot lib.

A person compares lengths faster than numbers; the number stays beside each bar for precision.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.widgets import Static

from widgets.safe_text import clean

BAR = "█"
PARTIAL = " ▏▎▍▌▋▊▉"  # eighths, so short bars still differ


def bar(value: float, largest: float, width: int) -> str:
    if largest <= 0 or value <= 0:
        return ""
    eighths = round(8 * width * value / largest)
    full, rest = divmod(eighths, 8)
    return BAR * full + (PARTIAL[rest] if rest else "")


def render_bars(
    title: str,
    rows: Sequence[tuple[str, float, str]],
    width: int,
    style: str = "cyan",
    empty: str = "(no data yet)",
) -> Text:
    """`rows` of (label, value, shown): one line each, bars scaled to the largest value;
    `empty` says why there is nothing to draw."""
    text = Text(title + "\n", style="bold")
    if not rows:
        return text.append(empty, style="dim")
    label_width = min(max(len(clean(label)) for label, _, _ in rows), 24)
    shown_width = max(len(shown) for _, _, shown in rows)
    bar_width = max(width - label_width - shown_width - 3, 4)
    largest = max(value for _, value, _ in rows)
    for label, value, shown in rows:
        name = clean(label)
        name = name if len(name) <= label_width else name[: label_width - 1] + "…"
        text.append(name.ljust(label_width) + " ")
        text.append(bar(value, largest, bar_width).ljust(bar_width), style=style)
        text.append(" " + shown.rjust(shown_width) + "\n")
    text.rstrip()
    return text


class BarChart(Static):
    DEFAULT_CSS = """
    BarChart { height: auto; padding: 0 1 1 1; }
    """

    def __init__(self, title: str, *, style: str = "cyan", id: str | None = None) -> None:
        super().__init__(id=id)
        self._title = title
        self._style = style
        self._rows: list[tuple[str, float, str]] = []
        self._empty = "(no data yet)"

    def set_rows(
        self, rows: Sequence[tuple[str, float, str]], empty: str = "(no data yet)"
    ) -> None:
        self._rows = list(rows)
        self._empty = empty
        self._draw()

    def on_resize(self) -> None:
        self._draw()

    def _draw(self) -> None:
        width = max(self.size.width - 2, 20)
        self.update(render_bars(self._title, self._rows, width, self._style, self._empty))
