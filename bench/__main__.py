"""`python -m bench` (`make bench`): every benchmark in turn, then each figure beside its goal.

Each writes its own key of bench/results.json. Ratios are measured against their baselines in
the same run. About ten minutes on a quiet two-core machine, most of it the 100,000-contact pull;
the first run also seeds the 100,000-lead workspace (cached in the user cache dir).
"""

from __future__ import annotations

import importlib
import json
import sys
import time
from pathlib import Path

RESULTS = Path(__file__).with_name("results.json")

# (module, arguments): what `make bench` runs; each module runs alone with more options.
BENCHMARKS: tuple[tuple[str, list[str]], ...] = (
    ("startup", ["--repeat", "9"]),
    ("paint", ["--leads", "100000", "--repeat", "5"]),
    ("queue", ["--leads", "100000"]),
    ("cache_write", ["--leads", "50000"]),
    ("sync", ["--contacts", "100000", "--goals-only"]),
    ("requests", []),
)


def summary() -> list[str]:
    """One line a goal: the figure, the goal, met or not (from bench/results.json)."""
    data = json.loads(RESULTS.read_text(encoding="utf-8"))
    lines = []
    for name, goal in data.get("startup", {}).get("goals", {}).items():
        lines.append(_line(name, f"{goal['ratio']}x", f"<= {goal['goal']}x", goal["met"]))
    if "paint" in data:
        paint = data["paint"]
        lines.append(
            _line(
                f"first paint, {paint['leads']:,} leads, tmux",
                f"{paint['ratio']}x (CPU {paint['cpu_ratio']}x)",
                f"<= {paint['goal']}x",
                paint["met"],
            )
        )
        lines.append(
            f"  {'peak RSS at ' + format(paint['leads'], ',') + ' leads':<44}"
            f" {paint['queue_peak_rss_mb']} MB = {paint['rss_ratio']}x the empty app (reported)"
        )
    for name, goal in data.get("queue", {}).get("goals", {}).items():
        lines.append(_line(name, f"{goal['value']} ms", f"<= {goal['goal']:g} ms", goal["met"]))
    if "cache_write" in data:
        write = data["cache_write"]
        lines.append(
            _line("cache write vs raw executemany", f"{write['ratio']}x", ">= 0.5x", write["met"])
        )
    if "goal" in data.get("sync", {}):
        sync = data["sync"]
        lines.append(
            _line(
                f"first pull of {sync['contacts']:,} vs bare httpx",
                f"{sync['with_refresh_vs_bare_loop']}x",
                f">= {sync['goal']}x",
                sync["met"],
            )
        )
    for portal, rows in data.get("requests", {}).items():
        for row in rows:
            per = row["first_pull_per_1000_contacts"]
            lines.append(
                _line(
                    f"first pull requests per 1,000 ({portal}, {row['contacts']:,})",
                    f"{per}",
                    "<= 30",
                    per <= 30,
                )
            )
            lines.append(
                f"  {'incremental pull, nothing changed (' + portal + ')':<44}"
                f" {row['incremental_pull_requests']} requests (a handful)"
            )
    return lines


def _line(name: str, value: str, goal: str, met: bool) -> str:
    return f"  {name:<44} {value:<22} goal {goal:<10} {'met' if met else 'NOT MET'}"


def main() -> int:
    started = time.perf_counter()
    failed = 0
    for name, argv in BENCHMARKS:
        module = importlib.import_module(f"bench.{name}")
        print(f"== bench.{name}", flush=True)
        failed += module.main(argv) != 0
    print(f"== goals (bench/results.json; {time.perf_counter() - started:.0f} s in all)")
    print("\n".join(summary()))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
