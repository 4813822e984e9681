"""Property definitions (what `leadtui doctor` checks) and new inbound leads arriving."""

from __future__ import annotations

import time

import httpx

from sync.sandbox import RunningSandbox, start_sandbox
from tests.sandbox.conftest import NOW, TOKEN, client_for, iso_to_ms
from tests.sandbox.test_batch import upsert_call


def test_unique_op_id_property_exists_and_can_be_removed_and_recreated(
    sandbox: RunningSandbox, client: httpx.Client
) -> None:
    prop = client.get("/crm/v3/properties/calls/leadtui_op_id")
    assert prop.status_code == 200
    assert prop.json()["hasUniqueValue"] is True and prop.json()["hubspotDefined"] is False
    assert client.get("/crm/v3/properties/contacts/leadtui_op_id").status_code == 404
    sandbox.crm.delete_property("calls", "leadtui_op_id")
    missing = client.get("/crm/v3/properties/calls/leadtui_op_id")
    assert missing.status_code == 404 and missing.json()["category"] == "OBJECT_NOT_FOUND"
    refused = client.post("/crm/v3/objects/calls/batch/upsert", json=upsert_call("op-1"))
    assert refused.status_code == 400
    definition = {
        "name": "leadtui_op_id",
        "label": "leadtui operation id",
        "type": "string",
        "fieldType": "text",
        "groupName": "callinformation",
        "hasUniqueValue": True,
    }
    created = client.post("/crm/v3/properties/calls", json=definition)
    assert created.status_code == 201 and created.json()["hasUniqueValue"] is True
    assert client.post("/crm/v3/properties/calls", json=definition).status_code == 409
    assert (
        client.post("/crm/v3/objects/calls/batch/upsert", json=upsert_call("op-1")).status_code
        == 200
    )
    assert (
        client.post("/crm/v3/objects/calls/batch/upsert", json=upsert_call("op-1")).json()[
            "results"
        ][0]["new"]
        is False
    )


def test_hubspot_defined_properties_cannot_be_deleted(client: httpx.Client) -> None:
    assert client.delete("/crm/v3/properties/contacts/email").status_code == 400
    names = {p["name"] for p in client.get("/crm/v3/properties/contacts").json()["results"]}
    assert {"email", "hs_lead_status", "leadtui_problem", "leadtui_timeline"} <= names


def test_inbound_leads_arrive_new_and_are_found_by_an_incremental_search(
    sandbox: RunningSandbox, client: httpx.Client
) -> None:
    newest = max(ms for ms, _ in sandbox.crm.tables["contacts"].by_modified)
    made = client.post("/_sandbox/inbound", json={"count": 3}).json()["ids"]
    assert len(made) == 3 and made == sorted(made, key=int)
    found = client.post(
        "/crm/v3/objects/contacts/search",
        json={
            "filterGroups": [
                {
                    "filters": [
                        {"propertyName": "lastmodifieddate", "operator": "GT", "value": str(newest)}
                    ]
                }
            ],
            "properties": ["hs_lead_status", "createdate", "hubspot_owner_id"],
        },
    ).json()
    assert {r["id"] for r in found["results"]} == set(made)
    for record in found["results"]:
        assert record["properties"]["hs_lead_status"] == "NEW"
        assert record["properties"]["hubspot_owner_id"]
        assert iso_to_ms(record["properties"]["createdate"]) >= newest
    events = client.get("/events/v3/events", params={"objectType": "contact", "objectId": made[0]})
    assert any(e["eventType"] == "e_submitted_form" for e in events.json()["results"])
    assert client.post("/_sandbox/inbound", json={"count": 0}).status_code == 400


def test_timer_mode_keeps_inventing_leads() -> None:
    with start_sandbox(
        seed=3, leads=5, reps=2, token=TOKEN, now=NOW, rate_limit=None, inbound_every=0.05
    ) as sb:
        deadline = time.monotonic() + 5
        while sb.crm.count("contacts") < 8 and time.monotonic() < deadline:
            time.sleep(0.02)
        with client_for(sb) as client:
            stats = client.get("/_sandbox/stats").json()
    assert stats["contacts"] >= 8
