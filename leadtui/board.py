"""The manager's read model: breaches of a period, reps, sources, pictures and calibration.

One pass over the cache builds everything the manager's screens show, so the tabs agree with
each other and with `leadtui sla` / `leadtui report` (which call the same views).
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
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
from leadtui.domain.metrics import GroupMetrics, LeadFacts
from leadtui.domain.models import BreachKind
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
    breaches = views.breaches(ws, session, now, owner=None, since=since)
    return Board(
        now=now,
        period=period,
        since=since,
        breaches=breaches,
        reps=reps_of_period(views.report_of(ws, facts, now, "rep", since), facts, breaches),
        sources=views.report_of(ws, facts, now, "source", since),
        response_times=response_histogram(recent),
        compliance=compliance_by_day(recent, ws.rules.calendar.zone)[-14:],
        funnels=funnels(recent),
        calibration=calibration(ws, session, since),
    )


def reps_of_period(
    cohort_metrics: Sequence[GroupMetrics],
    facts: Sequence[LeadFacts],
    breaches: Sequence[views.BreachView],
) -> list[GroupMetrics]:
    """Per rep: the cohort figures of leads created in the period, and two that are not.

    "gave up" counts the give-ups the SLA tab lists for the period (a lead created last month
    and dropped today is today's give-up), and "overdue now" is the state right now, whatever
    the period: both tabs then agree, and switching periods does not change what is late now.
    """
    cohort = {m.key: m for m in cohort_metrics}
    by_id = {f.lead_id: f for f in facts}
    dropped: dict[str, list[int]] = {}
    for item in breaches:
        if item.breach.kind is BreachKind.GAVE_UP_EARLY and item.lead.id in by_id:
            fact = by_id[item.lead.id]
            dropped.setdefault(fact.owner, []).append(fact.human_touches)
    overdue = Counter(f.owner for f in facts if f.overdue_now)
    reps = []
    for key in cohort.keys() | dropped.keys() | overdue.keys():
        touches = dropped.get(key, [])
        reps.append(
            replace(
                cohort.get(key) or _no_leads(key),
                gave_up_early=len(touches),
                avg_touches_before_drop=round(statistics.fmean(touches), 1) if touches else None,
                overdue_now=overdue[key],
            )
        )
    reps.sort(key=lambda m: (-m.revenue, -m.leads, m.key))
    return reps


def _no_leads(key: str) -> GroupMetrics:
    """A rep with no new leads in the period, listed for their give-ups or overdue leads."""
    return GroupMetrics(
        key=key, leads=0, contacted_within_sla_pct=None, median_first_response_minutes=None,
        opportunities=0, won=0, lead_to_opportunity_pct=0.0, opportunity_to_won_pct=None,
        revenue=0.0, revenue_per_lead=0.0, avg_deal_value=None, median_cycle_days=None,
        gave_up_early=0, overdue_now=0, avg_touches_before_drop=None,
    )  # fmt: skip


def calibration(ws: Workspace, session: Session, since: datetime | None = None) -> Calibration:
    """Each lead routed since `since` scored as it stood then, against whether it became an
    opportunity.

    Scoring at routing time, not now, is the point: engagement decays, and today's score of a
    lead won months ago says nothing about what predicted the win.
    """
    rows = queries.leads(session)
    events = queries.events_by_lead(session, None)
    outcomes = []
    for row in rows:
        lead = lead_from_row(row)
        start = lead.clock_start
        if since is not None and as_utc(start) < as_utc(since):
            continue
        before = [event_from_row(e) for e in events.get(row.id or 0, []) if e.occurred_at <= start]
        score = score_lead(lead, before, ws.rules.scoring, start)
        converted = lead.opportunity_at is not None or lead.won_at is not None
        outcomes.append(Outcome(score, converted))
    return calibrate(outcomes)
