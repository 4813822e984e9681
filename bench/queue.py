"""The queue at 100,000 cached leads, live: one clock tick, one filter keystroke and one page of
scrolling, each from the key (or the tick) to the repaint, beside the goals of issue 15 (a tick
under 2 ms of work, a keystroke and a page under one frame, 16 ms). The same keystroke into an
empty app's Input is measured in the same run, for what Textual itself costs.

    python -m bench.queue [--leads 100000] [--first-paint 1000,10000]

Figures are CPU milliseconds of the whole process (all threads) per event, medians: on a machine
other people load, wall time says more about them than about leadtui (it is kept beside).
`--first-paint` also times first paint in-process (Pilot) at those sizes against an empty app and
a DataTable holding the same rows; bench/paint.py times it in a real terminal.

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


async def settle(pilot: Any) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


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


async def _press(pilot: Any, key: str) -> tuple[float, float]:
    """(CPU ms, wall ms) from pressing `key` to the screen repainted with every worker done."""
    cpu, wall = time.process_time(), time.perf_counter()
    await pilot.press(key)
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    return (time.process_time() - cpu) * 1000, (time.perf_counter() - wall) * 1000


async def _press_until(pilot: Any, key: str, shown: Callable[[], bool]) -> tuple[float, float]:
    """(CPU ms, wall ms) from pressing `key` to a repaint after which `shown()` holds; work a
    key starts for later (prefetching the next page) may still run, and counts while it does."""
    cpu, wall = time.process_time(), time.perf_counter()
    await pilot.press(key)
    await pilot.pause()
    while not shown():
        await pilot.pause(0.001)
    return (time.process_time() - cpu) * 1000, (time.perf_counter() - wall) * 1000


class InputApp(App[None]):
    def compose(self) -> ComposeResult:
        from textual.widgets import Input

        yield Static("leadtui bench: an Input")
        yield Input()


async def _input_keystroke() -> float:
    """CPU ms per keystroke into a bare Input: Textual's own cost of a key and its repaint."""
    from textual.widgets import Input

    app = InputApp()
    async with app.run_test(size=SIZE) as pilot:
        app.query_one(Input).focus()
        await pilot.pause()
        return statistics.median([(await _press(pilot, key))[0] for key in "kofasd"])


async def _tick_and_filter(folder: Path, ticks: int = 20) -> dict[str, float]:
    """CPU ms for one clock tick, one filter keystroke and one page down, on a fully loaded
    queue (medians; wall ms kept beside)."""
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
            started, cpu = time.perf_counter(), time.thread_time()
            screen.tick()
            times.append(time.thread_time() - cpu)
            await pilot.pause()
            painted.append(time.perf_counter() - started)
        out["tick_ms"] = statistics.median(times) * 1000
        out["tick_with_repaint_wall_ms"] = statistics.median(painted) * 1000
        table = screen.query_one(QueueTable)

        def page_shown() -> bool:
            return all(table.row(i) is not None for i in table.visible_lead_ids())

        await settle(pilot)  # the first page's neighbours are fetched
        pages = []
        for _ in range(6):
            pages.append(await _press_until(pilot, "pagedown", page_shown))
            await settle(pilot)  # what the key started for later is not the next key's
        out["page_down_ms"] = statistics.median(c for c, _ in pages)
        out["page_down_wall_ms"] = statistics.median(w for _, w in pages)
        await pilot.press("slash")
        await pilot.pause()
        typed, erased = [], []
        for key in "kof":
            typed.append(await _press_until(pilot, key, page_shown))
            await settle(pilot)
        out["filter_matches"] = len(table.order)
        for _ in range(3):  # back to the whole queue
            erased.append(await _press_until(pilot, "backspace", page_shown))
            await settle(pilot)
        keys = typed + erased
        out["filter_keystroke_ms"] = statistics.median(c for c, _ in keys)
        out["filter_keystroke_wall_ms"] = statistics.median(w for _, w in keys)
        out["filter_typing_ms"] = statistics.median(c for c, _ in typed)
        out["filter_erasing_ms"] = statistics.median(c for c, _ in erased)
        out["queue_leads"] = len(table.order)
    return out


