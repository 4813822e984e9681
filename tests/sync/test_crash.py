"""A real `leadtui sync --once` killed with SIGKILL in the middle of pushing, then restarted:
every touch reaches the CRM exactly once (counted by leadtui_op_id) and nothing local is lost."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlmodel import select

from leadtui.store.tables import LeadRow, OutboxRow, TouchRow
from sync.sandbox import RunningSandbox
from tests.conftest import NOW
from tests.sync.conftest import make_workspace

TOUCHES = 12


def sync_process(folder: Path, sandbox: RunningSandbox) -> subprocess.Popen[str]:
    env = {**os.environ, "LEADTUI_DATA_DIR": str(folder), "LEADTUI_CRM_TOKEN": sandbox.token}
    env.pop("LEADTUI_CONFIG", None)
    command = [sys.executable, "-m", "leadtui.cli", "--now", NOW.isoformat(), "sync", "--once"]
    return subprocess.Popen(
        command, env=env, cwd=Path.cwd(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def op_ids_in_crm(sandbox: RunningSandbox) -> Counter[str]:
    """Call records (archived ones too) by the op id leadtui gave them."""
    crm = sandbox.crm
    with crm.lock:
        records = list(crm.table("calls").records.values())
    return Counter(op for r in records if (op := r.props.get("leadtui_op_id")))


def contacts_of_call(sandbox: RunningSandbox, op_id: str) -> list[str]:
    call = sandbox.crm.find("calls", "leadtui_op_id", op_id)
    return sandbox.crm.associated("calls", call[0], "contacts") if call else []


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
def test_sync_killed_mid_push_then_restarted_pushes_every_touch_exactly_once(
    sandbox: RunningSandbox, tmp_path: Path
) -> None:
    folder = tmp_path / "ws"
    ws = make_workspace(folder, sandbox.base_url)
    try:
        first = sync_process(folder, sandbox)
        assert first.wait(timeout=60) == 0, first.communicate()[1]
        with ws.session() as session:
            leads = list(session.exec(select(LeadRow).order_by(LeadRow.id)).all())  # type: ignore[arg-type]
        for lead in leads[:TOUCHES]:
            ws.log_touch(lead.id or 0, "call", "left_voicemail", NOW)
        with ws.session() as session:
            local_before = {t.op_id for t in session.exec(select(TouchRow)).all() if t.op_id}
    finally:
        ws.close()
    assert len(local_before) == TOUCHES
    sandbox.faults.latency(0.15)  # each touch is two requests: ~0.3 s a touch
    victim = sync_process(folder, sandbox)
    deadline = time.monotonic() + 30
    while sum(op_ids_in_crm(sandbox).values()) < 3 and time.monotonic() < deadline:
        time.sleep(0.02)
    victim.send_signal(signal.SIGKILL)
    victim.wait(timeout=10)
    pushed_before_kill = sum(op_ids_in_crm(sandbox).values())
    assert 0 < pushed_before_kill < TOUCHES  # killed mid-push, not before or after
    sandbox.faults.latency(0.0)
    again = sync_process(folder, sandbox)
    _out, err = again.communicate(timeout=60)
    assert again.returncode == 0, err
    crm_ops = op_ids_in_crm(sandbox)
    assert {op: n for op, n in crm_ops.items() if op in local_before} == dict.fromkeys(
        local_before, 1
    )
    assert all(len(contacts_of_call(sandbox, op)) == 1 for op in local_before)
    ws = make_workspace(folder, sandbox.base_url)
    try:
        with ws.session() as session:
            touches = {t.op_id: t for t in session.exec(select(TouchRow)).all() if t.op_id}
            ops = session.exec(select(OutboxRow)).all()
    finally:
        ws.close()
    assert set(touches) == local_before and all(t.crm_id for t in touches.values())
    assert all(op.state == "done" for op in ops)


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT")
def test_watch_syncs_until_ctrl_c_then_exits_0(sandbox: RunningSandbox, tmp_path: Path) -> None:
    folder = tmp_path / "ws"
    make_workspace(folder, sandbox.base_url).close()
    env = {**os.environ, "LEADTUI_DATA_DIR": str(folder), "LEADTUI_CRM_TOKEN": sandbox.token}
    command = [sys.executable, "-m", "leadtui.cli", "--now", NOW.isoformat(), "sync", "--watch"]
    proc = subprocess.Popen(
        command, env=env, cwd=Path.cwd(), stderr=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert proc.stderr is not None
    line = proc.stderr.readline()
    while line and not line.startswith("sync: "):
        line = proc.stderr.readline()
    assert line.startswith("sync: pulled"), line
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=20) == 0
