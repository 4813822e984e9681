"""Issue 9's "done when", through the command line: against a sandbox with its defaults (not
Enterprise, no unique values on engagements, no custom properties) and with both flags on,
`leadtui setup` then `leadtui sync --once` pulls a rep's contacts with their touch history, and
touches logged offline reach the CRM exactly once even when replies are lost after the commit."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from leadtui.cli import main
from sync.sandbox import RunningSandbox, start_sandbox
from sync.sandbox.portal import Portal
from tests.conftest import NOW

WORLDS = {
    "defaults": Portal(),
    "enterprise_unique": Portal(enterprise=True, unique_on_engagements=True),
}


@pytest.fixture(params=list(WORLDS))
def world(request: pytest.FixtureRequest) -> Iterator[RunningSandbox]:
    with start_sandbox(
        seed=4, leads=40, reps=2, now=NOW, rate_limit=None, portal=WORLDS[request.param]
    ) as sb:
        yield sb


@pytest.fixture
def rep_dir(world: RunningSandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "ws"
    folder.mkdir()
    rep = world.crm.owner_models[0].email
    (folder / "config.toml").write_text(
        f'[user]\nemail = "{rep}"\n[crm]\nbase_url = "{world.base_url}"\n'
    )
    monkeypatch.setenv("LEADTUI_DATA_DIR", str(folder))
    monkeypatch.delenv("LEADTUI_CONFIG", raising=False)
    monkeypatch.setenv("LEADTUI_CRM_TOKEN", world.token)
    return folder


def test_setup_then_sync_then_offline_touches_land_once(
    world: RunningSandbox, rep_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    now = ["--now", NOW.isoformat()]
    assert main(["setup"]) == 0
    first = capsys.readouterr()
    assert "created" in first.err and world.token not in first.out + first.err
    web = [line for line in first.out.splitlines() if "web activity" in line]
    assert web and web[0].startswith("ok " if world.crm.portal.enterprise else "off")
    assert main(["setup"]) == 0
    assert "nothing to do" in capsys.readouterr().err

    assert main([*now, "sync", "--once"]) == 0
    err = capsys.readouterr().err
    if not world.crm.portal.enterprise:
        assert "Web activity is off" in err
    rep = world.crm.owner_models[0].email
    owner_id = world.crm.owner_ids()[rep]
    mine = set(world.crm.find("contacts", "hubspot_owner_id", owner_id))
    assert main([*now, "queue", "--format", "json"]) == 0
    listed = {row["crm_id"] for row in json.loads(capsys.readouterr().out)}
    assert listed and listed <= mine
    cid = sorted(listed)[0]

    # Offline: the CRM goes away, the rep logs two touches, sync fails and keeps them.
    world.faults.offline(True)
    for outcome in ("no_answer", "left_voicemail"):
        assert main([*now, "log", cid, "--channel", "call", "--outcome", outcome]) == 0
    assert main([*now, "sync", "--once"]) == 1
    capsys.readouterr()
    # Back, but each create's reply is lost after the CRM committed it.
    world.faults.offline(False)
    world.faults.drop_after_commit(2)
    for _ in range(3):
        if main([*now, "sync", "--once"]) == 0:
            break
    else:
        pytest.fail(capsys.readouterr().err)
    assert world.faults.snapshot()["drop_after_commit"] == 0
    calls = world.crm.associated("contacts", cid, "calls")
    ops = Counter(world.crm.props("calls", c).get("leadtui_op_id") for c in calls)
    ops.pop(None, None)
    assert len(ops) == 2 and set(ops.values()) == {1}, ops


def test_doctor_reaches_the_crm_and_a_bad_token_is_not_ok(
    world: RunningSandbox,
    rep_dir: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    before = {p: dict(v) for p, v in world.crm.properties.items()}
    assert main(["doctor"]) == 1, "nothing a rep does can be pushed before setup"
    out = capsys.readouterr().out
    assert "ok   crm: reached" in out
    missing = [line for line in out.splitlines() if "custom properties" in line]
    assert missing and missing[0].startswith("FIX") and "leadtui setup" in missing[0]
    assert before == {p: dict(v) for p, v in world.crm.properties.items()}, "doctor is read-only"
    assert main(["setup"]) == 0
    capsys.readouterr()
    main(["doctor"])
    after = [line for line in capsys.readouterr().out.splitlines() if "custom properties" in line]
    assert after and after[0].startswith("ok")
    monkeypatch.setenv("LEADTUI_CRM_TOKEN", "pat-na1-not-the-token")
    assert main(["doctor"]) == 1
    out = capsys.readouterr().out
    assert "FIX  crm:" in out and "401" in out and "pat-na1-not-the-token" not in out
