"""What a new user sees before there is a workspace: how to get one."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Center, Middle
from textual.screen import Screen
from textual.widgets import Static

from widgets.key_bar import KeyBar


def empty_text(where: str) -> Text:
    text = Text("No workspace yet\n\n", style="bold")
    text.append("There is no configuration or local cache")
    text.append(f" in {where}" if where else "")
    text.append(".\n\nTo look around with realistic data, run:\n\n")
    text.append("    leadtui demo\n\n", style="bold")
    text.append("To connect your CRM, store its token and sync:\n\n")
    text.append("    leadtui login\n    leadtui sync --once\n\n", style="bold")
    text.append("Press q to quit.", style="dim")
    return text


class EmptyScreen(Screen[None]):
    DEFAULT_CSS = """
    EmptyScreen #empty { width: auto; max-width: 76; padding: 1 2; border: round $accent; }
    """

    def __init__(self, where: str = "") -> None:
        super().__init__(id="empty-screen")
        self._where = where

    def compose(self) -> ComposeResult:
        with Middle(), Center():
            yield Static(empty_text(self._where), id="empty")
        yield KeyBar()
