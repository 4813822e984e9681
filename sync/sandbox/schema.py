"""What the sandbox's HubSpot portal looks like: object types, their properties, association types.

Property values travel as strings (or null) exactly as HubSpot sends them: numbers as "12500",
datetimes as ISO-8601 with milliseconds and "Z", booleans as "true"/"false". Writes accept what
HubSpot accepts (epoch milliseconds or ISO-8601 for datetimes, JSON numbers and booleans for
numbers and booleans) and are normalised to those shapes, so an adapter that parses what it reads
back is tested against HubSpot's real formats.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from functools import lru_cache

# HubSpot's account ("portal") id appears in custom event names (pe{portal}_...).
PORTAL_ID = 20_451_977


class PropType(StrEnum):
    STRING = "string"
    NUMBER = "number"
    DATETIME = "datetime"
    ENUMERATION = "enumeration"
    BOOL = "bool"


_FIELD_TYPES = {
    PropType.STRING: "text",
    PropType.NUMBER: "number",
    PropType.DATETIME: "date",
    PropType.ENUMERATION: "select",
    PropType.BOOL: "booleancheckbox",
}


@dataclass(frozen=True, slots=True)
class PropertyDef:
    name: str
    type: PropType = PropType.STRING
    options: tuple[str, ...] = ()  # allowed values of an enumeration; empty: any value
    unique: bool = False  # hasUniqueValue: usable as `idProperty` in batch upsert
    read_only: bool = False  # calculated or system-set: writes are rejected
    hubspot_defined: bool = True
    label: str = ""
    group: str = ""
    created_ms: int = 0

    def to_json(self, object_type: str) -> dict[str, object]:
        """The property as `GET /crm/v3/properties/{type}/{name}` describes it."""
        stamp = ms_to_iso(self.created_ms)
        return {
            "name": self.name,
            "label": self.label or self.name.replace("_", " ").capitalize(),
            "type": str(self.type),
            "fieldType": _FIELD_TYPES[self.type],
            "description": "",
            "groupName": self.group or f"{singular(object_type)}information",
            "options": [
                {"label": o, "value": o, "displayOrder": i, "hidden": False}
                for i, o in enumerate(self.options)
            ],
            "displayOrder": -1,
            "calculated": self.read_only,
            "externalOptions": False,
            "hasUniqueValue": self.unique,
            "hidden": False,
            "hubspotDefined": self.hubspot_defined,
            "formField": not self.read_only,
            "createdAt": stamp,
            "updatedAt": stamp,
            "archived": False,
            "modificationMetadata": {
                "archivable": not self.hubspot_defined,
                "readOnlyDefinition": self.hubspot_defined,
                "readOnlyValue": self.read_only,
            },
        }


# Object types the sandbox serves, by their plural path name, with HubSpot's object type ids.
OBJECT_TYPE_IDS = {
    "contacts": "0-1",
    "deals": "0-3",
    "calls": "0-48",
    "emails": "0-49",
    "meetings": "0-47",
    "notes": "0-46",
    "tasks": "0-27",
    "communications": "0-18",
}
ENGAGEMENT_TYPES = ("calls", "emails", "notes", "tasks", "meetings", "communications")
_SINGULAR = {
    "contacts": "contact",
    "deals": "deal",
    "calls": "call",
    "emails": "email",
    "meetings": "meeting",
    "notes": "note",
    "tasks": "task",
    "communications": "communication",
}
_ALIASES = {
    **{t: t for t in OBJECT_TYPE_IDS},
    **{s: t for t, s in _SINGULAR.items()},
    **{i: t for t, i in OBJECT_TYPE_IDS.items()},
}


def object_type(name: str) -> str | None:
    """The canonical plural name for a path segment HubSpot accepts ("contact", "0-1", ...)."""
    return _ALIASES.get(name.lower())


def singular(object_type: str) -> str:
    return _SINGULAR[object_type]


def modified_prop(object_type: str) -> str:
    """Contacts keep their modified date in `lastmodifieddate`, every other object in
    `hs_lastmodifieddate` (RESEARCH.md)."""
    return "lastmodifieddate" if object_type == "contacts" else "hs_lastmodifieddate"


def created_prop(object_type: str) -> str:
    return "createdate" if object_type in ("contacts", "deals") else "hs_createdate"


# HUBSPOT_DEFINED association type ids, per direction.
ASSOCIATION_TYPE_IDS: dict[tuple[str, str], int] = {
    ("deals", "contacts"): 3,
    ("contacts", "deals"): 4,
    ("calls", "contacts"): 194,
    ("contacts", "calls"): 193,
    ("emails", "contacts"): 198,
    ("contacts", "emails"): 197,
    ("meetings", "contacts"): 200,
    ("contacts", "meetings"): 199,
    ("notes", "contacts"): 202,
    ("contacts", "notes"): 201,
    ("tasks", "contacts"): 204,
    ("contacts", "tasks"): 203,
    ("communications", "contacts"): 81,
    ("contacts", "communications"): 82,
}


def association_label(from_type: str, to_type: str) -> str:
    """The v3 `type` string of an association, e.g. "call_to_contact"."""
    return f"{singular(from_type)}_to_{singular(to_type)}"


# HubSpot's call dispositions are GUIDs; these are the defaults every portal has.
CALL_DISPOSITIONS = {
    "busy": "9d9162e7-6cf3-4944-bf63-4dff82258764",
    "connected": "f240bbac-87c9-4f6e-bf70-924b57d47db7",
    "left_live_message": "a4c4c377-d246-4b32-a13b-75a56a4cd0ff",
    "left_voicemail": "b2cf5968-551e-4856-9783-52b3da59a7d0",
    "no_answer": "73a0d17f-1163-4015-bdd5-ec830791da20",
    "wrong_number": "17b47fee-58de-441e-a44c-c6300d46f273",
}

LIFECYCLE_STAGES = (
    "subscriber",
    "lead",
    "marketingqualifiedlead",
    "salesqualifiedlead",
    "opportunity",
    "customer",
    "evangelist",
    "other",
)
LEAD_STATUSES = (
    "NEW",
    "OPEN",
    "IN_PROGRESS",
    "OPEN_DEAL",
    "UNQUALIFIED",
    "ATTEMPTED_TO_CONTACT",
    "CONNECTED",
    "BAD_TIMING",
)
ANALYTICS_SOURCES = (
    "ORGANIC_SEARCH",
    "PAID_SEARCH",
    "EMAIL_MARKETING",
    "SOCIAL_MEDIA",
    "REFERRALS",
    "OTHER_CAMPAIGNS",
    "DIRECT_TRAFFIC",
    "OFFLINE",
    "PAID_SOCIAL",
    "AI_REFERRALS",
)
# The contact's "Number of Employees" is a picklist of ranges in HubSpot, not a number.
EMPLOYEE_RANGES = ("1-5", "5-25", "25-50", "50-100", "100-500", "500-1000", "1000+")
DEAL_STAGES = (
    "appointmentscheduled",
    "qualifiedtobuy",
    "presentationscheduled",
    "decisionmakerboughtin",
    "contractsent",
    "closedwon",
    "closedlost",
)

# A portal may add pipelines with stage ids of its own (developers.hubspot.com/docs/api/crm/
# pipelines): numeric ids, so "closedwon" means nothing there. pipeline -> stage -> (closed, won).
DEAL_PIPELINES: dict[str, dict[str, tuple[bool, bool]]] = {
    "default": {s: (s.startswith("closed"), s == "closedwon") for s in DEAL_STAGES},
    "31415926": {  # "Enterprise sales", a custom pipeline
        "31415927": (False, False),  # Discovery
        "31415928": (False, False),  # Proposal
        "31415929": (True, True),  # Signed
        "31415930": (True, False),  # Walked away
    },
}
CUSTOM_STAGES = tuple(DEAL_PIPELINES["31415926"])


def deal_closed(pipeline: str | None, stage: str | None) -> tuple[bool, bool]:
    """(hs_is_closed, hs_is_closed_won) of a deal in this pipeline and stage."""
    for stages in ([DEAL_PIPELINES.get(pipeline or "default", {})], DEAL_PIPELINES.values()):
        for found in stages:
            if stage in found:
                return found[stage or ""]
    return (False, False)


# Lifecycle stages move forward only through the API: a backward value is ignored without an
# error unless the property is first cleared ("") in a separate request. Stated by HubSpot staff
# on HubSpot's developer forum (integrate.hubspot.com/t/update-lifecycle-stage-using-api/1333)
# and in RESEARCH.md; the exact wording on developers.hubspot.com was not found this session.
def lifecycle_backward(current: str | None, wanted: str | None) -> bool:
    if not current or not wanted:
        return False
    order = {s: i for i, s in enumerate(LIFECYCLE_STAGES)}
    return order.get(wanted, 99) < order.get(current, -1)


S, N, D, E, B = (
    PropType.STRING,
    PropType.NUMBER,
    PropType.DATETIME,
    PropType.ENUMERATION,
    PropType.BOOL,
)


def _p(name: str, type_: PropType = S, *options: str, **kw: bool | str) -> PropertyDef:
    return PropertyDef(name, type_, tuple(options), **kw)  # type: ignore[arg-type]


# Properties every object has.
_COMMON = (_p("hs_object_id", N, read_only=True),)
_ENGAGEMENT_COMMON = (
    *_COMMON,
    _p("hs_timestamp", D),
    _p("hs_createdate", D, read_only=True),
    _p("hs_lastmodifieddate", D, read_only=True),
    _p("hubspot_owner_id", E),
)
# A fresh portal has HubSpot's default properties only (developers.hubspot.com/docs/api/crm/
# properties, "Default properties"): leadtui's own (leadtui_op_id, leadtui_outcome) exist only
# after `leadtui setup` creates them through the properties API.

_CONTACT = (
    *_COMMON,
    _p("firstname"),
    _p("lastname"),
    _p("email", unique=True),
    _p("phone"),
    _p("company"),
    _p("jobtitle"),
    _p("industry"),
    _p("numemployees", E, *EMPLOYEE_RANGES),
    _p("country"),
    # HubSpot's time zone picklist spells IANA zones as "america_slash_new_york".
    _p("hs_timezone"),
    _p("hubspot_owner_id", E),
    _p("hubspot_owner_assigneddate", D),
    _p("createdate", D),
    _p("lastmodifieddate", D, read_only=True),
    _p("lifecyclestage", E, *LIFECYCLE_STAGES),
    _p("hs_lead_status", E, *LEAD_STATUSES),
    _p("hs_analytics_source", E, *ANALYTICS_SOURCES, read_only=True),
    _p("hs_analytics_source_data_1", read_only=True),
    _p("hs_analytics_source_data_2", read_only=True),
    _p("hs_analytics_num_page_views", N, read_only=True),
    _p("hs_analytics_num_visits", N, read_only=True),
    # Analytics and conversion properties every portal keeps, whatever its tier
    # (knowledge.hubspot.com/properties/hubspots-default-contact-properties): what the web-events
    # API shows one by one on Enterprise, summed up on the contact.
    _p("hs_analytics_first_url", read_only=True),
    _p("hs_analytics_last_url", read_only=True),
    _p("hs_analytics_last_visit_timestamp", D, read_only=True),
    _p("first_conversion_event_name", read_only=True),
    _p("first_conversion_date", D, read_only=True),
    _p("recent_conversion_event_name", read_only=True),
    _p("recent_conversion_date", D, read_only=True),
    _p("num_conversion_events", N, read_only=True),
    _p("num_unique_conversion_events", N, read_only=True),
    _p("hs_email_last_email_name", read_only=True),
    _p("hs_email_last_open_date", D, read_only=True),
    _p("hs_email_last_click_date", D, read_only=True),
    _p("notes_last_updated", D, read_only=True),
    _p("hs_email_bad_address", B),
    # Not HubSpot's: the demo company's own form fields, which its marketing team created for
    # its demo-request form (every portal with custom form questions has some).
    _p("leadtui_problem", hubspot_defined=False, label="What problem are you trying to solve?"),
    _p("leadtui_timeline", hubspot_defined=False, label="When do you need a solution?"),
)
_DEAL = (
    *_COMMON,
    _p("dealname"),
    _p("amount", N),
    _p("dealstage", E, *DEAL_STAGES, *CUSTOM_STAGES),
    _p("pipeline", E, *DEAL_PIPELINES),
    _p("closedate", D),
    _p("createdate", D),
    _p("hs_lastmodifieddate", D, read_only=True),
    _p("hubspot_owner_id", E),
    # Calculated from the stage's metadata in any pipeline (developers.hubspot.com/docs/api/crm/
    # pipelines: a stage's isClosed and probability 1.0 = won): the way to tell won and lost
    # deals apart outside the default pipeline, whose stage ids are the only ones HubSpot fixes.
    _p("hs_is_closed_won", B, read_only=True),
    _p("hs_is_closed", B, read_only=True),
)
_CALL = (
    *_ENGAGEMENT_COMMON,
    _p("hs_call_title"),
    _p("hs_call_body"),
    _p("hs_call_direction", E, "INBOUND", "OUTBOUND"),
    _p("hs_call_disposition"),
    _p("hs_call_duration", N),
    _p(
        "hs_call_status",
        E,
        *(
            "BUSY",
            "CALLING_CRM_USER",
            "CANCELED",
            "COMPLETED",
            "CONNECTING",
            "FAILED",
            "IN_PROGRESS",
            "NO_ANSWER",
            "QUEUED",
            "RINGING",
        ),
    ),
    _p("hs_call_to_number"),
    _p("hs_call_from_number"),
)
_EMAIL = (
    *_ENGAGEMENT_COMMON,
    _p("hs_email_direction", E, "EMAIL", "INCOMING_EMAIL", "FORWARDED_EMAIL"),
    _p("hs_email_subject"),
    _p("hs_email_text"),
    _p("hs_email_html"),
    _p("hs_email_status", E, "BOUNCED", "FAILED", "SCHEDULED", "SENDING", "SENT"),
)
_NOTE = (*_ENGAGEMENT_COMMON, _p("hs_note_body"))
_TASK = (
    *_ENGAGEMENT_COMMON,
    _p("hs_task_subject"),
    _p("hs_task_body"),
    _p("hs_task_status", E, "NOT_STARTED", "IN_PROGRESS", "WAITING", "COMPLETED", "DEFERRED"),
    _p(
        "hs_task_type",
        E,
        "CALL",
        "EMAIL",
        "LINKED_IN",
        "MEETING",
        "LINKED_IN_CONNECT",
        "LINKED_IN_MESSAGE",
        "TODO",
    ),
    _p("hs_task_priority", E, "NONE", "LOW", "MEDIUM", "HIGH"),
)
_MEETING = (
    *_ENGAGEMENT_COMMON,
    _p("hs_meeting_title"),
    _p("hs_meeting_body"),
    _p("hs_meeting_start_time", D),
    _p("hs_meeting_end_time", D),
    _p("hs_meeting_outcome", E, "SCHEDULED", "COMPLETED", "RESCHEDULED", "NO_SHOW", "CANCELED"),
)
_COMMUNICATION = (
    *_ENGAGEMENT_COMMON,
    _p("hs_communication_channel_type", E, "SMS", "WHATS_APP", "LINKEDIN_MESSAGE"),
    _p("hs_communication_logged_from", E, "CRM"),
    _p("hs_communication_body"),
)

_CATALOG = {
    "contacts": _CONTACT,
    "deals": _DEAL,
    "calls": _CALL,
    "emails": _EMAIL,
    "notes": _NOTE,
    "tasks": _TASK,
    "meetings": _MEETING,
    "communications": _COMMUNICATION,
}


def default_properties(created_ms: int) -> dict[str, dict[str, PropertyDef]]:
    """A fresh portal's property definitions, by object type and name."""
    return {
        t: {p.name: replace(p, created_ms=created_ms) for p in props}
        for t, props in _CATALOG.items()
    }


