"""The conflicts screen: keep mine / take theirs, retry / discard, checked in the cache after each.

Conflicts and dead changes are written straight into the SQLite cache, as a pull or a push that
the CRM refused would leave them (see tests/test_workspace.py).
"""

from __future__ import annotations

from typing import Any

from sqlmodel import col, select

from leadtui.app import LeadTuiApp
from leadtui.screens.conflicts import ConflictsScreen
from leadtui.store.tables import ConflictRow, LeadRow, OutboxRow
from leadtui.workspace import Workspace
from tests.conftest import NOW
from tests.tui.conftest import FrozenClock, loaded, settle

HOSTILE = "[bold red]Converted[/] \x1b[2J"


def _lead_ids(ws: Workspace, count: int) -> list[int]:
    with ws.session() as session:
        rows = session.exec(
            select(LeadRow.id).where(LeadRow.status == "new").order_by(col(LeadRow.id))
        ).all()
    return [int(i) for i in rows[:count] if i is not None]


def make_conflict(ws: Workspace, lead_id: int, remote: str = "converted") -> int:
    """What a pull does when the CRM changed the status the rep changed: hold and record."""
    ws.disqualify(lead_id, "No budget", NOW)
    with ws.session() as session:
        (op,) = session.exec(
            select(OutboxRow).where(OutboxRow.lead_id == lead_id, OutboxRow.kind == "update_lead")
        ).all()
        op.state = "held"
        session.add(op)
        conflict = ConflictRow(
            lead_id=lead_id,
            field="status",
            local_value="disqualified",
            remote_value=remote,
            base_value=op.payload["fields"]["status"]["before"],
            created_at=NOW,
        )
        session.add(conflict)
        session.flush()
        return conflict.id or 0


def make_dead(ws: Workspace, lead_id: int, body: str) -> str:
    ws.add_note(lead_id, body, NOW)
    with ws.session() as session:
        op = session.exec(
            select(OutboxRow)
            .where(OutboxRow.lead_id == lead_id, OutboxRow.kind == "create_note")
            .order_by(col(OutboxRow.id).desc())
        ).first()
        assert op is not None
        op.state, op.attempts, op.last_error = "dead", 8, "400 VALIDATION_ERROR: [i]bad[/i]"
        session.add(op)
        return op.op_id


def _conflict(ws: Workspace, conflict_id: int) -> ConflictRow:
    with ws.session() as session:
        row = session.get(ConflictRow, conflict_id)
        assert row is not None
        session.expunge(row)
        return row


def _op(ws: Workspace, op_id: str) -> OutboxRow:
    with ws.session() as session:
        row = session.exec(select(OutboxRow).where(OutboxRow.op_id == op_id)).one()
        session.expunge(row)
        return row


async def _open(pilot: Any) -> ConflictsScreen:
    await loaded(pilot)
    await pilot.press("C")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, ConflictsScreen)
    return screen


async def test_keep_mine_then_take_theirs(workspace: Workspace, clock: FrozenClock) -> None:
    first, second = _lead_ids(workspace, 2)
    mine = make_conflict(workspace, first)
    theirs = make_conflict(workspace, second)
    app = LeadTuiApp(workspace, clock)
    async with app.run_test(size=(120, 35)) as pilot:
        screen = await _open(pilot)
        assert screen.view is not None and [c.id for c in screen.view.conflicts] == [mine, theirs]
        await pilot.press("m")
        await settle(pilot)
        row = _conflict(workspace, mine)
        assert row.resolution == "local" and row.resolved_at is not None
        assert screen.view is not None and [c.id for c in screen.view.conflicts] == [theirs]
        await pilot.press("t")
        await settle(pilot)
        assert _conflict(workspace, theirs).resolution == "remote"
        with workspace.session() as session:
            lead = session.get(LeadRow, second)
            assert lead is not None and lead.status == "converted"
        assert screen.view is not None and screen.view.conflicts == []


async def test_retry_and_discard_rejected_changes(workspace: Workspace, clock: FrozenClock) -> None:
    (lead_id,) = _lead_ids(workspace, 1)
    first = make_dead(workspace, lead_id, "one")
    second = make_dead(workspace, lead_id, "two")
    app = LeadTuiApp(workspace, clock)
    async with app.run_test(size=(120, 35)) as pilot:
        screen = await _open(pilot)
        await pilot.press("r")  # the conflicts list has focus: nothing to retry there
        await settle(pilot)
        assert _op(workspace, first).state == "dead"
        await pilot.press("tab")  # to the rejected changes
        await pilot.press("r")
        await settle(pilot)
        op = _op(workspace, first)
        assert (op.state, op.attempts, op.last_error) == ("pending", 0, "")
        await pilot.press("d")
        await settle(pilot)
        assert _op(workspace, second).state == "discarded"
        assert screen.view is not None and screen.view.dead == []
        await pilot.press("escape")
        assert not isinstance(app.screen, ConflictsScreen)


def test_snapshot_conflicts_screen(
    snap_compare: Any, workspace: Workspace, clock: FrozenClock
) -> None:
    first, second = _lead_ids(workspace, 2)
    with workspace.session() as session:
        lead = session.get(LeadRow, first)
        assert lead is not None
        lead.name = "[b]Not bold[/b] Ltd"  # CRM text: shown as typed, never as markup
        session.add(lead)
    make_conflict(workspace, first)
    make_conflict(workspace, second)
    make_dead(workspace, second, "Budget confirmed")
    app = LeadTuiApp(workspace, clock)

    async def run_before(pilot: Any) -> None:
        await _open(pilot)
        await settle(pilot)

    assert snap_compare(app, terminal_size=(120, 30), run_before=run_before)


async def test_the_command_palette_opens_the_conflicts_screen(app: LeadTuiApp) -> None:
    async with app.run_test(size=(120, 35)) as pilot:
        await loaded(pilot)
        await pilot.press("ctrl+p")
        await pilot.press(*"conflicts")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ConflictsScreen)


async def test_a_rejected_changes_whole_reason_can_be_read(
    workspace: Workspace, clock: FrozenClock
) -> None:
    (lead_id,) = _lead_ids(workspace, 1)
    op_id = make_dead(workspace, lead_id, "note")
    reason = (
        "400 VALIDATION_ERROR: Property values were not valid: the property 'hs_call_disposition'"
        " does not accept 'f240bbac'; allowed are the call outcome ids of this portal [end]"
    )
    with workspace.session() as session:
        op = session.exec(select(OutboxRow).where(OutboxRow.op_id == op_id)).one()
        op.last_error = reason
        session.add(op)
    app = LeadTuiApp(workspace, clock)
    async with app.run_test(size=(120, 35)) as pilot:
        screen = await _open(pilot)
        await pilot.press("tab")  # to the rejected changes
        await settle(pilot)
        shown = str(screen.query_one("#dead-reason").render())
        assert reason.replace(" ", "") in shown.replace(" ", "").replace("\n", "")
