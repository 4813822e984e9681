"""Email addresses and phone numbers as terminal hyperlinks (OSC 8: mailto: and tel:).

A softphone or mail client registered for those schemes opens on a click. The target is
percent-encoded, so CRM text can add no query (`?cc=`), no second link and no escape code; the
text shown is the value itself, cleaned, never parsed as markup.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from rich.cells import cell_len, set_cell_size
from rich.style import Style
from rich.text import Text

from widgets.safe_text import clean

_EXTENSION = re.compile(r"(?:ext\.?|x|#)\s*(\d+)\s*$", re.IGNORECASE)


def link_target(kind: str, value: str) -> str | None:
    """`mailto:…` or `tel:…` for a value, or None when there is nothing to link."""
    value = (value or "").strip()
    if not value:
        return None
    if kind == "email":
        return "mailto:" + quote(value, safe="@/")
    extension = _EXTENSION.search(value)
    number = value[: extension.start()] if extension else value
    digits = ("+" if number.lstrip().startswith("+") else "") + re.sub(r"\D", "", number)
    if not digits.strip("+"):
        return None
    # RFC 3966 puts an extension after ";ext=", but dialers follow "," (a pause) far more often.
    return "tel:" + digits + (f",{extension.group(1)}" if extension else "")


def linked(kind: str, value: str, style: Style | None = None) -> Text:
    """The cleaned value as Text, linked to its target."""
    target = link_target(kind, value)
    shown = clean(value)
    link = Style(link=target) if target else Style()
    return Text(shown, style=(style or Style()) + link)


def link_style(kind: str, value: str) -> Style:
    target = link_target(kind, value)
    return Style(link=target) if target else Style()


def fitted(text: str, width: int) -> str:
    if cell_len(text) <= width:
        return set_cell_size(text, width)
    return set_cell_size(text, width - 1) + "…"
