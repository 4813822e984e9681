"""All the endpoints the sandbox serves: the object endpoints plus associations (v4), owners,
web-activity events and property definitions."""

from __future__ import annotations

import re
from typing import Any

from sync.sandbox import errors, params
from sync.sandbox.crm import PORTAL_CREATED_MS
from sync.sandbox.objects import ObjectEndpoints
from sync.sandbox.params import Query, Reply
from sync.sandbox.pipelines import pipelines_json
from sync.sandbox.schema import (
    ASSOCIATION_TYPE_IDS,
    OBJECT_TYPE_IDS,
    PropertyDef,
    PropType,
    singular,
)
from sync.sandbox.table import Record
from sync.sandbox.webevents import EVENT_TYPES, MARKETING_EMAIL_TYPES
from sync.sandbox.webevents import to_json as event_json

__all__ = ["HubSpotApi", "Query", "Reply"]
MAX_EVENTS_LIMIT = 100
MAX_ASSOCIATIONS_PAGE = 500
# "batch read requests submitted to the Associations API may not exceed 1000 IDs per request
# body" (developers.hubspot.com/changelog/bug-fix-batch-read-limit-for-hubspot-associations-api).
MAX_ASSOCIATION_READ_INPUTS = 1000
_PROPERTY_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_PROPERTY_TYPES = {
    "string": PropType.STRING,
    "number": PropType.NUMBER,
    "datetime": PropType.DATETIME,
    "date": PropType.DATETIME,
    "enumeration": PropType.ENUMERATION,
    "bool": PropType.BOOL,
}


