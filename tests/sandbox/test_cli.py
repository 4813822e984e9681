"""The foreground command: one JSON line once it listens, then serve until SIGTERM."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]


def test_main_prints_one_json_line_serves_and_stops_on_sigterm() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "sync.sandbox", "--leads", "5", "--reps", "2", "--token", "tok"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        started = json.loads(line)
        assert started["token"] == "tok"
        assert started["base_url"].startswith("http://127.0.0.1:")
        reply = httpx.get(
            f"{started['base_url']}/crm/v3/objects/contacts",
            headers={"Authorization": "Bearer tok"},
        )
        assert reply.status_code == 200 and len(reply.json()["results"]) == 5
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
        assert process.stdout.read() == "", "exactly one line on stdout"
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_bad_arguments_are_one_sentence_on_stderr() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "sync.sandbox", "--reps", "0"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.strip().count("\n") == 0 and "--reps" in done.stderr
