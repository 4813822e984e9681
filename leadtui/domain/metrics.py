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
from leadtui.domain.reasons import DEFAULT_REASONS, DisqualifyReason

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
    # Lead quality, the loop back to marketing (issue 14).
    "disqualified",
    "disqualify_reasons",
    "bad_phone_pct",
    "bad_email_pct",
    "median_handoff_minutes",
    "p90_handoff_minutes",
    "accepted",
    "accepted_pct",
    "rejected",
    "rejected_pct",
    "recycled",
    "recycled_opportunities",
    "recycled_won",
    "recycled_revenue",
)
# Money by source: present only when the config has [[spend]] (leadtui.domain.spend).
MONEY_FIELDS: tuple[str, ...] = (
    "spend",
    "cost_per_lead",
    "cost_per_opportunity",
    "cost_per_won",
    "return_on_spend",
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
    # Lead quality. The reason is the pick-list key (reasons.classify) of a disqualified lead.
    disqualify_reason: str | None = None
    phone_bad: bool = False  # invalid at arrival, or a call found it wrong or dead
    email_bad: bool = False  # invalid at arrival, or an email to it bounced
    handoff_minutes: float | None = None  # form submitted -> routed to a rep
    recycled_at: datetime | None = None  # came back from nurture (leadtui.domain.recycle)


@dataclass(frozen=True, slots=True)
class ReasonShare:
    reason: str  # the pick-list key
    label: str
    count: int
    pct: float  # of the group's disqualified leads


@dataclass(frozen=True, slots=True)
class Money:
    """What a source cost over the report's period, against what it brought in.

    - spend: the configured spend prorated to the period, 2 decimals.
    - cost_per_lead / cost_per_opportunity / cost_per_won: spend over leads, opportunities, won
      deals; None when there are none.
    - return_on_spend: revenue / spend (3.5 means every 1 spent brought 3.5 back); None when the
      spend is 0.
    """

    spend: float
    cost_per_lead: float | None
    cost_per_opportunity: float | None
    cost_per_won: float | None
    return_on_spend: float | None


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
    - disqualified: leads disqualified; disqualify_reasons: how many for each pick-list reason
      and their share of the disqualified leads, most frequent first.
    - bad_phone_pct / bad_email_pct: share of leads whose phone / email was invalid at arrival
      (missing included) or found bad by a touch (wrong or dead number; a bounce).
    - median_handoff_minutes / p90_handoff_minutes: marketing's handoff time, from the form
      submitted to the lead routed to a rep, over leads whose form time is known; the 90th
      percentile interpolates linearly between the two nearest values. None when unknown.
    - accepted: leads sales worked past the first touch (two or more human touches) or that
      reached an opportunity; rejected: leads disqualified after at most one human touch without
      an opportunity; both also as a share of leads. The rest are still undecided.
    - recycled: leads that came back from nurture; recycled_opportunities / recycled_won /
      recycled_revenue: what they yielded after coming back.
    - money: None unless spend is configured for this source (see Money).
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
    disqualified: int = 0
    disqualify_reasons: tuple[ReasonShare, ...] = ()
    bad_phone_pct: float = 0.0
    bad_email_pct: float = 0.0
    median_handoff_minutes: float | None = None
    p90_handoff_minutes: float | None = None
    accepted: int = 0
    accepted_pct: float = 0.0
    rejected: int = 0
    rejected_pct: float = 0.0
    recycled: int = 0
    recycled_opportunities: int = 0
    recycled_won: int = 0
    recycled_revenue: float = 0.0
    money: Money | None = None


def group_metrics(
    facts: Iterable[LeadFacts],
    by: GroupBy,
    since: datetime | None = None,
    reasons: Sequence[DisqualifyReason] = DEFAULT_REASONS,
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
    labels = {r.key: r.label for r in reasons}
    metrics = [_metrics_of(key, members, labels) for key, members in groups.items()]
    metrics.sort(key=lambda m: (-m.revenue, -m.leads, m.key))
    return metrics


def to_json_dict(m: GroupMetrics, by: GroupBy) -> dict[str, Any]:
    """DESIGN.md's report object: "source" or "rep" first, then its fields in its order."""
    if by not in ("source", "rep"):
        raise ValueError(f"by: must be 'source' or 'rep', got {by!r}")
    out: dict[str, Any] = {by: m.key, **{name: getattr(m, name) for name in REPORT_FIELDS}}
    out["disqualify_reasons"] = [
        {"reason": r.reason, "label": r.label, "count": r.count, "pct": r.pct}
        for r in m.disqualify_reasons
    ]
    if m.money is not None:
        out |= {name: getattr(m.money, name) for name in MONEY_FIELDS}
    return out


def _metrics_of(key: str, members: Sequence[LeadFacts], labels: dict[str, str]) -> GroupMetrics:
    leads = len(members)
    met = sum(1 for f in members if f.stl_state is SpeedToLeadState.MET)
    breached = sum(1 for f in members if f.stl_state is SpeedToLeadState.BREACHED)
    responses = [f.first_response_minutes for f in members if f.first_response_minutes is not None]
    opportunities = sum(1 for f in members if f.opportunity_at is not None or f.won_at is not None)
    won = [f for f in members if f.won_at is not None]
    revenue = sum(f.deal_value or 0.0 for f in won)
    cycles = [(f.won_at - f.created_at).total_seconds() / 86400 for f in won if f.won_at]
    dropped = [f.human_touches for f in members if f.gave_up_early]
    quality = _quality(members, labels)
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
        **quality,
    )


def _quality(members: Sequence[LeadFacts], labels: dict[str, str]) -> dict[str, Any]:
    leads = len(members)
    reasons: dict[str, int] = {}
    for f in members:
        if f.disqualify_reason is not None:
            reasons[f.disqualify_reason] = reasons.get(f.disqualify_reason, 0) + 1
    disqualified = sum(reasons.values())
    shares = tuple(
        ReasonShare(key, labels.get(key, key), count, round(100 * count / disqualified, 1))
        for key, count in sorted(reasons.items(), key=lambda item: (-item[1], item[0]))
    )
    handoffs = sorted(f.handoff_minutes for f in members if f.handoff_minutes is not None)
    opportunity = [f.opportunity_at is not None or f.won_at is not None for f in members]
    accepted = sum(
        1 for f, opp in zip(members, opportunity, strict=True) if opp or f.human_touches >= 2
    )
    rejected = sum(
        1
        for f, opp in zip(members, opportunity, strict=True)
        if f.disqualify_reason is not None and not opp and f.human_touches <= 1
    )
    back = [f for f in members if f.recycled_at is not None]
    back_opps = [f for f in back if _since(f.opportunity_at or f.won_at, f.recycled_at)]
    back_won = [f for f in back if _since(f.won_at, f.recycled_at)]
    return {
        "disqualified": disqualified,
        "disqualify_reasons": shares,
        "bad_phone_pct": round(100 * sum(f.phone_bad for f in members) / leads, 1),
        "bad_email_pct": round(100 * sum(f.email_bad for f in members) / leads, 1),
        "median_handoff_minutes": _median(handoffs),
        "p90_handoff_minutes": _percentile(handoffs, 90),
        "accepted": accepted,
        "accepted_pct": round(100 * accepted / leads, 1),
        "rejected": rejected,
        "rejected_pct": round(100 * rejected / leads, 1),
        "recycled": len(back),
        "recycled_opportunities": len(back_opps),
        "recycled_won": len(back_won),
        "recycled_revenue": round(sum(f.deal_value or 0.0 for f in back_won), 2),
    }


def _since(moment: datetime | None, start: datetime | None) -> bool:
    return moment is not None and start is not None and moment >= start


def _percentile(ordered: Sequence[float], pct: int) -> float | None:
    """Linear interpolation between the closest ranks (numpy's default, Excel's PERCENTILE.INC)."""
    if not ordered:
        return None
    rank = (len(ordered) - 1) * pct / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return round(ordered[low] + (ordered[high] - ordered[low]) * (rank - low), 1)


def _pct(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _median(values: Sequence[float]) -> float | None:
    return round(statistics.median(values), 1) if values else None
