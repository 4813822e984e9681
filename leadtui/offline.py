"""A rep's offline copy of a team workspace: their own leads in a SQLite file in their data dir,
to work from when the team database cannot be reached (a laptop on a train), and caught up with
the team database when it can.

    refresh_copy(team, path)         # while online: the rep's leads, their history, the owners
    catch_up(copy, team, now)        # back online: the copy's changes into the team database

The copy keeps the team database's ids, so an action on it names the same lead. Its changes are
ordinary outbox rows (an action writes its change and its outbox row together, as always). Catching
up applies each one to the team database in one transaction with its outbox row, keyed on the op
id the outbox row already carries (unique there): a catch-up cut short and run again skips what
landed, so nothing is lost and nothing is applied twice. A field changed on both sides meanwhile
is held as a conflict, exactly as a field changed both here and in the CRM is (the lead keeps the
rep's value; the conflicts screen settles it). Those are the changes with outbox rows: touches,
notes and field changes (status, convert, disqualify, bad phone or email).

Snoozes and cadence enrolments are leadtui's own and have no outbox rows. The copy remembers them
as they were when it was made (its base, a row of its sync_cursor table), and catching up carries
each lead's that the rep changed offline to the team database, unless the team's changed too
meanwhile (a teammate snoozed or enrolled the same lead): that lead keeps the team's, and the
catch-up says how many did.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Table, delete, func, insert, select, update
from sqlmodel import col

from leadtui.store.engine import open_engine, sqlite_url
from leadtui.store.tables import (
    ConflictRow,
    EnrolmentRow,
    EventRow,
    LeadRow,
    NoteRow,
    OutboxRow,
    OwnerRow,
    SyncCursor,
    TouchRow,
    UTCDateTime,
    table_of,
)
from leadtui.workspace import ActionError, Workspace

COPY_NAME = "offline.db"
_CHUNK = 500


def copy_path(data_dir: Path) -> Path:
    return data_dir / COPY_NAME


@dataclass(slots=True)
class CatchUp:
    applied: int = 0  # changes written into the team database now
    already: int = 0  # found there already (an earlier catch-up cut short)
    held: int = 0  # applied, with a field the team changed too: a conflict to settle
    stranded: int = 0  # their lead is gone from the team database: kept in the copy
    local: int = 0  # leads whose offline snooze or cadence went to the team database
    kept_theirs: int = 0  # ... or did not: the team database's had changed too


_BASE = "offline:base"  # the copy's sync_cursor row: each lead's snooze and cadence as copied
# A lead's snooze and enrolment (columns as JSON-able values): what catching up compares.
LocalState = tuple[str | None, dict[str, Any] | None]


def _local_states(conn: Any, lead_id: int | None = None) -> dict[int, LocalState]:
    """Every lead's snooze and enrolment, or that one lead's."""
    lead, enrolment = table_of(LeadRow), table_of(EnrolmentRow)
    leads = select(lead.c.id, lead.c.snoozed_until)
    enrolled = select(enrolment)
    if lead_id is not None:
        leads = leads.where(lead.c.id == lead_id)
        enrolled = enrolled.where(enrolment.c.lead_id == lead_id)
    found: dict[int, LocalState] = {
        int(i): (_plain(snoozed), None) for i, snoozed in conn.execute(leads)
    }
    for row in conn.execute(enrolled).mappings():
        if row["lead_id"] in found:
            values = {k: _plain(v) for k, v in row.items() if k != "lead_id"}
            found[row["lead_id"]] = (found[row["lead_id"]][0], values)
    return found


def _write_base(conn: Any, states: dict[int, LocalState], now: datetime) -> None:
    cursor = table_of(SyncCursor)
    conn.execute(delete(cursor).where(cursor.c.name == _BASE))
    value = json.dumps({str(k): list(v) for k, v in states.items()})
    conn.execute(insert(cursor).values(name=_BASE, value=value, updated_at=now))


def _local_changes(conn: Any) -> dict[int, tuple[LocalState, LocalState]]:
    """(base, now) of each lead whose snooze or cadence the rep changed in the copy."""
    cursor = table_of(SyncCursor)
    raw = conn.execute(select(cursor.c.value).where(cursor.c.name == _BASE)).scalar()
    if not raw:
        return {}  # a copy made before the base was kept: nothing to compare with
    base = {int(k): (v[0], v[1]) for k, v in json.loads(raw).items()}
    current = _local_states(conn)
    return {i: (base[i], state) for i, state in current.items() if i in base and state != base[i]}


def pending_in_copy(path: Path) -> int:
    """Changes in the copy the team database lacks: outbox rows, and leads whose snooze or
    cadence the rep changed."""
    if not path.exists():
        return 0
    engine = open_engine(sqlite_url(path))
    try:
        with engine.connect() as conn:
            query = select(func.count()).select_from(table_of(OutboxRow))
            pending = conn.execute(query.where(table_of(OutboxRow).c.state == "pending")).scalar()
            return int(pending or 0) + len(_local_changes(conn))
    finally:
        engine.dispose()


def refresh_copy(team: Workspace, path: Path) -> int:
    """Write the rep's leads (and their touches, notes, events, cadences) to a fresh copy at
    `path`, replacing the old one whole; returns how many leads. Refused while the old copy has
    changes not yet caught up: they would be thrown away."""
    me = team.me
    if not me:
        raise ActionError("Set [user] email in the config: the offline copy holds your own leads.")
    if pending_in_copy(path):
        raise ActionError("The offline copy has changes the team database lacks; catch up first.")
    fresh = path.with_name(path.name + ".new")
    _remove(fresh)
    local = open_engine(sqlite_url(fresh))
    lead = table_of(LeadRow)
    try:
        with team.engine.connect() as source, local.begin() as target:
            _copy(source, target, table_of(OwnerRow), None)
            mine = select(lead.c.id).where(
                func.lower(lead.c.owner) == me.lower(), lead.c.archived.is_(False)
            )
            ids = [int(i) for i in source.execute(mine).scalars()]
            for start in range(0, len(ids), _CHUNK):
                chunk = ids[start : start + _CHUNK]
                _copy(source, target, lead, lead.c.id.in_(chunk))
                for model in (TouchRow, NoteRow, EventRow, EnrolmentRow):
                    table = table_of(model)
                    _copy(source, target, table, table.c.lead_id.in_(chunk))
            _write_base(target, _local_states(target), _now())
        with local.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        local.dispose()
    _remove(path)  # with its -wal and -shm: a stale log must never meet the new file
    os.replace(fresh, path)
    return len(ids)


def _copy(source: Any, target: Any, table: Table, where: Any) -> None:
    query = select(table) if where is None else select(table).where(where)
    rows = [dict(row) for row in source.execute(query).mappings()]
    if rows:
        target.execute(insert(table), rows)


def _remove(path: Path) -> None:
    for name in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        name.unlink(missing_ok=True)


def catch_up(copy: Workspace, team: Workspace, now: datetime) -> CatchUp:
    """Apply the copy's pending changes to the team database, oldest first, each once."""
    report = CatchUp()
    with copy.session() as session:
        ops = list(
            session.scalars(
                select(OutboxRow)
                .where(col(OutboxRow.state) == "pending")
                .order_by(col(OutboxRow.id))
            )
        )
        records = {
            (op.kind, op.record_id): session.get(
                TouchRow if op.kind == "create_touch" else NoteRow, op.record_id
            )
            for op in ops
            if op.kind in ("create_touch", "create_note") and op.record_id
        }
    for op in ops:
        outcome = _apply(team, op, records.get((op.kind, op.record_id)), now)
        if outcome == "stranded":
            report.stranded += 1
            continue
        setattr(report, outcome, getattr(report, outcome) + 1)
        with copy.session() as session:
            mine = session.get(OutboxRow, op.id)
            if mine is not None:
                mine.state, mine.done_at = "done", now
                mine.last_error = "caught up with the team database"
                session.add(mine)
    _catch_up_local(copy, team, now, report)
    return report


