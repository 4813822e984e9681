"""The team's one sync: `leadtui sync --watch --team` against a team database.

HubSpot's limits are per account, not per rep (RESEARCH.md: about 5 search requests a second for
the whole portal, one daily budget for every app), so a team runs exactly one sync: it pulls every
rep's leads (the manager's scope) and pushes every rep's outbox. Each touch carries the rep it is
by, which the adapter sends as the engagement's owner id, so the CRM credits the right rep. One
process means one adapter and so one request budget; a PostgreSQL advisory lock, held for as
long as the process runs, keeps a second one from starting by mistake. Reps' apps on the team
database never talk to the CRM: they read what this sync writes and are woken by NOTIFY.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from sqlalchemy import text

from leadtui.workspace import Workspace
from sync import cache
from sync.protocol import SyncError
from sync.service import TEAM_SYNC, read_status

TEAM_LOCK = 0x1EAD7A2  # pg_advisory_lock key: one team sync per database


class TeamError(SyncError):
    """The team sync cannot run here; the message says what to do."""


def refuse_rep_sync(ws: Workspace) -> None:
    """A rep's own `leadtui sync` on a team database would spend the account's budget twice."""
    if ws.is_team:
        raise TeamError(
            "This is a team workspace: only the team's one sync talks to the CRM "
            "(`leadtui sync --watch --team`, run once for the whole team); your changes reach "
            "the CRM through it, and `leadtui sync --status` shows how it stands."
        )


@contextmanager
def team_lock(ws: Workspace, now: datetime) -> Iterator[None]:
    """Hold the team database's sync lock for the block, or say who holds it."""
    if not ws.is_team:
        raise TeamError(
            "--team runs a team's sync against its team database; set [store] url to the "
            "PostgreSQL URL first (README: A team on one database)."
        )
    conn = ws.engine.connect()
    try:
        held = conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": TEAM_LOCK}).scalar()
        conn.commit()
        if not held:
            where = read_status(ws).team_sync or "another machine"
            raise TeamError(
                f"The team's sync already runs ({where}); one sync per team keeps within the "
                "CRM account's request budget, so this one stops."
            )
        with ws.session() as session:
            here = f"{socket.gethostname()} pid {os.getpid()}"
            cache.write_cursor(session.connection(), TEAM_SYNC, here, now)
        try:
            yield
        finally:
            with ws.session() as session:  # no longer running anywhere
                cache.write_cursor(session.connection(), TEAM_SYNC, "", now)
            conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": TEAM_LOCK})
            conn.commit()
    finally:
        conn.close()
