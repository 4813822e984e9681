"""`leadtui serve` in headless Chromium (Debian's, driven by Playwright; no browser is downloaded):
the SLA board is read off the page, a breach opens its lead, and without the token nothing is
served."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.manager.conftest import NOW, write_team

CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# xterm.js draws on a canvas, so the page has no text to query. This script, run before the
# page's own, keeps each xterm Terminal as it is made (the first assignment of its `_core`), so
# the test reads the terminal's buffer: exactly the characters the page shows.
KEEP_TERMINALS = """
window.__terms = [];
Object.defineProperty(Object.prototype, '_core', {
  configurable: true,
  set(value) {
    Object.defineProperty(this, '_core', {value, writable: true, configurable: true});
    if ('buffer' in this) window.__terms.push(this);
  },
});
"""
SCREEN_TEXT = """() => {
  const term = window.__terms.find(t => t.buffer && t.buffer.active);
  if (!term) return '';
  const lines = [];
  for (let i = 0; i < term.rows; i++) {
    const line = term.buffer.active.getLine(i);
    lines.push(line ? line.translateToString(true) : '');
  }
  return lines.join('\\n');
}"""


@pytest.fixture
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI needs {CHROMIUM}: .ci/run installs Debian's chromium package")
        pytest.skip(f"no {CHROMIUM}; install Debian's chromium package")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    """`leadtui serve` on a free port over the fixed team; yields the URL it printed."""
    folder = write_team(tmp_path / "team")
    command = [sys.executable, "-m", "leadtui.cli", "--data-dir", str(folder)]
    command += ["--now", NOW.isoformat(), "serve", "--port", "0"]
    env = {k: v for k, v in os.environ.items() if k not in ("LEADTUI_CONFIG", "LEADTUI_DATA_DIR")}
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        if not line.startswith("Open http://127.0.0.1:"):
            raise AssertionError(f"serve printed {line!r}: {process.stderr.read()}")
        yield line.split()[1]
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()


def _wait_for(page: Any, *words: str) -> str:
    text = ""
    for _ in range(150):  # up to ~30 s on a busy machine; the board appears in a few
        text = str(page.evaluate(SCREEN_TEXT))
        if all(word in text for word in words):
            return text
        time.sleep(0.2)
    raise AssertionError(f"the page never showed {words}; it showed:\n{text}")


def test_the_board_in_a_browser_with_the_token(browser: Any, served: str) -> None:
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.add_init_script(KEEP_TERMINALS)
    response = page.goto(served)
    assert response is not None and response.status == 200
    board = _wait_for(page, "SLA board", "breach")
    assert "Reps" in board and "Sources" in board
    page.locator(".xterm-helper-textarea").focus()  # keys go to the terminal, as after a click
    page.keyboard.press("a")  # all time: the fixed team's breaches are ten days old
    board = _wait_for(page, "Lead 2", "Lead 4")
    page.keyboard.press("Enter")  # the highlighted breach opens its lead
    detail = _wait_for(page, "@client")
    assert "SLA board" not in detail
    page.close()


def test_without_the_token_nothing_is_served(browser: Any, served: str) -> None:
    base = served.split("?", 1)[0]
    page = browser.new_page()
    for path in ("", "static/js/textual.js", "ws"):
        response = page.goto(base + path)
        assert response is not None and response.status == 403, path
        assert "login token" in page.content()
    wrong = page.goto(base + "?token=not-the-token")
    assert wrong is not None and wrong.status == 403
    page.close()


def test_serve_refuses_a_port_that_is_not_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from leadtui.cli import main

    assert main(["--data-dir", str(write_team(tmp_path / "t")), "serve", "--port", "70000"]) == 1
    assert "--port 70000 is not a port" in capsys.readouterr().err
