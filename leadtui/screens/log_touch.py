"""The log-a-touch dialog: channel, outcome and a note."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select

from leadtui.domain.models import TOUCH_CHANNELS, outcomes_for
from widgets.safe_text import plain


@dataclass(frozen=True)
class TouchInput:
    channel: str
    outcome: str
    note: str


class LogTouchModal(ModalScreen[TouchInput | None]):
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="modal.cancel", tooltip="Close without saving"),
        Binding("ctrl+s", "save", "Save", id="touch.save", tooltip="Record the touch"),
    ]

    def __init__(
        self, lead_name: str, channel: str | None = None, *, has_phone: bool = True
    ) -> None:
        super().__init__(classes="dialog-screen")
        self._lead_name = lead_name
        # The next step's channel; without one, a call, or an email when there is no number.
        known = {c.value for c in TOUCH_CHANNELS}
        self._channel = channel if channel in known else ("call" if has_phone else "email")

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="log-touch"):
            yield Label(plain(f"Log a touch: {self._lead_name}"), classes="dialog-title")
            yield Label("Channel")
            yield Select(
                [(Text(c.value), c.value) for c in TOUCH_CHANNELS],
                value=self._channel,
                allow_blank=False,
                id="channel",
            )
            yield Label("Outcome")
            yield Select(self._outcome_options(self._channel), allow_blank=False, id="outcome")
            yield Label("Note")
            yield Input(placeholder="what was said or done (optional)", id="note")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Save", variant="primary", id="save")
                yield Button("Cancel", id="cancel")

    @staticmethod
    def _outcome_options(channel: str) -> list[tuple[Text, str]]:
        return [(Text(o.value.replace("_", " ")), o.value) for o in outcomes_for(channel)]

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id == "channel" and isinstance(event.value, str):
            self.query_one("#outcome", Select).set_options(self._outcome_options(event.value))

    def on_input_submitted(self) -> None:
        self.action_save()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "save":
            self.action_save()
        else:
            self.dismiss(None)

    def action_save(self) -> None:
        channel = self.query_one("#channel", Select).value
        outcome = self.query_one("#outcome", Select).value
        if not isinstance(channel, str) or not isinstance(outcome, str):
            return
        self.dismiss(TouchInput(channel, outcome, self.query_one("#note", Input).value.strip()))

    def action_cancel(self) -> None:
        self.dismiss(None)
