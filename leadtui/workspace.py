"""The workspace: configuration, the cache and the domain rules, joined.

Every rep action (log a touch, snooze, convert, ...) is one transaction here that writes the
change and its outbox row together, so nothing is lost between the two. The command line and the
TUI both call these methods; neither writes SQL of its own. `now` is always passed in.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Engine, delete, insert, update
from sqlmodel import Session, col, select

from leadtui import undo
from leadtui.config import Config, Locations
from leadtui.domain import cadence as cadences
from leadtui.domain import recycle
from leadtui.domain.calendar import BusinessCalendar
from leadtui.domain.deal_value import deal_value_problem
from leadtui.domain.models import (
    BAD_EMAIL_OUTCOMES,
    BAD_PHONE_OUTCOMES,
    OPEN_STATUSES,
    Band,
    Channel,
    Enrolment,
    Event,
    Lead,
    LeadStatus,
    Outcome,
    Touch,
    check_outcome,
)
from leadtui.domain.reasons import OTHER, classify
from leadtui.domain.scoring import DEFAULT_CADENCE_FOR_BAND, score_lead
from leadtui.domain.speed_to_lead import (
    deadline_for,
    first_human_touch,
    is_human_touch,
    window_touches,
)
from leadtui.rules import Rules as Rules  # re-exported: Workspace.rules is one
from leadtui.store import queries
from leadtui.store.convert import (
    enrolment_from_row,
    enrolment_values,
    lead_from_row,
)
from leadtui.store.engine import (
    is_team,
    open_engine,
    session_scope,
    sqlite_url,
    take_write_lock,
)
from leadtui.store.tables import (
    ConflictRow,
    EnrolmentRow,
    LeadRow,
    NoteRow,
    OutboxRow,
    TouchRow,
    table_of,
)


class ActionError(Exception):
    """A rep action that cannot be done as asked; the message says why."""


def new_op_id() -> str:
    return uuid.uuid4().hex


class Workspace:
    def __init__(self, config: Config, engine: Engine, locations: Locations | None = None):
        self.config = config
        self.engine = engine
        self.locations = locations
        self.rules = Rules.from_config(config)
        self.spend = config.spend_entries  # [[spend]]: money by source in the report
        self.offline_copy = False  # a rep's copy of the team database (leadtui.offline)
        self.read_only = False  # opened with SQLite's mode=ro: nothing can be written

    @classmethod
    def open(
        cls,
        config: Config,
        locations: Locations,
        url: str | None = None,
        *,
        read_only: bool = False,
    ) -> Workspace:
        target = url or config.store.url or sqlite_url(locations.database)
        engine = open_engine(target, read_only=read_only)
        workspace = cls(config, engine, locations)
        # Asked for read-only, a cache this user may write is opened as an ordinary one.
        workspace.read_only = "mode=ro" in str(engine.url)
        return workspace

    @property
    def is_team(self) -> bool:
        """A shared team database: reps act here, and only the team's sync talks to the CRM."""
        return is_team(self.engine)

    def close(self) -> None:
        self.engine.dispose()

    def session(self) -> Any:
        return session_scope(self.engine)

    @property
    def me(self) -> str:
        return self.config.user.email

    # -- derived figures ------------------------------------------------------------------

    def refresh(
        self,
        session: Session,
        lead_ids: Sequence[int],
        now: datetime,
        known: queries.DeriveInputs | None = None,
    ) -> None:
        """Recompute score, band, first touch, deadline and cadence for these leads.

        Called after anything that changes a lead's inputs: a pull, a seed, a logged touch.
        New human touches (after the cadence's last done step) advance the cadence, so touches
        that arrive from the CRM move it exactly as touches logged here do. Reads and writes go
        through Core in chunks: this runs over every lead of a 100,000-contact pull. `known`
        holds inputs the caller has as stored in this transaction (a pull's new leads): those
        leads are not read back.
        """
        if not lead_ids:
            return
        session.flush()  # the Core reads below must see the ORM's pending changes
        conn = session.connection()
        ids = list(lead_ids)
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            if known is None:
                inputs = queries.derive_inputs(conn, chunk)
            else:
                inputs = queries.derive_inputs(conn, [i for i in chunk if i not in known.leads])
                inputs.take(known, chunk)
            leads: list[dict[str, Any]] = []
            new_enrolments: list[dict[str, Any]] = []
            changed_enrolments: list[dict[str, Any]] = []
            for lead_id, lead in inputs.leads.items():
                before = inputs.enrolments.get(lead_id)
                current = before
                events = inputs.events.get(lead_id, [])
                back = recycle.comeback(lead, events, self.rules.recycle, now, self.rules.reasons)
                if back is not None:
                    lead = self._come_back(conn, lead, back, now)
                    current = None  # enrolled afresh below, its first step due with the window
                figures, enrolment = self._derive(
                    lead, inputs.touches.get(lead_id, []), events, current, now
                )
                leads.append({"lead_id": lead_id, **figures})
                if enrolment is not None and enrolment != before:
                    values = {"lead_id": lead_id, **enrolment_values(enrolment)}
                    (changed_enrolments if before else new_enrolments).append(values)
            queries.write_derived(conn, leads, new_enrolments, changed_enrolments)
        # ORM objects loaded before this call must not shadow what was just written.
        session.expire_all()

    def _come_back(self, conn: Any, lead: Lead, back: recycle.Comeback, now: datetime) -> Lead:
        """Return a lead from nurture (or a not-ready close) to its rep: open again, a fresh
        speed-to-lead window from when the intent showed, and the reason. The status change is
        queued for the CRM like a rep's edit, so the next pull does not put it back."""
        changes: dict[str, Any] = {"status": LeadStatus.WORKING.value}
        if lead.closed_at is not None:
            changes["closed_at"] = None
        if lead.disqualified_reason:
            changes["disqualified_reason"] = ""
        before = {
            "status": lead.status.value,
            "closed_at": lead.closed_at,
            "disqualified_reason": lead.disqualified_reason,
        }
        # A snooze set while the lead was in nurture must not hide it now it is back.
        local = {"recycled_at": back.at, "recycle_reason": back.reason, "snoozed_until": None}
        lead_t = table_of(LeadRow)
        conn.execute(update(lead_t).where(lead_t.c.id == lead.id).values(**changes, **local))
        diff = {
            name: {"before": _plain(before[name]), "after": _plain(value)}
            for name, value in changes.items()
        }
        conn.execute(
            insert(table_of(OutboxRow)).values(
                op_id=new_op_id(),
                kind="update_lead",
                lead_id=lead.id,
                payload={"fields": diff},
                state="pending",
                attempts=0,
                last_error="",
                created_at=now,
                next_attempt_at=now,
            )
        )
        return lead._replace(
            status=LeadStatus.WORKING,
            closed_at=None,
            disqualified_reason="",
            recycled_at=back.at,
            recycle_reason=back.reason,
            snoozed_until=None,
        )

    def _derive(
        self,
        lead: Lead,
        touches: list[Touch],
        events: list[Event],
        enrolment: Enrolment | None,
        now: datetime,
    ) -> tuple[dict[str, Any], Enrolment | None]:
        """The lead's derived columns and its enrolment as they should be now."""
        score = score_lead(lead, events, self.rules.scoring, now, explain=False)
        first = first_human_touch(lead.owner, window_touches(lead, touches))
        status = lead.status
        if status is LeadStatus.NEW and first is not None:
            status = LeadStatus.WORKING
        deadline = deadline_for(lead, self.rules.policy, self.rules.calendar)
        figures: dict[str, Any] = {
            "score": score.total,
            "band": score.band.value,
            "first_touch_at": first.occurred_at if first else None,
            "human_touches": sum(1 for t in touches if is_human_touch(t, lead.owner)),
            "stl_deadline": deadline,
            "status": status.value,
        }
        if enrolment is None and lead.status in OPEN_STATUSES:
            name = DEFAULT_CADENCE_FOR_BAND.get(score.band)
            if name and name in self.rules.templates:
                enrolment = cadences.enrol(
                    self.rules.templates[name], lead.clock_start, self._calendar_for(lead)
                )
                # The first step is the first touch, and that is due when the speed-to-lead
                # window closes: not at the prospect's next office hour (the row said "call in
                # 17h" beside a countdown at 17 minutes), nor at arrival (it said "54m late"
                # with six minutes still left).
                # Within the prospect's working hours, though: a Berlin lead arriving in the
                # New York afternoon is called at 09:00 Berlin time, not at 22:30.
                if first is None:
                    prospect = self._calendar_for(lead)
                    due = deadline if prospect.is_working_time(deadline) else None
                    enrolment = enrolment._replace(
                        due_at=due or prospect.next_working_moment(deadline)
                    )
        if enrolment is None:
            return figures, None
        enrolment = self._apply_new_touches(lead, enrolment, touches)
        if enrolment.active and lead.status not in OPEN_STATUSES:
            enrolment = cadences.exit_cadence(
                enrolment, lead.status.value, lead.closed_at or lead.opportunity_at or now
            )
        return figures, enrolment

    def _apply_new_touches(
        self, lead: Lead, enrolment: Enrolment, touches: list[Touch]
    ) -> Enrolment:
        template = self.rules.templates.get(enrolment.cadence)
        if template is None:
            return enrolment
        since = enrolment.history[-1].done_at if enrolment.history else enrolment.enrolled_at
        calendar = self._calendar_for(lead)
        for touch in touches:
            if not enrolment.active or touch.occurred_at <= since:
                continue
            if is_human_touch(touch, lead.owner):
                enrolment = cadences.apply_touch(enrolment, template, touch, calendar)
        return enrolment

    def _calendar_for(self, lead: Lead) -> BusinessCalendar:
        """Cadence steps land in the prospect's working hours where we know their zone."""
        return self.rules.calendar.in_zone(lead.timezone) if lead.timezone else self.rules.calendar

    def end_of_day(self, now: datetime) -> datetime:
        return self.rules.end_of_day(now)

    # -- rep actions (each one transaction with its outbox row) ---------------------------

    def _lead_row(self, session: Session, ref: str | int) -> LeadRow:
        take_write_lock(session)
        found = queries.find_lead(session, str(ref))
        # Locked until the action commits (SELECT ... FOR UPDATE; SQLite, one writer at a time,
        # needs no lock): two reps or a rep and the team sync acting on one lead take turns, so
        # neither decides on a status the other has just changed.
        row = (
            session.get(LeadRow, found.id, with_for_update=True, populate_existing=True)
            if found is not None
            else None
        )
        if row is None or row.archived:
            raise ActionError(f"No lead {ref!s} in the cache; give its id, CRM id or email.")
        return row

    def _outbox(
        self,
        session: Session,
        kind: str,
        lead_id: int,
        now: datetime,
        payload: dict[str, Any],
        record_id: int | None = None,
        op_id: str | None = None,
    ) -> None:
        session.add(
            OutboxRow(
                op_id=op_id or new_op_id(),
                kind=kind,
                lead_id=lead_id,
                record_id=record_id,
                payload=payload,
                created_at=now,
                next_attempt_at=now,
            )
        )
        session.flush()  # ids order the outbox: an undo finds the newest action by them

    def _update_lead(
        self,
        session: Session,
        row: LeadRow,
        changes: dict[str, Any],
        now: datetime,
        action: dict[str, Any] | None = None,
    ) -> None:
        """Change lead fields and queue the CRM update with each field's value before.
        `action` ties the op to the rep's action (undo.action_payload) so undo takes it back."""
        diff = {}
        for name, value in changes.items():
            before = getattr(row, name)
            if before != value:
                diff[name] = {"before": _plain(before), "after": _plain(value)}
                setattr(row, name, value)
        if diff:
            session.add(row)
            restore = {name: change["before"] for name, change in diff.items()}
            payload = {"fields": diff, "restore": restore, **(action or {})}
            self._outbox(session, "update_lead", row.id or 0, now, payload)

    def log_touch(
        self,
        ref: str | int,
        channel: Channel | str,
        outcome: Outcome | str,
        now: datetime,
        note: str = "",
        occurred_at: datetime | None = None,
    ) -> int:
        """Record a touch exactly as a rep would; returns the lead id."""
        try:
            channel = Channel(channel)
            outcome = Outcome(outcome)
        except ValueError as exc:
            raise ActionError(str(exc)) from exc
        if channel is Channel.TASK:
            raise ActionError("A task is a cadence step, not a touch; log the call or email.")
        try:
            check_outcome(channel, outcome)
        except ValueError as exc:
            raise ActionError(str(exc)) from exc
        with self.session() as session:
            row = self._lead_row(session, ref)
            lead_id = row.id or 0
            op_id = new_op_id()
            touch = TouchRow(
                lead_id=lead_id,
                channel=channel.value,
                outcome=outcome.value,
                occurred_at=to_millis(occurred_at or now),  # as the CRM keeps it
                # Stripped as the CRM reads text back: a trailing space would not survive a pull
                # (found by tests/sync/test_roundtrip_property.py).
                note=note.strip(),
                by=self._author(row),
                op_id=op_id,
            )
            session.add(touch)
            session.flush()
            action = undo.action_payload(session, lead_id, op_id)
            self._outbox(
                session,
                "create_touch",
                lead_id,
                now,
                {"channel": channel.value, "outcome": outcome.value, **action},
                record_id=touch.id,
                op_id=op_id,
            )
            changes: dict[str, Any] = {}
            if outcome in BAD_PHONE_OUTCOMES:
                changes["phone_bad"] = True
            if outcome in BAD_EMAIL_OUTCOMES:
                changes["email_bad"] = True
            if row.status == LeadStatus.NEW.value:
                changes["status"] = LeadStatus.WORKING.value
            self._update_lead(session, row, changes, now, {"action": op_id})
            session.flush()
            self.refresh(session, [lead_id], now)
            return lead_id

    def _author(self, row: LeadRow) -> str:
        """Who made a touch or note: the configured user. A teammate's call on someone else's
        lead is theirs, and does not stop the owner's speed-to-lead clock; with no user email
        set (a bare workspace), the lead's owner, as a manual log always was."""
        return self.me or row.owner

    def add_note(self, ref: str | int, body: str, now: datetime) -> int:
        if not body.strip():
            raise ActionError("A note needs some text.")
        with self.session() as session:
            row = self._lead_row(session, ref)
            op_id = new_op_id()
            note = NoteRow(
                lead_id=row.id or 0,
                body=body.strip(),
                created_at=to_millis(now),
                by=self._author(row),
                op_id=op_id,
            )
            session.add(note)
            session.flush()
            self._outbox(
                session,
                "create_note",
                row.id or 0,
                now,
                {"action": op_id},
                record_id=note.id,
                op_id=op_id,
            )
            return row.id or 0

    def snoozed_until(self, ref: str | int) -> datetime | None:
        with self.session() as session:
            return self._lead_row(session, ref).snoozed_until

    def snooze(self, ref: str | int, until: datetime | None, now: datetime) -> int:
        """Hide a lead until a time (None wakes it). Local only: the CRM has no such field."""
        if until is not None and until <= now:
            raise ActionError("Snooze until a time in the future.")
        with self.session() as session:
            row = self._lead_row(session, ref)
            row.snoozed_until = until
            session.add(row)
            return row.id or 0

    def convert(
        self,
        ref: str | int,
        deal_value: float | None,
        now: datetime,
        close_date: date | None = None,
    ) -> int:
        """Make the lead an opportunity: its deal (value, expected close date) is opened in the
        CRM, and the CRM's deal is what a fresh workspace reads back."""
        problem = deal_value_problem(deal_value) if deal_value is not None else None
        if problem:
            raise ActionError(problem)
        # The CRM keeps milliseconds: a time with more would never read back the same.
        at = to_millis(now)
        with self.session() as session:
            row = self._lead_row(session, ref)
            self._require_open(row)
            lead_id = row.id or 0
            deal_op = new_op_id()
            action = undo.action_payload(session, lead_id, deal_op)
            deal = {
                "name": f"{row.company or row.name} - {row.name}".strip(" -"),
                "amount": deal_value,
                "opened_at": at.isoformat(),
                "close_date": close_date.isoformat() if close_date else None,
                "owner": row.owner,
                "pipeline": self.config.deals.pipeline,
                "stage": self.config.deals.stage,
            }
            self._outbox(
                session, "create_deal", lead_id, now, {"deal": deal, **action}, op_id=deal_op
            )
            changes = {
                "status": LeadStatus.CONVERTED.value,
                "opportunity_at": at,
                "deal_value": deal_value,
            }
            self._update_lead(session, row, changes, now, {"action": deal_op})
            self._end_cadence(session, lead_id, "converted", now)
            self.refresh(session, [lead_id], now)
            return lead_id

    def disqualify(self, ref: str | int, reason: str, now: datetime) -> int:
        """Close the lead for a reason: a pick-list key (or its label), else the rep's words."""
        if not reason.strip():
            raise ActionError("Say why the lead is disqualified.")
        picked = classify(reason, self.rules.reasons)
        stored = picked.key if picked.key != OTHER else reason.strip()
        if stored == OTHER:
            raise ActionError('For "other", say why in your own words.')
        with self.session() as session:
            row = self._lead_row(session, ref)
            self._require_open(row)
            lead_id = row.id or 0
            action = undo.action_payload(session, lead_id, new_op_id())
            changes = {
                "status": LeadStatus.DISQUALIFIED.value,
                "closed_at": to_millis(now),
                "disqualified_reason": stored,
            }
            self._update_lead(session, row, changes, now, action)
            self._end_cadence(session, lead_id, "disqualified", now)
            self.refresh(session, [lead_id], now)
            return lead_id

    def reopen(self, ref: str | int, now: datetime) -> int:
        """Put a disqualified lead back to work (its reason and closing time are cleared)."""
        with self.session() as session:
            row = self._lead_row(session, ref)
            if row.status != LeadStatus.DISQUALIFIED.value:
                raise ActionError(
                    f"{row.name or row.email} is {row.status}; only a disqualified lead reopens."
                )
            lead_id = row.id or 0
            action = undo.action_payload(session, lead_id, new_op_id())
            changes = {
                "status": LeadStatus.WORKING.value,
                "closed_at": None,
                "disqualified_reason": "",
            }
            self._update_lead(session, row, changes, now, action)
            self._restart_cadence(session, row, now)
            self.refresh(session, [lead_id], now)
            return lead_id

    def _restart_cadence(self, session: Session, row: LeadRow, now: datetime) -> None:
        """A reopened lead is worked again: its cadence, ended by the disqualify, carries on at
        its step from now (a completed or missing one starts afresh now). Left ended, the lead
        had no next step and counted as given up early (undo puts the old one back)."""
        lead = lead_from_row(row)
        calendar = self._calendar_for(lead)
        found = session.get(EnrolmentRow, row.id)
        current = enrolment_from_row(found) if found is not None else None
        if current is not None and current.exited_at is not None:
            fresh = cadences.carry_on(current, now, calendar)
        else:
            band = next((b for b in Band if b.value == row.band), None)
            name = current.cadence if current else DEFAULT_CADENCE_FOR_BAND.get(band or Band.WARM)
            template = self.rules.templates.get(name or "")
            if template is None:
                return
            fresh = cadences.enrol(template, now, calendar)
        target = found or EnrolmentRow(lead_id=row.id or 0, cadence=fresh.cadence, enrolled_at=now)
        for key, value in enrolment_values(fresh).items():
            setattr(target, key, value)
        session.add(target)
        session.flush()

    def undo(self, ref: str | int, now: datetime) -> tuple[int, str]:
        """Take back the lead's last touch, note or decision; returns (lead id, what it was).

        Not yet pushed, its changes leave the outbox; already pushed, compensating changes go
        through the outbox (archive the engagement or the deal, restore the fields). The
        cadence is put back as it was before, and the clock recomputed from what is left.
        """
        with self.session() as session:
            row = self._lead_row(session, ref)
            lead_id = row.id or 0
            try:
                said = undo.take_back(session, row, now, self._outbox)
            except undo.NothingToUndo as exc:
                raise ActionError(str(exc)) from None
            session.flush()
            self.refresh(session, [lead_id], now)
            return lead_id, said

    def _require_open(self, row: LeadRow) -> None:
        if row.status not in {s.value for s in OPEN_STATUSES}:
            raise ActionError(f"{row.name or row.email} is already {row.status}.")

    def _end_cadence(self, session: Session, lead_id: int, reason: str, now: datetime) -> None:
        enrolment_row = session.get(EnrolmentRow, lead_id)
        if enrolment_row is None:
            return
        enrolment = enrolment_from_row(enrolment_row)
        if enrolment.active:
            for key, value in enrolment_values(
                cadences.exit_cadence(enrolment, reason, now)
            ).items():
                setattr(enrolment_row, key, value)
            session.add(enrolment_row)

    def enrol(self, ref: str | int, cadence_name: str, now: datetime) -> int:
        """Enrol in a cadence, or switch to another (the old one ends as 'switched')."""
        template = self.rules.templates.get(cadence_name)
        if template is None:
            known = ", ".join(sorted(self.rules.templates))
            raise ActionError(f"No cadence named {cadence_name!r}; choose one of {known}.")
        with self.session() as session:
            row = self._lead_row(session, ref)
            self._require_open(row)
            lead = lead_from_row(row)
            enrolment = cadences.enrol(template, now, self._calendar_for(lead))
            old_row = session.get(EnrolmentRow, row.id)
            if old_row is not None:
                enrolment = cadences.switch(enrolment_from_row(old_row), enrolment, now)
            session.exec(delete(EnrolmentRow).where(EnrolmentRow.lead_id == row.id))  # type: ignore[call-overload,arg-type]
            session.add(EnrolmentRow(lead_id=row.id or 0, **enrolment_values(enrolment)))
            return row.id or 0

    def pause(self, ref: str | int, now: datetime) -> int:
        def change(enrolment: Enrolment, lead: Lead) -> Enrolment:
            if enrolment.paused_at is not None:
                raise ActionError(f"{lead.name or lead.email}'s cadence is already paused.")
            return cadences.pause(enrolment, now)

        return self._change_enrolment(ref, now, change)

    def resume(self, ref: str | int, now: datetime) -> int:
        def change(enrolment: Enrolment, lead: Lead) -> Enrolment:
            if enrolment.paused_at is None:
                raise ActionError(f"{lead.name or lead.email}'s cadence is not paused.")
            return cadences.resume(enrolment, now, self._calendar_for(lead))

        return self._change_enrolment(ref, now, change)

    def _change_enrolment(self, ref: str | int, now: datetime, change: Any) -> int:
        with self.session() as session:
            row = self._lead_row(session, ref)
            enrolment_row = session.get(EnrolmentRow, row.id)
            if enrolment_row is None:
                raise ActionError(f"{row.name or row.email} is not in a cadence; enrol first.")
            enrolment = enrolment_from_row(enrolment_row)
            if not enrolment.active:
                raise ActionError(f"{row.name or row.email}'s cadence has already ended.")
            try:
                changed = change(enrolment, lead_from_row(row))
            except ValueError as exc:
                raise ActionError(str(exc)) from exc
            for key, value in enrolment_values(changed).items():
                setattr(enrolment_row, key, value)
            session.add(enrolment_row)
            return row.id or 0

    # -- the outbox and conflicts, as the rep sees them -----------------------------------

    def retry_dead(self, op_id: str, now: datetime) -> None:
        """Send a change the CRM refused once more (after the rep fixed what was wrong)."""
        with self.session() as session:
            op = self._op(session, op_id, "dead")
            op.state, op.attempts, op.next_attempt_at, op.last_error = "pending", 0, now, ""
            session.add(op)

    def discard_dead(self, op_id: str, now: datetime) -> None:
        """Give up on a refused change: marked discarded, and what it changed here goes too
        (a refused touch leaves the lead's touch history; refused fields go back)."""
        with self.session() as session:
            op = self._op(session, op_id, "dead")
            undo.revert_local(session, op)
            op.state, op.done_at = "discarded", now
            session.add(op)
            session.flush()
            self.refresh(session, [op.lead_id], now)

    def _op(self, session: Session, op_id: str, state: str) -> OutboxRow:
        take_write_lock(session)
        op = session.exec(
            select(OutboxRow).where(OutboxRow.op_id == op_id).with_for_update()
        ).first()
        if op is None or op.state != state:
            raise ActionError(f"No {state} change {op_id} in the outbox.")
        return op

    def resolve_conflict(self, conflict_id: int, keep: str, now: datetime) -> int:
        """Settle a field both sides changed: keep the rep's value ("local") or the CRM's.

        Keeping the rep's releases the held outbox change, which then overwrites the CRM's value
        on purpose; taking the CRM's writes its value here and drops that field from the change.
        """
        if keep not in ("local", "remote"):
            raise ActionError('Keep "local" (your value) or "remote" (the CRM\'s).')
        with self.session() as session:
            take_write_lock(session)
            conflict = session.get(ConflictRow, conflict_id, with_for_update=True)
            if conflict is None or conflict.resolved_at is not None:
                raise ActionError(f"No open conflict {conflict_id}.")
            row = self._lead_row(session, conflict.lead_id)
            ops = session.exec(
                select(OutboxRow)
                .where(OutboxRow.lead_id == conflict.lead_id)
                .where(OutboxRow.kind == "update_lead")
                .where(col(OutboxRow.state).in_(["pending", "held"]))
                .order_by(col(OutboxRow.id))
            ).all()
            for op in ops:
                fields = dict(op.payload.get("fields") or {})
                if conflict.field not in fields:
                    continue
                if keep == "remote":
                    fields.pop(conflict.field)
                    op.payload = {**op.payload, "fields": fields}
                    if not fields:
                        op.state, op.done_at = "discarded", now
                if op.state == "held" and not self._open_conflicts_for(session, op, conflict):
                    op.state, op.next_attempt_at = "pending", now
                session.add(op)
            if keep == "remote":
                setattr(row, conflict.field, _column_value(conflict.field, conflict.remote_value))
                session.add(row)
            conflict.resolved_at, conflict.resolution = now, keep
            session.add(conflict)
            session.flush()
            self.refresh(session, [row.id or 0], now)
            return row.id or 0

    def _open_conflicts_for(self, session: Session, op: OutboxRow, settling: ConflictRow) -> bool:
        fields = set((op.payload.get("fields") or {}).keys())
        others = session.exec(
            select(ConflictRow)
            .where(ConflictRow.lead_id == op.lead_id)
            .where(col(ConflictRow.resolved_at).is_(None))
            .where(ConflictRow.id != settling.id)
        ).all()
        return any(other.field in fields for other in others)

    # -- bulk loading (demo seed; the sync engine has its own upsert path) -----------------

    def seed(self, owners: Sequence[Any], demo_leads: Sequence[Any], now: datetime) -> None:
        """Write demo data straight into the cache, then derive every lead's figures."""
        from leadtui.store.seed import write_demo

        with self.session() as session:
            ids = write_demo(session, owners, demo_leads)
            self.refresh(session, ids, now)


def _column_value(field: str, text: str | None) -> Any:
    """A conflict keeps values as text; turn the CRM's back into the lead column's type."""
    if text is None or text == "":
        return None if field not in ("status",) else text
    column = table_of(LeadRow).c[field]
    kind = column.type.python_type if hasattr(column.type, "python_type") else str
    if kind is datetime or field.endswith("_at") or field.endswith("_until"):
        return datetime.fromisoformat(text)
    if kind is bool:
        return text.lower() in ("true", "1", "yes")
    if kind in (int, float):
        return kind(float(text))
    return text


def to_millis(moment: datetime) -> datetime:
    """A time as the CRM keeps it: UTC, whole milliseconds."""
    utc = moment.astimezone(UTC)
    return utc.replace(microsecond=utc.microsecond // 1000 * 1000)


def _plain(value: Any) -> Any:
    """JSON-safe value for the outbox payload."""
    if isinstance(value, datetime):
        return value.isoformat()
    return value
