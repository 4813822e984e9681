"""The adapter against HubSpot as it really is (issue 9): a plain portal with nothing set up, an
Enterprise one, lost replies, busy contacts, custom pipelines, reps who left."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlmodel import col, select

from leadtui.demo import generate
from leadtui.domain.models import Channel, LeadStatus, Outcome, Touch
from leadtui.screens.loaders import load_detail
from leadtui.store.tables import EventRow, LeadRow, NoteRow, TouchRow
from sync.engine import SyncEngine
from sync.http import Forbidden
from sync.hubspot import WEB_ACTIVITY_OFF, HubSpotAdapter
from sync.protocol import AuthError, Scope, SyncError
from sync.sandbox import RunningSandbox, start_sandbox
from sync.sandbox.portal import Portal
from sync.sandbox.webevents import MARKETING_EMAIL_TYPES
from sync.service import SyncService
from tests.conftest import NOW
from tests.sync.conftest import make_adapter, make_workspace
from widgets.lead_detail_view import timeline_text

PLAIN = Portal()
ENTERPRISE = Portal(enterprise=True, unique_on_engagements=True)


@pytest.fixture(params=[PLAIN, ENTERPRISE], ids=["plain", "enterprise"])
def portal(request: pytest.FixtureRequest) -> Portal:
    return request.param  # type: ignore[no-any-return]


@pytest.fixture
def box(portal: Portal) -> Iterator[RunningSandbox]:
    with start_sandbox(seed=5, leads=30, reps=3, now=NOW, rate_limit=None, portal=portal) as sb:
        yield sb


@pytest.fixture
def adapter(box: RunningSandbox) -> Iterator[HubSpotAdapter]:
    made = make_adapter(box)
    made.sleep = lambda _: None  # lookups after a lost reply need not wait in tests
    yield made
    made.close()


def count_requests(adapter: HubSpotAdapter) -> Counter[str]:
    seen: Counter[str] = Counter()

    def hook(request: httpx.Request) -> None:
        seen[f"{request.method} {request.url.path}"] += 1

    adapter.http._client.event_hooks["request"].append(hook)
    return seen


def test_features_before_and_after_setup_and_setup_twice_changes_nothing(
    box: RunningSandbox, adapter: HubSpotAdapter, portal: Portal
) -> None:
    before = {f.name: f for f in adapter.features()}
    assert set(before) >= {
        "contacts_read",
        "contacts_write",
        "owners",
        "calls",
        "emails",
        "notes",
        "meetings",
        "deals",
        "web_activity",
        "custom_properties",
    }
    assert not before["custom_properties"].available
    assert "leadtui setup" in before["custom_properties"].why
    assert before["web_activity"].available is portal.enterprise
    if not portal.enterprise:
        assert "Enterprise" in before["web_activity"].why
    done = adapter.setup()
    assert any("property group" in line for line in done)
    assert adapter.setup() == [], "running setup twice changes nothing"
    after = {f.name: f for f in adapter.features()}
    assert after["custom_properties"].available
    groups = {p.group for t in ("calls", "deals") for p in box.crm.properties[t].values()}
    assert "leadtui" in groups
    unique = box.crm.properties["calls"]["leadtui_op_id"].unique
    assert unique is portal.unique_on_engagements
    assert box.crm.properties["deals"]["leadtui_op_id"].unique is True


def test_a_bad_token_is_an_auth_error_and_a_missing_schema_scope_is_named(
    tmp_path: Path,
) -> None:
    with start_sandbox(leads=3, reps=1, now=NOW, rate_limit=None, portal=Portal()) as sb:
        bad = make_adapter(sb, token="pat-na1-wrong")
        try:
            with pytest.raises(AuthError) as refused:
                bad.features()
            assert "401" in str(refused.value)
        finally:
            bad.close()
    with start_sandbox(
        leads=3, reps=1, now=NOW, rate_limit=None, portal=Portal(schema_write=False)
    ) as sb:
        limited = make_adapter(sb)
        try:
            with pytest.raises(Forbidden) as missing:
                limited.setup()
            assert "crm.schemas.calls.write" in str(missing.value)
        finally:
            limited.close()


def test_pull_on_either_portal_brings_touches_and_context(
    box: RunningSandbox, adapter: HubSpotAdapter, portal: Portal, tmp_path: Path
) -> None:
    adapter.setup()
    seen = count_requests(adapter)
    ws = make_workspace(tmp_path / "ws", box.base_url)
    try:
        report = SyncEngine(ws, adapter, scope=Scope(None)).pull(NOW)
        assert report.completed and report.leads == 30
        with ws.session() as session:
            touches = session.exec(select(TouchRow)).all()
            events = session.exec(select(EventRow)).all()
        assert touches and events
        summaries = [e for e in events if (e.crm_id or "").startswith("summary:")]
        if portal.enterprise:
            assert adapter.web_activity is True and adapter.notices == []
            # Only marketing email opens and clicks come from the summary there.
            assert {e.kind for e in summaries} <= {"email_open", "email_click"}
        else:
            assert summaries and adapter.web_activity is False
            assert adapter.notices == [WEB_ACTIVITY_OFF]
        if portal.enterprise:
            lead_id = next(e for e in events if e not in summaries).lead_id
        else:
            lead_id = summaries[0].lead_id
        detail = load_detail(ws, lead_id, NOW)
        assert detail is not None
        said = timeline_text(detail).plain
        first_line = said.splitlines()[0]
        assert first_line.startswith("From ")
        if portal.enterprise:
            assert first_line.startswith("From the CRM's web-activity events")
        else:
            assert "analytics summary" in first_line and "no web-activity API" in first_line
        served = sum(
            1
            for events in box.crm.events.values()
            for e in events
            if e.event_type not in MARKETING_EMAIL_TYPES
        )
        assert seen["GET /events/v3/events"] == (-(-served // 100) if portal.enterprise else 1), (
            "one stream per pull, not a request per contact"
        )
    finally:
        ws.close()


def test_deals_won_in_a_custom_pipeline_and_touches_by_a_rep_who_left(
    box: RunningSandbox, adapter: HubSpotAdapter, tmp_path: Path
) -> None:
    demo = generate(5, 30, 3, NOW)
    leaver = demo.owners[0].email
    box.crm.deactivate_owner(leaver)
    # Close two deals in the custom pipeline, whose stage ids are numbers: one signed, one not.
    deals = box.crm.tables["deals"]
    custom = [d for d in deals.live_ids if deals.records[d].props["pipeline"] == "31415926"]
    signed, walked = custom[:2]
    box.crm.edit("deals", signed, {"dealstage": "31415929"})
    box.crm.edit("deals", walked, {"dealstage": "31415930"})
    ws = make_workspace(tmp_path / "ws", box.base_url)
    try:
        SyncEngine(ws, adapter, scope=Scope(None)).pull(NOW)
        with ws.session() as session:
            rows = {r.crm_id: r for r in session.exec(select(LeadRow))}
            authors = {t.by for t in session.exec(select(TouchRow)) if not t.automated}
        for deal, status in ((signed, LeadStatus.WON), (walked, LeadStatus.LOST)):
            contact = box.crm.associated("deals", deal, "contacts")[0]
            assert rows[contact].status == status.value
        for item in demo.leads:
            if item.lead.status in (LeadStatus.WON, LeadStatus.LOST):
                contact = box.crm.find("contacts", "email", item.lead.email)[0]
                if not set(box.crm.associated("contacts", contact, "deals")) & {
                    str(signed),
                    str(walked),
                }:
                    assert rows[contact].status == item.lead.status.value
        assert leaver in authors, "a deactivated owner's touches keep their author"
    finally:
        ws.close()


def test_a_busy_contacts_associations_are_paged_to_the_end(tmp_path: Path) -> None:
    portal = Portal(association_page=4)
    with start_sandbox(seed=5, leads=3, reps=1, now=NOW, rate_limit=None, portal=portal) as sb:
        contact = str(sorted(sb.crm.table("contacts").live_ids)[0])
        owner = sb.crm.owners[0]["id"]
        for n in range(15):
            at = (NOW - timedelta(hours=n + 1)).isoformat().replace("+00:00", "Z")
            sb.crm.log_engagement("calls", contact, {"hs_timestamp": at, "hubspot_owner_id": owner})
        calls = len(sb.crm.associated("contacts", contact, "calls"))
        adapter = make_adapter(sb)
        ws = make_workspace(tmp_path / "ws", sb.base_url)
        try:
            SyncEngine(ws, adapter, scope=Scope(None)).pull(NOW)
            with ws.session() as session:
                lead = session.exec(select(LeadRow).where(LeadRow.crm_id == contact)).one()
                pulled = session.exec(
                    select(TouchRow).where(
                        TouchRow.lead_id == lead.id, col(TouchRow.channel) == "call"
                    )
                ).all()
            assert calls >= 15 and len(pulled) == calls
        finally:
            adapter.close()
            ws.close()


def _own(box: RunningSandbox, object_type: str, op_id: str) -> list[str]:
    return box.crm.find(object_type, "leadtui_op_id", op_id)


@pytest.mark.parametrize("fault", ["drop_after_commit", "error_after_commit"])
def test_a_create_whose_reply_is_lost_lands_exactly_once(
    box: RunningSandbox, adapter: HubSpotAdapter, fault: str
) -> None:
    adapter.setup()
    contact = str(sorted(box.crm.table("contacts").live_ids)[0])
    rep = box.crm.owners[0]["email"]
    touch = Touch(Channel.CALL, Outcome.LEFT_VOICEMAIL, NOW, "left a message", rep)
    getattr(box.faults, fault)(1)
    first = adapter.create_touch(contact, touch, "op-lost-1")
    assert box.faults.snapshot()[fault] == 0, "the fault fired"
    assert _own(box, "calls", "op-lost-1") == [first.crm_id]
    assert box.crm.associated("calls", first.crm_id, "contacts") == [contact]
    again = adapter.create_touch(contact, touch, "op-lost-1")
    assert again.crm_id == first.crm_id and len(_own(box, "calls", "op-lost-1")) == 1


def test_the_lookup_waits_out_the_search_index_lag(box: RunningSandbox) -> None:
    adapter = make_adapter(box)
    waited: list[float] = []

    def sleep(seconds: float) -> None:
        waited.append(seconds)
        box.crm.advance_clock(timedelta(seconds=seconds))

    adapter.sleep = sleep
    try:
        adapter.setup()
        contact = str(sorted(box.crm.table("contacts").live_ids)[0])
        box.faults.search_lag(2.5)
        box.faults.drop_after_commit(1)
        made = adapter.create_note(contact, "called back", NOW, "op-lag-1")
        assert _own(box, "notes", "op-lag-1") == [made.crm_id]
        if not box.crm.properties["notes"]["leadtui_op_id"].unique:
            assert sum(waited) >= 2.5, "looked again once the index could show it"
    finally:
        adapter.close()


def test_offline_touches_reach_the_crm_once_through_the_outbox_despite_lost_replies(
    box: RunningSandbox, tmp_path: Path
) -> None:
    ws = make_workspace(tmp_path / "ws", box.base_url)
    service = SyncService(ws, lambda: make_adapter(box))
    try:
        make_adapter(box).setup()
        assert service.run_once(NOW).online
        with ws.session() as session:
            leads = list(session.exec(select(LeadRow).order_by(col(LeadRow.id)).limit(3)))
        for lead in leads:
            ws.log_touch(lead.id or 0, "call", "no_answer", NOW)
            ws.add_note(lead.id or 0, "tried once", NOW)
        box.faults.drop_after_commit(2)
        for step in range(4):
            result = service.run_once(NOW + timedelta(minutes=step))
            if result.pending == 0:
                break
        assert result.pending == 0 and result.dead == 0
        ops = Counter(
            r.props.get("leadtui_op_id")
            for t in ("calls", "notes")
            for r in box.crm.tables[t].records.values()
            if r.props.get("leadtui_op_id")
        )
        assert ops and all(n == 1 for n in ops.values()), ops
        assert sum(1 for op in ops if op) >= 3
    finally:
        service.close()
        ws.close()


def test_a_backward_status_is_cleared_first_so_it_lands(
    box: RunningSandbox, adapter: HubSpotAdapter
) -> None:
    contact = str(sorted(box.crm.table("contacts").live_ids)[0])
    box.crm.edit_contact(contact, {"lifecyclestage": "opportunity", "hs_lead_status": "OPEN_DEAL"})
    adapter.update_lead(contact, {"status": LeadStatus.NURTURE.value})
    props = box.crm.contact(contact)
    assert (props["lifecyclestage"], props["hs_lead_status"]) == (
        "marketingqualifiedlead",
        "BAD_TIMING",
    )


def test_a_push_before_setup_says_to_run_setup(box: RunningSandbox) -> None:
    adapter = make_adapter(box)
    try:
        contact = str(sorted(box.crm.table("contacts").live_ids)[0])
        with pytest.raises(SyncError) as told:
            adapter.create_note(contact, "hi", NOW, "op-early")
        assert "leadtui setup" in str(told.value)
    finally:
        adapter.close()


def test_requests_of_a_first_pull_and_of_an_unchanged_incremental_one(
    box: RunningSandbox, adapter: HubSpotAdapter, portal: Portal, tmp_path: Path
) -> None:
    adapter.setup()
    ws = make_workspace(tmp_path / "ws", box.base_url)
    try:
        first = count_requests(adapter)
        SyncEngine(ws, adapter, scope=Scope(None)).pull(NOW)
        # Up to 1,000 contacts share one association read per type (six types).
        assert first["POST /crm/v4/associations/contacts/calls/batch/read"] == 1
        assert sum(v for k, v in first.items() if "/crm/v4/associations/" in k) == 6
        first_total = sum(first.values())
        adapter.http._client.event_hooks["request"].clear()
        again = count_requests(adapter)
        later = NOW + timedelta(hours=1)
        SyncEngine(ws, adapter, scope=Scope(None), clock=lambda: later).pull(later)
        assert sum(again.values()) <= 12 < first_total
    finally:
        ws.close()


def test_a_seeded_busy_contact_keeps_every_note_and_its_departed_author(tmp_path: Path) -> None:
    portal = Portal(busy_contacts=1, former_owners=1)
    with start_sandbox(seed=5, leads=5, reps=1, now=NOW, rate_limit=None, portal=portal) as sb:
        contact = str(min(sb.crm.table("contacts").live_ids))
        notes = sb.crm.associated("contacts", contact, "notes")
        assert len(notes) > portal.association_page, "more than one association page"
        former = sb.crm.archived_owners[0]["email"]
        adapter = make_adapter(sb)
        ws = make_workspace(tmp_path / "ws", sb.base_url)
        try:
            SyncEngine(ws, adapter, scope=Scope(None)).pull(NOW)
            with ws.session() as session:
                lead = session.exec(select(LeadRow).where(LeadRow.crm_id == contact)).one()
                pulled = session.exec(select(NoteRow).where(NoteRow.lead_id == lead.id)).all()
            assert len(pulled) == len(notes)
            assert {n.by for n in pulled if n.body.startswith("Old CRM note")} == {former}
        finally:
            adapter.close()
            ws.close()


def test_a_token_without_the_email_scope_syncs_everything_else(tmp_path: Path) -> None:
    portal = Portal(unscoped=frozenset({"emails"}))
    with start_sandbox(seed=5, leads=20, reps=2, now=NOW, rate_limit=None, portal=portal) as sb:
        adapter = make_adapter(sb)
        ws = make_workspace(tmp_path / "ws", sb.base_url)
        service = SyncService(ws, lambda: make_adapter(sb))
        try:
            features = {f.name: f for f in adapter.features()}
            assert not features["emails"].available
            assert "sales-email-read" in features["emails"].why
            assert features["calls"].available
            done = adapter.setup()
            assert any(line.startswith("skipped emails") for line in done)
            result = service.run_once(NOW)
            assert result.online and result.error is None and result.pulled == 20
            assert any(n.startswith("Emails are off") for n in result.notices)
            with ws.session() as session:
                channels = {t.channel for t in session.exec(select(TouchRow))}
                lead = session.exec(select(LeadRow).order_by(col(LeadRow.id))).first()
            assert "call" in channels and "email" not in channels
            assert lead is not None
            ws.log_touch(lead.id or 0, "email", "sent", NOW)
            ws.log_touch(lead.id or 0, "call", "no_answer", NOW)
            after = service.run_once(NOW)
            assert after.online and after.error is None
            assert after.dead == 1, "the email is rejected with the scope to add"
            assert len(_own_any(sb, "calls")) == 1
        finally:
            service.close()
            adapter.close()
            ws.close()


def _own_any(box: RunningSandbox, object_type: str) -> list[str]:
    table = box.crm.tables[object_type]
    return [str(i) for i in table.live_ids if table.records[i].props.get("leadtui_op_id")]
