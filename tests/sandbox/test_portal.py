"""The sandbox as HubSpot documents itself (issue 9): a fresh portal has default properties only,
features follow the tier and the token's scopes, lifecycle stages move forward only, deals close
by pipeline metadata, associations page per record, deactivated owners stay readable, and the
search and daily limits answer HubSpot's 429s."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from sync.sandbox import RateLimits, RunningSandbox, start_sandbox
from sync.sandbox.portal import Portal
from sync.sandbox.webevents import MARKETING_EMAIL_TYPES
from tests.sandbox.conftest import NOW, TOKEN, client_for

OP_ID = {
    "name": "leadtui_op_id",
    "label": "leadtui operation id",
    "type": "string",
    "fieldType": "text",
    "groupName": "callinformation",
    "hasUniqueValue": True,
}


@pytest.fixture
def plain() -> Iterator[RunningSandbox]:
    """HubSpot's defaults: not Enterprise, no unique values on engagements, nothing set up."""
    with start_sandbox(seed=5, leads=12, reps=2, token=TOKEN, now=NOW, rate_limit=None) as sb:
        yield sb


@pytest.fixture
def http(plain: RunningSandbox) -> Iterator[httpx.Client]:
    with client_for(plain) as c:
        yield c


def _contact_id(client: httpx.Client) -> str:
    return str(
        client.get("/crm/v3/objects/contacts", params={"limit": 1}).json()["results"][0]["id"]
    )


def test_a_fresh_portal_has_no_leadtui_property_and_refuses_writes_to_it(
    http: httpx.Client,
) -> None:
    for object_type in ("calls", "emails", "notes", "meetings", "communications", "deals"):
        assert http.get(f"/crm/v3/properties/{object_type}/leadtui_op_id").status_code == 404
    refused = http.post(
        "/crm/v3/objects/calls",
        json={"properties": {"hs_timestamp": "2025-03-03T15:00:00Z", "leadtui_op_id": "x"}},
    )
    body = refused.json()
    assert refused.status_code == 400 and body["category"] == "VALIDATION_ERROR"
    assert "PROPERTY_DOESNT_EXIST" in body["message"] and "leadtui_op_id" in body["message"]


def test_read_only_properties_are_refused_with_hubspots_error(http: httpx.Client) -> None:
    reply = http.patch(
        f"/crm/v3/objects/contacts/{_contact_id(http)}",
        json={"properties": {"hs_analytics_num_page_views": "3"}},
    )
    assert reply.status_code == 400 and "READ_ONLY_VALUE" in reply.json()["message"]


def test_unique_values_only_where_hubspot_allows_them(http: httpx.Client) -> None:
    on_calls = http.post("/crm/v3/properties/calls", json=OP_ID)
    assert on_calls.status_code == 400 and "hasUniqueValue" in on_calls.json()["message"]
    plain_prop = http.post("/crm/v3/properties/calls", json={**OP_ID, "hasUniqueValue": False})
    assert plain_prop.status_code == 201 and plain_prop.json()["hasUniqueValue"] is False
    on_deals = http.post("/crm/v3/properties/deals", json={**OP_ID, "groupName": "dealinformation"})
    assert on_deals.status_code == 201 and on_deals.json()["hasUniqueValue"] is True


def test_the_flag_allows_unique_values_on_engagements() -> None:
    portal = Portal(unique_on_engagements=True)
    with (
        start_sandbox(leads=2, reps=1, token=TOKEN, now=NOW, portal=portal) as sb,
        client_for(sb) as client,
    ):
        made = client.post("/crm/v3/properties/calls", json=OP_ID)
        assert made.status_code == 201 and made.json()["hasUniqueValue"] is True


