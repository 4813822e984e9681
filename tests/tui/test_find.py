"""Find any lead, snoozed and closed ones too, and wake or reopen it (issue 13, defect 5 and
day one)."""

from __future__ import annotations

from datetime import timedelta

from textual.widgets import DataTable

from leadtui import views
from leadtui.app import LeadTuiApp
from leadtui.screens.find import FindScreen
from leadtui.workspace import Workspace
from tests.tui.conftest import loaded, settle
from tests.tui.test_actions import lead


async def _find(app: LeadTuiApp, pilot, text: str) -> FindScreen:  # type: ignore[no-untyped-def]
    await loaded(pilot)
    await pilot.press("s")
    screen = app.screen
    assert isinstance(screen, FindScreen)
    await pilot.press(*text)
    await settle(pilot)
    await pilot.press("down")  # from the search box to the results
    return screen


async def test_find_and_wake_a_snoozed_lead(app: LeadTuiApp, workspace: Workspace) -> None:
    now = app.clock()
    with workspace.session() as session:
        target = views.queue(workspace, session, now, workspace.me)[0].lead
    workspace.snooze(target.id, now + timedelta(days=3), now)
    async with app.run_test(size=(120, 35)) as pilot:
        screen = await _find(app, pilot, target.email)
        table = screen.query_one("#found", DataTable)
        assert table.row_count == 1
        assert "snoozed until" in str(table.get_row_at(0)[0])
        await pilot.press("w")
        await settle(pilot)
    assert lead(workspace, target.id).snoozed_until is None


async def test_find_and_reopen_a_disqualified_lead(app: LeadTuiApp, workspace: Workspace) -> None:
    now = app.clock()
    with workspace.session() as session:
        target = views.queue(workspace, session, now, workspace.me)[0].lead
    workspace.disqualify(target.id, "student", now)
    async with app.run_test(size=(120, 35)) as pilot:
        screen = await _find(app, pilot, target.email)
        assert str(screen.query_one("#found", DataTable).get_row_at(0)[0]) == "disqualified"
        await pilot.press("o")
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
    assert lead(workspace, target.id).status == "working"
    with workspace.session() as session:
        assert target.id in {v.lead.id for v in views.queue(workspace, session, now, workspace.me)}


def test_reopen_refuses_an_open_lead_or_a_deal(workspace: Workspace) -> None:
    import pytest

    from leadtui.workspace import ActionError
    from tests.conftest import NOW

    with workspace.session() as session:
        first, second = [v.lead.id for v in views.queue(workspace, session, NOW, workspace.me)][:2]
    with pytest.raises(ActionError, match="only a disqualified lead reopens"):
        workspace.reopen(first, NOW)
    workspace.convert(second, 1000, NOW)
    with pytest.raises(ActionError, match="only a disqualified lead reopens"):
        workspace.reopen(second, NOW)


async def test_enter_in_the_search_box_opens_the_lead_and_the_list_follows(
    app: LeadTuiApp, workspace: Workspace
) -> None:
    from leadtui.screens.lead_detail import LeadDetailScreen

    now = app.clock()
    with workspace.session() as session:
        target = views.queue(workspace, session, now, workspace.me)[0].lead
    workspace.disqualify(target.id, "student", now)
    async with app.run_test(size=(120, 35)) as pilot:
        await loaded(pilot)
        await pilot.press("s", *target.email)
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, LeadDetailScreen) and app.screen.lead_id == target.id
        workspace.reopen(target.id, now)  # changed meanwhile (here: by the rep, elsewhere)
        await pilot.press("escape")
        await settle(pilot)
        found = app.screen.query_one("#found", DataTable)
        assert str(found.get_row_at(0)[0]) == "working"  # the list was read again
