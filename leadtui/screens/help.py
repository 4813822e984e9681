"""F1: every key of the screen it was opened on, with what it does."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Label, Static

from leadtui.keys import key_for


def keys_of(screen: Screen[object]) -> list[tuple[str, str, str]]:
    """(keys, description, tooltip) for the bindings active on `screen`, one row per action."""
    rows: dict[tuple[str, str], list[str]] = {}
    for key, active in screen.active_bindings.items():
        binding = active.binding
        # Only our own bindings (they all have ids): not Textual's scrolling and focus plumbing.
        if binding.system or not binding.description or not binding.id:
            continue
        display = screen.app.get_key_display(binding) if key == binding.key else key
        # The binding's id is what [keys] in config.toml remaps, so the help names it.
        tip = f"{binding.tooltip}  [{binding.id}]" if binding.id else binding.tooltip
        rows.setdefault((binding.description, tip.strip()), []).append(display)
    return [(" ".join(keys), desc, tip) for (desc, tip), keys in rows.items()]


class HelpScreen(ModalScreen[None]):
    # A fixed share of the terminal with the list taking what is left: with `height: auto` the
    # list pushed the hint below the frame at 120x36 and at 80x24.
    DEFAULT_CSS = """
    HelpScreen #help { height: 90%; }
    HelpScreen #help-scroll { height: 1fr; }
    """
    BINDINGS = [
        Binding(
            key_for("help.close"), "dismiss", "Close", id="help.close", tooltip="Close the help"
        )
    ]

    def __init__(self, title: str, rows: list[tuple[str, str, str]]) -> None:
        super().__init__(classes="dialog-screen")
        self._title = title
        self._rows = rows

    def compose(self) -> ComposeResult:
        text = Text()
        width = max((len(keys) for keys, _, _ in self._rows), default=4) + 2
        for n, (keys, description, tooltip) in enumerate(self._rows):
            if n:
                text.append("\n")
            text.append(f"{keys:<{width}}", style="bold")
            text.append(description)
            if tooltip:
                text.append(f"  {tooltip}", style="dim")
        with Vertical(classes="dialog", id="help"):
            yield Label(Text(f"Keys: {self._title}"), classes="dialog-title")
            with VerticalScroll(id="help-scroll"):
                yield Static(text, id="help-keys")
            yield Label(
                Text(
                    "↑↓ PgUp PgDn scroll · remap a key by its id in config.toml [keys]",
                    style="dim",
                )
            )

    def on_mount(self) -> None:
        self.query_one("#help-scroll", VerticalScroll).focus()

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(None)
