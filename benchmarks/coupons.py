"""Coupons on PostgreSQL: bulk issuing vs a raw COPY, wallet lookups in a big table, redemptions per second.

Prints, measured side by side in one run:

* **issuing**: a bulk job (``zhongtai.plugins.coupons.jobs``: audience file,
  per-user limit checks, budget counter, ledger, job position, one transaction
  per batch of 5,000, ``COPY``) issuing N coupons, beside a raw ``COPY`` of the
  same rows into the same table with the same indexes (fresh schema each) --
  target: the job takes at most 2x the raw COPY;
* **wallet**: ``wallet()`` (first page, 20 coupons, through the library) for
  random users in a table of M coupons (10 per user), p50 / p99 -- target
  p99 <= 5 ms -- with the query's plan (EXPLAIN ANALYZE) printed;
* **redemptions**: reserve + confirm of pre-issued coupons (two transactions
  each) by 1, 2 and 4 processes at once, per second.

Sizes: N = 1,000,000 and M = 10,000,000 by default; ``--quick`` uses 20,000 and
200,000.  The machine is shared: read the ratios, not the absolute times.

Run standalone: ``.venv/bin/python benchmarks/coupons.py [--quick]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import multiprocessing
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from databases import postgresql_url

COLUMNS = ("code", "template_id", "business", "user_id", "state", "issued_at", "valid_from", "valid_until",
           "job_id", "request_id")


def _platform(url: str) -> Any:
    from zhongtai.core.runtime import Platform

    platform = Platform(url, refresh_interval=60.0, listen=False)
    platform.refresh()
    return platform


def _setup(url: str, *, max_issued: int | None = None) -> Any:
    from zhongtai.plugins.coupons import templates

    platform = _platform(url)
    platform.create_business("mall", actor="bench")
    templates.create(platform, "mall", "gift", {"kind": "amount", "value": "5.00", "valid_days": 30,
                                                "per_user_limit": 1, "max_issued": max_issued}, actor="bench")
    return platform


def _raw(url: str) -> Any:
    import psycopg
    from databases import PG_URL

    schema = url.rsplit("search_path%3D", 1)[1]
    connection = psycopg.connect(PG_URL.replace("postgresql+psycopg://", "postgresql://"),
                                 options=f"-csearch_path={schema}")
    return connection


# -- issuing ----------------------------------------------------------------------------------
def bench_issue(count: int) -> tuple[float, float]:
    """(seconds of the bulk job, seconds of a raw COPY of the same rows)."""
    from zhongtai.plugins.coupons import codes, jobs

    with postgresql_url() as url:  # the raw COPY, into the same table with the same indexes
        platform = _setup(url)
        now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        until = now + dt.timedelta(days=30)
        rows = [(code, 1, "mall", f"user{i:08d}", "valid", now, now, until, "raw", None)
                for i, code in enumerate(codes.new_codes(count))]
        with _raw(url) as connection:
            started = time.perf_counter()
            statement = f"COPY zt_coupon ({', '.join(COLUMNS)}) FROM STDIN"
            with connection.cursor() as cursor, cursor.copy(statement) as copy:
                for row in rows:
                    copy.write_row(row)
            connection.commit()
            raw = time.perf_counter() - started
        platform.registry.close()
    del rows
    with postgresql_url() as url, tempfile.TemporaryDirectory() as directory:
        platform = _setup(url)
        audience = Path(directory) / "audience.txt"
        audience.write_text("".join(f"user{i:08d}\n" for i in range(count)))
        started = time.perf_counter()
        job = jobs.create(platform, "mall", "gift", audience, actor="bench")
        done = jobs.run(platform, job.id)
        ours = time.perf_counter() - started
        assert done.issued == count, done
        platform.registry.close()
    return ours, raw


# -- wallet -----------------------------------------------------------------------------------
WALLET_SQL = """
INSERT INTO zt_coupon (code, template_id, business, user_id, state, issued_at, valid_from, valid_until)
SELECT upper(substr(md5(g::text), 1, 21)), 1, 'mall', 'user' || lpad((g % {users})::text, 8, '0'),
       CASE WHEN g % 7 = 0 THEN 'used' ELSE 'valid' END,
       now() - make_interval(secs => g % 86400), now() - interval '1 day', now() + interval '30 days'
