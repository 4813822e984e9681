"""Small dialogs: a text prompt and a list of choices. CRM text in them is shown as plain text."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, OptionList
from textual.widgets.option_list import Option

from leadtui.keys import key_for
from widgets.safe_text import plain


class PromptModal(ModalScreen[str | None]):
    """Ask for one line of text; `check` returns an error sentence or None when it is fine.

    `preview`, when given, reads the text back as it is typed ("Tue 1 Dec 15:00 (in 2 d)"), so
    the rep sees what will be saved before saving it.
    """

    BINDINGS = [
        Binding(key_for("modal.cancel"), "cancel", "Cancel", id="modal.cancel", tooltip="Close")
    ]

    def __init__(
        self,
        title: str,
        placeholder: str = "",
        *,
        check: Callable[[str], str | None] | None = None,
        value: str = "",
        preview: Callable[[str], str] | None = None,
    ) -> None:
        super().__init__(classes="dialog-screen")
        self._title = title
        self._placeholder = placeholder
        self._check = check
        self._value = value
        self._preview = preview

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(plain(self._title), classes="dialog-title")
            yield Input(self._value, placeholder=self._placeholder, id="answer")
            if self._preview is not None:
                yield Label("", id="hint", classes="dialog-hint")
            yield Label("", id="error", classes="dialog-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("OK", variant="primary", id="ok")
                yield Button("Cancel", id="cancel")

    def on_input_changed(self, event: Input.Changed) -> None:
        if self._preview is not None:
            self.query_one("#hint", Label).update(plain(self._preview(event.value)))
            self.query_one("#error", Label).update("")

    def on_input_submitted(self) -> None:
        self._submit()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "ok":
            self._submit()
        else:
            self.dismiss(None)

    def _submit(self) -> None:
        value = self.query_one("#answer", Input).value
        problem = self._check(value) if self._check else None
        if problem:
            self.query_one("#error", Label).update(plain(problem))
            return
        self.dismiss(value)

    def action_cancel(self) -> None:
        self.dismiss(None)


class ChoiceModal(ModalScreen[str | None]):
    """Pick one of `choices` (label, value); enter picks, escape cancels."""

    BINDINGS = [
        Binding(key_for("modal.cancel"), "cancel", "Cancel", id="modal.cancel", tooltip="Close")
    ]

    def __init__(self, title: str, choices: Sequence[tuple[str, str]]) -> None:
        super().__init__(classes="dialog-screen")
        self._title = title
        self._choices = list(choices)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(plain(self._title), classes="dialog-title")
            yield OptionList(
                *(Option(Text(label), id=value) for label, value in self._choices),
                id="choices",
            )

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)