# What a read returns when the caller names no properties (HubSpot's defaults).
DEFAULT_READ = {
    "contacts": ("createdate", "email", "firstname", "lastmodifieddate", "lastname"),
    "deals": ("amount", "closedate", "createdate", "dealname", "dealstage", "pipeline"),
}
# Returned whatever the caller asks for.
ALWAYS_READ = {
    "contacts": ("createdate", "lastmodifieddate", "hs_object_id"),
    "deals": ("createdate", "hs_lastmodifieddate", "hs_object_id"),
}
_ENGAGEMENT_ALWAYS = ("hs_createdate", "hs_lastmodifieddate", "hs_object_id")


def read_defaults(object_type: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(properties read by default, properties always read) for an object type."""
    always = ALWAYS_READ.get(object_type, _ENGAGEMENT_ALWAYS)
    return DEFAULT_READ.get(object_type, ()), always


# Values -----------------------------------------------------------------------------------------


class InvalidValue(ValueError):
    """A property value HubSpot would refuse; `code` is HubSpot's error code for it."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


_EPOCH = datetime(1970, 1, 1)


@lru_cache(maxsize=4096)  # a record's dates often repeat; sharing the string saves memory
def ms_to_iso(ms: int) -> str:
    """HubSpot's datetime shape: ISO-8601, UTC, milliseconds, "Z"."""
    return (_EPOCH + timedelta(milliseconds=ms)).isoformat(timespec="milliseconds") + "Z"


def dt_to_ms(moment: datetime) -> int:
    return round(moment.timestamp() * 1000)


def parse_time_ms(raw: str) -> int:
    """Epoch milliseconds or ISO-8601 (a bare date means midnight UTC), as HubSpot accepts."""
    text = raw.strip()
    if text.lstrip("-").isdigit():
        return int(text)
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return dt_to_ms(moment)


def format_number(number: float) -> str:
    return str(int(number)) if number.is_integer() else repr(number)


def normalize(prop: PropertyDef, raw: object) -> str | None:
    """The stored string for a written value, or InvalidValue. "" and null clear the property."""
    if raw is None:
        return None
    if isinstance(raw, dict | list):
        raise InvalidValue("INVALID_TYPE", f"{raw!r} is not a valid value for {prop.name}")
    if isinstance(raw, bool):
        text = "true" if raw else "false"
    elif isinstance(raw, int | float):
        text = format_number(float(raw))
    else:
        text = str(raw)
    if text == "":
        return None
    if prop.type is PropType.NUMBER:
        try:
            number = float(text)
        except ValueError:
            raise InvalidValue("INVALID_FLOAT", f"{text} was not a valid number") from None
        if not math.isfinite(number):
            raise InvalidValue("INVALID_FLOAT", f"{text} was not a valid number")
        return format_number(number)
    if prop.type is PropType.DATETIME:
        try:
            return ms_to_iso(parse_time_ms(text))
        except (ValueError, OverflowError, OSError):
            raise InvalidValue(
                "INVALID_DATE", f"{text} was not a valid long or ISO-8601 datetime"
            ) from None
    if prop.type is PropType.BOOL:
        if text.lower() not in ("true", "false"):
            raise InvalidValue("INVALID_BOOLEAN", f"{text} was not a valid boolean")
        return text.lower()
    if prop.type is PropType.ENUMERATION and prop.options and text not in prop.options:
        allowed = ", ".join(prop.options)
        raise InvalidValue(
            "INVALID_OPTION", f"{text} was not one of the allowed options: [{allowed}]"
        )
    if prop.name == "email" and ("@" not in text or " " in text.strip()):
        raise InvalidValue("INVALID_EMAIL", f"Email address {text} is invalid")
    return text


def sort_key(prop: PropertyDef | None, value: str | None) -> tuple[int, float | str]:
    """A key that orders values as HubSpot does for the property's type; no value sorts last."""
    if value is None:
        return (1, 0.0)
    if prop is not None and prop.type is PropType.NUMBER:
        try:
            return (0, float(value))
        except ValueError:
            return (0, math.inf)
    if prop is not None and prop.type is PropType.DATETIME:
        try:
            return (0, float(parse_time_ms(value)))
        except ValueError:
            return (0, math.inf)
    return (0, value.lower())
