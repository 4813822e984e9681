"""A team on one PostgreSQL database under load: many reps acting at once while the team's sync
pushes and pulls, then a count proving that no change was lost or made twice.

    python -m bench.team [--leads 100000] [--reps 50] [--seconds 30] [--pg-url URL]

The sandbox CRM runs in its own process with N contacts (rate limit off: the figure is the
database's and the sync's, not HubSpot's budget); the team's sync pulls them all into a fresh
team database, then each rep (a thread with its own connection pool, as its own app would have)
logs calls, adds notes and snoozes its own leads, and one lead in ten of every rep's actions is
the same shared lead (two people on one lead: the row lock's case). The sync runs a round every
second meanwhile. After the bounded time the sync drains the outbox and the counts are checked:
every action's touch or note is in the team database once, its outbox row is done once, and the
CRM holds one engagement per op id (counted by the CRM's search, not by leadtui's cache).
Threads share one interpreter lock, so actions per second is a floor for separate processes.
"""

from __future__ import annotations

import argparse
import json
import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func
from sqlmodel import col, select

from bench.sync import sandbox_process
from leadtui.config import Locations, parse
from leadtui.store.tables import LeadRow, NoteRow, OutboxRow, TouchRow
from leadtui.workspace import ActionError, Workspace
from sync.hubspot import HubSpotAdapter
from sync.protocol import Scope
from sync.service import SyncService

NOW = datetime(2026, 11, 18, 15, 0, tzinfo=UTC)
RESULTS = Path(__file__).with_name("results.json")


@dataclass
class RepLog:
    touches: list[str] = field(default_factory=list)  # each touch's unique note
    notes: list[str] = field(default_factory=list)  # each note's unique body
    snoozes: int = 0
    refused: int = 0  # ActionError: e.g. snoozing a lead another rep just closed
    errors: list[str] = field(default_factory=list)  # anything else: must stay empty
    seconds: list[float] = field(default_factory=list)


def _workspace(url: str, base_url: str, email: str, folder: Path) -> Workspace:
    text = f'[user]\nemail = "{email}"\nrole = "rep"\n[crm]\nbase_url = "{base_url}"\n'
    text += f'[store]\nurl = "{url}"\n'
    return Workspace.open(parse(text), Locations(folder / "config.toml", folder))


def _rep(ws: Workspace, me: int, leads: list[int], shared: int, until: float, log: RepLog) -> None:
    rng = random.Random(me)
    i = 0
    while time.perf_counter() < until:
        i += 1
        lead = shared if rng.random() < 0.1 else rng.choice(leads)
        tag = f"rep{me}-{i}"
        roll = rng.random()
        started = time.perf_counter()
        try:
            if roll < 0.6:
                ws.log_touch(lead, "call", "no_answer", NOW, note=tag)
                log.touches.append(tag)
            elif roll < 0.85:
                ws.add_note(lead, tag, NOW)
                log.notes.append(tag)
            else:
                ws.snooze(lead, NOW + timedelta(hours=rng.randint(1, 48)), NOW)
                log.snoozes += 1
        except ActionError:
            log.refused += 1
        except Exception as exc:
            log.errors.append(f"{type(exc).__name__}: {exc}")
        log.seconds.append(time.perf_counter() - started)


def _engagements(base_url: str, token: str, object_type: str) -> int:
    """How many engagements leadtui made, by the CRM's own count (search total)."""
    body = {
        "filterGroups": [
            {"filters": [{"propertyName": "leadtui_op_id", "operator": "HAS_PROPERTY"}]}
        ],
        "limit": 1,
    }
    reply = httpx.post(
        f"{base_url}/crm/v3/objects/{object_type}/search",
        json=body,
        headers={"Authorization": f"Bearer {token}"},
        timeout=60,
    )
    reply.raise_for_status()
    return int(reply.json()["total"])


