"""CRM error text on the command line: `sync --once` and `sync --status` print it cleaned."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from leadtui.cli import main
from sync.sandbox import RunningSandbox
from tests.conftest import NOW
from tests.faultproxy import FOREVER, Fault, FaultProxy
from tests.tui.test_hostile_terminal import unsafe_in

OSC = "\x1b]0;pwned\x07\x1b]52;c;cm0gLXJmIH4=\x07"
CSI = "\x1b[2J\x9b31m\u202e"


def error_body(status: str) -> bytes:
    body = {"status": "error", "message": f"{OSC}bad{CSI}", "category": f"VALIDATION{CSI}"}
    return json.dumps(body | {"correlationId": status}).encode()


@pytest.fixture
def proxy(sandbox: RunningSandbox) -> Iterator[FaultProxy]:
    with FaultProxy(sandbox.base_url) as running:
        yield running


@pytest.fixture
def configured(
    sandbox: RunningSandbox, proxy: FaultProxy, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Path:
    folder = tmp_path / "ws"
    folder.mkdir()
    rep = sandbox.crm.owner_models[0].email
    (folder / "config.toml").write_text(
        f'[user]\nemail = "{rep}"\nrole = "manager"\n[crm]\nbase_url = "{proxy.base_url}"\n'
    )
    monkeypatch.setenv("LEADTUI_DATA_DIR", str(folder))
    monkeypatch.delenv("LEADTUI_CONFIG", raising=False)
    monkeypatch.setenv("LEADTUI_CRM_TOKEN", sandbox.token)
    return folder


def test_crm_error_text_is_printed_cleaned(
    sandbox: RunningSandbox,
    proxy: FaultProxy,
    configured: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    now = ["--now", NOW.isoformat()]
    assert main([*now, "sync", "--once"]) == 0
    capsys.readouterr()

    # A 403 with escapes in its message: the round stops with it.
    proxy.add(Fault("/crm/v3/owners", status=403, body=error_body("403")))
    assert main([*now, "sync", "--once"]) == 1
    said = capsys.readouterr()
    assert "HTTP 403" in said.err and "bad" in said.err
    assert not unsafe_in(said.err.replace("\n", "")) and not unsafe_in(said.out.replace("\n", ""))

    # A 400 for a pushed touch: a rejected change, listed by --status with what the CRM said.
    owner = sandbox.crm.owner_models[0].email
    cid = sandbox.crm.find("contacts", "hubspot_owner_id", sandbox.crm.owner_ids()[owner])[0]
    assert main([*now, "log", cid, "--channel", "call", "--outcome", "connected"]) == 0
    proxy.add(
        Fault("POST /crm/v3/objects/calls", status=400, body=error_body("400"), times=FOREVER)
    )
    assert main([*now, "sync", "--once"]) == 1
    said = capsys.readouterr()
    assert "rejected" in said.err
    assert not unsafe_in(said.err.replace("\n", "")) and not unsafe_in(said.out.replace("\n", ""))
    assert main([*now, "sync", "--status"]) == 1
    said = capsys.readouterr()
    assert "rejected" in said.out and "bad" in said.out, said.out
    assert not unsafe_in(said.err.replace("\n", "")) and not unsafe_in(said.out.replace("\n", ""))
