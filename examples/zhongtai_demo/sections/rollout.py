"""Staged rollout and an A/B experiment on the flagship store's brand theme.

First the brand theme goes to 30% of shoppers plus an allow-listed tester
(``zhongtai rollout set``), then the kill switch; then an experiment pits the
red brand colour against a green one, 4,000 simulated shoppers (seeded) see
their variant through real calls and some of them pay -- the green button
converts better by design -- and ``zhongtai experiments report`` finds it.
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING

from zhongtai_demo import console, shell
from zhongtai_demo.errors import DemoError
from zhongtai_demo.paths import relative
from zhongtai_demo.sections import Demo

if TYPE_CHECKING:
    from zhongtai.core.runtime.platform import BusinessView

TITLE = "Staged rollout and an A/B experiment: the flagship's brand colour"

BUSINESS = "mall.flagship"
PLUGIN = "mall-flagship.brand-theme"
SHOPPERS = 4000
#: The conversion rates the simulation plants: the green button converts 25% better.
RATES = {"#b3000c": 0.10, "#0a7d32": 0.125}


def show(argv: list[str]) -> None:
    console.command(argv)
    console.indented(shell.run(argv))


def primary(view: BusinessView, subject: str) -> str | None:
    """The brand colour *subject* is shown at the flagship (None: no brand layer for them)."""
    tokens = view.call("theming.tokens", subject=subject)
    brand = (tokens or {}).get("color", {}).get("brand", {})
    value = brand.get("primary", {}).get("$value")
    return str(value) if value is not None else None


def served(demo: Demo, subjects: list[str]) -> int:
    return sum(1 for s in subjects if demo.platform.business(BUSINESS).admission(PLUGIN, subject=s).enabled)


def run(demo: Demo) -> None:
    shoppers = [f"shopper-{i}" for i in range(1000)]
    show(["rollout", "set", PLUGIN, "--business", BUSINESS, "--percent", "30", "--allow", "qa-lead"])
    demo.platform.refresh()
    console.say(f"  -> {served(demo, shoppers)} of 1000 shoppers get the brand theme (sticky per shopper); "
                "the allow-listed qa-lead always does.")
    show(["rollout", "show", "--business", BUSINESS, "--plugin", PLUGIN, "--subject", "shopper-1"])
    show(["rollout", "stop", PLUGIN, "--business", BUSINESS])
    demo.platform.refresh()
    console.say(f"  -> kill switch: {served(demo, shoppers)} of 1000 shoppers get it now.")
    show(["rollout", "clear", PLUGIN, "--business", BUSINESS])
    console.say()
    show(["experiments", "create", "checkout-colour", "--business", BUSINESS, "--plugin", PLUGIN,
          "--metric", "order.paid", "--variant", "red=50", "--variant", "green=50",
          "--set", "green.primary=#0a7d32"])
    show(["experiments", "start", "checkout-colour"])
    simulate(demo)
    console.say(f"  ({SHOPPERS} simulated shoppers saw their variant through theming.tokens calls; the "
                "exposures and order.paid events were written in batches)")
    plot = demo.output_dir / "checkout-colour.svg"
    show(["experiments", "report", "checkout-colour", "--plot", relative(plot)])
    show(["experiments", "pick-winner", "checkout-colour", "green", "--dry-run"])


def simulate(demo: Demo) -> None:
    """4,000 shoppers, each served their variant by a real call; some pay (seeded).

    A serving process of its own, as a shop's back end would be: it checks the
    registry revision at most every minute instead of on every call, and writes
    exposures and events in batches, the last of them when it closes.
    """
    from zhongtai.core.runtime import Platform

    shop = Platform(demo.database_url, refresh_interval=60.0, listen=False)
    try:
        rng = random.Random(15)
        view = shop.business(BUSINESS)
        for i in range(SHOPPERS):
            subject = f"buyer-{i}"
            colour = primary(view, subject)
            if colour not in RATES:
                raise DemoError(f"{subject} was shown brand colour {colour!r}, not one of the variants")
            if rng.random() < RATES[colour]:
                view.record("order.paid", subject=subject, value=199.0)
    finally:
        shop.close()
