"""A/B/n experiments (issue 15 C) through the Python API: variants, exposures in batches, report, winner."""

from __future__ import annotations

import random

import pytest
from sqlalchemy import event, func, select

from tests.core import plugins as p
from tests.helpers.registry_rows import all_rows
from zhongtai.core import experiments as ex
from zhongtai.core.errors import ConfigError, NotFound, UserError
from zhongtai.core.experiment_report import report, svg
from zhongtai.core.registry.models import EventRow, ExposureRow

VARIANTS = [{"name": "control", "weight": 50, "config": {}},
            {"name": "cheaper", "weight": 50, "config": {"amount": "8"}}]


@pytest.fixture
def platform(registry_url, make_platform):
    platform = make_platform(registry_url, discover=False, refresh_interval=3600, listen=False)
    platform.add_plugin(p.FixedPrice(), "price", config=p.PriceConfig)
    for code in ("shop", "shop.web", "other"):
        platform.create_business(code, actor="alice")
    platform.enable("price", "shop", config={"amount": "10"})
    yield platform
    platform.exposures.close()


def price(platform, code, subject=None):
    return platform.business(code).call("pricing.base_price", sku="a", request=None, subject=subject).amount


class Inserts:
    """Counts INSERT statements per table and transactions that write telemetry."""

    def __init__(self, engine):
        self.statements: dict[str, int] = {}
        event.listen(engine, "before_cursor_execute", self.seen)

    def seen(self, _conn, _cursor, statement, *_args):
        if statement.lstrip().upper().startswith("INSERT INTO"):
            table = statement.split()[2].strip('"')
            self.statements[table] = self.statements.get(table, 0) + 1


def test_variants_are_sticky_and_exposures_are_written_in_one_batch(platform):
    ex.create(platform, "price-test", business="shop", plugin="price", metric="order.paid", variants=VARIANTS)
    assert {price(platform, "shop", f"u{i}") for i in range(50)} == {10}  # a draft changes nothing
    ex.start(platform, "price-test", actor="alice")
    inserts = Inserts(platform.registry.engine)
    subjects = [f"u{i}" for i in range(400)]
    first = {s: price(platform, "shop.web", s) for s in subjects}
    assert {s: price(platform, "shop.web", s) for s in subjects} == first  # sticky
    assert set(first.values()) == {10, 8} and 150 < sum(v == 8 for v in first.values()) < 250
    assert price(platform, "shop") in (10,)  # no subject: the enablement's own config, no exposure
    assert inserts.statements.get("zt_exposure", 0) == 0  # nothing written on the call path
    assert platform.exposures.pending() == 400  # 800 calls, 400 first exposures
    platform.exposures.flush()
    assert inserts.statements.get("zt_exposure") == 1 and platform.exposures.writes == 1
    with platform.registry.session() as session:
        rows = dict(session.execute(select(ExposureRow.subject, ExposureRow.variant)).all())
    assert {s: ("cheaper" if first[s] == 8 else "control") for s in subjects} == rows
    trace = platform.business("shop.web").explain("pricing.base_price", sku="a", request=None, subject="u1").trace
    assert trace[0].outcome == "variant" and "price-test" in trace[0].value


def test_the_background_writer_flushes_on_its_own(platform):
    platform.exposures.interval = 0.05
    ex.create(platform, "bg", business="shop", plugin="price", metric="order.paid", variants=VARIANTS)
    ex.start(platform, "bg")
    for i in range(30):
        price(platform, "shop", f"s{i}")
    platform.business("shop").record("order.paid", subject="s1", value=12.5)
    import time

    deadline = time.monotonic() + 10
    while platform.exposures.written < 31 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert platform.exposures.written == 31 and platform.exposures.writes <= 3


