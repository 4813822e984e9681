"""leadtui's demo data as HubSpot records: the one place the domain meets HubSpot's vocabulary.

The mapping follows how a sales team's HubSpot portal really holds these facts, so the HubSpot
adapter is tested against realistic data. Where HubSpot's vocabulary is coarser than leadtui's the
exact value is kept too (the source in `hs_analytics_source_data_1`, the touch outcome in the
custom `leadtui_outcome`), and the reverse helpers below read either.

Conventions an adapter needs:
- Lead status is the pair (lifecyclestage, hs_lead_status), see STATUS_TO_HUBSPOT.
- A touch is one engagement: a call, an email (direction EMAIL, hs_email_status BOUNCED or SENT),
  a meeting, or a communication (LinkedIn or SMS). An engagement without `hubspot_owner_id` was
  made by automation. A reply to an email is a second email with direction INCOMING_EMAIL and no
  `leadtui_outcome`: it is the prospect's message, not a touch.
- A disqualified lead keeps its reason and closing time in `leadtui_disqualify_reason` and
  `leadtui_closed_at` (the note "Disqualified: <reason>" the rep wrote is for people to read);
  bad contact data is in `leadtui_bad_phone` and `leadtui_bad_email`.
- An opportunity is a deal associated with the contact: amount, dealstage (closedwon, closedlost,
  or an open stage), createdate = opportunity date, closedate = won or lost date.
- hs_timezone holds HubSpot's spelling of IANA zones ("america_slash_new_york").
- numemployees is HubSpot's picklist of ranges ("100-500"), not a number.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from leadtui.demo import DemoLead
from leadtui.domain.models import Channel, Lead, LeadStatus, Outcome, Owner, Touch
from sync.sandbox.schema import CALL_DISPOSITIONS, EMPLOYEE_RANGES, dt_to_ms, ms_to_iso
from sync.sandbox.webevents import EVENT_TYPES, WebEvent

CUSTOM_PIPELINE = "31415926"

# Contact ids are the demo lead ids shifted, so a mix-up of local and CRM ids shows in tests.
CONTACT_ID_OFFSET = 150

STATUS_TO_HUBSPOT: dict[LeadStatus, tuple[str, str]] = {
    LeadStatus.NEW: ("lead", "NEW"),
    LeadStatus.WORKING: ("salesqualifiedlead", "IN_PROGRESS"),
    LeadStatus.NURTURE: ("marketingqualifiedlead", "BAD_TIMING"),
    LeadStatus.CONVERTED: ("opportunity", "OPEN_DEAL"),
    LeadStatus.WON: ("customer", "OPEN_DEAL"),
    LeadStatus.LOST: ("opportunity", "UNQUALIFIED"),
    LeadStatus.DISQUALIFIED: ("other", "UNQUALIFIED"),
}
_STATUS_FROM_PAIR = {pair: status for status, pair in STATUS_TO_HUBSPOT.items()}

SOURCE_TO_ANALYTICS = {
    "organic_search": "ORGANIC_SEARCH",
    "paid_search": "PAID_SEARCH",
    "linkedin_ads": "PAID_SOCIAL",
    "webinar": "OTHER_CAMPAIGNS",
    "referral": "REFERRALS",
    "partner": "REFERRALS",
    "events": "OFFLINE",
}

OUTCOME_DISPOSITION = {
    Outcome.CONNECTED: CALL_DISPOSITIONS["connected"],
    Outcome.NO_ANSWER: CALL_DISPOSITIONS["no_answer"],
    Outcome.LEFT_VOICEMAIL: CALL_DISPOSITIONS["left_voicemail"],
    Outcome.BUSY: CALL_DISPOSITIONS["busy"],
    Outcome.WRONG_NUMBER: CALL_DISPOSITIONS["wrong_number"],
    # HubSpot has no "bad number" disposition: wrong number is the nearest.
    Outcome.BAD_NUMBER: CALL_DISPOSITIONS["wrong_number"],
}
DISPOSITION_OUTCOME = {
    CALL_DISPOSITIONS["connected"]: Outcome.CONNECTED,
    CALL_DISPOSITIONS["no_answer"]: Outcome.NO_ANSWER,
    CALL_DISPOSITIONS["left_voicemail"]: Outcome.LEFT_VOICEMAIL,
    CALL_DISPOSITIONS["left_live_message"]: Outcome.LEFT_VOICEMAIL,
    CALL_DISPOSITIONS["busy"]: Outcome.BUSY,
    CALL_DISPOSITIONS["wrong_number"]: Outcome.WRONG_NUMBER,
}
_COMMUNICATION_CHANNELS = {Channel.LINKEDIN: "LINKEDIN_MESSAGE", Channel.SMS: "SMS"}
_MEETING_OUTCOMES = {
    Outcome.CONNECTED: "COMPLETED",
    Outcome.MEETING_BOOKED: "SCHEDULED",
    Outcome.NO_ANSWER: "NO_SHOW",
}
REPLY_DELAY = timedelta(hours=3)


def lead_status(lifecyclestage: str | None, hs_lead_status: str | None) -> LeadStatus:
    """The leadtui status of a contact, also for pairs this module never writes."""
    pair = (lifecyclestage or "", hs_lead_status or "")
    if pair in _STATUS_FROM_PAIR:
        return _STATUS_FROM_PAIR[pair]
    if pair[0] == "customer":
        return LeadStatus.WON
    if pair[0] == "opportunity" or pair[1] == "OPEN_DEAL":
        return LeadStatus.CONVERTED
    if pair[1] == "UNQUALIFIED":
        return LeadStatus.DISQUALIFIED
    if pair[1] in ("IN_PROGRESS", "ATTEMPTED_TO_CONTACT", "CONNECTED", "OPEN"):
        return LeadStatus.WORKING
    if pair[1] == "BAD_TIMING":
        return LeadStatus.NURTURE
    return LeadStatus.NEW


def hubspot_timezone(iana: str) -> str:
    return iana.lower().replace("/", "_slash_") if iana else ""


def iana_timezone(hubspot: str) -> str:
    """Best effort: "america_slash_new_york" -> "America/New_York"."""
    parts = hubspot.split("_slash_")
    return "/".join("_".join(w.capitalize() for w in p.split("_")) for p in parts)


def employee_range(size: int | None) -> str:
    """The range with the largest lower bound not above `size`. HubSpot's ranges share their
    bounds ("5-25", "25-50") and a reader keeps the lower bound (sync.hubspot_map.company_size):
    a 25-person company must read back as 25, not 5, or it loses its "small business" fit."""
    if size is None:
        return ""
    chosen = EMPLOYEE_RANGES[0]
    for label in EMPLOYEE_RANGES:
        if int(label.split("-")[0].rstrip("+")) <= size:
            chosen = label
    return chosen


@dataclass(frozen=True, slots=True)
class SeedObject:
    """A record to insert: its type, stored property strings and timestamps (epoch ms)."""

    object_type: str
    props: dict[str, str]
    created_ms: int
    updated_ms: int


@dataclass(frozen=True, slots=True)
class SeedContact:
    contact: SeedObject
    deals: tuple[SeedObject, ...] = ()
    engagements: tuple[SeedObject, ...] = ()
    events: tuple[WebEvent, ...] = field(default_factory=tuple)


def owner_id(owner: Owner, index: int) -> str:
    return owner.crm_id or str(1001 + index)


def owner_json(owner: Owner, index: int, created_ms: int) -> dict[str, object]:
    """An owner as `GET /crm/v3/owners` returns it."""
    oid = owner_id(owner, index)
    user_id = 7_100_000 + int(oid)
    stamp = ms_to_iso(created_ms)
    return {
        "id": oid,
        "email": owner.email,
        "type": "PERSON",
        "firstName": owner.first_name,
        "lastName": owner.last_name,
        "userId": user_id,
        "userIdIncludingInactive": user_id,
        "createdAt": stamp,
        "updatedAt": stamp,
        "archived": False,
        "teams": [],
    }


def _clean(props: Mapping[str, str | None]) -> dict[str, str]:
    """Stored props: HubSpot returns an empty value as null, so it is not kept."""
    return {k: v for k, v in props.items() if v}


def contact_bundle(demo: DemoLead, owner_ids: dict[str, str], now: datetime) -> SeedContact:
    """The contact, its deal, engagements and web events for one demo lead."""
    lead = demo.lead
    now_ms = dt_to_ms(now)
    engagements = [
        obj for touch in demo.touches for obj in touch_records(touch, lead, owner_ids, now_ms)
    ]
    if lead.status is LeadStatus.DISQUALIFIED:
        engagements.append(_disqualified_note(lead, owner_ids, demo.touches))
    deals = (_deal(lead, owner_ids),) if lead.opportunity_at else ()
    events = tuple(
        WebEvent(
            EVENT_TYPES[e.kind], dt_to_ms(e.occurred_at), sys.intern(e.url), sys.intern(e.title)
        )
        for e in demo.events
    )
    moments = [lead.created_at, lead.clock_start]
    moments += [t for t in (lead.opportunity_at, lead.closed_at, lead.won_at) if t]
    updated = max(
        [dt_to_ms(m) for m in moments]
        + [e.updated_ms for e in engagements]
        + [d.updated_ms for d in deals]
    )
    contact = SeedObject(
        "contacts",
        contact_props(lead, owner_ids, demo, engagements),
        dt_to_ms(lead.created_at),
        min(updated, now_ms),
    )
    return SeedContact(contact, deals, tuple(engagements), events)


def contact_props(
    lead: Lead, owner_ids: dict[str, str], demo: DemoLead, engagements: Iterable[SeedObject]
) -> dict[str, str]:
    first, _, last = lead.name.partition(" ")
    lifecycle, lead_status_value = STATUS_TO_HUBSPOT[lead.status]
    page_views = [e for e in demo.events if e.kind.value == "page_view"]
    conversions = sorted(
        (e for e in demo.events if e.kind.value in ("form_submission", "download")),
        key=lambda e: e.occurred_at,
    )
    # The demo's downloads before its lead form were anonymous: the form made the contact (its
    # createdate), so that form is the first conversion, where marketing's handoff time starts.
    forms = [e for e in conversions if e.kind.value == "form_submission"] or conversions
    touch_times = [e.props["hs_timestamp"] for e in engagements if "hs_timestamp" in e.props]
    page_views.sort(key=lambda e: e.occurred_at)
    opens = [e.occurred_at for e in demo.events if e.kind.value == "email_open"]
    clicks = [e.occurred_at for e in demo.events if e.kind.value == "email_click"]
    mails = sorted(
        (e for e in demo.events if e.kind.value in ("email_open", "email_click")),
        key=lambda e: e.occurred_at,
    )

    def iso(moment: datetime | None) -> str:
        return ms_to_iso(dt_to_ms(moment)) if moment else ""

    return _clean(
        {
            "firstname": first,
            "lastname": last,
            "email": lead.email,
            "phone": lead.phone,
            "company": lead.company,
            "jobtitle": lead.job_title,
            "industry": lead.industry,
            "numemployees": employee_range(lead.company_size),
            "country": lead.country,
            "hs_timezone": hubspot_timezone(lead.timezone),
            "hubspot_owner_id": owner_ids.get(lead.owner, ""),
            "hubspot_owner_assigneddate": ms_to_iso(dt_to_ms(lead.clock_start))
            if lead.owner
            else "",
            "createdate": ms_to_iso(dt_to_ms(lead.created_at)),
            "lifecyclestage": lifecycle,
            "hs_lead_status": lead_status_value,
            "hs_analytics_source": SOURCE_TO_ANALYTICS.get(lead.source, "OTHER_CAMPAIGNS"),
            "hs_analytics_source_data_1": lead.source,
            "hs_analytics_num_page_views": str(len(page_views)),
            "hs_analytics_num_visits": str(len({e.occurred_at.date() for e in page_views})),
            # The analytics summary HubSpot keeps on every contact, whatever the tier.
            "hs_analytics_first_url": page_views[0].url if page_views else "",
            "hs_analytics_last_url": page_views[-1].url if page_views else "",
            "hs_analytics_last_visit_timestamp": iso(
                page_views[-1].occurred_at if page_views else None
            ),
            "first_conversion_event_name": forms[0].title if forms else "",
            "first_conversion_date": iso(forms[0].occurred_at if forms else None),
            "recent_conversion_event_name": conversions[-1].title if conversions else "",
            "recent_conversion_date": iso(conversions[-1].occurred_at if conversions else None),
            "num_conversion_events": str(len(conversions)),
            "num_unique_conversion_events": str(len({c.title for c in conversions})),
            "hs_email_last_email_name": mails[-1].title if mails else "",
            "hs_email_last_open_date": iso(max(opens) if opens else None),
            "hs_email_last_click_date": iso(max(clicks) if clicks else None),
            "notes_last_updated": max(touch_times) if touch_times else "",
            "hs_email_bad_address": "true" if lead.email_bad else "",
            "leadtui_bad_email": "true" if lead.email_bad else "",
            "leadtui_bad_phone": "true" if lead.phone_bad else "",
            "leadtui_disqualify_reason": lead.disqualified_reason
            if lead.status is LeadStatus.DISQUALIFIED
            else "",
            "leadtui_closed_at": ms_to_iso(dt_to_ms(lead.closed_at))
            if lead.status is LeadStatus.DISQUALIFIED and lead.closed_at
            else "",
            "leadtui_problem": lead.form_problem,
            "leadtui_timeline": lead.form_timeline,
        }
    )


def touch_records(
    touch: Touch, lead: Lead, owner_ids: dict[str, str], now_ms: int
) -> list[SeedObject]:
    """The engagement(s) HubSpot holds for one touch (an email reply adds a second one)."""
    at = dt_to_ms(touch.occurred_at)
    base: dict[str, str | None] = {
        "hs_timestamp": ms_to_iso(at),
        "hubspot_owner_id": None if touch.automated else owner_ids.get(touch.by),
        "leadtui_outcome": str(touch.outcome),
    }
    first = lead.name.partition(" ")[0]
    if touch.channel is Channel.CALL:
        kind = "calls"
        props = {
            "hs_call_title": f"Call with {lead.name}",
            "hs_call_body": touch.note,
            "hs_call_direction": "OUTBOUND",
            "hs_call_disposition": OUTCOME_DISPOSITION.get(
                touch.outcome, CALL_DISPOSITIONS["connected"]
            ),
            "hs_call_status": "COMPLETED",
            "hs_call_to_number": lead.phone,
        }
    elif touch.channel is Channel.EMAIL:
        kind = "emails"
        props = {
            "hs_email_direction": "EMAIL",
            "hs_email_subject": "Your leadtui demo request",
            "hs_email_text": touch.note or f"Hi {first}, thanks for asking for a demo.",
            "hs_email_status": "BOUNCED" if touch.outcome is Outcome.BOUNCED else "SENT",
        }
    elif touch.channel is Channel.MEETING:
        kind = "meetings"
        props = {
            "hs_meeting_title": f"leadtui demo with {lead.name}",
            "hs_meeting_body": touch.note,
            "hs_meeting_start_time": ms_to_iso(at),
            "hs_meeting_end_time": ms_to_iso(at + 30 * 60_000),
            "hs_meeting_outcome": _MEETING_OUTCOMES.get(touch.outcome, "COMPLETED"),
        }
    elif touch.channel in _COMMUNICATION_CHANNELS:
        kind = "communications"
        props = {
            "hs_communication_channel_type": _COMMUNICATION_CHANNELS[touch.channel],
            "hs_communication_logged_from": "CRM",
            "hs_communication_body": touch.note or f"Hi {first}, following up on your request.",
        }
    else:  # a plain task step, done
        kind = "tasks"
        props = {"hs_task_subject": touch.note or "Task", "hs_task_status": "COMPLETED"}
    records = [SeedObject(kind, _clean({**base, **props}), at, at)]
    if touch.channel is Channel.EMAIL and touch.outcome is Outcome.REPLIED:
        reply_at = min(at + int(REPLY_DELAY.total_seconds() * 1000), now_ms)
        reply = {
            "hs_timestamp": ms_to_iso(reply_at),
            "hubspot_owner_id": base["hubspot_owner_id"],
            "hs_email_direction": "INCOMING_EMAIL",
            "hs_email_subject": "Re: Your leadtui demo request",
            "hs_email_text": "Thanks, happy to talk. Does Thursday work?",
        }
        records.append(SeedObject("emails", _clean(reply), reply_at, reply_at))
    return records


def _disqualified_note(
    lead: Lead, owner_ids: dict[str, str], touches: tuple[Touch, ...]
) -> SeedObject:
    when = lead.closed_at or (touches[-1].occurred_at if touches else lead.created_at)
    at = dt_to_ms(when)
    props = {
        "hs_timestamp": ms_to_iso(at),
        "hs_note_body": f"Disqualified: {lead.disqualified_reason or 'no reason given'}",
        "hubspot_owner_id": owner_ids.get(lead.owner, ""),
    }
    return SeedObject("notes", _clean(props), at, at)


def _deal(lead: Lead, owner_ids: dict[str, str]) -> SeedObject:
    assert lead.opportunity_at is not None
    opened = dt_to_ms(lead.opportunity_at)
    # Every third deal runs in the portal's custom pipeline, whose stage ids are numbers: only
    # hs_is_closed_won / hs_is_closed tell won from lost there (schema.DEAL_PIPELINES).
    custom = lead.id % 3 == 0
    if lead.status is LeadStatus.WON:
        stage, closes = "closedwon", lead.won_at or lead.closed_at
    elif lead.status is LeadStatus.LOST:
        stage, closes = "closedlost", lead.closed_at
    else:
        stage, closes = "appointmentscheduled", lead.opportunity_at + timedelta(days=45)
    pipeline = "default"
    if custom:
        pipeline = CUSTOM_PIPELINE
        stage = {"closedwon": "31415929", "closedlost": "31415930"}.get(stage, "31415927")
    closes_ms = dt_to_ms(closes) if closes else opened
    props = {
        "dealname": f"{lead.company or lead.name} - {lead.name}",
        "amount": f"{lead.deal_value:.0f}" if lead.deal_value is not None else "",
        "dealstage": stage,
        "pipeline": pipeline,
        "createdate": ms_to_iso(opened),
        "closedate": ms_to_iso(closes_ms),
        "hubspot_owner_id": owner_ids.get(lead.owner, ""),
    }
    updated = closes_ms if lead.status in (LeadStatus.WON, LeadStatus.LOST) else opened
    return SeedObject("deals", _clean(props), opened, updated)
