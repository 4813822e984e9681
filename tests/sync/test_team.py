"""One sync for a team on its team database: every rep's leads pulled, every rep's touches pushed
as that rep, one sync at a time, reps' own syncs refused, and apps woken by NOTIFY."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import select

from leadtui.store.notify import EVERYTHING, Listener
from leadtui.store.tables import LeadRow, OutboxRow
from leadtui.workspace import Workspace
from sync.cli import run_status, run_sync
from sync.sandbox import RunningSandbox
from sync.team import TeamError, team_lock
from tests.conftest import NOW
from tests.postgres import fresh_database, require_server
from tests.sync.conftest import make_workspace


@pytest.fixture
def team_url() -> Iterator[str]:
    with fresh_database(require_server()) as url:
        yield url


@pytest.fixture
def team_sync_ws(
    tmp_path: Path, sandbox: RunningSandbox, team_url: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Workspace]:
    """The machine that runs the team's sync: a rep's config (the scope must not follow it)."""
    monkeypatch.setenv("LEADTUI_CRM_TOKEN", sandbox.token)
    some_rep = next(iter(sandbox.crm.owner_ids()))
    ws = make_workspace(tmp_path / "sync", sandbox.base_url, some_rep, "rep", url=team_url)
    yield ws
    ws.close()


def _rep_ws(tmp_path: Path, sandbox: RunningSandbox, url: str, email: str) -> Workspace:
    return make_workspace(tmp_path / email, sandbox.base_url, email, "rep", url=url)


def test_the_team_sync_pulls_every_rep_and_pushes_each_touch_as_its_rep(
    sandbox: RunningSandbox, team_sync_ws: Workspace, team_url: str, tmp_path: Path
) -> None:
    assert run_sync(team_sync_ws, now=NOW, watch=False, team=True) in (0, 1)
    owners = sandbox.crm.owner_ids()
    with team_sync_ws.session() as session:
        pulled_owners = {row.owner for row in session.exec(select(LeadRow))}
        assert len(session.exec(select(LeadRow)).all()) == sandbox.crm.count("contacts")
    assert pulled_owners >= set(owners)  # every rep's leads, not only the configured one's
    # Two reps act in their own apps on the team database; the team sync pushes both.
    made: dict[str, str] = {}
    for email in list(owners)[:2]:
        rep = _rep_ws(tmp_path, sandbox, team_url, email)
        with rep.session() as session:
            lead = session.exec(
                select(LeadRow).where(LeadRow.owner == email).order_by(LeadRow.id)  # type: ignore[arg-type]
            ).first()
        assert lead is not None
        rep.log_touch(lead.id or 0, "call", "connected", NOW, note=f"by {email}")
        made[lead.crm_id or ""] = email
        rep.close()
    assert run_sync(team_sync_ws, now=NOW, watch=False, team=True) in (0, 1)
    crm = sandbox.crm
    for contact, email in made.items():
        calls = [
            crm.props("calls", c)
            for c in crm.associated("contacts", contact, "calls")
            if crm.props("calls", c).get("leadtui_op_id")
        ]
        assert [c["hubspot_owner_id"] for c in calls] == [owners[email]]
    with team_sync_ws.session() as session:
        states = {op.state for op in session.exec(select(OutboxRow))}
    assert states == {"done"}


def test_a_second_team_sync_is_refused_and_says_where_the_first_runs(
    team_sync_ws: Workspace, capsys: pytest.CaptureFixture[str]
) -> None:
    with team_lock(team_sync_ws, NOW):
        with pytest.raises(TeamError, match=r"already runs \(.+ pid \d+\)"):
            run_sync(team_sync_ws, now=NOW, watch=False, team=True)
        assert run_status(team_sync_ws) == 0
        assert "the team's sync runs on" in capsys.readouterr().err
    # Released when the first stops: the next one may start.
    with team_lock(team_sync_ws, NOW):
        pass


def test_a_reps_own_sync_on_a_team_database_is_refused(team_sync_ws: Workspace) -> None:
    with pytest.raises(TeamError, match="only the team's one sync talks to the CRM"):
        run_sync(team_sync_ws, now=NOW, watch=False)


def test_team_sync_needs_a_team_database(tmp_path: Path, sandbox: RunningSandbox) -> None:
    ws = make_workspace(tmp_path / "solo", sandbox.base_url)
    try:
        with pytest.raises(TeamError, match=r"set \[store\] url"):
            run_sync(ws, now=NOW, watch=False, team=True)
    finally:
        ws.close()


def test_an_app_listening_hears_a_change_committed_elsewhere(
    team_sync_ws: Workspace, tmp_path: Path, sandbox: RunningSandbox, team_url: str
) -> None:
    run_sync(team_sync_ws, now=NOW, watch=False, team=True)
    heard: list[set[str]] = []
    arrived = threading.Event()

    def on_change(tables: set[str]) -> None:
        if tables != {EVERYTHING}:  # the first call, on connecting, says "read everything"
            heard.append(tables)
            arrived.set()

    listener = Listener(team_sync_ws.engine, on_change, quiet=0.1).start()
    try:
        assert listener.listening.wait(10)
        rep = _rep_ws(tmp_path, sandbox, team_url, next(iter(sandbox.crm.owner_ids())))
        with rep.session() as session:
            lead_id = session.exec(select(LeadRow.id)).first()
        rep.log_touch(lead_id or 0, "email", "sent", NOW)
        rep.close()
        assert arrived.wait(10), "no notice within 10 s"
    finally:
        listener.stop()
    assert {"touch", "outbox"} <= set().union(*heard)
