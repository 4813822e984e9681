"""HubSpot records to leadtui's domain types, and back for pushes.

Every HubSpot property value is a string or null (RESEARCH.md), and real portals hold every kind of
half-filled record, so each reader here tolerates a missing or malformed value and a record is
skipped only when a field leadtui cannot do without (its created date) is unusable.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from functools import cache, lru_cache
from typing import Any
from zoneinfo import available_timezones

from leadtui.domain.models import Channel, Event, EventKind, Lead, LeadStatus, Outcome, Touch
from sync.protocol import PulledEvent


class BadRecord(ValueError):
    """A record leadtui cannot use; the message says which field and why."""


# The contact's analytics and conversion summary, kept by every portal whatever its tier
# (knowledge.hubspot.com/properties/hubspots-default-contact-properties): the context a rep gets
# where the events API (Enterprise only) is not available.
SUMMARY_PROPERTIES = (
    "hs_analytics_num_page_views",
    "hs_analytics_num_visits",
    "hs_analytics_first_url",
    "hs_analytics_last_url",
    "hs_analytics_last_visit_timestamp",
    "first_conversion_event_name",
    "first_conversion_date",
    "recent_conversion_event_name",
    "recent_conversion_date",
    "num_conversion_events",
    "hs_email_last_email_name",
    "hs_email_last_open_date",
    "hs_email_last_click_date",
)
SUMMARY_PREFIX = "summary:"  # crm ids of events made from the summary, not the events API
# Marketing email opens and clicks are not in the events API (developers.hubspot.com/docs/guides/
# api/analytics-and-events/event-analytics): the summary is their only source on every portal.
SUMMARY_ONLY_KINDS = frozenset({EventKind.EMAIL_OPEN, EventKind.EMAIL_CLICK})
CONTACT_PROPERTIES = (
    "firstname",
    "lastname",
    "email",
    "phone",
    "company",
    "jobtitle",
    "industry",
    "numemployees",
    "country",
    "hs_timezone",
    "hubspot_owner_id",
    "hubspot_owner_assigneddate",
    "createdate",
    "lastmodifieddate",
    "lifecyclestage",
    "hs_lead_status",
    "hs_analytics_source",
    "hs_analytics_source_data_1",
    *SUMMARY_PROPERTIES,
    "hs_email_bad_address",
    "leadtui_problem",
    "leadtui_timeline",
    "leadtui_disqualify_reason",
    "leadtui_closed_at",
    "leadtui_bad_phone",
    "leadtui_bad_email",
)
DEAL_PROPERTIES = (
    "amount",
    "dealstage",
    "pipeline",
    "hs_is_closed_won",
    "hs_is_closed",
    "closedate",
    "createdate",
    "hs_lastmodifieddate",
)
_ENGAGEMENT_COMMON = ("hs_timestamp", "hubspot_owner_id", "leadtui_outcome", "leadtui_op_id")
ENGAGEMENT_PROPERTIES: dict[str, tuple[str, ...]] = {
    "calls": (*_ENGAGEMENT_COMMON, "hs_call_disposition", "hs_call_body", "hs_call_title"),
    "emails": (
        *_ENGAGEMENT_COMMON,
        "hs_email_direction",
        "hs_email_status",
        "hs_email_subject",
    ),
    "meetings": (*_ENGAGEMENT_COMMON, "hs_meeting_outcome", "hs_meeting_title"),
    "communications": (
        *_ENGAGEMENT_COMMON,
        "hs_communication_channel_type",
        "hs_communication_body",
    ),
    "notes": (*_ENGAGEMENT_COMMON, "hs_note_body"),
}

# HubSpot's default call dispositions are GUIDs, the same in every portal.
DISPOSITIONS: dict[str, Outcome] = {
    "9d9162e7-6cf3-4944-bf63-4dff82258764": Outcome.BUSY,
    "f240bbac-87c9-4f6e-bf70-924b57d47db7": Outcome.CONNECTED,
    # "Left live message": a message with a person, as good as a voicemail for the cadence.
    "a4c4c377-d246-4b32-a13b-75a56a4cd0ff": Outcome.LEFT_VOICEMAIL,
    "b2cf5968-551e-4856-9783-52b3da59a7d0": Outcome.LEFT_VOICEMAIL,
    "73a0d17f-1163-4015-bdd5-ec830791da20": Outcome.NO_ANSWER,
    "17b47fee-58de-441e-a44c-c6300d46f273": Outcome.WRONG_NUMBER,
}
DISPOSITION_OF: dict[Outcome, str] = {
    Outcome.BUSY: "9d9162e7-6cf3-4944-bf63-4dff82258764",
    Outcome.CONNECTED: "f240bbac-87c9-4f6e-bf70-924b57d47db7",
    Outcome.LEFT_VOICEMAIL: "b2cf5968-551e-4856-9783-52b3da59a7d0",
    Outcome.NO_ANSWER: "73a0d17f-1163-4015-bdd5-ec830791da20",
    Outcome.WRONG_NUMBER: "17b47fee-58de-441e-a44c-c6300d46f273",
    Outcome.BAD_NUMBER: "17b47fee-58de-441e-a44c-c6300d46f273",
}

# hs_analytics_source is HubSpot's coarse channel; leadtui's sources are finer where the
# drill-down (source_data_1) says more.
_SOURCES = {
    "ORGANIC_SEARCH": "organic_search",
    "PAID_SEARCH": "paid_search",
    "PAID_SOCIAL": "paid_social",
    "SOCIAL_MEDIA": "social_media",
    "REFERRALS": "referral",
    "EMAIL_MARKETING": "email_marketing",
    "OTHER_CAMPAIGNS": "other_campaigns",
    "DIRECT_TRAFFIC": "direct_traffic",
    "OFFLINE": "offline",
    "AI_REFERRALS": "ai_referrals",
}

# Lead status is the pair (lifecyclestage, hs_lead_status): neither alone says enough.
_STATUS_PAIRS: dict[tuple[str, str], LeadStatus] = {
    ("lead", "NEW"): LeadStatus.NEW,
    ("salesqualifiedlead", "IN_PROGRESS"): LeadStatus.WORKING,
    ("marketingqualifiedlead", "BAD_TIMING"): LeadStatus.NURTURE,
    ("opportunity", "OPEN_DEAL"): LeadStatus.CONVERTED,
    ("customer", "OPEN_DEAL"): LeadStatus.WON,
    ("opportunity", "UNQUALIFIED"): LeadStatus.LOST,
    ("other", "UNQUALIFIED"): LeadStatus.DISQUALIFIED,
}
HUBSPOT_STATUS_OF: dict[LeadStatus, tuple[str, str]] = {v: k for k, v in _STATUS_PAIRS.items()}
# leadtui's own source names; HubSpot's drill-down keeps them where the coarse channel cannot.
LEADTUI_SOURCES = frozenset(
    {"organic_search", "paid_search", "linkedin_ads", "webinar", "referral", "partner", "events"}
)


def lead_status(lifecycle: str, hs_lead_status: str) -> LeadStatus:
    found = _STATUS_PAIRS.get((lifecycle, hs_lead_status))
    if found is not None:
        return found
    if lifecycle == "customer":
        return LeadStatus.WON
    if lifecycle == "opportunity" or hs_lead_status == "OPEN_DEAL":
        return LeadStatus.CONVERTED
    if hs_lead_status == "UNQUALIFIED":
        return LeadStatus.DISQUALIFIED
    if hs_lead_status in ("IN_PROGRESS", "ATTEMPTED_TO_CONTACT", "CONNECTED", "OPEN"):
        return LeadStatus.WORKING
    if hs_lead_status == "BAD_TIMING":
        return LeadStatus.NURTURE
    return LeadStatus.NEW


def text(props: Mapping[str, Any], name: str) -> str:
    value = props.get(name)
    return value.strip() if value.__class__ is str or isinstance(value, str) else ""


def when(props: Mapping[str, Any], name: str) -> datetime | None:
    """A HubSpot datetime (ISO-8601 or epoch ms), or None when missing or malformed."""
    value = props.get(name)
    if not isinstance(value, str) or not value.strip():
        return None
    raw = value.strip()
    try:
        if raw[-1:].isdigit() and raw.lstrip("-").isdigit():
            return datetime.fromtimestamp(int(raw) / 1000, tz=UTC)
        moment = datetime.fromisoformat(raw)  # Python 3.11 reads HubSpot's "...Z" as is
    except (ValueError, OverflowError, OSError):
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def number(props: Mapping[str, Any], name: str) -> float | None:
    value = props.get(name)
    if not isinstance(value, str):
        return None
    try:
        result = float(value)
    except ValueError:
        return None
    return result if result == result and abs(result) != float("inf") else None


@cache
def _zones_by_lower() -> dict[str, str]:
    return {zone.lower(): zone for zone in available_timezones()}


@lru_cache(maxsize=1024)  # picklist values: few, and read for every contact
def timezone_of(raw: str) -> str:
    """HubSpot spells IANA zones "america_slash_new_york"; "" when it is no zone we know."""
    if not raw:
        return ""
    candidate = raw.replace("_slash_", "/").lower()
    return _zones_by_lower().get(candidate, "")


@lru_cache(maxsize=1024)
def company_size(raw: str) -> int | None:
    """numemployees is a picklist of ranges ("50-100", "1000+"): keep the lower bound, a size
    the company surely has."""
    head = raw.split("-")[0].rstrip("+").strip()
    return int(head) if head.isdigit() else None


def source_of(props: Mapping[str, Any]) -> str:
    coarse = text(props, "hs_analytics_source")
    detail = text(props, "hs_analytics_source_data_1").lower()
    if detail in LEADTUI_SOURCES:
        return detail
    if coarse == "PAID_SOCIAL" and "linkedin" in detail:
        return "linkedin_ads"
    return _SOURCES.get(coarse, coarse.lower() or "unknown")


def contact_to_lead(record: Mapping[str, Any], owner_emails: Mapping[str, str]) -> Lead:
    """A contact as a lead (id 0, status from the contact alone; deals are applied after)."""
    crm_id = record.get("id")
    props = record.get("properties")
    if not isinstance(crm_id, str | int) or not str(crm_id):
        raise BadRecord("no id")
    if not isinstance(props, Mapping):
        raise BadRecord("no properties")
    # No fallback to `createdAt`: a contact whose createdate is unusable is damaged data, and a
    # guessed date would start a wrong speed-to-lead clock. Skip and report it instead.
    created = when(props, "createdate")
    if created is None:
        raise BadRecord("createdate is missing or not a date")
    # Every value read once, as stripped text: non-strings (numbers, lists, nulls) are "".
    p = {k: v.strip() for k, v in props.items() if isinstance(v, str)}
    get = p.get
    email = get("email", "")
    name = f"{get('firstname', '')} {get('lastname', '')}".strip()
    return Lead(
        id=0,
        crm_id=str(crm_id),
        name=name or email or f"Contact {crm_id}",
        email=email,
        owner=owner_emails.get(get("hubspot_owner_id", ""), ""),
        source=source_of(p),
        status=lead_status(get("lifecyclestage", ""), get("hs_lead_status", "")),
        created_at=created,
        routed_at=when(p, "hubspot_owner_assigneddate"),
        company=get("company", ""),
        phone=get("phone", ""),
        job_title=get("jobtitle", ""),
        industry=get("industry", ""),
        company_size=company_size(get("numemployees", "")),
        country=get("country", ""),
        timezone=timezone_of(get("hs_timezone", "")),
        form_problem=get("leadtui_problem", ""),
        form_timeline=get("leadtui_timeline", ""),
        email_bad=_email_bad(p),
        phone_bad=get("leadtui_bad_phone", "").lower() == "true",
        closed_at=when(p, "leadtui_closed_at"),
        disqualified_reason=get("leadtui_disqualify_reason", ""),
        # The form that made them a lead: marketing's handoff time runs from it to routing.
        form_submitted_at=when(p, "first_conversion_date"),
    )


def _email_bad(props: Mapping[str, str]) -> bool:
    own = props.get("leadtui_bad_email", "").lower()
    return own == "true" if own else props.get("hs_email_bad_address", "").lower() == "true"


def flags(props: Mapping[str, Any]) -> tuple[bool | None, bool | None]:
    """(bad phone, bad email) as leadtui recorded them on the contact; None where it did not."""

    def one(name: str) -> bool | None:
        value = text(props, name).lower()
        return None if not value else value == "true"

    return one("leadtui_bad_phone"), one("leadtui_bad_email")


def modified_of(record: Mapping[str, Any]) -> datetime | None:
    props = record.get("properties")
    found = when(props, "lastmodifieddate") if isinstance(props, Mapping) else None
    return found or _iso(record.get("updatedAt"))


def _iso(value: Any) -> datetime | None:
    return when({"v": value}, "v")


def _deal_state(props: Mapping[str, Any]) -> str:
    """ "closedwon", "closedlost" or "open" in any pipeline: hs_is_closed_won and hs_is_closed
    hold everywhere (developers.hubspot.com/docs/api/crm/pipelines); the stage ids closedwon and
    closedlost exist in the default pipeline only, so they are a fallback for old replies."""
    won, closed = text(props, "hs_is_closed_won").lower(), text(props, "hs_is_closed").lower()
    if won or closed:
        if won == "true":
            return "closedwon"
        return "closedlost" if closed == "true" else "open"
    stage = text(props, "dealstage")
    return stage if stage in ("closedwon", "closedlost") else "open"


def summary_events(record: Mapping[str, Any]) -> list[PulledEvent]:
    """Events made from the contact's analytics summary: last page seen, first and most recent
    conversion, last marketing email open and click. Their crm ids carry the date, so a later
    conversion adds an event rather than replacing the earlier one."""
    props = record.get("properties")
    if not isinstance(props, Mapping):
        return []
    crm_id = str(record.get("id") or "")
    found: list[PulledEvent] = []

    def add(kind: EventKind, at_prop: str, url: str, title: str) -> None:
        at = when(props, at_prop)
        if at is not None and (url or title):
            key = f"{SUMMARY_PREFIX}{crm_id}:{at_prop}:{int(at.timestamp())}"
            found.append(PulledEvent(key, Event(kind, at, url, title)))

    add(
        EventKind.PAGE_VIEW,
        "hs_analytics_last_visit_timestamp",
        text(props, "hs_analytics_last_url"),
        "Last page seen",
    )
    for prefix in ("first", "recent"):
        add(
            EventKind.FORM_SUBMISSION,
            f"{prefix}_conversion_date",
            "",
            text(props, f"{prefix}_conversion_event_name"),
        )
    email = text(props, "hs_email_last_email_name") or "Marketing email"
    add(EventKind.EMAIL_OPEN, "hs_email_last_open_date", "", email)
    add(EventKind.EMAIL_CLICK, "hs_email_last_click_date", "", email)
    # The first and recent conversion are often the same one.
    unique = {(e.event.kind, e.event.occurred_at, e.event.title): e for e in found}
    return list(unique.values())


def apply_deals(lead: Lead, deals: list[Mapping[str, Any]]) -> Lead:
    """The lead's opportunity and outcome from its deals: the first deal opened the opportunity;
    a won deal wins; else an open deal keeps it converted; else all lost means lost."""
    parsed = []
    for deal in deals:
        props = deal.get("properties")
        if not isinstance(props, Mapping):
            continue
        opened = when(props, "createdate") or _iso(deal.get("createdAt"))
        if opened is None:
            continue
        state = _deal_state(props)
        parsed.append(
            (opened, state != "open", state == "closedwon", when(props, "closedate"), props)
        )
    if not parsed:
        return lead
    parsed.sort(key=lambda item: item[0])
    opportunity_at = parsed[0][0]
    won_deals = [p for p in parsed if p[2]]
    open_deals = [p for p in parsed if not p[1]]
    changes: dict[str, Any] = {"opportunity_at": opportunity_at}
    if won_deals:
        closed_at = max((p[3] or p[0]) for p in won_deals)
        value = sum(number(p[4], "amount") or 0.0 for p in won_deals)
        changes |= {
            "status": LeadStatus.WON,
            "won_at": closed_at,
            "closed_at": closed_at,
            "deal_value": value or None,
        }
    elif open_deals:
        amounts = [number(p[4], "amount") for p in open_deals]
        changes |= {
            "status": LeadStatus.CONVERTED,
            "closed_at": None,
            "deal_value": next((a for a in amounts if a is not None), None),
        }
    else:
        closed_at = max((p[3] or p[0]) for p in parsed)
        changes |= {"status": LeadStatus.LOST, "closed_at": closed_at}
    return lead._replace(**changes)


def _outcome(props: Mapping[str, Any], fallback: Outcome) -> Outcome:
    own = text(props, "leadtui_outcome")
    try:
        return Outcome(own) if own else fallback
    except ValueError:
        return fallback


_MEETING_OUTCOMES = {
    "SCHEDULED": Outcome.MEETING_BOOKED,
    "RESCHEDULED": Outcome.MEETING_BOOKED,
    "COMPLETED": Outcome.CONNECTED,
    "NO_SHOW": Outcome.NO_ANSWER,
    "CANCELED": Outcome.NO_ANSWER,
}


def is_reply(kind: str, record: Mapping[str, Any]) -> bool:
    """An incoming email: the prospect's message, which makes the last email sent a reply."""
    props = record.get("properties")
    return (
        kind == "emails"
        and isinstance(props, Mapping)
        and text(props, "hs_email_direction") == "INCOMING_EMAIL"
        and not text(props, "leadtui_outcome")
    )