def test_a_property_needs_an_existing_group_and_groups_can_be_made(http: httpx.Client) -> None:
    no_group = http.post("/crm/v3/properties/calls", json={**OP_ID, "groupName": "leadtui"})
    assert no_group.status_code == 400
    group = {"name": "leadtui", "label": "leadtui"}
    assert http.post("/crm/v3/properties/calls/groups", json=group).status_code == 201
    assert http.post("/crm/v3/properties/calls/groups", json=group).status_code == 409
    names = [g["name"] for g in http.get("/crm/v3/properties/calls/groups").json()["results"]]
    assert names == ["callinformation", "leadtui"]
    made = http.post(
        "/crm/v3/properties/calls",
        json={**OP_ID, "groupName": "leadtui", "hasUniqueValue": False},
    )
    assert made.status_code == 201 and made.json()["groupName"] == "leadtui"


def test_a_token_without_the_schema_scope_cannot_create_properties() -> None:
    with (
        start_sandbox(
            leads=2, reps=1, token=TOKEN, now=NOW, portal=Portal(schema_write=False)
        ) as sb,
        client_for(sb) as client,
    ):
        refused = client.post("/crm/v3/properties/deals", json=OP_ID)
        body = refused.json()
        assert refused.status_code == 403 and body["category"] == "MISSING_SCOPES"
        scopes = body["errors"][0]["context"]["requiredGranularScopes"]
        assert scopes == ["crm.schemas.deals.write"]


def test_events_need_enterprise(http: httpx.Client) -> None:
    for path in ("/events/v3/events", "/events/v3/events/event-types"):
        refused = http.get(path, params={"objectType": "contact"})
        assert refused.status_code == 403 and refused.json()["status"] == "error"


