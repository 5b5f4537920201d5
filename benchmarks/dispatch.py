"""Per-business dispatch cost, side by side with a dedicated pluggy PluginManager.

Prints, from one run on one machine:
  * the cost of one call through zhongtai for a business served by 5 plugins,
    as a ratio to a pluggy PluginManager holding only those 5 implementations
    (target <= 1.1x);
  * how that cost moves from 10 to 5,000 installed plugins and from 1 to 10,000
    businesses (target: flat within 10%);
  * for reference, pluggy's own ``subset_hook_caller`` with the same 5 of 500 and 5,000;
  * the cost of OpenTelemetry tracing (docs/observability.md): ``Platform.call`` with no
    tracer provider set ("tracing off") against ``Platform._dispatch`` -- the same call
    without the telemetry check in front of it, i.e. what ``call`` did before tracing
    (target <= 1.05x, judged on the median of adjacent pairs) -- and with the SDK's tracer
    provider, a batch span processor and an exporter that drops everything ("tracing on"),
    also in bare SDK spans per call;
  * staged rollout: the same point when one of the 5 plugins carries a 50% rollout, called with a
    subject inside it, as a ratio to the point without any rollout called with the same subject
    (target <= 1.2x); points without rollouts run the plan as before (a plan knows at compile time
    that it has no gates), so the first ratios are those of points without rollouts.

Measurements interleave the contenders round by round and report medians, so
machine noise hits all of them alike.

    .venv/bin/python benchmarks/dispatch.py [--quick]
"""

from __future__ import annotations

import gc
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pluggy

from zhongtai.core.markers import PROJECT, hookimpl
from zhongtai.core.rollout import bucket
from zhongtai.core.rollouts import set_rollout
from zhongtai.core.runtime import Platform
from zhongtai.core.specs import pricing as pricing_specs

ACTIVE = 5
UNTRACED = "call path without the telemetry check (10, 1)"
TRACING_OFF = "Platform.call, tracing off (10, 1)"
TRACING_ON = "Platform.call, tracing on: SDK, dropping exporter"
BARE_SPAN = "one bare SDK span (same provider), for scale"
PRICE = pricing_specs.Money(Decimal("9.90"), "CNY")


def make_impl(index: int, answer: bool) -> Any:
    """A plugin object whose pricing_base_price returns None (so every impl runs) or a value."""

    class Impl:
        @hookimpl
        def pricing_base_price(self, sku: str, request: Any) -> Any:
            return PRICE if answer else None

    Impl.__name__ = f"Impl{index}"
    return Impl()


def timed(call: Callable[[], Any], number: int) -> float:
    """Seconds per call over *number* calls, with the garbage collector paused (as timeit does)."""
    gc.disable()
    try:
        start = time.perf_counter()
        for _ in range(number):
            call()
        return (time.perf_counter() - start) / number
    finally:
        gc.enable()


def build_platform(root: Path, installed: int, businesses: int,
                   rollout: str = "") -> tuple[Platform, Callable[[], Any]]:
    """*rollout*: "" (no subject), "subject" (a subject, no rollout) or "50%" (one plugin at 50%)."""
    platform = Platform(f"sqlite:///{root / f'r-{installed}-{businesses}-{rollout}.db'}", discover=False,
                        refresh_interval=3600.0)
    active = [make_impl(i, answer=(i == 0)) for i in range(ACTIVE)]
    for i, impl in enumerate(active):
        platform.add_plugin(impl, f"active-{i}")
    for i in range(installed - ACTIVE):
        platform.add_plugin(make_impl(ACTIVE + i, answer=True), f"idle-{i}")
    with platform.registry.change("benchmark") as tx:
        tx.add_business("corp", None, "corp", "")
        tx.record("business.create", business="corp")
        for i in range(businesses - 1):
            tx.add_business(f"corp.b{i}", "corp", "", "")
            tx.record("business.create", business=f"corp.b{i}")
    for i in range(ACTIVE):
        platform.enable(f"active-{i}", "corp", priority=i)  # active-0 answers last (lowest priority)
    # idle plugins are installed but enabled elsewhere or nowhere: a few on other businesses
    # (never on the measured business corp.b0 or its ancestor corp)
    if businesses > 2:
        for i in range(min(installed - ACTIVE, 20)):
            platform.enable(f"idle-{i}", f"corp.b{1 + i % (businesses - 2)}")
    target = "corp.b0" if businesses > 1 else "corp"
    view = platform.business(target)
    # warm the plan cache for many businesses, as a long-running service would have
    for i in range(min(businesses - 1, 2000)):
        platform.plan(f"corp.b{i}", "pricing.base_price")
    if not rollout:
        assert view.call("pricing.base_price", sku="s", request=None) == PRICE
        return platform, lambda: view.call("pricing.base_price", sku="s", request=None)
    if rollout == "50%":
        set_rollout(platform, "active-2", "corp", percent=50)
    assert (platform.plan(target, "pricing.base_price").gates is None) == (rollout != "50%")
    assert view.call("pricing.base_price", sku="s", request=None, subject=SUBJECT) == PRICE
    return platform, lambda: view.call("pricing.base_price", sku="s", request=None, subject=SUBJECT)


