"""The local cache's tables.

Derived figures a queue needs on every paint (score, band, first touch, speed-to-lead deadline,
the cadence's next due time) are stored beside the lead and refreshed whenever the lead, its
touches or its events change, so that ordering 100,000 leads never recomputes them all.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Index, Table, TypeDecorator
from sqlalchemy.engine import Dialect
from sqlmodel import Field, SQLModel

SCHEMA_VERSION = 1


class UTCDateTime(TypeDecorator[datetime]):
    """Stores aware datetimes as naive UTC; reads them back as aware UTC.

    SQLite has no time zone type, and a naive datetime in domain code is a bug waiting to
    happen, so the conversion lives in exactly one place.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; pass an aware one")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        return value.replace(tzinfo=UTC)


def _when(index: bool = False, nullable: bool = True) -> Any:
    return Field(default=None, sa_type=UTCDateTime, index=index, nullable=nullable)


class Meta(SQLModel, table=True):
    key: str = Field(primary_key=True)
    value: str


class OwnerRow(SQLModel, table=True):
    __tablename__ = "owner"
    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(unique=True, index=True)
    first_name: str = ""
    last_name: str = ""
    crm_id: str | None = Field(default=None, unique=True)


class LeadRow(SQLModel, table=True):
    __tablename__ = "lead"
    __table_args__ = (Index("ix_lead_owner_status", "owner", "status"),)

    id: int | None = Field(default=None, primary_key=True)
    crm_id: str | None = Field(default=None, unique=True)
    name: str = ""
    # Only columns a query can seek on are indexed: each index costs every row a pull writes,
    # and searches by name, company or email are substring matches no index serves.
    email: str = ""
    owner: str = Field(default="", index=True)
    source: str = ""
    status: str = "new"
    created_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    routed_at: datetime | None = _when()
    company: str = ""
    phone: str = ""
    job_title: str = ""
    industry: str = ""
    company_size: int | None = None
    country: str = ""
    timezone: str = ""
    form_problem: str = ""
    form_timeline: str = ""
    email_bad: bool = False
    phone_bad: bool = False
    snoozed_until: datetime | None = _when()
    opportunity_at: datetime | None = _when()
    won_at: datetime | None = _when()
    closed_at: datetime | None = _when()
    deal_value: float | None = None
    disqualified_reason: str = ""
    form_submitted_at: datetime | None = _when()
    # leadtui's own (never pulled): a lead back from nurture, and why (leadtui.domain.recycle).
    recycled_at: datetime | None = _when()
    recycle_reason: str = ""
    crm_updated_at: datetime | None = _when()
    archived: bool = False
    # Derived, refreshed by the workspace whenever the lead's inputs change.
    score: int = Field(default=0, index=True)
    band: str = "unqualified"
    first_touch_at: datetime | None = _when()
    human_touches: int = 0
    stl_deadline: datetime | None = _when(index=True)


class EventRow(SQLModel, table=True):
    __tablename__ = "event"
    id: int | None = Field(default=None, primary_key=True)
    lead_id: int = Field(foreign_key="lead.id", index=True, ondelete="CASCADE")
    kind: str
    occurred_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    url: str = ""
    title: str = ""
    crm_id: str | None = Field(default=None, unique=True)


class TouchRow(SQLModel, table=True):
    __tablename__ = "touch"
    id: int | None = Field(default=None, primary_key=True)
    lead_id: int = Field(foreign_key="lead.id", index=True, ondelete="CASCADE")
    channel: str
    outcome: str
    occurred_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    note: str = ""
    by: str = ""
    automated: bool = False
    crm_id: str | None = Field(default=None, unique=True)
    # The outbox operation that created it here; pushed as the CRM's unique property so a
    # retried create can never make a second record.
    op_id: str | None = Field(default=None, unique=True)


class NoteRow(SQLModel, table=True):
    __tablename__ = "note"
    id: int | None = Field(default=None, primary_key=True)
    lead_id: int = Field(foreign_key="lead.id", index=True, ondelete="CASCADE")
    body: str
    created_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    by: str = ""
    crm_id: str | None = Field(default=None, unique=True)
    op_id: str | None = Field(default=None, unique=True)


class EnrolmentRow(SQLModel, table=True):
    __tablename__ = "enrolment"
    lead_id: int = Field(foreign_key="lead.id", primary_key=True, ondelete="CASCADE")
    cadence: str
    enrolled_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    step: int = 0
    due_at: datetime | None = _when(index=True)
    paused_at: datetime | None = _when()
    exited_at: datetime | None = _when()
    exit_reason: str = ""
    completed_at: datetime | None = _when()
    # [[step, due_at_iso, done_at_iso], ...]: small, read whole, never queried inside.
    history: list[list[Any]] = Field(default_factory=list, sa_type=JSON)


class SyncCursor(SQLModel, table=True):
    __tablename__ = "sync_cursor"
    name: str = Field(primary_key=True)
    value: str = ""
    updated_at: datetime | None = _when()


class OutboxRow(SQLModel, table=True):
    """A local change waiting to reach the CRM; written in the same transaction as the change."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_state_next", "state", "next_attempt_at"),)

    id: int | None = Field(default=None, primary_key=True)  # order of operations
    op_id: str = Field(unique=True)
    # "create_touch", "create_note", "update_lead"; "create_deal" (convert) and, for undo,
    # "archive_touch", "archive_note", "archive_deal" (sync.protocol.DecisionPushes)
    kind: str
    lead_id: int = Field(index=True)
    record_id: int | None = None  # the touch or note row, for creates
    # {"field": {"before": ..., "after": ...}} for updates; the record's fields for creates
    payload: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    # pending, held, done, dead (rejected), discarded; withdrawn / undone: taken back (undo.py)
    state: str = "pending"
    attempts: int = 0
    next_attempt_at: datetime | None = _when()
    last_error: str = ""
    created_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    done_at: datetime | None = _when()


class ConflictRow(SQLModel, table=True):
    """A field both the rep and the CRM changed since the last sync: neither side wins silently."""

    __tablename__ = "conflict"
    id: int | None = Field(default=None, primary_key=True)
    lead_id: int = Field(foreign_key="lead.id", index=True, ondelete="CASCADE")
    field: str
    local_value: str | None = None
    remote_value: str | None = None
    base_value: str | None = None
    created_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    resolved_at: datetime | None = _when()
    resolution: str = ""  # "local" or "remote"


def table_of(model: type[SQLModel]) -> Table:
    """The Core table behind a model (SQLModel leaves `__table__` untyped)."""
    return model.__table__  # type: ignore[attr-defined,no-any-return]


ALL_TABLES = (
    Meta,
    OwnerRow,
    LeadRow,
    EventRow,
    TouchRow,
    NoteRow,
    EnrolmentRow,
    SyncCursor,
    OutboxRow,
    ConflictRow,
)
