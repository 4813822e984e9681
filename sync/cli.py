"""The `sync`, `sandbox` and `login` commands, kept here so leadtui/cli.py stays a thin parser.

Progress goes to stderr (stdout stays clean for scripts); the token is never printed.
"""

from __future__ import annotations

import argparse
import getpass
import sys
import time
from collections.abc import Callable
from datetime import datetime

from leadtui.workspace import Workspace
from sync import registry
from sync.engine import Progress, PullReport, SyncEngine, wall_clock
from sync.outbox import PushReport, pending_count, push_outbox
from sync.protocol import AuthError, CrmAdapter, SyncError
from sync.token import get_token, store_token

EXIT_OK, EXIT_ERROR = 0, 1


def _progress() -> Callable[[Progress], None]:
    def show(p: Progress) -> None:
        if p.phase == "pull":
            line = f"pull: {p.leads} leads in {p.pages} pages ({p.requests} requests)"
            if p.skipped:
                line += f", {p.skipped} skipped"
        else:
            line = f"{p.phase}: {p.message}" if p.message else p.phase
        print(line, file=sys.stderr, flush=True)

    return show


def open_adapter(ws: Workspace) -> CrmAdapter:
    crm = ws.config.crm
    token = get_token(crm.base_url)
    return registry.create(crm.adapter, crm.base_url, token, timeout_seconds=crm.timeout_seconds)


def sync_once(
    ws: Workspace, adapter: CrmAdapter, now: datetime, progress: Callable[[Progress], None]
) -> tuple[PullReport, PushReport]:
    pushed = push_outbox(ws, adapter, now, progress)
    pulled = SyncEngine(ws, adapter, progress=progress).pull(now)
    return pulled, pushed


def summary(pulled: PullReport, pushed: PushReport, pending: int) -> str:
    parts = [
        f"pulled {pulled.leads} leads in {pulled.pages} pages "
        f"({pulled.requests} requests, {pulled.seconds:.1f} s)",
        f"{pulled.archived} archived",
        f"pushed {pushed.done} changes",
    ]
    if pushed.failed:
        parts.append(f"{pushed.failed} pushes failed (retried next sync)")
    if pushed.dead:
        parts.append(f"{pushed.dead} changes rejected by the CRM")
    if pulled.skipped:
        parts.append(f"{len(pulled.skipped)} malformed records skipped")
    parts.append(f"{pending} changes waiting in the outbox")  # "dead" ones included
    return "sync: " + ", ".join(parts) + "."


def run_sync(ws: Workspace, *, now: datetime | None, watch: bool) -> int:
    """`leadtui sync`: 0 when the pull completed and the outbox is empty."""
    progress = _progress()
    adapter = open_adapter(ws)
    try:
        while True:
            moment = now or wall_clock()
            try:
                pulled, pushed = sync_once(ws, adapter, moment, progress)
            except AuthError:
                raise
            except SyncError as exc:
                if not watch:
                    raise
                print(
                    f"sync: {exc} Retrying in {ws.config.crm.sync_interval_seconds} s.",
                    file=sys.stderr,
                )
            else:
                with ws.session() as session:
                    pending = pending_count(session)
                for item in pulled.skipped[:20]:
                    print(f"skipped {item.reason}", file=sys.stderr)
                print(summary(pulled, pushed, pending), file=sys.stderr)
                if not watch:
                    return EXIT_OK if pulled.completed and pending == 0 else EXIT_ERROR
            time.sleep(ws.config.crm.sync_interval_seconds)
    finally:
        adapter.close()


def run_login(base_url: str) -> int:
    token = getpass.getpass(f"CRM token for {base_url} (not echoed): ")
    store_token(base_url, token)
    print(f"Stored the token for {base_url} in the OS keyring.", file=sys.stderr)
    return EXIT_OK


def run_sandbox(args: argparse.Namespace) -> int:
    from sync.sandbox import main as sandbox_main

    argv = ["--host", args.host, "--port", str(args.port), "--leads", str(args.leads)]
    argv += ["--reps", str(args.reps), "--seed", str(args.seed)]
    if args.db:
        argv += ["--db", args.db]
    if args.token:
        argv += ["--token", args.token]
    return int(sandbox_main(argv) or 0)
