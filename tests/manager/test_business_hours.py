"""With business_hours_only, breaches follow the calendar: weekends, holidays, DST, zones."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from leadtui.cli import main
from leadtui.config import TEMPLATE, load, locate
from leadtui.demo import DemoLead
from leadtui.domain.models import Lead, LeadStatus, Owner
from leadtui.workspace import Workspace

NY = ZoneInfo("America/New_York")
REP = Owner("rep@team.example", "Rep", "One", "1")
ARRIVALS = {
    1: datetime(2026, 11, 20, 22, 0, tzinfo=NY),  # Friday night
    2: datetime(2026, 11, 25, 17, 0, tzinfo=NY),  # the eve of Thanksgiving, 30 minutes left
    3: datetime(2026, 10, 30, 17, 0, tzinfo=NY),  # Friday before the clocks go back
}


@pytest.fixture
def hours_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "hours"
    folder.mkdir()
    config = TEMPLATE.format(
        email=REP.email, base_url="https://api.hubapi.com", timezone="America/New_York"
    )
    config = config.replace("business_hours_only = false", "business_hours_only = true")
    (folder / "config.toml").write_text(config)
    leads = [
        DemoLead(
            Lead(i, f"Lead {i}", f"l{i}@x{i}.example", REP.email, "webinar", LeadStatus.NEW, when),
            (),
            (),
        )
        for i, when in ARRIVALS.items()
    ]
    locations = locate(None, str(folder))
    ws = Workspace.open(load(locations.config_path), locations)
    ws.seed([REP], leads, datetime(2026, 10, 30, 21, 0, tzinfo=UTC))
    ws.close()
    monkeypatch.setenv("LEADTUI_DATA_DIR", str(folder))
    return folder


def states(capsys, when: datetime) -> dict[int, dict]:
    assert main(["--now", when.isoformat(), "queue", "--format", "json"]) == 0
    return {r["id"]: r["speed_to_lead"] for r in json.loads(capsys.readouterr().out)}


def stl_breaches(capsys, when: datetime) -> dict[int, dict]:
    assert main(["--now", when.isoformat(), "sla", "--team", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    return {r["lead_id"]: r for r in rows if r["kind"] == "speed_to_lead"}


def test_friday_night_lead_is_not_breached_over_the_weekend(hours_dir: Path, capsys) -> None:
    saturday = datetime(2026, 11, 21, 10, 0, tzinfo=NY)
    assert states(capsys, saturday)[1]["state"] == "pending"
    assert states(capsys, saturday)[1]["minutes_left"] == 60
    assert 1 not in stl_breaches(capsys, saturday)
    monday_early = datetime(2026, 11, 23, 9, 50, tzinfo=NY)
    assert states(capsys, monday_early)[1]["state"] == "at_risk"
    monday_late = datetime(2026, 11, 23, 10, 5, tzinfo=NY)
    breach = stl_breaches(capsys, monday_late)[1]
    assert datetime.fromisoformat(breach["due_at"]) == datetime(2026, 11, 23, 10, 0, tzinfo=NY)
    assert breach["late_by_minutes"] == 5


def test_thanksgiving_does_not_count(hours_dir: Path, capsys) -> None:
    thursday_noon = datetime(2026, 11, 26, 12, 0, tzinfo=NY)
    assert 2 not in stl_breaches(capsys, thursday_noon)
    deadline = datetime.fromisoformat(states(capsys, thursday_noon)[2]["deadline"])
    assert deadline == datetime(2026, 11, 27, 9, 30, tzinfo=NY)


def test_deadline_across_the_dst_change_is_in_local_working_time(hours_dir: Path, capsys) -> None:
    sunday = datetime(2026, 11, 1, 12, 0, tzinfo=NY)
    deadline = datetime.fromisoformat(states(capsys, sunday)[3]["deadline"])
    # 30 minutes on Friday, 30 on Monday: 09:30 EST, which is 14:30 UTC (13:30 would be EDT).
    assert deadline.astimezone(UTC) == datetime(2026, 11, 2, 14, 30, tzinfo=UTC)
