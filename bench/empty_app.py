"""The first-paint baseline: an empty Textual app showing one line (python -m bench.empty_app)."""

from textual.app import App, ComposeResult
from textual.widgets import Static

READY = "leadtui bench: empty app"


class EmptyApp(App[None]):
    def compose(self) -> ComposeResult:
        yield Static(READY)


if __name__ == "__main__":
    EmptyApp().run()
