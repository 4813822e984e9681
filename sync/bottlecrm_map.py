"""BottleCRM records to leadtui's domain types, and back for pushes.

BottleCRM 1.35 (PyPI `django-crm`), read from its source: a lead's `status` is one of assigned,
in process, converted, recycled, closed (common/utils.py LEAD_STATUS); `assigned_to` is a list of
org profiles; a touch is an interaction (interactions/models.py: kind call, meeting, email,
whatsapp, sms, enquiry; an outcome only on calls: connected, no_answer, voicemail, busy,
wrong_number); a note is a comment on the lead. Interactions carry no field leadtui can write its
operation id into (`external_id` is the server's), so leadtui's own touches and notes end with a
marker line, `[leadtui <op id> <channel> <outcome>]`, that names the op and keeps the exact
channel and outcome BottleCRM's choices cannot hold.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from leadtui.domain.models import Channel, Lead, LeadStatus, Outcome, Touch


class BadRecord(ValueError):
    """A record leadtui cannot use; the message says which field and why."""


STATUS_OF: dict[str, LeadStatus] = {
    "assigned": LeadStatus.NEW,
    "in process": LeadStatus.WORKING,
    "recycled": LeadStatus.NURTURE,
    "closed": LeadStatus.DISQUALIFIED,
    "converted": LeadStatus.CONVERTED,
}
BOTTLE_STATUS_OF: dict[LeadStatus, str] = {
    LeadStatus.NEW: "assigned",
    LeadStatus.WORKING: "in process",
    LeadStatus.NURTURE: "recycled",
    LeadStatus.DISQUALIFIED: "closed",
    LeadStatus.CONVERTED: "converted",
}
KIND_OF: dict[Channel, str] = {
    Channel.CALL: "call",
    Channel.EMAIL: "email",
    Channel.SMS: "sms",
    Channel.MEETING: "meeting",
}
CHANNEL_OF: dict[str, Channel] = {
    "call": Channel.CALL,
    "email": Channel.EMAIL,
    "sms": Channel.SMS,
    "whatsapp": Channel.SMS,  # a text message all the same, for cadences and the SLA
    "meeting": Channel.MEETING,
}
CALL_OUTCOME_OF: dict[str, Outcome] = {
    "connected": Outcome.CONNECTED,
    "no_answer": Outcome.NO_ANSWER,
    "voicemail": Outcome.LEFT_VOICEMAIL,
    "busy": Outcome.BUSY,
    "wrong_number": Outcome.WRONG_NUMBER,
}
BOTTLE_CALL_OUTCOME: dict[Outcome, str] = {
    Outcome.CONNECTED: "connected",
    Outcome.NO_ANSWER: "no_answer",
    Outcome.LEFT_VOICEMAIL: "voicemail",
    Outcome.BUSY: "busy",
    Outcome.WRONG_NUMBER: "wrong_number",
    Outcome.BAD_NUMBER: "wrong_number",
    Outcome.MEETING_BOOKED: "connected",
    Outcome.REPLIED: "connected",
}
# BottleCRM's answer-tracking annotations (leads/response.py): they move whenever time passes or
# any interaction is logged, so a lead's fingerprint leaves them out.
VOLATILE = frozenset({"waiting_since", "is_unanswered"})
CONTACT_FIELDS = ("last_contacted", "last_outbound_at", "first_response_at", "last_enquiry_at")
MARKER = re.compile(r"\n*\[leadtui (?P<op>[\w.:-]+)(?: (?P<channel>\w+) (?P<outcome>\w+))?\]\s*$")


def text(record: Mapping[str, Any], key: str) -> str:
    value = record.get(key)
    return value.strip() if isinstance(value, str) else ""


def when(record: Mapping[str, Any], key: str) -> datetime | None:
    value = record.get(key)
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def fingerprint(record: Mapping[str, Any]) -> str:
    """What a lead looks like now, short: any change to a field BottleCRM lists changes it.
    Nested records (assignees, creator, tags) count by id: their own details (a user's last
    login) change without the lead changing."""
    kept = {k: _ids(v) for k, v in record.items() if k not in VOLATILE}
    raw = json.dumps(kept, sort_keys=True, default=str).encode()
    return hashlib.blake2b(raw, digest_size=8).hexdigest()


def _ids(value: Any) -> Any:
    if isinstance(value, Mapping):
        return value.get("id", value)
    if isinstance(value, list):
        return [_ids(v) for v in value]
    return value


def contact_mark(record: Mapping[str, Any]) -> str:
    """The fields an interaction moves (interactions/service.py refresh_lead_response): when
    they are unchanged, the lead's interactions need not be read again."""
    return "|".join(str(record.get(k) or "") for k in CONTACT_FIELDS)


