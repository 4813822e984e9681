"""CRM text is data: markup and terminal escapes in it show literally and do nothing."""

from __future__ import annotations

from sqlmodel import select

from leadtui.app import LeadTuiApp
from leadtui.screens.lead_detail import LeadDetailScreen
from leadtui.store.tables import LeadRow
from leadtui.workspace import Workspace
from tests.tui.conftest import FrozenClock, loaded, settle
from widgets.queue_table import QueueTable
from widgets.safe_text import clean

NAME = "[@click=app.quit]Acme[/]"
COMPANY = "\x1b[31mRed\x1b[0m [b]Corp"


def make_hostile(ws: Workspace, lead_id: int) -> None:
    with ws.session() as session:
        row = session.exec(select(LeadRow).where(LeadRow.id == lead_id)).one()
        row.name, row.company, row.job_title = NAME, COMPANY, "[red]boss\x07"
        session.add(row)
    ws.add_note(lead_id, "[@click=app.quit]x[/] \x1b]0;pwned\x07", FrozenClock()())


def test_clean_replaces_control_characters() -> None:
    assert clean("a\x1b[31mb\x07\u202e") == "a\ufffdb\ufffd\ufffd"  # the whole CSI sequence goes
    assert clean(NAME) == NAME


async def test_hostile_lead_shows_literally_and_does_nothing(
    workspace: Workspace, clock: FrozenClock
) -> None:
    probe = LeadTuiApp(workspace, clock)
    async with probe.run_test(size=(120, 35)) as pilot:
        await loaded(pilot)
        lead_id = probe.screen.query_one(QueueTable).order[0]
    make_hostile(workspace, lead_id)

    app = LeadTuiApp(workspace, clock)
    async with app.run_test(size=(120, 35)) as pilot:
        await loaded(pilot)
        table = app.screen.query_one(QueueTable)
        line = table.render_line(1).text
        assert "[@click=app.quit]Acme" in line
        assert "\x1b" not in line and "\ufffdRed" in line
        await pilot.click(QueueTable, offset=(12, 1))  # on the name
        await pilot.click(QueueTable, offset=(12, 1))
        await settle(pilot)
        assert app.is_running
        if not isinstance(app.screen, LeadDetailScreen):
            await pilot.press("enter")
            await settle(pilot)
        assert isinstance(app.screen, LeadDetailScreen)
        shown = " ".join(str(w.render()) for w in app.screen.query("LeadDetailView Static"))
        assert NAME in shown and "[red]boss" in shown and "\x1b" not in shown
        assert "[@click=app.quit]x[/]" in shown
        await pilot.press("y")  # a notification that names the lead
        await pilot.press("a", *"ok", "enter")
        await settle(pilot)
        assert app.is_running
        assert any(NAME in n.message for n in app._notifications)