def engagement_time(record: Mapping[str, Any]) -> datetime:
    props = record.get("properties")
    at = when(props, "hs_timestamp") if isinstance(props, Mapping) else None
    if at is None:
        raise BadRecord("hs_timestamp is missing or not a date")
    return at


def engagement_to_touch(
    kind: str, record: Mapping[str, Any], owner_emails: Mapping[str, str]
) -> Touch | None:
    """A call, email, meeting or message as a touch; None for kinds that are not touches
    (notes, tasks, replies). Raises BadRecord when it has no usable timestamp."""
    props = record.get("properties")
    if not isinstance(props, Mapping):
        raise BadRecord("no properties")
    if kind not in ("calls", "emails", "meetings", "communications") or is_reply(kind, record):
        return None
    at = engagement_time(record)
    owner_id = text(props, "hubspot_owner_id")
    by = owner_emails.get(owner_id, "")
    # An engagement with no owner was made by automation (a sequence or a workflow).
    automated = not owner_id
    if kind == "calls":
        guess = DISPOSITIONS.get(text(props, "hs_call_disposition"), Outcome.NO_ANSWER)
        channel, note = Channel.CALL, text(props, "hs_call_body")
    elif kind == "emails":
        bounced = text(props, "hs_email_status") == "BOUNCED"
        guess = Outcome.BOUNCED if bounced else Outcome.SENT
        channel, note = Channel.EMAIL, text(props, "hs_email_subject")
    elif kind == "meetings":
        guess = _MEETING_OUTCOMES.get(text(props, "hs_meeting_outcome"), Outcome.MEETING_BOOKED)
        channel, note = Channel.MEETING, text(props, "hs_meeting_title")
    else:
        kind_of = text(props, "hs_communication_channel_type")
        channel = Channel.LINKEDIN if kind_of == "LINKEDIN_MESSAGE" else Channel.SMS
        guess, note = Outcome.SENT, text(props, "hs_communication_body")
    return Touch(channel, _outcome(props, guess), at, note, by, automated)


