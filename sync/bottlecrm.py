"""The BottleCRM adapter (PyPI `django-crm` 1.35), over its REST API with a personal access token.

BottleCRM cannot say what changed: `GET /api/leads/` has no modified-since filter and no ordering
(it lists by random UUID, in two halves, open and closed, sharing one limit and offset), converted
leads are never listed and deleted ones are hard-deleted. So every pull lists all the scope's leads
and finds changes on leadtui's side: the cursor keeps a fingerprint of each lead as last written to
the cache. A lead whose fingerprint moved is yielded; its interactions are read only when the
fields an interaction moves (last contacted, first response...) moved too. A lead that vanished is
looked up: 404 is a deletion, `converted` a conversion, anything else a lead that moved out of the
listing while it was paged (or to another owner) and is yielded as it now is.

Writes are not idempotent (no idempotency key, no ETag) and reply thinly, so creates are never
retried blindly: each first looks for its own op id (a marker line in the interaction body or
comment, see sync.bottlecrm_map) and creates only when it is not there. A create whose reply was
lost is found by that lookup, in the same call or the next round.
"""

from __future__ import annotations

import base64
import json
import zlib
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Any

from leadtui.domain.models import LeadStatus, Owner, Touch
from sync import bottlecrm_map as bm
from sync.http import Http, RequestError, RetryPolicy
from sync.protocol import (
    Account,
    AuthError,
    Capabilities,
    CrmUnavailable,
    Feature,
    PulledLead,
    PulledNote,
    PulledTouch,
    PullPage,
    PushResult,
    Scope,
    Skipped,
    SyncError,
)

PAGE = 100  # per half: a listing page holds up to 100 open and 100 closed leads
INTERACTIONS_PAGE = 200  # BottleCRM's most (interactions/views.py MAX_LIMIT)
CURSOR_PREFIX = "bc2:"
# Comments, and interactions backdated behind a lead's latest one, change nothing BottleCRM
# lists: once a day every lead's comments and interactions are read again to catch them.
REREAD_EVERY = timedelta(days=1)