def test_a_seeded_simulation_finds_the_planted_uplift(platform):
    ex.create(platform, "sim", business="shop", plugin="price", metric="order.paid", variants=VARIANTS)
    ex.start(platform, "sim")
    rng = random.Random(20261201)
    rates = {10: 0.10, 8: 0.14}  # the cheaper variant converts 40% better
    view = platform.business("shop.web")
    for i in range(6000):
        subject = f"sim-{i}"
        amount = view.call("pricing.base_price", sku="a", request=None, subject=subject).amount
        if rng.random() < rates[amount]:
            view.record("order.paid", subject=subject, value=float(amount))
    platform.business("other").record("order.paid", subject="sim-1")  # another business: never counted
    data = report(platform, "sim")
    control, cheaper = data["variants"]
    assert control["control"] and control["exposures"] + cheaper["exposures"] == 6000
    assert 0.08 < control["rate"] < 0.12 and 0.12 < cheaper["rate"] < 0.16
    assert cheaper["uplift_ci_low"] > 0.1 and cheaper["uplift_ci_low"] < 0.4 < cheaper["uplift_ci_high"]
    assert cheaper["p_value"] < 0.001
    assert cheaper["value"] == pytest.approx(8.0 * cheaper["conversions"])
    assert not data["srm"]["mismatch"] and data["warnings"] == []
    picture = svg(data)
    assert picture.startswith("<svg") and "cheaper" in picture and "(control)" in picture


def test_an_equal_split_shows_no_uplift_and_sample_ratio_mismatch_is_flagged(platform):
    ex.create(platform, "srm", business="shop", plugin="price", metric="order.paid", variants=VARIANTS)
    ex.start(platform, "srm")
    exposures = platform.exposures
    # a broken exposure pipeline: control exposures get lost (55/45 instead of 50/50)
    for i in range(2000):
        exposures.expose("srm", "control" if i % 20 < 11 else "cheaper", f"x{i}", "shop")
        if i % 7 == 0:  # one subject in seven converts, whatever its variant
            exposures.event("shop", "order.paid", f"x{i}", None)
    data = report(platform, "srm")
    assert data["srm"]["mismatch"] and data["srm"]["p_value"] < 0.001
    assert "sample ratio mismatch" in data["warnings"][0]
    assert data["variants"][1]["p_value"] > 0.05  # same conversion rates: no effect found
    assert "sample ratio mismatch" in svg(data)


def test_exposures_of_a_sample_of_subjects_only(platform):
    ex.create(platform, "sampled", business="shop", plugin="price", metric="order.paid", variants=VARIANTS,
              sample=0.2)
    ex.start(platform, "sampled")
    for _ in range(2):
        for i in range(1000):
            price(platform, "shop", f"v{i}")
    platform.exposures.flush()
    with platform.registry.session() as session:
        recorded = session.scalar(select(func.count()).select_from(ExposureRow))
    assert 150 < recorded < 250


def test_stop_and_pick_winner(platform):
    ex.create(platform, "win", business="shop", plugin="price", metric="order.paid", variants=VARIANTS)
    ex.start(platform, "win")
    ex.stop(platform, "win", actor="alice")
    assert {price(platform, "shop", f"w{i}") for i in range(40)} == {10}
    assert ex.get(platform, "win").status == "stopped"
    report_ = ex.pick_winner(platform, "win", "cheaper", actor="bob")
    assert report_.applied
    assert {price(platform, "shop", f"w{i}") for i in range(40)} == {8}
    assert platform.effective_config("price", "shop")["amount"] == "8"
    found = ex.get(platform, "win")
    assert (found.status, found.winner) == ("stopped", "cheaper")
    audit = platform.registry.audit("shop", limit=4)
    assert [(a.action, a.actor) for a in audit[:3]] == [
        ("experiment.winner", "bob"), ("plugin.enable", "bob"), ("experiment.stop", "alice")]
    assert audit[1].before == {"config": {"amount": "10"}} and audit[1].after == {"config": {"amount": "8"}}
    assert "winner cheaper of experiment win" in audit[1].note and audit[3].action == "experiment.start"
    # a running experiment can be won directly: it stops too
    ex.create(platform, "win2", business="shop", plugin="price", metric="order.paid",
              variants=[{"name": "a", "weight": 1}, {"name": "b", "weight": 3, "config": {"amount": "7"}}])
    ex.start(platform, "win2")
    ex.pick_winner(platform, "win2", "b")
    assert price(platform, "shop", "anyone") == 7 and ex.get(platform, "win2").status == "stopped"
    assert [e.name for e in ex.experiments(platform, "shop")] == ["win", "win2"]


