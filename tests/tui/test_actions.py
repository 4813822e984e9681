"""Each action through the UI, checked in the cache afterwards (and in the CLI's queue JSON)."""

from __future__ import annotations

from typing import Any

from sqlmodel import col, select

from leadtui import output, views
from leadtui.app import LeadTuiApp
from leadtui.screens.lead_actions import LeadScreen
from leadtui.screens.log_touch import LogTouchModal
from leadtui.screens.modals import ChoiceModal, PromptModal
from leadtui.store.tables import EnrolmentRow, LeadRow, NoteRow, OutboxRow, TouchRow
from leadtui.workspace import Workspace
from tests.tui.conftest import loaded, settle, top_lead_without_a_step
from widgets.queue_table import QueueTable


def queue_json(ws: Workspace, app: LeadTuiApp) -> dict[int, dict[str, Any]]:
    with ws.session() as session:
        items = views.queue(ws, session, app.clock(), ws.me)
        return {item.lead.id: output.queue_row(item, app.clock()) for item in items}


def outbox(ws: Workspace, lead_id: int) -> list[OutboxRow]:
    with ws.session() as session:
        rows = session.exec(select(OutboxRow).where(OutboxRow.lead_id == lead_id))
        return list(rows)


def lead(ws: Workspace, lead_id: int) -> LeadRow:
    with ws.session() as session:
        row = session.get(LeadRow, lead_id)
        assert row is not None
        session.expunge(row)
        return row


async def open_lead(app: LeadTuiApp, pilot: Any) -> int:
    await loaded(pilot)
    lead_id = app.screen.query_one(QueueTable).cursor_lead_id
    assert lead_id is not None
    return lead_id


async def test_log_a_call_records_the_touch_and_stops_the_clock(
    app: LeadTuiApp, workspace: Workspace
) -> None:
    async with app.run_test(size=(120, 35)) as pilot:
        lead_id = await open_lead(app, pilot)  # the top lead: an open speed-to-lead window
        before = queue_json(workspace, app)[lead_id]
        assert before["speed_to_lead"]["state"] in ("pending", "at_risk")
        await pilot.press("l")
        assert isinstance(app.screen, LogTouchModal)
        app.screen.query_one("#channel").value = "call"  # type: ignore[attr-defined]
        await pilot.pause()
        app.screen.query_one("#outcome").value = "connected"  # type: ignore[attr-defined]
        await pilot.click("#note")
        await pilot.press(*"asked for pricing")
        await pilot.press("enter")
        await settle(pilot)
        with workspace.session() as session:
            touches = list(session.exec(select(TouchRow).where(TouchRow.lead_id == lead_id)))
        assert [(t.channel, t.outcome, t.note) for t in touches][-1] == (
            "call",
            "connected",
            "asked for pricing",
        )
        kinds = [o.kind for o in outbox(workspace, lead_id)]
        assert "create_touch" in kinds
        after = queue_json(workspace, app)[lead_id]
        assert after["speed_to_lead"]["state"] == "met"
        assert after["touches"] == before["touches"] + 1
        # The queue shows it too: the countdown has stopped.
        row = app.screen.query_one(QueueTable).row(lead_id)
        assert row is not None and row.first_touch_at is not None


async def test_add_note(app: LeadTuiApp, workspace: Workspace) -> None:
    async with app.run_test(size=(120, 35)) as pilot:
        lead_id = await open_lead(app, pilot)
        await pilot.press("a")
        assert isinstance(app.screen, PromptModal)
        await pilot.press(*"call back after lunch", "enter")
        await settle(pilot)
        with workspace.session() as session:
            notes = list(session.exec(select(NoteRow).where(NoteRow.lead_id == lead_id)))
        assert [n.body for n in notes] == ["call back after lunch"]
        assert [o.kind for o in outbox(workspace, lead_id)] == ["create_note"]


async def test_snooze_hides_the_lead(app: LeadTuiApp, workspace: Workspace) -> None:
    async with app.run_test(size=(120, 35)) as pilot:
        lead_id = await open_lead(app, pilot)
        await pilot.press("z")
        assert isinstance(app.screen, ChoiceModal)
        await pilot.press("down", "down", "enter")  # tomorrow 9:00
        await settle(pilot)
        assert isinstance(app.screen, ChoiceModal)  # past its open window: asked first
        await pilot.press("enter")  # snooze anyway
        await settle(pilot)
        snoozed = lead(workspace, lead_id).snoozed_until
        assert snoozed is not None and snoozed > app.clock()
        assert lead_id not in queue_json(workspace, app)
        assert lead_id not in app.screen.query_one(QueueTable).order


