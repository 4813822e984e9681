"""A rep's app on a team database: no sync of its own; what the team's sync writes shows within
seconds (NOTIFY), and the status line says how the team's sync stands."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select
from textual.pilot import Pilot

from leadtui.app import LeadTuiApp
from leadtui.config import TEMPLATE, Locations, parse
from leadtui.demo import DemoLead
from leadtui.domain.models import Lead, LeadStatus
from leadtui.screens import loaders
from leadtui.screens.queue_screen import QueueScreen
from leadtui.store.tables import OwnerRow
from leadtui.workspace import Workspace
from sync import cache
from sync.service import LAST_SYNC, ONLINE, TEAM_SYNC
from tests.conftest import NOW
from tests.postgres import fresh_database, require_server
from tests.tui.conftest import FrozenClock, as_read, loaded, settle
from widgets.sync_status import SyncStatusLine


@pytest.fixture
def team_url(seeded_pg_template: str) -> Iterator[str]:
    with fresh_database(require_server(), template=seeded_pg_template) as url:
        yield url


def _open(url: str, folder: Path, email: str = "") -> Workspace:
    text = TEMPLATE.format(email=email, base_url="https://api.hubapi.com", timezone="UTC")
    text += f'[store]\nurl = "{url}"\n'
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.toml").write_text(text)
    return Workspace.open(parse(text), Locations(folder / "config.toml", folder))


def test_the_queues_rows_read_at_once_on_a_team_database(team_url: str, tmp_path: Path) -> None:
    """The whole queue's rows are read a few thousand at a time (a server-side cursor here)."""
    ws = _open(team_url, tmp_path / "rep")
    try:
        order = loaders.load_queue(ws, NOW, first_page=0).order
        at_once = loaders.queued_rows(ws, NOW)
        one_by_one = loaders.load_rows(ws, order, NOW)
    finally:
        ws.close()
    assert len(order) > 20 and sorted(at_once) == sorted(order)
    assert [as_read(at_once[i]) for i in order] == [as_read(one_by_one[i]) for i in order]


def _status(app: LeadTuiApp) -> str:
    return str(app.screen.query_one(SyncStatusLine).render())


async def _until(pilot: Pilot[None], done: Any, what: str) -> None:
    for _ in range(200):  # up to ~10 s: notices arrive within a fraction of that
        await settle(pilot)
        if done():
            return
        await pilot.pause(0.05)
    raise AssertionError(f"{what} never happened")


async def test_the_teams_sync_writes_and_the_reps_app_shows_it(
    team_url: str, tmp_path: Path
) -> None:
    writer = _open(team_url, tmp_path / "team-sync")  # stands in for `sync --watch --team`
    with writer.session() as session:
        rep = session.exec(select(OwnerRow).order_by(OwnerRow.id)).first()  # type: ignore[arg-type]
    assert rep is not None
    ws = _open(team_url, tmp_path / "rep", rep.email)
    app = LeadTuiApp(ws, FrozenClock(NOW))
    try:
        async with app.run_test(size=(120, 35)) as pilot:
            await loaded(pilot)
            await _until(pilot, lambda: "no team sync has run yet" in _status(app), "status")
            assert app.team is not None and app.sync is None, "no CRM sync of its own"
            screen = app.screen
            assert isinstance(screen, QueueScreen)
            before = set(screen.table.order)

            arrived = NOW - timedelta(minutes=2)
            lead = Lead(
                id=0,
                name="Dana Newcomer",
                email="dana@newco.example",
                owner=rep.email,
                source="webinar",
                status=LeadStatus.NEW,
                created_at=arrived,
                routed_at=arrived,
                company="Newco",
            )
            writer.seed([], [DemoLead(lead, (), ())], NOW)
            with writer.session() as session:
                conn = session.connection()
                cache.write_cursor(conn, TEAM_SYNC, "sync-host pid 1", NOW)
                cache.write_cursor(conn, LAST_SYNC, NOW.isoformat(), NOW)
                cache.write_cursor(conn, ONLINE, "1", NOW)

            await _until(pilot, lambda: set(screen.table.order) - before, "the new lead")
            await _until(pilot, lambda: "last sync" in _status(app), "the team's status")
            assert "team sync" in _status(app) and "online" in _status(app)
            toasts = list(app._notifications)
            assert any("Dana Newcomer" in str(t.message) for t in toasts)
    finally:
        writer.close()
        ws.close()
