"""Read models: the queue, the SLA breaches and the report, assembled from the cache and the rules.

The command line prints these and the TUI shows them, so both always agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, Literal

from sqlmodel import Session, col, select

from leadtui.domain import cadence as cadences
from leadtui.domain.calendar import as_utc
from leadtui.domain.metrics import GroupMetrics, LeadFacts, group_metrics
from leadtui.domain.models import (
    BAD_EMAIL_OUTCOMES,
    BAD_PHONE_OUTCOMES,
    OPEN_STATUSES,
    Lead,
    LeadStatus,
)
from leadtui.domain.reasons import classify
from leadtui.domain.sla import Breach, breaches_for
from leadtui.domain.spend import with_spend
from leadtui.lead_views import LeadView as LeadView  # re-exported: callers know it from here
from leadtui.lead_views import build_views, in_queue_order
from leadtui.lead_views import minutes_in_system as minutes_in_system
from leadtui.store import queries
from leadtui.store.convert import enrolment_from_row
from leadtui.workspace import Workspace


def _views(
    ws: Workspace, session: Session, now: datetime, lead_rows: list[Any], with_context: bool
) -> dict[int, LeadView]:
    ids = [row.id for row in lead_rows]
    touches = queries.touches_by_lead(session, ids)
    enrolments = {
        lead_id: enrolment_from_row(row)
        for lead_id, row in queries.enrolments_by_lead(session, ids).items()
    }
    contexts = queries.context_summaries(session, ids) if with_context else {}
    return build_views(ws.rules, now, lead_rows, touches, enrolments, contexts)


def queue(ws: Workspace, session: Session, now: datetime, owner: str | None) -> list[LeadView]:
    """The rep's queue at `now`, most urgent first (snoozed and closed leads left out)."""
    rows = queries.leads(session, owner=owner, open_only=True)
    return in_queue_order(ws.rules, _views(ws, session, now, rows, with_context=True), now)


def lead_view(ws: Workspace, session: Session, lead_id: int, now: datetime) -> LeadView | None:
    row = session.get(queries.LeadRow, lead_id)
    if row is None:
        return None
    return _views(ws, session, now, [row], with_context=True)[lead_id]


@dataclass(frozen=True)
class BreachView:
    lead: Lead
    breach: Breach


def breaches(
    ws: Workspace,
    session: Session,
    now: datetime,
    owner: str | None = None,
    since: datetime | None = None,
) -> list[BreachView]:
    """Every SLA breach at `now`, newest due first; `since` keeps those due since then."""
    rows = queries.leads(session, owner=owner)
    views = _views(ws, session, now, rows, with_context=False)
    out = []
    for view in views.values():
        for breach in breaches_for(
            view.lead,
            view.touches,
            view.enrolment,
            ws.rules.policy,
            ws.rules.calendar,
            now,
            ws.rules.abandon_after_days,
            ws.rules.reasons,
        ):
            if since is None or as_utc(breach.due_at) >= as_utc(since):
                out.append(BreachView(view.lead, breach))
    out.sort(key=lambda b: (as_utc(b.breach.due_at), b.lead.id), reverse=True)
    return out


