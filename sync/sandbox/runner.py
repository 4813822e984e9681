"""Starting and stopping the sandbox: in a thread for tests and the demo, or in the foreground
for `leadtui sandbox`."""

from __future__ import annotations

import argparse
import json
import signal
import sqlite3
import sys
import threading
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from types import TracebackType

from sync.sandbox.api import HubSpotApi
from sync.sandbox.crm import SandboxCRM
from sync.sandbox.faults import Faults
from sync.sandbox.limits import RateLimiter, RateLimits
from sync.sandbox.portal import Portal
from sync.sandbox.server import SandboxHTTPServer

DEFAULT_LIMITS = RateLimits()


@dataclass
class RunningSandbox:
    """A sandbox serving in a daemon thread. `crm` changes its data, `faults` breaks it."""

    base_url: str
    token: str
    crm: SandboxCRM
    faults: Faults
    server: SandboxHTTPServer
    _threads: list[threading.Thread] = field(default_factory=list)
    _stopping: threading.Event = field(default_factory=threading.Event)

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    def stop(self) -> None:
        """Stop serving, cut open connections, close the file. Safe to call twice."""
        if self._stopping.is_set():
            return
        self._stopping.set()
        self.server.shutdown()
        self.server.server_close()
        self.server.close_connections()
        for thread in self._threads:
            thread.join(timeout=5)
        self.crm.close()

    def __enter__(self) -> RunningSandbox:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


def start_sandbox(
    host: str = "127.0.0.1",
    port: int = 0,
    seed: int = 1,
    leads: int = 200,
    reps: int = 5,
    token: str | None = None,
    db: str | Path | None = None,
    rate_limit: RateLimits | None = DEFAULT_LIMITS,
    now: datetime | None = None,
    inbound_every: float | None = None,
    crm: SandboxCRM | None = None,
    portal: Portal | None = None,
) -> RunningSandbox:
    """Seed (or load `db`, or use `crm`) and serve on host:port (0: a free port).

    rate_limit=None turns rate limiting off (benchmarks); inbound_every adds a new inbound lead
    every so many seconds, as a live website would, and every second time a nurtured contact
    looks at the pricing page again (a lead that comes back, leadtui.domain.recycle). `portal`
    says what kind of HubSpot account it plays (default: not Enterprise, unique values only where
    HubSpot documents them).
    """
    crm = crm or SandboxCRM.open(seed=seed, leads=leads, reps=reps, now=now, db=db, portal=portal)
    token = token or f"pat-na1-{uuid.uuid4()}"
    faults = Faults()
    limiter = RateLimiter(rate_limit) if rate_limit is not None else None
    try:
        server = SandboxHTTPServer((host, port), HubSpotApi(crm), token, faults, limiter)
    except OSError:
        crm.close()
        raise
    bound_port = server.server_address[1]
    sandbox = RunningSandbox(f"http://{host}:{bound_port}", token, crm, faults, server)
    serving = threading.Thread(
        # A short poll interval: stop() waits for the loop to notice, and tests stop a lot.
        target=server.serve_forever,
        kwargs={"poll_interval": 0.05},
        name="sandbox-http",
        daemon=True,
    )
    serving.start()
    sandbox._threads.append(serving)
    if inbound_every:
        every = inbound_every

        def invent() -> None:
            ticks = 0
            while not sandbox._stopping.wait(every):
                crm.add_inbound_leads(1)
                ticks += 1
                if ticks % 2 == 0:  # now and then a nurtured lead looks at pricing again
                    crm.add_pricing_visit()

        inventor = threading.Thread(target=invent, name="sandbox-inbound", daemon=True)
        inventor.start()
        sandbox._threads.append(inventor)
    return sandbox


def main(argv: list[str] | None = None) -> int:
    """`leadtui sandbox`: serve in the foreground until SIGINT or SIGTERM."""
    parser = argparse.ArgumentParser(
        prog="leadtui sandbox", description="Run the sandbox HubSpot CRM on this machine."
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--leads", type=int, default=200)
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--db", help="SQLite file that keeps the data across restarts")
    parser.add_argument("--token", help="the Bearer token clients must send (default: random)")
    parser.add_argument(
        "--inbound-every",
        type=float,
        metavar="SECONDS",
        help="invent a new inbound lead this often",
    )
    parser.add_argument("--no-rate-limit", action="store_true", help="for benchmarks")
    parser.add_argument(
        "--enterprise",
        action="store_true",
        help="an Enterprise account: the web-activity events API answers",
    )
    parser.add_argument(
        "--unique-on-engagements",
        action="store_true",
        help="allow unique-value properties on calls, emails, meetings, notes, communications",
    )
    args = parser.parse_args(argv)
    if args.leads < 0 or args.reps < 1:
        print("leadtui sandbox: --leads must be 0 or more and --reps 1 or more.", file=sys.stderr)
        return 2
    try:
        sandbox = start_sandbox(
            host=args.host,
            port=args.port,
            seed=args.seed,
            leads=args.leads,
            reps=args.reps,
            token=args.token,
            db=args.db,
            rate_limit=None if args.no_rate_limit else DEFAULT_LIMITS,
            inbound_every=args.inbound_every,
            # A portal with history: two busy contacts and a rep who has left.
            portal=Portal(
                enterprise=args.enterprise,
                unique_on_engagements=args.unique_on_engagements,
                busy_contacts=2,
                former_owners=1,
            ),
        )
    except sqlite3.Error as failed:
        print(
            f"leadtui sandbox: cannot use {args.db} as its data file ({failed}).", file=sys.stderr
        )
        return 2
    except OSError as failed:
        print(
            f"leadtui sandbox: cannot listen on {args.host}:{args.port} ({failed.strerror}).",
            file=sys.stderr,
        )
        return 2
    print(json.dumps({"base_url": sandbox.base_url, "token": sandbox.token}), flush=True)
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    try:
        while not stop.wait(0.5):
            pass
    finally:
        sandbox.stop()
    return 0