def touch_properties(touch: Touch, owner_id: str, op_id: str) -> tuple[str, dict[str, Any]]:
    """(object type, properties) to create a touch in HubSpot."""
    stamp = touch.occurred_at.astimezone(UTC).isoformat().replace("+00:00", "Z")
    common: dict[str, Any] = {
        "hs_timestamp": stamp,
        "leadtui_op_id": op_id,
        "leadtui_outcome": touch.outcome.value,
    }
    if owner_id:
        common["hubspot_owner_id"] = owner_id
    if touch.channel is Channel.CALL:
        props = {"hs_call_body": touch.note, "hs_call_direction": "OUTBOUND"}
        if touch.outcome in DISPOSITION_OF:
            props["hs_call_disposition"] = DISPOSITION_OF[touch.outcome]
        return "calls", common | props
    if touch.channel is Channel.EMAIL:
        direction = "INCOMING_EMAIL" if touch.outcome is Outcome.REPLIED else "EMAIL"
        props = {"hs_email_direction": direction, "hs_email_subject": touch.note}
        if touch.outcome is Outcome.BOUNCED:
            props["hs_email_status"] = "BOUNCED"
        return "emails", common | props
    if touch.channel is Channel.MEETING:
        return "meetings", common | {
            "hs_meeting_title": touch.note,
            "hs_meeting_outcome": "SCHEDULED",
        }
    channel = "LINKEDIN_MESSAGE" if touch.channel is Channel.LINKEDIN else "SMS"
    return "communications", common | {
        "hs_communication_channel_type": channel,
        "hs_communication_logged_from": "CRM",
        "hs_communication_body": touch.note,
    }
