"""With `business_hours_only`, countdowns and at-risk marks count working time (DESIGN.md)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from leadtui.screens import loaders
from leadtui.workspace import Workspace
from widgets.queue_row import Mark, QueueRow, cells

NY = ZoneInfo("America/New_York")


def business_hours(ws: Workspace) -> Workspace:
    sla = ws.config.sla.model_copy(update={"business_hours_only": True})
    return Workspace(ws.config.model_copy(update={"sla": sla}), ws.engine)


def row(deadline: datetime) -> QueueRow:
    return QueueRow.make(
        lead_id=1, name="A", company="B", email="a@b.example", phone="", band="hot", score=80,
        source="web", created_at=deadline - timedelta(days=1), stl_deadline=deadline,
        first_touch_at=None, next_channel=None, next_due=None, paused=False, touches=0,
        steps_done=0, steps_total=None,
    )  # fmt: skip


def test_the_evening_does_not_count(workspace: Workspace) -> None:
    ws = business_hours(workspace)
    left = loaders.seconds_left(ws)
    now = datetime(2026, 11, 18, 17, 25, tzinfo=NY)  # Wednesday, five minutes before closing
    deadline = datetime(2026, 11, 19, 9, 10, tzinfo=NY)  # 15 working minutes later
    assert round(left(deadline, now) / 60) == 15
    shown = cells(row(deadline), now, 15 * 60, left)
    assert shown.mark is Mark.AT_RISK and shown.sla == "▲ 15:00"
    wall = cells(row(deadline), now, 15 * 60)
    assert wall.mark is Mark.NONE  # counted on the wall clock it would be hours away


def test_the_countdown_never_runs_before_the_lead_exists() -> None:
    """`--now` before a lead's creation shows its window whole, never a day and more left."""
    created = datetime(2026, 11, 18, 10, 0, tzinfo=NY)
    lead = QueueRow.make(
        lead_id=1, name="A", company="B", email="a@b.example", phone="", band="hot", score=80,
        source="web", created_at=created, stl_deadline=created + timedelta(hours=1),
        first_touch_at=None, next_channel=None, next_due=None, paused=False, touches=0,
        steps_done=0, steps_total=None,
    )  # fmt: skip
    a_day_before = created - timedelta(days=1)
    assert cells(lead, a_day_before, 15 * 60).sla.strip() == "60:00"
    assert cells(lead, created + timedelta(minutes=10), 15 * 60).sla.strip() == "50:00"


def test_an_overdue_step_is_called_overdue_as_the_cli_calls_it() -> None:
    """One name for one idea: `leadtui queue` says "overdue", so the queue's cell does too."""
    due = datetime(2026, 11, 18, 10, 0, tzinfo=NY)
    lead = QueueRow.make(
        lead_id=1, name="A", company="B", email="a@b.example", phone="", band="hot", score=80,
        source="web", created_at=due - timedelta(days=3), stl_deadline=due - timedelta(days=3),
        first_touch_at=due - timedelta(days=3), next_channel="linkedin", next_due=due,
        paused=False, touches=1, steps_done=1, steps_total=6,
    )  # fmt: skip
    shown = cells(lead, due + timedelta(days=2), 15 * 60)
    assert shown.overdue and shown.next == "linkedin overdue 2d"
    assert "late" not in shown.next
    assert cells(lead, due - timedelta(hours=3), 15 * 60).next == "linkedin in 3h"
