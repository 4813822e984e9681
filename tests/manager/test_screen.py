"""The manager's board on the fixed team: the screens show the figures the commands print."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Select, TabbedContent

from leadtui.app import LeadTuiApp
from leadtui.cli import main
from leadtui.screens.lead_detail import LeadDetailScreen
from leadtui.screens.manager import ManagerScreen
from leadtui.workspace import Workspace
from tests.manager.conftest import NOW
from tests.tui.conftest import FrozenClock, settle


def _cells(table: DataTable) -> list[list[str]]:
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


async def board_loaded(pilot: Pilot[None]) -> ManagerScreen:
    for _ in range(40):
        await settle(pilot)
        screen = pilot.app.screen
        if isinstance(screen, ManagerScreen) and screen.board is not None:
            return screen
    raise AssertionError("the board never loaded")


@pytest.fixture
def app(team_ws: Workspace) -> LeadTuiApp:
    return LeadTuiApp(team_ws, FrozenClock(NOW))


async def test_manager_opens_on_the_board_with_the_reports_figures(
    app: LeadTuiApp, team_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await board_loaded(pilot)
        await pilot.press("a")  # all time
        screen = await board_loaded(pilot)
        sources = {row[0]: row for row in _cells(screen.query_one("#sources", DataTable))}
        reps = {row[0]: row for row in _cells(screen.query_one("#reps", DataTable))}
        breaches = _cells(screen.query_one("#breaches", DataTable))
    assert main(["--now", NOW.isoformat(), "report", "--by", "source", "--format", "json"]) == 0
    report = {r["source"]: r for r in json.loads(capsys.readouterr().out)}
    for source, row in report.items():
        shown = sources[source]
        assert shown[1] == str(row["leads"])
        assert shown[4] == f"{row['revenue']:,.0f}"
        pct = row["lead_to_opportunity_pct"]
        assert shown[2] == f"{pct:,.1f}%"
    assert sources["referral"][4] == "30,000" and sources["webinar"][5] == "6,000"
    assert reps["bo"][1] == "3" and reps["bo"][6] == "1"
    assert main(["--now", NOW.isoformat(), "sla", "--team", "--format", "json"]) == 0
    assert len(breaches) == len(json.loads(capsys.readouterr().out))


async def test_filters_and_periods(app: LeadTuiApp) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await board_loaded(pilot)
        await pilot.press("a")
        screen = await board_loaded(pilot)
        table = screen.query_one("#breaches", DataTable)
        everything = table.row_count
        screen.query_one("#filter-kind", Select).value = "gave_up_early"
        await settle(pilot)
        assert [row[0] for row in _cells(table)] == ["gave up early"]
        screen.query_one("#filter-kind", Select).clear()
        screen.query_one("#filter-rep", Select).value = "ana@team.example"
        await settle(pilot)
        assert 0 < table.row_count < everything
        assert all(row[2] == "ana" for row in _cells(table))
        await pilot.press("t")  # today: nothing breached since midnight in New York
        screen = await board_loaded(pilot)
        assert screen.period == "today" and table.row_count == 0


async def test_open_a_lead_from_a_breach_and_switch_tabs(app: LeadTuiApp) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await board_loaded(pilot)
        await pilot.press("a")
        screen = await board_loaded(pilot)
        for key, tab in (("2", "tab-reps"), ("3", "tab-sources"), ("5", "tab-calibration")):
            await pilot.press(key)
            assert screen.query_one(TabbedContent).active == tab
        await pilot.press("1")
        screen.query_one("#breaches", DataTable).focus()
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(pilot.app.screen, LeadDetailScreen)


async def test_rep_reaches_the_board_with_b(workspace_dir: Path) -> None:
    from leadtui.config import load, locate

    locations = locate(None, str(workspace_dir))
    ws = Workspace.open(load(locations.config_path), locations)
    try:
        app = LeadTuiApp(ws, FrozenClock(NOW))
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            assert not isinstance(pilot.app.screen, ManagerScreen)
            await pilot.press("b")
            screen = await board_loaded(pilot)
            assert screen.board is not None and screen.board.breaches
    finally:
        ws.close()


async def _board(pilot: Pilot[None], *keys: str) -> None:
    await board_loaded(pilot)
    await pilot.press("a")
    await board_loaded(pilot)
    for key in keys:
        await pilot.press(key)
    await settle(pilot)


# Pictures are taken on one store: the PostgreSQL variants of the other tests check the figures.
@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("tab", ["1", "2", "3", "4", "5"])
def test_board_snapshots(snap_compare: Any, app: LeadTuiApp, tab: str) -> None:
    async def run_before(pilot: Pilot[None]) -> None:
        await _board(pilot, tab)

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


async def test_manager_board_opens_with_columns_sized_to_their_text(
    app: LeadTuiApp, team_ws: Workspace
) -> None:
    # For role = "manager" the board opened with every column as narrow as its header ("1st "
    # for "1st touch") until a key was pressed: the terminal painted the rows before the table
    # measured them on its next idle, and DataTable kept those painted lines in its cache
    # (issue 13, defect 3). The widths must be right the moment the rows are in.
    from datetime import timedelta

    from leadtui.board import load_board
    from leadtui.demo import DemoLead
    from leadtui.screens.manager import BoardLoaded
    from tests.manager.conftest import ANA, _lead

    late = DemoLead(_lead(9, ANA, "webinar", NOW - timedelta(hours=3)), (), ())
    team_ws.seed([ANA], [late], NOW)  # an untouched lead breached this week
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await board_loaded(pilot)
        with team_ws.session() as session:
            board = load_board(team_ws, session, NOW, "all")
        screen.on_board_loaded(BoardLoaded(board))  # no await: no idle has run yet
        table = screen.query_one("#breaches", DataTable)
        assert table.row_count
        for index, column in enumerate(table.ordered_columns):
            longest = max(len(str(table.get_row_at(i)[index])) for i in range(table.row_count))
            assert column.get_render_width(table) >= longest + 2, str(column.label)