def first_paint(sizes: list[int], repeat: int) -> dict[str, Any]:
    """In-process first paint (Pilot) against an empty app and a DataTable of the same rows."""
    results: dict[str, Any] = {"terminal": f"{SIZE[0]}x{SIZE[1]}", "sizes": {}}
    _probe_queue_table()
    empty = _median(repeat, lambda: _paint(EmptyApp))
    results["empty_app_first_paint_s"] = round(empty, 4)
    for size in sizes:
        folder = workspace_dir(size)
        make = _queue_app(folder)
        queue = _median(repeat, lambda make=make: _paint(make))  # type: ignore[misc]
        rows = _table_rows(folder)
        table = _median(1, lambda rows=rows: _paint(lambda: TableApp(rows)))  # type: ignore[misc]
        results["sizes"][str(size)] = {
            "leads": size,
            "queue_rows": len(rows),
            "queue_first_paint_s": round(queue, 4),
            "datatable_first_paint_s": round(table, 4),
            "vs_empty_app": round(queue / empty, 2),
            "datatable_vs_queue": round(table / queue, 1),
        }
        print(
            f"  in-process first paint at {size:,} leads: {queue * 1000:.0f} ms"
            f" = {queue / empty:.2f}x the empty app; a DataTable {table / queue:.1f}x slower"
        )
    return results


TICK_GOAL_MS, FRAME_MS = 2.0, 16.0


def run(leads: int, first_paint_sizes: list[int]) -> dict[str, Any]:
    results: dict[str, Any] = {}
    if first_paint_sizes:
        results["in_process_first_paint"] = first_paint(first_paint_sizes, 3)
    live = asyncio.run(_tick_and_filter(workspace_dir(leads)))
    live["bare_input_keystroke_ms"] = asyncio.run(_input_keystroke())
    results[f"at_{leads}"] = {k: round(v, 2) for k, v in live.items()}
    results["goals"] = {
        "tick_ms": {"value": live["tick_ms"], "goal": TICK_GOAL_MS},
        "filter_keystroke_ms": {"value": live["filter_keystroke_ms"], "goal": FRAME_MS},
        "page_down_ms": {"value": live["page_down_ms"], "goal": FRAME_MS},
    }
    for goal in results["goals"].values():
        goal["value"] = round(goal["value"], 2)
        goal["met"] = goal["value"] <= goal["goal"]
    return results


def report(results: dict[str, Any], leads: int) -> None:
    live = results[f"at_{leads}"]
    print(
        f"  at {leads:,} leads ({live['queue_leads']:,.0f} in the rep's queue), CPU ms per event:"
    )
    for name, goal in results["goals"].items():
        mark = "met" if goal["met"] else "NOT MET"
        wall = live.get(name.replace("_ms", "_wall_ms"), live.get("tick_with_repaint_wall_ms"))
        print(
            f"    {name:<22} {goal['value']:7.2f} ms   goal <= {goal['goal']:g} ms   {mark}"
            f"   (wall {wall:.0f} ms)"
        )
    print(
        f"    filter: typing {live['filter_typing_ms']:.1f} ms a key (narrowing), erasing"
        f" {live['filter_erasing_ms']:.1f} ms (widening to the whole queue); a bare Input's"
        f" keystroke {live['bare_input_keystroke_ms']:.1f} ms (Textual alone)"
    )
    if not results["goals"]["filter_keystroke_ms"]["met"]:
        # Profiled (issue 15's note): one repaint a key and no database read; what is left is
        # Textual's key handling and repaint, the table and its scrollbar, and the match.
        print(
            f"    why: {live['bare_input_keystroke_ms']:.1f} ms of a key is Textual's own (a bare"
            " Input); the queue adds the match over the queued texts (2-3 ms), its table's and"
            " scrollbar's repaint (3-5 ms) and the status line; runs of this bench on one"
            " machine vary by a few ms, so a key near 16 ms is met in some runs and not others"
        )


def merge(key: str, value: Any, path: Path = RESULTS) -> None:
    """Read-modify-write: other benchmarks keep their own keys in the same file."""
    data = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    data[key] = value
    path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.queue")
    parser.add_argument("--leads", type=int, default=100_000)
    parser.add_argument("--first-paint", default="", help="sizes, e.g. 1000,10000")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.first_paint.split(",") if s]
    results = run(args.leads, sizes)
    report(results, args.leads)
    results["measured_at"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    merge("queue", results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
