"""The prospect's clock: steps fall due in their working hours (issue 13, day one)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from leadtui.config import load, locate
from leadtui.demo import DemoLead
from leadtui.store import queries
from leadtui.store.tables import EnrolmentRow
from leadtui.workspace import Workspace
from tests.manager.conftest import ANA, NOW, _lead, write_team

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture
def ws(tmp_path: Path) -> Iterator[Workspace]:
    folder = write_team(tmp_path / "team")
    locations = locate(None, str(folder))
    workspace = Workspace.open(load(locations.config_path), locations)
    yield workspace
    workspace.close()


def test_a_berlin_leads_first_step_is_not_due_at_night_in_berlin(ws: Workspace) -> None:
    # Arrives at 15:30 in New York = 21:30 in Berlin: the window closes at 22:30 Berlin time.
    created = NOW + timedelta(hours=5, minutes=30)
    lead = _lead(20, ANA, "webinar", created, timezone="Europe/Berlin", job_title="CEO")
    ws.seed([ANA], [DemoLead(lead, (), ())], created)  # enrolled by its band on arrival
    with ws.session() as session:
        row = queries.find_lead(session, lead.email)
        assert row is not None
        enrolment = session.get(EnrolmentRow, row.id)
        assert enrolment is not None and enrolment.due_at is not None
        due = enrolment.due_at.replace(tzinfo=ZoneInfo("UTC")).astimezone(BERLIN)
    assert 9 <= due.hour < 18, due