#: a subject inside a 50% rollout of active-2 at corp, so the same 5 plugins run with and without it
SUBJECT = next(s for s in (f"user-{i}" for i in range(100)) if bucket("corp:active-2", s) <= 5000)
WITHOUT = "zhongtai, 5 plugins, subject, no rollout"
WITH = "zhongtai, 5 plugins, subject, one at a 50% rollout"


def dedicated_pluggy() -> Callable[[], Any]:
    pm = pluggy.PluginManager(PROJECT)
    pm.add_hookspecs(pricing_specs)
    for i in range(ACTIVE):
        pm.register(make_impl(i, answer=(i == 0)), name=f"active-{i}")
    hook = pm.hook.pricing_base_price
    return lambda: hook(sku="s", request=None, context=None)


def pluggy_subset(installed: int) -> Callable[[], Any]:
    pm = pluggy.PluginManager(PROJECT)
    pm.add_hookspecs(pricing_specs)
    plugins = [make_impl(i, answer=(i == 0)) for i in range(installed)]
    for i, plugin in enumerate(plugins):
        pm.register(plugin, name=f"p{i}")
    subset = pm.subset_hook_caller("pricing_base_price", remove_plugins=plugins[ACTIVE:])
    return lambda: subset(sku="s", request=None, context=None)


class TracingSwitch:
    """Sets and clears the API's global tracer provider around the traced contender only.

    The API lets a provider be set once per process; a benchmark interleaving traced and
    untraced rounds writes the global directly (nothing outside this benchmark may do so).
    """

    def __init__(self) -> None:
        from opentelemetry import trace
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter, SpanExportResult

        class Dropping(SpanExporter):
            def export(self, spans: Any) -> SpanExportResult:
                return SpanExportResult.SUCCESS

        self._api = trace
        self.provider = TracerProvider()
        self.provider.add_span_processor(BatchSpanProcessor(Dropping()))

    def traced(self, call: Callable[[], Any]) -> Callable[[], Any]:
        api, provider = self._api, self.provider

        def run() -> Any:
            api._TRACER_PROVIDER = provider
            try:
                return call()
            finally:
                api._TRACER_PROVIDER = None

        return run

    def bare_span(self) -> Callable[[], Any]:
        tracer = self.provider.get_tracer("benchmark")

        def span() -> None:
            with tracer.start_as_current_span("bare"):
                pass

        return span

    def timed(self, call: Callable[[], Any], number: int) -> float:
        self._api._TRACER_PROVIDER = self.provider
        try:
            return timed(call, number)
        finally:
            self._api._TRACER_PROVIDER = None


