"""CRM text is data: never markup, never terminal control sequences."""

from __future__ import annotations

import unicodedata

from rich.text import Text

# Categories that can move the cursor, change colours or reorder text on a terminal:
# control characters (ESC, CR, BEL...), format characters (bidi overrides) and separators.
_UNSAFE = frozenset({"Cc", "Cf", "Zl", "Zp"})


def clean(text: str | None) -> str:
    """`text` with every control or format character replaced by a visible U+FFFD."""
    if not text:
        return ""
    if text.isprintable():
        return text  # the common case, checked in C
    return "".join("\ufffd" if unicodedata.category(ch) in _UNSAFE else ch for ch in text)


def plain(text: str | None, style: str = "") -> Text:
    """A rich Text that shows `text` literally: `[b]` stays `[b]`, ESC becomes U+FFFD."""
    return Text(clean(text), style=style, no_wrap=False)
