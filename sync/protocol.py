"""What every CRM adapter offers the sync engine, in leadtui's own types.

An adapter speaks one CRM's API and hands back domain objects (`Lead`, `Event`, `Touch`, `Owner`)
carrying the CRM's ids, so the engine and the cache never learn a CRM's field names. The engine
owns the cache and the cursor; an adapter owns nothing but its HTTP client.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Protocol, runtime_checkable

from leadtui.domain.models import Event, Lead, Owner, Touch


class SyncError(Exception):
    """The sync cannot go on; the message is one sentence a user can act on (never a token)."""


class AuthError(SyncError):
    """The CRM refused the token (401) or its scopes (403): retrying will not help."""


class CrmUnavailable(SyncError):
    """The CRM kept failing (5xx, timeouts, rate limits) after every retry."""


@dataclass(frozen=True, slots=True)
class Capabilities:
    """What an adapter can do, so the engine and the UI never guess."""

    pushes: frozenset[str]  # outbox kinds it can send: "create_touch", "create_note", "update_lead"
    page_size: int  # records per pull page
    requests_per_10s: int  # the client-side budget it keeps for ordinary calls
    searches_per_second: float  # the lower budget for search calls
    lead_fields: frozenset[str] = frozenset()  # Lead fields `update_lead` can write


@dataclass(frozen=True, slots=True)
class Feature:
    """One capability leadtui uses, as the CRM offers it to this token."""

    name: str  # contacts_read, contacts_write, owners, calls, emails, notes, meetings,
    # deals, web_activity, custom_properties (an adapter may add its own)
    available: bool
    why: str = ""  # when not available: the missing scope/tier/ability and how to add it


@dataclass(frozen=True, slots=True)
class Account:
    """Who the token belongs to, as far as the CRM says."""

    portal: str
    base_url: str


@dataclass(frozen=True, slots=True)
class PulledEvent:
    crm_id: str
    event: Event


@dataclass(frozen=True, slots=True)
class PulledTouch:
    crm_id: str
    touch: Touch
    op_id: str = ""  # set when leadtui made it: matches the local touch the outbox pushed


@dataclass(frozen=True, slots=True)
class PulledNote:
    crm_id: str
    body: str
    created_at: datetime
    by: str = ""
    op_id: str = ""


@dataclass(frozen=True, slots=True)
class PulledLead:
    """One CRM record mapped to a lead (its `id` is 0: the cache assigns ids)."""

    lead: Lead
    modified_at: datetime
    events: tuple[PulledEvent, ...] = ()
    touches: tuple[PulledTouch, ...] = ()
    notes: tuple[PulledNote, ...] = ()


@dataclass(frozen=True, slots=True)
class Skipped:
    """A record the adapter could not map (missing or malformed fields): reported, not fatal."""

    crm_id: str
    reason: str


@dataclass(frozen=True, slots=True)
class PullPage:
    """One page of a pull. Write its leads, then persist `cursor`: never the other way round."""

    leads: tuple[PulledLead, ...]
    cursor: str  # opaque to the engine; pass it back to `pull` next time
    skipped: tuple[Skipped, ...] = ()
    requests: int = 0  # HTTP requests this page took, for progress reports
    # CRM ids found deleted during this pull, archived with the page: a CRM without a list of
    # deleted records (BottleCRM hard-deletes) learns of them only by listing everything.
    archived: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Scope:
    """Whose leads to pull: one owner's (a rep) or everybody's (a manager)."""

    owner_email: str | None = None


@dataclass(frozen=True, slots=True)
class PushResult:
    crm_id: str
    extra: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class DealSpec:
    """The deal a convert opens in the CRM. Empty pipeline or stage: the CRM's default
    pipeline and its first open stage."""

    name: str
    opened_at: datetime  # the lead's opportunity time, read back as the deal's create date
    amount: float | None = None
    close_date: date | None = None
    owner: str = ""  # owner email
    pipeline: str = ""
    stage: str = ""


@runtime_checkable
class DecisionPushes(Protocol):
    """What an adapter offers beyond the contract for a rep's decisions and their undo. The
    outbox kinds "create_deal", "archive_deal", "archive_touch" and "archive_note" need it (and
    the adapter's Capabilities.pushes naming them)."""

    def create_deal(self, lead_crm_id: str, deal: DealSpec, op_id: str) -> PushResult:
        """Open the deal, associated with the contact; `op_id` makes a retry land once."""
        ...

    def archive_deal(self, op_id: str) -> PushResult:
        """Archive the deal `create_deal` made with this op id (gone already: fine)."""
        ...

    def archive_touch(self, crm_id: str, channel: str) -> PushResult: ...

    def archive_note(self, crm_id: str) -> PushResult: ...


@runtime_checkable
class CrmAdapter(Protocol):
    """The contract. Implementations are registered under the entry-point group
    `leadtui.adapters` and built with `from_config`."""

    name: str
    capabilities: Capabilities

    def check(self) -> Account:
        """Reach the CRM with the token; raise AuthError or SyncError with a clear message."""
        ...

    def owners(self) -> list[Owner]: ...

    def pull(self, cursor: str | None, scope: Scope, started_at: datetime) -> Iterator[PullPage]:
        """Records changed since `cursor` (None: everything), oldest change first, a page at a
        time. Each page's `cursor` never passes a record not yet yielded, nor `started_at`."""
        ...

    def archived(self, scope: Scope) -> Iterator[list[str]]:
        """CRM ids of archived (deleted) records, in batches: a modified-date cursor never sees
        them, so they are reconciled through this separate channel. An adapter that finds
        deletions while pulling (a full listing) reports them in `PullPage.archived` instead
        and yields nothing here."""
        ...

    def create_touch(self, lead_crm_id: str, touch: Touch, op_id: str) -> PushResult:
        """Create the touch in the CRM; `op_id` makes a retried create land only once."""
        ...

    def create_note(self, lead_crm_id: str, body: str, at: datetime, op_id: str) -> PushResult: ...

    def update_lead(self, lead_crm_id: str, fields: Mapping[str, Any]) -> PushResult:
        """Write these Lead fields (leadtui names and values) to the CRM record."""
        ...

    def features(self) -> list[Feature]:
        """Read-only probe of the CRM: what this token and account can do."""
        ...

    def setup(self) -> list[str]:
        """Create what leadtui needs in the CRM; idempotent; one line per thing it did."""
        ...

    def close(self) -> None: ...


@runtime_checkable
class FieldReader(Protocol):
    """An adapter that can read a record's current values just before the push writes them
    (sync/outbox.py): a CRM edit made since the pull then becomes a conflict, not an overwrite.
    Optional: an adapter without it is pushed to as before (the pull's merge alone guards)."""

    def read_fields(self, lead_crm_id: str, fields: Collection[str]) -> Mapping[str, Any]:
        """The record's current values of these Lead fields (leadtui names and values); a field
        the CRM does not keep is left out."""
        ...


class AdapterFactory(Protocol):
    """What the registry loads: a class (or callable) building an adapter from configuration."""

    def from_config(self, base_url: str, token: str, *, timeout_seconds: float) -> CrmAdapter: ...
