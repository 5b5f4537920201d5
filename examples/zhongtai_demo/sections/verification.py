"""The same flow name, a different verification flow per business, run to the end.

Each session runs through the platform's session service.  One-time codes go
through each business's SMS channel to the platform's fake SMS provider (in
this process's memory), from which the demo reads them as the subject would
from their phone.  Provider checks use the platform's fake identity provider.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from zhongtai_demo import console, shell
from zhongtai_demo.errors import DemoError
from zhongtai_demo.scenario import ANSWERS, FAKE_SMS, FLOW, LEAVES, SUBJECT
from zhongtai_demo.sections import Demo

if TYPE_CHECKING:
    from zhongtai.plugins.verification.service import Verifier

TITLE = f"Verification: the same '{FLOW}' flow, different steps per business"

_CODE = re.compile(r"\b(\d{4,10})\b")


def received_code() -> str:
    """The code in the last SMS the fake provider accepted (what the subject reads on their phone)."""
    from zhongtai.plugins.notifiers.channels.sms import fake_provider

    sent = fake_provider(FAKE_SMS).sent
    found = _CODE.search(sent[-1].text) if sent else None
    if found is None:
        raise DemoError("no verification code reached the fake SMS provider")
    return found.group(1)


def answer(step: str) -> str:
    return ANSWERS.get(step) or received_code()


def run_flow(verifier: Verifier, code: str) -> tuple[Any, list[list[str]]]:
    """Start the flow for the subject at *code* and pass every step; return the session and one row per step."""
    session = verifier.start(code, FLOW, SUBJECT)
    rows = []
    while session.current is not None:
        step = session.current
        outcome = verifier.submit(session.id, step, answer(step))
        shown = next(s.shown for s in outcome.session.steps if s.component == step)
        rows.append([step, "passed" if outcome.accepted else f"rejected: {outcome.reason}", shown])
        if not outcome.accepted:
            return outcome.session, rows
        session = outcome.session
    return session, rows


def run(demo: Demo) -> None:
    from zhongtai.plugins.verification.service import Verifier

    verifier = Verifier(demo.platform)
    subject = " ".join(f"{k}={v}" for k, v in SUBJECT.items())
    console.say(f"Subject: {subject}   (fictional; known to the fake provider)")
    for code in LEAVES:
        flow = verifier.flow(code, FLOW)
        console.say()
        console.say(f"  {code}: {FLOW} = {' -> '.join(flow.steps)}")
        session, rows = run_flow(verifier, code)
        console.table(rows, indent=6)
        console.say(f"      session {session.id}: {session.status}")
        if session.status != "passed":
            raise DemoError(f"the {FLOW} flow of {code} ended {session.status}, not passed")
    console.say()
    console.say("The same from the command line (the code goes to that process's fake SMS provider;")
    console.say("`zhongtai verify submit` takes each step's value):")
    argv = ["verify", "start", FLOW, "--business", "telecom.echannel",
            *(arg for field, value in SUBJECT.items() for arg in ("--subject", f"{field}={value}"))]
    console.command(argv)
    console.indented(shell.run_console_script(argv))
