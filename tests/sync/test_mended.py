"""sync.engine.mended: a pulled record with every string made valid Unicode, its types kept."""

from __future__ import annotations

from leadtui.domain.models import Channel, Event, EventKind, Lead, LeadStatus, Outcome, Touch
from sync.engine import mended
from sync.protocol import PulledEvent, PulledLead, PulledTouch
from tests.conftest import NOW


def test_a_mended_record_keeps_its_types_and_its_good_text() -> None:
    lead = Lead(0, "Eve \ud800", "eve@example.com", "", "webinar", LeadStatus.NEW, NOW)
    item = PulledLead(
        lead,
        NOW,
        events=(PulledEvent("e1", Event(EventKind.PAGE_VIEW, NOW, "/p\udc00", "Pricing")),),
        touches=(
            PulledTouch("t1", Touch(Channel.CALL, Outcome.CONNECTED, NOW, "ok \ud83d\ude00")),
        ),
    )
    fixed = mended(item)
    assert type(fixed) is PulledLead and type(fixed.lead) is Lead
    assert fixed.lead.name == "Eve \ufffd" and fixed.lead.status is LeadStatus.NEW
    assert fixed.lead.email == "eve@example.com" and fixed.lead.created_at == NOW
    (event,) = fixed.events
    assert type(event.event) is Event and event.event.url == "/p\ufffd"
    assert event.event.kind is EventKind.PAGE_VIEW
    (touch,) = fixed.touches
    assert touch.touch.note == "ok \U0001f600" and touch.touch.channel is Channel.CALL
