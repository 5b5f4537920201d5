"""Many processes racing to claim and redeem coupons of one template, and judging the books afterwards.

Shared by ``test_concurrency.py`` and ``benchmarks/coupons.py``: the same checks
decide whether a run is correct, whatever its size.

Each attempt of a worker picks a user from a pool about half the size of all
attempts (so users are tried by several processes at once), issues one coupon
of the template to them (a fresh request id: the per-user limit must refuse a
second), then reserves *that user's* valid coupon -- whichever process issued it
-- for an order of its own and confirms it.  Two workers may race for one coupon;
only one reservation may win.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from typing import Any

TEMPLATE = "flash"


def setup(platform: Any, budget: int, *, per_user_limit: int = 1) -> None:
    from zhongtai.plugins.coupons import templates

    platform.create_business("mall", actor="setup")
    templates.create(platform, "mall", TEMPLATE, {"kind": "amount", "value": "5.00", "max_issued": budget,
                                                  "per_user_limit": per_user_limit, "valid_days": 30},
                     actor="setup")


def attempts(url: str, worker: int, count: int, users: int, seed: int, start_at: float) -> dict[str, int]:
    """One worker's *count* attempts; the counts of what happened."""
    from zhongtai.core.errors import UserError
    from zhongtai.core.runtime import Platform
    from zhongtai.plugins.coupons import redemption
    from zhongtai.plugins.coupons.issuing import Stop, issue
    from zhongtai.plugins.coupons.wallet import wallet

    platform = Platform(url, refresh_interval=60.0, listen=False)
    platform.refresh()
    chooser = random.Random(seed * 1000 + worker)
    counts: Counter[str] = Counter()
    time.sleep(max(0.0, start_at - time.time()))
    started = time.perf_counter()
    for number in range(count):
        user = f"user{chooser.randrange(users):07d}"
        try:
            result = issue(platform, "mall", TEMPLATE, user, request_id=f"w{worker}-a{number}")
            counts["issued" if result.coupon else "refused"] += 1
        except Stop:
            counts["budget_spent"] += 1
        page = wallet(platform, "mall", user, state="valid", limit=1)
        if not page.coupons:
            continue
        order = f"order-{worker}-{number}"
        try:
            redemption.reserve(platform, "mall", user, page.coupons[0].code, order_id=order)
        except UserError:
            counts["lost_race"] += 1
            continue
        counts["confirmed"] += len(redemption.confirm(platform, "mall", order))
    counts["micros"] = int((time.perf_counter() - started) * 1e6)
    platform.registry.close()
    return dict(counts)


def _child(url: str, worker: int, count: int, users: int, seed: int, start_at: float, results: Any) -> None:
    try:
        results.put((worker, attempts(url, worker, count, users, seed, start_at), ""))
    except BaseException as exc:  # noqa: BLE001 - reported to the parent, which fails the run
        results.put((worker, {}, f"{type(exc).__name__}: {exc}"))


def run(url: str, workers: int, per_worker: int, users: int, *, seed: int = 7, timeout: float = 600) -> Counter[str]:
    """Fork *workers* processes that start their attempts at the same moment; their summed counts.

    Forked after the parent imported everything, so a worker starts in
    milliseconds; each opens its own connections (nothing is shared).
    """
    import multiprocessing

    import zhongtai.core.runtime
    import zhongtai.plugins.coupons.redemption
    import zhongtai.plugins.coupons.wallet  # noqa: F401 - all imported once, before forking

    context = multiprocessing.get_context("fork")
    results = context.Queue()
    start_at = time.time() + 1.0 + 0.05 * workers
    processes = [context.Process(target=_child, args=(url, w, per_worker, users, seed, start_at, results))
                 for w in range(workers)]
    for process in processes:
        process.start()
    total: Counter[str] = Counter()
    errors = []
    deadline = time.monotonic() + timeout
    try:
        for _ in processes:
            _, counts, error = results.get(timeout=max(1.0, deadline - time.monotonic()))
            if error:
                errors.append(error)
            total.update(counts)
    finally:
        for process in processes:
            process.join(timeout=30)
            if process.is_alive():
                process.kill()
    if errors:
        raise AssertionError(f"{len(errors)} worker(s) failed: {errors[0]}")
    return total


def judge(platform: Any, budget: int) -> dict[str, int]:
    """The books after a race: raise AssertionError on any oversell, double redemption or drift."""
    from sqlalchemy import func, select
    from sqlalchemy.orm import Session

    from zhongtai.plugins.coupons.models import CONFIRM, USED, CouponRow, LedgerRow
    from zhongtai.plugins.coupons.reconcile import reconcile

    with Session(platform.registry.engine) as session:
        per_user = Counter(session.scalars(select(CouponRow.user_id)))
        used = session.scalar(select(func.count()).select_from(CouponRow).where(CouponRow.state == USED))
        confirms = Counter(session.scalars(select(LedgerRow.coupon_id).where(LedgerRow.event == CONFIRM)))
    report = reconcile(platform)
    assert report.clean, [d.describe() for d in report.drift]
    assert max(per_user.values()) == 1, "a user holds two coupons despite the limit of 1"
    assert sum(per_user.values()) == budget, f"{sum(per_user.values())} issued, the budget is {budget}"
    assert used == budget, f"{used} confirmed, expected {budget}"
    assert max(confirms.values()) == 1 and len(confirms) == budget, "a coupon was confirmed twice"
    return {"issued": sum(per_user.values()), "confirmed": int(used or 0), "double": 0}

