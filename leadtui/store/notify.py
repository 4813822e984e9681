"""Change notices on a team database: PostgreSQL LISTEN/NOTIFY, so that every rep's app shows new
leads and changes within seconds without polling and without talking to the CRM itself.

A statement-level trigger on each table a screen shows sends `NOTIFY leadtui, '<table>'`. The
server delivers notices only when the writing transaction commits, and folds identical ones sent
in one transaction into one (https://www.postgresql.org/docs/current/sql-notify.html), so a
pulled page of 100 leads is one notice, and a rolled-back action is none. `Listener` runs a thread
with its own connection and hands each burst of notices (the set of table names) to a callback;
the app turns that into a Textual Message. No Textual here: the store never imports it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection, Engine, text

CHANNEL = "leadtui"
# What a screen shows or the status line counts; `sync_cursor` carries the team sync's state.
WATCHED = ("lead", "touch", "note", "enrolment", "outbox", "conflict", "sync_cursor", "owner")
EVERYTHING = "*"  # given to the callback after (re)connecting: notices may have been missed

_FUNCTION = f"""
CREATE OR REPLACE FUNCTION leadtui_notify() RETURNS trigger AS $$
BEGIN
    PERFORM pg_notify('{CHANNEL}', TG_TABLE_NAME);
    RETURN NULL;
END
$$ LANGUAGE plpgsql
"""


def install_triggers(conn: Connection) -> None:
    """Create the notifying trigger on each watched table, once (idempotent).

    Existing triggers are left alone rather than dropped and made again: DROP TRIGGER takes an
    exclusive lock on the table, which would make every app's start wait for the sync's page.
    """
    conn.execute(text(_FUNCTION))
    have = set(
        conn.execute(
            text("SELECT tgrelid::regclass::text FROM pg_trigger WHERE tgname = 'leadtui_notify'")
        ).scalars()
    )
    for table in WATCHED:
        if table in have or f'"{table}"' in have:
            continue
        conn.execute(
            text(
                f'CREATE TRIGGER leadtui_notify AFTER INSERT OR UPDATE OR DELETE ON "{table}" '
                "FOR EACH STATEMENT EXECUTE FUNCTION leadtui_notify()"
            )
        )


def libpq_url(engine: Engine) -> str:
    """The engine's URL as psycopg itself takes it (no SQLAlchemy driver suffix)."""
    return engine.url.set(drivername="postgresql").render_as_string(hide_password=False)


class Listener:
    """Calls `on_change(tables)` from its own thread after each burst of notices.

    A burst is what arrives within `quiet` seconds, so a pull writing page after page wakes the
    app a few times a second at most. After each connect `on_change({"*"})` says everything may
    have changed (notices sent while away are lost); a lost connection is reported to `on_lost`
    with the reason and retried every `retry` seconds.
    """

    def __init__(
        self,
        engine: Engine,
        on_change: Callable[[set[str]], None],
        *,
        on_lost: Callable[[str], None] | None = None,
        quiet: float = 0.25,
        retry: float = 2.0,
    ) -> None:
        self._url = libpq_url(engine)
        self._on_change = on_change
        self._on_lost = on_lost
        self._quiet = quiet
        self._retry = retry
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.listening = threading.Event()  # set while LISTEN is in force (tests wait on it)

    def start(self) -> Listener:
        # A daemon thread: quitting the app never waits for it (the connection just closes).
        self._thread = threading.Thread(target=self._run, name="leadtui-listen", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        import psycopg

        while not self._stop.is_set():
            try:
                with psycopg.connect(self._url, autocommit=True, connect_timeout=5) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    self.listening.set()
                    self._on_change({EVERYTHING})
                    self._listen(conn)
            except psycopg.Error as exc:
                self.listening.clear()
                if self._on_lost is not None and not self._stop.is_set():
                    self._on_lost(str(exc).strip().splitlines()[0] if str(exc) else "lost")
                self._stop.wait(self._retry)
        self.listening.clear()

    def _listen(self, conn: Any) -> None:
        while not self._stop.is_set():
            tables: set[str] = set()
            for notice in conn.notifies(timeout=self._quiet):
                tables.add(notice.payload)
            if tables:
                self._on_change(tables)
