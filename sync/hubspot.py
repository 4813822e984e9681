"""The HubSpot adapter: CRM v3 search for changed contacts, v4 associations and batch reads for
their deals and engagements, the events API for their web activity.

Facts it rests on (RESEARCH.md): search pages hold at most 200 records and a query cannot page past
10,000 results, so a long pull restarts the query from the last modified date seen; archiving does
not touch the modified date, so archived contacts are reconciled through their own list.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

from leadtui.domain.models import BAD_EMAIL_OUTCOMES, BAD_PHONE_OUTCOMES, Owner, Touch
from sync import hubspot_map as hm
from sync import hubspot_setup as setup_
from sync.http import Budget, Forbidden, Http, OutcomeUnknown, RequestError, RetryPolicy
from sync.hubspot_activity import Activity, event_stream, fetch_activity
from sync.hubspot_push import CONTACT_FIELDS, DEAL_FIELDS, HubSpotPushes
from sync.protocol import (
    Account,
    AuthError,
    Capabilities,
    CrmUnavailable,
    DealSpec,
    Feature,
    PulledLead,
    PullPage,
    PushResult,
    Scope,
    Skipped,
    SyncError,
)

SEARCH_LIMIT = 200  # HubSpot's most per search page
SEARCH_CAP = 10_000  # results one search query can page through
# Contacts whose activity is fetched together: v4 association batch reads take 1,000 inputs.
ACTIVITY_BATCH = 1000
# Re-read a little before the cursor: HubSpot's search index lags writes by a few seconds, and
# a record written at the cursor's millisecond could otherwise be missed. Duplicates are cheap.
OVERLAP_MS = 30_000
# HubSpot's limits for a private app: 100-190 calls per 10 s; search about 5 per second. The
# client keeps under them rather than collecting 429s.
REQUESTS_PER_10S = 90
SEARCHES_PER_SECOND = 4
# After a create's outcome is unknown, the record may be in HubSpot but not yet in its search
# index (it lags writes by seconds): look it up this many times, waiting longer each time.
LOOKUP_WAITS = (0.0, 1.0, 2.0, 4.0)
# v3 default association type ids, engagement -> contact (developers.hubspot.com/docs/api/crm/
# associations/association-details, "HUBSPOT_DEFINED" type ids).
TO_CONTACT_TYPE = {
    "calls": 194,
    "emails": 198,
    "meetings": 200,
    "notes": 202,
    "communications": 81,
    "deals": 3,
}
WEB_ACTIVITY_OFF = (
    "Web activity is off: this HubSpot account has no events API (it needs an Enterprise "
    "subscription), so leads show the contact's analytics summary instead."
)


Fresh = tuple[Mapping[str, Any], datetime | None]  # a record and its modified date


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


class HubSpotAdapter:
    name = "hubspot"

    def __init__(self, http: Http, *, activity: bool = True, workers: int = 8) -> None:
        self.http = http
        self.activity = activity  # fetch engagements, deals and web events for each contact
        self.workers = workers
        self.capabilities = Capabilities(
            pushes=frozenset(
                {
                    "create_touch",
                    "create_note",
                    "update_lead",
                    "create_deal",
                    "archive_deal",
                    "archive_touch",
                    "archive_note",
                }
            ),
            page_size=SEARCH_LIMIT,
            requests_per_10s=http.budget.limit if http.budget else 0,
            searches_per_second=http.search_budget.limit if http.search_budget else 0.0,
            lead_fields=CONTACT_FIELDS | DEAL_FIELDS,
        )
        self.decisions = HubSpotPushes(http, self._owner_id)  # sync/hubspot_push.py
        self.page_size = SEARCH_LIMIT
        self.search_cap = SEARCH_CAP  # lowered on the fly if the server caps lower
        self._events: dict[str, list[Mapping[str, Any]]] = {}
        self._owners: list[Owner] | None = None
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="hubspot")
        self.web_activity: bool | None = None  # None until the events API answered once
        self.notices: list[str] = []  # optional features turned off, one sentence each
        self._op_unique: dict[str, bool] = {}  # object type -> leadtui_op_id is unique there
        self._off_types: dict[str, str] = {}  # object types the token may not read -> scope
        self.sleep = http.sleep  # the wait between op-id lookups (tests may shorten it)

    @classmethod
    def from_config(
        cls,
        base_url: str,
        token: str,
        *,
        timeout_seconds: float,
        rate_limited: bool = True,
        retry: RetryPolicy | None = None,
        activity: bool = True,
    ) -> HubSpotAdapter:
        http = Http(
            base_url,
            token,
            timeout_seconds=timeout_seconds,
            budget=Budget(REQUESTS_PER_10S, 10.0) if rate_limited else None,
            search_budget=Budget(SEARCHES_PER_SECOND, 1.0) if rate_limited else None,
            retry=retry or RetryPolicy(),
        )
        return cls(http, activity=activity)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
        self.http.close()

    # -- reads --------------------------------------------------------------------------------

    def check(self) -> Account:
        self.http.call("GET", "/crm/v3/owners", params={"limit": 1})
        return Account(portal="", base_url=self.http.base_url)

    def features(self) -> list[Feature]:
        return setup_.features(self.http)

    def setup(self) -> list[str]:
        done = setup_.setup(self.http)
        self._op_unique.clear()
        return done

    def owners(self) -> list[Owner]:
        """Active owners, then deactivated ones (archived=true): touches logged by a rep who
        has left keep their author (developers.hubspot.com/docs/api/crm/owners)."""
        found = self._owner_pages(archived=False)
        active = {o.crm_id for o in found}
        found += [o for o in self._owner_pages(archived=True) if o.crm_id not in active]
        self._owners = found
        return found

    def _owner_pages(self, archived: bool) -> list[Owner]:
        found: list[Owner] = []
        after: str | None = None
        while True:
            params: dict[str, Any] = {"limit": 100}
            if archived:
                params["archived"] = "true"
            if after:
                params["after"] = after
            reply = self.http.call("GET", "/crm/v3/owners", params=params) or {}
            for item in reply.get("results") or []:
                if isinstance(item, Mapping) and isinstance(item.get("email"), str):
                    found.append(
                        Owner(
                            email=item["email"],
                            first_name=str(item.get("firstName") or ""),
                            last_name=str(item.get("lastName") or ""),
                            crm_id=str(item.get("id") or ""),
                        )
                    )
            after = _next_after(reply)
            if not after:
                return found

    def _owner_emails(self) -> dict[str, str]:
        owners = self._owners if self._owners is not None else self.owners()
        return {o.crm_id: o.email for o in owners if o.crm_id}

    def _owner_id(self, email: str) -> str:
        cached = self._owners is not None
        emails = self._owner_emails()
        if cached and email.lower() not in {e.lower() for e in emails.values()}:
            self._owners = None  # read once more: the owner may be new since the list was read
            emails = self._owner_emails()
        for crm_id, owner_email in emails.items():
            if owner_email.lower() == email.lower():
                return crm_id
        if not emails:
            # Every portal has at least one owner (the token's user): an empty list is a partial
            # or broken reply, never a reason to reject a touch as "unknown owner".
            raise CrmUnavailable(
                "The CRM listed no owners at all (a partial reply?); changes that name an owner "
                "wait for the next round."
            )
        raise SyncError(
            f"No HubSpot owner has the email {email}; fix [user] email in the config "
            "or ask an admin to add you as an owner."
        )

    def pull(self, cursor: str | None, scope: Scope, started_at: datetime) -> Iterator[PullPage]:
        """Contacts modified since the cursor, oldest first, 200 a page.

        Each page's cursor is min(newest modified date seen, sync start): the next pull starts
        there (less an overlap), so nothing written meanwhile is skipped.
        """
        owner_emails = self._owner_emails()
        owner_filter = self._owner_id(scope.owner_email) if scope.owner_email else None
        start_ms = _ms(started_at)
        previous = int(cursor) if cursor and cursor.isdigit() else None
        since = max(0, previous - OVERLAP_MS) if previous is not None else 0
        seen: dict[str, int] = {}  # id -> modified ms already yielded in this pull
        newest = previous
        # (Fetching search pages ahead in a third thread was measured: no faster on two cores,
        # the interpreter lock is the limit. The engine already writes while this maps.)
        counted = self.http.requests
        self._events = self._event_stream(since if previous is not None else None)
        batch: list[tuple[list[Fresh], str]] = []
        size = 0
        for results, _ in self._changed(since, owner_filter):
            fresh: list[Fresh] = []
            for record in results:
                crm_id = str(record.get("id") or "")
                modified = hm.modified_of(record)
                modified_ms = _ms(modified) if modified else None
                if modified_ms is not None:
                    newest = modified_ms if newest is None else max(newest, modified_ms)
                if crm_id in seen and (modified_ms is None or modified_ms <= seen[crm_id]):
                    continue  # the overlap or a restart showed it again
                seen[crm_id] = modified_ms or 0
                fresh.append((record, modified))
            page_cursor = str(min(newest, start_ms)) if newest is not None else (cursor or "")
            batch.append((fresh, page_cursor))
            size += len(fresh)
            if size >= ACTIVITY_BATCH or not self.activity:
                yield from self._pages(batch, owner_emails, counted)
                counted = self.http.requests
                batch, size = [], 0
        if batch:
            yield from self._pages(batch, owner_emails, counted)

    def _pages(
        self,
        batch: list[tuple[list[Fresh], str]],
        owner_emails: Mapping[str, str],
        counted: int,
    ) -> Iterator[PullPage]:
        """Several search pages' contacts get their activity together (one association read per
        type for up to 1,000 contacts, fuller batch reads), then go out page by page, each with
        its own cursor."""
        everything = [item for fresh, _ in batch for item in fresh]
        leads, skipped = self._assemble(everything, owner_emails)
        by_id = {pulled.lead.crm_id: pulled for pulled in leads}
        requests = self.http.requests - counted
        for index, (fresh, page_cursor) in enumerate(batch):
            ids = [str(record.get("id") or "") for record, _ in fresh]
            yield PullPage(
                leads=tuple(by_id[i] for i in ids if i in by_id),
                cursor=page_cursor,
                skipped=tuple(skipped) if index == 0 else (),
                requests=requests if index == 0 else 0,
            )

    def _changed(
        self, since: int, owner_id: str | None
    ) -> Iterator[tuple[list[Mapping[str, Any]], int]]:
        """Raw search pages of contacts modified at or after `since`, ascending, with the
        requests each took. At the cap the query restarts from the newest date seen (not the last
        id: ids sort as strings); if every result of a capped query shares one date, that date is
        drained by id first, so even 10,000 records written in one millisecond are all read."""
        query_start, newest, after = since, since, 0
        while True:
            if after + self.page_size > self.search_cap:
                if newest == query_start:
                    yield from self._drain_tie(query_start, owner_id)
                    newest = query_start + 1
                query_start, after = newest, 0
            before = self.http.requests
            filters = [_filter("lastmodifieddate", "GTE", query_start)]
            try:
                reply = self._search(filters, owner_id, "lastmodifieddate", after)
            except RequestError as exc:
                if exc.status == 400 and after > 0 and self.search_cap > after:
                    # The server caps lower than we thought: remember its cap and restart.
                    self.search_cap = after
                    continue
                raise
            results = [r for r in reply.get("results") or [] if isinstance(r, Mapping)]
            yield results, self.http.requests - before
            # Sorted ascending: the newest date is the last one that parses.
            for record in reversed(results):
                modified = hm.modified_of(record)
                if modified is not None:
                    newest = max(newest, _ms(modified))
                    break
            next_after = _next_after(reply)
            if not next_after or not results:
                return
            after = int(next_after) if next_after.isdigit() else after + len(results)

    def _drain_tie(
        self, moment: int, owner_id: str | None
    ) -> Iterator[tuple[list[Mapping[str, Any]], int]]:
        last_id = 0
        while True:
            before = self.http.requests
            filters = [
                _filter("lastmodifieddate", "EQ", moment),
                _filter("hs_object_id", "GT", last_id),
            ]
            reply = self._search(filters, owner_id, "hs_object_id", 0)
            results = [r for r in reply.get("results") or [] if isinstance(r, Mapping)]
            yield results, self.http.requests - before
            ids = [int(r["id"]) for r in results if str(r.get("id", "")).isdigit()]
            if not ids or not _next_after(reply):
                return
            last_id = max(ids)

    def _search(
        self, filters: list[dict[str, Any]], owner_id: str | None, sort: str, after: int
    ) -> dict[str, Any]:
        if owner_id:
            filters = [*filters, _filter("hubspot_owner_id", "EQ", owner_id)]
        body: dict[str, Any] = {
            "filterGroups": [{"filters": filters}],
            "sorts": [{"propertyName": sort, "direction": "ASCENDING"}],
            "properties": list(hm.CONTACT_PROPERTIES),
            "limit": self.page_size,
        }
        if after:
            body["after"] = str(after)
        reply = self.http.call("POST", "/crm/v3/objects/contacts/search", json=body, search=True)
        return reply if isinstance(reply, dict) else {}

    def _assemble(
        self,
        records: Sequence[tuple[Mapping[str, Any], datetime | None]],
        owner_emails: Mapping[str, str],
    ) -> tuple[list[PulledLead], list[Skipped]]:
        skipped: list[Skipped] = []
        mapped = []
        for record, modified_at in records:
            crm_id = str(record.get("id") or "?")
            try:
                lead = hm.contact_to_lead(record, owner_emails)
            except hm.BadRecord as exc:
                skipped.append(Skipped(crm_id, f"contact {crm_id}: {exc}"))
                continue
            props = record.get("properties")
            flags = hm.flags(props if isinstance(props, Mapping) else {})
            mapped.append((lead, modified_at or lead.created_at, flags))
        if not mapped:
            return [], skipped
        ids = [lead.crm_id for lead, _, _ in mapped]
        activity = self._activity(ids, owner_emails, skipped) if self.activity else {}
        leads = []
        # The contact's analytics summary: all the context where the events API is missing, and
        # the marketing email opens and clicks (which that API never has) everywhere.
        summaries = {
            str(r.get("id")): [
                e
                for e in hm.summary_events(r)
                if self.web_activity is not True or e.event.kind in hm.SUMMARY_ONLY_KINDS
            ]
            for r, _ in records
        }
        for lead, modified, (bad_phone, bad_email) in mapped:
            found = activity.get(lead.crm_id)
            summary = tuple(summaries.get(lead.crm_id, ()))
            if found is None:
                leads.append(PulledLead(lead, modified, summary))
                continue
            touches = tuple(found.touches)
            outcomes = {t.touch.outcome for t in touches}
            lead = hm.apply_deals(lead, found.deals)
            # The flag properties say what the rep decided (an undone bounce is "false");
            # a contact without them is judged by its touches' outcomes.
            lead = lead._replace(
                phone_bad=bool(outcomes & BAD_PHONE_OUTCOMES) if bad_phone is None else bad_phone,
                email_bad=lead.email_bad or bool(outcomes & BAD_EMAIL_OUTCOMES)
                if bad_email is None
                else bad_email,
            )
            leads.append(
                PulledLead(lead, modified, (*found.events, *summary), touches, tuple(found.notes))
            )
        return leads, skipped

    def _activity(
        self, ids: list[str], owner_emails: Mapping[str, str], skipped: list[Skipped]
    ) -> dict[str, Activity]:
        found = fetch_activity(
            self.http, self._pool, ids, owner_emails, skipped, self._events, self._off_types
        )
        for object_type, why in self._off_types.items():
            notice = (
                f"{object_type.capitalize()} are off: the token may not read them "
                f"(needs {why}); add the scope to the private app to sync them."
            )
            if notice not in self.notices:
                self.notices.append(notice)
        return found

    def _event_stream(self, since: int | None) -> dict[str, list[Mapping[str, Any]]]:
        """This pull's web events, one paged stream; {} when the account has no events API
        (a 403 there turns web activity off with a notice, never the whole pull)."""
        if not self.activity or self.web_activity is False:
            return {}
        try:
            found = event_stream(self.http, since)
        except Forbidden:
            self.web_activity = False
            if WEB_ACTIVITY_OFF not in self.notices:
                self.notices.append(WEB_ACTIVITY_OFF)
            return {}
        self.web_activity = True
        return found

    def archived(self, scope: Scope) -> Iterator[list[str]]:
        """Archived contacts, a page of ids at a time (HubSpot lists them with archived=true)."""
        after: str | None = None
        while True:
            params: dict[str, Any] = {"limit": 100, "archived": "true", "properties": "email"}
            if after:
                params["after"] = after
            reply = self.http.call("GET", "/crm/v3/objects/contacts", params=params) or {}
            ids = [
                str(r["id"])
                for r in reply.get("results") or []
                if isinstance(r, Mapping) and r.get("id") is not None
            ]
            if ids:
                yield ids
            after = _next_after(reply)
            if not after:
                return

    # -- pushes -------------------------------------------------------------------------------

    def create_touch(self, lead_crm_id: str, touch: Touch, op_id: str) -> PushResult:
        owner_id = ""
        if touch.by:
            try:
                owner_id = self._owner_id(touch.by)
            except (CrmUnavailable, AuthError, RequestError):
                # Reading the owners failed (offline, say): not the touch's fault, so it must
                # not go dead as "unknown owner" (found by tests/sync/test_stateful.py).
                raise
            except SyncError:
                # Without an owner HubSpot would show it as automation; refuse instead.
                raise RequestError(
                    400, "UNKNOWN_OWNER", f"{touch.by} is not a HubSpot owner"
                ) from None
        object_type, props = hm.touch_properties(touch, owner_id, op_id)
        return self._upsert_engagement(object_type, props, lead_crm_id, op_id)

    def create_note(self, lead_crm_id: str, body: str, at: datetime, op_id: str) -> PushResult:
        stamp = at.astimezone(UTC).isoformat().replace("+00:00", "Z")
        props = {"hs_note_body": body, "hs_timestamp": stamp, "leadtui_op_id": op_id}
        return self._upsert_engagement("notes", props, lead_crm_id, op_id)

    def _upsert_engagement(
        self, object_type: str, props: dict[str, Any], lead_crm_id: str, op_id: str
    ) -> PushResult:
        try:
            return self._create_once(object_type, props, lead_crm_id, op_id)
        except Forbidden as exc:
            # This change cannot land with this token; the others still can: rejected, with
            # the scope to add, instead of stopping the whole round as a bad token would.
            scopes = ", ".join(exc.scopes) or "a scope for them"
            raise RequestError(
                403,
                "MISSING_SCOPES",
                f"the token may not create {object_type} (needs {scopes}); add the scope to "
                "the private app, then retry this change",
            ) from None

    def _create_once(
        self, object_type: str, props: dict[str, Any], lead_crm_id: str, op_id: str
    ) -> PushResult:
        """Create the engagement exactly once. Where leadtui_op_id is unique on this object type,
        a batch upsert on it (a retry updates what the first try made); elsewhere the record is
        looked up by its op id first, then created with its association in one request, and a
        create whose outcome is unknown is looked up again (allowing for the search index's lag)
        before it is ever sent again. HubSpot has no idempotency keys."""
        if self._op_id_unique(object_type):
            crm_id = self._upsert(object_type, props, op_id)
            self._associate(object_type, crm_id, lead_crm_id)
            return PushResult(crm_id)
        existing = self._find_by_op_id(object_type, op_id, waits=(0.0,))
        if existing:
            self._associate(object_type, existing, lead_crm_id)
            return PushResult(existing)
        body = {
            "properties": props,
            "associations": [
                {
                    "to": {"id": lead_crm_id},
                    "types": [
                        {
                            "associationCategory": "HUBSPOT_DEFINED",
                            "associationTypeId": TO_CONTACT_TYPE[object_type],
                        }
                    ],
                }
            ],
        }
        for _ in range(self.http.retry.attempts):
            try:
                reply = self.http.call(
                    "POST", f"/crm/v3/objects/{object_type}", json=body, unsafe=True
                )
            except OutcomeUnknown:
                found = self._find_by_op_id(object_type, op_id, waits=LOOKUP_WAITS)
                if found:
                    self._associate(object_type, found, lead_crm_id)
                    return PushResult(found)
                continue  # not there after the index caught up: it never landed
            crm_id = str((reply or {}).get("id") or "")
            if not crm_id:
                raise SyncError(f"HubSpot did not create the {object_type[:-1]}: {reply}")
            return PushResult(crm_id)
        raise CrmUnavailable(
            f"The CRM kept failing to create a {object_type[:-1]}; it stays in the outbox."
        )

    def _op_id_unique(self, object_type: str) -> bool:
        if object_type not in self._op_unique:
            found = setup_.read_property(self.http, object_type, setup_.OP_ID)
            if found is None:
                raise SyncError(
                    f"HubSpot has no {setup_.OP_ID} property on {object_type} yet; run "
                    "`leadtui setup` once (it creates leadtui's properties)."
                )
            self._op_unique[object_type] = bool(found.get("hasUniqueValue"))
        return self._op_unique[object_type]

    def _upsert(self, object_type: str, props: dict[str, Any], op_id: str) -> str:
        reply = self.http.call(
            "POST",
            f"/crm/v3/objects/{object_type}/batch/upsert",
            json={"inputs": [{"idProperty": setup_.OP_ID, "id": op_id, "properties": props}]},
        )
        results = (reply or {}).get("results") or []
        if not results or not isinstance(results[0], Mapping) or not results[0].get("id"):
            errors = (reply or {}).get("errors") or []
            detail = errors[0].get("message") if errors and isinstance(errors[0], Mapping) else ""
            raise SyncError(f"HubSpot did not create the {object_type[:-1]}: {detail or reply}")
        return str(results[0]["id"])

    def _associate(self, object_type: str, crm_id: str, lead_crm_id: str) -> None:
        self.http.call(
            "PUT",
            f"/crm/v4/objects/{object_type}/{crm_id}/associations/default/contacts/{lead_crm_id}",
        )

    def _find_by_op_id(self, object_type: str, op_id: str, waits: Sequence[float]) -> str | None:
        """The id of the record this op made, if search shows one; asked once per wait."""
        body = {
            "filterGroups": [{"filters": [_filter(setup_.OP_ID, "EQ", op_id)]}],
            "properties": [setup_.OP_ID],
            "limit": 1,
        }
        for wait in waits:
            if wait:
                self.sleep(wait)
            reply = self.http.call(
                "POST", f"/crm/v3/objects/{object_type}/search", json=body, search=True
            )
            results = (reply or {}).get("results") or []
            if results and isinstance(results[0], Mapping) and results[0].get("id"):
                return str(results[0]["id"])
        return None

    def read_fields(self, lead_crm_id: str, fields: Collection[str]) -> Mapping[str, Any]:
        """The contact's current values of these fields (sync.protocol.FieldReader), in one
        batch read, mapped exactly as the pull maps them."""
        reply = self.http.call(
            "POST",
            "/crm/v3/objects/contacts/batch/read",
            json={"properties": list(hm.CONTACT_PROPERTIES), "inputs": [{"id": lead_crm_id}]},
        )
        results = [r for r in (reply or {}).get("results") or [] if isinstance(r, Mapping)]
        if not results:
            return {}  # gone (archived): the push itself will say so
        try:
            lead = hm.contact_to_lead(results[0], self._owner_emails())
        except hm.BadRecord:
            return {}  # nothing to compare: the pull reports the damaged record
        values = {name: getattr(lead, name) for name in fields if name in READ_BACK_FIELDS}
        return {k: getattr(v, "value", v) for k, v in values.items()}  # enums as the cache has them

    def update_lead(self, lead_crm_id: str, fields: Mapping[str, Any]) -> PushResult:
        # Deal fields travel with the convert's deal; snoozes stay local (hubspot_push.py).
        return self.decisions.update_contact(lead_crm_id, fields)

    def create_deal(self, lead_crm_id: str, deal: DealSpec, op_id: str) -> PushResult:
        return self.decisions.create_deal(lead_crm_id, deal, op_id)

    def archive_deal(self, op_id: str) -> PushResult:
        return self.decisions.archive_deal(op_id)

    def archive_touch(self, crm_id: str, channel: str) -> PushResult:
        return self.decisions.archive_touch(crm_id, channel)

    def archive_note(self, crm_id: str) -> PushResult:
        return self.decisions.archive_note(crm_id)


# Lead fields a contact keeps (update_lead writes them): the ones worth reading back.
READ_BACK_FIELDS = frozenset({"status", "email_bad"})


def _filter(name: str, operator: str, value: object) -> dict[str, Any]:
    return {"propertyName": name, "operator": operator, "value": str(value)}


def _next_after(reply: Any) -> str | None:
    if not isinstance(reply, Mapping):
        return None
    paging = reply.get("paging")
    if not isinstance(paging, Mapping):
        return None
    nxt = paging.get("next")
    if not isinstance(nxt, Mapping):
        return None
    after = nxt.get("after")
    return str(after) if after not in (None, "") else None
