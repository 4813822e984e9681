"""Web-activity events (`GET /events/v3/events`), stored compactly and shaped as HubSpot's.

A big demo has close to ten events per contact, so each is a small tuple rather than a dict; the
HubSpot JSON is built only when a page of them is read.

How leadtui's event kinds appear (every event carries `hs_url` and `hs_page_title`, the title of
the page, form, asset, webinar or email, so an adapter reads url and title the same way):

| kind            | eventType                          | extra properties                     |
|-----------------|------------------------------------|--------------------------------------|
| page_view       | e_visited_page                     | hs_title                             |
| form_submission | e_submitted_form                   | hs_form_title, hs_form_id            |
| download        | pe{portal}_content_download        | hs_asset_title (custom event)        |
| webinar         | pe{portal}_webinar_attended        | hs_webinar_title (custom event)      |
| email_open      | e_opened_email                     | hs_email_subject                     |
| email_click     | e_clicked_email                    | hs_email_subject                     |
"""

from __future__ import annotations

import uuid
from typing import Any, NamedTuple

from leadtui.domain.models import EventKind
from sync.sandbox.schema import PORTAL_ID, ms_to_iso

EVENT_TYPES: dict[EventKind, str] = {
    EventKind.PAGE_VIEW: "e_visited_page",
    EventKind.FORM_SUBMISSION: "e_submitted_form",
    EventKind.DOWNLOAD: f"pe{PORTAL_ID}_content_download",
    EventKind.WEBINAR: f"pe{PORTAL_ID}_webinar_attended",
    EventKind.EMAIL_OPEN: "e_opened_email",
    EventKind.EMAIL_CLICK: "e_clicked_email",
}
KINDS_BY_TYPE = {name: kind for kind, name in EVENT_TYPES.items()}
# Marketing email opens and clicks: kept for the contact's summary, not served by the events API.
MARKETING_EMAIL_TYPES = frozenset(
    {EVENT_TYPES[EventKind.EMAIL_OPEN], EVENT_TYPES[EventKind.EMAIL_CLICK]}
)
_EXTRA_TITLE = {
    "e_visited_page": "hs_title",
    "e_submitted_form": "hs_form_title",
    EVENT_TYPES[EventKind.DOWNLOAD]: "hs_asset_title",
    EVENT_TYPES[EventKind.WEBINAR]: "hs_webinar_title",
    "e_opened_email": "hs_email_subject",
    "e_clicked_email": "hs_email_subject",
}
_IDS = uuid.UUID("6f1d8a4e-2b7c-4d8e-9a51-0c3e5b7d9f21")


class WebEvent(NamedTuple):
    event_type: str
    occurred_ms: int
    url: str
    title: str


def event_id(contact_id: int, seq: int) -> str:
    """Stable, HubSpot-like (uuid) ids: the same seed gives the same ids."""
    return str(uuid.uuid5(_IDS, f"{contact_id}:{seq}"))


def to_json(contact_id: int, seq: int, event: WebEvent) -> dict[str, Any]:
    props: dict[str, str] = {"hs_url": event.url, "hs_page_title": event.title}
    extra = _EXTRA_TITLE.get(event.event_type)
    if extra:
        props[extra] = event.title
    if event.event_type == "e_submitted_form":
        props["hs_form_id"] = str(uuid.uuid5(_IDS, f"form:{event.title}"))
    return {
        "objectType": "CONTACT",
        "objectId": str(contact_id),
        "eventType": event.event_type,
        "occurredAt": ms_to_iso(event.occurred_ms),
        "id": event_id(contact_id, seq),
        "properties": props,
    }
