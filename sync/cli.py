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

from sqlmodel import col, select

from leadtui.config import TOKEN_ENV
from leadtui.safe_text import clean
from leadtui.store.tables import ConflictRow, OutboxRow
from leadtui.workspace import Workspace
from sync import registry
from sync.engine import Progress, wall_clock
from sync.protocol import CrmAdapter, Scope
from sync.service import SyncResult, SyncService
from sync.team import refuse_rep_sync, team_lock
from sync.token import TokenError, get_token, require_keyring, store_token

EXIT_OK, EXIT_ERROR = 0, 1


def _progress() -> Callable[[Progress], None]:
    def show(p: Progress) -> None:
        if p.phase == "pull":
            line = f"pull: {p.leads} leads in {p.pages} pages ({p.requests} requests)"
            if p.skipped:
                line += f", {p.skipped} skipped"
        else:
            line = f"{p.phase}: {p.message}" if p.message else p.phase
        say(line)

    return show


def say(line: str) -> None:
    """One line on stderr; CRM text in it (names, error messages) is cleaned (leadtui.safe_text)."""
    print(clean(line), file=sys.stderr, flush=True)


def open_adapter(ws: Workspace) -> CrmAdapter:
    crm = ws.config.crm
    token = get_token(crm.base_url)
    return registry.create(crm.adapter, crm.base_url, token, timeout_seconds=crm.timeout_seconds)


def summary(result: SyncResult) -> str:
    """One line for stderr after a round."""
    if not result.online:
        head = "offline"
    elif result.error:
        head = "stopped"
    else:
        head = f"pulled {result.pulled} leads, pushed {result.pushed} changes"
    parts = [head, f"{result.pending} changes waiting in the outbox"]
    if result.dead:
        parts.append(f"{result.dead} changes rejected by the CRM")
    if result.conflicts:
        parts.append(f"{result.conflicts} conflicts to resolve")
    if result.skipped:
        shown = "; ".join(result.skipped[:3]) + ("; ..." if len(result.skipped) > 3 else "")
        parts.append(f"{len(result.skipped)} CRM records skipped ({shown})")
    line = "sync: " + ", ".join(parts) + "."
    line = " ".join([line, *result.notices])
    return f"{line} {result.error}" if result.error else line


def settled(result: SyncResult) -> bool:
    """Nothing left for a person or a later round: the exit status of `sync --once`."""
    quiet = result.pending == result.dead == result.conflicts == 0
    return result.online and result.error is None and quiet


def run_sync(ws: Workspace, *, now: datetime | None, watch: bool, team: bool = False) -> int:
    """`leadtui sync`: push, pull, push field changes (sync.service). `--once` exits 0 only when
    nothing is pending, rejected or conflicted; `--watch` runs a round every sync interval (the
    next one re-armed after each: offline rounds just try again) until Ctrl-C, which exits 0.
    `--team`: the team's one sync on a team database, for every rep (sync.team)."""
    if not team:
        refuse_rep_sync(ws)
        return _rounds(ws, now=now, watch=watch)
    with team_lock(ws, now or wall_clock()):
        return _rounds(ws, now=now, watch=watch, scope=Scope(None))


def _rounds(ws: Workspace, *, now: datetime | None, watch: bool, scope: Scope | None = None) -> int:
    service = SyncService(ws, lambda: open_adapter(ws), progress=_progress(), scope=scope)
    failures = 0
    try:
        while True:
            try:
                result = service.run_once(now or wall_clock())
            except Exception as exc:
                if not watch:
                    raise
                result = SyncResult(online=False, error=_round_failed(exc))
            say(summary(result))
            if not watch:
                return EXIT_OK if settled(result) else EXIT_ERROR
            failures = failures + 1 if result.error else 0
            time.sleep(backoff(ws.config.crm.sync_interval_seconds, failures))
    except KeyboardInterrupt:
        return EXIT_OK
    finally:
        service.close()


def backoff(interval: float, failures: int) -> float:
    """The wait before the next round: the interval, growing by half of it with each failed round
    in a row up to 3.5 times it, so a watcher pointed at a broken CRM does not hammer it."""
    return interval * (1 + 0.5 * min(failures, 5))


def _round_failed(exc: Exception) -> str:
    """One sentence for a round that raised (the store's sentences are already one)."""
    from leadtui.store.engine import StoreError

    if isinstance(exc, StoreError):
        return str(exc)
    return f"The round failed ({type(exc).__name__}: {exc}); the sync tries again."


def run_status(ws: Workspace) -> int:
    """`leadtui sync --status`: the outbox's unfinished operations and open conflicts, one line
    each; exit 1 while there are any (like `--once`)."""
    status = SyncService(ws, lambda: open_adapter(ws)).status()
    with ws.session() as session:
        ops = session.exec(
            select(OutboxRow)
            .where(col(OutboxRow.state).in_(["pending", "held", "dead"]))
            .order_by(col(OutboxRow.id))
        ).all()
        conflicts = session.exec(
            select(ConflictRow)
            .where(col(ConflictRow.resolved_at).is_(None))
            .order_by(col(ConflictRow.id))
        ).all()
        for op in ops:
            error = op.last_error.replace("\n", " ") or "-"
            # "dead" is the outbox's word inside; people read "rejected" everywhere else.
            state = "rejected" if op.state == "dead" else op.state
            line = f"{op.op_id}  lead {op.lead_id}  {op.kind}  {state}  {op.attempts}  {error}"
            print(clean(line))
        for c in conflicts:
            print(
                clean(
                    f"conflict {c.id}  lead {c.lead_id}  {c.field}  "
                    f"mine={c.local_value!r}  crm={c.remote_value!r}  base={c.base_value!r}"
                )
            )
    last = status.last_sync_at.isoformat() if status.last_sync_at else "never"
    line = f"sync: {status.pending} pending, {status.held} held, {status.dead} rejected, "
    line += f"{status.conflicts} conflicts; last sync {last}"
    if status.last_error:
        line += f"; last error: {status.last_error}"
    if status.team_sync:
        line += f"; the team's sync runs on {status.team_sync}"
    say(line)
    return EXIT_OK if not ops and not conflicts else EXIT_ERROR


def run_login(base_url: str) -> int:
    require_keyring()  # say there is nowhere to keep it before asking for it
    try:
        # With no terminal getpass reads a piped token (`pass show crm | leadtui login`).
        token = getpass.getpass(f"CRM token for {base_url} (not echoed): ")
    except EOFError:
        print(file=sys.stderr)  # end the prompt's line: the sentence below stands alone
        raise TokenError(
            "`leadtui login` needs a terminal to type the token into, or the token on its "
            f"input; got neither, so set {TOKEN_ENV} or run it in a terminal."
        ) from None
    store_token(base_url, token)  # reads the token back: says so if the keyring dropped it
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
    if getattr(args, "enterprise", False):
        argv.append("--enterprise")
    if getattr(args, "unique_on_engagements", False):
        argv.append("--unique-on-engagements")
    return int(sandbox_main(argv) or 0)
