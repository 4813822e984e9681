"""`leadtui sync --once` against a sandbox, then `leadtui queue` reads what it cached."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from leadtui.cli import main
from leadtui.domain.models import OPEN_STATUSES
from sync.hubspot_map import lead_status
from sync.sandbox import RunningSandbox
from tests.conftest import NOW


@pytest.fixture
def configured(sandbox: RunningSandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "ws"
    folder.mkdir()
    rep = sandbox.crm.owner_models[0].email
    (folder / "config.toml").write_text(
        f'[user]\nemail = "{rep}"\nrole = "manager"\n[crm]\nbase_url = "{sandbox.base_url}"\n'
    )
    monkeypatch.setenv("LEADTUI_DATA_DIR", str(folder))
    monkeypatch.delenv("LEADTUI_CONFIG", raising=False)
    monkeypatch.setenv("LEADTUI_CRM_TOKEN", sandbox.token)
    return folder


def test_sync_once_fills_the_cache_the_queue_reads(
    sandbox: RunningSandbox, configured: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--now", NOW.isoformat(), "sync", "--once"]) == 0
    err = capsys.readouterr().err
    assert "pulled" in err and "0 changes waiting" in err
    assert sandbox.token not in err
    crm = sandbox.crm
    for owner in crm.owner_models:
        assert (
            main(["--now", NOW.isoformat(), "queue", "--format", "json", "--rep", owner.email]) == 0
        )
        listed = {row["crm_id"] for row in json.loads(capsys.readouterr().out)}
        oid = crm.owner_ids()[owner.email]
        expected = {
            cid
            for cid in crm.find("contacts", "hubspot_owner_id", oid)
            if lead_status(
                crm.contact(cid).get("lifecyclestage", ""),
                crm.contact(cid).get("hs_lead_status", ""),
            )
            in OPEN_STATUSES
        }
        assert listed == expected and listed


def test_a_logged_touch_is_pushed_once_even_when_the_reply_is_lost(
    sandbox: RunningSandbox, configured: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    now = ["--now", NOW.isoformat()]
    assert main([*now, "sync", "--once"]) == 0
    contact = sandbox.crm.owner_ids()  # any contact of the first owner
    owner = sandbox.crm.owner_models[0].email
    cid = sandbox.crm.find("contacts", "hubspot_owner_id", contact[owner])[0]
    assert main([*now, "log", cid, "--channel", "call", "--outcome", "left_voicemail"]) == 0
    # The CRM writes the call, then the connection drops before the reply: the push is retried.
    sandbox.faults.drop_after_commit(1)
    assert main([*now, "sync", "--once"]) == 0
    calls = sandbox.crm.associated("contacts", cid, "calls")
    pushed = [c for c in calls if sandbox.crm.props("calls", c).get("leadtui_op_id")]
    assert len(pushed) == 1
    assert sandbox.crm.props("calls", pushed[0])["leadtui_outcome"] == "left_voicemail"
    assert "0 changes waiting" in capsys.readouterr().err


def test_sync_with_a_wrong_token_fails_in_one_sentence(
    sandbox: RunningSandbox,
    configured: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("LEADTUI_CRM_TOKEN", "pat-na1-wrong")
    assert main(["sync", "--once"]) == 1
    err = capsys.readouterr().err
    assert "refused the token" in err and "pat-na1-wrong" not in err
    assert "Traceback" not in err


def test_an_unknown_adapter_lists_the_known_ones(
    sandbox: RunningSandbox, configured: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = configured / "config.toml"
    config.write_text(config.read_text().replace("[crm]\n", '[crm]\nadapter = "pipedrive"\n'))
    assert main(["sync", "--once"]) == 1
    assert "hubspot" in capsys.readouterr().err


def test_the_sandbox_command_prints_where_it_listens(tmp_path: Path) -> None:
    import subprocess
    import sys

    import httpx

    code = "import sys; from leadtui.cli import main; sys.exit(main(sys.argv[1:]))"
    command = [sys.executable, "-c", code, "sandbox", "--port", "0", "--leads", "5"]
    command += ["--reps", "1", "--token", "pat-test"]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, cwd=Path.cwd())
    try:
        assert proc.stdout is not None
        info = json.loads(proc.stdout.readline())
        assert info["token"] == "pat-test" and info["base_url"].startswith("http://127.0.0.1:")
        reply = httpx.get(
            f"{info['base_url']}/crm/v3/owners", headers={"Authorization": "Bearer pat-test"}
        )
        assert reply.status_code == 200 and len(reply.json()["results"]) == 1
    finally:
        proc.terminate()
        assert proc.wait(timeout=10) == 0


def test_status_lists_waiting_and_dead_changes_and_once_fails_while_any_remain(
    sandbox: RunningSandbox, configured: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    now = ["--now", NOW.isoformat()]
    assert main([*now, "sync", "--once"]) == 0
    assert main(["sync", "--status"]) == 0
    owner = sandbox.crm.owner_models[0].email
    cids = sandbox.crm.find("contacts", "hubspot_owner_id", sandbox.crm.owner_ids()[owner])
    assert main([*now, "log", cids[0], "--channel", "call", "--outcome", "no_answer"]) == 0
    assert main([*now, "log", cids[1], "--channel", "call", "--outcome", "no_answer"]) == 0
    capsys.readouterr()
    assert main(["sync", "--status"]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert any("create_touch  pending  0" in line for line in lines)
    sandbox.crm.archive_contact(cids[0])  # deleted in HubSpot while the touch waited
    assert main([*now, "sync", "--once"]) == 1
    assert main(["sync", "--status"]) == 1
    out = capsys.readouterr().out
    dead = [line for line in out.splitlines() if " rejected " in line]
    # The touch (and the status change it made, if any) is refused: one lead only.
    assert dead and all("404" in line and "create_touch" in dead[0] for line in dead)
    assert len({line.split()[2] for line in dead}) == 1
    # The other lead's touch went through regardless.
    calls = sandbox.crm.associated("contacts", cids[1], "calls")
    assert [c for c in calls if sandbox.crm.props("calls", c).get("leadtui_op_id")]