def _catch_up_local(copy: Workspace, team: Workspace, now: datetime, report: CatchUp) -> None:
    """The snoozes and cadences the rep changed offline, into the team database, each lead in
    one transaction; then the copy's base is what it now holds, so none goes twice."""
    with copy.engine.connect() as conn:
        changes = _local_changes(conn)
    for lead_id, (base, mine) in changes.items():
        with team.session() as session:
            try:
                team._lead_row(session, lead_id)  # locked for the transaction
            except ActionError:
                report.stranded += 1
                continue
            conn = session.connection()
            theirs = _local_states(conn, lead_id).get(lead_id)
            if theirs == mine:
                continue  # already there (a catch-up cut short)
            if theirs != base:
                report.kept_theirs += 1
                continue
            _set_local(conn, lead_id, mine)
            team.refresh(session, [lead_id], now)
            report.local += 1
    with copy.engine.begin() as conn:
        _write_base(conn, _local_states(conn), now)


def _set_local(conn: Any, lead_id: int, state: LocalState) -> None:
    snoozed, enrolled = state
    lead, enrolment = table_of(LeadRow), table_of(EnrolmentRow)
    until = datetime.fromisoformat(snoozed) if snoozed else None
    conn.execute(update(lead).where(lead.c.id == lead_id).values(snoozed_until=until))
    conn.execute(delete(enrolment).where(enrolment.c.lead_id == lead_id))
    if enrolled is not None:
        values = {name: _column_of(enrolment, name, value) for name, value in enrolled.items()}
        conn.execute(insert(enrolment).values(lead_id=lead_id, **values))


