"""First paint in a real terminal: the queue at 100,000 cached leads against an empty Textual app,
both started in the same tmux pane in the same run, and their peak resident memory.

    python -m bench.paint [--leads 100000] [--repeat 5]

Each run respawns the pane with the program and polls the screen (`tmux capture-pane`) every few
milliseconds until the content shows: for the queue, the header and a lead's row (not the
placeholder); for the empty app, its one line. The time is from the respawn to that capture, so
tmux's polling cost is in both. Peak RSS (VmHWM) is read once the queue has loaded in full (its
status line counts the leads), for the empty app once it painted.
"""

from __future__ import annotations

import argparse
import os
import shlex
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.empty_app import READY
from bench.queue import NOW, merge, workspace_dir
from bench.startup import compile_bytecode

SIZE = (120, 35)
GOAL = 2.0
POLL_SECONDS = 0.004


def _tmux(*args: str) -> str:
    done = subprocess.run(["tmux", *args], capture_output=True, text=True, check=False)
    return done.stdout


class Pane:
    """One detached tmux session whose pane is respawned with each program."""

    def __init__(self) -> None:
        self.name = f"leadtui-bench-{os.getpid()}"
        width, height = SIZE
        _tmux(
            "new-session", "-d", "-s", self.name, "-x", str(width), "-y", str(height), "sleep 9999"
        )

    def run(
        self, command: list[str], env: dict[str, str], shown: Callable[[str], bool]
    ) -> tuple[float, float]:
        """Seconds from starting `command` to a screen for which `shown` is true, and the CPU
        seconds the program used by then (what other work on a loaded machine disturbs least;
        the kernel counts it in ticks of 10 ms)."""
        assignments = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())
        line = f"exec env -i {assignments} {shlex.join(command)}"
        _tmux("respawn-pane", "-k", "-t", self.name, line)
        started = time.perf_counter()
        deadline = started + 120
        while time.perf_counter() < deadline:
            if shown(self.screen()):
                return time.perf_counter() - started, self.cpu_seconds()
            time.sleep(POLL_SECONDS)
        raise TimeoutError(f"{command} never showed its content:\n{self.screen()}")

    def screen(self) -> str:
        return _tmux("capture-pane", "-p", "-t", self.name)

    def pid(self) -> str:
        return _tmux("display-message", "-p", "-t", self.name, "#{pane_pid}").strip()

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.pid()}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def peak_rss_mb(self) -> float:
        for line in Path(f"/proc/{self.pid()}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    def wait_for(self, shown: Callable[[str], bool], timeout: float = 300) -> None:
        deadline = time.perf_counter() + timeout
        while not shown(self.screen()):
            if time.perf_counter() > deadline:
                raise TimeoutError(self.screen())
            time.sleep(0.1)

    def close(self) -> None:
        _tmux("kill-session", "-t", self.name)


def queue_row_shown(screen: str) -> bool:
    lines = screen.splitlines()
    for i, line in enumerate(lines[:-1]):
        if "Name" in line and "Company" in line:
            below = lines[i + 1].strip()
            return bool(below) and not below.startswith("…")
    return False


def queue_loaded(screen: str) -> bool:
    first = screen.splitlines()[0] if screen else ""
    return " leads" in first and "loading" not in first


def _environment(data_dir: Path) -> dict[str, str]:
    keep = ("PATH", "HOME", "LANG", "LC_ALL", "TERM", "USER")
    env = {k: os.environ[k] for k in keep if k in os.environ}
    env.setdefault("TERM", "xterm-256color")
    env["COLORTERM"] = "truecolor"
    env["LEADTUI_DATA_DIR"] = str(data_dir)
    return env


def run(leads: int, repeat: int) -> dict[str, Any]:
    compile_bytecode()
    folder = workspace_dir(leads)
    python = sys.executable
    leadtui = str(Path(python).with_name("leadtui"))
    env = _environment(folder)
    env_empty = {**env, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    pane = Pane()
    empty: list[tuple[float, float]] = []
    queue: list[tuple[float, float]] = []
    rss: dict[str, float] = {}
    try:
        for attempt in range(repeat + 1):  # the first of each warms the page cache: not counted
            took = pane.run([python, "-m", "bench.empty_app"], env_empty, lambda s: READY in s)
            rss["empty_app_peak_rss_mb"] = round(pane.peak_rss_mb(), 1)
            if attempt:
                empty.append(took)
            took = pane.run([leadtui, f"--now={NOW.isoformat()}"], env, queue_row_shown)
            if attempt:
                queue.append(took)
            if attempt == repeat:
                pane.wait_for(queue_loaded)
                time.sleep(2)  # a tick or two and a reload's worth of work
                rss["queue_peak_rss_mb"] = round(pane.peak_rss_mb(), 1)
    finally:
        pane.close()
    first_empty = statistics.median(w for w, _ in empty)
    first_queue = statistics.median(w for w, _ in queue)
    cpu_empty = statistics.median(c for _, c in empty)
    cpu_queue = statistics.median(c for _, c in queue)
    ratio = first_queue / first_empty
    return {
        "leads": leads,
        "terminal": f"tmux {SIZE[0]}x{SIZE[1]}",
        "empty_app_first_paint_s": round(first_empty, 3),
        "queue_first_paint_s": round(first_queue, 3),
        "runs_s": {
            "empty_app": [round(w, 3) for w, _ in empty],
            "queue": [round(w, 3) for w, _ in queue],
        },
        "empty_app_cpu_to_first_paint_s": round(cpu_empty, 3),
        "queue_cpu_to_first_paint_s": round(cpu_queue, 3),
        "cpu_ratio": round(cpu_queue / cpu_empty, 2),
        "ratio": round(ratio, 2),
        "goal": GOAL,
        "met": ratio <= GOAL,
        **rss,
        "rss_ratio": round(rss["queue_peak_rss_mb"] / rss["empty_app_peak_rss_mb"], 2),
    }


def report(results: dict[str, Any]) -> None:
    mark = "met" if results["met"] else "NOT MET"
    print(
        f"  first paint in {results['terminal']}: queue at {results['leads']:,} leads "
        f"{results['queue_first_paint_s'] * 1000:.0f} ms, empty app "
        f"{results['empty_app_first_paint_s'] * 1000:.0f} ms = {results['ratio']}x"
        f"   goal <= {results['goal']}x   {mark}"
    )
    print(
        f"  CPU until first paint: queue {results['queue_cpu_to_first_paint_s'] * 1000:.0f} ms,"
        f" empty app {results['empty_app_cpu_to_first_paint_s'] * 1000:.0f} ms"
        f" = {results['cpu_ratio']}x"
    )
    print(
        f"  peak RSS: queue {results['queue_peak_rss_mb']} MB, empty app "
        f"{results['empty_app_peak_rss_mb']} MB = {results['rss_ratio']}x   (reported)"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.paint")
    parser.add_argument("--leads", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    results = run(args.leads, args.repeat)
    report(results)
    results["measured_at"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    merge("paint", results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
