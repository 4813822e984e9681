"""Any sequence of rep actions, synced, reads back the same in a brand-new workspace (issue 10).

Each example: a workspace syncs from the sandbox CRM (real sockets), a rep acts on a few leads
(log any channel and outcome, note, convert with a value, disqualify with a reason, reopen, enrol,
pause, undo) with sync rounds in between, then syncs until nothing waits. A second workspace in
a fresh data dir pulls from the same CRM; both must show the same leads, statuses, reasons, deal
values and dates, flags, touches and notes. Each example has its own small CRM (three leads, so
the actions pile up on each), seeded with won, lost and disqualified leads among them.

Local-only, so not compared (README, "What reaches the CRM, and what stays here"): LOCAL_ONLY.

LEADTUI_ROUNDTRIP_EXAMPLES sets the number of examples (default 50, about a minute on a busy
two-core machine; 300 ran clean before this was committed, in about eight minutes).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlmodel import select

from leadtui.domain.models import TOUCH_CHANNELS, Outcome
from leadtui.domain.reasons import DEFAULT_REASONS
from leadtui.store.tables import LeadRow, NoteRow, TouchRow
from leadtui.workspace import ActionError, Workspace
from sync.sandbox import RunningSandbox, start_sandbox
from sync.service import SyncService
from tests.conftest import NOW, set_up_portal
from tests.sync.conftest import make_adapter, make_workspace

EXAMPLES = int(os.environ.get("LEADTUI_ROUNDTRIP_EXAMPLES", "50"))
LEADS = 3
# Compared per lead: what the rep decides and what the CRM derives from it.
COMPARED = (
    "status",
    "opportunity_at",
    "deal_value",
    "won_at",
    "closed_at",
    "disqualified_reason",
    "phone_bad",
    "email_bad",
    "first_touch_at",  # the speed-to-lead clock, recomputed from the synced touches
    "human_touches",
)
LOCAL_ONLY = ("snoozed_until", "enrolment (cadence, step, pause)", "outbox", "conflicts")

reasons = st.one_of(
    st.sampled_from([r.key for r in DEFAULT_REASONS if r.key != "other"]),
    st.text(alphabet="abcdefghij ,.'", min_size=3, max_size=20).filter(
        lambda t: t.strip() and t.strip().lower() != "other"
    ),
)
texts = st.text(alphabet="abcxyz 123.,'-", min_size=1, max_size=30).filter(str.strip)
lead_index = st.integers(0, 2)  # three leads a run: actions pile up on each
actions = st.one_of(
    st.tuples(
        st.just("log"),
        lead_index,
        st.sampled_from([c.value for c in TOUCH_CHANNELS]),
        st.sampled_from([o.value for o in Outcome]),
        texts,
    ),
    st.tuples(st.just("note"), lead_index, texts),
    st.tuples(
        st.just("convert"),
        lead_index,
        st.one_of(st.none(), st.integers(0, 250_000).map(float)),
    ),
    st.tuples(st.just("disqualify"), lead_index, reasons),
    st.tuples(st.just("reopen"), lead_index),
    st.tuples(st.just("enrol"), lead_index, st.sampled_from(["standard", "hot", "nurture"])),
    st.tuples(st.just("pause"), lead_index),
    st.tuples(st.just("undo"), lead_index),
    st.tuples(st.just("sync")),
)


_TEMPLATE: list[Path] = []


def new_workspace(folder: Path, base_url: str) -> Workspace:
    """A workspace in a fresh data dir: a copy of one empty cache made once (creating the schema
    takes longer than an example's whole sync)."""
    if not _TEMPLATE:
        template = Path(tempfile.mkdtemp(prefix="leadtui-roundtrip-template-")) / "ws"
        make_workspace(template, "http://127.0.0.1:9").close()
        _TEMPLATE.append(template)
    shutil.copytree(_TEMPLATE[0], folder)
    return make_workspace(folder, base_url)


def service_for(ws: Workspace, sandbox: RunningSandbox) -> SyncService:
    return SyncService(ws, lambda: make_adapter(sandbox, timeout_seconds=10.0))


def act(ws: Workspace, action: tuple[Any, ...], crm_ids: list[str], now: Any) -> None:
    kind, args = action[0], action[1:]
    ref = crm_ids[args[0] % len(crm_ids)]
    try:
        if kind == "log":
            ws.log_touch(ref, args[1], args[2], now, note=args[3])
        elif kind == "note":
            ws.add_note(ref, args[1], now)
        elif kind == "convert":
            ws.convert(ref, args[1], now)
        elif kind == "disqualify":
            ws.disqualify(ref, args[1], now)
        elif kind == "reopen":
            ws.reopen(ref, now)
        elif kind == "enrol":
            ws.enrol(ref, args[1], now)
        elif kind == "pause":
            ws.pause(ref, now)
        elif kind == "undo":
            ws.undo(ref, now)
    except ActionError:
        pass  # refused as the rep would be (convert a closed lead, undo with nothing left...)


def snapshot(ws: Workspace) -> dict[str, Any]:
    with ws.session() as session:
        leads = session.exec(select(LeadRow)).all()
        ids = {row.id: row.crm_id for row in leads}
        touches = sorted(
            (ids[t.lead_id], t.channel, t.outcome, t.occurred_at, t.note, t.by)
            for t in session.exec(select(TouchRow)).all()
        )
        notes = sorted(
            (ids[n.lead_id], n.created_at, n.body) for n in session.exec(select(NoteRow)).all()
        )
        return {
            "leads": {row.crm_id: {f: getattr(row, f) for f in COMPARED} for row in leads},
            "touches": touches,
            "notes": notes,
        }


def round_clean(service: SyncService, now: Any) -> None:
    result = service.run_once(now)
    assert result.online and result.error is None, result.error
    assert (result.pending, result.dead, result.conflicts) == (0, 0, 0), result


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    database=None,
    # Shrinking re-runs whole syncs; the explain phase would re-run them hundreds of times.
    phases=(Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink),
)
@given(seed=st.integers(0, 50), steps=st.lists(actions, min_size=1, max_size=14))
def test_any_sequence_of_rep_actions_reads_back_the_same_in_a_fresh_workspace(
    seed: int, steps: list[tuple[Any, ...]]
) -> None:
    folder = Path(tempfile.mkdtemp(prefix="leadtui-roundtrip-"))
    # A plain portal (no Enterprise, no unique values on engagements) after `leadtui setup`.
    crm = start_sandbox(seed=seed, leads=LEADS, reps=1, now=NOW, rate_limit=None)
    set_up_portal(crm)
    ws = new_workspace(folder / "mine", crm.base_url)
    service = service_for(ws, crm)
    now = NOW.replace(microsecond=123_456)
    try:
        round_clean(service, now)
        with ws.session() as session:
            crm_ids = sorted(r.crm_id or "" for r in session.exec(select(LeadRow)).all())[:3]
        for step, action in enumerate(steps, start=1):
            at = now + timedelta(minutes=step, microseconds=step * 777)
            if action[0] == "sync":
                round_clean(service, at)
            else:
                act(ws, action, crm_ids, at)
        end = now + timedelta(minutes=len(steps) + 1)
        round_clean(service, end)
        mine = snapshot(ws)
        fresh = new_workspace(folder / "fresh", crm.base_url)
        try:
            fresh_service = service_for(fresh, crm)
            round_clean(fresh_service, end)
            fresh_service.close()
            theirs = snapshot(fresh)
        finally:
            fresh.close()
        assert theirs["leads"] == mine["leads"]
        assert theirs["touches"] == mine["touches"]
        assert theirs["notes"] == mine["notes"]
        # And the workspace that acted converges on what the CRM now holds.
        round_clean(service, end)
        assert snapshot(ws) == mine
    finally:
        service.close()
        ws.close()
        crm.stop()
        shutil.rmtree(folder, ignore_errors=True)
