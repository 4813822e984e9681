"""A rep's offline copy of the team database: work on it, then catch up, each change once."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import func, select

from leadtui.config import TEMPLATE, Locations, parse
from leadtui.offline import catch_up, copy_path, describe, pending_in_copy, refresh_copy
from leadtui.store.engine import sqlite_url
from leadtui.store.tables import (
    ConflictRow,
    EnrolmentRow,
    LeadRow,
    NoteRow,
    OutboxRow,
    OwnerRow,
    TouchRow,
)
from leadtui.workspace import ActionError, Workspace
from tests.conftest import NOW
from tests.postgres import fresh_database, require_server


@pytest.fixture
def team_url(seeded_pg_template: str) -> Iterator[str]:
    with fresh_database(require_server(), template=seeded_pg_template) as url:
        yield url


def _open(url: str, folder: Path, email: str, store: str | None = None) -> Workspace:
    text = TEMPLATE.format(email=email, base_url="https://api.hubapi.com", timezone="UTC")
    text += f'[store]\nurl = "{url}"\n'
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.toml").write_text(text)
    return Workspace.open(parse(text), Locations(folder / "config.toml", folder), url=store)


@pytest.fixture
def team_and_copy(team_url: str, tmp_path: Path) -> Iterator[tuple[Workspace, Workspace, Path]]:
    probe = _open(team_url, tmp_path / "probe", "")
    with probe.session() as session:
        email = session.exec(select(OwnerRow.email).order_by(OwnerRow.id)).first() or ""
    probe.close()
    team = _open(team_url, tmp_path / "rep", email)
    path = copy_path(tmp_path / "rep")
    assert refresh_copy(team, path) > 0
    copy = _open(team_url, tmp_path / "rep", email, store=sqlite_url(path))
    yield team, copy, path
    copy.close()
    team.close()


def _open_leads(ws: Workspace, n: int) -> list[int]:
    with ws.session() as session:
        query = (
            select(LeadRow.id)
            .where(LeadRow.owner == ws.me)
            .where(LeadRow.status.in_(["new", "working"]))  # type: ignore[attr-defined]
            .order_by(LeadRow.id)  # type: ignore[arg-type]
            .limit(n)
        )
        return [int(i or 0) for i in session.exec(query)]


def _ops(ws: Workspace) -> dict[str, str]:
    with ws.session() as session:
        return {op.op_id: op.state for op in session.exec(select(OutboxRow))}


def test_the_copy_holds_only_the_reps_own_leads(team_and_copy) -> None:  # type: ignore[no-untyped-def]
    team, copy, _ = team_and_copy
    with copy.session() as session:
        owners = set(session.exec(select(LeadRow.owner)))
        count = session.exec(select(func.count()).select_from(LeadRow)).one()
    with team.session() as session:
        theirs = session.exec(
            select(func.count()).select_from(LeadRow).where(LeadRow.owner == team.me)
        ).one()
    assert owners == {team.me} and count == theirs


def test_offline_changes_catch_up_once_even_when_cut_short(team_and_copy) -> None:  # type: ignore[no-untyped-def]
    team, copy, path = team_and_copy
    a, b, c = _open_leads(copy, 3)
    before = _ops(team)
    copy.log_touch(a, "call", "connected", NOW, note="on the train")
    copy.add_note(b, "Wants a demo next week", NOW)
    copy.disqualify(c, "No budget", NOW)
    team.convert(c, 9000.0, NOW)  # meanwhile the manager converted that lead on the team database
    made = set(_ops(copy))
    assert len(made) >= 3

    first = catch_up(copy, team, NOW)
    assert first.applied + first.held == len(made) and first.already == 0
    assert first.held == 1, "the lead both sides closed is held as a conflict"
    assert set(_ops(copy).values()) == {"done"}

    # A catch-up cut short after the team database committed: the copy never heard. Again:
    with copy.session() as session:
        for op in session.exec(select(OutboxRow)):
            op.state = "pending"
            session.add(op)
    again = catch_up(copy, team, NOW)
    assert (again.applied, again.held, again.already) == (0, 0, len(made))

    after = _ops(team)
    assert set(after) - set(before) >= made
    with team.session() as session:
        notes = session.exec(select(TouchRow).where(TouchRow.note == "on the train")).all()
        assert len(notes) == 1 and notes[0].lead_id == a
        assert len(session.exec(select(NoteRow).where(NoteRow.lead_id == b)).all()) == 1
        conflict = session.exec(
            select(ConflictRow).where(ConflictRow.lead_id == c, ConflictRow.field == "status")
        ).one()
        assert (conflict.local_value, conflict.remote_value) == ("disqualified", "converted")
    # The conflict settles like any other: the manager's value wins here.
    team.resolve_conflict(conflict.id or 0, "remote", NOW)
    with team.session() as session:
        assert session.get(LeadRow, c).status == "converted"  # type: ignore[union-attr]

    assert refresh_copy(team, path) > 0  # caught up: a fresh copy may replace it


def test_a_copy_with_changes_not_caught_up_is_never_replaced(team_and_copy) -> None:  # type: ignore[no-untyped-def]
    team, copy, path = team_and_copy
    copy.add_note(_open_leads(copy, 1)[0], "Not lost", NOW)
    with pytest.raises(ActionError, match="catch up first"):
        refresh_copy(team, path)


def test_commands_fall_back_to_the_copy_and_catch_up_when_back(
    team_and_copy,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # type: ignore[no-untyped-def]
    from leadtui.cli import main

    team, copy, path = team_and_copy
    copy.close()
    folder = path.parent
    config = folder / "config.toml"
    good = config.read_text()
    monkeypatch.setenv("LEADTUI_DATA_DIR", str(folder))
    monkeypatch.delenv("LEADTUI_CONFIG", raising=False)
    lead = _open_leads(team, 1)[0]
    # The team database is away (nothing listens on port 1): the copy serves, and says so.
    away = good.split("[store]")[0] + '[store]\nurl = "postgresql://leadtui@127.0.0.1:1/gone"\n'
    config.write_text(away)
    logged = ["log", str(lead), "--channel", "call", "--outcome", "connected"]
    assert main(["--now", NOW.isoformat(), *logged, "--note", "offline call"]) == 0
    assert "working offline on your copy" in capsys.readouterr().err
    # Back: the next command catches up first.
    config.write_text(good)
    assert main(["--now", NOW.isoformat(), "queue", "--format", "json"]) == 0
    assert "caught up with the team database" in capsys.readouterr().err
    with team.session() as session:
        found = session.exec(select(TouchRow).where(TouchRow.note == "offline call")).all()
    assert len(found) == 1 and found[0].lead_id == lead
    assert main(["offline"]) == 0
    assert "Your offline copy holds your" in capsys.readouterr().err


def _local(ws: Workspace, lead_id: int) -> tuple[object, object]:
    with ws.session() as session:
        lead = session.get(LeadRow, lead_id)
        enrolment = session.get(EnrolmentRow, lead_id)
        assert lead is not None
        return lead.snoozed_until, (enrolment.cadence, enrolment.paused_at) if enrolment else None


def test_offline_snoozes_and_cadences_catch_up_unless_the_team_changed_them(team_and_copy) -> None:  # type: ignore[no-untyped-def]
    team, copy, path = team_and_copy
    a, b, c = _open_leads(copy, 3)
    later = NOW + timedelta(days=2)
    cadence = next(iter(copy.rules.templates))
    copy.snooze(a, later, NOW)
    copy.enrol(b, cadence, NOW)
    copy.pause(b, NOW)
    copy.snooze(c, later, NOW)
    team.snooze(c, NOW + timedelta(days=5), NOW)  # a teammate snoozed c meanwhile
    mine_b = _local(copy, b)
    assert pending_in_copy(path) == 3
    with pytest.raises(ActionError, match="catch up first"):
        refresh_copy(team, path)  # they would be lost

    done = catch_up(copy, team, NOW)
    assert (done.local, done.kept_theirs) == (2, 1)
    assert _local(team, a)[0] == later
    assert _local(team, b) == mine_b and mine_b[1] is not None
    assert _local(team, c)[0] == NOW + timedelta(days=5)  # the team's stands
    assert "snooze or cadence of 2 leads" in describe(done)
    # Caught up once: nothing goes again, and a fresh copy may replace this one.
    assert pending_in_copy(path) == 0
    again = catch_up(copy, team, NOW)
    assert (again.local, again.kept_theirs) == (0, 0)
    assert refresh_copy(team, path) > 0