def main() -> int:
    quick = "--quick" in sys.argv
    number = 2_000
    rounds = 10 if quick else 60
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        contenders: dict[str, Callable[[], Any]] = {"pluggy, dedicated PM (5 impls)": dedicated_pluggy()}
        configs = [(10, 1), (5_000, 1), (10, 10_000), (5_000, 10_000)]
        platforms = []
        for installed, businesses in configs:
            platform, call = build_platform(root, installed, businesses)
            platforms.append(platform)
            contenders[f"zhongtai, {installed:>5} installed, {businesses:>6} businesses"] = call
        for name, kind in ((WITHOUT, "subject"), (WITH, "50%")):
            platform, call = build_platform(root, 10, 1, kind)
            platforms.append(platform)
            contenders[name] = call
        subsets = {f"pluggy subset_hook_caller, 5 of {n}": pluggy_subset(n) for n in (500, 5_000)}
        small = platforms[0]
        arguments = {"sku": "s", "request": None}
        tracing = TracingSwitch()
        traced_contenders: dict[str, Callable[[], Any]] = {
            # Platform._dispatch is Platform.call's body without the telemetry check in front of it
            UNTRACED: lambda: small._dispatch("corp", "pricing.base_price", dict(arguments), None),
            TRACING_OFF: lambda: small.call("corp", "pricing.base_price", dict(arguments), None),
        }
        traced_call = traced_contenders[TRACING_OFF]
        assert traced_call() == PRICE and tracing.traced(traced_call)() == PRICE
        bare_span = tracing.bare_span()
        paired: list[float] = []  # tracing off / untraced, measured in adjacent slots
        samples: dict[str, list[float]] = {name: [] for name in (*contenders, *subsets, *traced_contenders,
                                                                 TRACING_ON, BARE_SPAN)}
        order = list(contenders.items())
        for round_number in range(rounds):
            # rotate the order each round so no contender always runs first or last
            shift = round_number % len(order)
            for name, call in order[shift:] + order[:shift]:
                samples[name].append(timed(call, number))
            for name, call in subsets.items():
                samples[name].append(timed(call, 100))
            pair = list(traced_contenders.items())
            for half in range(4):  # short adjacent slots, alternating order: a paired ratio per slot
                slot: dict[str, float] = {}
                for name, call in pair if (round_number + half) % 2 else pair[::-1]:
                    slot[name] = timed(call, number // 4)
                    samples[name].append(slot[name])
                paired.append(slot[TRACING_OFF] / slot[UNTRACED])
            samples[TRACING_ON].append(tracing.timed(traced_call, number // 4))
            samples[BARE_SPAN].append(timed(bare_span, number // 4))
        tracing.provider.shutdown()
        for platform in platforms:
            platform.registry.close()

    # Many short interleaved rounds; the lowest round is each contender's cost with the least
    # interference from other processes (timeit's advice); medians are printed beside it.
    best = {name: min(values) for name, values in samples.items()}
    median = {name: statistics.median(values) for name, values in samples.items()}
    baseline = best["pluggy, dedicated PM (5 impls)"]
    baseline_median = median["pluggy, dedicated PM (5 impls)"]
    print(f"{'contender':<50} {'best us':>8} {'x dedicated':>12} {'median us':>10} {'x dedicated':>12}")
    for name, value in best.items():
        print(f"{name:<50} {value * 1e6:>8.2f} {value / baseline:>12.2f} {median[name] * 1e6:>10.2f} "
              f"{median[name] / baseline_median:>12.2f}")
    ours = [v for n, v in best.items() if n.startswith("zhongtai,") and n not in (WITH, WITHOUT)]
    worst = max(ours) / baseline
    flat = max(ours) / min(ours)
    print()
    print(f"worst zhongtai / dedicated pluggy PM      : {worst:.2f}x  (target <= 1.10x)")
    print(f"flatness max/min over installed x business : {flat:.2f}x  (target <= 1.10x)")
    on = best[TRACING_ON] / best[UNTRACED]
    print(f"tracing off (no provider) / untraced call   : {statistics.median(paired):.3f}x  (target <= 1.05x: "
          f"median of {len(paired)} adjacent pairs; best {best[TRACING_OFF] / best[UNTRACED]:.2f}x, "
          f"medians {median[TRACING_OFF] / median[UNTRACED]:.2f}x)")
    print(f"tracing on (SDK, dropping exporter) / untraced: {on:.2f}x  (reported; "
          f"median {median[TRACING_ON] / median[UNTRACED]:.2f}x)")
    print(f"tracing on, in bare SDK spans per call       : {best[TRACING_ON] / best[BARE_SPAN]:.1f}  "
          f"(the call and its 5 plugins are 6 spans; median {median[TRACING_ON] / median[BARE_SPAN]:.1f})")
    print(f"one of 5 plugins with a rollout / without  : {best[WITH] / best[WITHOUT]:.2f}x  (target <= 1.20x; "
          f"medians {median[WITH] / median[WITHOUT]:.2f}x)")
    plain = best["zhongtai,    10 installed,      1 businesses"]
    print(f"a subject on a point without rollouts      : {best[WITHOUT] / plain:.2f}x  (vs no subject)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
