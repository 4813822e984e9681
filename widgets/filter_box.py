"""The queue's filter box: a Textual Input that does not lay out the whole screen per keystroke."""

from __future__ import annotations

from textual.geometry import Size
from textual.reactive import Reactive
from textual.widgets import Input


class FilterBox(Input):
    """Textual's Input sets its virtual size to the text's width on every change, and the
    virtual size asks for a layout of the whole screen: at 100,000 leads the priciest part of a
    filter keystroke after the match itself. Here the box is one line of fixed height and full
    width, so nothing around it can move; a repaint of the box is all a change needs. Scrolling
    along a long text still reads the virtual size, which is set as before."""

    virtual_size: Reactive[Size] = Reactive(Size(0, 0), layout=False)