def lead_facts(
    ws: Workspace, session: Session, now: datetime, since: datetime | None = None
) -> list[LeadFacts]:
    """What the metrics need of every lead. Contact data is checked only for leads created at
    or after `since` (the others are outside the figures asked for, and checking an address or
    a number is most of the cost on a large cache); older leads carry phone_bad/email_bad False."""
    rows = queries.leads(session)
    views = _views(ws, session, now, rows, with_context=False)
    reasons = ws.config.disqualify_reasons
    region = ws.config.calendar.holidays.upper()  # the team's country, as the detail screen uses
    facts = []
    for view in views.values():
        lead = view.lead
        first = view.stl.first_touch_at
        outcomes = {t.outcome for t in view.touches}
        checked = since is None or as_utc(lead.created_at) >= as_utc(since)
        dropped = cadences.gave_up_early(
            lead,
            view.human_touches,
            view.enrolment,
            now,
            ws.rules.abandon_after_days,
            ws.rules.reasons,
        )
        facts.append(
            LeadFacts(
                lead_id=lead.id,
                source=lead.source or "(none)",
                owner=lead.owner or "(unassigned)",
                created_at=lead.created_at,
                stl_state=view.stl.state,
                first_response_minutes=(
                    (as_utc(first) - as_utc(lead.clock_start)).total_seconds() / 60
                    if first
                    else None
                ),
                opportunity_at=lead.opportunity_at,
                won_at=lead.won_at,
                deal_value=lead.deal_value,
                gave_up_early=dropped is not None,
                human_touches=view.human_touches,
                closed_at=lead.closed_at,
                overdue_now=lead.status in OPEN_STATUSES and view.overdue(now),
                disqualify_reason=(
                    classify(lead.disqualified_reason, reasons).key
                    if lead.status is LeadStatus.DISQUALIFIED
                    else None
                ),
                phone_bad=checked
                and (
                    bool(outcomes & BAD_PHONE_OUTCOMES)
                    or not _phone_ok(lead.phone, lead.country, region, lead.phone_bad)
                ),
                email_bad=checked
                and (
                    bool(outcomes & BAD_EMAIL_OUTCOMES) or not _email_ok(lead.email, lead.email_bad)
                ),
                handoff_minutes=handoff_minutes(lead),
                recycled_at=lead.recycled_at,
            )
        )
    return facts


def handoff_minutes(lead: Lead) -> float | None:
    """Form submitted to routed to a rep (the first routing, not a return from nurture)."""
    if lead.form_submitted_at is None:
        return None
    routed = lead.routed_at or lead.created_at
    minutes = (as_utc(routed) - as_utc(lead.form_submitted_at)).total_seconds() / 60
    return minutes if minutes >= 0 else None  # a form after routing is a later conversion


# Checking a number or an address costs 0.1-0.2 ms; the board re-reads every few seconds, so
# the answers are kept for the process (a report over 20,000 leads spent 5 s on them each time).
@lru_cache(maxsize=1 << 17)
def _email_ok(email: str, bounced: bool) -> bool:
    from leadtui.domain import contact

    return contact.check_email(email, bounced=bounced).valid


@lru_cache(maxsize=1 << 17)
def _phone_ok(phone: str, country: str, region: str, found_bad: bool) -> bool:
    from leadtui.domain import contact

    probe = Lead(0, "", "", "", "", LeadStatus.NEW, _EPOCH, phone=phone, country=country)
    probe = probe._replace(phone_bad=found_bad)
    return contact.lead_phone_check(probe, None if region == "NONE" else region).valid


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def report(
    ws: Workspace,
    session: Session,
    now: datetime,
    by: Literal["source", "rep"],
    since: datetime | None = None,
) -> list[GroupMetrics]:
    return report_of(ws, lead_facts(ws, session, now, since), now, by, since)


def report_of(
    ws: Workspace,
    facts: list[LeadFacts],
    now: datetime,
    by: Literal["source", "rep"],
    since: datetime | None = None,
) -> list[GroupMetrics]:
    """The report's figures from facts already loaded: `report`, the board and the agreement
    all come through here, so they cannot disagree."""
    metrics = group_metrics(facts, by=by, since=since, reasons=ws.config.disqualify_reasons)
    if by == "source" and ws.spend:
        metrics = with_spend(metrics, ws.spend, since, now, ws.rules.calendar.zone)
    return metrics


def views_for(
    ws: Workspace, session: Session, lead_ids: list[int], now: datetime
) -> dict[int, LeadView]:
    """Full views of just these leads: the TUI fetches the rows it shows, never all of them."""
    if not lead_ids:
        return {}
    rows = list(session.exec(select(queries.LeadRow).where(col(queries.LeadRow.id).in_(lead_ids))))
    return _views(ws, session, now, rows, with_context=False)
