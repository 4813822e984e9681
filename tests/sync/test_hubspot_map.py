"""HubSpot's shapes to leadtui's types: every value a string or null, many missing."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from leadtui.domain.models import Channel, LeadStatus, Outcome
from sync import hubspot_map as hm

OWNERS = {"1001": "ava@acme.example"}


def contact(**props: object) -> dict[str, object]:
    base: dict[str, object] = {
        "firstname": "Nia",
        "lastname": "Park",
        "email": "nia@globex.example",
        "createdate": "2026-11-02T14:05:00.000Z",
        "lastmodifieddate": "2026-11-03T09:00:00.000Z",
        "hubspot_owner_id": "1001",
    }
    base.update(props)
    return {"id": "151", "properties": base, "archived": False}


def test_a_full_contact_maps_to_a_lead() -> None:
    lead = hm.contact_to_lead(
        contact(
            hs_timezone="america_slash_new_york",
            numemployees="100-500",
            lifecyclestage="salesqualifiedlead",
            hs_lead_status="IN_PROGRESS",
            hs_analytics_source="PAID_SOCIAL",
            hs_analytics_source_data_1="linkedin_ads",
            hs_email_bad_address="true",
            leadtui_timeline="Immediate need (within 30 days)",
        ),
        OWNERS,
    )
    assert lead.crm_id == "151" and lead.name == "Nia Park"
    assert lead.owner == "ava@acme.example"
    assert lead.created_at == datetime(2026, 11, 2, 14, 5, tzinfo=UTC)
    assert lead.timezone == "America/New_York"
    assert lead.company_size == 100
    assert lead.status is LeadStatus.WORKING
    assert lead.source == "linkedin_ads"
    assert lead.email_bad is True
    assert lead.form_timeline.startswith("Immediate")


@pytest.mark.parametrize(
    "props",
    [
        {"numemployees": "lots", "hs_timezone": "mars_slash_olympus", "email": None},
        {"firstname": None, "lastname": 7, "phone": ["+1"], "hubspot_owner_id": "999"},
        {"hs_lead_status": "SOMETHING_NEW", "lifecyclestage": None},
    ],
)
def test_malformed_optional_fields_are_tolerated(props: dict[str, object]) -> None:
    lead = hm.contact_to_lead(contact(**props), OWNERS)
    assert lead.crm_id == "151"


@pytest.mark.parametrize(
    "record",
    [
        {"id": "151", "properties": {"createdate": None}},
        {"id": "151", "properties": {"createdate": "yesterday"}},
        {"id": "151", "properties": None},
        {"properties": {"createdate": "2026-11-02T14:05:00Z"}},
    ],
)
def test_a_contact_without_a_usable_created_date_or_id_is_rejected(
    record: dict[str, object],
) -> None:
    with pytest.raises(hm.BadRecord):
        hm.contact_to_lead(record, OWNERS)


def test_call_dispositions_become_outcomes_and_owners_become_people() -> None:
    call = {
        "id": "9",
        "properties": {
            "hs_timestamp": "2026-11-03T10:00:00.000Z",
            "hs_call_disposition": "b2cf5968-551e-4856-9783-52b3da59a7d0",
            "hubspot_owner_id": "1001",
        },
    }
    touch = hm.engagement_to_touch("calls", call, OWNERS)
    assert touch is not None
    assert (touch.channel, touch.outcome, touch.by, touch.automated) == (
        Channel.CALL,
        Outcome.LEFT_VOICEMAIL,
        "ava@acme.example",
        False,
    )


def test_an_engagement_without_owner_is_automation_and_leadtui_outcome_wins() -> None:
    email = {
        "id": "10",
        "properties": {
            "hs_timestamp": "1762164000000",
            "hs_email_direction": "EMAIL",
            "hs_email_status": "SENT",
            "leadtui_outcome": "replied",
        },
    }
    touch = hm.engagement_to_touch("emails", email, OWNERS)
    assert touch is not None and touch.automated and touch.outcome is Outcome.REPLIED


def test_deals_set_opportunity_win_and_value() -> None:
    lead = hm.contact_to_lead(contact(), OWNERS)
    won = hm.apply_deals(
        lead,
        [
            {
                "id": "1",
                "properties": {
                    "amount": "12500",
                    "dealstage": "closedwon",
                    "createdate": "2026-11-05T00:00:00Z",
                    "closedate": "2026-12-01T00:00:00Z",
                },
            }
        ],
    )
    assert won.status is LeadStatus.WON and won.deal_value == 12500.0
    assert won.opportunity_at == datetime(2026, 11, 5, tzinfo=UTC)
    assert won.won_at == datetime(2026, 12, 1, tzinfo=UTC)
