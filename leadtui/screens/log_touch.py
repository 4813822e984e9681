"""The log-a-touch dialog: channel, outcome and a note."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select

from leadtui.domain.models import TOUCH_CHANNELS, outcomes_for
from leadtui.domain.when import parse_when, when_check, when_preview
from leadtui.keys import key_for
from widgets.safe_text import plain


@dataclass(frozen=True)
class TouchInput:
    channel: str
    outcome: str
    note: str
    at: datetime | None = None  # when it happened, if earlier than now


class LogTouchModal(ModalScreen[TouchInput | None]):
    BINDINGS = [
        Binding(
            key_for("modal.cancel"),
            "cancel",
            "Cancel",
            id="modal.cancel",
            tooltip="Close without saving",
        ),
        Binding(key_for("touch.save"), "save", "Save", id="touch.save", tooltip="Record the touch"),
    ]

    def __init__(
        self,
        lead_name: str,
        channel: str | None = None,
        *,
        has_phone: bool = True,
        now: datetime | None = None,
        zone: ZoneInfo | None = None,
    ) -> None:
        super().__init__(classes="dialog-screen")
        self._now, self._zone = now, zone or ZoneInfo("UTC")
        self._lead_name = lead_name
        # The next step's channel; without one, a call, or an email when there is no number.
        known = {c.value for c in TOUCH_CHANNELS}
        self._channel = channel if channel in known else ("call" if has_phone else "email")

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="log-touch"):
            yield Label(plain(f"Log a touch: {self._lead_name}"), classes="dialog-title")
            # Each label beside its field: the dialog then fits 80x24 whole (title and Save).
            with Horizontal(classes="field-row"):
                yield Label("Channel")
                yield Select(
                    [(Text(c.value), c.value) for c in TOUCH_CHANNELS],
                    value=self._channel,
                    allow_blank=False,
                    id="channel",
                )
            with Horizontal(classes="field-row"):
                yield Label("Outcome")
                yield Select(self._outcome_options(self._channel), allow_blank=False, id="outcome")
            with Horizontal(classes="field-row"):
                yield Label("Note")
                yield Input(placeholder="what was said or done (optional)", id="note")
            with Horizontal(classes="field-row"):
                yield Label("When")
                yield Input(placeholder="now, or earlier: 1h ago, 9:30, yesterday 17:00", id="when")
            yield Label("", id="when-hint", classes="dialog-hint")
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

    def on_input_changed(self, event: Input.Changed) -> None:
        # "1h ago" is read back as it is typed, in the rep's zone, before anything is saved.
        if event.input.id == "when" and self._now is not None:
            self.query_one("#when-hint", Label).update(
                plain(when_preview(self._now, self._zone, past=True)(event.value))
            )

    def action_save(self) -> None:
        channel = self.query_one("#channel", Select).value
        outcome = self.query_one("#outcome", Select).value
        if not isinstance(channel, str) or not isinstance(outcome, str):
            return
        when = self.query_one("#when", Input).value.strip()
        at = None
        if when and self._now is not None:
            problem = when_check(self._now, self._zone, past=True)(when)
            if problem:
                self.query_one("#when-hint", Label).update(plain(problem))
                return
            at = parse_when(when, self._now, self._zone, past=True)
        note = self.query_one("#note", Input).value.strip()
        self.dismiss(TouchInput(channel, outcome, note, at))

    def action_cancel(self) -> None:
        self.dismiss(None)
