"""SandboxCRM: the sandbox portal's data and the primitive changes to it, thread-safe.

The HTTP layer (api.py) and the tests both go through here. Tests change "remote" state directly
(`edit_contact`, `archive_contact`, `add_inbound_leads`, ...) the way a colleague editing HubSpot
in a browser would, then check what a client sees over HTTP.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from leadtui.demo import DemoData, generate, new_inbound
from leadtui.domain.models import EventKind, Owner
from sync.sandbox import errors
from sync.sandbox.persistence import AssocRow, Snapshot, Store
from sync.sandbox.portal import Portal
from sync.sandbox.schema import (
    ENGAGEMENT_TYPES,
    OBJECT_TYPE_IDS,
    InvalidValue,
    PropertyDef,
    association_label,
    created_prop,
    deal_closed,
    default_properties,
    dt_to_ms,
    lifecycle_backward,
    modified_prop,
    ms_to_iso,
    normalize,
    parse_time_ms,
    read_defaults,
    singular,
)
from sync.sandbox.search import SearchEngine
from sync.sandbox.seed import (
    CONTACT_ID_OFFSET,
    SeedContact,
    SeedObject,
    contact_bundle,
    owner_json,
)
from sync.sandbox.table import ObjectTable, Record
from sync.sandbox.webevents import EVENT_TYPES, WebEvent

# First ids of records created after seeding; HubSpot's are long numbers, and distinct ranges
# make an id of the wrong type easy to spot.
FIRST_IDS = {"deals": 18_000_000_001, "engagements": 40_000_000_001}
BUSY_NOTES = 600  # a busy contact's seeded notes: more than one association page (500)
PORTAL_CREATED_MS = 1_577_836_800_000  # 2020-01-01: when the sandbox portal's properties "began"
_REQUIRED = {
    **{t: ("hs_timestamp",) for t in ENGAGEMENT_TYPES},
    "deals": ("dealname", "dealstage"),
}


class SandboxClock:
    """Sandbox time: starts at `start` (default: now) and runs at real speed. Tests can move it
    forward; it never goes back."""

    def __init__(self, start: datetime | None = None) -> None:
        self._base = start or datetime.now(UTC)
        self._t0 = time.monotonic()
        self._offset = timedelta(0)

    def __call__(self) -> datetime:
        return self._base + timedelta(seconds=time.monotonic() - self._t0) + self._offset

    def advance(self, delta: timedelta) -> None:
        self._offset += max(delta, timedelta(0))


@dataclass
class _Dirty:
    """What the current transaction changed, to write to the SQLite file when it ends."""

    records: dict[tuple[str, int], Record] = field(default_factory=dict)
    associations: list[AssocRow] = field(default_factory=list)
    events: list[tuple[int, int, WebEvent]] = field(default_factory=list)
    properties: list[tuple[str, str, PropertyDef | None]] = field(default_factory=list)
    meta: bool = False

    def __bool__(self) -> bool:
        return bool(
            self.records or self.associations or self.events or self.properties or self.meta
        )


class SandboxCRM:
    def __init__(
        self,
        *,
        clock: Callable[[], datetime] | None = None,
        store: Store | None = None,
        seed: int = 0,
        portal: Portal | None = None,
    ) -> None:
        self.lock = threading.RLock()
        self.portal = portal or Portal()
        self.clock = clock or SandboxClock()
        self.seed = seed
        self._store = store
        self._last_ms = 0
        self.properties = default_properties(PORTAL_CREATED_MS)
        self.tables = {t: ObjectTable(t, self._unique_props(t)) for t in OBJECT_TYPE_IDS}
        self.owners: list[dict[str, Any]] = []
        # Deactivated users' owners: `GET /crm/v3/owners?archived=true` lists them
        # (developers.hubspot.com/docs/api/crm/owners); their ids stay on old records.
        self.archived_owners: list[dict[str, Any]] = []
        self.owner_models: list[Owner] = []
        # Property groups by object type (developers.hubspot.com/docs/api/crm/properties,
        # "Property groups"): every object starts with its "{object}information" group.
        self.groups: dict[str, dict[str, dict[str, Any]]] = {
            t: {f"{singular(t)}information": _group(f"{singular(t)}information", 0)}
            for t in OBJECT_TYPE_IDS
        }
        # (from type, to type) -> from id -> to ids; both directions are kept. Tuples, not sets:
        # most records have one or two associations and a big demo has hundreds of thousands.
        self._links: dict[tuple[str, str], dict[int, tuple[int, ...]]] = {}
        self.events: dict[int, list[WebEvent]] = {}
        self.next_ids = {"contacts": CONTACT_ID_OFFSET + 1, **FIRST_IDS}
        self._rng = random.Random(f"inbound-{seed}")
        self.searcher = SearchEngine()
        self._dirty = _Dirty()

    # Construction ------------------------------------------------------------------------------

    @classmethod
    def open(
        cls,
        *,
        seed: int = 1,
        leads: int = 200,
        reps: int = 5,
        now: datetime | None = None,
        db: str | Path | None = None,
        clock: Callable[[], datetime] | None = None,
        portal: Portal | None = None,
    ) -> SandboxCRM:
        """A portal seeded from `leadtui.demo` (same seed and now: same data and ids), or the one
        already in the `db` file."""
        store = Store(db) if db else None
        clock = clock or SandboxClock(now)
        crm = cls(clock=clock, store=store, seed=seed, portal=portal)
        if store is not None and store.is_seeded():
            crm._restore(store.load())
        else:
            start = now or clock()
            crm.load_demo(generate(seed, leads, reps, start), start)
        return crm

    def close(self) -> None:
        if self._store is not None:
            self._store.close()

    def load_demo(self, data: DemoData, now: datetime) -> None:
        """Fill an empty portal with demo owners and leads as HubSpot would hold them."""
        with self.transaction():
            self.owner_models = list(data.owners)
            joined = dt_to_ms(now) - 365 * 86_400_000
            self.owners = [owner_json(o, i, joined) for i, o in enumerate(data.owners)]
            ids = self.owner_ids()
            batches: dict[str, list[Record]] = {t: [] for t in self.tables}
            for demo in data.leads:
                bundle = contact_bundle(demo, ids, now)
                self._add_bundle(bundle, CONTACT_ID_OFFSET + demo.lead.id, batches)
            self._seed_history(data, joined, batches)
            for object_type, records in batches.items():
                self.tables[object_type].load(records)
                if self._store is not None:
                    self._dirty.records.update(((object_type, r.id), r) for r in records)
            self._last_ms = max(self._last_ms, dt_to_ms(now))
            self._dirty.meta = True
            if self._store is not None:
                self._store.write(owners=[*self.owners, *self.archived_owners])

    def _seed_history(self, data: DemoData, joined: int, batches: dict[str, list[Record]]) -> None:
        """Deactivated owners, and busy contacts whose older notes (written by them) fill more
        than one association page (see portal.Portal)."""
        self.archived_owners = [
            {
                **owner_json(
                    Owner(f"former.rep{i + 1}@leadtui.example", "Former", f"Rep {i + 1}"),
                    900 + i,
                    joined,
                ),
                "archived": True,
            }
            for i in range(self.portal.former_owners)
        ]
        authors = [str(o["id"]) for o in self.archived_owners] or [""]
        for demo in data.leads[: self.portal.busy_contacts]:
            contact_id = CONTACT_ID_OFFSET + demo.lead.id
            start = dt_to_ms(demo.lead.created_at) - 400 * 86_400_000
            for n in range(BUSY_NOTES):
                at = start + n * 3_600_000
                props = {"hs_timestamp": ms_to_iso(at), "hs_note_body": f"Old CRM note {n + 1}"}
                if authors[n % len(authors)]:
                    props["hubspot_owner_id"] = authors[n % len(authors)]
                obj = SeedObject("notes", props, at, at)
                record_id = self._next_id("notes")
                props |= {
                    "hs_createdate": ms_to_iso(at),
                    "hs_lastmodifieddate": ms_to_iso(at),
                    "hs_object_id": str(record_id),
                }
                batches["notes"].append(Record(record_id, props, obj.created_ms, obj.updated_ms))
                self._link_memory("notes", record_id, "contacts", contact_id)
                if self._store is not None:
                    self._dirty.associations.append(("notes", record_id, "contacts", contact_id))

    def _restore(self, snap: Snapshot) -> None:
        for (object_type, name), prop in snap.properties.items():
            if prop is None:
                self.properties[object_type].pop(name, None)
            else:
                self.properties[object_type][name] = prop
        self.tables = {t: ObjectTable(t, self._unique_props(t)) for t in OBJECT_TYPE_IDS}
        for object_type, records in snap.records.items():
            self.tables[object_type].load(records)
            self._last_ms = max([self._last_ms] + [r.updated_ms for r in records])
        for from_type, from_id, to_type, to_id in snap.associations:
            self._link_memory(from_type, from_id, to_type, to_id)
        self.events = snap.events
        self.owners = [o for o in snap.owners if not o.get("archived")]
        self.archived_owners = [o for o in snap.owners if o.get("archived")]
        self.owner_models = [
            Owner(o["email"], o["firstName"], o["lastName"], o["id"]) for o in self.owners
        ]
        for object_type, groups in (snap.meta.get("groups") or {}).items():
            self.groups.setdefault(object_type, {}).update(groups)
        self.next_ids = dict(snap.meta["next_ids"])
        state = snap.meta["rng"]
        self._rng.setstate((state[0], tuple(state[1]), state[2]))
        self._last_ms = max(self._last_ms, snap.meta.get("last_ms", 0))

    # Transactions and time ---------------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Hold the lock; on the way out, write what changed to the file (if any) and commit."""
        with self.lock:
            try:
                yield
            finally:
                self._flush()

    def _flush(self) -> None:
        dirty, self._dirty = self._dirty, _Dirty()
        if self._store is None or not dirty:
            return
        meta = None
        if dirty.meta or dirty.records:
            meta = {
                "seeded": True,
                "seed": self.seed,
                "next_ids": self.next_ids,
                "rng": self._rng.getstate(),
                "last_ms": self._last_ms,
                "groups": self.groups,
            }
        self._store.write(
            records=[(t, r) for (t, _), r in dirty.records.items()],
            associations=dirty.associations,
            events=dirty.events,
            properties=dirty.properties,
            meta=meta,
        )

    def advance_clock(self, delta: timedelta) -> None:
        """Move sandbox time forward (tests: "a day later, a colleague edits the contact")."""
        if not isinstance(self.clock, SandboxClock):
            raise TypeError("only a SandboxClock can be advanced")
        self.clock.advance(delta)

    def now_ms(self) -> int:
        """The time of a change: the sandbox clock, never earlier than the last change, so
        modified dates never go back (also across a restart from a file)."""
        self._last_ms = max(dt_to_ms(self.clock()), self._last_ms)
        return self._last_ms

    # Reading -----------------------------------------------------------------------------------

    def owner_ids(self) -> dict[str, str]:
        return {o["email"]: o["id"] for o in self.owners}

    def deactivate_owner(self, email: str) -> str:
        """The user leaves the company: their owner is archived, their records keep its id."""
        with self.transaction():
            found = next(o for o in self.owners if o["email"].lower() == email.lower())
            self.owners.remove(found)
            found = {**found, "archived": True, "updatedAt": ms_to_iso(self.now_ms())}
            self.archived_owners.append(found)
            self.owner_models = [m for m in self.owner_models if m.email != found["email"]]
            if self._store is not None:
                self._store.write(owners=[found])
            return str(found["id"])

    def add_group(self, object_type: str, name: str, label: str, order: int) -> dict[str, Any]:
        with self.transaction():
            group = _group(name, order, label)
            self.groups[object_type][name] = group
            self._dirty.meta = True
            return group

    def table(self, object_type: str) -> ObjectTable:
        return self.tables[object_type]

    def linked(self, from_type: str, from_id: int, to_type: str) -> list[int]:
        """Live records of `to_type` associated with the record, by id."""
        targets = self._links.get((from_type, to_type), {}).get(from_id, ())
        table = self.tables[to_type]
        return sorted(i for i in targets if table.get(i) is not None)

    def record_json(
        self,
        object_type: str,
        record: Record,
        properties: tuple[str, ...] | None = None,
        associations: tuple[str, ...] = (),
    ) -> dict[str, Any]:
        """A record as HubSpot returns it: requested properties (null when unset) plus those
        HubSpot always returns; HubSpot's defaults when none are requested."""
        known = self.properties[object_type]
        default, always = read_defaults(object_type)
        names = dict.fromkeys([*(default if properties is None else properties), *always])
        body: dict[str, Any] = {
            "id": str(record.id),
            "properties": {n: record.props.get(n) for n in names if n in known},
            "createdAt": ms_to_iso(record.created_ms),
            "updatedAt": ms_to_iso(record.updated_ms),
            "archived": record.archived,
        }
        if record.archived_ms is not None:
            body["archivedAt"] = ms_to_iso(record.archived_ms)
        links = {}
        for to_type in associations:
            ids = self.linked(object_type, record.id, to_type)
            if ids:
                label = association_label(object_type, to_type)
                links[to_type] = {"results": [{"id": str(i), "type": label} for i in ids]}
        if links:
            body["associations"] = links
        return body

    # Writing -----------------------------------------------------------------------------------

    def check_props(
        self, object_type: str, raw: object, *, system: bool = False
    ) -> dict[str, str | None]:
        """Validated, normalised values; errors.ApiError with HubSpot's details otherwise.
        `system` writes (the sandbox's own, or a test's) may set read-only properties."""
        if not isinstance(raw, dict):
            raise errors.validation("properties must be an object of property names to values")
        known = self.properties[object_type]
        owners = {o["id"] for o in self.owners}
        values: dict[str, str | None] = {}
        problems: list[tuple[str, str, str]] = []
        for name, value in raw.items():
            prop = known.get(name)
            if prop is None:
                problems.append(
                    (name, "PROPERTY_DOESNT_EXIST", f'Property "{name}" does not exist')
                )
                continue
            if prop.read_only and not system:
                problems.append(
                    (
                        name,
                        "READ_ONLY_VALUE",
                        f"{name} is a read only property; its value cannot be set.",
                    )
                )
                continue
            try:
                values[name] = normalize(prop, value)
            except InvalidValue as bad:
                problems.append((name, bad.code, str(bad)))
                continue
            if name == "hubspot_owner_id" and values[name] and values[name] not in owners:
                problems.append((name, "INVALID_OPTION", f"{values[name]} is not a valid owner id"))
        if problems:
            raise errors.property_errors(problems)
        return values

    def check_required(self, object_type: str, values: dict[str, str | None]) -> None:
        missing = [n for n in _REQUIRED.get(object_type, ()) if not values.get(n)]
        if missing:
            raise errors.property_errors(
                [(n, "REQUIRED_PROPERTY", f"{n} is required") for n in missing]
            )

    def check_unique(
        self, object_type: str, values: dict[str, str | None], record_id: int | None = None
    ) -> None:
        table = self.tables[object_type]
        for prop in table.unique:
            value = values.get(prop)
            owner = table.find_unique(prop, value) if value else None
            if owner is not None and owner.id != record_id:
                if object_type == "contacts" and prop == "email":
                    message = f"Contact already exists. Existing ID: {owner.id}"
                else:
                    message = (
                        f'A {singular(object_type)} with {prop} "{value}" already exists. '
                        f"Existing ID: {owner.id}"
                    )
                raise errors.ApiError(409, "CONFLICT", message)

    def forward_only(
        self, object_type: str, record: Record, values: dict[str, str | None]
    ) -> dict[str, str | None]:
        """An API write's values less a backward lifecycle stage, which HubSpot ignores silently
        (see schema.lifecycle_backward); clearing it ("" or null) is always allowed."""
        if object_type != "contacts" or "lifecyclestage" not in values:
            return values
        if lifecycle_backward(record.props.get("lifecyclestage"), values["lifecyclestage"]):
            return {k: v for k, v in values.items() if k != "lifecyclestage"}
        return values

    def insert(self, object_type: str, values: dict[str, str | None]) -> Record:
        """Create a record from checked values (call inside a transaction)."""
        self.check_required(object_type, values)
        self.check_unique(object_type, values)
        now = self.now_ms()
        record_id = self._next_id(object_type)
        props = {k: v for k, v in values.items() if v is not None}
        _derive(object_type, props)
        props.setdefault(created_prop(object_type), ms_to_iso(now))
        props[modified_prop(object_type)] = ms_to_iso(now)
        props["hs_object_id"] = str(record_id)
        if object_type == "contacts" and props.get("hubspot_owner_id"):
            props.setdefault("hubspot_owner_assigneddate", ms_to_iso(now))
        record = Record(record_id, props, now, now)
        self.tables[object_type].insert(record)
        self._dirty.records[(object_type, record_id)] = record
        return record

    def modify(self, object_type: str, record: Record, values: dict[str, str | None]) -> bool:
        """Apply checked values; the modified date moves only when a value really changes."""
        changes = {k: v for k, v in values.items() if record.props.get(k) != v}
        if not changes:
            return False
        self.check_unique(object_type, {**record.props, **changes}, record.id)
        now = self.now_ms()
        if (
            object_type == "contacts"
            and "hubspot_owner_id" in changes
            and "hubspot_owner_assigneddate" not in values
        ):
            changes["hubspot_owner_assigneddate"] = ms_to_iso(now)
        changes[modified_prop(object_type)] = ms_to_iso(now)
        if object_type == "deals":
            merged = {**record.props, **changes}
            _derive(object_type, merged)
            changes |= {k: merged[k] for k in ("hs_is_closed", "hs_is_closed_won")}
        self.tables[object_type].update(record, changes, now)
        self._dirty.records[(object_type, record.id)] = record
        return True

    def archive(self, object_type: str, record: Record) -> None:
        if record.archived:
            return
        self.tables[object_type].archive(record, self.now_ms())
        self._dirty.records[(object_type, record.id)] = record

    def link(self, from_type: str, from_id: int, to_type: str, to_id: int) -> None:
        """Associate two records (both directions). Logging an engagement on a contact updates
        the contact's last activity date, which moves its modified date, as in HubSpot."""
        if to_id in self._links.get((from_type, to_type), {}).get(from_id, ()):
            return
        self._link_memory(from_type, from_id, to_type, to_id)
        self._dirty.associations.append((from_type, from_id, to_type, to_id))
        for engagement_type, engagement_id, contact_type, contact_id in (
            (from_type, from_id, to_type, to_id),
            (to_type, to_id, from_type, from_id),
        ):
            if engagement_type in ENGAGEMENT_TYPES and contact_type == "contacts":
                self._note_activity(engagement_type, engagement_id, contact_id)

    def _note_activity(self, engagement_type: str, engagement_id: int, contact_id: int) -> None:
        contact = self.tables["contacts"].get(contact_id)
        engagement = self.tables[engagement_type].get(engagement_id)
        if contact is None or engagement is None or "hs_timestamp" not in engagement.props:
            return
        when = engagement.props["hs_timestamp"]
        last = contact.props.get("notes_last_updated")
        if last is None or parse_time_ms(when) > parse_time_ms(last):
            self.modify("contacts", contact, {"notes_last_updated": when})

    def _link_memory(self, from_type: str, from_id: int, to_type: str, to_id: int) -> None:
        self._add_link(from_type, from_id, to_type, to_id)
        self._add_link(to_type, to_id, from_type, from_id)

    def _add_link(self, a_type: str, a_id: int, b_type: str, b_id: int) -> None:
        targets = self._links.setdefault((a_type, b_type), {})
        known = targets.get(a_id, ())
        if b_id not in known:
            targets[a_id] = (*known, b_id)

    def _next_id(self, object_type: str) -> int:
        key = object_type if object_type in ("contacts", "deals") else "engagements"
        record_id = self.next_ids[key]
        self.next_ids[key] = record_id + 1
        return record_id

    def _unique_props(self, object_type: str) -> tuple[str, ...]:
        return tuple(p.name for p in self.properties[object_type].values() if p.unique)

    def _add_bundle(
        self, bundle: SeedContact, contact_id: int, batches: dict[str, list[Record]] | None
    ) -> Record:
        """Insert a seeded contact with its deals, engagements and events. With `batches`, the
        records are collected for one bulk load instead (a big seed sorts once, not per row)."""

        def add(obj: SeedObject, record_id: int) -> Record:
            props = dict(obj.props)
            props.setdefault(created_prop(obj.object_type), ms_to_iso(obj.created_ms))
            props[modified_prop(obj.object_type)] = ms_to_iso(obj.updated_ms)
            props["hs_object_id"] = str(record_id)
            _derive(obj.object_type, props)
            record = Record(record_id, props, obj.created_ms, obj.updated_ms)
            if batches is None:
                self.tables[obj.object_type].insert(record)
                self._dirty.records[(obj.object_type, record_id)] = record
            else:
                batches[obj.object_type].append(record)
            return record

        contact = add(bundle.contact, contact_id)
        self.next_ids["contacts"] = max(self.next_ids["contacts"], contact_id + 1)
        for obj in (*bundle.deals, *bundle.engagements):
            linked = add(obj, self._next_id(obj.object_type))
            self._link_memory(obj.object_type, linked.id, "contacts", contact_id)
            if self._store is not None:
                self._dirty.associations.append(
                    (obj.object_type, linked.id, "contacts", contact_id)
                )
        self.events[contact_id] = list(bundle.events)
        if self._store is not None:
            self._dirty.events.extend((contact_id, seq, e) for seq, e in enumerate(bundle.events))
        return contact

    # What tests (and the demo) do to the "remote" CRM -----------------------------------------

    def add_inbound_leads(self, count: int = 1) -> list[str]:
        """New leads fill in the demo form now: new contacts with their web activity."""
        made = []
        with self.transaction():
            now = datetime.fromtimestamp(self.now_ms() / 1000, tz=UTC)
            ids = self.owner_ids()
            for _ in range(count):
                contact_id = self.next_ids["contacts"]
                demo = new_inbound(
                    self._rng, contact_id - CONTACT_ID_OFFSET, self.owner_models, now
                )
                bundle = contact_bundle(demo, ids, now)
                made.append(str(self._add_bundle(bundle, contact_id, None).id))
            self._dirty.meta = True
        return made

    def add_pricing_visit(self, contact_id: int | str | None = None) -> str | None:
        """A known contact views the pricing page now (a nurtured one, picked at random, unless
        told which): a web event, and the contact's page-view count goes up, as HubSpot's tracking
        code puts page views on the contact record
        (https://developers.hubspot.com/docs/api/events/tracking-code, "Identifying contacts").
        That the count moves `lastmodifieddate` (so an incremental pull sees the visit) is this
        sandbox's assumption; HubSpot's pages do not say. Returns the contact id."""
        with self.transaction():
            table = self.tables["contacts"]
            if contact_id is None:
                nurtured = [
                    i
                    for i in sorted(table.live_ids)
                    if table.records[i].props.get("hs_lead_status") == "BAD_TIMING"
                ]
                if not nurtured:
                    return None
                contact_id = self._rng.choice(nurtured)
            record = self._live("contacts", contact_id)
            now = self.now_ms()
            url = "https://leadtui.example/pricing"
            visit = WebEvent(EVENT_TYPES[EventKind.PAGE_VIEW], now, url, "Pricing")
            events = self.events.setdefault(record.id, [])
            events.append(visit)
            if self._store is not None:
                self._dirty.events.append((record.id, len(events) - 1, visit))
            views = int(record.props.get("hs_analytics_num_page_views") or 0) + 1
            visits = int(record.props.get("hs_analytics_num_visits") or 0) + 1
            # The summary every portal keeps (the events API itself needs Enterprise).
            summary: dict[str, str | None] = {
                "hs_analytics_num_page_views": str(views),
                "hs_analytics_num_visits": str(visits),
                "hs_analytics_last_url": url,
                "hs_analytics_last_visit_timestamp": ms_to_iso(now),
            }
            self.modify("contacts", record, summary)
            return str(record.id)

    def edit(self, object_type: str, record_id: int | str, props: dict[str, Any]) -> dict[str, Any]:
        """Change a record as someone in HubSpot's UI would (read-only properties included)."""
        with self.transaction():
            record = self._live(object_type, record_id)
            self.modify(object_type, record, self.check_props(object_type, props, system=True))
            return dict(record.props)

    def edit_contact(self, contact_id: int | str, props: dict[str, Any]) -> dict[str, Any]:
        return self.edit("contacts", contact_id, props)

    def archive_record(self, object_type: str, record_id: int | str) -> None:
        with self.transaction():
            self.archive(object_type, self._live(object_type, record_id))

    def archive_contact(self, contact_id: int | str) -> None:
        self.archive_record("contacts", contact_id)

    def log_engagement(self, object_type: str, contact_id: int | str, props: dict[str, Any]) -> str:
        """An engagement a rep logged in HubSpot directly, associated with the contact."""
        with self.transaction():
            contact = self._live("contacts", contact_id)
            record = self.insert(object_type, self.check_props(object_type, props))
            self.link(object_type, record.id, "contacts", contact.id)
            return str(record.id)

    def props(
        self, object_type: str, record_id: int | str, archived: bool = False
    ) -> dict[str, str]:
        """All stored values of a record (KeyError when there is none)."""
        with self.lock:
            record = self.tables[object_type].get(int(record_id), archived=archived)
            if record is None:
                raise KeyError(f"no {singular(object_type)} {record_id}")
            return dict(record.props)

    def contact(self, contact_id: int | str) -> dict[str, str]:
        return self.props("contacts", contact_id)

    def count(self, object_type: str, archived: bool = False) -> int:
        with self.lock:
            table = self.tables[object_type]
            return len(table.archived_ids) if archived else len(table.live_ids)

    def find(self, object_type: str, prop: str, value: str) -> list[str]:
        """Ids of live records whose property equals value (a linear scan: for tests)."""
        with self.lock:
            table = self.tables[object_type]
            return [str(i) for i in table.live_ids if table.records[i].props.get(prop) == value]

    def associated(self, from_type: str, record_id: int | str, to_type: str) -> list[str]:
        with self.lock:
            return [str(i) for i in self.linked(from_type, int(record_id), to_type)]

    def add_property(self, object_type: str, prop: PropertyDef) -> None:
        with self.transaction():
            self.properties[object_type][prop.name] = prop
            if prop.unique:
                self.tables[object_type].add_unique_prop(prop.name)
            self._dirty.properties.append((object_type, prop.name, prop))

    def delete_property(self, object_type: str, name: str) -> None:
        """Remove a property definition (e.g. to see `leadtui doctor` notice it is missing)."""
        with self.transaction():
            self.properties[object_type].pop(name, None)
            self.tables[object_type].unique.pop(name, None)
            self._dirty.properties.append((object_type, name, None))

    def _live(self, object_type: str, record_id: int | str) -> Record:
        try:
            record = self.tables[object_type].get(int(record_id))
        except ValueError:
            record = None
        if record is None:
            raise KeyError(f"no live {singular(object_type)} {record_id}")
        return record


def _group(name: str, order: int, label: str = "") -> dict[str, Any]:
    """A property group as `GET /crm/v3/properties/{objectType}/groups` returns it."""
    return {
        "name": name,
        "label": label or name.replace("_", " ").capitalize(),
        "displayOrder": order,
        "archived": False,
    }


def _derive(object_type: str, props: dict[str, Any]) -> None:
    """Calculated properties HubSpot keeps up to date itself (deals: closed, closed won)."""
    if object_type != "deals":
        return
    closed, won = deal_closed(props.get("pipeline"), props.get("dealstage"))
    props["hs_is_closed"] = "true" if closed else "false"
    props["hs_is_closed_won"] = "true" if won else "false"
