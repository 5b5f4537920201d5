"""Run every benchmark, one after the other, each printing its own side-by-side ratios.

    make bench                      # all of them
    .venv/bin/python benchmarks/run.py dispatch cli_startup   # some of them

Benchmarks are separate scripts so each can also be run (and read) alone.
Machines are shared and noisy: read the ratios, not the absolute times.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ORDER = ["dispatch", "cli_startup", "registry_load", "propagation", "notifiers_outbox", "console", "gateway",
         "gateway_inprocess", "coupons", "reach"]
#: Benchmarks whose full size takes hours on a shared machine: `make bench` runs them with --quick
#: unless ZHONGTAI_BENCH_FULL=1 (run them alone for the full size: benchmarks/reach.py).
QUICK_UNLESS_FULL = {"reach"}


def main(argv: list[str]) -> int:
    available = {path.stem for path in HERE.glob("*.py") if path.stem not in ("run", "databases", "gateway_bare")}
    chosen = argv or [name for name in ORDER if name in available] + sorted(available - set(ORDER))
    unknown = [name for name in chosen if name not in available]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; have: {', '.join(sorted(available))}",
              file=sys.stderr)
        return 2
    failed = []
    for name in chosen:
        print(f"\n=== {name} " + "=" * (60 - len(name)), flush=True)
        started = time.monotonic()
        quick = name in QUICK_UNLESS_FULL and os.environ.get("ZHONGTAI_BENCH_FULL") != "1"
        code = subprocess.call([sys.executable, str(HERE / f"{name}.py"), *(["--quick"] if quick else [])])
        print(f"--- {name}: exit {code} after {time.monotonic() - started:.0f} s", flush=True)
        if code:
            failed.append(name)
    if failed:
        print(f"\nfailed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