class BottleCrmAdapter:
    name = "bottlecrm"

    def __init__(self, http: Http, creates: Http) -> None:
        self.http = http
        # Creates go through a client that never retries on its own: a retried POST after a lost
        # reply would make a second record. The adapter looks up instead (see module doc).
        self.creates = creates
        self.capabilities = Capabilities(
            pushes=frozenset({"create_touch", "create_note", "update_lead"}),
            page_size=2 * PAGE,
            requests_per_10s=0,  # BottleCRM sends no rate-limit headers and sets no limit
            searches_per_second=0.0,
            lead_fields=frozenset({"status", "deal_value"}),
        )
        self._owners: list[Owner] | None = None
        # BottleCRM serves requests side by side (uvicorn, a thread each); four keep a page's
        # per-lead reads from queueing one behind another without crowding a small server.
        self._pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="bottlecrm")

    @classmethod
    def from_config(
        cls,
        base_url: str,
        token: str,
        *,
        timeout_seconds: float,
        retry: RetryPolicy | None = None,
    ) -> BottleCrmAdapter:
        def client(policy: RetryPolicy) -> Http:
            return Http(
                base_url,
                token,
                timeout_seconds=timeout_seconds,
                budget=None,
                search_budget=None,
                retry=policy,
            )

        policy = retry or RetryPolicy()
        return cls(client(policy), client(RetryPolicy(attempts=1)))

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
        self.http.close()
        self.creates.close()

    def _call(self, method: str, path: str, *, via: Http | None = None, **kwargs: Any) -> Any:
        try:
            return (via or self.http).call(method, path, **kwargs)
        except AuthError:
            # BottleCRM answers a bad or revoked token with 403, as it answers a refused scope.
            raise AuthError(
                "BottleCRM refused the token (HTTP 401/403); create a personal access token in "
                "BottleCRM (Profile, API tokens) and run `leadtui login` or set "
                "LEADTUI_CRM_TOKEN."
            ) from None

    # -- reads --------------------------------------------------------------------------------

    def _listing(self, offset: int, limit: int, owner_id: str | None) -> Mapping[str, Any]:
        params: dict[str, Any] = {"limit": limit, "offset": offset}
        if owner_id:
            params["assigned_to"] = owner_id
        reply = self._call("GET", "/api/leads/", params=params)
        if not isinstance(reply, Mapping):
            raise SyncError("BottleCRM answered the lead list with something that is not JSON.")
        return reply

    def check(self) -> Account:
        self._listing(0, 1, None)
        return Account(portal="", base_url=self.http.base_url)

    def owners(self) -> list[Owner]:
        # The lead list carries the org's active users; /api/users/ is for admins only.
        reply = self._listing(0, 1, None)
        found = [
            Owner(email=str(u["user__email"]), first_name="", last_name="", crm_id=str(u["id"]))
            for u in reply.get("users") or []
            if isinstance(u, Mapping) and isinstance(u.get("user__email"), str) and u.get("id")
        ]
        self._owners = found
        return found

    def _owner_id(self, email: str) -> str:
        owners = self._owners if self._owners is not None else self.owners()
        for owner in owners:
            if owner.email.lower() == email.lower():
                return owner.crm_id
        raise SyncError(
            f"No BottleCRM user has the email {email}; fix [user] email in the config or ask "
            "an admin to add you to the organization."
        )

    def features(self) -> list[Feature]:
        """What leadtui can do with BottleCRM; the reads are probed, the rest is what
        BottleCRM 1.35 offers at all."""
        self.check()
        missing = "BottleCRM has no"
        return [
            Feature("contacts_read", True),
            Feature("contacts_write", True),
            Feature("owners", True),
            Feature("calls", True),
            Feature("emails", True),
            Feature("meetings", True),
            Feature("notes", True),
            Feature(
                "linkedin",
                False,
                f"{missing} LinkedIn interaction kind; LinkedIn touches stay in leadtui and are "
                "shown as rejected changes.",
            ),
            Feature(
                "deals",
                False,
                "converting a lead makes a BottleCRM opportunity with the deal value; leadtui "
                "does not read opportunities, so won and lost stay in leadtui.",
            ),
            Feature("web_activity", False, f"{missing} page views, downloads or webinar records."),
            # BottleCRM has custom fields; leadtui needs none (its op ids ride in a marker line).
            Feature("custom_properties", True),
            Feature(
                "incremental_pull",
                False,
                f"{missing} modified-since filter; every sync lists all your leads and compares.",
            ),
            Feature(
                "disqualify_reason",
                False,
                f"{missing} reason on a closed lead; the reason stays in leadtui.",
            ),
            Feature(
                "note_changes",
                False,
                "adding a comment does not change a BottleCRM lead, so a comment written in "
                "BottleCRM appears in leadtui when the lead next changes, or within a day.",
            ),
        ]

    def setup(self) -> list[str]:
        """Nothing to create: BottleCRM needs no custom fields for leadtui."""
        self.check()
        return []

    def pull(self, cursor: str | None, scope: Scope, started_at: datetime) -> Iterator[PullPage]:
        """Every lead in scope, a listing page at a time, yielding those that changed; a last
        page carries what vanished and the new cursor (the fingerprints), written with it."""
        owner_id = self._owner_id(scope.owner_email) if scope.owner_email else None
        known, read_all_at = _decode(cursor)
        reread = read_all_at is None or started_at - read_all_at >= REREAD_EVERY
        seen: dict[str, list[str]] = {}
        offset = 0
        counted = self.http.requests
        while True:
            reply = self._listing(offset, PAGE, owner_id)
            records, more = _halves(reply)
            changed = []
            for record in records:
                crm_id = bm.text(record, "id")
                if not crm_id or crm_id in seen:
                    continue
                mark = [bm.fingerprint(record), bm.contact_mark(record)]
                seen[crm_id] = mark
                if reread or known.get(crm_id) != mark:
                    # Touches are outbound interactions, and BottleCRM keeps the latest one's
                    # time on the lead: none means there is nothing to read.
                    moved = reread or known.get(crm_id, ["", ""])[1] != mark[1]
                    changed.append((record, moved and bool(record.get("last_outbound_at"))))
            leads, skipped = self._assemble(changed, scope)
            yield PullPage(tuple(leads), "", tuple(skipped), requests=self.http.requests - counted)
            counted = self.http.requests
            if not more:
                break
            offset += PAGE
        vanished = [i for i in known if i not in seen]
        leads, gone, skipped = self._vanished(vanished, known, seen, scope)
        yield PullPage(
            tuple(leads),
            _encode(seen, started_at if reread else read_all_at),
            tuple(skipped),
            requests=self.http.requests - counted,
            archived=tuple(gone),
        )

    def _vanished(
        self,
        crm_ids: list[str],
        known: dict[str, list[str]],
        seen: dict[str, list[str]],
        scope: Scope,
    ) -> tuple[list[PulledLead], list[str], list[Skipped]]:
        """Tell deleted leads from converted ones (never listed) and from leads that moved."""
        changed, gone = [], []
        for crm_id in crm_ids:
            detail = self._detail(crm_id)
            if detail is None:
                gone.append(crm_id)
                continue
            record = detail.get("lead_obj")
            if not isinstance(record, Mapping):
                gone.append(crm_id)
                continue
            owner = bm.owner_email(record, scope.owner_email or "")
            in_scope = not scope.owner_email or owner.lower() == scope.owner_email.lower()
            if bm.text(record, "status") != "converted" and in_scope:
                # Still listed (it moved while the list was paged): remember it as seen. One
                # given to another owner is yielded once, with its new owner, and forgotten.
                mark = [bm.fingerprint(record), bm.contact_mark(record)]
                seen[crm_id] = mark
                if mark == known.get(crm_id):
                    continue
            changed.append((record, True))
        leads, skipped = self._assemble(changed, scope)
        return leads, gone, skipped

    def _detail(self, crm_id: str) -> Mapping[str, Any] | None:
        try:
            reply = self._call("GET", f"/api/leads/{crm_id}/")
        except RequestError as exc:
            if exc.status == 404:
                return None
            raise
        return reply if isinstance(reply, Mapping) else None

    def _assemble(
        self, changed: list[tuple[Mapping[str, Any], bool]], scope: Scope
    ) -> tuple[list[PulledLead], list[Skipped]]:
        """Map the changed leads and read their comments (and interactions when their contact
        times moved): two requests a lead, run side by side on a small pool."""
        skipped: list[Skipped] = []
        mapped = []
        for record, contacted in changed:
            crm_id = bm.text(record, "id") or "?"
            try:
                mapped.append((record, bm.lead_of(record, scope.owner_email or ""), contacted))
            except bm.BadRecord as exc:
                skipped.append(Skipped(crm_id, f"lead {crm_id}: {exc}"))
        jobs = [
            (record, lead, self._pool.submit(self._activity, lead.crm_id, contacted))
            for record, lead, contacted in mapped
        ]
        leads: list[PulledLead] = []
        for record, lead, job in jobs:
            touches, notes, bad = job.result()
            skipped.extend(bad)
            modified = bm.when(record, "updated_at") or lead.created_at
            leads.append(PulledLead(lead, modified, (), touches, notes))
        return leads, skipped

    def _activity(
        self, crm_id: str, contacted: bool
    ) -> tuple[tuple[PulledTouch, ...], tuple[PulledNote, ...], list[Skipped]]:
        skipped: list[Skipped] = []
        touches = tuple(self._touches(crm_id, skipped)) if contacted else ()
        return touches, tuple(self._notes(crm_id)), skipped

    def _interactions(self, lead_crm_id: str) -> Iterator[Mapping[str, Any]]:
        offset = 0
        while True:
            params = {"lead": lead_crm_id, "limit": INTERACTIONS_PAGE, "offset": offset}
            reply = self._call("GET", "/api/interactions/", params=params) or {}
            rows = [r for r in reply.get("interactions") or [] if isinstance(r, Mapping)]
            yield from rows
            offset += len(rows)
            if not rows or offset >= int(reply.get("count") or 0):
                return

    def _touches(self, lead_crm_id: str, skipped: list[Skipped]) -> Iterator[PulledTouch]:
        for record in self._interactions(lead_crm_id):
            crm_id = bm.text(record, "id")
            try:
                found = bm.touch_of(record)
            except bm.BadRecord as exc:
                skipped.append(Skipped(crm_id, f"interaction {crm_id}: {exc}"))
                continue
            if found is not None:
                yield PulledTouch(crm_id, found[0], found[1])

    def _comments(self, lead_crm_id: str) -> list[Mapping[str, Any]]:
        detail = self._detail(lead_crm_id)
        if detail is None:
            return []
        return [c for c in detail.get("comments") or [] if isinstance(c, Mapping)]

    def _notes(self, lead_crm_id: str) -> Iterator[PulledNote]:
        for comment in self._comments(lead_crm_id):
            at = bm.when(comment, "commented_on")
            if at is None:
                continue
            body, op_id, _, _ = bm.split_marker(str(comment.get("comment") or ""))
            author = comment.get("commented_by")
            details = author.get("user_details") if isinstance(author, Mapping) else None
            by = str(details.get("email") or "") if isinstance(details, Mapping) else ""
            yield PulledNote(bm.text(comment, "id"), body.strip(), at, by, op_id)

    def archived(self, scope: Scope) -> Iterator[list[str]]:
        """Deletions are found by the pull's full listing and written with its last page."""
        return iter(())

    # -- pushes -------------------------------------------------------------------------------

    def create_touch(self, lead_crm_id: str, touch: Touch, op_id: str) -> PushResult:
        if touch.channel not in bm.KIND_OF:
            raise RequestError(
                422,
                "UNSUPPORTED",
                f"BottleCRM has no {touch.channel.value} interaction kind; this touch stays in "
                "leadtui only",
            )
        found = self._own_interaction(lead_crm_id, op_id)
        if found:
            return PushResult(found)
        body = bm.interaction_body(touch, op_id) | {"lead": lead_crm_id}
        try:
            reply = self._call("POST", "/api/interactions/", via=self.creates, json=body)
        except CrmUnavailable:
            # The reply was lost or the CRM is down: did the create land? Look before retrying.
            found = self._own_interaction(lead_crm_id, op_id)
            if found:
                return PushResult(found)
            raise
        crm_id = bm.text(reply, "id") if isinstance(reply, Mapping) else ""
        if not crm_id:
            raise SyncError(f"BottleCRM did not say which interaction it made: {reply}")
        return PushResult(crm_id)

    def _own_interaction(self, lead_crm_id: str, op_id: str) -> str:
        for record in self._interactions(lead_crm_id):
            if bm.split_marker(str(record.get("body") or ""))[1] == op_id:
                return bm.text(record, "id")
        return ""

    def _own_comment(self, lead_crm_id: str, op_id: str) -> str:
        for comment in self._comments(lead_crm_id):
            if bm.split_marker(str(comment.get("comment") or ""))[1] == op_id:
                return bm.text(comment, "id")
        return ""

    def create_note(self, lead_crm_id: str, body: str, at: datetime, op_id: str) -> PushResult:
        # BottleCRM stamps a comment with the time it arrives; `at` cannot be kept.
        found = self._own_comment(lead_crm_id, op_id)
        if found:
            return PushResult(found)
        comment = bm.with_marker(body, bm.marker(op_id))
        try:
            reply = self._call(
                "POST", f"/api/leads/{lead_crm_id}/", via=self.creates, json={"comment": comment}
            )
        except CrmUnavailable:
            found = self._own_comment(lead_crm_id, op_id)
            if found:
                return PushResult(found)
            raise
        # The reply lists the lead's comments: ours is the one with our op id.
        for item in (reply or {}).get("comments") or []:
            marked = (
                bm.split_marker(str(item.get("comment") or ""))[1]
                if isinstance(item, Mapping)
                else ""
            )
            if marked == op_id:
                return PushResult(bm.text(item, "id"))
        raise SyncError("BottleCRM accepted the note but did not list it back.")

    def update_lead(self, lead_crm_id: str, fields: Mapping[str, Any]) -> PushResult:
        status = fields.get("status")
        if not status:
            # Snoozes, flags and reasons have no BottleCRM lead field: they stay leadtui's
            # (see features()).
            return PushResult(lead_crm_id)
        lead_status = LeadStatus(status)
        target = bm.BOTTLE_STATUS_OF.get(lead_status)
        if target is None:
            raise RequestError(
                422,
                "UNSUPPORTED",
                f"BottleCRM leads have no {lead_status.value} status; record it on the "
                "opportunity in BottleCRM",
            )
        body: dict[str, Any] = {"status": target}
        if target == "converted" and fields.get("deal_value") is not None:
            # Converting makes the opportunity from the lead's amount (leads/services.py).
            body["opportunity_amount"] = str(fields["deal_value"])
        try:
            self._call("PATCH", f"/api/leads/{lead_crm_id}/", json=body)
        except RequestError as exc:
            # Converting twice is refused (400). A retry after a lost reply meets that refusal
            # when the first try converted it: then the change has landed.
            if exc.status != 400 or target != "converted" or not self._converted(lead_crm_id):
                raise
        return PushResult(lead_crm_id)

    def _converted(self, lead_crm_id: str) -> bool:
        detail = self._detail(lead_crm_id) or {}
        record = detail.get("lead_obj")
        return isinstance(record, Mapping) and bm.text(record, "status") == "converted"


