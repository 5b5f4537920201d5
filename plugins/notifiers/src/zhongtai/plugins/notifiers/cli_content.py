"""``zhongtai notify template|signature|price|budget|account|preview``: content control and cost.

Each command is a thin layer over :mod:`.content`, :mod:`.costs` and
:mod:`.accounts`; changes are audited registry changes by the CLI's actor
(``--as``), and platform-admin-only where the library says so.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import click

from zhongtai.core.cli.output import echo, echo_json, echo_table, json_option
from zhongtai.core.cli.params import MAX_INT32, BoundedInt
from zhongtai.core.cli.state import CliState, pass_state

KINDS = ("marketing", "notification", "verification")


@click.group()
def template() -> None:
    """The template registry: draft (owner team) -> approve (platform admin) -> retire.

    \b
    Example:
      zhongtai notify template draft welcome -b mall --kind marketing --body "{{ name }}，新品上市"
      zhongtai notify template approve welcome -b mall
      zhongtai notify template list -b mall
    """


@template.command("draft")
@click.argument("name")
@click.option("--business", "-b", required=True, metavar="CODE")
@click.option("--kind", required=True, type=click.Choice(KINDS))
@click.option("--body", help="The jinja2 body.")
@click.option("--body-file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Read the body from a UTF-8 file.")
@click.option("--subject", default="", help="The jinja2 subject (email).")
@pass_state
def template_draft(state: CliState, name: str, business: str, kind: str, body: str | None, body_file: Path | None,
                   subject: str) -> None:
    """Add a draft version of template NAME at a business.

    \b
    Example:
      zhongtai notify template draft welcome -b mall --kind marketing --body "{{ name }}，新品上市"
    """
    from zhongtai.core.errors import UserError
    from zhongtai.plugins.notifiers import content

    if (body is None) == (body_file is None):
        raise UserError("give --body or --body-file")
    if body_file is not None:
        from zhongtai.core.documents import read_text

        body = read_text(body_file)
    assert body is not None
    version = content.draft_template(state.platform, business, name, kind=kind, body=body, subject=subject,
                                     actor=state.actor)
    echo(f"template {name} version {version.version} at {business} is a draft; a platform admin approves it "
               f"with: zhongtai notify template approve {name} -b {business}")


@template.command("approve")
@click.argument("name")
@click.option("--business", "-b", required=True, metavar="CODE")
@click.option("--version", type=BoundedInt(1, MAX_INT32), help="The draft to approve (default: the newest).")
@pass_state
def template_approve(state: CliState, name: str, business: str, version: int | None) -> None:
    """Approve a draft of template NAME (platform admins); the previous approved version is retired.

    \b
    Example:
      zhongtai notify template draft welcome -b mall --kind marketing --body "{{ name }}，新品上市"
      zhongtai notify template approve welcome -b mall
    """
    from zhongtai.plugins.notifiers import content

    approved = content.approve_template(state.platform, business, name, version=version, actor=state.actor)
    echo(f"template {name} version {approved.version} at {business} is approved")


@template.command("retire")
@click.argument("name")
@click.option("--business", "-b", required=True, metavar="CODE")
@pass_state
def template_retire(state: CliState, name: str, business: str) -> None:
    """Retire template NAME at a business (platform admins): it can no longer be sent.

    \b
    Example:
      zhongtai notify template draft welcome -b mall --kind marketing --body "{{ name }}，新品上市"
      zhongtai notify template retire welcome -b mall
    """
    from zhongtai.plugins.notifiers import content

    count = content.retire_template(state.platform, business, name, actor=state.actor)
    echo(f"template {name} at {business}: {count} version{'s' if count != 1 else ''} retired")


@template.command("list")
@click.option("--business", "-b", metavar="CODE")
@click.option("--name")
@click.option("--status", type=click.Choice(("draft", "approved", "retired")))
@json_option
@pass_state
def template_list(state: CliState, business: str | None, name: str | None, status: str | None,
                  as_json: bool) -> None:
    """Registry template versions.

    \b
    Example:
      zhongtai notify template list -b mall
    """
    from zhongtai.core.jsonio import to_json
    from zhongtai.plugins.notifiers import content

    rows = content.templates(state.platform, business=business, name=name, status=status)
    if as_json:
        echo_json(to_json(rows))
        return
    echo_table(["business", "name", "version", "kind", "status", "by", "reviewed by"],
               [[t.business, t.name, t.version, t.kind, t.status, t.created_by, t.reviewed_by or "-"] for t in rows],
               empty="No templates.")


@click.group()
def signature() -> None:
    """Approved SMS signatures (【签名】), one per business, inherited by sub-businesses.

    \b
    Example:
      zhongtai notify signature approve 【小店】 -b mall
      zhongtai notify signature list
    """


@signature.command("approve")
@click.argument("text")
@click.option("--business", "-b", required=True, metavar="CODE")
@pass_state
def signature_approve(state: CliState, text: str, business: str) -> None:
    """Set the approved SMS signature TEXT of a business (platform admins).

    \b
    Example:
      zhongtai notify signature approve 【小店】 -b mall
    """
    from zhongtai.plugins.notifiers import content

    value = content.approve_signature(state.platform, business, text, actor=state.actor)
    echo(f"SMS signature of {business}: {value}")


@signature.command("list")
@pass_state
def signature_list(state: CliState) -> None:
    """Every approved SMS signature.

    \b
    Example:
      zhongtai notify signature list
    """
    from zhongtai.plugins.notifiers import content

    echo_table(["business", "signature"], sorted(content.signatures(state.platform).items()),
               empty="No approved signatures.")


@click.group()
def price() -> None:
    """The platform's price per unit and channel (an SMS segment, an email ...).

    \b
    Example:
      zhongtai notify price set notifiers.sms 0.045
      zhongtai notify price list
    """


@price.command("set")
@click.argument("channel")
@click.argument("unit_price")
@click.option("--currency", default="CNY", show_default=True)
@pass_state
def price_set(state: CliState, channel: str, unit_price: str, currency: str) -> None:
    """Set the UNIT_PRICE of CHANNEL (platform admins).

    \b
    Example:
      zhongtai notify price set notifiers.sms 0.045
    """
    from zhongtai.plugins.notifiers import costs

    result = costs.set_price(state.platform, channel, unit_price, currency=currency, actor=state.actor)
    echo(f"{result.channel}: {costs.amount_text(result.unit_price)} {result.currency} per unit")


@price.command("list")
@pass_state
def price_list(state: CliState) -> None:
    """The price table.

    \b
    Example:
      zhongtai notify price list
    """
    from zhongtai.plugins.notifiers import costs
    from zhongtai.plugins.notifiers.models import engine_of

    with engine_of(state.platform).connect() as connection:
        table = costs.prices(connection)
    echo_table(["channel", "unit price", "currency"],
               [[p.channel, costs.amount_text(p.unit_price), p.currency] for p in table.values()],
               empty="No prices: sending costs nothing.")


@click.group()
def budget() -> None:
    """Budgets per business, channel and day or month; over budget messages are held or refused.

    \b
    Example:
      zhongtai notify budget set -b mall --channel notifiers.sms --period day --limit 500 --over hold
      zhongtai notify budget list -b mall
      zhongtai notify budget release -b mall
    """


@budget.command("set")
@click.option("--business", "-b", required=True, metavar="CODE")
@click.option("--channel", required=True, help="A channel plugin, e.g. notifiers.sms.")
@click.option("--period", required=True, type=click.Choice(("day", "month")))
@click.option("--limit", "limit", required=True, help="The most the business (and its sub-businesses) may spend.")
@click.option("--over", type=click.Choice(("hold", "refuse")), default="hold", show_default=True,
              help="What happens to a message over budget.")
@pass_state
def budget_set(state: CliState, business: str, channel: str, period: str, limit: str, over: str) -> None:
    """Set a budget (platform admins).

    \b
    Example:
      zhongtai notify budget set -b mall --channel notifiers.sms --period day --limit 500 --over hold
    """
    from zhongtai.plugins.notifiers import costs

    result = costs.set_budget(state.platform, business, channel, period, limit, over=over, actor=state.actor)
    echo(f"{business}: {channel} budget {costs.amount_text(result.limit)} per {period}; over budget: {over}")


@budget.command("list")
@click.option("--business", "-b", metavar="CODE", help="The budgets that apply to this business.")
@pass_state
def budget_list(state: CliState, business: str | None) -> None:
    """Budgets, with this period's spend when --business is given.

    \b
    Example:
      zhongtai notify budget set -b mall --channel notifiers.sms --period day --limit 500 --over hold
      zhongtai notify budget list -b mall
    """
    from zhongtai.plugins.notifiers import costs

    if business:
        rows = costs.spend(state.platform, business)
        echo_table(["business", "channel", "period", "since", "spent", "limit"],
                   [[s.business, s.channel, s.period, s.period_start.isoformat(timespec="minutes"),
                     costs.amount_text(s.amount), costs.amount_text(s.limit or Decimal(0))] for s in rows],
                   empty="No budgets apply.")
        return
    echo_table(["business", "channel", "period", "limit", "over"],
               [[b.business, b.channel, b.period, costs.amount_text(b.limit), b.over]
                for b in costs.budgets(state.platform)], empty="No budgets.")


@budget.command("release")
@click.option("--business", "-b", required=True, metavar="CODE")
@pass_state
def budget_release(state: CliState, business: str) -> None:
    """Charge messages held over budget again; those that fit now are sent (platform admins).

    \b
    Example:
      zhongtai notify budget release -b mall
    """
    from zhongtai.plugins.notifiers import costs

    released, still = costs.release_held(state.platform, business, actor=state.actor)
    echo(f"released {released} held message{'s' if released != 1 else ''}; {still} still over budget")


@click.group()
def account() -> None:
    """Provider accounts (SMS gateways, mail servers): platform settings businesses pick by name.

    \b
    Example:
      zhongtai notify account add sms-main --channel sms --provider http \\
          --setting url=https://sms.example.com/send --setting sender=ZT --secret env:SMS_MAIN_KEY
      zhongtai notify account list
    """


@account.command("add")
@click.argument("name")
@click.option("--channel", required=True, type=click.Choice(("sms", "email")))
@click.option("--provider", required=True, type=click.Choice(("http", "fake", "smtp")))
@click.option("--setting", "settings", multiple=True, metavar="KEY=VALUE", help="A provider setting (repeatable).")
@click.option("--secret", default="", metavar="env:NAME", help="The environment variable holding the key.")
@click.option("--business", "-b", "businesses", multiple=True, metavar="CODE",
              help="Only these businesses (and sub-businesses) may use it (repeatable; default: all).")
@pass_state
def account_add(state: CliState, name: str, channel: str, provider: str, settings: tuple[str, ...], secret: str,
                businesses: tuple[str, ...]) -> None:
    """Add or replace provider account NAME (platform admins).

    \b
    Example:
      zhongtai notify account add sms-main --channel sms --provider http \\
          --setting url=https://sms.example.com/send --setting sender=ZT --secret env:SMS_MAIN_KEY
    """
    from zhongtai.core.errors import UserError
    from zhongtai.plugins.notifiers import accounts

    values: dict[str, str] = {}
    for pair in settings:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise UserError(f"--setting expects key=value, got {pair!r}")
        values[key.strip()] = value
    added = accounts.add_account(state.platform, name, channel=channel, provider=provider, settings=values,
                                 secret=secret, businesses=businesses, actor=state.actor)
    echo(f"provider account {added.name} ({added.channel}/{added.provider}) saved")


@account.command("list")
@pass_state
def account_list(state: CliState) -> None:
    """Every provider account (secrets are shown as their env: reference only).

    \b
    Example:
      zhongtai notify account list
    """
    from zhongtai.plugins.notifiers import accounts

    echo_table(["name", "channel", "provider", "settings", "secret", "businesses"],
               [[a.name, a.channel, a.provider, ", ".join(f"{k}={v}" for k, v in sorted(a.settings.items())),
                 a.secret_ref or "-", ", ".join(a.businesses) or "all"] for a in accounts.accounts(state.platform)],
               empty="No provider accounts.")


@account.command("remove")
@click.argument("name")
@pass_state
def account_remove(state: CliState, name: str) -> None:
    """Remove provider account NAME (platform admins).

    \b
    Example:
      zhongtai notify account add sms-main --channel sms --provider http \\
          --setting url=https://sms.example.com/send --setting sender=ZT --secret env:SMS_MAIN_KEY
      zhongtai notify account remove sms-main
    """
    from zhongtai.plugins.notifiers import accounts

    accounts.remove_account(state.platform, name, actor=state.actor)
    echo(f"provider account {name} removed")


COMMANDS = (template, signature, price, budget, account)
