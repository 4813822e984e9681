"""The board's Marketing tab shows what `leadtui report --by source` prints, charts included."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import DataTable, Static, TabbedContent

from leadtui.app import LeadTuiApp
from leadtui.cli import main
from leadtui.screens.marketing_tab import NO_SPEND, cost_rows, revenue_rows
from leadtui.workspace import Workspace
from tests.manager.test_screen import _cells, board_loaded
from tests.marketing.conftest import NOW, write_shop
from tests.tui.conftest import FrozenClock, settle


@pytest.fixture
def app(shop_ws: Workspace) -> LeadTuiApp:
    return LeadTuiApp(shop_ws, FrozenClock(NOW))


async def test_the_marketing_tab_agrees_with_the_report(
    app: LeadTuiApp, shop_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await board_loaded(pilot)
        await pilot.press("a")
        screen = await board_loaded(pilot)
        await pilot.press("6")
        await settle(pilot)
        assert screen.query_one(TabbedContent).active == "tab-marketing"
        rows = {row[0]: row for row in _cells(screen.query_one("#marketing", DataTable))}
        reasons = str(screen.query_one("#marketing-reasons", Static).render())
        charts = {
            name: str(screen.query_one(f"#chart-{name}", Static).render())
            for name in ("revenue-per-lead", "cost-per-opp")
        }
        sources = screen.board.sources if screen.board else []
    assert main(["--now", NOW.isoformat(), "report", "--by", "source", "--format", "json"]) == 0
    report = {r["source"]: r for r in json.loads(capsys.readouterr().out)}
    assert set(rows) == set(report)
    for source, row in report.items():
        shown = rows[source]
        assert shown[1:6] == [
            str(row["leads"]),
            f"{row['accepted_pct']:.1f}%",
            f"{row['rejected_pct']:.1f}%",
            f"{row['bad_phone_pct']:.1f}%",
            f"{row['bad_email_pct']:.1f}%",
        ]
    # By hand: paid search's handoffs 2, 10, 30 minutes (median 10, p90 26); its 3 000 of spend.
    assert rows["paid_search"][6:8] == ["10m", "26m"]
    assert rows["paid_search"][9:] == ["3,000", "750", "3,000", "3,000", "6.67x"]
    assert rows["webinar"][9:] == ["–"] * 4 + ["–"]
    assert "Bad contact data 1 (50%) · No budget 1 (50%)" in reasons
    assert "5,000" in charts["revenue-per-lead"] and "3,000" in charts["cost-per-opp"]
    assert revenue_rows(sources)[0] == ("paid_search", 5000.0, "5,000")
    assert cost_rows(sources) == [("paid_search", 3000.0, "3,000")]


async def test_without_spend_the_cost_chart_says_how_to_get_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from leadtui.config import load, locate

    folder = write_shop(tmp_path / "plain", extra_config="")
    locations = locate(None, str(folder))
    ws = Workspace.open(load(locations.config_path), locations)
    try:
        async with LeadTuiApp(ws, FrozenClock(NOW)).run_test(size=(80, 24)) as pilot:
            await board_loaded(pilot)
            await pilot.press("a")
            screen = await board_loaded(pilot)
            await pilot.press("6")
            await settle(pilot)
            table = screen.query_one("#marketing", DataTable)
            assert [str(c.label) for c in table.columns.values()][-1] == "back"
            cost = str(screen.query_one("#chart-cost-per-opp", Static).render())
            assert NO_SPEND.split(":")[0] in cost
    finally:
        ws.close()


def test_marketing_tab_snapshot_80x24(snap_compare: Any, app: LeadTuiApp) -> None:
    async def run_before(pilot: Any) -> None:
        await board_loaded(pilot)
        await pilot.press("a")
        await board_loaded(pilot)
        await pilot.press("6")
        await settle(pilot)

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


def test_reasons_read_short_the_top_three_and_how_many_more() -> None:
    from leadtui.domain.metrics import GroupMetrics, ReasonShare
    from leadtui.screens.marketing_tab import reasons_text

    shares = tuple(
        ReasonShare(key, label, count, pct)
        for key, label, count, pct in (
            ("no_response", "No response", 5, 50.0),
            ("not_a_fit", "Not a fit (size, industry, use case)", 2, 20.0),
            ("student", "Student or job seeker", 1, 10.0),
            ("duplicate", "Duplicate lead", 1, 10.0),
            ("competitor", "Competitor or vendor", 1, 10.0),
        )
    )
    m = GroupMetrics(
        "events", 20, None, None, 0, 0, 0.0, None, 0.0, 0.0, None, None, 0, 0, None,
        disqualified=10, disqualify_reasons=shares, recycled=2, recycled_opportunities=1,
    )  # fmt: skip
    line = str(reasons_text([m])).splitlines()[1]
    assert line == (
        "events: No response 5 (50%) · Not a fit 2 (20%) · Student or job seeker 1 (10%)"
        " · 2 more  ↺ 2 back: 1 opp., 0 won (0)"
    )
