"""Time to first paint of the queue at 1k / 10k / 100k cached leads, against two baselines
measured in the same run: an empty Textual app, and Textual's DataTable holding the same rows.
Also one clock tick and one filter keystroke on the biggest queue.

    python -m bench.queue [--sizes 1000,10000,100000] [--repeat 3]

Seeding is setup (cached in the user cache dir) and never timed. Results are printed and merged
into bench/results.json under "queue" (other benchmarks keep their own keys).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import shutil
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import platformdirs
from textual.app import App, ComposeResult
from textual.widgets import DataTable, Static

from leadtui.config import TEMPLATE, Locations, parse
from leadtui.workspace import Workspace

# Seeded workspaces are made once and kept in the user cache dir: seeding 100,000 leads derives
# every lead's figures and takes minutes, and it is setup, not what is measured.
NOW = datetime(2026, 11, 18, 15, 0, tzinfo=UTC)  # fixed: every run sees the same queue
SEED = 7


def cache_dir() -> Path:
    return Path(platformdirs.user_cache_dir("leadtui")) / "bench"


def workspace_dir(leads: int) -> Path:
    """A folder holding config.toml and leadtui.db with `leads` leads, all owned by one rep."""
    from leadtui.demo import generate

    folder = cache_dir() / f"queue-{leads}-{SEED}"
    if (folder / "ready").exists():
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    started = time.perf_counter()
    print(f"  seeding {leads:,} leads into {folder} (once)...", file=sys.stderr, flush=True)
    data = generate(seed=SEED, leads=leads, reps=1, now=NOW)
    text = TEMPLATE.format(
        email=data.owners[0].email, base_url="https://api.hubapi.com", timezone="America/New_York"
    )
    (folder / "config.toml").write_text(text, encoding="utf-8")
    ws = open_workspace(folder)
    try:
        ws.seed(data.owners, data.leads, NOW)
    finally:
        ws.close()
    (folder / "ready").write_text("")
    took = time.perf_counter() - started
    print(f"  seeded in {took:.0f} s", file=sys.stderr, flush=True)
    return folder


def open_workspace(folder: Path) -> Workspace:
    config = parse((folder / "config.toml").read_text(encoding="utf-8"))
    return Workspace.open(config, Locations(folder / "config.toml", folder))


SIZE = (120, 35)
RESULTS = Path(__file__).with_name("results.json")


PAINTED: list[float] = []  # perf_counter() of the first frame showing content, per run


def _painted() -> None:
    if not PAINTED:
        PAINTED.append(time.perf_counter())


class Probe(Static):
    def render(self) -> Any:
        _painted()
        return super().render()


class EmptyApp(App[None]):
    def compose(self) -> ComposeResult:
        yield Probe("")


class ProbeTable(DataTable[str]):
    def render_line(self, y: int) -> Any:
        strip = super().render_line(y)
        if y > 0 and self.row_count:
            _painted()
        return strip


class TableApp(App[None]):
    """The baseline a naive queue would be: every row handed to a DataTable."""

    def __init__(self, rows: list[tuple[str, ...]]) -> None:
        super().__init__()
        self.rows = rows

    def compose(self) -> ComposeResult:
        yield ProbeTable(cursor_type="row")

    def on_mount(self) -> None:
        table = self.query_one(ProbeTable)
        table.add_columns("SLA", "Name", "Company", "Band", "Source", "Next", "Done", "Age")
        table.add_rows(self.rows)


def _probe_queue_table() -> None:
    """Note when the queue first paints a real row (a lead's cells, not a placeholder)."""
    from widgets.queue_table import QueueTable

    if getattr(QueueTable, "_probed", False):
        return
    original = QueueTable.render_line

    def render_line(self: QueueTable, y: int) -> Any:
        strip = original(self, y)
        if y > 0 and self._painted.get(y, ("blank",))[0] not in ("blank", "wanted"):
            _painted()
        return strip

    QueueTable.render_line = render_line  # type: ignore[method-assign]
    QueueTable._probed = True  # type: ignore[attr-defined]


async def _until(check: Callable[[], bool], timeout: float = 180.0) -> None:
    deadline = time.perf_counter() + timeout
    while not check():
        if time.perf_counter() > deadline:
            raise TimeoutError("the app never got there")
        await asyncio.sleep(0.001)


async def _paint(make: Callable[[], App[None]]) -> float:
    """Seconds from constructing the app to the first frame that shows its content."""
    gc.collect()
    PAINTED.clear()
    started = time.perf_counter()
    app = make()
    async with app.run_test(size=SIZE):
        await _until(lambda: bool(PAINTED))
    return PAINTED[0] - started


def _queue_app(folder: Path) -> Callable[[], App[None]]:
    from leadtui.app import LeadTuiApp

    def make() -> App[None]:
        return LeadTuiApp(open_workspace(folder), lambda: NOW)

    return make


def _table_rows(folder: Path) -> list[tuple[str, ...]]:
    """The same leads as the queue shows, as DataTable cells (not timed)."""
    from leadtui.store import queries
    from widgets.queue_row import span

    ws = open_workspace(folder)
    try:
        with ws.session() as session:
            rows = queries.leads(session, owner=ws.me or None, open_only=True)
            return [
                (
                    r.status,
                    r.name,
                    r.company,
                    f"{r.band} {r.score}",
                    r.source,
                    "",
                    str(r.human_touches),
                    span((NOW - r.created_at).total_seconds()),
                )
                for r in rows
            ]
    finally:
        ws.close()


def _median(runs: int, measure: Callable[[], Awaitable[float]]) -> float:
    return statistics.median(asyncio.run(measure()) for _ in range(runs))


async def _tick_and_filter(folder: Path, ticks: int = 20) -> dict[str, float]:
    """Milliseconds for one clock tick and one filter keystroke, on a fully loaded queue."""
    from leadtui.app import LeadTuiApp
    from leadtui.screens.queue_screen import QueueScreen
    from widgets.queue_table import QueueTable

    clock = [NOW]
    app = LeadTuiApp(open_workspace(folder), lambda: clock[0])
    out: dict[str, float] = {}
    async with app.run_test(size=SIZE) as pilot:
        await _until(
            lambda: (
                isinstance(app.screen, QueueScreen)
                and app.screen.snapshot is not None
                and not app.screen.snapshot.partial
            )
        )
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, QueueScreen)
        times, painted = [], []
        for _ in range(ticks):
            clock[0] += timedelta(seconds=1)
            started = time.perf_counter()
            screen.tick()
            times.append(time.perf_counter() - started)
            await pilot.pause()
            painted.append(time.perf_counter() - started)
        out["tick_ms"] = statistics.median(times) * 1000
        out["tick_with_repaint_ms"] = statistics.median(painted) * 1000
        table = screen.query_one(QueueTable)
        await pilot.press("slash")
        await pilot.pause()
        times = []
        for key in "kof":
            started = time.perf_counter()
            await pilot.press(key)
            await app.workers.wait_for_complete()
            await pilot.pause()
            times.append(time.perf_counter() - started)
        out["filter_keystroke_ms"] = statistics.median(times) * 1000
        out["filter_matches"] = len(table.order)
    return out


