"""The manager's read model: breaches of a period, reps, sources, pictures and calibration.

One pass over the cache builds everything the manager's screens show, so the tabs agree with
each other and with `leadtui sla` / `leadtui report` (which call the same views).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Literal

from sqlmodel import Session

from leadtui import views
from leadtui.domain.calendar import as_utc
from leadtui.domain.calibration import Calibration, Outcome, calibrate
from leadtui.domain.distributions import (
    DayCompliance,
    Funnel,
    compliance_by_day,
    funnels,
    response_histogram,
)
from leadtui.domain.metrics import GroupMetrics
from leadtui.domain.scoring import score_lead
from leadtui.store import queries
from leadtui.store.convert import event_from_row, lead_from_row
from leadtui.workspace import Workspace

Period = Literal["today", "week", "month", "all"]
PERIODS: tuple[Period, ...] = ("today", "week", "month", "all")


def period_start(period: Period, now: datetime, ws: Workspace) -> datetime | None:
    """The start of today / this week (Monday) / this month in the manager's zone."""
    if period == "all":
        return None
    local = now.astimezone(ws.rules.calendar.zone)
    day = local.date()
    if period == "week":
        day -= timedelta(days=day.weekday())
    elif period == "month":
        day = date(day.year, day.month, 1)
    return datetime.combine(day, time(0), tzinfo=ws.rules.calendar.zone)


@dataclass(frozen=True)
class Board:
    now: datetime
    period: Period
    since: datetime | None
    breaches: list[views.BreachView]
    reps: list[GroupMetrics]
    sources: list[GroupMetrics]
    response_times: list[tuple[str, int]]
    compliance: list[DayCompliance]
    funnels: list[Funnel]
    calibration: Calibration


def load_board(ws: Workspace, session: Session, now: datetime, period: Period) -> Board:
    since = period_start(period, now, ws)
    facts = views.lead_facts(ws, session, now, since)
    recent = [f for f in facts if since is None or as_utc(f.created_at) >= as_utc(since)]
    return Board(
        now=now,
        period=period,
        since=since,
        breaches=views.breaches(ws, session, now, owner=None, since=since),
        reps=views.report_of(ws, facts, now, "rep", since),
        sources=views.report_of(ws, facts, now, "source", since),
        response_times=response_histogram(recent),
        compliance=compliance_by_day(recent, ws.rules.calendar.zone)[-14:],
        funnels=funnels(recent),
        calibration=calibration(ws, session),
    )


def calibration(ws: Workspace, session: Session) -> Calibration:
    """Each lead scored as it stood when it was routed, against whether it became an opportunity.

    Scoring at routing time, not now, is the point: engagement decays, and today's score of a
    lead won months ago says nothing about what predicted the win.
    """
    rows = queries.leads(session)
    events = queries.events_by_lead(session, None)
    outcomes = []
    for row in rows:
        lead = lead_from_row(row)
        start = lead.clock_start
        before = [event_from_row(e) for e in events.get(row.id or 0, []) if e.occurred_at <= start]
        score = score_lead(lead, before, ws.rules.scoring, start)
        converted = lead.opportunity_at is not None or lead.won_at is not None
        outcomes.append(Outcome(score, converted))
    return calibrate(outcomes)
