"""CRM text is data: the one path it takes to a terminal, a toast, a log line or a CSV cell.

A CRM field can hold anything a web form or an API call put there: terminal escape sequences (OSC 0
sets the window title, OSC 52 writes the clipboard, CSI moves the cursor and recolours), C1 control
bytes that some terminals read as ESC, bidi overrides that reorder what a line appears to say,
lone surrogates that cannot be encoded at all, and text long enough to fill the screen. `clean`
turns all of that into visible, inert text; every place that shows CRM text calls it (the TUI
through widgets.safe_text, the command line directly). Markup is a separate matter: callers pass
the result to Rich as a Text or with markup=False, never as a markup string.
"""

from __future__ import annotations

import re
import unicodedata

REPLACEMENT = "\ufffd"

# Whole escape sequences, so an OSC 52 clipboard payload shows as one U+FFFD instead of a screen
# of base64: OSC/DCS/SOS/PM/APC strings up to their terminator (BEL or ST) or the end of the
# text, CSI sequences up to their final byte, and any other ESC with its intermediate bytes.
# 7-bit (ESC [) and 8-bit (U+009B) introducers both, per ECMA-48.
_SEQUENCE = re.compile(
    r"(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
    r"|(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?"
    r"|\x1b[ -/]*[0-~]?"
)
# Categories that can move the cursor, change colours, reorder text or break encoding:
# controls (C0, C1, DEL), format characters (bidi overrides, zero-width), surrogates (a lone one
# cannot be written as UTF-8), private use, line and paragraph separators.
_UNSAFE = frozenset({"Cc", "Cf", "Cs", "Co", "Zl", "Zp"})


def clean(text: object, limit: int | None = None) -> str:
    """`text` made inert for a terminal: escape sequences and unsafe characters become a visible
    U+FFFD; with `limit`, at most that many characters (an ellipsis marks the cut)."""
    if text is None or text == "":
        return ""
    value = text if isinstance(text, str) else str(text)
    if limit is not None and len(value) > limit:
        value = value[: max(limit - 1, 0)] + "…"
    if value.isprintable():
        return value  # the common case, checked in C
    value = _SEQUENCE.sub(REPLACEMENT, value)
    return "".join(REPLACEMENT if unicodedata.category(ch) in _UNSAFE else ch for ch in value)


def clean_lines(text: object, limit: int | None = None) -> str:
    """Like `clean`, but line breaks stay line breaks (a multi-line message)."""
    value = text if isinstance(text, str) else str(text or "")
    if limit is not None and len(value) > limit:
        value = value[: max(limit - 1, 0)] + "…"
    return "\n".join(clean(line) for line in value.split("\n"))


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(text: str) -> str:
    """A CSV cell a spreadsheet shows as text, never runs as a formula (OWASP CSV injection:
    a leading apostrophe for a cell that starts with = + - @, tab or carriage return)."""
    if text.startswith(FORMULA_START):
        return "'" + text
    return text
