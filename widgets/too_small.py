"""What a screen shows instead of a broken layout when the terminal is too small."""

from __future__ import annotations

from textual.widgets import Static

MIN_WIDTH, MIN_HEIGHT = 60, 16


class TooSmall(Static):
    """Hidden until the screen gains the `-too-small` class (see `LeadScreen.on_resize`)."""

    DEFAULT_CSS = """
    TooSmall {
        display: none;
        width: 1fr;
        height: 1fr;
        content-align: center middle;
        text-align: center;
        color: $warning;
    }
    """

    def __init__(self) -> None:
        super().__init__(
            f"The terminal is too small.\nMake it at least {MIN_WIDTH}×{MIN_HEIGHT}.",
            markup=False,
        )
