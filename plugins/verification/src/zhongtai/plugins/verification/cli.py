"""``zhongtai verify``: start a verification flow, submit its steps, resend a code, show a session.

Thin commands over :class:`zhongtai.plugins.verification.service.Verifier`; the
session service and SQLAlchemy are imported inside the commands so that
``zhongtai --help`` stays fast.  Every value shown is masked.
"""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Any

import click

from zhongtai.core.cli.output import echo
from zhongtai.core.cli.state import CliState, pass_state

if TYPE_CHECKING:
    from zhongtai.plugins.verification.service import Verifier
    from zhongtai.plugins.verification.views import SessionView

_json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")


def _verifier(state: CliState) -> Verifier:
    from zhongtai.plugins.verification.service import Verifier

    return Verifier(state.platform)


def render(view: SessionView) -> str:
    """The text form of a session (all values already masked)."""
    subject = " ".join(f"{k}={v}" for k, v in sorted(view.subject.items())) or "-"
    lines = [
        f"session {view.id}  business {view.business}  flow {view.flow}  status {view.status}",
        f"subject  {subject}",
        f"expires  {view.expires_at.isoformat(timespec='seconds')}",
    ]
    if view.reason:
        lines.append(f"reason   {view.reason}")
    lines.append("steps")
    for step in view.steps:
        details = [step.shown] if step.shown else []
        if step.attempts:
            details.append(f"{step.attempts} failed attempt{'s' if step.attempts != 1 else ''}")
        if step.sends:
            details.append(f"{step.sends} sent")
        if step.reason and step.status != "passed":
            details.append(step.reason)
        suffix = f"  {'; '.join(details)}" if details else ""
        lines.append(f"  {step.position + 1}. {step.component:<22} {step.status:<8}{suffix}".rstrip())
    if view.current:
        lines.append(f"next     zhongtai verify submit {view.id} {view.current} VALUE")
    return "\n".join(lines)


def _emit(data: dict[str, Any] | None, text: str, as_json: bool) -> None:
    if as_json:
        echo(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        echo(text)


@click.group()
def verify() -> None:
    """Verification sessions: run a business's flow (signup, payment ...) step by step.

    \b
    Example:
      zhongtai verify start signup --business edu.k12 --subject phone=13800000000
      zhongtai verify submit vs_0123abcd sms-code 123456   # error: no verification session
      zhongtai verify show vs_0123abcd                     # error: no verification session
    """


@verify.command()
@click.argument("flow")
@click.option("--business", "-b", required=True, metavar="CODE", help="The business the flow belongs to.")
@click.option("--subject", "-s", "subject", multiple=True, metavar="FIELD=VALUE",
              help="Who is verified: user, phone, email, name, id_number, card_number (repeatable).")
@_json_option
@pass_state
def start(state: CliState, flow: str, business: str, subject: tuple[str, ...], as_json: bool) -> None:
    """Start FLOW for a subject; a first code step sends its code now.

    \b
    Example:
      zhongtai verify start signup --business edu.k12 --subject phone=13800000000
    """
    from zhongtai.plugins.verification.subject import parse_assignments

    view = _verifier(state).start(business, flow, parse_assignments(subject))
    _emit(view.to_json(), render(view), as_json)


@verify.command()
@click.argument("session")
@click.argument("step")
@click.argument("value")
@_json_option
@pass_state
@click.pass_context
def submit(ctx: click.Context, state: CliState, session: str, step: str, value: str, as_json: bool) -> None:
    """Submit VALUE for STEP of SESSION (VALUE "-" reads it from stdin, keeping it out of shell history).

    Exits 1 when the value is rejected.

    \b
    Example:
      zhongtai verify submit vs_0123abcd sms-code 123456   # error: no verification session
    """
    if value == "-":
        value = sys.stdin.readline().rstrip("\r\n")
    outcome = _verifier(state).submit(session, step, value)
    verdict = "accepted" if outcome.accepted else f"rejected: {outcome.reason}"
    _emit(outcome.to_json(), f"{step}: {verdict}\n{render(outcome.session)}", as_json)
    if not outcome.accepted:
        ctx.exit(1)


@verify.command()
@click.argument("session")
@_json_option
@pass_state
def resend(state: CliState, session: str, as_json: bool) -> None:
    """Send a new code for the current step of SESSION (after the cooldown).

    \b
    Example:
      zhongtai verify resend vs_0123abcd   # error: no verification session
    """
    view = _verifier(state).resend(session)
    _emit(view.to_json(), render(view), as_json)


@verify.command()
@click.argument("session")
@_json_option
@pass_state
def show(state: CliState, session: str, as_json: bool) -> None:
    """Show SESSION: status, steps and verdict (personal data masked).

    \b
    Example:
      zhongtai verify show vs_0123abcd --json   # error: no verification session
    """
    view = _verifier(state).show(session)
    _emit(view.to_json(), render(view), as_json)


@verify.command()
@click.option("--business", "-b", required=True, metavar="CODE", help="The business to list.")
@_json_option
@pass_state
def components(state: CliState, business: str, as_json: bool) -> None:
    """List the verification components available to a business.

    \b
    Example:
      zhongtai verify components --business telecom.echannel
    """
    catalog = _verifier(state).catalog(business)
    rows = [{"name": c.name, "kind": c.kind, "title": c.title} for c in sorted(
        catalog.components.values(), key=lambda c: c.name)]
    text = "\n".join(f"{r['name']:<24} {r['kind']:<14} {r['title']}" for r in rows) or "no components"
    _emit({"business": business, "components": rows, "dropped": list(catalog.dropped)}, text, as_json)


@verify.command()
@pass_state
def expire(state: CliState) -> None:
    """Close open sessions past their expiry and erase their personal data.

    \b
    Example:
      zhongtai verify expire
    """
    closed = _verifier(state).expire_sessions()
    echo(f"{closed} session{'s' if closed != 1 else ''} expired")