def open_for_rep(config: Any, locations: Any, say: Any) -> Workspace:
    """A team workspace, caught up with the offline copy first; or, when the team database
    cannot be reached, the copy (saying so through `say`). Without a copy, the error stands."""
    from leadtui.store.engine import StoreError

    path = copy_path(locations.data_dir)
    try:
        team = Workspace.open(config, locations)
    except StoreError as exc:
        if not path.exists():
            raise StoreError(
                f"{exc} With no offline copy here yet, run `leadtui offline` while the team "
                "database is reachable to keep one."
            ) from exc
        say(f"working offline on your copy ({path}); {exc}")
        copy = Workspace.open(config, locations, url=sqlite_url(path))
        copy.offline_copy = True
        return copy
    if pending_in_copy(path):
        copy = Workspace.open(config, locations, url=sqlite_url(path))
        try:
            done = catch_up(copy, team, _now())
        finally:
            copy.close()
        say(describe(done))
    return team


def describe(done: CatchUp) -> str:
    line = f"caught up with the team database: {done.applied + done.held} offline changes"
    if done.held:
        line += f" ({done.held} held as conflicts to settle)"
    if done.already:
        line += f", {done.already} already there"
    if done.local:
        line += f", and the snooze or cadence of {done.local} leads"
    if done.kept_theirs:
        line += (
            f"; {done.kept_theirs} leads keep the team's snooze or cadence, changed there meanwhile"
        )
    if done.stranded:
        line += f"; {done.stranded} kept in the copy: their lead is gone from the team database"
    return line + "."


def _now() -> datetime:
    from datetime import UTC

    return datetime.now(UTC)


def _apply(team: Workspace, op: OutboxRow, record: Any, now: datetime) -> str:
    """One change and its outbox row into the team database, in one transaction."""
    with team.session() as session:
        try:
            row = team._lead_row(session, op.lead_id)  # locked for the transaction
        except ActionError:
            return "stranded"
        outbox = table_of(OutboxRow)
        found = session.execute(select(outbox.c.id).where(outbox.c.op_id == op.op_id)).first()
        if found is not None:
            return "already"
        record_id: int | None = None
        held = False
        if op.kind == "create_touch" and record is not None:
            touch = TouchRow(**_fields(record, TouchRow))
            session.add(touch)
            session.flush()
            record_id = touch.id
        elif op.kind == "create_note" and record is not None:
            note = NoteRow(**_fields(record, NoteRow))
            session.add(note)
            session.flush()
            record_id = note.id
        elif op.kind == "update_lead":
            held = _update_lead(session, row, op, now)
        session.add(
            OutboxRow(
                op_id=op.op_id,
                kind=op.kind,
                lead_id=op.lead_id,
                record_id=record_id,
                payload=op.payload,
                state="held" if held else "pending",
                created_at=op.created_at,
                next_attempt_at=now,
            )
        )
        session.flush()
        team.refresh(session, [op.lead_id], now)
        return "held" if held else "applied"


def _fields(record: Any, model: Any) -> dict[str, Any]:
    """A touch or note row's values for a new row in the team database (its own id there)."""
    names = [c.name for c in table_of(model).columns if c.name != "id"]
    return {name: getattr(record, name) for name in names}


def _update_lead(session: Any, row: LeadRow, op: OutboxRow, now: datetime) -> bool:
    """Write the rep's values; a field the team changed since the copy becomes a conflict."""
    held = False
    for name, change in (op.payload.get("fields") or {}).items():
        if not isinstance(change, dict):
            continue
        current = _plain(getattr(row, name))
        before, after = change.get("before"), change.get("after")
        if current not in (before, after):
            held = True
            session.add(
                ConflictRow(
                    lead_id=row.id or 0,
                    field=name,
                    local_value=_text(after),
                    remote_value=_text(current),
                    base_value=_text(before),
                    created_at=now,
                )
            )
        setattr(row, name, _column(name, after))
    session.add(row)
    return held


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _column(name: str, value: Any) -> Any:
    """An outbox payload value (JSON: times as ISO text) back in the lead column's type."""
    return _column_of(table_of(LeadRow), name, value)


def _column_of(table: Table, name: str, value: Any) -> Any:
    if isinstance(value, str) and isinstance(table.c[name].type, UTCDateTime):
        return datetime.fromisoformat(value)
    return value
