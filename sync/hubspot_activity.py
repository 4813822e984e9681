"""A page of contacts' activity: deals and engagements through v4 associations and batch reads,
web events through the events API. Requests for one page run side by side on a small pool (the
request budget still applies), because a page's activity takes many more calls than its contacts.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import Executor, Future
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from leadtui.domain.models import Channel, Event, EventKind, Outcome
from sync import hubspot_map as hm
from sync.http import Forbidden, Http
from sync.protocol import PulledEvent, PulledNote, PulledTouch, Skipped

ENGAGEMENT_TYPES = ("calls", "emails", "meetings", "communications", "notes")
BATCH_READ = 100  # inputs per batch read (HubSpot's limit)
# Inputs per v4 association batch read: HubSpot takes up to 1,000 (its changelog, "Batch Read
# Limit for HubSpot Associations API", 2025).
ASSOC_BATCH = 1000
EVENTS_PAGE = 100

EVENT_KINDS: dict[str, EventKind] = {
    "e_visited_page": EventKind.PAGE_VIEW,
    "e_submitted_form": EventKind.FORM_SUBMISSION,
    "e_opened_email": EventKind.EMAIL_OPEN,
    "e_clicked_email": EventKind.EMAIL_CLICK,
}
# Custom behavioural events are named pe{portal id}_{name}: match on the name part.
CUSTOM_EVENT_KINDS: dict[str, EventKind] = {
    "content_download": EventKind.DOWNLOAD,
    "webinar_attended": EventKind.WEBINAR,
}


class Activity:
    """What one contact's associations brought back."""

    __slots__ = ("deals", "events", "notes", "replies", "touches")

    def __init__(self) -> None:
        self.replies: list[datetime] = []
        self.touches: list[PulledTouch] = []
        self.notes: list[PulledNote] = []
        self.events: list[PulledEvent] = []
        self.deals: list[Mapping[str, Any]] = []


def event_kind(event_type: str) -> EventKind | None:
    if event_type in EVENT_KINDS:
        return EVENT_KINDS[event_type]
    if event_type.startswith("pe") and "_" in event_type:
        return CUSTOM_EVENT_KINDS.get(event_type.split("_", 1)[1])
    return None


def event_from_json(item: Mapping[str, Any]) -> PulledEvent | None:
    """A web event, None for event types leadtui does not score; BadRecord if malformed."""
    kind = event_kind(str(item.get("eventType") or ""))
    if kind is None:
        return None
    event_id = item.get("id")
    occurred = hm.when({"t": item.get("occurredAt")}, "t")
    if not event_id or occurred is None:
        raise hm.BadRecord("an event without id or occurredAt")
    props = item.get("properties")
    props = props if isinstance(props, Mapping) else {}
    title = hm.text(props, "hs_page_title") or hm.text(props, "hs_title")
    return PulledEvent(str(event_id), Event(kind, occurred, hm.text(props, "hs_url"), title))


def _chunks(items: Sequence[str], size: int) -> Iterable[list[str]]:
    for start in range(0, len(items), size):
        yield list(items[start : start + size])


def _associations(http: Http, to_type: str, ids: list[str]) -> dict[str, list[str]]:
    """Each contact's associated records of `to_type`, every page of them: a v4 batch-read
    result pages per record (`paging.next.after`), resent as {"id", "after"} until done
    (developers.hubspot.com/docs/api/crm/associations)."""
    found: dict[str, list[str]] = defaultdict(list)
    inputs: list[dict[str, str]] = [{"id": i} for i in ids]
    while inputs:
        reply = http.call(
            "POST", f"/crm/v4/associations/contacts/{to_type}/batch/read", json={"inputs": inputs}
        )
        inputs = []
        for result in (reply or {}).get("results") or []:
            if not isinstance(result, Mapping):
                continue
            source = result.get("from")
            contact = str(source.get("id")) if isinstance(source, Mapping) else ""
            for target in result.get("to") or []:
                if isinstance(target, Mapping) and target.get("toObjectId") is not None:
                    found[contact].append(str(target["toObjectId"]))
            paging = result.get("paging")
            nxt = paging.get("next") if isinstance(paging, Mapping) else None
            after = nxt.get("after") if isinstance(nxt, Mapping) else None
            if contact and after:
                inputs.append({"id": contact, "after": str(after)})
    return found


def _batch_read(http: Http, object_type: str, ids: list[str]) -> list[Mapping[str, Any]]:
    properties = hm.ENGAGEMENT_PROPERTIES.get(object_type, hm.DEAL_PROPERTIES)
    reply = http.call(
        "POST",
        f"/crm/v3/objects/{object_type}/batch/read",
        json={"properties": list(properties), "inputs": [{"id": i} for i in ids]},
    )
    return [r for r in (reply or {}).get("results") or [] if isinstance(r, Mapping)]


