"""`python -m bench`: run every benchmark in turn (`make bench`)."""

from __future__ import annotations

import importlib
import sys

BENCHMARKS = ("startup", "queue", "sync")


def main() -> int:
    failed = 0
    for name in BENCHMARKS:
        try:
            module = importlib.import_module(f"bench.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"bench.{name}":
                continue  # not written yet
            raise
        print(f"== bench.{name}", flush=True)
        failed += module.main([]) != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
