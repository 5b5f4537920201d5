"""The same cart, priced by each business: ``zhongtai pricing quote --explain``, then the totals side by side."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from zhongtai_demo import console, shell
from zhongtai_demo.paths import relative
from zhongtai_demo.scenario import CART, CUSTOMER, ECHANNEL_CHANNELS, LEAVES, MAIN_CHANNEL
from zhongtai_demo.sections import Demo

if TYPE_CHECKING:
    from zhongtai.sdk import Quote

TITLE = "Pricing: the same cart, a different price per business"


def price(demo: Demo, code: str, channel: str) -> Quote:
    """The quote of the demo cart at business *code* through *channel* (the platform's quoting service)."""
    from zhongtai.plugins.pricing.quoting import quote
    from zhongtai.sdk import CartLine, Customer, QuoteRequest

    request = QuoteRequest(channel=channel, lines=[CartLine(sku, quantity) for sku, quantity in CART],
                           customer=Customer(id=CUSTOMER["id"], tier=CUSTOMER["tier"]))
    return quote(demo.platform.business(code), request)


def write_cart(output_dir: Path) -> str:
    """Write the cart as ``cart.json``; return the ``@file`` argument for ``--cart``."""
    path = output_dir / "cart.json"
    path.write_text(json.dumps([{"sku": sku, "quantity": quantity} for sku, quantity in CART]) + "\n",
                    encoding="utf-8")
    return f"@{relative(path)}"


def run(demo: Demo) -> None:
    cart = write_cart(demo.output_dir)
    items = ", ".join(f"{quantity} × {sku}" for sku, quantity in CART)
    console.say(f"Cart: {items}, for a {CUSTOMER['tier']} member, each business through its own main channel.")
    for code in LEAVES:
        argv = ["pricing", "quote", "--business", code, "--cart", cart, "--channel", MAIN_CHANNEL[code],
                "--tier", CUSTOMER["tier"], "--explain"]
        console.say()
        console.command(argv)
        console.indented(shell.run(argv))
    totals = " | ".join(f"{code} {price(demo, code, MAIN_CHANNEL[code]).total}" for code in LEAVES)
    console.say()
    console.say(f"Same cart, three prices: {totals}")
    console.say()
    console.say("telecom.echannel prices each of its channels (its price list's channel table; 20.00 off the")
    console.say("order at pickup points with pricing.channel):")
    console.table([[channel, str(price(demo, "telecom.echannel", channel).total)] for channel in ECHANNEL_CHANNELS],
                  indent=4)