def run_load(
    url: str, base_url: str, token: str, *, reps: int, seconds: float, folder: Path
) -> dict[str, Any]:
    """The load on a team database already holding the CRM's leads; returns the figures."""

    def adapter() -> HubSpotAdapter:
        return HubSpotAdapter.from_config(base_url, token, timeout_seconds=60, rate_limited=False)

    team = _workspace(url, base_url, "", folder / "team-sync")
    service = SyncService(team, adapter, scope=Scope(None))
    calls_before = _engagements(base_url, token, "calls")
    notes_before = _engagements(base_url, token, "notes")
    with team.session() as session:
        owners = sorted({o for o in session.exec(select(LeadRow.owner)) if o})[:reps]
        by_owner: dict[str, list[int]] = {}
        for lead_id, owner in session.exec(select(LeadRow.id, LeadRow.owner)):
            by_owner.setdefault(owner, []).append(int(lead_id or 0))
    shared = by_owner[owners[0]][0]
    apps = [
        _workspace(url, base_url, owners[i % len(owners)], folder / f"rep{i}") for i in range(reps)
    ]
    logs = [RepLog() for _ in range(reps)]
    until = time.perf_counter() + seconds
    rounds: list[Any] = []
    stop = threading.Event()

    def sync_loop() -> None:
        while not stop.is_set():
            rounds.append(service.run_once(NOW))
            stop.wait(1.0)

    syncer = threading.Thread(target=sync_loop)
    threads = [
        threading.Thread(
            target=_rep,
            args=(apps[i], i, by_owner[owners[i % len(owners)]], shared, until, logs[i]),
        )
        for i in range(reps)
    ]
    started = time.perf_counter()
    syncer.start()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    acting = time.perf_counter() - started
    stop.set()
    syncer.join()
    for _ in range(30):  # drain: every change reaches the CRM
        result = service.run_once(NOW)
        if result.pending == 0:
            break
    for app in apps:
        app.close()
    touches = [t for log in logs for t in log.touches]
    notes = [n for log in logs for n in log.notes]
    durations = sorted(s for log in logs for s in log.seconds)
    with team.session() as session:
        local_touches = Counter(
            session.exec(select(TouchRow.note).where(col(TouchRow.op_id).is_not(None)))
        )
        local_notes = Counter(
            session.exec(select(NoteRow.body).where(col(NoteRow.op_id).is_not(None)))
        )
        by_state = dict(
            session.exec(
                select(OutboxRow.state, func.count()).group_by(col(OutboxRow.state))  # type: ignore[call-overload]
            ).all()
        )
        # The outbox rows of the touches and notes made: one each, whatever else was queued
        # (a first touch also queues the lead's status change).
        creates = Counter(
            session.exec(
                select(OutboxRow.kind).where(
                    col(OutboxRow.kind).in_(["create_touch", "create_note"])
                )
            )
        )
        undone_creates = int(
            session.exec(
                select(func.count())
                .select_from(OutboxRow)
                .where(col(OutboxRow.kind).in_(["create_touch", "create_note"]))
                .where(OutboxRow.state != "done")
            ).one()
        )
    service.close()
    team.close()
    crm_calls = _engagements(base_url, token, "calls") - calls_before
    crm_notes = _engagements(base_url, token, "notes") - notes_before
    # Each count against the actions made: the local rows, their outbox rows, the CRM's records.
    lost = sum(1 for t in touches if local_touches[t] == 0)
    lost += sum(1 for n in notes if local_notes[n] == 0)
    lost += max(0, len(touches) - creates["create_touch"]) + max(
        0, len(notes) - creates["create_note"]
    )
    lost += max(0, len(touches) - crm_calls) + max(0, len(notes) - crm_notes) + undone_creates
    doubled = sum(c - 1 for c in local_touches.values() if c > 1)
    doubled += sum(c - 1 for c in local_notes.values() if c > 1)
    doubled += max(0, creates["create_touch"] - len(touches))
    doubled += max(0, creates["create_note"] - len(notes))
    doubled += max(0, crm_calls - len(touches)) + max(0, crm_notes - len(notes))
    return {
        "reps": reps,
        "seconds": round(acting, 1),
        "actions": len(durations),
        "actions_per_second": round(len(durations) / acting, 1),
        "slowest_action_seconds": round(durations[-1], 3) if durations else None,
        "median_action_seconds": round(durations[len(durations) // 2], 4) if durations else None,
        "p99_action_seconds": round(durations[int(len(durations) * 0.99)], 3)
        if durations
        else None,
        "touches": len(touches),
        "notes": len(notes),
        "snoozes": sum(log.snoozes for log in logs),
        "refused": sum(log.refused for log in logs),
        "errors": [e for log in logs for e in log.errors][:5],
        "sync_rounds_during_load": len(rounds),
        "outbox_touch_rows": creates["create_touch"],
        "outbox_note_rows": creates["create_note"],
        "outbox_by_state": by_state,
        "crm_calls_made": crm_calls,
        "crm_notes_made": crm_notes,
        "lost": lost,
        "duplicated": doubled,
    }


def pull_all(url: str, base_url: str, token: str, folder: Path) -> float:
    """The team sync's first round: every rep's leads into the team database; its seconds.
    Contacts only (their engagements are bench.sync's subject): the load is what is measured."""
    team = _workspace(url, base_url, "", folder / "first")

    def adapter() -> HubSpotAdapter:
        return HubSpotAdapter.from_config(
            base_url, token, timeout_seconds=60, rate_limited=False, activity=False
        )

    # A new portal has HubSpot's default properties only: `leadtui setup` first, as a team would.
    first = adapter()
    try:
        first.setup()
    finally:
        first.close()
    service = SyncService(team, adapter, scope=Scope(None))
    started = time.perf_counter()
    result = service.run_once(NOW)
    took = time.perf_counter() - started
    service.close()
    team.close()
    if result.error:
        raise RuntimeError(result.error)
    return took


def main(argv: list[str] | None = None) -> int:
    import tempfile

    from tests.postgres import fresh_database, require_server

    parser = argparse.ArgumentParser(prog="python -m bench.team")
    parser.add_argument("--leads", type=int, default=100_000)
    parser.add_argument("--reps", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--pg-url", help="a server role that may create databases")
    args = parser.parse_args(argv)
    server = args.pg_url or require_server()
    with (
        sandbox_process(args.leads, seed=3, reps=args.reps) as box,
        fresh_database(server) as url,
        tempfile.TemporaryDirectory() as tmp,
    ):
        pulled = pull_all(url, box.base_url, box.token, Path(tmp))
        figures = run_load(
            url, box.base_url, box.token, reps=args.reps, seconds=args.seconds, folder=Path(tmp)
        )
    figures = {"leads": args.leads, "first_pull_seconds": round(pulled, 1), **figures}
    print(json.dumps(figures, indent=2))
    data = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    data["team"] = figures
    RESULTS.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
    return 0 if figures["lost"] == figures["duplicated"] == 0 and not figures["errors"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
