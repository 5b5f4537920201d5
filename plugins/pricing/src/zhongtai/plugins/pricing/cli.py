"""``zhongtai pricing``: quote carts with a business's pricing plugins (contributed through ``zhongtai.cli``).

Thin: reading the cart, quoting and rendering live in :mod:`.cart`,
:mod:`.quoting` and :mod:`.render`; heavy modules load inside the command.
"""

from __future__ import annotations

import datetime as dt
import sys

import click

from zhongtai.core.cli.output import echo, echo_json, echo_table, json_option, warn
from zhongtai.core.cli.state import state


@click.group()
def pricing() -> None:
    """Quote carts with the business's pricing plugins (price lists, discounts, coupons).

    \b
    Example:
      zhongtai pricing quote --business edu.k12 --cart @cart.json --explain
    """


@pricing.command("quote")
@click.option("--business", "-b", metavar="CODE", required=True, help="The business the cart is priced for.")
@click.option("--cart", "cart_ref", metavar="JSON|@FILE|@-", required=True,
              help="The cart: a JSON list of lines or a request object, inline, @file or @- for stdin.")
@click.option("--channel", metavar="NAME", help="Channel (app, h5, mini-program, wap, phone, agent, "
                                                "pickup-point or the business's own); default: the cart's, else app.")
@click.option("--tier", metavar="TIER", help="The customer's member tier.")
@click.option("--tag", "tags", metavar="TAG", multiple=True, help="A customer tag (repeatable).")
@click.option("--coupon", "coupons", metavar="CODE", multiple=True, help="A coupon code (repeatable).")
@click.option("--at", "at", metavar="ISO-8601", help="Price at this instant (with a UTC offset); default: now.")
@click.option("--currency", metavar="CODE", help="Refuse the quote unless it is in this currency.")
@click.option("--explain", is_flag=True, help="Also show every step: the plugin that made it, before and after.")
@json_option
def quote_command(business: str, cart_ref: str, channel: str | None, tier: str | None, tags: tuple[str, ...],
                  coupons: tuple[str, ...], at: str | None, currency: str | None, explain: bool,
                  as_json: bool) -> None:
    """Price a cart for a business and print its lines and total.

    \b
    Example:
      zhongtai pricing quote --business edu.k12 --cart @cart.json --explain
      zhongtai pricing quote -b edu.k12 --cart '[{"sku": "learning-tablet", "quantity": 2}]' --json
    """
    from zhongtai.plugins.pricing.cart import cart_request, read_cart
    from zhongtai.plugins.pricing.errors import InvalidCartError
    from zhongtai.plugins.pricing.quoting import quote, unrecognised_coupons
    from zhongtai.plugins.pricing.render import LINE_HEADERS, STEP_HEADERS, line_rows, quote_json, step_rows
    from zhongtai.plugins.pricing.validity import instant

    try:
        moment: dt.datetime | None = instant(at)
    except ValueError as exc:
        raise InvalidCartError(f"--at: {exc}") from None
    document, source = read_cart(cart_ref, sys.stdin)
    request = cart_request(document, source=source, channel=channel, tier=tier, tags=tags, coupons=coupons,
                           at=moment, currency=currency)
    result = quote(state().platform.business(business), request)
    for code in unrecognised_coupons(result, request):
        warn(f"coupon {code!r} is not known to any pricing plugin of {business}; nothing was taken off for it")
    if as_json:
        echo_json(quote_json(result, business=business))
        return
    echo_table(LINE_HEADERS, line_rows(result))
    if explain:
        echo("")
        echo_table(STEP_HEADERS, step_rows(result))