def event_stream(http: Http, since_ms: int | None) -> dict[str, list[Mapping[str, Any]]]:
    """Every contact's web events since `since_ms` (None: all), by contact id: one paged stream
    per pull. The events API's parameters are all optional (developers.hubspot.com/docs/
    api-reference/latest/events/retrieve-events/get-events), so no request per contact."""
    found: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    after: str | None = None
    while True:
        params: dict[str, Any] = {"objectType": "contact", "limit": EVENTS_PAGE}
        if since_ms is not None:
            # A date-time, as the SDK sends it (EventsApi.get_page(occurred_after=datetime)).
            moment = datetime.fromtimestamp(since_ms / 1000, tz=UTC)
            params["occurredAfter"] = moment.isoformat().replace("+00:00", "Z")
        if after:
            params["after"] = after
        reply = http.call("GET", "/events/v3/events", params=params) or {}
        for item in reply.get("results") or []:
            if isinstance(item, Mapping) and item.get("objectId") is not None:
                found[str(item["objectId"])].append(item)
        paging = reply.get("paging") or {}
        after = (paging.get("next") or {}).get("after") if isinstance(paging, Mapping) else None
        if not after:
            return found


def fetch_activity(
    http: Http,
    pool: Executor,
    ids: list[str],
    owner_emails: Mapping[str, str],
    skipped: list[Skipped],
    events: Mapping[str, list[Mapping[str, Any]]] | None = None,
    off: dict[str, str] | None = None,
) -> dict[str, Activity]:
    """Deals, touches and notes for these contacts, by contact id, with their web events taken
    from the pull's event stream (`events`, when the account has the events API).

    `off` (object type -> why) collects the types the token may not read (a 403): they are
    left out, now and in later calls, and the rest still syncs."""
    off = off if off is not None else {}
    types = tuple(t for t in (*ENGAGEMENT_TYPES, "deals") if t not in off)
    assoc_jobs = [
        (t, pool.submit(_associations, http, t, chunk))
        for t in types
        for chunk in _chunks(ids, ASSOC_BATCH)
    ]
    links: dict[str, dict[str, list[str]]] = defaultdict(dict)  # type -> contact -> targets
    for object_type, job in assoc_jobs:
        try:
            links[object_type].update(job.result())
        except Forbidden as exc:
            off[object_type] = ", ".join(exc.scopes) or exc.detail
    types = tuple(t for t in types if t not in off)
    read_jobs: list[tuple[str, Future[list[Mapping[str, Any]]]]] = []
    for object_type in types:
        targets = sorted({t for found in links[object_type].values() for t in found})
        read_jobs.extend(
            (object_type, pool.submit(_batch_read, http, object_type, chunk))
            for chunk in _chunks(targets, BATCH_READ)
        )
    records: dict[tuple[str, str], Mapping[str, Any]] = {}
    for object_type, read in read_jobs:
        try:
            found_records = read.result()
        except Forbidden as exc:
            off[object_type] = ", ".join(exc.scopes) or exc.detail
            continue
        for record in found_records:
            records[(object_type, str(record.get("id")))] = record
    types = tuple(t for t in types if t not in off)
    out: dict[str, Activity] = {i: Activity() for i in ids}
    for object_type in types:
        for contact, targets in links[object_type].items():
            activity = out.get(contact)
            if activity is None:
                continue
            for target in targets:
                linked = records.get((object_type, target))
                if linked is not None:
                    _add(activity, object_type, linked, owner_emails, skipped)
    for contact in ids:
        for item in (events or {}).get(contact, ()):
            try:
                event = event_from_json(item)
            except hm.BadRecord as exc:
                skipped.append(Skipped(contact, f"contact {contact}: {exc}"))
                continue
            if event is not None:
                out[contact].events.append(event)
    for activity in out.values():
        _mark_replies(activity)
    return out


def _add(
    activity: Activity,
    object_type: str,
    record: Mapping[str, Any],
    owner_emails: Mapping[str, str],
    skipped: list[Skipped],
) -> None:
    crm_id = str(record.get("id"))
    if object_type == "deals":
        activity.deals.append(record)
        return
    props = record.get("properties")
    props = props if isinstance(props, Mapping) else {}
    try:
        if object_type == "notes":
            body = hm.text(props, "hs_note_body")
            at = hm.engagement_time(record)
            by = owner_emails.get(hm.text(props, "hubspot_owner_id"), "")
            op_id = hm.text(props, "leadtui_op_id")
            activity.notes.append(PulledNote(crm_id, body, at, by, op_id))
            return
        if hm.is_reply(object_type, record):
            activity.replies.append(hm.engagement_time(record))
            return
        touch = hm.engagement_to_touch(object_type, record, owner_emails)
    except hm.BadRecord as exc:
        skipped.append(Skipped(crm_id, f"{object_type[:-1]} {crm_id}: {exc}"))
        return
    if touch is not None:
        activity.touches.append(PulledTouch(crm_id, touch, hm.text(props, "leadtui_op_id")))


def _mark_replies(activity: Activity) -> None:
    """A prospect's incoming email is not a touch; it makes the last email sent before it a
    reply (when leadtui did not already record that)."""
    activity.touches.sort(key=lambda t: t.touch.occurred_at)
    for reply_at in activity.replies:
        last = None
        for index, pulled in enumerate(activity.touches):
            if pulled.touch.occurred_at > reply_at:
                break
            if pulled.touch.channel is Channel.EMAIL and not pulled.touch.automated:
                last = index
        if last is not None and activity.touches[last].touch.outcome is Outcome.SENT:
            pulled = activity.touches[last]
            activity.touches[last] = replace(
                pulled, touch=pulled.touch._replace(outcome=Outcome.REPLIED)
            )
