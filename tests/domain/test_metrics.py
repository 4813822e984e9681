from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from leadtui.domain.metrics import (
    REPORT_FIELDS,
    GroupMetrics,
    LeadFacts,
    group_metrics,
    to_json_dict,
)
from leadtui.domain.models import SpeedToLeadState

MET, BREACHED, PENDING = SpeedToLeadState.MET, SpeedToLeadState.BREACHED, SpeedToLeadState.PENDING


def at(month: int, day: int, hour: int = 9) -> datetime:
    return datetime(2025, month, day, hour, tzinfo=UTC)


def facts(
    lead_id: int,
    source: str,
    owner: str,
    created_at: datetime,
    stl_state: SpeedToLeadState,
    first_response_minutes: float | None,
    *,
    opportunity_at: datetime | None = None,
    won_at: datetime | None = None,
    deal_value: float | None = None,
    gave_up_early: bool = False,
    human_touches: int = 0,
    overdue_now: bool = False,
) -> LeadFacts:
    return LeadFacts(
        lead_id=lead_id,
        source=source,
        owner=owner,
        created_at=created_at,
        stl_state=stl_state,
        first_response_minutes=first_response_minutes,
        opportunity_at=opportunity_at,
        won_at=won_at,
        deal_value=deal_value,
        gave_up_early=gave_up_early,
        human_touches=human_touches,
        closed_at=won_at,
        overdue_now=overdue_now,
    )


ALICE, BOB = "alice@example.com", "bob@example.com"

# Six leads; every figure below is worked out by hand from this table.
SIX = [
    # won 20.5 days after creation
    facts(1, "webinar", ALICE, at(1, 1), MET, 10, opportunity_at=at(1, 5), won_at=at(1, 21, 21),
          deal_value=10_000, human_touches=6),
    facts(2, "webinar", BOB, at(1, 2), BREACHED, 120, gave_up_early=True, human_touches=2),
    facts(3, "webinar", ALICE, at(1, 3), PENDING, None, overdue_now=True),
    facts(4, "paid_search", BOB, at(1, 1), MET, 30, opportunity_at=at(1, 10), won_at=at(1, 31),
          deal_value=5_000, human_touches=5),
    facts(5, "paid_search", ALICE, at(1, 4), MET, 20, opportunity_at=at(1, 8), human_touches=4),
    # won without the CRM ever recording an opportunity stage: still an opportunity
    facts(6, "referral", BOB, at(2, 1), BREACHED, 90, won_at=at(2, 11), deal_value=20_000,
          human_touches=3),
]  # fmt: skip


def test_by_source_on_six_leads() -> None:
    assert group_metrics(SIX, by="source") == [
        GroupMetrics(
            key="referral",
            leads=1,
            contacted_within_sla_pct=0.0,
            median_first_response_minutes=90.0,
            opportunities=1,
            won=1,
            lead_to_opportunity_pct=100.0,
            opportunity_to_won_pct=100.0,
            revenue=20_000.0,
            revenue_per_lead=20_000.0,
            avg_deal_value=20_000.0,
            median_cycle_days=10.0,
            gave_up_early=0,
            overdue_now=0,
            avg_touches_before_drop=None,
            accepted=1,  # three touches and a deal
            accepted_pct=100.0,
        ),
        GroupMetrics(
            key="webinar",
            leads=3,
            contacted_within_sla_pct=50.0,  # 1 met of 2 closed; the pending one is left out
            median_first_response_minutes=65.0,  # median of 10 and 120
            opportunities=1,
            won=1,
            lead_to_opportunity_pct=33.3,
            opportunity_to_won_pct=100.0,
            revenue=10_000.0,
            revenue_per_lead=3_333.33,
            avg_deal_value=10_000.0,
            median_cycle_days=20.5,
            gave_up_early=1,
            overdue_now=1,
            avg_touches_before_drop=2.0,
            accepted=2,  # leads 1 and 2 were worked past the first touch; 3 never was
            accepted_pct=66.7,
        ),
        GroupMetrics(
            key="paid_search",
            leads=2,
            contacted_within_sla_pct=100.0,
            median_first_response_minutes=25.0,
            opportunities=2,
            won=1,
            lead_to_opportunity_pct=100.0,
            opportunity_to_won_pct=50.0,
            revenue=5_000.0,
            revenue_per_lead=2_500.0,
            avg_deal_value=5_000.0,
            median_cycle_days=30.0,
            gave_up_early=0,
            overdue_now=0,
            avg_touches_before_drop=None,
            accepted=2,
            accepted_pct=100.0,
        ),
    ]