def test_on_enterprise_one_stream_pages_every_contacts_events_since_a_time() -> None:
    with (
        start_sandbox(
            seed=5, leads=12, reps=2, token=TOKEN, now=NOW, portal=Portal(enterprise=True)
        ) as sb,
        client_for(sb) as client,
    ):
        assert "e_visited_page" in client.get("/events/v3/events/event-types").json()["eventTypes"]
        seen: list[dict] = []
        after = None
        while True:
            params = {"objectType": "contact", "limit": 7, "sort": "occurredAt"}
            if after:
                params["after"] = after
            page = client.get("/events/v3/events", params=params).json()
            seen += page["results"]
            after = (page.get("paging") or {}).get("next", {}).get("after")
            if not after:
                break
        served = [
            e
            for events in sb.crm.events.values()
            for e in events
            if e.event_type not in MARKETING_EMAIL_TYPES
        ]
        assert len(seen) == len(served) > 7
        assert not {e["eventType"] for e in seen} & MARKETING_EMAIL_TYPES
        assert len({e["objectId"] for e in seen}) > 1, "several contacts in one stream"
        stamps = [e["occurredAt"] for e in seen]
        assert stamps == sorted(stamps)
        middle = stamps[len(stamps) // 2]
        later = client.get(
            "/events/v3/events",
            params={"objectType": "contact", "occurredAfter": middle, "limit": 100},
        ).json()["results"]
        assert later and all(e["occurredAt"] > middle for e in later)


def test_lifecycle_stage_moves_forward_only_unless_cleared(
    http: httpx.Client, plain: RunningSandbox
) -> None:
    contact = _contact_id(http)
    plain.crm.edit_contact(contact, {"lifecyclestage": "opportunity"})

    def stage(value: str) -> str:
        reply = http.patch(
            f"/crm/v3/objects/contacts/{contact}", json={"properties": {"lifecyclestage": value}}
        )
        assert reply.status_code == 200
        return plain.crm.contact(contact).get("lifecyclestage", "")

    assert stage("lead") == "opportunity", "backward: ignored, no error"
    assert stage("customer") == "customer", "forward: applied"
    assert stage("") == ""
    assert stage("lead") == "lead", "after clearing, any stage"


def test_deals_close_by_pipeline_metadata_in_any_pipeline(
    http: httpx.Client, plain: RunningSandbox
) -> None:
    contact = _contact_id(http)
    made = http.post(
        "/crm/v3/objects/deals",
        json={
            "properties": {"dealname": "Big one", "pipeline": "31415926", "dealstage": "31415927"},
            "associations": [
                {
                    "to": {"id": contact},
                    "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 3}],
                }
            ],
        },
    )
    assert made.status_code == 201
    deal = made.json()["id"]
    assert plain.crm.associated("deals", deal, "contacts") == [contact]
    assert plain.crm.props("deals", deal)["hs_is_closed"] == "false"
    http.patch(f"/crm/v3/objects/deals/{deal}", json={"properties": {"dealstage": "31415929"}})
    props = plain.crm.props("deals", deal)
    assert (props["hs_is_closed"], props["hs_is_closed_won"]) == ("true", "true")
    refused = http.patch(
        f"/crm/v3/objects/deals/{deal}", json={"properties": {"hs_is_closed_won": "false"}}
    )
    assert refused.status_code == 400


def test_engagements_can_be_deleted(http: httpx.Client, plain: RunningSandbox) -> None:
    contact = _contact_id(http)
    call = plain.crm.log_engagement(
        "calls", contact, {"hs_timestamp": "2025-03-03T15:00:00Z", "hs_call_body": "hi"}
    )
    assert http.delete(f"/crm/v3/objects/calls/{call}").status_code == 204
    assert call not in plain.crm.associated("contacts", contact, "calls")


def test_association_batch_read_pages_per_record() -> None:
    portal = Portal(association_page=3)
    with (
        start_sandbox(seed=5, leads=4, reps=1, token=TOKEN, now=NOW, portal=portal) as sb,
        client_for(sb) as client,
    ):
        busy, quiet = (str(i) for i in sorted(sb.crm.table("contacts").live_ids)[:2])
        for n in range(8):
            sb.crm.log_engagement(
                "calls", busy, {"hs_timestamp": f"2025-03-0{1 + n % 2}T10:00:00Z"}
            )
        expected = set(sb.crm.associated("contacts", busy, "calls"))
        got: set[str] = set()
        inputs = [{"id": busy}, {"id": quiet}]
        rounds = 0
        while inputs:
            rounds += 1
            reply = client.post(
                "/crm/v4/associations/contacts/calls/batch/read", json={"inputs": inputs}
            ).json()
            inputs = []
            for result in reply["results"]:
                if result["from"]["id"] == busy:
                    got |= {str(t["toObjectId"]) for t in result["to"]}
                    assert len(result["to"]) <= 3
                after = (result.get("paging") or {}).get("next", {}).get("after")
                if after:
                    inputs.append({"id": result["from"]["id"], "after": after})
        assert got == expected and len(expected) >= 8 and rounds >= 3


def test_deactivated_owners_are_listed_with_archived_true(
    http: httpx.Client, plain: RunningSandbox
) -> None:
    gone = plain.crm.owners[0]["email"]
    gone_id = plain.crm.deactivate_owner(gone)
    active = [o["id"] for o in http.get("/crm/v3/owners").json()["results"]]
    archived = http.get("/crm/v3/owners", params={"archived": "true"}).json()["results"]
    assert gone_id not in active
    assert [(o["id"], o["archived"]) for o in archived] == [(gone_id, True)]
    assert http.get(f"/crm/v3/owners/{gone_id}").status_code == 200


def test_search_and_daily_limits_answer_hubspots_429() -> None:
    limits = RateLimits(requests=100, search_requests=2, search_window_seconds=60, daily=6)
    with (
        start_sandbox(leads=2, reps=1, token=TOKEN, now=NOW, rate_limit=limits) as sb,
        client_for(sb) as client,
    ):
        body = {"limit": 1}
        codes = [client.post("/crm/v3/objects/contacts/search", json=body) for _ in range(3)]
        assert [r.status_code for r in codes] == [200, 200, 429]
        assert codes[2].json()["policyName"] == "SECONDLY"
        replies = [client.get("/crm/v3/owners") for _ in range(4)]
        assert [r.status_code for r in replies][-1] == 429
        assert replies[-1].json()["policyName"] == "DAILY"
        assert replies[-1].json()["errorType"] == "RATE_LIMIT"
