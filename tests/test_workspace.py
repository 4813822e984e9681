"""Rep actions on a real cache: each change and its outbox row land together."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from leadtui.config import load, locate
from leadtui.store.tables import EnrolmentRow, LeadRow, NoteRow, OutboxRow
from leadtui.views import queue
from leadtui.workspace import ActionError, Workspace
from tests.conftest import NOW


@pytest.fixture
def ws(workspace_dir: Path, seeded_store: str | None):
    locations = locate(None, str(workspace_dir))
    workspace = Workspace.open(load(locations.config_path), locations, url=seeded_store)
    yield workspace
    workspace.close()


def _first_in_queue(ws: Workspace) -> int:
    with ws.session() as session:
        return queue(ws, session, NOW, ws.me)[0].lead.id


def _outbox(ws: Workspace, lead_id: int) -> list[OutboxRow]:
    with ws.session() as session:
        return list(session.exec(select(OutboxRow).where(OutboxRow.lead_id == lead_id)))


def test_snooze_hides_until_its_time(ws: Workspace) -> None:
    lead_id = _first_in_queue(ws)
    ws.snooze(lead_id, NOW + timedelta(hours=2), NOW)
    with ws.session() as session:
        assert lead_id not in {v.lead.id for v in queue(ws, session, NOW, ws.me)}
        later = NOW + timedelta(hours=2, minutes=1)
        assert lead_id in {v.lead.id for v in queue(ws, session, later, ws.me)}
    with pytest.raises(ActionError, match="future"):
        ws.snooze(lead_id, NOW - timedelta(minutes=1), NOW)


def test_convert_records_the_deal_ends_the_cadence_and_queues_the_update(ws: Workspace) -> None:
    lead_id = _first_in_queue(ws)
    with ws.session() as session:
        before = session.get(LeadRow, lead_id)
        assert before is not None
        status_before = before.status
    ws.convert(lead_id, 25_000, NOW)
    with ws.session() as session:
        row = session.get(LeadRow, lead_id)
        enrolment = session.get(EnrolmentRow, lead_id)
        assert row is not None and row.status == "converted" and row.deal_value == 25_000
        assert enrolment is not None and enrolment.exit_reason == "converted"
        assert lead_id not in {v.lead.id for v in queue(ws, session, NOW, ws.me)}
    (op,) = [o for o in _outbox(ws, lead_id) if o.kind == "update_lead"]
    assert op.payload["fields"]["status"] == {"before": status_before, "after": "converted"}
    assert op.payload["fields"]["deal_value"]["after"] == 25_000
    with pytest.raises(ActionError, match="already converted"):
        ws.disqualify(lead_id, "no budget", NOW)


def test_disqualify_needs_a_reason(ws: Workspace) -> None:
    lead_id = _first_in_queue(ws)
    with pytest.raises(ActionError, match="why"):
        ws.disqualify(lead_id, "  ", NOW)
    ws.disqualify(lead_id, "Student project", NOW)
    with ws.session() as session:
        row = session.get(LeadRow, lead_id)
        assert row is not None and row.disqualified_reason == "Student project"


def test_switch_pause_and_resume_a_cadence(ws: Workspace) -> None:
    lead_id = _first_in_queue(ws)
    ws.enrol(lead_id, "nurture", NOW)
    with ws.session() as session:
        enrolment = session.get(EnrolmentRow, lead_id)
        assert enrolment is not None and enrolment.cadence == "nurture" and enrolment.step == 0
        due = enrolment.due_at
    ws.pause(lead_id, NOW)
    ws.resume(lead_id, NOW + timedelta(days=10))
    with ws.session() as session:
        enrolment = session.get(EnrolmentRow, lead_id)
        assert enrolment is not None and enrolment.paused_at is None
        assert due is not None and enrolment.due_at is not None
        assert enrolment.due_at >= due + timedelta(days=10) - timedelta(days=3)
    with pytest.raises(ActionError, match="No cadence named 'turbo'"):
        ws.enrol(lead_id, "turbo", NOW)


def test_reply_ends_the_cadence(ws: Workspace) -> None:
    lead_id = _first_in_queue(ws)
    ws.log_touch(lead_id, "email", "replied", NOW, note="Asked for a demo next week")
    with ws.session() as session:
        enrolment = session.get(EnrolmentRow, lead_id)
        assert enrolment is not None and enrolment.exit_reason == "replied"


def test_note_is_written_with_its_outbox_row(ws: Workspace) -> None:
    lead_id = _first_in_queue(ws)
    ws.add_note(lead_id, "Champion is the VP of Sales", NOW)
    with ws.session() as session:
        notes = session.exec(select(NoteRow).where(NoteRow.lead_id == lead_id)).all()
    assert [n.body for n in notes] == ["Champion is the VP of Sales"]
    (op,) = [o for o in _outbox(ws, lead_id) if o.kind == "create_note"]
    assert op.op_id == notes[0].op_id
    with pytest.raises(ActionError, match="text"):
        ws.add_note(lead_id, "   ", NOW)


def _conflict_on_status(ws: Workspace, lead_id: int, remote: str) -> int:
    """What a pull does when the CRM changed a field the rep changed: hold and record."""
    from leadtui.store.tables import ConflictRow

    with ws.session() as session:
        (op,) = session.exec(
            select(OutboxRow).where(OutboxRow.lead_id == lead_id, OutboxRow.kind == "update_lead")
        ).all()
        op.state = "held"
        session.add(op)
        before = op.payload["fields"]["status"]["before"]
        conflict = ConflictRow(
            lead_id=lead_id,
            field="status",
            local_value="disqualified",
            remote_value=remote,
            base_value=before,
            created_at=NOW,
        )
        session.add(conflict)
        session.flush()
        return conflict.id or 0


def test_keep_mine_releases_the_held_change(ws: Workspace) -> None:
    lead_id = _first_in_queue(ws)
    ws.disqualify(lead_id, "No budget", NOW)
    conflict_id = _conflict_on_status(ws, lead_id, "converted")
    ws.resolve_conflict(conflict_id, "local", NOW)
    (op,) = [o for o in _outbox(ws, lead_id) if o.kind == "update_lead"]
    assert op.state == "pending" and op.payload["fields"]["status"]["after"] == "disqualified"
    with ws.session() as session:
        row = session.get(LeadRow, lead_id)
        assert row is not None and row.status == "disqualified"
    with pytest.raises(ActionError, match="No open conflict"):
        ws.resolve_conflict(conflict_id, "local", NOW)


def test_take_theirs_writes_the_crm_value_and_drops_that_field(ws: Workspace) -> None:
    lead_id = _first_in_queue(ws)
    ws.disqualify(lead_id, "No budget", NOW)
    conflict_id = _conflict_on_status(ws, lead_id, "converted")
    ws.resolve_conflict(conflict_id, "remote", NOW)
    (op,) = [o for o in _outbox(ws, lead_id) if o.kind == "update_lead"]
    assert "status" not in op.payload["fields"]
    assert op.state == "pending", "the reason and closing time still go to the CRM"
    with ws.session() as session:
        row = session.get(LeadRow, lead_id)
        assert row is not None and row.status == "converted"


def test_dead_changes_can_be_retried_or_discarded(ws: Workspace) -> None:
    lead_id = _first_in_queue(ws)
    ws.add_note(lead_id, "one", NOW)
    ws.add_note(lead_id, "two", NOW)
    with ws.session() as session:
        ops = session.exec(select(OutboxRow).where(OutboxRow.lead_id == lead_id)).all()
        for op in ops:
            op.state, op.attempts, op.last_error = "dead", 8, "400 VALIDATION_ERROR"
            session.add(op)
        first, second = (op.op_id for op in ops)
    ws.retry_dead(first, NOW)
    ws.discard_dead(second, NOW)
    states = {o.op_id: (o.state, o.attempts) for o in _outbox(ws, lead_id)}
    assert states == {first: ("pending", 0), second: ("discarded", 8)}
    with pytest.raises(ActionError, match="No dead change"):
        ws.retry_dead(first, NOW)


def test_switching_cadence_keeps_an_overdue_step_and_its_breach(ws: Workspace) -> None:
    from leadtui.views import breaches

    lead_id = _first_in_queue(ws)
    with ws.session() as session:
        enrolment = session.get(EnrolmentRow, lead_id)
        assert enrolment is not None
        step = ws.rules.templates[enrolment.cadence].steps[enrolment.step]
    # Step 1 done on its own channel; step 2 falls due days later.
    ws.log_touch(lead_id, step.channel, "sent" if step.channel != "call" else "no_answer", NOW)
    later = NOW + timedelta(days=30)  # and is long overdue by then
    with ws.session() as session:
        before = [b.breach for b in breaches(ws, session, later) if b.lead.id == lead_id]
    open_before = [b for b in before if b.resolved_at is None and b.kind == "overdue_touch"]
    assert open_before, "the first lead in the queue should have an overdue step a month later"
    ws.enrol(lead_id, "nurture", later)
    with ws.session() as session:
        after = [b.breach for b in breaches(ws, session, later) if b.lead.id == lead_id]
    assert [b.due_at for b in after if b.kind == "overdue_touch" and b.resolved_at is None] == [
        b.due_at for b in open_before
    ]
    ws.enrol(lead_id, "standard", later)  # re-enrolling does not hide it either
    with ws.session() as session:
        again = [b.breach for b in breaches(ws, session, later) if b.lead.id == lead_id]
    assert [b.due_at for b in again if b.kind == "overdue_touch" and b.resolved_at is None] == [
        b.due_at for b in open_before
    ]


def test_pause_and_resume_say_when_nothing_changes(ws: Workspace) -> None:
    lead_id = _first_in_queue(ws)
    with pytest.raises(ActionError, match="is not paused"):
        ws.resume(lead_id, NOW)
    ws.pause(lead_id, NOW)
    with pytest.raises(ActionError, match="already paused"):
        ws.pause(lead_id, NOW + timedelta(minutes=1))
    ws.resume(lead_id, NOW + timedelta(minutes=2))