def test_by_rep_on_six_leads() -> None:
    bob, alice = group_metrics(SIX, by="rep")
    assert (bob.key, alice.key) == (BOB, ALICE)

    assert bob.leads == 3
    assert bob.contacted_within_sla_pct == 33.3  # 1 met of 3 closed
    assert bob.median_first_response_minutes == 90.0  # of 120, 30, 90
    assert (bob.opportunities, bob.won) == (2, 2)
    assert (bob.lead_to_opportunity_pct, bob.opportunity_to_won_pct) == (66.7, 100.0)
    assert (bob.revenue, bob.revenue_per_lead, bob.avg_deal_value) == (25_000.0, 8_333.33, 12_500.0)
    assert bob.median_cycle_days == 20.0  # of 30 and 10
    assert (bob.gave_up_early, bob.avg_touches_before_drop, bob.overdue_now) == (1, 2.0, 0)

    assert alice.leads == 3
    assert alice.contacted_within_sla_pct == 100.0  # 2 met; the pending one is left out
    assert alice.median_first_response_minutes == 15.0
    assert (alice.opportunities, alice.won) == (2, 1)
    assert (alice.lead_to_opportunity_pct, alice.opportunity_to_won_pct) == (66.7, 50.0)
    assert (alice.revenue, alice.revenue_per_lead, alice.avg_deal_value) == (
        10_000.0,
        3_333.33,
        10_000.0,
    )
    assert alice.median_cycle_days == 20.5
    assert (alice.gave_up_early, alice.avg_touches_before_drop, alice.overdue_now) == (0, None, 1)


def test_since_keeps_leads_created_at_or_after_it() -> None:
    by_source = {m.key: m for m in group_metrics(SIX, by="source", since=at(1, 2))}
    assert {k: m.leads for k, m in by_source.items()} == {
        "webinar": 2,
        "paid_search": 1,
        "referral": 1,
    }
    webinar = by_source["webinar"]
    assert webinar.contacted_within_sla_pct == 0.0  # lead 2 breached; lead 3 still pending
    assert (webinar.won, webinar.revenue, webinar.avg_deal_value) == (0, 0.0, None)
    assert (webinar.opportunity_to_won_pct, webinar.median_cycle_days) == (None, None)


def test_nothing_closed_or_touched_gives_none_not_zero() -> None:
    (m,) = group_metrics([facts(1, "ads", ALICE, at(1, 1), PENDING, None)], by="source")
    assert m.contacted_within_sla_pct is None
    assert m.median_first_response_minutes is None
    assert m.lead_to_opportunity_pct == 0.0
    assert m.opportunity_to_won_pct is None
    assert (m.revenue, m.revenue_per_lead) == (0.0, 0.0)


def test_groups_with_equal_revenue_sort_by_leads_then_key() -> None:
    rows = [
        facts(1, "b", ALICE, at(1, 1), MET, 5),
        facts(2, "a", ALICE, at(1, 1), MET, 5),
        facts(3, "c", ALICE, at(1, 1), MET, 5),
        facts(4, "c", ALICE, at(1, 1), MET, 5),
    ]
    assert [m.key for m in group_metrics(rows, by="source")] == ["c", "a", "b"]


def test_won_without_a_deal_value_counts_as_won_with_no_revenue() -> None:
    rows = [
        facts(1, "ads", ALICE, at(1, 1), MET, 5, won_at=at(1, 3), deal_value=None),
        facts(2, "ads", ALICE, at(1, 1), MET, 5, won_at=at(1, 5), deal_value=3_000),
    ]
    (m,) = group_metrics(rows, by="source")
    assert (m.won, m.revenue, m.avg_deal_value, m.median_cycle_days) == (2, 3_000.0, 1_500.0, 3.0)


def test_empty_input_gives_no_groups() -> None:
    assert group_metrics([], by="rep") == []


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(ValueError, match="by: must be 'source' or 'rep'"):
        group_metrics(SIX, by="region")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="timezone-aware"):
        group_metrics(SIX, by="rep", since=datetime(2025, 1, 1))


def test_json_keys_follow_design_md_order() -> None:
    (referral, *_) = group_metrics(SIX, by="source")
    row = to_json_dict(referral, "source")
    assert list(row)[:15] == [
        "source",
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
    ]
    # Lead quality follows (issue 14); money only with [[spend]] configured.
    assert list(row)[15:] == list(REPORT_FIELDS[14:])
    assert "spend" not in row
    assert row["source"] == "referral"
    assert json.loads(json.dumps(row))["avg_touches_before_drop"] is None

    (bob, _) = group_metrics(SIX, by="rep")
    assert next(iter(to_json_dict(bob, "rep").items())) == ("rep", BOB)
