"""Writing the cache: leadtui's pull writes (sync.cache.write_page, page by page, one transaction
a page) against raw `sqlite3.executemany` of the same rows into the same schema, in one run.
The goal of issue 15: at least 0.5x the raw write's speed.

    python -m bench.cache_write [--leads 100000]

The rows are demo leads with their events and touches, in pages of 100 as a pull brings them.
The raw side replays exactly the rows leadtui stored (read back from its file), with the same
page size and commits, into a fresh cache with the same tables and indexes.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.queue import NOW, merge
from leadtui.config import Locations, parse
from leadtui.demo import generate
from leadtui.workspace import Workspace
from sync import cache
from sync.protocol import PulledEvent, PulledLead, PulledTouch

PAGE = 100
GOAL = 0.5
TABLES = ("lead", "event", "touch")
PLURAL = {"lead": "leads", "event": "events", "touch": "touches"}


def pages(leads: int) -> list[list[PulledLead]]:
    data = generate(seed=5, leads=leads, reps=8, now=NOW)
    pulled = []
    for made in data.leads:
        key = f"c{made.lead.id}"
        pulled.append(
            PulledLead(
                lead=made.lead._replace(id=0, crm_id=key),
                modified_at=NOW,
                events=tuple(PulledEvent(f"{key}-e{i}", e) for i, e in enumerate(made.events)),
                touches=tuple(PulledTouch(f"{key}-t{i}", t) for i, t in enumerate(made.touches)),
            )
        )
    return [pulled[i : i + PAGE] for i in range(0, len(pulled), PAGE)]


def _workspace(folder: Path) -> Workspace:
    folder.mkdir()
    return Workspace.open(parse("[user]\nrole = 'manager'\n"), Locations(folder / "c.toml", folder))


def leadtui_write(folder: Path, batches: list[list[PulledLead]]) -> tuple[float, float]:
    """(CPU seconds, wall seconds) of leadtui writing these pages."""
    ws = _workspace(folder)
    try:
        cpu, started = time.process_time(), time.perf_counter()
        for page in batches:
            with ws.session() as session:
                cache.write_page(session.connection(), page, NOW)
        return time.process_time() - cpu, time.perf_counter() - started
    finally:
        ws.close()


def stored_rows(database: Path) -> dict[str, tuple[list[str], list[tuple[Any, ...]]]]:
    with sqlite3.connect(database) as conn:
        found = {}
        for table in TABLES:
            cursor = conn.execute(f'SELECT * FROM "{table}" ORDER BY id')
            found[table] = ([c[0] for c in cursor.description], cursor.fetchall())
        return found


def raw_write(
    folder: Path, rows: dict[str, tuple[list[str], list[tuple[Any, ...]]]]
) -> tuple[float, float]:
    _workspace(folder).close()  # the same tables and indexes, empty
    leads = rows["lead"][1]
    by_lead: dict[str, dict[int, list[tuple[Any, ...]]]] = {}
    for table in ("event", "touch"):
        names, found = rows[table]
        at = names.index("lead_id")
        grouped: dict[int, list[tuple[Any, ...]]] = {}
        for row in found:
            grouped.setdefault(row[at], []).append(row)
        by_lead[table] = grouped
    sql = {
        table: f'INSERT INTO "{table}" ({", ".join(f"{c!r}" for c in rows[table][0])}) '
        f"VALUES ({', '.join('?' for _ in rows[table][0])})"
        for table in TABLES
    }
    # The same pages: each page's leads, then their events and touches, one commit a page.
    batches = []
    for start in range(0, len(leads), PAGE):
        page = leads[start : start + PAGE]
        ids = [row[0] for row in page]
        events = [r for i in ids for r in by_lead["event"].get(i, [])]
        touches = [r for i in ids for r in by_lead["touch"].get(i, [])]
        batches.append((page, events, touches))
    conn = sqlite3.connect(folder / "leadtui.db")
    try:
        conn.execute("PRAGMA synchronous=NORMAL")  # as leadtui's engine sets it
        cpu, started = time.process_time(), time.perf_counter()
        for page, events, touches in batches:
            conn.executemany(sql["lead"], page)
            conn.executemany(sql["event"], events)
            conn.executemany(sql["touch"], touches)
            conn.commit()
        return time.process_time() - cpu, time.perf_counter() - started
    finally:
        conn.close()


def run(leads: int) -> dict[str, Any]:
    batches = pages(leads)
    with tempfile.TemporaryDirectory() as tmp:
        ours = leadtui_write(Path(tmp) / "leadtui", batches)
        rows = stored_rows(Path(tmp) / "leadtui" / "leadtui.db")
        raw = raw_write(Path(tmp) / "raw", rows)
    counts = {table: len(rows[table][1]) for table in TABLES}
    ratio = raw[0] / ours[0]  # CPU: on a loaded machine wall time measures the neighbours
    return {
        "leads": leads,
        "rows": counts,
        "leadtui_write_cpu_s": round(ours[0], 3),
        "raw_executemany_cpu_s": round(raw[0], 3),
        "leadtui_write_wall_s": round(ours[1], 3),
        "raw_executemany_wall_s": round(raw[1], 3),
        "wall_ratio": round(raw[1] / ours[1], 2),
        "ratio": round(ratio, 2),
        "goal": GOAL,
        "met": ratio >= GOAL,
    }


def report(results: dict[str, Any]) -> None:
    mark = "met" if results["met"] else "NOT MET"
    rows = ", ".join(f"{n:,} {PLURAL[t]}" for t, n in results["rows"].items())
    print(
        f"  cache write of {rows}: leadtui {results['leadtui_write_cpu_s']:.2f} s CPU, raw"
        f" executemany {results['raw_executemany_cpu_s']:.2f} s = {results['ratio']}x"
        f"   goal >= {GOAL}x   {mark}   (wall {results['wall_ratio']}x)"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.cache_write")
    parser.add_argument("--leads", type=int, default=100_000)
    args = parser.parse_args(argv)
    results = run(args.leads)
    report(results)
    results["measured_at"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    merge("cache_write", results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