def run(sizes: list[int], repeat: int) -> dict[str, Any]:
    results: dict[str, Any] = {"terminal": f"{SIZE[0]}x{SIZE[1]}", "sizes": {}}
    _probe_queue_table()
    empty = _median(repeat, lambda: _paint(EmptyApp))
    results["empty_app_first_paint_s"] = round(empty, 4)
    print(f"empty app first paint: {empty * 1000:.0f} ms")
    for size in sizes:
        folder = workspace_dir(size)
        make = _queue_app(folder)
        queue = _median(repeat, lambda make=make: _paint(make))  # type: ignore[misc]
        rows = _table_rows(folder)
        # DataTable at 100k takes long enough that one run says it.
        table_runs = 1 if len(rows) > 20_000 else repeat
        table = _median(
            table_runs,
            lambda rows=rows: _paint(lambda: TableApp(rows)),  # type: ignore[misc]
        )
        entry = {
            "leads": size,
            "queue_rows": len(rows),
            "queue_first_paint_s": round(queue, 4),
            "datatable_first_paint_s": round(table, 4),
            "vs_empty_app": round(queue / empty, 2),
            "datatable_vs_queue": round(table / queue, 1),
        }
        results["sizes"][str(size)] = entry
        print(
            f"{size:>7,} leads ({len(rows):,} in the queue): first paint {queue * 1000:.0f} ms"
            f" = {entry['vs_empty_app']}x the empty app; DataTable {table * 1000:.0f} ms"
            f" = {entry['datatable_vs_queue']}x slower"
        )
    biggest = max(sizes)
    live = asyncio.run(_tick_and_filter(workspace_dir(biggest)))
    results[f"at_{biggest}"] = {k: round(v, 2) for k, v in live.items()}
    print(
        f"at {biggest:,} leads: one tick {live['tick_ms']:.1f} ms "
        f"({live['tick_with_repaint_ms']:.1f} ms with its repaint), one filter keystroke "
        f"{live['filter_keystroke_ms']:.0f} ms"
    )
    return results


def merge(key: str, value: Any, path: Path = RESULTS) -> None:
    """Read-modify-write: other benchmarks keep their own keys in the same file."""
    data = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    data[key] = value
    path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.queue")
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s]
    results = run(sizes, args.repeat)
    results["measured_at"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    merge("queue", results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