def _halves(reply: Mapping[str, Any]) -> tuple[list[Mapping[str, Any]], bool]:
    """Both halves' records, and whether either half has more pages."""
    records: list[Mapping[str, Any]] = []
    more = False
    for half in ("open_leads", "close_leads"):
        block = reply.get(half)
        if not isinstance(block, Mapping):
            continue
        records.extend(r for r in block.get(half) or [] if isinstance(r, Mapping))
        more = more or bool(block.get("offset"))
    return records, more


def _encode(marks: dict[str, list[str]], read_all_at: datetime | None) -> str:
    """The fingerprints, and when every lead's comments and interactions were last read."""
    cursor = {"read_all_at": read_all_at.isoformat() if read_all_at else None, "leads": marks}
    raw = json.dumps(cursor, separators=(",", ":"), sort_keys=True).encode()
    return CURSOR_PREFIX + base64.b64encode(zlib.compress(raw, 6)).decode()


def _decode(cursor: str | None) -> tuple[dict[str, list[str]], datetime | None]:
    """What `_encode` wrote; anything unreadable means "start over"."""
    if not cursor or not cursor.startswith(CURSOR_PREFIX):
        return {}, None
    try:
        found = json.loads(zlib.decompress(base64.b64decode(cursor[len(CURSOR_PREFIX) :])))
        marks = found["leads"]
        read_all_at = datetime.fromisoformat(found["read_all_at"])
    except (ValueError, TypeError, KeyError, zlib.error):
        return {}, None
    if not isinstance(marks, dict):
        return {}, None
    leads = {str(k): list(v) for k, v in marks.items() if isinstance(v, list) and len(v) == 2}
    return leads, read_all_at
