"""Start-up of the commands a script or a rep runs many times a day, against bare interpreters
measured in the same run:

- `leadtui --help` and `leadtui <command> --help` against `python -c pass` (goal: at most 3x);
- `leadtui queue --format json` on a 1,000-lead cache against `python -c "import sqlite3, json"`
  reading the same rows with plain sqlite3 (goal: at most 2x).

    python -m bench.startup [--repeat 9]

Each command runs in a fresh process; the figure is the median CPU time (user + system) of the
process, which other work on a loaded machine disturbs far less than wall time (both are kept).
Bytecode is compiled first: a user's installed leadtui always has it, and measuring Python's
compiler (PYTHONDONTWRITEBYTECODE) would say nothing about leadtui.
"""

from __future__ import annotations

import argparse
import compileall
import os
import resource
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.queue import NOW, merge, workspace_dir

ROOT = Path(__file__).resolve().parent.parent
NOW_FLAG = f"--now={NOW.isoformat()}"
HELP_GOAL, QUEUE_GOAL = 3.0, 2.0

# The rows `leadtui queue` reads for one rep: open leads, their touches, enrolments and events.
READ_ROWS = """
import sqlite3, json, sys
conn = sqlite3.connect(sys.argv[1])
mine = "SELECT id FROM lead WHERE archived = 0 AND status IN ('new', 'working', 'nurture') "
mine += "AND lower(owner) = ?"
for sql in (
    f"SELECT * FROM lead WHERE id IN ({mine}) ORDER BY id",
    f"SELECT * FROM touch WHERE lead_id IN ({mine}) ORDER BY lead_id, occurred_at, id",
    f"SELECT * FROM enrolment WHERE lead_id IN ({mine})",
    "SELECT lead_id, kind, url, title FROM event WHERE kind IN ('page_view', 'download') "
    f"AND lead_id IN ({mine}) ORDER BY lead_id, occurred_at, id",
):
    conn.execute(sql, [sys.argv[2]]).fetchall()
"""


def _environment(data_dir: Path | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.pop("LEADTUI_CONFIG", None)
    if data_dir is not None:
        env["LEADTUI_DATA_DIR"] = str(data_dir)
    return env


def compile_bytecode() -> None:
    for folder in ("leadtui", "widgets", "sync"):
        compileall.compile_dir(ROOT / folder, quiet=1)
    compileall.compile_dir(sysconfig.get_paths()["purelib"], quiet=1, workers=2)


def _run(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(CPU seconds, wall seconds) of one run of `command`."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed: {done.stderr.decode()[-500:]}")
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return cpu, wall


def _medians(
    commands: dict[str, list[str]], env: dict[str, str], repeat: int
) -> dict[str, dict[str, float]]:
    """Interleaved runs (a burst of load hits every command alike); medians in ms."""
    runs: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
    for command in commands.values():
        _run(command, env)  # warm the page cache and the remembered config
    for _ in range(repeat):
        for name, command in commands.items():
            runs[name].append(_run(command, env))
    return {
        name: {
            "cpu_ms": round(statistics.median(c for c, _ in found) * 1000, 1),
            "wall_ms": round(statistics.median(w for _, w in found) * 1000, 1),
        }
        for name, found in runs.items()
    }


def run(repeat: int) -> dict[str, Any]:
    compile_bytecode()
    # A private copy of the seeded workspace: the config it remembers as validated is stamped
    # with the code that validated it (leadtui.checked_config), so a checkout sharing the cache
    # that runs meanwhile would send some of these runs down the full path.
    with tempfile.TemporaryDirectory(prefix="leadtui-startup-") as own:
        folder = Path(own) / "workspace"
        shutil.copytree(workspace_dir(1000), folder)
        return _measure(folder, repeat)


def _measure(folder: Path, repeat: int) -> dict[str, Any]:
    python = sys.executable
    leadtui = str(Path(python).with_name("leadtui"))
    owner = _owner(folder)
    commands = {
        "python -c pass": [python, "-c", "pass"],
        "leadtui --help": [leadtui, "--help"],
        "leadtui queue --help": [leadtui, "queue", "--help"],
        "leadtui log --help": [leadtui, "log", "--help"],
        "python -c 'import sqlite3, json' + read rows": [
            python,
            "-c",
            READ_ROWS,
            str(folder / "leadtui.db"),
            owner,
        ],
        "leadtui queue --format json": [leadtui, NOW_FLAG, "queue", "--format", "json"],
    }
    found = _medians(commands, _environment(folder), repeat)
    bare = found["python -c pass"]["cpu_ms"]
    read = found["python -c 'import sqlite3, json' + read rows"]["cpu_ms"]
    results: dict[str, Any] = {"commands": found, "goals": {}}
    for name in ("leadtui --help", "leadtui queue --help", "leadtui log --help"):
        ratio = found[name]["cpu_ms"] / bare
        results["goals"][name] = {
            "ratio": round(ratio, 2),
            "goal": HELP_GOAL,
            "met": ratio <= HELP_GOAL,
        }
    ratio = found["leadtui queue --format json"]["cpu_ms"] / read
    results["goals"]["leadtui queue --format json"] = {
        "ratio": round(ratio, 2),
        "goal": QUEUE_GOAL,
        "met": ratio <= QUEUE_GOAL,
    }
    return results


def _owner(folder: Path) -> str:
    import tomllib

    config = tomllib.loads((folder / "config.toml").read_text(encoding="utf-8"))
    return str(config["user"]["email"]).lower()


def report(results: dict[str, Any]) -> None:
    for name, figures in results["commands"].items():
        print(f"  {name:<48} {figures['cpu_ms']:7.1f} ms CPU  ({figures['wall_ms']:.0f} ms wall)")
    for name, goal in results["goals"].items():
        mark = "met" if goal["met"] else "NOT MET"
        print(f"  {name:<48} {goal['ratio']:.2f}x   goal <= {goal['goal']}x   {mark}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.startup")
    parser.add_argument("--repeat", type=int, default=9)
    args = parser.parse_args(argv)
    results = run(args.repeat)
    report(results)
    results["measured_at"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    merge("startup", results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
