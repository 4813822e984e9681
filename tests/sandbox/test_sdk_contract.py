"""The official SDK (`hubspot-api-client`) as an independent client of the sandbox.

Every endpoint the HubSpot adapter uses is called here through the SDK, with the shapes the adapter
sends, over real sockets; the SDK's generated models parse each reply (they refuse missing
required fields and wrong types). Where the SDK and the sandbox disagree, the sandbox is wrong.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

hubspot = pytest.importorskip("hubspot")

from hubspot import HubSpot  # noqa: E402
from hubspot.crm.associations.v4 import (  # noqa: E402
    BatchInputPublicFetchAssociationsBatchRequest,
    PublicFetchAssociationsBatchRequest,
)
from hubspot.crm.objects import (  # noqa: E402
    AssociationSpec,
    BatchInputSimplePublicObjectBatchInputUpsert,
    BatchReadInputSimplePublicObjectId,
    Filter,
    FilterGroup,
    PublicAssociationsForObject,
    PublicObjectId,
    PublicObjectSearchRequest,
    SimplePublicObjectBatchInputUpsert,
    SimplePublicObjectId,
    SimplePublicObjectInput,
    SimplePublicObjectInputForCreate,
)
from hubspot.crm.properties import OptionInput, PropertyCreate, PropertyGroupCreate  # noqa: E402

from sync import hubspot_map as hm  # noqa: E402
from sync.hubspot_activity import ENGAGEMENT_TYPES  # noqa: E402
from sync.sandbox import RunningSandbox, start_sandbox  # noqa: E402
from sync.sandbox.portal import Portal  # noqa: E402
from sync.sandbox.webevents import MARKETING_EMAIL_TYPES  # noqa: E402
from tests.conftest import set_up_portal  # noqa: E402
from tests.sandbox.conftest import NOW, TOKEN  # noqa: E402


def sdk_for(sandbox: RunningSandbox) -> Any:
    # Every SDK configuration key is set on each API's Configuration: `host` points it here.
    return HubSpot(access_token=sandbox.token, host=sandbox.base_url)


@pytest.fixture(scope="module")
def enterprise() -> Iterator[RunningSandbox]:
    portal = Portal(enterprise=True, unique_on_engagements=True)
    with start_sandbox(
        seed=7, leads=40, reps=3, token=TOKEN, now=NOW, rate_limit=None, portal=portal
    ) as sb:
        set_up_portal(sb)
        yield sb


@pytest.fixture(scope="module")
def plain() -> Iterator[RunningSandbox]:
    with start_sandbox(seed=7, leads=10, reps=2, token=TOKEN, now=NOW, rate_limit=None) as sb:
        set_up_portal(sb)
        yield sb


@pytest.fixture(scope="module")
def sdk(enterprise: RunningSandbox) -> Any:
    return sdk_for(enterprise)


def _contact(sdk: Any) -> str:
    return str(sdk.crm.contacts.basic_api.get_page(limit=1).results[0].id)


def test_owners_active_and_archived(sdk: Any, enterprise: RunningSandbox) -> None:
    page = sdk.crm.owners.owners_api.get_page(limit=100)
    assert {o.email for o in page.results} == {o["email"] for o in enterprise.crm.owners}
    assert all(o.id and o.archived is False for o in page.results)
    archived = sdk.crm.owners.owners_api.get_page(limit=100, archived=True)
    assert archived.results == []


def test_contact_search_as_the_adapter_pages_it(sdk: Any) -> None:
    request = PublicObjectSearchRequest(
        filter_groups=[
            FilterGroup(
                filters=[Filter(property_name="lastmodifieddate", operator="GTE", value="0")]
            )
        ],
        sorts=["lastmodifieddate"],
        properties=list(hm.CONTACT_PROPERTIES),
        limit=15,
        after="0",
    )
    first = sdk.crm.contacts.search_api.do_search(public_object_search_request=request)
    assert first.total == 40 and len(first.results) == 15
    assert first.paging.next.after == "15"
    record = first.results[0]
    assert isinstance(record.properties["createdate"], str)
    assert "hs_analytics_num_page_views" in record.properties
    request.after = first.paging.next.after
    second = sdk.crm.contacts.search_api.do_search(public_object_search_request=request)
    assert {r.id for r in second.results}.isdisjoint({r.id for r in first.results})


def test_association_batch_read_for_every_type_with_per_record_paging(sdk: Any) -> None:
    ids = [r.id for r in sdk.crm.contacts.basic_api.get_page(limit=40).results]
    linked = 0
    for to_type in (*ENGAGEMENT_TYPES, "deals"):
        body = BatchInputPublicFetchAssociationsBatchRequest(
            inputs=[PublicFetchAssociationsBatchRequest(id=i) for i in ids]
        )
        reply = sdk.crm.associations.v4.batch_api.get_page(
            from_object_type="contacts",
            to_object_type=to_type,
            batch_input_public_fetch_associations_batch_request=body,
        )
        for result in reply.results:
            assert result._from.id in ids
            linked += len(result.to)
            assert all(t.association_types[0].type_id for t in result.to)
    assert linked > 40


def test_batch_read_of_engagements_and_deals(sdk: Any, enterprise: RunningSandbox) -> None:
    for object_type, props in (*hm.ENGAGEMENT_PROPERTIES.items(), ("deals", hm.DEAL_PROPERTIES)):
        ids = [str(i) for i in sorted(enterprise.crm.table(object_type).live_ids)[:5]]
        if not ids:
            continue
        reply = sdk.crm.objects.batch_api.read(
            object_type=object_type,
            batch_read_input_simple_public_object_id=BatchReadInputSimplePublicObjectId(
                properties=list(props), inputs=[SimplePublicObjectId(id=i) for i in ids]
            ),
        )
        assert sorted(r.id for r in reply.results) == sorted(ids)
        if object_type == "deals":
            assert {r.properties["hs_is_closed_won"] for r in reply.results} <= {"true", "false"}


def test_one_event_stream_for_all_contacts(sdk: Any, enterprise: RunningSandbox) -> None:
    assert "e_visited_page" in sdk.events.events_api.get_types().event_types
    since = NOW - timedelta(days=30)
    total, after, contacts = 0, None, set()
    while True:
        page = sdk.events.events_api.get_page(
            object_type="contact", occurred_after=since, limit=100, after=after
        )
        for event in page.results:
            assert event.occurred_at > since and event.event_type and event.id
            contacts.add(event.object_id)
        total += len(page.results)
        if not page.paging or not page.paging.next:
            break
        after = page.paging.next.after
    expected = sum(
        1
        for events in enterprise.crm.events.values()
        for e in events
        if e.occurred_ms > since.timestamp() * 1000 and e.event_type not in MARKETING_EMAIL_TYPES
    )
    assert total == expected > 0 and len(contacts) > 1


def test_archived_contacts_list(sdk: Any) -> None:
    page = sdk.crm.contacts.basic_api.get_page(limit=100, archived=True, properties=["email"])
    assert page.results == []


def test_properties_and_groups_as_setup_makes_them(sdk: Any) -> None:
    prop = sdk.crm.properties.core_api.get_by_name(
        object_type="calls", property_name="leadtui_op_id"
    )
    assert prop.has_unique_value is True and prop.group_name == "leadtui"
    outcome = sdk.crm.properties.core_api.get_by_name(
        object_type="calls", property_name="leadtui_outcome"
    )
    assert "left_voicemail" in [o.value for o in outcome.options]
    groups = sdk.crm.properties.groups_api.get_all(object_type="deals")
    assert "leadtui" in [g.name for g in groups.results]
    made = sdk.crm.properties.groups_api.create(
        object_type="contacts",
        property_group_create=PropertyGroupCreate(name="sdk_group", label="SDK"),
    )
    assert made.name == "sdk_group"
    created = sdk.crm.properties.core_api.create(
        object_type="contacts",
        property_create=PropertyCreate(
            name="sdk_choice",
            label="SDK choice",
            type="enumeration",
            field_type="select",
            group_name="sdk_group",
            options=[OptionInput(label="A", value="a", display_order=0, hidden=False)],
        ),
    )
    assert created.name == "sdk_choice" and created.options[0].value == "a"


def test_upsert_on_the_op_id_then_default_association(sdk: Any, enterprise: RunningSandbox) -> None:
    contact = _contact(sdk)
    body = BatchInputSimplePublicObjectBatchInputUpsert(
        inputs=[
            SimplePublicObjectBatchInputUpsert(
                id_property="leadtui_op_id",
                id="sdk-op-1",
                properties={
                    "hs_timestamp": "2025-03-03T15:00:00Z",
                    "leadtui_op_id": "sdk-op-1",
                    "leadtui_outcome": "connected",
                },
            )
        ]
    )
    first = sdk.crm.objects.batch_api.upsert(
        object_type="calls", batch_input_simple_public_object_batch_input_upsert=body
    )
    again = sdk.crm.objects.batch_api.upsert(
        object_type="calls", batch_input_simple_public_object_batch_input_upsert=body
    )
    assert first.results[0].new is True and again.results[0].new is False
    call = first.results[0].id
    assert again.results[0].id == call
    linked = sdk.crm.associations.v4.basic_api.create_default(
        from_object_type="calls",
        from_object_id=call,
        to_object_type="contacts",
        to_object_id=contact,
    )
    assert linked.results[0].association_spec.association_type_id == 194
    assert enterprise.crm.associated("calls", call, "contacts") == [contact]


def test_create_with_association_then_find_by_op_id_then_delete(
    plain: RunningSandbox,
) -> None:
    sdk = sdk_for(plain)
    contact = _contact(sdk)
    made = sdk.crm.objects.basic_api.create(
        object_type="notes",
        simple_public_object_input_for_create=SimplePublicObjectInputForCreate(
            properties={
                "hs_timestamp": "2025-03-03T15:00:00Z",
                "hs_note_body": "hi",
                "leadtui_op_id": "n-1",
            },
            associations=[
                PublicAssociationsForObject(
                    to=PublicObjectId(id=contact),
                    types=[
                        AssociationSpec(
                            association_category="HUBSPOT_DEFINED", association_type_id=202
                        )
                    ],
                )
            ],
        ),
    )
    assert plain.crm.associated("notes", made.id, "contacts") == [contact]
    found = sdk.crm.objects.search_api.do_search(
        object_type="notes",
        public_object_search_request=PublicObjectSearchRequest(
            filter_groups=[
                FilterGroup(
                    filters=[Filter(property_name="leadtui_op_id", operator="EQ", value="n-1")]
                )
            ],
            properties=["leadtui_op_id"],
            limit=1,
        ),
    )
    assert [r.id for r in found.results] == [made.id]
    sdk.crm.objects.basic_api.archive(object_type="notes", object_id=made.id)
    assert plain.crm.associated("contacts", contact, "notes").count(made.id) == 0


def test_contact_update_and_the_lifecycle_clear(sdk: Any, enterprise: RunningSandbox) -> None:
    contact = _contact(sdk)
    api = sdk.crm.contacts.basic_api
    api.update(contact, SimplePublicObjectInput(properties={"lifecyclestage": ""}))
    updated = api.update(
        contact,
        SimplePublicObjectInput(properties={"lifecyclestage": "lead", "hs_lead_status": "NEW"}),
    )
    assert updated.properties["lifecyclestage"] == "lead"
    assert enterprise.crm.contact(contact)["hs_lead_status"] == "NEW"


def test_the_sdk_sees_a_plain_portals_refusals(plain: RunningSandbox) -> None:
    from hubspot.crm.properties.exceptions import ApiException as PropertiesError
    from hubspot.events.exceptions import ApiException as EventsError

    sdk = sdk_for(plain)
    with pytest.raises(EventsError) as events:
        sdk.events.events_api.get_page(object_type="contact", limit=10)
    assert events.value.status == 403
    prop = sdk.crm.properties.core_api.get_by_name(
        object_type="calls", property_name="leadtui_op_id"
    )
    assert prop.has_unique_value is False, "setup fell back to a plain property on calls"
    with pytest.raises(PropertiesError) as refused:
        sdk.crm.properties.core_api.create(
            object_type="emails",
            property_create=PropertyCreate(
                name="other_key",
                label="Other",
                type="string",
                field_type="text",
                group_name="emailinformation",
                has_unique_value=True,
            ),
        )
    assert refused.value.status == 400


def test_event_times_are_datetimes_the_sdk_parses(sdk: Any) -> None:
    page = sdk.events.events_api.get_page(object_type="contact", limit=1)
    assert page.results[0].occurred_at.tzinfo is not None
    oldest = sdk.events.events_api.get_page(object_type="contact", limit=5, sort=["ASCENDING"])
    newest = sdk.events.events_api.get_page(object_type="contact", limit=5, sort=["DESCENDING"])
    assert oldest.results[0].occurred_at < newest.results[0].occurred_at
    assert newest.results[0].occurred_at == page.results[0].occurred_at
    assert page.results[0].occurred_at < datetime.now(UTC) + timedelta(days=3650)