FROM generate_series({start}, {stop}) AS g
"""


def bench_wallet(rows: int, lookups: int) -> tuple[list[float], list[float], str]:
    """Milliseconds of *lookups* wallet pages for random users in a table of *rows* coupons.

    Each ``wallet()`` call is followed by the bare indexed query for another
    random user on a plain psycopg connection, so both see the same moment of
    a shared machine.  Returns (wallet times, bare query times, the plan).
    """
    from zhongtai.plugins.coupons.wallet import wallet

    users = rows // 10
    with postgresql_url() as url:
        platform = _setup(url)
        with _raw(url) as connection:
            step = 1_000_000
            for start in range(0, rows, step):
                connection.execute(WALLET_SQL.format(users=users, start=start, stop=min(rows, start + step) - 1))
                connection.commit()
            connection.execute("ANALYZE zt_coupon")
            connection.commit()
            plan = "\n".join(r[0] for r in connection.execute(
                "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) SELECT * FROM zt_coupon "
                "WHERE business = 'mall' AND user_id = 'user00004242' ORDER BY id DESC LIMIT 21"))
            chooser = random.Random(1)
            bare_sql = ("SELECT * FROM zt_coupon WHERE business = 'mall' AND user_id = %s "
                        "ORDER BY id DESC LIMIT 21")
            for _ in range(50):  # warm the connection pool and the plan cache
                wallet(platform, "mall", f"user{chooser.randrange(users):08d}")
            times, bare = [], []
            for _ in range(lookups):
                user = f"user{chooser.randrange(users):08d}"
                started = time.perf_counter()
                page = wallet(platform, "mall", user)
                times.append((time.perf_counter() - started) * 1000)
                assert len(page.coupons) == 10, (user, len(page.coupons))
                started = time.perf_counter()
                connection.execute(bare_sql, (f"user{chooser.randrange(users):08d}",)).fetchall()
                bare.append((time.perf_counter() - started) * 1000)
        platform.registry.close()
    return times, bare, plan


# -- redemptions ------------------------------------------------------------------------------
def _redeem(url: str, pairs: list[tuple[str, str]], start_at: float, results: Any) -> None:
    from zhongtai.plugins.coupons import redemption

    platform = _platform(url)
    time.sleep(max(0.0, start_at - time.time()))
    for number, (user, code) in enumerate(pairs):
        order = f"{user}-{number}"
        redemption.reserve(platform, "mall", user, code, order_id=order)
        redemption.confirm(platform, "mall", order)
    results.put(time.time())
    platform.registry.close()


def bench_redeem(processes: int, per_process: int) -> float:
    """Redemptions (reserve + confirm) per second with *processes* processes."""
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from zhongtai.plugins.coupons import jobs
    from zhongtai.plugins.coupons.models import CouponRow

    total = processes * per_process
    with postgresql_url() as url, tempfile.TemporaryDirectory() as directory:
        platform = _setup(url)
        audience = Path(directory) / "audience.txt"
        audience.write_text("".join(f"user{i:08d}\n" for i in range(total)))
        jobs.run(platform, jobs.create(platform, "mall", "gift", audience, actor="bench").id)
        with Session(platform.registry.engine) as session:
            pairs = [(user, code) for user, code in session.execute(select(CouponRow.user_id, CouponRow.code))]
        platform.registry.close()
        context = multiprocessing.get_context("fork")
        results = context.Queue()
        start_at = time.time() + 1.0 + 0.2 * processes
        workers = [context.Process(target=_redeem, args=(url, pairs[p::processes], start_at, results))
                   for p in range(processes)]
        for worker in workers:
            worker.start()
        ends = [results.get(timeout=1800) for _ in workers]
        for worker in workers:
            worker.join()
            assert worker.exitcode == 0, worker.exitcode
        from zhongtai.plugins.coupons.reconcile import reconcile

        check = _platform(url)
        assert reconcile(check).clean
        check.registry.close()
    return total / (max(ends) - start_at)


def _report_issue(issue_count: int) -> None:
    print(f"issuing {issue_count:,} coupons on PostgreSQL (bulk job, batches of 5,000) vs a raw COPY of the same rows",
          flush=True)
    ours, raw = bench_issue(issue_count)
    print(f"  raw COPY   {raw:8.2f} s  {issue_count / raw:10,.0f} rows/s")
    print(f"  bulk job   {ours:8.2f} s  {issue_count / ours:10,.0f} coupons/s")
    print(f"  ratio job / raw COPY: {ours / raw:.2f}x (target <= 2x)", flush=True)


def _report_wallet(wallet_rows: int, lookups: int) -> None:
    print(f"\nwallet: first page of a random user's coupons, {wallet_rows:,} coupons in the table "
          f"(10 per user), {lookups} lookups", flush=True)
    times, bare, plan = bench_wallet(wallet_rows, lookups)
    for label, sample in (("wallet()  ", times), ("bare query", bare)):
        ordered = sorted(sample)
        p99 = ordered[int(len(ordered) * 0.99) - 1]
        print(f"  {label}  p50 {statistics.median(ordered):6.2f} ms   p99 {p99:6.2f} ms   max {ordered[-1]:7.2f} ms")
    print("  target: wallet() p99 <= 5 ms")
    print("  plan:\n    " + plan.replace("\n", "\n    "), flush=True)


def _report_redeem(per_process: int) -> None:
    print(f"\nredemptions (reserve + confirm, {per_process} per process) on PostgreSQL", flush=True)
    rates = {}
    for processes in (1, 2, 4):
        rates[processes] = bench_redeem(processes, per_process)
        print(f"  {processes} process(es): {rates[processes]:8.1f} redemptions/s "
              f"({rates[processes] / rates[1]:.2f}x one process)", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="20,000 issued, 200,000 rows for the wallet")
    parser.add_argument("--only", choices=("issue", "wallet", "redeem"), help="run one part")
    args = parser.parse_args()
    issue_count, wallet_rows, lookups, per_process = ((20_000, 200_000, 500, 100) if args.quick
                                                      else (1_000_000, 10_000_000, 2000, 400))
    import zhongtai.core.runtime
    import zhongtai.plugins.coupons.redemption  # noqa: F401 - both imported before forking

    if args.only in (None, "issue"):
        _report_issue(issue_count)
    if args.only in (None, "wallet"):
        _report_wallet(wallet_rows, lookups)
    if args.only in (None, "redeem"):
        _report_redeem(per_process)
    return 0


if __name__ == "__main__":
    sys.exit(main())
