"""Leads that come back: the rules with fixed times, and the lead back in its rep's queue."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from leadtui import views
from leadtui.cli import main
from leadtui.config import ConfigError, parse
from leadtui.domain.models import Event, EventKind, Lead, LeadStatus, SpeedToLeadState
from leadtui.domain.recycle import RecyclePolicy, RecycleRule, comeback, policy_from_config
from leadtui.store.tables import EventRow, LeadRow, OutboxRow
from leadtui.workspace import Workspace
from tests.marketing.conftest import ANA, NOW

ROUTED = NOW - timedelta(days=30)
NURTURED = Lead(1, "N", "n@x.example", ANA.email, "webinar", LeadStatus.NURTURE, ROUTED, ROUTED)


def pricing(at: datetime) -> Event:
    return Event(EventKind.PAGE_VIEW, at, "https://x.example/pricing", "Pricing")


def test_a_visit_just_inside_the_window_brings_the_lead_back() -> None:
    inside = NOW - timedelta(days=7) + timedelta(seconds=1)
    back = comeback(NURTURED, [pricing(inside)], RecyclePolicy(), NOW)
    assert back is not None
    assert (back.at, back.reason) == (inside, "back: viewed pricing")


def test_a_visit_just_outside_the_window_does_not() -> None:
    outside = NOW - timedelta(days=7) - timedelta(seconds=1)
    assert comeback(NURTURED, [pricing(outside)], RecyclePolicy(), NOW) is None


def test_a_visit_in_the_future_or_before_the_handover_does_not_count() -> None:
    assert comeback(NURTURED, [pricing(NOW + timedelta(minutes=1))], RecyclePolicy(), NOW) is None
    # Back yesterday and nurtured again since: the visit that brought it back counts no more.
    again = Lead(**{**_fields(NURTURED), "recycled_at": NOW - timedelta(days=1)})
    assert comeback(again, [pricing(NOW - timedelta(days=2))], RecyclePolicy(), NOW) is None
    assert comeback(again, [pricing(NOW - timedelta(hours=1))], RecyclePolicy(), NOW) is not None


def test_twice_this_week_and_a_rule_needing_two() -> None:
    twice = [pricing(NOW - timedelta(days=3)), pricing(NOW - timedelta(hours=2))]
    back = comeback(NURTURED, twice, RecyclePolicy(), NOW)
    assert back is not None and back.reason == "back: viewed pricing twice this week"
    rule = RecycleRule(EventKind.PAGE_VIEW, "viewed pricing", ("/pricing",), times=2)
    strict = RecyclePolicy(rules=(rule,))
    assert comeback(NURTURED, twice[:1], strict, NOW) is None
    second = comeback(NURTURED, twice, strict, NOW)
    assert second is not None and second.at == twice[1].occurred_at


def test_only_nurture_and_not_ready_closes_can_come_back() -> None:
    visit = [pricing(NOW - timedelta(hours=1))]
    working = Lead(**{**_fields(NURTURED), "status": LeadStatus.WORKING})
    assert comeback(working, visit, RecyclePolicy(), NOW) is None
    closed = NOW - timedelta(days=2)
    not_ready = Lead(
        **{
            **_fields(NURTURED),
            "status": LeadStatus.DISQUALIFIED,
            "closed_at": closed,
            "disqualified_reason": "Not ready to buy (nurture)",
        }
    )
    assert comeback(not_ready, visit, RecyclePolicy(), NOW) is not None
    no_budget = Lead(**{**_fields(not_ready), "disqualified_reason": "no_budget"})
    assert comeback(no_budget, visit, RecyclePolicy(), NOW) is None
    # A visit before the close is what the rep already knew about.
    assert comeback(not_ready, [pricing(closed - timedelta(hours=1))], RecyclePolicy(), NOW) is None


def _fields(lead: Lead) -> dict:
    return lead._asdict()


def test_recycle_rules_from_config() -> None:
    rules = '[[recycle.rules]]\nkind = "webinar"\nsays = "came to a webinar"\n'
    config = parse("[recycle]\nwindow_days = 3\n" + rules)
    policy = config.recycle_policy
    assert policy.window_days == 3 and policy.rules[0].says == "came to a webinar"
    with pytest.raises(ConfigError, match=r"\(line 2\).*window_days must be"):
        parse("[recycle]\nwindow_days = 0\n")
    with pytest.raises(ConfigError, match="kind must be one of"):
        parse('[recycle]\n[[recycle.rules]]\nkind = "visit"\nsays = "x"\n')
    assert policy_from_config(None) == RecyclePolicy()


def test_a_nurtured_lead_that_views_pricing_returns_to_its_reps_queue(
    shop_ws: Workspace, shop_dir: Path, capsys
) -> None:
    visit = NOW - timedelta(minutes=10)
    shop_ws.snooze(5, NOW + timedelta(days=20), NOW - timedelta(days=1))  # parked in nurture
    with shop_ws.session() as session:
        session.add(
            EventRow(lead_id=5, kind="page_view", occurred_at=visit, url="https://s/pricing")
        )
        shop_ws.refresh(session, [5], NOW)
    with shop_ws.session() as session:
        row = session.get(LeadRow, 5)
        assert row is not None
        assert (row.status, row.recycled_at, row.recycle_reason) == (
            "working",
            visit,
            "back: viewed pricing",
        )
        assert row.snoozed_until is None  # back means visible, whatever the snooze said
        queued = session.exec(
            select(OutboxRow).where(OutboxRow.lead_id == 5, OutboxRow.kind == "update_lead")
        ).all()[-1]
        assert queued.payload["fields"]["status"] == {"before": "nurture", "after": "working"}
        (first, *_) = views.queue(shop_ws, session, NOW, ANA.email)
    # First in the queue: a fresh window from the visit, 50 minutes left, though it was
    # touched three times before it went to nurture.
    assert first.lead.id == 5 and first.stl.state is SpeedToLeadState.PENDING
    assert first.stl.minutes_left == 50
    assert first.enrolment is not None and first.enrolment.due_at == first.stl.deadline
    assert main(["--now", NOW.isoformat(), "queue", "--format", "json"]) == 0
    top = json.loads(capsys.readouterr().out)[0]
    assert top["id"] == 5 and top["recycle"]["reason"] == "back: viewed pricing"
    assert datetime.fromisoformat(top["recycle"]["at"]) == visit
    # Refreshing again changes nothing: one visit brings a lead back once.
    with shop_ws.session() as session:
        shop_ws.refresh(session, [5], NOW + timedelta(minutes=1))
        ops = session.exec(select(OutboxRow).where(OutboxRow.lead_id == 5)).all()
        assert [
            o.payload["fields"].get("status")
            for o in ops
            if "status" in o.payload.get("fields", {})
        ] == [{"before": "nurture", "after": "working"}]
    # The board counts it by source.
    rows = {r["source"]: r for r in _report(capsys)}
    assert rows["webinar"]["recycled"] == 1 and rows["paid_search"]["recycled"] == 0


def _report(capsys) -> list[dict]:
    assert main(["--now", NOW.isoformat(), "report", "--format", "json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_a_pricing_visit_in_the_crm_brings_the_lead_back_after_a_pull(tmp_path: Path) -> None:
    from sync.engine import SyncEngine
    from sync.sandbox import start_sandbox
    from tests.conftest import NOW as SEEDED_AT
    from tests.sync.conftest import make_adapter, make_workspace

    with start_sandbox(seed=5, leads=60, reps=2, now=SEEDED_AT, rate_limit=None) as sandbox:
        ws = make_workspace(tmp_path / "ws", sandbox.base_url)
        adapter = make_adapter(sandbox)
        try:
            engine = SyncEngine(ws, adapter, clock=lambda: datetime.now(UTC))
            assert engine.pull(SEEDED_AT).completed
            contact = sandbox.crm.add_pricing_visit()
            assert contact is not None, "the seeded portal has nurtured contacts"
            later = datetime.fromtimestamp(sandbox.crm.now_ms() / 1000, tz=UTC)
            assert engine.pull(later).completed
            with ws.session() as session:
                row = session.exec(select(LeadRow).where(LeadRow.crm_id == contact)).one()
                view = views.lead_view(ws, session, row.id or 0, later)
        finally:
            adapter.close()
            ws.close()
    assert row.status == "working" and row.recycle_reason == "back: viewed pricing"
    assert view is not None and view.stl.state is SpeedToLeadState.PENDING
