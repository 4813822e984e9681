"""A pull derives its new leads' figures from the records it just stored, without reading them
back (sync.cache.StoredPage.added): those inputs must be exactly what the store gives back."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import select

from leadtui.domain.models import (
    Channel,
    Event,
    EventKind,
    Lead,
    LeadStatus,
    Outcome,
    Touch,
)
from leadtui.store import queries
from leadtui.store.tables import EnrolmentRow, LeadRow, table_of
from leadtui.workspace import Workspace
from sync import cache
from sync.engine import SyncEngine
from sync.protocol import PulledEvent, PulledLead, PulledTouch
from sync.sandbox import RunningSandbox
from tests.conftest import NOW
from tests.sync.conftest import make_adapter, make_workspace

BERLIN = timezone(timedelta(hours=1))


def lead(crm_id: str, **fields: Any) -> Lead:
    base = Lead(
        id=0,
        crm_id=crm_id,
        name=f"Lead {crm_id}",
        email=f"{crm_id}@example.com",
        owner="alex@example.com",
        source="webinar",
        status=LeadStatus.NEW,
        created_at=(NOW - timedelta(hours=2)).astimezone(BERLIN),
        job_title="VP Sales",
        form_timeline="Immediate",
    )
    return replace(base, **fields)


def page(shared: bool = False) -> list[PulledLead]:
    """Four leads; with `shared`, one event record comes under two of them."""
    tie = NOW - timedelta(hours=1)
    twice = (PulledEvent("shared", Event(EventKind.WEBINAR, tie, "", "Demo day")),) * shared
    return [
        PulledLead(
            lead("c1", routed_at=(NOW - timedelta(minutes=90)).astimezone(BERLIN)),
            NOW,
            events=(
                PulledEvent("e1", Event(EventKind.PAGE_VIEW, tie.astimezone(BERLIN), "/pricing")),
                PulledEvent("e2", Event(EventKind.PAGE_VIEW, tie, "/blog")),  # a tie, written 2nd
                PulledEvent("e3", Event(EventKind.DOWNLOAD, tie - timedelta(days=3), "", "Guide")),
                *twice,
            ),
            touches=(
                PulledTouch("t2", Touch(Channel.EMAIL, Outcome.SENT, tie, "", "alex@example.com")),
                PulledTouch(
                    "t1",
                    Touch(
                        Channel.CALL,
                        Outcome.NO_ANSWER,
                        (tie - timedelta(minutes=5)).astimezone(BERLIN),
                        "rang out ",
                        "alex@example.com",
                    ),
                ),
            ),
        ),
        PulledLead(
            lead("c2", status=LeadStatus.NURTURE, form_timeline="just researching"),
            NOW,
            events=(PulledEvent("e4", Event(EventKind.WEBINAR, tie, "", "Q&A")), *twice),
        ),
        # A touch leadtui pushed: its lead is read back, not taken from the page.
        PulledLead(
            lead("c3"),
            NOW,
            touches=(
                PulledTouch(
                    "t9",
                    Touch(Channel.CALL, Outcome.CONNECTED, tie, "", "alex@example.com"),
                    op_id="op-9",
                ),
            ),
        ),
        PulledLead(lead("c4", company_size=250, closed_at=tie.astimezone(BERLIN)), NOW),
    ]


def test_the_added_leads_inputs_are_what_the_store_reads_back(
    tmp_path: Path, store_url: str | None
) -> None:
    ws = make_workspace(tmp_path / "ws", "http://127.0.0.1:9", url=store_url)
    try:
        with ws.session() as session:
            stored = cache.write_page(session.connection(), page(), NOW)
            added = stored.added_inputs()
            assert sorted(added.leads) == sorted(stored.ids[i] for i in (0, 1, 3))
            back = queries.derive_inputs(session.connection(), list(added.leads))
            for lead_id in added.leads:
                # repr: the same values, and the same time zone (UTC) on every time.
                assert repr(added.leads[lead_id]) == repr(back.leads[lead_id])
                assert repr(added.events.get(lead_id, [])) == repr(back.events.get(lead_id, []))
                assert repr(added.touches.get(lead_id, [])) == repr(back.touches.get(lead_id, []))
            assert not back.enrolments and not added.enrolments
            assert [e.url for e in added.events[stored.ids[0]]] == ["", "/pricing", "/blog"]
    finally:
        ws.close()


def test_a_record_that_came_twice_has_every_lead_read_back(tmp_path: Path) -> None:
    # The stored copy is the last one, under the other lead: the page is no guide to the rows.
    ws = make_workspace(tmp_path / "ws", "http://127.0.0.1:9")
    try:
        with ws.session() as session:
            stored = cache.write_page(session.connection(), page(shared=True), NOW)
            assert len(stored.ids) == 4
            assert stored.added_inputs().leads == {}
            back = queries.derive_inputs(session.connection(), stored.ids)
            assert sorted(e.title for e in back.events[stored.ids[1]]) == ["Demo day", "Q&A"]
            assert "Demo day" not in [e.title for e in back.events[stored.ids[0]]]
    finally:
        ws.close()


def derived(ws: Workspace) -> list[tuple[Any, ...]]:
    lead_t, enrol_t = table_of(LeadRow), table_of(EnrolmentRow)
    with ws.session() as session:
        conn = session.connection()
        leads = [tuple(r) for r in conn.execute(select(lead_t).order_by(lead_t.c.crm_id))]
        crm_of = {r[0]: r[1] for r in leads}
        enrolments = sorted(
            (crm_of[r.lead_id], *tuple(r)[2:]) for r in conn.execute(select(enrol_t))
        )
    # Row ids may differ between the two caches; every other column must not.
    return [r[1:] for r in leads] + enrolments


def test_a_pull_derives_the_same_figures_as_reading_every_lead_back(
    tmp_path: Path, sandbox: RunningSandbox, engine_for: Callable[..., SyncEngine]
) -> None:
    fast = make_workspace(tmp_path / "fast", sandbox.base_url)
    slow = make_workspace(tmp_path / "slow", sandbox.base_url)
    adapter = make_adapter(sandbox)
    try:
        assert engine_for(fast).pull(NOW).leads == 60
        # The other cache: the same pull without figures, then every lead derived from the store.
        assert SyncEngine(slow, adapter, refresh=False).pull(NOW).leads == 60
        with slow.session() as session:
            ids = [row[0] for row in session.connection().execute(select(table_of(LeadRow).c.id))]
            slow.refresh(session, ids, NOW)
        assert derived(fast) == derived(slow)
        assert any(row[-1] for row in derived(fast))  # enrolments were compared, not none
    finally:
        adapter.close()
        fast.close()
        slow.close()
