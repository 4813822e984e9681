"""`leadtui queue` without the ORM or the config validator: plain sqlite3 reads, the config as
last validated (leadtui.checked_config), and the same view-building code as the full path
(leadtui.lead_views), so the output is the same to the byte (tests compare the two).

It answers only when it can guarantee that: otherwise `queue` returns None and the command takes
the full path, which also reports any problem (bad config, missing or old cache) as always.
"""

from __future__ import annotations

from datetime import datetime, tzinfo

from leadtui import checked_config
from leadtui.lead_views import LeadView, build_views, in_queue_order
from leadtui.locations import Locations
from leadtui.rules import Rules
from leadtui.store import light


def queue(
    locations: Locations, now: datetime, rep: str | None, *, explicit_config: bool
) -> tuple[list[LeadView], tzinfo] | None:
    """The queue of `rep` (default: the configured user) most urgent first, and the rep's zone."""
    if explicit_config and not locations.config_path.exists():
        return None  # the full path says the config is missing
    config = checked_config.recall(locations)
    if config is None or not locations.database.exists():
        return None
    if getattr(getattr(config, "store", None), "url", ""):
        return None  # a team database, not the SQLite file
    if config.sla.business_hours_only:
        return None  # working-time arithmetic needs the public holidays, a heavy import
    rules = Rules.from_config(config, holidays=False)
    owner = rep or config.user.email or None
    with light.connect(locations.database) as conn:
        if conn is None:
            return None
        rows = light.open_leads(conn, owner)
        touches = light.touches_of_open_leads(conn, owner)
        enrolments = light.enrolments_of_open_leads(conn, owner)
        contexts = light.contexts_of_open_leads(conn, owner)
    views = build_views(rules, now, rows, touches, enrolments, contexts)
    return in_queue_order(rules, views, now), rules.calendar.zone
