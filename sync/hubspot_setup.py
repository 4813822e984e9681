"""What leadtui needs in a HubSpot portal, how to check it (read-only) and how to create it.

A fresh portal has HubSpot's default properties only. leadtui keeps two of its own on the records
it creates, in its own property group "leadtui" (developers.hubspot.com/docs/api/crm/properties,
"Property groups": "if your integration creates custom properties, a custom property group will
make it easy to identify that data"):
- `leadtui_op_id`: the outbox operation that made the record, so a create whose reply was lost
  is found again instead of made twice. Unique-valued where HubSpot allows it (contacts,
  companies, deals, tickets, custom objects; some portals on engagements too), which makes the
  create a batch upsert; elsewhere a plain text property looked up through search.
- `leadtui_outcome`: the touch outcome in leadtui's words, finer than HubSpot's fields.
And four on contacts, for the rep's decisions HubSpot has no field for (sync/hubspot_push.py):
`leadtui_disqualify_reason`, `leadtui_closed_at`, `leadtui_bad_phone`, `leadtui_bad_email`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sync.http import Forbidden, Http, RequestError
from sync.protocol import Feature

GROUP = "leadtui"
OP_ID = "leadtui_op_id"
OUTCOME = "leadtui_outcome"
TOUCH_TYPES = ("calls", "emails", "meetings", "communications", "notes")
OP_ID_TYPES = (*TOUCH_TYPES, "deals")
OUTCOMES = (
    "connected",
    "no_answer",
    "left_voicemail",
    "busy",
    "wrong_number",
    "bad_number",
    "replied",
    "meeting_booked",
    "bounced",
    "sent",
)
# Private app scopes (developers.hubspot.com/docs/apps/legacy-apps/authentication/scopes).
SCOPES = {
    "contacts_read": "crm.objects.contacts.read",
    "contacts_write": "crm.objects.contacts.write",
    "owners": "crm.objects.owners.read",
    "deals": "crm.objects.deals.read",
    "calls": "crm.objects.contacts.read",
    "emails": "sales-email-read",
    "notes": "crm.objects.contacts.read",
    "meetings": "crm.objects.contacts.read",
    "custom_properties": "crm.schemas.contacts.write",
}
HOW_TO_ADD = (
    "add it under Settings > Integrations > Private Apps > your app > Scopes, then use the "
    "new token"
)


def op_id_definition(object_type: str, unique: bool) -> dict[str, Any]:
    return {
        "name": OP_ID,
        "label": "leadtui operation id",
        "description": "The leadtui change that created this record (keeps retries from "
        "making duplicates).",
        "groupName": GROUP,
        "type": "string",
        "fieldType": "text",
        "hasUniqueValue": unique,
        "formField": False,
    }


def outcome_definition() -> dict[str, Any]:
    return {
        "name": OUTCOME,
        "label": "leadtui outcome",
        "description": "The touch's outcome as the rep logged it in leadtui.",
        "groupName": GROUP,
        "type": "enumeration",
        "fieldType": "select",
        "options": [
            {"label": o.replace("_", " ").capitalize(), "value": o, "displayOrder": i}
            for i, o in enumerate(OUTCOMES)
        ],
        "formField": False,
    }


# Contact properties for decisions: (name, label, HubSpot type, field type).
DECISIONS = (
    ("leadtui_disqualify_reason", "Disqualify reason (leadtui)", "string", "text"),
    ("leadtui_closed_at", "Closed (leadtui)", "datetime", "date"),
    ("leadtui_bad_phone", "Bad phone number (leadtui)", "bool", "booleancheckbox"),
    ("leadtui_bad_email", "Bad email address (leadtui)", "bool", "booleancheckbox"),
)
SETUP_TYPES = (*OP_ID_TYPES, "contacts")


def decision_definition(name: str) -> dict[str, Any]:
    _, label, kind, field_type = next(d for d in DECISIONS if d[0] == name)
    definition: dict[str, Any] = {
        "name": name,
        "label": label,
        "groupName": GROUP,
        "type": kind,
        "fieldType": field_type,
        "formField": False,
    }
    if kind == "bool":
        definition["options"] = [
            {"label": "Yes", "value": "true", "displayOrder": 0},
            {"label": "No", "value": "false", "displayOrder": 1},
        ]
    return definition


def wanted(object_type: str) -> list[str]:
    if object_type == "contacts":
        return [d[0] for d in DECISIONS]
    return [OP_ID, OUTCOME] if object_type in TOUCH_TYPES and object_type != "notes" else [OP_ID]


def read_property(http: Http, object_type: str, name: str) -> dict[str, Any] | None:
    try:
        found = http.call("GET", f"/crm/v3/properties/{object_type}/{name}")
    except RequestError as exc:
        if exc.status == 404:
            return None
        raise
    return found if isinstance(found, dict) else None


def setup(http: Http) -> list[str]:
    """Create the group and properties that are missing; what exists is left alone."""
    done: list[str] = []
    for object_type in SETUP_TYPES:
        names = wanted(object_type)
        try:
            missing = [n for n in names if read_property(http, object_type, n) is None]
        except Forbidden as exc:
            # The token may not use this object type at all: leadtui will not log it there.
            scopes = ", ".join(exc.scopes) or "a scope for it"
            done.append(f"skipped {object_type}: the token may not use them (needs {scopes})")
            continue
        if not missing:
            continue
        groups = http.call("GET", f"/crm/v3/properties/{object_type}/groups") or {}
        if not any(g.get("name") == GROUP for g in groups.get("results") or []):
            http.call(
                "POST",
                f"/crm/v3/properties/{object_type}/groups",
                json={"name": GROUP, "label": "leadtui", "displayOrder": -1},
            )
            done.append(f"created the property group '{GROUP}' on {object_type}")
        for name in missing:
            if object_type == "contacts":
                http.call(
                    "POST", f"/crm/v3/properties/{object_type}", json=decision_definition(name)
                )
                done.append(f"created {object_type}.{name}")
                continue
            if name == OUTCOME:
                http.call("POST", f"/crm/v3/properties/{object_type}", json=outcome_definition())
                done.append(f"created {object_type}.{OUTCOME}")
                continue
            try:
                http.call(
                    "POST",
                    f"/crm/v3/properties/{object_type}",
                    json=op_id_definition(object_type, unique=True),
                )
                done.append(f"created {object_type}.{OP_ID} (unique values: retries upsert)")
            except RequestError as exc:
                if exc.status != 400:
                    raise
                # This portal allows no unique values on this object type: a plain property,
                # found through search after a lost reply.
                http.call(
                    "POST",
                    f"/crm/v3/properties/{object_type}",
                    json=op_id_definition(object_type, unique=False),
                )
                done.append(f"created {object_type}.{OP_ID} (searched after a lost reply)")
    return done


def _probe(name: str, call: Callable[[], Any], why_tier: str = "") -> Feature:
    try:
        call()
    except Forbidden as exc:
        scope = ", ".join(exc.scopes) or SCOPES.get(name, "")
        if why_tier:
            return Feature(name, False, why_tier)
        return Feature(name, False, f"the token lacks the scope {scope}; {HOW_TO_ADD}")
    return Feature(name, True)


def features(http: Http) -> list[Feature]:
    """What the token can do, by reading only. A bad token raises AuthError (401)."""

    def sample(path: str) -> Callable[[], Any]:
        return lambda: http.call("GET", path, params={"limit": 1})

    found = [
        _probe("contacts_read", sample("/crm/v3/objects/contacts")),
        # Writing cannot be probed without writing; the first push says so if it is refused.
        Feature("contacts_write", True, ""),
        _probe("owners", sample("/crm/v3/owners")),
        *(_probe(t, sample(f"/crm/v3/objects/{t}")) for t in ("calls", "emails", "notes")),
        _probe("meetings", sample("/crm/v3/objects/meetings")),
        _probe("deals", sample("/crm/v3/objects/deals")),
        _probe(
            "web_activity",
            lambda: http.call("GET", "/events/v3/events/event-types"),
            why_tier="web activity (page views, downloads, webinars one by one) needs a "
            "Marketing, Sales, Service or Content Hub Enterprise subscription; without it "
            "leadtui shows the contact's analytics summary instead",
        ),
    ]
    missing = []
    for object_type in SETUP_TYPES:
        try:
            missing += [
                f"{object_type}.{n}"
                for n in wanted(object_type)
                if read_property(http, object_type, n) is None
            ]
        except Forbidden:
            continue  # that object type is reported off above
    if missing:
        found.append(
            Feature(
                "custom_properties",
                False,
                f"{', '.join(missing)} do not exist yet; run `leadtui setup` (it needs the "
                "crm.schemas.*.write scopes)",
            )
        )
    else:
        found.append(Feature("custom_properties", True))
    return found
