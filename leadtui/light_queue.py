"""`leadtui queue` and the TUI's first screen without the ORM or the config validator: plain
sqlite3 reads, the config as last validated (leadtui.checked_config), and the same view-building
code as the full path (leadtui.lead_views), so the output is the same (tests compare the two).

It answers only when it can guarantee that: otherwise `queue` returns None and the command takes
the full path, which also reports any problem (bad config, missing or old cache) as always.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Any, NamedTuple

from leadtui import checked_config
from leadtui.lead_views import LeadView, build_views, in_queue_order
from leadtui.locations import Locations
from leadtui.rules import Rules
from leadtui.store import light


class LightStart(NamedTuple):
    """A workspace as far as reading it needs, before the ORM and the validator are loaded (a
    named tuple: its class is cheaper to make than a dataclass's, on every `leadtui queue`)."""

    locations: Locations
    config: Any  # the remembered config: attribute access like leadtui.config.Config
    rules: Rules

    @property
    def me(self) -> str:
        return str(self.config.user.email)


def light_start(locations: Locations, *, explicit_config: bool) -> LightStart | None:
    """The light path's workspace, or None when only the full path can answer exactly."""
    if explicit_config and not locations.config_path.exists():
        return None  # the full path says the config is missing
    config = checked_config.recall(locations)
    if config is None or not locations.database.exists():
        return None
    if getattr(getattr(config, "store", None), "url", ""):
        return None  # a team database, not the SQLite file
    if config.sla.business_hours_only:
        return None  # working-time arithmetic needs the public holidays, a heavy import
    return LightStart(locations, config, Rules.from_config(config, holidays=False))


def queue(
    locations: Locations, now: datetime, rep: str | None, *, explicit_config: bool
) -> tuple[list[LeadView], tzinfo] | None:
    """The queue of `rep` (default: the configured user) most urgent first, and the rep's zone."""
    start = light_start(locations, explicit_config=explicit_config)
    if start is None:
        return None
    if not (rep or start.me):
        return None  # whose queue? the full path asks
    rules = start.rules
    which = light.open_leads_of(rep or start.me or None)
    with light.connect(locations.database) as conn:
        if conn is None:
            return None
        rows = light.leads(conn, which)
        enrolments = light.enrolments(conn, which)
        contexts = light.contexts(conn, which)
    # A listing: the clock and touch counts from the figures kept per lead (build_views).
    views = build_views(rules, now, rows, None, enrolments, contexts)
    return in_queue_order(rules, views, now), rules.calendar.zone


def first_index(
    start: LightStart, now: datetime, limit: int
) -> dict[int, light.QueueIndexRow] | None:
    """The queue index of a superset of the first `limit` leads (found through indexes), which
    leadtui.screens.loaders orders as its full path does; None to take the full path."""
    with light.connect(start.locations.database) as conn:
        if conn is None:
            return None
        end = start.rules.end_of_day(now)
        found = light.queue_candidates(conn, start.me or None, now, end, limit)
        return {row.lead_id: row for row in light.queue_index(conn, light.these_leads(found))}


def views_of(start: LightStart, lead_ids: list[int], now: datetime) -> dict[int, LeadView] | None:
    """leadtui.views.views_for on the light path."""
    which = light.these_leads(lead_ids)
    with light.connect(start.locations.database) as conn:
        if conn is None:
            return None
        rows = light.leads(conn, which)
        touches = light.touches(conn, which)
        enrolments = light.enrolments(conn, which)
    return build_views(start.rules, now, rows, touches, enrolments, {})