def test_refused_experiment_changes_write_nothing(platform):
    ex.create(platform, "live", business="shop", plugin="price", metric="order.paid", variants=VARIANTS)
    ex.start(platform, "live")
    before = all_rows(platform.registry.engine)
    bad = [
        (dict(name="x", business="shop.web", plugin="price", variants=VARIANTS), UserError, "enabled at shop.web itself"),
        (dict(name="x", business="shop", plugin="price", variants=VARIANTS[:1]), UserError, "2 to 10 variants"),
        (dict(name="x", business="shop", plugin="price", variants=[VARIANTS[0], VARIANTS[0]]), UserError, "twice"),
        (dict(name="x", business="shop", plugin="price",
              variants=[VARIANTS[0], {"name": "b", "weight": 0}]), UserError, "weight"),
        (dict(name="x", business="shop", plugin="price",
              variants=[VARIANTS[0], {"name": "b", "weight": 1, "config": {"amount": "lots"}}]), ConfigError,
         "variant b"),
        (dict(name="Bad Name", business="shop", plugin="price", variants=VARIANTS), UserError, "experiment name"),
        (dict(name="live", business="shop", plugin="price", variants=VARIANTS), UserError, "already exists"),
        (dict(name="x", business="nowhere", plugin="price", variants=VARIANTS), NotFound, "unknown business"),
    ]
    for kwargs, error, match in bad:
        with pytest.raises(error, match=match):
            ex.create(platform, metric="order.paid", **kwargs)
    with pytest.raises(UserError, match="sample"):
        ex.create(platform, "x", business="shop", plugin="price", metric="m", variants=VARIANTS, sample=0)
    ex_rows = all_rows(platform.registry.engine)
    assert ex_rows == before
    with pytest.raises(UserError, match="only a draft can start"):
        ex.start(platform, "live")
    with pytest.raises(NotFound, match="no variant 'nope'"):
        ex.pick_winner(platform, "live", "nope")
    with pytest.raises(NotFound, match="unknown experiment"):
        ex.stop(platform, "ghost")
    with pytest.raises(UserError, match="stop it first"):
        platform.disable("price", "shop")
    ex.create(platform, "second", business="shop", plugin="price", metric="m", variants=VARIANTS)
    with pytest.raises(UserError, match="already running"):
        ex.start(platform, "second")
    with pytest.raises(UserError, match="subject"):
        platform.business("shop").record("order.paid", subject="")
    for bad in ("a\x00b", "line\nbreak"):  # a NUL would poison PostgreSQL writes of the whole batch
        with pytest.raises(UserError, match="printable"):
            platform.business("shop").record("order.paid", subject=bad)
        with pytest.raises(UserError, match="printable"):
            platform.business("shop").record(bad, subject="a")
    with pytest.raises(UserError, match="finite"):
        platform.business("shop").record("order.paid", subject="a", value=float("nan"))


def test_events_and_exposures_survive_a_failed_write(platform):
    exposures = platform.exposures
    exposures.event("shop", "order.paid", "a", 1.0)
    engine = platform.registry.engine

    def broken(*_args, **_kwargs):
        raise RuntimeError("disk on fire")

    event.listen(engine, "before_cursor_execute", broken)
    try:
        with pytest.raises(RuntimeError, match="disk on fire"):
            exposures.flush()
    finally:
        event.remove(engine, "before_cursor_execute", broken)
    assert exposures.pending() == 1 and "disk on fire" in exposures.error
    assert exposures.flush() == 1 and exposures.error is None
    with platform.registry.session() as session:
        assert session.scalar(select(func.count()).select_from(EventRow)) == 1
