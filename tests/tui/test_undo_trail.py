"""`u` takes back the rep's own last change of this session, whichever lead the cursor is on by
then (leadtui.screens.undo_trail): after a touch the queue moves on to the next lead, and `u` used
to take back that lead's last change instead."""

from __future__ import annotations

from datetime import datetime

from leadtui.app import LeadTuiApp
from leadtui.screens.modals import ChoiceModal
from leadtui.store.tables import EnrolmentRow
from leadtui.workspace import Workspace
from tests.tui.conftest import loaded, settle
from tests.tui.test_actions import lead, outbox
from tests.tui.test_power_hour import log_on_cursor
from widgets.queue_table import QueueTable


def states(ws: Workspace, lead_id: int) -> set[str]:
    return {o.state for o in outbox(ws, lead_id)}


def paused_at(ws: Workspace, lead_id: int) -> datetime | None:
    with ws.session() as session:
        row = session.get(EnrolmentRow, lead_id)
        assert row is not None
        return row.paused_at


async def test_u_takes_back_the_touch_just_logged_not_the_next_leads(
    app: LeadTuiApp, workspace: Workspace
) -> None:
    async with app.run_test(size=(120, 35)) as pilot:
        await loaded(pilot)
        logged = await log_on_cursor(app, pilot)
        table = app.screen.query_one(QueueTable)
        now_on = table.cursor_lead_id
        assert now_on is not None and now_on != logged  # power hour moved on
        # The lead now under the cursor has a change of its own (made elsewhere, earlier).
        workspace.log_touch(now_on, "email", "sent", app.clock())
        assert states(workspace, logged) == {"pending"}
        await pilot.press("u")
        await settle(pilot)
        assert states(workspace, logged) == {"withdrawn"}
        assert states(workspace, now_on) == {"pending"}
        # Everything of this session is undone: `u` on the queue now leaves other leads alone.
        await pilot.press("u")
        await settle(pilot)
        assert states(workspace, now_on) == {"pending"}


async def test_a_snooze_and_a_pause_are_undone_too(app: LeadTuiApp, workspace: Workspace) -> None:
    async with app.run_test(size=(120, 35)) as pilot:
        await loaded(pilot)
        table = app.screen.query_one(QueueTable)
        snoozed = table.cursor_lead_id
        assert snoozed is not None
        await pilot.press("z")
        assert isinstance(app.screen, ChoiceModal)
        await pilot.press("down", "down", "enter")  # tomorrow 9:00
        await settle(pilot)
        await pilot.press("enter")  # snooze past the first-touch window anyway
        await settle(pilot)
        assert lead(workspace, snoozed).snoozed_until is not None
        assert snoozed not in table.order
        paused = table.cursor_lead_id
        assert paused is not None and paused != snoozed
        workspace.enrol(paused, next(iter(workspace.rules.templates)), app.clock())
        await pilot.press("p")
        await settle(pilot)
        assert paused_at(workspace, paused) is not None
        await pilot.press("u")  # the pause
        await settle(pilot)
        assert paused_at(workspace, paused) is None
        await pilot.press("u")  # the snooze, on a lead no longer in the queue
        await settle(pilot)
        assert lead(workspace, snoozed).snoozed_until is None
        assert snoozed in table.order
