"""Funnel and SLA metrics by lead source or by rep: what `leadtui report` prints.

These are the figures RESEARCH.md says managers act on (conversion, revenue per lead, cycle
length, first response, SLA compliance, touches before a drop), not vanity counts.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from leadtui.domain.models import SpeedToLeadState

GroupBy = Literal["source", "rep"]

# DESIGN.md's `leadtui report --format json` keys after the group key, in its order; the last two
# are extras the table view shows.
REPORT_FIELDS: tuple[str, ...] = (
    "leads",
    "contacted_within_sla_pct",
    "median_first_response_minutes",
    "opportunities",
    "won",
    "lead_to_opportunity_pct",
    "opportunity_to_won_pct",
    "revenue",
    "revenue_per_lead",
    "avg_deal_value",
    "median_cycle_days",
    "gave_up_early",
    "overdue_now",
    "avg_touches_before_drop",
)


@dataclass(frozen=True, slots=True)
class LeadFacts:
    """What the metrics need of one lead, computed by the store and the speed-to-lead rules."""

    lead_id: int
    source: str
    owner: str
    created_at: datetime
    stl_state: SpeedToLeadState
    first_response_minutes: float | None  # to the first human touch; None when untouched
    opportunity_at: datetime | None
    won_at: datetime | None
    deal_value: float | None
    gave_up_early: bool
    human_touches: int
    closed_at: datetime | None
    overdue_now: bool


@dataclass(frozen=True, slots=True)
class GroupMetrics:
    """One source's or one rep's figures. Percentages are 0..100 rounded to 1 decimal.

    - leads: leads in the group (created at or after `since`, when given).
    - contacted_within_sla_pct: leads whose speed-to-lead window was met, as a share of those whose
      window has closed (met or breached); None when no window has closed yet. Pending and
      at-risk leads are left out: they can still go either way.
    - median_first_response_minutes: median minutes to the first human touch over the leads
      touched at all, 1 decimal; None when none was.
    - opportunities: leads that reached an opportunity (opportunity_at set, or won: a won deal
      was an opportunity even when the CRM never recorded the stage).
    - won: leads with won_at set.
    - lead_to_opportunity_pct: opportunities / leads.
    - opportunity_to_won_pct: won / opportunities; None when there are no opportunities.
    - revenue: sum of deal_value over won leads (a missing value counts 0), 2 decimals.
    - revenue_per_lead: revenue / leads, 2 decimals.
    - avg_deal_value: revenue / won, 2 decimals; None when nothing was won.
    - median_cycle_days: median days from created_at to won_at over won leads, 1 decimal; None
      when nothing was won.
    - gave_up_early: leads flagged as dropped before their 5th touch (RESEARCH.md: persistence).
    - overdue_now: leads with a touch overdue right now.
    - avg_touches_before_drop: mean human touches over the gave-up-early leads, 1 decimal; None
      when there are none.
    """

    key: str
    leads: int
    contacted_within_sla_pct: float | None
    median_first_response_minutes: float | None
    opportunities: int
    won: int
    lead_to_opportunity_pct: float
    opportunity_to_won_pct: float | None
    revenue: float
    revenue_per_lead: float
    avg_deal_value: float | None
    median_cycle_days: float | None
    gave_up_early: int
    overdue_now: int
    avg_touches_before_drop: float | None


def group_metrics(
    facts: Iterable[LeadFacts], by: GroupBy, since: datetime | None = None
) -> list[GroupMetrics]:
    """Metrics per source or per rep (the owner's email), of leads created at or after `since`.

    Sorted by revenue, then leads, both descending, then by key, so the table reads best-first
    and the order is stable.
    """
    if by not in ("source", "rep"):
        raise ValueError(f"by: must be 'source' or 'rep', got {by!r}")
    if since is not None and since.utcoffset() is None:
        raise ValueError(f"since must be timezone-aware, got {since!r}")
    groups: dict[str, list[LeadFacts]] = {}
    for fact in facts:
        if since is None or fact.created_at >= since:
            key = fact.source if by == "source" else fact.owner
            groups.setdefault(key, []).append(fact)
    metrics = [_metrics_of(key, members) for key, members in groups.items()]
    metrics.sort(key=lambda m: (-m.revenue, -m.leads, m.key))
    return metrics


def to_json_dict(m: GroupMetrics, by: GroupBy) -> dict[str, Any]:
    """DESIGN.md's report object: "source" or "rep" first, then its fields in its order."""
    if by not in ("source", "rep"):
        raise ValueError(f"by: must be 'source' or 'rep', got {by!r}")
    return {by: m.key, **{name: getattr(m, name) for name in REPORT_FIELDS}}


def _metrics_of(key: str, members: Sequence[LeadFacts]) -> GroupMetrics:
    leads = len(members)
    met = sum(1 for f in members if f.stl_state is SpeedToLeadState.MET)
    breached = sum(1 for f in members if f.stl_state is SpeedToLeadState.BREACHED)
    responses = [f.first_response_minutes for f in members if f.first_response_minutes is not None]
    opportunities = sum(1 for f in members if f.opportunity_at is not None or f.won_at is not None)
    won = [f for f in members if f.won_at is not None]
    revenue = sum(f.deal_value or 0.0 for f in won)
    cycles = [(f.won_at - f.created_at).total_seconds() / 86400 for f in won if f.won_at]
    dropped = [f.human_touches for f in members if f.gave_up_early]
    return GroupMetrics(
        key=key,
        leads=leads,
        contacted_within_sla_pct=_pct(met, met + breached),
        median_first_response_minutes=_median(responses),
        opportunities=opportunities,
        won=len(won),
        lead_to_opportunity_pct=round(100 * opportunities / leads, 1),  # a group has >= 1 lead
        opportunity_to_won_pct=_pct(len(won), opportunities),
        revenue=round(revenue, 2),
        revenue_per_lead=round(revenue / leads, 2),
        avg_deal_value=round(revenue / len(won), 2) if won else None,
        median_cycle_days=_median(cycles),
        gave_up_early=len(dropped),
        overdue_now=sum(1 for f in members if f.overdue_now),
        avg_touches_before_drop=round(statistics.fmean(dropped), 1) if dropped else None,
    )


def _pct(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _median(values: Sequence[float]) -> float | None:
    return round(statistics.median(values), 1) if values else None