class HubSpotApi(ObjectEndpoints):
    """The sandbox's whole API (server.py routes requests here)."""

    # Associations (v4) -------------------------------------------------------------------------

    def _pair(self, from_type: str, to_type: str) -> int:
        type_id = ASSOCIATION_TYPE_IDS.get((from_type, to_type))
        if type_id is None:
            raise errors.validation(
                f"No association type from {singular(from_type)} to {singular(to_type)}"
            )
        return type_id

    def _targets(self, from_type: str, from_id: int, to_type: str, type_id: int) -> list[Any]:
        return [
            {
                "toObjectId": to_id,
                "associationTypes": [
                    {"category": "HUBSPOT_DEFINED", "typeId": type_id, "label": None}
                ],
            }
            for to_id in self.crm.linked(from_type, from_id, to_type)
        ]

    def association_batch_read(self, from_type: str, to_type: str, body: dict[str, Any]) -> Reply:
        type_id = self._pair(from_type, to_type)
        inputs = params.inputs(body, MAX_ASSOCIATION_READ_INPUTS)
        results, errs = [], []
        with self.crm.lock:
            for item in inputs:
                raw_id = str(item.get("id"))
                record = self._find(from_type, raw_id, None)
                targets = self._targets(from_type, record.id, to_type, type_id) if record else []
                if not targets:
                    errs.append(
                        {
                            "status": "error",
                            "category": "OBJECT_NOT_FOUND",
                            "subCategory": "crm.associations.NO_ASSOCIATIONS_FOUND",
                            "context": {"fromObjectId": [raw_id]},
                            "message": f"No {singular(to_type)} is associated with "
                            f"{singular(from_type)} {raw_id}.",
                        }
                    )
                    continue
                # Each result pages on its own: "paging.next.after" per record, resent as
                # {"id", "after"} (developers.hubspot.com/docs/api/crm/associations, v4 batch
                # read; the SDK's PublicAssociationMultiWithLabel carries its own paging).
                size = self.crm.portal.association_page
                start = params.offset(item.get("after"))
                page = targets[start : start + size]
                result: dict[str, Any] = {"from": {"id": raw_id}, "to": page}
                if start + size < len(targets):
                    nxt = str(start + size)
                    result["paging"] = {"next": {"after": nxt, "link": None}}
                results.append(result)
        return self._batch_reply(results, errs, 200)

    def association_list(self, from_type: str, raw_id: str, to_type: str) -> Reply:
        type_id = self._pair(from_type, to_type)
        with self.crm.lock:
            record = self._find(from_type, raw_id, None)
            if record is None:
                raise errors.not_found(raw_id)
            return Reply(200, {"results": self._targets(from_type, record.id, to_type, type_id)})

    def associate_default(
        self, from_type: str, to_type: str, pairs: list[tuple[str, str]]
    ) -> Reply:
        """Create HubSpot's default (unlabelled) association for each (from id, to id)."""
        type_id = self._pair(from_type, to_type)
        results, errs = [], []
        with self.crm.transaction():
            for from_raw, to_raw in pairs:
                source = self._find(from_type, from_raw, None)
                target = self._find(to_type, to_raw, None)
                if source is None or target is None:
                    missing = from_raw if source is None else to_raw
                    errs.append(errors.not_found(missing).batch_error())
                    continue
                self.crm.link(from_type, source.id, to_type, target.id)
                spec = {"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": type_id}
                results.append(
                    {"from": {"id": from_raw}, "to": {"id": to_raw}, "associationSpec": spec}
                )
        return self._batch_reply(results, errs, 200)

    def associate_one(self, from_type: str, to_type: str, from_raw: str, to_raw: str) -> Reply:
        """The single PUT: unlike the batch endpoint, a missing (or archived) record is a plain
        404, as in HubSpot, so an engagement pushed for a deleted contact is refused."""
        for object_type, raw in ((from_type, from_raw), (to_type, to_raw)):
            if self._find(object_type, raw, None) is None:
                raise errors.not_found(raw)
        return self.associate_default(from_type, to_type, [(from_raw, to_raw)])

    def associate_batch_default(self, from_type: str, to_type: str, body: dict[str, Any]) -> Reply:
        pairs = []
        for item in params.inputs(body):
            source, target = item.get("from"), item.get("to")
            if not isinstance(source, dict) or not isinstance(target, dict):
                raise errors.validation("each input needs `from.id` and `to.id`")
            pairs.append((str(source.get("id")), str(target.get("id"))))
        return self.associate_default(from_type, to_type, pairs)

    # Owners, events, properties ----------------------------------------------------------------

    def owners(self, query: Query, path: str) -> Reply:
        limit = params.limit(params.one(query, "limit"), 100, 500)
        start = params.offset(params.one(query, "after"))
        email = (params.one(query, "email") or "").lower()
        if not self.crm.portal.owners_read:
            raise errors.missing_scopes("crm.objects.owners.read")
        with self.crm.lock:
            # archived=true lists only the deactivated users' owners, as HubSpot does
            # (developers.hubspot.com/docs/api/crm/owners).
            archived = params.flag(query, "archived")
            owners = list(self.crm.archived_owners if archived else self.crm.owners)
        if email:
            owners = [o for o in owners if o["email"].lower() == email]
        page = owners[start : start + limit]
        more = start + limit < len(owners)
        return Reply(
            200, {"results": page, **params.paging(str(start + limit) if more else None, path)}
        )

    def owner(self, raw_id: str) -> Reply:
        with self.crm.lock:
            everyone = [*self.crm.owners, *self.crm.archived_owners]
            found = next((o for o in everyone if o["id"] == raw_id), None)
        if found is None:
            raise errors.not_found(raw_id)
        return Reply(200, found)

    def events(self, query: Query, path: str) -> Reply:
        """`GET /events/v3/events`: every parameter optional (developers.hubspot.com/docs/
        api-reference/latest/events/retrieve-events/get-events), so one paged stream of all
        contacts' events since `occurredAfter` is a valid query. Enterprise only."""
        if not self.crm.portal.enterprise:
            raise errors.tier_required("events API")
        kind = (params.one(query, "objectType") or "contact").lower()
        if kind not in ("contact", "contacts", "0-1"):
            raise errors.validation(
                "objectType must be contact: the sandbox keeps web activity for contacts only"
            )
        limit = params.limit(params.one(query, "limit"), 100, MAX_EVENTS_LIMIT)
        start = params.offset(params.one(query, "after"))
        event_type = params.one(query, "eventType")
        low = params.time_param(query, "occurredAfter")
        high = params.time_param(query, "occurredBefore")
        # "The events API doesn't include marketing email events, such as opens, clicks, and
        # bounces" (the event-analytics guide): the sandbox keeps them for the contact's
        # hs_email_last_open_date / _click_date summary and serves the rest.
        with self.crm.lock:
            contact = self._event_contact(query)
            if contact is not None:
                pools = [(contact.id, self.crm.events.get(contact.id, []))]
            elif params.one(query, "objectId") or params.one(query, "objectProperty.email"):
                pools = []
            else:
                live = self.crm.table("contacts")
                pools = [(c, e) for c, e in self.crm.events.items() if live.get(c) is not None]
            chosen = [
                (e.occurred_ms, c, seq, e)
                for c, events in pools
                for seq, e in enumerate(events)
                if e.event_type not in MARKETING_EMAIL_TYPES
                and (not event_type or e.event_type == event_type)
                and (low is None or e.occurred_ms > low)
                and (high is None or e.occurred_ms < high)
            ]
        # Newest first unless told otherwise: "-occurredAt"/"occurredAt", or the SDK's
        # ASCENDING/DESCENDING (hubspot-api-client EventsApi.get_page `sort`).
        sort = params.one(query, "sort") or "-occurredAt"
        descending = sort.startswith("-") or sort.upper() == "DESCENDING"
        chosen.sort(key=lambda item: item[:3], reverse=descending)
        page = chosen[start : start + limit]
        results = [event_json(c, seq, e) for _, c, seq, e in page]
        more = start + limit < len(chosen)
        return Reply(
            200, {"results": results, **params.paging(str(start + limit) if more else None, path)}
        )

    def event_types(self) -> Reply:
        """`GET /events/v3/events/event-types`: every type, used or not (event-analytics guide)."""
        if not self.crm.portal.enterprise:
            raise errors.tier_required("events API")
        served = set(EVENT_TYPES.values()) - MARKETING_EMAIL_TYPES
        return Reply(200, {"eventTypes": sorted(served)})

    def _event_contact(self, query: Query) -> Record | None:
        raw_id = params.one(query, "objectId")
        email = params.one(query, "objectProperty.email")
        if raw_id:
            return self._find("contacts", raw_id, None)
        if email:
            return self._find("contacts", email, "email")
        return None

    def pipelines(self, object_type: str) -> Reply:
        """Deal pipelines (sync/sandbox/pipelines.py); other objects have none here."""
        if object_type != "deals":
            raise errors.validation(f"The sandbox has pipelines for deals only, not {object_type}")
        return Reply(200, pipelines_json(PORTAL_CREATED_MS))

    def list_properties(self, object_type: str) -> Reply:
        with self.crm.lock:
            props = list(self.crm.properties[object_type].values())
        return Reply(200, {"results": [p.to_json(object_type) for p in props]})

    def get_property(self, object_type: str, name: str) -> Reply:
        with self.crm.lock:
            prop = self.crm.properties[object_type].get(name)
        if prop is None:
            raise errors.ApiError(
                404,
                "OBJECT_NOT_FOUND",
                f'Unable to find property with name "{name}" on object type '
                f"{OBJECT_TYPE_IDS[object_type]}",
            )
        return Reply(200, prop.to_json(object_type))

    def create_property(self, object_type: str, body: dict[str, Any]) -> Reply:
        name, kind = body.get("name"), body.get("type")
        if not isinstance(name, str) or not _PROPERTY_NAME.match(name):
            raise errors.validation(
                "name must start with a lower-case letter and use only a-z, 0-9 and _"
            )
        if kind not in _PROPERTY_TYPES:
            raise errors.validation(f"type must be one of {', '.join(_PROPERTY_TYPES)}")
        options = body.get("options") or []
        if not isinstance(options, list):
            raise errors.validation("options must be a list")
        # Creating a property needs crm.schemas.{object}.write (private app scopes).
        if not self.crm.portal.schema_write:
            raise errors.missing_scopes(f"crm.schemas.{object_type}.write")
        unique = bool(body.get("hasUniqueValue", False))
        if unique and not self.crm.portal.allows_unique(object_type):
            # portal.UNIQUE_OBJECT_TYPES: the properties guide lists where unique values work.
            raise errors.validation(
                f"hasUniqueValue is not supported for {singular(object_type)} properties; "
                "unique values are available on contacts, companies, deals, tickets and custom "
                "objects"
            )
        group = body.get("groupName")
        # groupName is required (the SDK's PropertyCreate refuses None for it, as for name,
        # label, type and fieldType) and must name an existing group.
        if not isinstance(group, str) or group not in self.crm.groups[object_type]:
            raise errors.validation(
                f"groupName {group!r} is not a property group of {singular(object_type)}; "
                "create it first with POST /crm/v3/properties/{objectType}/groups"
            )
        if not body.get("label") or not body.get("fieldType"):
            raise errors.validation("label and fieldType are required")
        with self.crm.transaction():
            prop = PropertyDef(
                name=name,
                type=_PROPERTY_TYPES[kind],
                options=tuple(str(o.get("value")) for o in options if isinstance(o, dict)),
                unique=unique,
                hubspot_defined=False,
                label=str(body.get("label") or ""),
                group=group,
                created_ms=self.crm.now_ms(),
            )
            if name in self.crm.properties[object_type]:
                raise errors.ApiError(
                    409, "OBJECT_ALREADY_EXISTS", f"Property named '{name}' already exists."
                )
            self.crm.add_property(object_type, prop)
        return Reply(201, prop.to_json(object_type))

    def delete_property(self, object_type: str, name: str) -> Reply:
        with self.crm.transaction():
            prop = self.crm.properties[object_type].get(name)
            if prop is None:
                return self.get_property(object_type, name)  # HubSpot's 404
            if prop.hubspot_defined:
                raise errors.validation(
                    f"{name} is a HubSpot-defined property and cannot be deleted"
                )
            self.crm.delete_property(object_type, name)
        return Reply(204)

    def list_groups(self, object_type: str) -> Reply:
        with self.crm.lock:
            groups = list(self.crm.groups[object_type].values())
        return Reply(200, {"results": groups})

    def create_group(self, object_type: str, body: dict[str, Any]) -> Reply:
        """`POST /crm/v3/properties/{objectType}/groups` (developers.hubspot.com/docs/api/crm/
        properties, "Create a property group"): name and label required; 409 if it exists."""
        name, label = body.get("name"), body.get("label")
        if not isinstance(name, str) or not _PROPERTY_NAME.match(name) or not label:
            raise errors.validation("name (a-z, 0-9, _) and label are required")
        if not self.crm.portal.schema_write:
            raise errors.missing_scopes(f"crm.schemas.{object_type}.write")
        with self.crm.lock:
            if name in self.crm.groups[object_type]:
                raise errors.ApiError(
                    409, "OBJECT_ALREADY_EXISTS", f"Property group {name} already exists."
                )
            order = body.get("displayOrder")
            group = self.crm.add_group(
                object_type, name, str(label), order if isinstance(order, int) else -1
            )
        return Reply(201, group)
