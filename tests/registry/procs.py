"""Worker processes for the multi-process registry tests and benchmarks.

Run from the repository root as ``python -m tests.registry.procs ROLE ...``:

``serve URL OUT --business B ... [--interval S] [--listen]``
    Serve calls for the businesses in a loop until ``OUT.stop`` exists.  Every
    time what a business answers -- (registry revision, amount) -- changes, append
    one JSON line ``{"t": wall time, "business", "revision", "amount"}`` to OUT.
    ``OUT.ready`` appears after the first full round.  The worker itself fails
    (exit 3) if the revision it serves from ever goes backwards.

``bump URL OUT --index I --count N --business B ...``
    Make N increments of ``amount`` of test.price at the businesses (round robin,
    starting at I), each one read-then-write with ``expected_version`` and retried
    on :class:`StaleWrite`; write ``{"applied": {business: n}, "stale": n}`` to OUT.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from decimal import Decimal
from pathlib import Path

from tests.registry.plugins import INSTALLED_NAME, POINT, add_price_plugin
from zhongtai.core.errors import StaleWrite
from zhongtai.core.runtime.platform import Platform

#: A worker that has not been told to stop after this long stops anyway.
MAX_SECONDS = 120.0


def serve(url: str, out: Path, businesses: list[str], interval: float, listen: bool) -> int:
    platform = Platform(url, discover=False, refresh_interval=interval, listen=listen)
    add_price_plugin(platform, INSTALLED_NAME)
    views = [platform.business(code) for code in businesses]
    last: dict[str, tuple[int, Decimal]] = {}
    stop, ready = out.with_suffix(".stop"), out.with_suffix(".ready")
    served = 0
    high = -1
    deadline = time.monotonic() + MAX_SECONDS
    with out.open("a", encoding="utf-8") as log:
        while not stop.exists() and time.monotonic() < deadline:
            for view in views:
                result = view.explain(POINT, sku="x", request=None)
                served += 1
                seen = (result.revision, result.value.amount)
                if result.revision < high:
                    print(f"revision went backwards: {result.revision} after {high}", file=sys.stderr)
                    return 3
                high = result.revision
                if last.get(view.code) != seen:
                    last[view.code] = seen
                    log.write(json.dumps({"t": time.time(), "business": view.code, "revision": seen[0],
                                          "amount": str(seen[1])}) + "\n")
                    log.flush()
            if not ready.exists():
                ready.touch()
            time.sleep(0.01)  # pacing, not waiting: 8 workers share 2 cores with the changer
    out.with_suffix(".calls").write_text(str(served), encoding="utf-8")
    platform.close()
    return 0


def bump(url: str, out: Path, index: int, count: int, businesses: list[str]) -> int:
    platform = Platform(url, discover=False, refresh_interval=0.0, listen=False)
    add_price_plugin(platform, INSTALLED_NAME)
    applied = dict.fromkeys(businesses, 0)
    stale = 0
    for step in range(count):
        business = businesses[(index + step) % len(businesses)]
        while True:
            platform.refresh()
            row = platform.snapshot.enablements[business][INSTALLED_NAME]
            amount = int(Decimal(str(row.config["amount"])))
            try:
                platform.enable(INSTALLED_NAME, business, config={"amount": str(amount + 1)},
                                actor=f"bumper-{index}", expected_version=row.version)
            except StaleWrite:
                stale += 1
                continue
            applied[business] += 1
            break
    out.write_text(json.dumps({"applied": applied, "stale": stale}), encoding="utf-8")
    platform.close()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.registry.procs")
    roles = parser.add_subparsers(dest="role", required=True)
    s = roles.add_parser("serve")
    s.add_argument("url")
    s.add_argument("out", type=Path)
    s.add_argument("--business", action="append", required=True)
    s.add_argument("--interval", type=float, default=0.5)
    s.add_argument("--listen", action="store_true")
    b = roles.add_parser("bump")
    b.add_argument("url")
    b.add_argument("out", type=Path)
    b.add_argument("--index", type=int, required=True)
    b.add_argument("--count", type=int, required=True)
    b.add_argument("--business", action="append", required=True)
    args = parser.parse_args(argv)
    if args.role == "serve":
        return serve(args.url, args.out, args.business, args.interval, args.listen)
    return bump(args.url, args.out, args.index, args.count, args.business)


if __name__ == "__main__":
    sys.exit(main())
