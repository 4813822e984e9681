"""A one-line list of the current screen's keys.

Textual's Footer builds a widget per key and rebuilds them all whenever bindings change, which
cost more than the whole queue on first paint; one Text line does the same job for a fraction.
"""

from __future__ import annotations

from rich.text import Text
from textual.screen import Screen
from textual.widgets import Static


class KeyBar(Static):
    DEFAULT_CSS = """
    KeyBar {
        dock: bottom;
        height: 1;
        background: $footer-background;
        color: $footer-foreground;
    }
    """

    def __init__(self, first: tuple[str, ...] = ("help",)) -> None:
        super().__init__("", markup=False)
        self._first = first  # binding ids shown before the others, so they never get cut off

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self.bindings_changed)
        self.bindings_changed(self.screen)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def bindings_changed(self, screen: Screen[object]) -> None:
        shown: dict[str, tuple[str, str, bool]] = {}
        for active in screen.active_bindings.values():
            binding = active.binding
            if not binding.show or not binding.description or binding.action in shown:
                continue
            key = self.app.get_key_display(binding)
            shown[binding.action] = (key, binding.description, active.enabled)
        first = [b for b in screen.active_bindings.values() if b.binding.id in self._first]
        order = [b.binding.action for b in first] + [a for a in shown if a not in first]
        text = Text(no_wrap=True, overflow="ellipsis")
        for action in dict.fromkeys(order):
            if action not in shown:
                continue
            key, description, enabled = shown[action]
            style = "" if enabled else "dim"
            text.append(f" {key} ", style=f"bold {style}".strip())
            text.append(f"{description} ", style=style)
        self.update(text)
