"""``zhongtai notify``: send messages, run the outbox worker, see where messages stand, record opt-outs.

Thin commands over :mod:`.outbox` and :mod:`.worker`; those (and SQLAlchemy,
jinja2, httpx) are imported inside the commands so ``zhongtai --help`` stays fast.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import TYPE_CHECKING, Any

import click

from zhongtai.core.cli.output import echo, echo_json, echo_table, json_option
from zhongtai.core.cli.params import DAY_SECONDS, BoundedFloat, BoundedInt
from zhongtai.core.cli.state import CliState, pass_state
from zhongtai.core.terminal import safe_text

if TYPE_CHECKING:
    from zhongtai.plugins.notifiers.worker import WorkerStats

KINDS = ("marketing", "notification", "verification")
STATES = ("pending", "sending", "sent", "dead", "suppressed", "refused", "held", "paused", "cancelled")


@click.group()
def notify() -> None:
    """Send marketing messages, notifications and verification codes through the outbox.

    \b
    Example:
      zhongtai notify send -b telecom --kind notification --phone 13800138000 --template renewal_reminder \\
          --var name=Ann --var product=Broadband --var expires_on=2026-12-31 --key renewal-2026
      zhongtai notify worker --once --concurrency 8
      zhongtai notify status --business mall --state dead --messages
      zhongtai notify optout 13800138000 --business mall
    """


def _parse_time(text: str | None, option: str = "--after") -> dt.datetime | None:
    from zhongtai.core.errors import UserError

    if text is None:
        return None
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        raise UserError(f"{option} expects an ISO 8601 time such as 2025-06-01T09:00+08:00, got {text!r}") from None
    if value.utcoffset() is None:
        raise UserError(f"{option} needs a UTC offset (e.g. {text}+08:00 or {text}Z)")
    return value


def _variables(pairs: tuple[str, ...], as_json: str | None) -> dict[str, Any]:
    from zhongtai.core.documents import parse_json
    from zhongtai.core.errors import UserError

    values: dict[str, Any] = {}
    if as_json is not None:
        loaded = parse_json(as_json, source="--vars")
        if not isinstance(loaded, dict):
            raise UserError("--vars must be a JSON object")
        values.update(loaded)
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise UserError(f"--var expects key=value, got {pair!r}")
        values[key.strip()] = value
    return values


@notify.command()
@click.option("--business", "-b", required=True, metavar="CODE", help="The business sending the message.")
@click.option("--kind", required=True, type=click.Choice(KINDS), help="What the message is.")
@click.option("--phone", help="Recipient phone number (SMS).")
@click.option("--email", help="Recipient email address.")
@click.option("--webhook", help="Recipient webhook endpoint (http(s) URL).")
@click.option("--user", "user_id", help="Recipient in-app user id (inbox).")
@click.option("--tz", "timezone", default="Asia/Shanghai", show_default=True, help="Recipient's IANA time zone.")
@click.option("--template", help="Template name (see the notifiers.templates plugin).")
@click.option("--var", "pairs", multiple=True, metavar="KEY=VALUE", help="A template variable (repeatable).")
@click.option("--vars", "vars_json", metavar="JSON", help="Template variables as a JSON object.")
@click.option("--body", help="Literal message text (instead of a template).")
@click.option("--subject", help="Subject (email); overrides the template's.")
@click.option("--key", "idempotency_key", help="Idempotency key: the same key is sent once.")
@click.option("--after", help="Send no earlier than this ISO 8601 time (with offset).")
@json_option
@pass_state
def send(state: CliState, business: str, kind: str, phone: str | None, email: str | None, webhook: str | None,
         user_id: str | None, timezone: str, template: str | None, pairs: tuple[str, ...], vars_json: str | None,
         body: str | None, subject: str | None, idempotency_key: str | None, after: str | None,
         as_json: bool) -> None:
    """Put one message in the outbox; a worker delivers it.

    \b
    Example:
      zhongtai notify send -b telecom --kind notification --phone 13800138000 --template renewal_reminder \\
          --var name=Ann --var product=Broadband --var expires_on=2026-12-31
      zhongtai notify send -b mall --kind marketing --email ann@example.com --subject Sale --body "20% off" \\
          --after 2025-06-01T09:00+08:00
    """
    from zhongtai.plugins.notifiers import outbox
    from zhongtai.sdk import Recipient

    recipient = Recipient(phone=phone, email=email, webhook=webhook, user_id=user_id, timezone=timezone)
    result = outbox.send(
        state.platform, business, kind=kind, recipient=recipient, template=template,
        variables=_variables(pairs, vars_json), body=body, subject=subject, idempotency_key=idempotency_key,
        send_after=_parse_time(after),
    )
    if as_json:
        echo_json({"id": result.id, "state": result.state, "due_at": result.due_at.isoformat(),
                   "duplicate": result.duplicate, "reason": result.reason})
        return
    seen = " (already submitted with this key; nothing new was written)" if result.duplicate else ""
    echo(f"{result.id} {result.state}, due {result.due_at.isoformat(timespec='seconds')}{seen}")
    if result.reason:
        echo(f"  {safe_text(result.reason)}")


def _progress_line(stats: WorkerStats, elapsed: float) -> str:
    rate = stats.claimed / elapsed if elapsed > 0 else 0.0
    return (f"claimed {stats.claimed}  sent {stats.sent}  retried {stats.retried}  dead {stats.dead}  "
            f"suppressed {stats.suppressed}  deferred {stats.deferred}  ({rate:.0f} msg/s)")


@notify.command()
@click.option("--once", is_flag=True, help="Deliver what is due now, then exit.")
@click.option("--concurrency", default=4, show_default=True, type=BoundedInt(1, 256),
              help="Deliveries in flight at once.")
@click.option("--batch-size", default=100, show_default=True, type=BoundedInt(1, 10_000),
              help="Messages claimed per round trip.")
@click.option("--lease", "lease_seconds", default=120.0, show_default=True, type=BoundedFloat(1, DAY_SECONDS),
              help="Seconds a claim lasts before another worker may take the message again.")
@click.option("--max-attempts", default=8, show_default=True, type=BoundedInt(1, 100),
              help="Attempts before a message is dead.")
@click.option("--backoff", "base_seconds", default=5.0, show_default=True, type=BoundedFloat(0, DAY_SECONDS),
              help="First retry delay in seconds (doubles each attempt, with jitter, capped at 1 h).")
@click.option("--idle", "idle_seconds", default=1.0, show_default=True, type=BoundedFloat(0.05, 60),
              help="Seconds to wait when nothing is due.")
@click.option("--quiet", "-q", is_flag=True, help="No progress display.")
@click.option("--broker", "broker", metavar="URL", envvar="ZHONGTAI_BROKER_URL",
              help="Consume from RabbitMQ (amqp://...; fed by `zhongtai notify relay`) instead of polling the outbox.")
@click.option("--queue", default="zhongtai.notify", show_default=True, help="The broker queue.")
@click.option("--prefetch", default=200, show_default=True, type=click.IntRange(1, 65_535),
              help="Unacknowledged broker messages in flight to this worker (>= --batch-size).")
@pass_state
def worker(state: CliState, once: bool, concurrency: int, batch_size: int, lease_seconds: float,
           max_attempts: int, base_seconds: float, idle_seconds: float, quiet: bool, broker: str | None,
           queue: str, prefetch: int) -> None:
    """Deliver due messages until stopped (Ctrl-C or SIGTERM finish the current batch first).

    Run several on PostgreSQL (processes or hosts): they share the outbox
    safely.  On SQLite run one at a time.  With --broker, workers on any
    number of hosts consume message ids from RabbitMQ (manual acks, bounded
    prefetch); --once then exits after --idle seconds without messages.

    \b
    Example:
      zhongtai notify worker --once
      zhongtai notify worker --once --concurrency 8
      zhongtai notify worker --once --idle 1 --broker amqp://guest:guest@127.0.0.1:5672/ --prefetch 200
    """
    import signal
    import sys
    import threading

    from zhongtai.plugins.notifiers.worker import RetryPolicy, Worker

    stop = threading.Event()

    def request_stop(signum: int, _frame: Any) -> None:
        if not quiet:
            echo("Stopping after the current batch ...", err=True)
        stop.set()

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    tty = sys.stderr.isatty()
    started = time.monotonic()
    shown = [0.0]

    def show(stats: WorkerStats) -> None:
        now = time.monotonic()
        if quiet or now - shown[0] < (0.2 if tty else 5.0):
            return
        shown[0] = now
        line = _progress_line(stats, now - started)
        click.echo(f"\r{safe_text(line)}" if tty else safe_text(line), err=True, nl=not tty)

    retry = RetryPolicy(max_attempts=max_attempts, base_seconds=base_seconds)
    try:
        if broker:
            from zhongtai.plugins.notifiers.broker import BrokerWorker, broker_url

            consumer = BrokerWorker(state.platform, broker_url(broker), queue=queue, prefetch=max(prefetch, batch_size),
                                    batch_size=batch_size, concurrency=concurrency, lease_seconds=lease_seconds,
                                    retry=retry)
            total = consumer.run(stop=stop, idle_exit_seconds=idle_seconds if once else None, on_batch=show)
        else:
            runner = Worker(state.platform, concurrency=concurrency, batch_size=batch_size,
                            lease_seconds=lease_seconds, retry=retry)
            total = runner.run(once=once, stop=stop, idle_seconds=idle_seconds, on_batch=show)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if tty and not quiet:
        echo("", err=True)
    echo(_progress_line(total, time.monotonic() - started))


@notify.command()
@click.option("--broker", "broker", metavar="URL", envvar="ZHONGTAI_BROKER_URL",
              help="RabbitMQ, amqp://user:password@host:5672/ (or $ZHONGTAI_BROKER_URL).")
@click.option("--queue", default="zhongtai.notify", show_default=True, help="The broker queue.")
@click.option("--batch-size", default=500, show_default=True, type=click.IntRange(1, 10_000),
              help="Messages per broker transaction.")
@click.option("--once", is_flag=True, help="Publish what is due now, then exit.")
@click.option("--idle", "idle_seconds", default=0.5, show_default=True, type=BoundedFloat(0.05, 60),
              help="Seconds to wait when nothing is due.")
@click.option("--quiet", "-q", is_flag=True, help="No summary line.")
@pass_state
def relay(state: CliState, broker: str | None, queue: str, batch_size: int, once: bool, idle_seconds: float,
          quiet: bool) -> None:
    """Move committed, due outbox messages to RabbitMQ for `notify worker --broker` (transactional outbox).

    Ctrl-C or SIGTERM stop it after the current batch.

    \b
    Example:
      zhongtai notify relay --once --broker amqp://guest:guest@127.0.0.1:5672/
    """
    import signal
    import threading

    from zhongtai.plugins.notifiers.broker import Relay, broker_url

    stop = threading.Event()
    previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        total = Relay(state.platform, broker_url(broker), queue=queue, batch_size=batch_size).run(
            stop=stop, idle_seconds=idle_seconds, once=once)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if not quiet:
        echo(f"published {total} message{'s' if total != 1 else ''}")


@notify.command()
@click.option("--business", "-b", metavar="CODE", help="Only this business and its descendants.")
@click.option("--kind", type=click.Choice(KINDS), help="Only this kind of message.")
@click.option("--state", "state_", type=click.Choice(STATES), help="Only messages in this state.")
@click.option("--messages", "list_messages", is_flag=True, help="List recent messages instead of counts.")
@click.option("--id", "message_id", help="Show one message with every delivery attempt.")
@click.option("--limit", default=20, show_default=True, type=BoundedInt(1, 1000), help="Messages to list.")
@json_option
@pass_state
def status(state: CliState, business: str | None, kind: str | None, state_: str | None, list_messages: bool,
           message_id: str | None, limit: int, as_json: bool) -> None:
    """How many messages are in each state, or the messages themselves.

    \b
    Example:
      zhongtai notify status --business mall
      zhongtai notify status --state dead --messages
      zhongtai notify status --id msg_0123abcd   # error: no message
    """
    from zhongtai.core.jsonio import to_json
    from zhongtai.plugins.notifiers import outbox

    platform = state.platform
    if message_id:
        info = outbox.message(platform, message_id)
        if as_json:
            echo_json(to_json(info))
            return
        echo(safe_text(f"{info.id}  {info.business}  {info.kind}  {info.state}  attempts {info.attempts}"))
        echo(f"due {info.due_at.isoformat(timespec='seconds')}  reason: {safe_text(info.reason or '-')}")
        echo_table(["#", "at", "channel", "status", "response", "error"],
                   [[a.number, a.at.isoformat(timespec="seconds"), a.channel, a.status, a.provider_response, a.error]
                    for a in info.history], empty="No delivery attempts yet.")
        from zhongtai.plugins.notifiers.receipts import receipts_of

        delivered = receipts_of(platform, info.id)
        if delivered:
            echo_table(["receipt", "account", "status", "detail"],
                       [[r.receipt_id, r.account, r.status, r.detail] for r in delivered])
        return
    if list_messages:
        rows = outbox.messages(platform, business=business, kind=kind, state=state_, limit=limit)
        if as_json:
            echo_json(to_json(rows))
            return
        echo_table(["id", "business", "kind", "state", "attempts", "due", "reason"],
                   [[m.id, m.business, m.kind, m.state, m.attempts, m.due_at.isoformat(timespec="seconds"),
                     m.reason] for m in rows], empty="No messages match.")
        return
    counts = outbox.counts(platform, business=business, kind=kind, state=state_)
    if as_json:
        echo_json(to_json(counts))
        return
    echo_table(["business", "kind", "state", "messages"], [[c.business, c.kind, c.state, c.count] for c in counts],
               empty="No messages match.")


@notify.command()
@click.argument("recipient")
@click.option("--business", "-b", required=True, metavar="CODE",
              help="The business whose marketing the recipient refuses (its sub-businesses too).")
@click.option("--undo", is_flag=True, help="Withdraw the opt-out instead.")
@pass_state
def optout(state: CliState, recipient: str, business: str, undo: bool) -> None:
    """Record that RECIPIENT wants no marketing from a business (phone, email, webhook URL or user:ID).

    \b
    Example:
      zhongtai notify optout 13800138000 --business mall
      zhongtai notify optout ann@example.com --business mall --undo
    """
    from zhongtai.plugins.notifiers import outbox

    if undo:
        result = outbox.opt_in(state.platform, business, recipient, actor=state.actor)
        echo(f"{safe_text(result.address)} may receive marketing from {business} again" if result.changed
                   else f"{result.address} had not opted out at {business}; nothing changed")
        return
    result = outbox.opt_out(state.platform, business, recipient, source="cli", actor=state.actor)
    echo(f"{safe_text(result.address)} opted out of marketing from {business} and its sub-businesses"
               + ("" if result.changed else " (already recorded)"))


def _add_commands() -> None:
    from zhongtai.plugins.notifiers.cli_campaigns import campaign
    from zhongtai.plugins.notifiers.cli_content import COMMANDS

    for command in (*COMMANDS, campaign):
        notify.add_command(command)


_add_commands()
