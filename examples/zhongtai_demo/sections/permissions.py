"""The same permission questions, answered per business by ``channels.authorize`` (deny-overrides)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from zhongtai_demo import console, shell
from zhongtai_demo.scenario import LEAVES, QUESTIONS, Question
from zhongtai_demo.sections import Demo

if TYPE_CHECKING:
    from zhongtai.sdk import Verdict

TITLE = "Channel permissions: the same question, a different decision per business"


def decide(demo: Demo, code: str, question: Question) -> Verdict:
    from zhongtai.sdk import AccessRequest

    request = AccessRequest(channel=question.channel, action=question.action, actor=question.actor,
                            resource=question.resource)
    verdict: Verdict = demo.platform.business(code).call("channels.authorize", request=request)
    return verdict


def explain(verdict: Verdict) -> str:
    if not verdict.plugin:
        return "no rule allows it (default deny)"
    why = f": {verdict.reason}" if verdict.reason and verdict.rule not in verdict.reason else ""
    return f"rule {verdict.rule} at {verdict.business}{why}"


def run(demo: Demo) -> None:
    for question in QUESTIONS:
        console.say()
        console.say(f"  {question.label}  ({question.action} via {question.channel})")
        rows = []
        for code in LEAVES:
            verdict = decide(demo, code, question)
            rows.append([code, ("allow" if verdict.allowed else "deny").ljust(5), explain(verdict)])
        console.table(rows, indent=4)
    console.say()
    console.say("The same decisions from the command line, as a channel x action matrix:")
    argv = ["channels", "matrix", "--business", "mall.flagship", "--role", "agent",
            "--channels", "agent,app", "--actions", "order.create,order.refund"]
    console.command(argv)
    console.indented(shell.run_console_script(argv))