async def test_convert_with_a_deal_value(app: LeadTuiApp, workspace: Workspace) -> None:
    async with app.run_test(size=(120, 35)) as pilot:
        lead_id = await open_lead(app, pilot)
        await pilot.press("c")
        await pilot.press(*"abc", "enter")
        assert isinstance(app.screen, PromptModal)  # not a number: the dialog stays
        await pilot.press("backspace", "backspace", "backspace", *"1e309", "enter")
        assert isinstance(app.screen, PromptModal)  # a float, but no amount: it stays too
        await pilot.press(*["backspace"] * 5, *"12,500", "enter")
        await settle(pilot)
        row = lead(workspace, lead_id)
        assert (row.status, row.deal_value) == ("converted", 12500.0)
        assert "update_lead" in [o.kind for o in outbox(workspace, lead_id)]
        assert lead_id not in app.screen.query_one(QueueTable).order


async def test_disqualify_offers_the_pick_list(app: LeadTuiApp, workspace: Workspace) -> None:
    async with app.run_test(size=(120, 35)) as pilot:
        lead_id = await open_lead(app, pilot)
        await pilot.press("x")
        assert isinstance(app.screen, ChoiceModal)
        await pilot.press("down", "down", "down", "enter")  # the fourth: student
        await settle(pilot)
        row = lead(workspace, lead_id)
        assert (row.status, row.disqualified_reason) == ("disqualified", "student")
        assert lead_id not in queue_json(workspace, app)


async def test_disqualify_for_another_reason_asks_for_words(
    app: LeadTuiApp, workspace: Workspace
) -> None:
    async with app.run_test(size=(120, 35)) as pilot:
        lead_id = await open_lead(app, pilot)
        await pilot.press("x", "end", "enter")  # the last choice: other
        assert isinstance(app.screen, PromptModal)
        await pilot.press("enter")
        assert isinstance(app.screen, PromptModal)  # empty: the dialog stays
        await pilot.press(*"moved to a rival's trial", "enter")
        await settle(pilot)
        row = lead(workspace, lead_id)
        assert (row.status, row.disqualified_reason) == (
            "disqualified",
            "moved to a rival's trial",
        )


async def test_undo_takes_back_the_last_touch(app: LeadTuiApp, workspace: Workspace) -> None:
    async with app.run_test(size=(120, 35)) as pilot:
        lead_id = await open_lead(app, pilot)
        before = queue_json(workspace, app)[lead_id]
        workspace.log_touch(lead_id, "call", "connected", app.clock())
        assert queue_json(workspace, app)[lead_id]["speed_to_lead"]["state"] == "met"
        await pilot.press("u")
        await settle(pilot)
        after = queue_json(workspace, app)[lead_id]
        assert after["touches"] == before["touches"]
        assert after["speed_to_lead"]["state"] == before["speed_to_lead"]["state"]
        assert {o.state for o in outbox(workspace, lead_id)} == {"withdrawn"}


async def test_enrol_pause_and_resume(app: LeadTuiApp, workspace: Workspace) -> None:
    async with app.run_test(size=(120, 35)) as pilot:
        lead_id = await open_lead(app, pilot)
        await pilot.press("e")
        assert isinstance(app.screen, ChoiceModal)
        await pilot.press("enter")
        await settle(pilot)
        first = next(iter(workspace.rules.templates))
        with workspace.session() as session:
            enrolment = session.get(EnrolmentRow, lead_id)
            assert enrolment is not None and enrolment.cadence == first
        await pilot.press("p")
        await settle(pilot)
        with workspace.session() as session:
            enrolment = session.get(EnrolmentRow, lead_id)
            assert enrolment is not None and enrolment.paused_at is not None
        await pilot.press("r")
        await settle(pilot)
        with workspace.session() as session:
            enrolment = session.get(EnrolmentRow, lead_id)
            assert enrolment is not None and enrolment.paused_at is None
        assert queue_json(workspace, app)[lead_id]["cadence"]["name"] == first


