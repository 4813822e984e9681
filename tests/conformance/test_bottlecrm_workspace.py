"""A workspace configured for BottleCRM, used as a rep uses it: `leadtui sync --once` fills the
queue with that rep's leads, and a touch logged while BottleCRM is unreachable reaches it exactly
once after reconnecting."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from leadtui.cli import main
from sync.bottlecrm_map import split_marker
from tests.conformance.conftest import BottleCrmDriver, BottleCrmServer
from tests.conformance.proxy import FaultProxy


def test_a_bottlecrm_workspace_queues_the_reps_leads_and_pushes_offline_touches_once(
    bottlecrm_server: BottleCrmServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    crm = BottleCrmDriver(bottlecrm_server, FaultProxy(bottlecrm_server.base_url))
    try:
        mine = crm.new_lead(crm.user_email)
        theirs = crm.new_lead(crm.other_email)
        folder = tmp_path / "ws"
        folder.mkdir()
        (folder / "config.toml").write_text(
            f'[user]\nemail = "{crm.user_email}"\nrole = "rep"\n'
            f'[crm]\nadapter = "bottlecrm"\nbase_url = "{crm.proxy.base_url}"\n'
        )
        monkeypatch.setenv("LEADTUI_DATA_DIR", str(folder))
        monkeypatch.setenv("LEADTUI_CRM_TOKEN", crm.token)
        monkeypatch.delenv("LEADTUI_CONFIG", raising=False)

        assert main(["sync", "--once"]) == 0
        capsys.readouterr()
        assert main(["queue", "--format", "json"]) == 0
        queue = json.loads(capsys.readouterr().out)
        ids = {lead["crm_id"] for lead in queue}
        assert mine in ids and theirs not in ids
        assert {lead["owner"] for lead in queue} == {crm.user_email}
        email = next(lead["email"] for lead in queue if lead["crm_id"] == mine)

        crm.proxy.down = True  # offline
        assert main(["log", email, "--channel", "call", "--outcome", "no_answer"]) == 0
        assert main(["sync", "--once"]) == 1
        crm.proxy.down = False  # back
        assert main(["sync", "--once"]) == 0
        assert main(["sync", "--once"]) == 0

        rows = crm.call("GET", "/api/interactions/", params={"lead": mine})["interactions"]
        marked = [split_marker(r["body"]) for r in rows]
        assert [(m[2], m[3]) for m in marked if m[1]] == [("call", "no_answer")]
        assert [r["outcome"] for r in rows] == ["no_answer"]
    finally:
        crm.api.close()
        crm.proxy.close()
