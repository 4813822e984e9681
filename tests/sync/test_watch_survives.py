"""`leadtui sync --watch` as a user runs it (a subprocess) through a scripted series of bad replies
and a cache locked by another program: each round says what went wrong in one line, the watcher
backs off and goes on, and the first good round syncs."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from queue import Empty, Queue

import pytest

from sync.sandbox import RunningSandbox
from tests.faultproxy import Fault, FaultProxy
from tests.tui.test_hostile_terminal import unsafe_in

LINE_WAIT = 40.0  # a hang detector for one line of output, not a speed check


@pytest.fixture
def proxy(sandbox: RunningSandbox) -> Iterator[FaultProxy]:
    with FaultProxy(sandbox.base_url) as running:
        yield running


class Watcher:
    def __init__(self, folder: Path, token: str) -> None:
        env = dict(os.environ, LEADTUI_DATA_DIR=str(folder), LEADTUI_CRM_TOKEN=token)
        env.pop("LEADTUI_CONFIG", None)
        env.pop("LEADTUI_DEBUG", None)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "leadtui.cli", "sync", "--watch"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            errors="surrogateescape",
        )
        self.lines: Queue[str] = Queue()
        self.said: list[str] = []
        assert self.proc.stderr is not None
        threading.Thread(target=self._read, args=(self.proc.stderr,), daemon=True).start()

    def _read(self, stream: object) -> None:
        for line in stream:  # type: ignore[attr-defined]
            self.lines.put(line)

    def next_summary(self) -> str:
        """The next round's summary line ("sync: ...")."""
        while True:
            try:
                line = self.lines.get(timeout=LINE_WAIT)
            except Empty:
                raise AssertionError(f"the watcher went quiet; it said: {self.said}") from None
            self.said.append(line)
            if line.startswith("sync:"):
                return line


def test_watch_survives_bad_replies_and_a_held_lock(
    sandbox: RunningSandbox, proxy: FaultProxy, tmp_path: Path
) -> None:
    folder = tmp_path / "ws"
    folder.mkdir()
    (folder / "config.toml").write_text(
        f'[user]\nrole = "manager"\n[crm]\nbase_url = "{proxy.base_url}"\n'
        "sync_interval_seconds = 2\n"
    )
    owners = "GET /crm/v3/owners"
    proxy.add(
        Fault(owners, body=b'{"results": [{"id": "1", "email": "a@b.c"', times=1),  # cut short
        Fault(owners, body=b"<html>Sign in to the Wi-Fi</html>", content_type="text/html"),
        Fault(owners, body=b'{"results": 7, "paging": "\\u001b]0;pwned\\u0007"}'),  # mistyped
    )
    watcher = Watcher(folder, sandbox.token)
    try:
        first = watcher.next_summary()
        assert "offline" in first and "not valid JSON" in first, first
        second = watcher.next_summary()
        assert "not valid JSON" in second and "text/html" in second, second
        third = watcher.next_summary()
        assert "cannot read" in third, third

        # Another program holds the cache's write lock past the busy timeout (3 s).
        db = sqlite3.connect(folder / "leadtui.db", timeout=30, isolation_level=None)
        db.execute("BEGIN IMMEDIATE")
        fourth = watcher.next_summary()
        db.execute("ROLLBACK")
        db.close()
        assert "locked by another program" in fourth, fourth

        fifth = watcher.next_summary()
        assert "pulled" in fifth and "stopped" not in fifth, fifth
        assert watcher.proc.poll() is None, "still watching"
    finally:
        watcher.proc.send_signal(signal.SIGINT)
        try:
            code = watcher.proc.wait(30)
        finally:
            watcher.proc.kill()
    out = watcher.proc.stdout.read() if watcher.proc.stdout else ""
    said = "".join(watcher.said) + "".join(watcher.lines.queue)
    assert code == 0
    assert "unexpected error" not in said and "Traceback" not in said, said
    assert not unsafe_in(said.replace("\n", "")) and not unsafe_in(out.replace("\n", ""))
