"""The queries the queue, the detail pane and the reports need, and the bulk paths for sync."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Table, bindparam, func, insert, or_, update
from sqlalchemy import select as sa_select
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from leadtui.domain.models import (
    OPEN_STATUSES,
    Channel,
    Enrolment,
    Event,
    EventKind,
    Lead,
    Outcome,
    Touch,
)
from leadtui.store import sqlite_values
from leadtui.store.convert import enrolment_from_mapping, lead_from_mapping
from leadtui.store.light import ContextSummary as ContextSummary  # re-exported for views
from leadtui.store.light import QueueIndexRow as QueueIndexRow
from leadtui.store.light import summarise_context
from leadtui.store.tables import (
    ConflictRow,
    EnrolmentRow,
    EventRow,
    LeadRow,
    NoteRow,
    OutboxRow,
    OwnerRow,
    TouchRow,
    table_of,
)


def find_lead(session: Session, ref: str) -> LeadRow | None:
    """A lead by local id, CRM id or email (in that order of preference)."""
    ref = ref.strip()
    if ref.isdigit():
        row = session.get(LeadRow, int(ref))
        if row is not None:
            return row
    row = session.exec(select(LeadRow).where(LeadRow.crm_id == ref)).first()
    if row is not None:
        return row
    return session.exec(
        select(LeadRow).where(func.lower(LeadRow.email) == ref.lower()).order_by(col(LeadRow.id))
    ).first()


def leads(session: Session, owner: str | None = None, open_only: bool = False) -> list[LeadRow]:
    query = select(LeadRow).where(col(LeadRow.archived).is_(False))
    if owner:
        query = query.where(func.lower(LeadRow.owner) == owner.lower())
    if open_only:
        query = query.where(col(LeadRow.status).in_([s.value for s in OPEN_STATUSES]))
    return list(session.exec(query.order_by(col(LeadRow.id))))


def touches_by_lead(session: Session, lead_ids: Sequence[int] | None) -> dict[int, list[TouchRow]]:
    query = select(TouchRow).order_by(
        col(TouchRow.lead_id), col(TouchRow.occurred_at), col(TouchRow.id)
    )
    if lead_ids is not None:
        query = query.where(col(TouchRow.lead_id).in_(lead_ids))
    grouped: dict[int, list[TouchRow]] = defaultdict(list)
    for row in session.exec(query):
        grouped[row.lead_id].append(row)
    return grouped


def events_by_lead(session: Session, lead_ids: Sequence[int] | None) -> dict[int, list[EventRow]]:
    query = select(EventRow).order_by(
        col(EventRow.lead_id), col(EventRow.occurred_at), col(EventRow.id)
    )
    if lead_ids is not None:
        query = query.where(col(EventRow.lead_id).in_(lead_ids))
    grouped: dict[int, list[EventRow]] = defaultdict(list)
    for row in session.exec(query):
        grouped[row.lead_id].append(row)
    return grouped


def enrolments_by_lead(session: Session, lead_ids: Sequence[int] | None) -> dict[int, EnrolmentRow]:
    query = select(EnrolmentRow)
    if lead_ids is not None:
        query = query.where(col(EnrolmentRow.lead_id).in_(lead_ids))
    return {row.lead_id: row for row in session.exec(query)}


def notes_for(session: Session, lead_id: int) -> list[NoteRow]:
    return list(
        session.exec(
            select(NoteRow).where(NoteRow.lead_id == lead_id).order_by(col(NoteRow.created_at))
        )
    )


def context_summaries(
    session: Session, lead_ids: Sequence[int] | None
) -> dict[int, ContextSummary]:
    """Page-view counts, download titles and the last page viewed, per lead, in one query."""
    query = (
        select(EventRow.lead_id, EventRow.kind, EventRow.url, EventRow.title)
        .where(col(EventRow.kind).in_([EventKind.PAGE_VIEW.value, EventKind.DOWNLOAD.value]))
        .order_by(col(EventRow.lead_id), col(EventRow.occurred_at), col(EventRow.id))
    )
    if lead_ids is not None:
        query = query.where(col(EventRow.lead_id).in_(lead_ids))
    return summarise_context(session.exec(query))


def queue_index(
    session: Session, owner: str | None, lead_ids: Iterable[int] | None = None
) -> list[QueueIndexRow]:
    query = (
        sa_select(
            col(LeadRow.id),
            col(LeadRow.score),
            col(LeadRow.status),
            col(LeadRow.stl_deadline),
            col(LeadRow.first_touch_at),
            col(LeadRow.snoozed_until),
            col(EnrolmentRow.due_at),
            col(EnrolmentRow.paused_at),
            col(EnrolmentRow.exited_at),
            col(EnrolmentRow.completed_at),
        )
        .join(EnrolmentRow, col(EnrolmentRow.lead_id) == col(LeadRow.id), isouter=True)
        .where(col(LeadRow.archived).is_(False))
        .where(col(LeadRow.status).in_([s.value for s in OPEN_STATUSES]))
    )
    if owner:
        query = query.where(func.lower(LeadRow.owner) == owner.lower())
    if lead_ids is not None:
        query = query.where(col(LeadRow.id).in_(list(lead_ids)))
    out = []
    for (
        lead_id,
        score,
        status,
        deadline,
        first,
        snoozed,
        due,
        paused,
        exited,
        done,
    ) in session.execute(query):
        active = exited is None and done is None
        out.append(
            QueueIndexRow(
                lead_id=lead_id,
                score=score,
                status=status,
                stl_deadline=deadline,
                first_touch_at=first,
                snoozed_until=snoozed,
                due_at=due if active else None,
                paused=paused is not None and active,
            )
        )
    return out


def queued_row_fields(session: Session, owner: str | None) -> Iterator[Any]:
    """What the queue shows of each open lead, in one read for the whole queue: the lead's
    columns, its stored figures (refreshed by the workspace whenever its inputs change, so no
    touches are read) and its enrolment. Each row: id, name, company, email, phone, band, score,
    source, created_at, stl_deadline, first_touch_at, human_touches, timezone, recycle_reason,
    cadence (None: not enrolled), step, due_at, paused, active (the enrolment neither exited
    nor completed). Read them while the session is open."""
    lead, enr = LeadRow, EnrolmentRow
    query = (
        sa_select(
            col(lead.id),
            col(lead.name),
            col(lead.company),
            col(lead.email),
            col(lead.phone),
            col(lead.band),
            col(lead.score),
            col(lead.source),
            col(lead.created_at),
            col(lead.stl_deadline),
            col(lead.first_touch_at),
            col(lead.human_touches),
            col(lead.timezone),
            col(lead.recycle_reason),
            col(enr.cadence),
            col(enr.step),
            col(enr.due_at),
            col(enr.paused_at).is_not(None),
            col(enr.exited_at).is_(None) & col(enr.completed_at).is_(None),
        )
        .join(enr, col(enr.lead_id) == col(lead.id), isouter=True)
        .where(col(lead.archived).is_(False))
        .where(col(lead.status).in_([s.value for s in OPEN_STATUSES]))
    )
    if owner:
        query = query.where(func.lower(lead.owner) == owner.lower())
    # A few thousand at a time, not the whole queue's raw rows beside the caller's at once.
    return iter(session.execute(query.execution_options(yield_per=2_000)))


def search_lead_ids(session: Session, text: str, owner: str | None) -> set[int]:
    """Leads whose name, company or email contains the text (case-insensitive)."""
    pattern = f"%{text.lower()}%"
    query = select(LeadRow.id).where(
        or_(
            func.lower(LeadRow.name).like(pattern),
            func.lower(LeadRow.company).like(pattern),
            func.lower(LeadRow.email).like(pattern),
        )
    )
    if owner:
        query = query.where(func.lower(LeadRow.owner) == owner.lower())
    return {lead_id for lead_id in session.exec(query) if lead_id is not None}


def find_leads(session: Session, text: str, limit: int = 50) -> list[LeadRow]:
    """Any lead, snoozed or closed too, whose name, company or email contains the text."""
    pattern = f"%{text.lower()}%"
    query = (
        select(LeadRow)
        .where(
            or_(
                func.lower(LeadRow.name).like(pattern),
                func.lower(LeadRow.company).like(pattern),
                func.lower(LeadRow.email).like(pattern),
            ),
            col(LeadRow.archived).is_(False),
        )
        .order_by(col(LeadRow.name))
        .limit(limit)
    )
    return list(session.exec(query))


def outbox_counts(session: Session) -> dict[str, int]:
    query = select(OutboxRow.state, func.count()).group_by(OutboxRow.state)
    return {state: count for state, count in session.exec(query)}


def open_conflicts(session: Session) -> list[ConflictRow]:
    return list(
        session.exec(
            select(ConflictRow)
            .where(col(ConflictRow.resolved_at).is_(None))
            .order_by(col(ConflictRow.id))
        )
    )


def upsert(
    conn: Connection,
    table: Table,
    rows: Iterable[dict[str, Any]],
    key: str,
    update: Sequence[str] | None = None,
    chunk: int = 500,
) -> None:
    """Insert or update many rows in a few statements, keyed on a unique column.

    SQLAlchemy Core, one statement per chunk: the ORM's one-object-at-a-time path is an order
    of magnitude slower for a 100,000-contact pull.
    """
    batch = list(rows)
    if not batch:
        return
    dialect = conn.dialect.name
    insert_fn: Any
    if dialect == "sqlite":
        insert_fn = sqlite.insert
    elif dialect == "postgresql":
        insert_fn = postgresql.insert
    else:
        raise NotImplementedError(f"bulk upsert is not written for {dialect}")
    columns = list(update) if update is not None else [c for c in batch[0] if c != key]
    if dialect == "postgresql":
        # One statement with the rows as parameters: SQLAlchemy compiles it once (cached) and
        # sends the rows in multi-row batches ("insertmanyvalues"). Rendering the rows into the
        # statement, as below, compiles every chunk anew: three quarters of a pull's time here.
        statement = insert_fn(table)
        statement = (
            statement.on_conflict_do_update(
                index_elements=[key], set_={name: statement.excluded[name] for name in columns}
            )
            if columns
            else statement.on_conflict_do_nothing(index_elements=[key])
        )
        conn.execute(statement, batch)
        return
    # SQLite allows at most 32766 bound parameters per statement.
    size = max(1, min(chunk, 30000 // max(1, len(batch[0]))))
    for start in range(0, len(batch), size):
        statement = insert_fn(table).values(batch[start : start + size])
        if columns:
            statement = statement.on_conflict_do_update(
                index_elements=[key],
                set_={name: statement.excluded[name] for name in columns},
            )
        else:
            statement = statement.on_conflict_do_nothing(index_elements=[key])
        conn.execute(statement)


def lead_ids_where(
    session: Session, owner: str | None, band: str | None = None, source: str | None = None
) -> set[int]:
    """Open, unarchived leads with this band and/or source (the TUI's queue filters)."""
    query = select(LeadRow.id).where(col(LeadRow.archived).is_(False))
    if band:
        query = query.where(LeadRow.band == band)
    if source:
        query = query.where(LeadRow.source == source)
    if owner:
        query = query.where(func.lower(LeadRow.owner) == owner.lower())
    return {lead_id for lead_id in session.exec(query) if lead_id is not None}


def sources(session: Session) -> list[str]:
    query = select(LeadRow.source).distinct().order_by(col(LeadRow.source))
    return [source for source in session.exec(query) if source]


def rep_emails(session: Session) -> list[str]:
    """Every rep the cache knows: the CRM's owners and whoever owns a lead."""
    owners = {e for e in session.exec(select(OwnerRow.email)) if e}
    owners |= {e for e in session.exec(select(LeadRow.owner).distinct()) if e}
    return sorted(owners, key=str.casefold)


def colleague_candidates(session: Session, lead: LeadRow, limit: int = 200) -> list[LeadRow]:
    """Leads that may work where `lead` does: same first company word or same email domain.

    A cheap pre-filter in SQL; `leadtui.domain.contact.colleagues` makes the real match.
    """
    conditions = []
    first_word = (lead.company or "").strip().split(" ")[0].lower()
    if first_word:
        conditions.append(func.lower(LeadRow.company).like(f"{first_word}%"))
    _, at, domain = (lead.email or "").rpartition("@")
    if at and domain:
        conditions.append(func.lower(LeadRow.email).like(f"%@{domain.lower()}"))
    if not conditions:
        return []
    query = (
        select(LeadRow)
        .where(or_(*conditions))
        .where(col(LeadRow.archived).is_(False))
        .where(LeadRow.id != lead.id)
        .order_by(col(LeadRow.id))
        .limit(limit)
    )
    return list(session.exec(query))


def queue_candidates(
    session: Session, owner: str | None, now: datetime, day_end: datetime, limit: int
) -> set[int]:
    """A superset of the first `limit` leads of the queue, found through indexes.

    The TUI's first paint orders these with `leadtui.domain.queue.order_queue` and shows the
    first `limit`, so a 100,000-lead cache paints before its whole index is read. Each of the
    queue's groups contributes its own first `limit` by its own key: open windows by deadline;
    untouched late leads by newest deadline; overdue steps by due time; steps due today by
    score; the rest by score (only needed when the other groups hold fewer than `limit` leads).
    A test checks the result against the full order.
    """
    from sqlalchemy import and_

    lead, enr = LeadRow, EnrolmentRow
    deadline, first, due = col(lead.stl_deadline), col(lead.first_touch_at), col(enr.due_at)
    # Wrapped in expressions so that SQLite, which has no statistics here, does not pick the
    # unselective archived or status index over the deadline, due and score ones (10x faster).
    visible = [
        func.coalesce(col(lead.archived), False).is_(False),
        col(lead.status).concat("").in_([s.value for s in OPEN_STATUSES]),
        or_(col(lead.snoozed_until).is_(None), col(lead.snoozed_until) <= now),
    ]
    if owner:
        visible.append(func.lower(lead.owner) == owner.lower())
    live = [
        col(enr.exited_at).is_(None),
        col(enr.completed_at).is_(None),
        col(enr.paused_at).is_(None),
    ]
    leads_q = sa_select(col(lead.id)).where(*visible)
    steps_q = sa_select(col(lead.id)).select_from(enr).join(lead, col(lead.id) == col(enr.lead_id))
    groups = [
        [leads_q.where(first.is_(None), deadline >= now).order_by(deadline, col(lead.id))],
        [
            leads_q.where(
                col(lead.status).concat("") == "new",
                deadline < now,
                or_(first.is_(None), first > deadline),
            ).order_by(deadline.desc(), col(lead.id))
        ],
        [steps_q.where(*visible, *live, due < now).order_by(due, col(lead.id))],
        [
            steps_q.where(*visible, *live, and_(due >= now, due <= day_end)).order_by(
                col(lead.score).desc(), col(lead.id)
            )
        ],
    ]
    found: set[int] = set()
    for group in groups:
        full = False
        for query in group:
            ids = [lead_id for (lead_id,) in session.execute(query.limit(limit))]
            full = full or len(ids) >= limit
            found.update(ids)
        if full or len(found) >= limit:
            # The page is filled by this group and the ones before it, which sort first.
            return found
    # Fewer than `limit` leads are urgent at all: the rest of the page is the best scored.
    rest = leads_q.order_by(col(lead.score).desc(), col(lead.id)).limit(limit + len(found))
    found.update(lead_id for (lead_id,) in session.execute(rest))
    return found


def search_texts(session: Session, owner: str | None) -> list[tuple[int, str]]:
    """(lead id, "name\\ncompany\\nemail" lower-cased) for open leads: the TUI filters these in
    memory as the rep types, instead of a LIKE scan per keystroke."""
    query = (
        sa_select(col(LeadRow.id), col(LeadRow.name), col(LeadRow.company), col(LeadRow.email))
        .where(col(LeadRow.archived).is_(False))
        .where(col(LeadRow.status).in_([s.value for s in OPEN_STATUSES]))
    )
    if owner:
        query = query.where(func.lower(LeadRow.owner) == owner.lower())
    return [
        (lead_id, f"{name or ''}\n{company or ''}\n{email or ''}".lower())
        for lead_id, name, company, email in session.execute(query)
    ]


@dataclass(slots=True)
class DeriveInputs:
    """Everything deriving a lead's figures reads, loaded with a few Core queries."""

    leads: dict[int, Lead]
    touches: dict[int, list[Touch]]
    events: dict[int, list[Event]]
    enrolments: dict[int, Enrolment]

    def take(self, other: DeriveInputs, lead_ids: Iterable[int]) -> None:
        """Add `other`'s inputs for those of these leads it holds."""
        for lead_id in lead_ids:
            lead = other.leads.get(lead_id)
            if lead is None:
                continue
            self.leads[lead_id] = lead
            self.touches[lead_id] = other.touches.get(lead_id, [])
            self.events[lead_id] = other.events.get(lead_id, [])
            if lead_id in other.enrolments:
                self.enrolments[lead_id] = other.enrolments[lead_id]


def derive_inputs(conn: Connection, lead_ids: Sequence[int]) -> DeriveInputs:
    """Leads, touches, events and enrolments for these ids, as domain objects.

    Core, not the ORM: building tens of thousands of ORM objects only to read them once was
    most of the time a large pull or seed spent deriving figures.
    """
    if not lead_ids:  # every lead of a pull's page was new: nothing to read back
        return DeriveInputs({}, defaultdict(list), defaultdict(list), {})
    lead_t, touch_t = table_of(LeadRow), table_of(TouchRow)
    event_t, enrol_t = table_of(EventRow), table_of(EnrolmentRow)
    leads = {
        m["id"]: lead_from_mapping(m)
        for m in conn.execute(sa_select(lead_t).where(lead_t.c.id.in_(lead_ids))).mappings()
    }
    touches: dict[int, list[Touch]] = defaultdict(list)
    query = (
        sa_select(
            touch_t.c.lead_id,
            touch_t.c.channel,
            touch_t.c.outcome,
            touch_t.c.occurred_at,
            touch_t.c.note,
            touch_t.c.by,
            touch_t.c.automated,
        )
        .where(touch_t.c.lead_id.in_(lead_ids))
        .order_by(touch_t.c.lead_id, touch_t.c.occurred_at, touch_t.c.id)
    )
    for lead_id, channel, outcome, at, note, by, automated in conn.execute(query):
        touches[lead_id].append(
            Touch(Channel(channel), Outcome(outcome), at, note, by, bool(automated))
        )
    events: dict[int, list[Event]] = defaultdict(list)
    event_query = (
        sa_select(
            event_t.c.lead_id,
            event_t.c.kind,
            event_t.c.occurred_at,
            event_t.c.url,
            event_t.c.title,
        )
        .where(event_t.c.lead_id.in_(lead_ids))
        .order_by(event_t.c.lead_id, event_t.c.occurred_at, event_t.c.id)
    )
    for lead_id, kind, at, url, title in conn.execute(event_query):
        events[lead_id].append(Event(EventKind(kind), at, url, title))
    enrolments = {
        m["lead_id"]: enrolment_from_mapping(m)
        for m in conn.execute(sa_select(enrol_t).where(enrol_t.c.lead_id.in_(lead_ids))).mappings()
    }
    return DeriveInputs(leads, touches, events, enrolments)


def write_derived(
    conn: Connection,
    leads: Sequence[dict[str, Any]],
    new_enrolments: Sequence[dict[str, Any]],
    changed_enrolments: Sequence[dict[str, Any]],
) -> None:
    """Write derived lead figures and enrolments with one executemany each."""
    lead_t, enrol_t = table_of(LeadRow), table_of(EnrolmentRow)
    if conn.dialect.name == "sqlite":
        # On the driver: the Core statements' per-row bind processing was most of this.
        if leads:
            sqlite_values.update_many(conn, lead_t, leads, key="lead_id", column="id")
        if new_enrolments:
            sqlite_values.insert_many(conn, enrol_t, new_enrolments)
        if changed_enrolments:
            sqlite_values.update_many(
                conn, enrol_t, changed_enrolments, key="lead_id", column="lead_id"
            )
        return
    if leads:
        names = [name for name in leads[0] if name != "lead_id"]
        statement = (
            update(lead_t)
            .where(lead_t.c.id == bindparam("lead_id"))
            .values({name: bindparam(name) for name in names})
        )
        conn.execute(statement, list(leads))
    if new_enrolments:
        conn.execute(insert(enrol_t), list(new_enrolments))
    if changed_enrolments:
        names = [name for name in changed_enrolments[0] if name != "lead_id"]
        statement = (
            update(enrol_t)
            .where(enrol_t.c.lead_id == bindparam("b_lead_id"))
            .values({name: bindparam(name) for name in names})
        )
        conn.execute(
            statement,
            [
                {**{k: v for k, v in e.items() if k != "lead_id"}, "b_lead_id": e["lead_id"]}
                for e in changed_enrolments
            ],
        )
