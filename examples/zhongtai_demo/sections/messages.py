"""The same event, a different message per business, through the platform's outbox.

The event -- a yearly service expiring in a week -- fires at 22:30 Beijing
time.  Each business renders its own ``renewal_reminder`` template (the kind
of message is the template's), the outbox applies the business's rules (the
flagship store's marketing waits for the end of its quiet hours), and one
worker pass a minute later delivers what is due to the in-app inbox and the
(fake) SMS provider.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from zhongtai_demo import console, shell
from zhongtai_demo.errors import DemoError
from zhongtai_demo.scenario import LEAVES, RECIPIENT, SHANGHAI, TEMPLATE, event_time, event_variables
from zhongtai_demo.sections import Demo

if TYPE_CHECKING:
    from zhongtai.plugins.notifiers.outbox import SendResult

TITLE = "Messages: the same event, a different message per business"


def local(at: dt.datetime) -> str:
    return at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M") + " Beijing time"


def send_event(demo: Demo, code: str, at: dt.datetime) -> tuple[str, SendResult]:
    """Send the event's ``renewal_reminder`` at business *code* as of *at*; return its kind and the result."""
    from zhongtai.plugins.notifiers.outbox import send
    from zhongtai.sdk import Recipient

    template = demo.platform.business(code).call("notifiers.templates", name=TEMPLATE)
    if template is None:
        raise DemoError(f"business {code} has no {TEMPLATE} template")
    variables = event_variables(at)
    result = send(demo.platform, code, kind=template.kind, recipient=Recipient(**RECIPIENT), template=TEMPLATE,
                  variables=variables, idempotency_key=f"{TEMPLATE}:{code}:{variables['expires_on']}", now=at)
    return template.kind, result


def run(demo: Demo) -> None:
    from zhongtai.plugins.notifiers.outbox import message
    from zhongtai.plugins.notifiers.worker import Worker

    at = event_time(dt.datetime.now(dt.UTC))
    console.say(f"Event: {TEMPLATE} for {RECIPIENT['user_id']} ({RECIPIENT['phone']}), at {local(at)}.")
    sent = {}
    for code in LEAVES:
        kind, result = send_event(demo, code, at)
        sent[code] = result.id
        when = "due now" if result.due_at <= at else f"held until {local(result.due_at)}"
        why = f" ({result.reason})" if result.reason else ""
        console.say(f"  {code}: a {kind} message, {result.state}, {when}{why}")
    worker_time = at + dt.timedelta(minutes=1)
    stats = Worker(demo.platform, clock=lambda: worker_time).run(once=True)
    console.say()
    console.say(f"One worker pass at {local(worker_time)}: {stats.claimed} message(s) due.")
    undelivered = []
    for code in LEAVES:
        info = message(demo.platform, sent[code])
        if info.due_at <= worker_time and info.state != "sent":
            undelivered.append(f"{code} ({info.state}: {info.reason or 'no reason given'})")
        channels = ", ".join(f"{a.channel} {a.status}" for a in info.history) or "not delivered yet"
        console.say()
        console.say(f"  {code}: {info.state} ({channels})")
        if info.subject:
            console.say(f"      subject: {info.subject}")
        console.say(f"      {info.body}")
    console.say()
    console.say("The outbox from the command line (`zhongtai notify worker --once` delivers what is due now):")
    argv = ["notify", "status"]
    console.command(argv)
    console.indented(shell.run_console_script(argv))
    if undelivered:
        raise DemoError("due messages were not delivered: " + "; ".join(undelivered))
