"""CRM text is data: never markup, never terminal control sequences (leadtui.safe_text)."""

from __future__ import annotations

from rich.text import Text

from leadtui.safe_text import clean

__all__ = ["clean", "plain"]


def plain(text: str | None, style: str = "") -> Text:
    """A rich Text that shows `text` literally: `[b]` stays `[b]`, ESC becomes U+FFFD."""
    return Text(clean(text), style=style, no_wrap=False)