async def test_a_refused_action_says_why(app: LeadTuiApp, workspace: Workspace) -> None:
    async with app.run_test(size=(120, 35)) as pilot:
        lead_id = await open_lead(app, pilot)
        with workspace.session() as session:
            session.exec(select(EnrolmentRow).where(col(EnrolmentRow.lead_id) == lead_id))
            row = session.get(EnrolmentRow, lead_id)
            if row is not None:
                session.delete(row)
        await pilot.press("p")
        await settle(pilot)
        messages = [n.message for n in app._notifications]
        assert any("not in a cadence" in m for m in messages)


async def test_copy_email_uses_the_clipboard(app: LeadTuiApp, workspace: Workspace) -> None:
    async with app.run_test(size=(120, 35)) as pilot:
        lead_id = await open_lead(app, pilot)
        await pilot.press("y")
        assert app.clipboard == lead(workspace, lead_id).email


async def test_changes_made_elsewhere_show_on_the_next_reload(
    app: LeadTuiApp, workspace: Workspace
) -> None:
    async with app.run_test(size=(120, 35)) as pilot:
        lead_id = await open_lead(app, pilot)
        row = app.screen.query_one(QueueTable).row(lead_id)
        assert row is not None and row.first_touch_at is None
        # As `leadtui log` or a sync would, from outside the app.
        workspace.log_touch(lead_id, "email", "sent", app.clock())
        assert isinstance(app.screen, LeadScreen)
        app.screen.reload()  # what the 15-second timer does
        await settle(pilot)
        row = app.screen.query_one(QueueTable).row(lead_id)
        assert row is not None and row.first_touch_at is not None


async def test_log_a_touch_from_the_detail_screen(app: LeadTuiApp, workspace: Workspace) -> None:
    from leadtui.screens.lead_detail import LeadDetailScreen

    async with app.run_test(size=(100, 40)) as pilot:
        lead_id = await open_lead(app, pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, LeadDetailScreen)
        await pilot.press("l")
        assert isinstance(app.screen, LogTouchModal)
        await pilot.press("ctrl+s")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, LeadDetailScreen) and screen.detail is not None
        # Power hour (on by default): the detail moves on to the next lead once it is logged.
        assert screen.lead_id != lead_id and screen.detail.lead.id == screen.lead_id
        assert "create_touch" in [o.kind for o in outbox(workspace, lead_id)]
        with workspace.session() as session:
            touches = session.exec(select(TouchRow).where(TouchRow.lead_id == lead_id)).all()
        assert len(touches) == 1
        await pilot.press("escape")
        row = app.screen.query_one(QueueTable).row(lead_id)
        assert row is not None and row.first_touch_at is not None


async def test_log_dialog_offers_what_fits_and_emails_a_lead_without_a_phone(
    app: LeadTuiApp, workspace: Workspace
) -> None:
    from textual.widgets import Select

    top = top_lead_without_a_step(workspace, app.clock(), phone="")
    async with app.run_test(size=(120, 35)) as pilot:
        lead_id = await open_lead(app, pilot)
        assert lead_id == top
        await pilot.press("l")
        assert isinstance(app.screen, LogTouchModal)
        assert app.screen.query_one("#channel", Select).value == "email"
        app.screen.query_one("#channel", Select).value = "call"
        await pilot.pause()
        offered = [value for _label, value in app.screen.query_one("#outcome", Select)._options]
        assert "bounced" not in offered and "sent" not in offered and "busy" in offered


async def test_convert_or_disqualify_a_closed_lead_refuses_before_asking(
    app: LeadTuiApp, workspace: Workspace
) -> None:
    from leadtui.screens.lead_detail import LeadDetailScreen

    with workspace.session() as session:
        top = views.queue(workspace, session, app.clock(), workspace.me)[0].lead.id
    workspace.disqualify(top, "student", app.clock())
    async with app.run_test(size=(120, 35)) as pilot:
        await loaded(pilot)
        await app.push_screen(LeadDetailScreen(top))
        await settle(pilot)
        for key in ("c", "x"):
            await pilot.press(key)
            await settle(pilot)
            assert isinstance(app.screen, LeadDetailScreen), key
        messages = [n.message for n in app._notifications]
        assert sum("already disqualified" in m for m in messages) == 2, messages