def owner_email(record: Mapping[str, Any], prefer: str = "") -> str:
    """BottleCRM assigns a lead to several users, leadtui to one: `prefer` (the rep whose leads
    are pulled) when among them, else the first."""
    emails = []
    for profile in record.get("assigned_to") or []:
        if isinstance(profile, Mapping):
            details = profile.get("user_details")
            if isinstance(details, Mapping) and isinstance(details.get("email"), str):
                emails.append(str(details["email"]))
    for email in emails:
        if prefer and email.lower() == prefer.lower():
            return email
    return emails[0] if emails else ""


def lead_of(record: Mapping[str, Any], prefer_owner: str = "") -> Lead:
    crm_id = text(record, "id")
    created = when(record, "created_at")
    if not crm_id or created is None:
        raise BadRecord("a lead without id or created_at")
    status = STATUS_OF.get(text(record, "status"))
    if status is None:
        raise BadRecord(f"unknown status {record.get('status')!r}")
    amount = _number(record.get("opportunity_amount"))
    name = " ".join(p for p in (text(record, "first_name"), text(record, "last_name")) if p)
    return Lead(
        id=0,
        name=name or text(record, "title") or text(record, "email"),
        email=text(record, "email"),
        owner=owner_email(record, prefer_owner),
        source=text(record, "source"),
        status=status,
        created_at=created,
        crm_id=crm_id,
        company=text(record, "company_name"),
        phone=text(record, "phone"),
        job_title=text(record, "job_title"),
        industry=text(record, "industry"),
        country=text(record, "country"),
        # The amount a converted lead's opportunity was made with; before that an estimate.
        deal_value=amount if status is LeadStatus.CONVERTED else None,
    )


def _number(value: Any) -> float | None:
    try:
        return float(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def split_marker(body: str) -> tuple[str, str, str, str]:
    """(text without the marker, op id, channel, outcome); empty strings when unmarked."""
    found = MARKER.search(body)
    if found is None:
        return body, "", "", ""
    return (
        body[: found.start()],
        found.group("op"),
        found.group("channel") or "",
        found.group("outcome") or "",
    )


def marker(op_id: str, touch: Touch | None = None) -> str:
    if touch is None:
        return f"[leadtui {op_id}]"
    return f"[leadtui {op_id} {touch.channel.value} {touch.outcome.value}]"


def with_marker(text_: str, mark: str) -> str:
    return f"{text_}\n\n{mark}" if text_ else mark


def touch_of(record: Mapping[str, Any]) -> tuple[Touch, str] | None:
    """(the touch, leadtui's op id or ""); None for what is not a rep's touch (an enquiry, an
    inbound message). BadRecord if malformed."""
    kind = text(record, "kind")
    if kind not in CHANNEL_OF or text(record, "direction") == "inbound":
        return None
    occurred = when(record, "occurred_at")
    if occurred is None:
        raise BadRecord("an interaction without occurred_at")
    body, op_id, channel, outcome = split_marker(str(record.get("body") or ""))
    logged_by = record.get("logged_by_details")
    by = str(logged_by.get("email") or "") if isinstance(logged_by, Mapping) else ""
    if op_id and channel in Channel._value2member_map_ and outcome in Outcome._value2member_map_:
        touch_channel, touch_outcome = Channel(channel), Outcome(outcome)
    else:
        touch_channel = CHANNEL_OF[kind]
        if kind == "call":
            # A call logged without an outcome was a conversation someone chose to record.
            touch_outcome = CALL_OUTCOME_OF.get(text(record, "outcome"), Outcome.CONNECTED)
        elif kind == "meeting":
            touch_outcome = Outcome.CONNECTED
        else:
            touch_outcome = Outcome.SENT
    # Interactions written by an integration (origin other than a person's) are automation.
    automated = text(record, "origin") not in ("", "manual", "phone_tap")
    return Touch(touch_channel, touch_outcome, occurred, body.strip(), by, automated), op_id


def interaction_body(touch: Touch, op_id: str) -> dict[str, Any]:
    kind = KIND_OF[touch.channel]
    body: dict[str, Any] = {
        "kind": kind,
        "direction": "outbound",
        "occurred_at": stamp(touch.occurred_at),
        "subject": f"{touch.channel.value}: {touch.outcome.value.replace('_', ' ')}",
        "body": with_marker(touch.note, marker(op_id, touch)),
    }
    if kind == "call":
        body["outcome"] = BOTTLE_CALL_OUTCOME.get(touch.outcome, "")
    return body
