"""Manager picture figures, computed by hand on a handful of leads."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from leadtui.domain.distributions import compliance_by_day, funnels, response_histogram
from leadtui.domain.metrics import LeadFacts
from leadtui.domain.models import SpeedToLeadState as S

MON = datetime(2026, 11, 16, 14, 0, tzinfo=UTC)


def fact(i, source, state, minutes, *, created=MON, opp=False, won=False) -> LeadFacts:
    return LeadFacts(
        lead_id=i,
        source=source,
        owner="a@x.example",
        created_at=created,
        stl_state=state,
        first_response_minutes=minutes,
        opportunity_at=created + timedelta(days=2) if opp else None,
        won_at=created + timedelta(days=30) if won else None,
        deal_value=1000.0 if won else None,
        gave_up_early=False,
        human_touches=1 if minutes is not None else 0,
        closed_at=None,
        overdue_now=False,
    )


FACTS = [
    fact(1, "webinar", S.MET, 3),
    fact(2, "webinar", S.MET, 45, opp=True, won=True),
    fact(3, "webinar", S.BREACHED, 300, opp=True),
    fact(4, "referral", S.BREACHED, None),
    # 03:00 UTC on Tuesday is still Monday evening in New York.
    fact(5, "referral", S.MET, 12, created=MON + timedelta(hours=13)),
    fact(6, "referral", S.PENDING, None, created=MON + timedelta(days=1)),
]


def test_response_histogram_buckets_and_never() -> None:
    counts = dict(response_histogram(FACTS))
    assert counts == {
        "<5m": 1, "5-15m": 1, "15-30m": 0, "30-60m": 1, "1-4h": 0, "4-24h": 1, ">24h": 0,
        "not yet": 2,
    }  # fmt: skip


def test_compliance_by_day_in_the_managers_zone() -> None:
    days = compliance_by_day(FACTS, ZoneInfo("America/New_York"))
    assert [(d.day, d.met, d.breached) for d in days] == [(date(2026, 11, 16), 3, 2)]
    assert days[0].pct == 60.0
    utc_days = compliance_by_day(FACTS, UTC)
    assert [(d.day, d.met, d.breached) for d in utc_days] == [
        (date(2026, 11, 16), 2, 2),
        (date(2026, 11, 17), 1, 0),
    ]


def test_funnels_per_source() -> None:
    assert [(f.source, f.leads, f.contacted, f.opportunities, f.won) for f in funnels(FACTS)] == [
        ("referral", 3, 1, 0, 0),
        ("webinar", 3, 3, 2, 1),
    ]
