"""One line saying how the cache stands with the CRM: online or not, last sync, what waits.

It renders a plain `SyncView`-like object (duck-typed: widgets do not import screens); a click
posts `SyncStatusLine.Clicked`, which the app answers by opening the conflicts screen.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Any

from rich.text import Text
from textual import events
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Static

from widgets.safe_text import clean

SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


# A team sync runs every `interval` seconds; this many intervals without a round (and at least
# STALE_MIN_SECONDS) means it has stopped, and nothing reaches the CRM until someone restarts it.
STALE_INTERVALS = 3
STALE_MIN_SECONDS = 300


def team_sync_stopped(view: Any, now: datetime | None) -> bool:
    """A team database whose sync has not finished a round for several intervals."""
    if now is None or not getattr(view, "team", False) or view.last_sync is None:
        return False
    quiet = (now - view.last_sync).total_seconds()
    return quiet > max(STALE_INTERVALS * view.interval, STALE_MIN_SECONDS)


def sync_text(
    view: Any,
    zone: tzinfo | None,
    frame: int = 0,
    progress: str = "",
    now: datetime | None = None,
) -> Text:
    """The status line's text for a view (see leadtui.screens.sync_loop.SyncView); `now`, when
    given, lets it say that a team's sync has stopped."""
    text = Text(no_wrap=True, overflow="ellipsis")
    team = getattr(view, "team", False)
    text.append(" team sync " if team else " sync ", style="bold reverse")
    if not view.enabled:
        text.append("  off")
        return text
    if getattr(view, "read_only", False):
        text.append(
            "  ● read-only cache: you can look, not change (make it writable by you)",
            style="bold yellow",
        )
        return text
    if team and view.first:
        text.append("  connecting to the team database…", style="italic")
        return text
    if team and view.online is None and view.error:
        text.append(f"  ● {clean(view.error)[:90]}", style="bold yellow")
    if view.first and view.running:
        spin = SPINNER[frame % len(SPINNER)]
        if progress:
            text.append(f"  {spin} first sync: {clean(progress)}", style="italic")
        else:
            text.append(f"  {spin} connecting to the CRM…", style="italic")
        return text
    if view.online is False:
        text.append("  ● offline", style="bold red")
        text.append(f"  ·  retrying every {view.interval} s")
        if view.error:
            text.append(f" ({clean(view.error)[:80]})", style="dim")
    elif view.online and view.error:
        # Reached the CRM but it refused (a bad token, a missing scope): not "online" to the rep.
        text.append(f"  ✖ sync failed: {clean(view.error)[:90]}", style="bold red")
    elif view.online:
        text.append("  ● online", style="bold green")
    if view.last_sync is not None:
        when: datetime = view.last_sync.astimezone(zone) if zone else view.last_sync
        if team_sync_stopped(view, now):
            text.append(
                f"  ⚠ no team sync since {when:%a %H:%M}: is `leadtui sync --watch --team` "
                "running?",
                style="bold yellow",
            )
        else:
            text.append(f"  ·  last sync {when:%H:%M:%S}")
    if view.running:
        text.append(f"  {SPINNER[frame % len(SPINNER)]} {clean(progress)}".rstrip(), style="dim")
    text.append("  ·  ")
    if view.pending:
        text.append(f"{_count(view.pending, 'change')} waiting", style="yellow")
    elif view.dead or getattr(view, "held", 0):
        text.append("nothing else waiting")  # not "all sent": some are held or were refused
    else:
        text.append("all changes sent")
    if view.conflicts:
        text.append(f"  ·  ⚠ {_count(view.conflicts, 'conflict')}", style="bold yellow")
    if getattr(view, "held", 0):
        text.append(f"  ·  ⏸ {view.held} held", style="bold yellow")
    if view.dead:
        text.append(f"  ·  ✖ {view.dead} rejected", style="bold red")
    if view.conflicts or view.dead or getattr(view, "held", 0):
        text.append("  (C or click to resolve)", style="italic")
    notice = getattr(view, "notice", "")
    if notice:
        text.append(f"  ·  {clean(notice)}", style="dim")
    return text


class SyncStatusLine(Static):
    DEFAULT_CSS = """
    SyncStatusLine {
        height: 1;
        background: $panel-darken-1;
        color: $text;
    }
    SyncStatusLine.-off {
        display: none;
    }
    """

    class Clicked(Message):
        """The rep clicked the line: show conflicts and rejected changes."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", markup=False, id=id)
        self._frame = 0
        self._shown: tuple[Any, tzinfo | None, str] | None = None
        self._spinner: Timer | None = None

    def on_mount(self) -> None:
        # A screen opened between two runs shows the app's last view at once.
        view = getattr(self.app, "sync_view", None)
        if view is not None:
            self.show(view, getattr(self.app, "zone", None))
        # A stopped team sync sends no news: the line looks again now and then.
        self.set_interval(30, self._render_shown)

    def show(self, view: Any, zone: tzinfo | None, progress: str = "") -> None:
        # Hidden when sync is off (no CRM or no token): the rep has nothing to act on.
        self.set_class(not view.enabled, "-off")
        self._shown = (view, zone, progress)
        self._render_shown()
        # The spinner turns while a run is under way, also between two progress reports (a
        # first page of a large pull can take a while).
        if view.running and self._spinner is None:
            self._spinner = self.set_interval(0.2, self._spin)
        elif not view.running and self._spinner is not None:
            self._spinner.stop()
            self._spinner = None

    def _spin(self) -> None:
        self._frame += 1
        self._render_shown()

    def _render_shown(self) -> None:
        if self._shown is not None:
            view, zone, progress = self._shown
            clock = getattr(self.app, "clock", None)
            now = clock() if callable(clock) else None
            self.update(sync_text(view, zone, self._frame, progress, now))

    def on_click(self, event: events.Click) -> None:
        event.stop()
        self.post_message(self.Clicked())
