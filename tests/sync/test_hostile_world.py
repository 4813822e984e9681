"""A hostile world, drawn by Hypothesis: CRM records whose text carries terminal escapes, C1
controls, lone surrogates, bidi overrides, markup, spreadsheet formulas and 100,000-character
strings, and replies (through tests/faultproxy.py) that are cut short, mistyped, HTML, errors full
of escapes, or trickling in. Whatever is drawn, `leadtui sync --once` finishes or stops with a
sentence within its bound, the next clean round syncs, and nothing a terminal acts on reaches
stdout or stderr (nor the CSV a spreadsheet opens).

HOSTILE_EXAMPLES (default 25, about a minute) sets how many worlds one run draws.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import threading
from collections import Counter
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from leadtui.cli import main
from leadtui.safe_text import clean
from sync.sandbox import RunningSandbox, start_sandbox
from tests.conftest import NOW
from tests.faultproxy import Fault, FaultProxy
from tests.tui.test_hostile_terminal import unsafe_in

csv.field_size_limit(1_000_000)  # a 100,000-character name is a legal cell
EXAMPLES = int(os.environ.get("HOSTILE_EXAMPLES", "25"))
HANG = 60.0  # a hang detector: a round with a 2 s request deadline ends long before this
FOUND: Counter[str] = Counter()  # what the drawn worlds did, for the run's summary

PIECES = (
    "\x1b]0;pwned\x07",  # OSC 0: the window title
    "\x1b]52;c;cm0gLXJmIH4=\x07",  # OSC 52: the clipboard
    "\x1b]8;;http://evil.example\x1b\\",  # OSC 8: a hyperlink
    "\x1b[2J\x1b[H",  # CSI: clear the screen
    "\x9b31m",  # 8-bit CSI
    "\x1bP+q\x1b\\",  # DCS
    "\x07",
    "\x08",
    "\r",
    "\n",
    "\x00",
    "\u202e",  # right-to-left override
    "\u2066",  # left-to-right isolate
    "\u200b",
    "\ud800",  # lone surrogates
    "\udfff",
    "[b]",
    "[/]",
    "[@click=app.quit]",
    '=HYPERLINK("http://evil.example","x")',
    "@SUM(1+1)",
    "+cmd|' /C calc'!A0",
    "-2+3",
    "\t",
)
hostile_text = st.lists(
    st.one_of(st.sampled_from(PIECES), st.text(max_size=6)), min_size=1, max_size=6
).map("".join)
text_value = st.one_of(hostile_text, st.just("Z" * 100_000))
FIELDS = ("firstname", "lastname", "company", "jobtitle", "industry", "country", "phone")
edits = st.dictionaries(st.sampled_from(FIELDS), text_value, min_size=1, max_size=3)

PATHS = (
    "GET /crm/v3/owners",
    "POST /crm/v3/objects/contacts/search",
    "/batch/read",
    "/associations",
    "",
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | hostile_text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(hostile_text, inner, max_size=3),
    max_leaves=8,
)


@st.composite
def faults(draw: st.DrawFn) -> Fault | None:
    kind = draw(st.sampled_from(["none", "truncated", "mistyped", "html", "error", "trickle"]))
    event(f"reply: {kind}")
    if kind == "none":
        return None
    match = draw(st.sampled_from(PATHS))
    times = draw(st.integers(1, 2))
    if kind == "truncated":
        body = json.dumps({"results": [{"id": "1", "properties": {"a": "b"}}]}).encode()
        return Fault(match, body=body[: draw(st.integers(0, len(body) - 1))], times=times)
    if kind == "mistyped":
        return Fault(match, body=json.dumps(draw(json_values)).encode(), times=times)
    if kind == "html":
        return Fault(match, body=b"<html><h1>Sign in</h1></html>", content_type="text/html")
    if kind == "error":
        status = draw(st.sampled_from([400, 403, 404, 409, 500, 503]))
        message = draw(hostile_text)
        body = {"status": "error", "message": message, "category": draw(hostile_text)}
        return Fault(match, status=status, body=json.dumps(body).encode(), times=times)
    return Fault(match, body=b'{"results": [' + b" " * 100_000 + b"]}", trickle=0.5, times=1)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[RunningSandbox, FaultProxy]]:
    folder = tmp_path_factory.mktemp("hostile-world") / "ws"
    folder.mkdir()
    with (
        start_sandbox(seed=3, leads=30, reps=2, now=NOW, rate_limit=None) as sandbox,
        FaultProxy(sandbox.base_url) as proxy,
        pytest.MonkeyPatch.context() as env,
    ):
        (folder / "config.toml").write_text(
            f'[user]\nrole = "manager"\n[crm]\nbase_url = "{proxy.base_url}"\ntimeout_seconds = 2\n'
        )
        env.setenv("LEADTUI_DATA_DIR", str(folder))
        env.setenv("LEADTUI_CRM_TOKEN", sandbox.token)
        env.delenv("LEADTUI_CONFIG", raising=False)
        env.delenv("LEADTUI_DEBUG", raising=False)
        yield sandbox, proxy
    print(f"\nhostile worlds: {dict(FOUND)}")


def run(*argv: str) -> tuple[int, str, str]:
    """`leadtui ARGV` in a thread, its output captured; fails the test if it hangs."""
    out, err, code = io.StringIO(), io.StringIO(), [-1]

    def go() -> None:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code[0] = main(["--now", NOW.isoformat(), *argv])

    thread = threading.Thread(target=go, daemon=True)
    thread.start()
    thread.join(HANG)
    assert not thread.is_alive(), f"`leadtui {' '.join(argv)}` hung"
    return code[0], out.getvalue(), err.getvalue()


def assert_inert(what: str, text: str) -> None:
    assert not unsafe_in(text.replace("\n", "")), f"{what}: {unsafe_in(text)}: {text[:300]!r}"
    assert "unexpected error" not in text and "Traceback" not in text, f"{what}: {text[:500]}"


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(records=st.lists(edits, min_size=1, max_size=3), fault=faults())
def test_a_hostile_world_never_hangs_kills_or_leaks(
    world: tuple[RunningSandbox, FaultProxy], records: list[dict[str, str]], fault: Fault | None
) -> None:
    sandbox, proxy = world
    made = sandbox.crm.add_inbound_leads(len(records))
    for contact_id, props in zip(made, records, strict=True):
        sandbox.crm.edit_contact(contact_id, props)
    if fault is not None:
        proxy.add(fault)
    try:
        code, out, err = run("sync", "--once")
    finally:
        proxy.clear()
    FOUND["rounds"] += 1
    FOUND["settled" if code == 0 else "stopped with a sentence"] += 1
    assert code in (0, 1)
    assert_inert("sync --once", out + err)
    assert err.strip(), "a round always says how it went"

    # The world turns clean again: the next round syncs, whatever the last one met.
    code, out, err = run("sync", "--once")
    assert_inert("the clean round", out + err)
    summary = [line for line in err.splitlines() if line.startswith("sync:")][-1]
    assert "offline" not in summary and "stopped" not in summary, summary
    FOUND["records skipped"] += "skipped" in summary

    for argv in (("sync", "--status"), ("queue", "--format", "table")):
        _, out, err = run(*argv)
        assert_inert(" ".join(argv), out + err)
    _, out, _ = run("queue", "--format", "csv")
    for row in csv.reader(io.StringIO(out)):
        for cell in row:
            assert not cell.startswith(("=", "+", "@", "\t", "\r")), f"a formula: {cell[:80]!r}"


@settings(max_examples=300, deadline=None)
@given(text=st.one_of(hostile_text, st.text()), limit=st.none() | st.integers(1, 500))
def test_the_safe_path_leaves_nothing_a_terminal_acts_on(text: str, limit: int | None) -> None:
    shown = clean(text, limit)
    assert not unsafe_in(shown)
    shown.encode("utf-8")  # no lone surrogate survives
    if limit is not None:
        assert len(shown) <= limit
