"""Verification: components (SMS code, ID number, bank card ...) composed into flows.

A *component* checks one thing about a subject: that they received a one-time
code, typed a valid ID number, own a bank card.  A *flow* is the ordered list of
components a business requires for a purpose (``signup``, ``payment`` ...).  A
verification session (kept by the ``zhongtai-verification`` package) runs a
flow step by step and persists every state change.

A component's :class:`ComponentHandler` is pure with respect to storage: it
receives a :class:`StepRequest` (the submitted value, the facts known so far,
the current time) and answers with a :class:`StepResult`; the session service
owns persistence, attempt limits, expiry and single use.  Values and facts are
personal data: handlers never log them and never put them in a ``reason``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

import attrs

from zhongtai.core.context import PluginContext
from zhongtai.core.extension import OnError, Policy, extension_point
from zhongtai.core.specs.notifiers import Message

#: Kinds of component.
ONE_TIME_CODE = "one-time-code"
DOCUMENT = "document"
PROVIDER = "provider"


@attrs.frozen
class Challenge:
    """A one-time code issued for a step.

    ``digest`` (a keyed hash of the code, never the code) and ``expires_at`` are
    what the session stores; ``message`` carries the code to the subject and is
    sent, never stored.
    """

    digest: str = attrs.field(repr=False)
    expires_at: dt.datetime
    message: Message | None = attrs.field(default=None, repr=False, eq=False)


@attrs.frozen
class StepRequest:
    """What a component is asked to check (or to issue a challenge for).

    ``facts`` holds the subject's fields (``user``, ``phone``, ``email``, ``name``,
    ``id_number`` ...) and the facts earlier steps of the session established.
    ``challenge`` is the step's current challenge, if it issued one.  ``now`` is
    timezone-aware; handlers never read a clock of their own.
    """

    business: str
    session: str
    step: str
    now: dt.datetime
    value: str = attrs.field(default="", repr=False)
    facts: Mapping[str, str] = attrs.field(factory=dict, repr=False)
    challenge: Challenge | None = None


@attrs.frozen
class StepResult:
    """A component's answer.

    ``reason`` is shown to the subject and must hold no personal data; ``shown``
    is the masked form of the submitted value.  ``facts`` (on a pass) are added
    to the session's facts for later steps.  ``fatal`` ends the session at once
    (a provider outage, a fraud signal).  ``replay_key``/``replay_counter`` ask
    the service to accept the pass only if ``replay_counter`` is greater than the
    last one accepted for ``replay_key`` (a TOTP time step), atomically with it.
    """

    passed: bool
    reason: str = ""
    shown: str = ""
    facts: Mapping[str, str] = attrs.field(factory=dict, repr=False)
    fatal: bool = False
    replay_key: str | None = attrs.field(default=None, repr=False)
    replay_counter: int | None = None


class ComponentHandler:
    """The interface of a component's implementation (subclass it).

    * ``needs``: facts that must be known before the step runs (``phone``);
    * ``provides``: facts a pass establishes (``id_number``);
    * ``max_attempts``: failed submissions before the session fails;
    * ``sends_codes``: the step issues a :class:`Challenge` when it becomes
      current and on resend; then ``resend_cooldown`` and ``max_sends`` apply.
    """

    needs: tuple[str, ...] = ()
    provides: tuple[str, ...] = ()
    max_attempts: int = 5
    sends_codes: bool = False
    resend_cooldown: dt.timedelta = dt.timedelta(0)
    max_sends: int = 0

    def challenge(self, request: StepRequest) -> Challenge | None:
        """Issue a challenge for *request* (a code step); ``None`` for other steps."""
        return None

    def check(self, request: StepRequest) -> StepResult:
        """Check ``request.value``; never raise for a wrong value (return ``passed=False``)."""
        raise NotImplementedError


@attrs.frozen
class Component:
    """A verification component offered to a business.

    ``name`` is what flows refer to (``sms-code``); ``kind`` is one of
    ``one-time-code``, ``document`` or ``provider``.
    """

    name: str
    title: str = ""
    kind: str = ""
    handler: ComponentHandler | None = attrs.field(default=None, repr=False, eq=False)


def _steps(value: Sequence[str]) -> tuple[str, ...]:
    return tuple(value)


def _distinct_steps(instance: Flow, attribute: attrs.Attribute[tuple[str, ...]], value: tuple[str, ...]) -> None:
    if not value:
        raise ValueError(f"flow {instance.name!r} has no steps")
    if len(set(value)) != len(value):
        raise ValueError(f"flow {instance.name!r} lists a step twice: {', '.join(value)}")


@attrs.frozen
class Flow:
    """A named flow: the ordered, distinct component names a subject must pass.

    ``ttl_seconds`` bounds how long a session of this flow stays open.
    """

    name: str
    steps: tuple[str, ...] = attrs.field(converter=_steps, validator=_distinct_steps)
    ttl_seconds: int = 1800


@extension_point(
    "verification.components", policy=Policy.COLLECT, result=Sequence, on_error=OnError.SKIP
)
def verification_components(context: PluginContext) -> Sequence[Component] | None:
    """Return the components this plugin makes available to the business.

    Every implementation contributes; each contribution is kept with the plugin
    that produced it.  When two plugins offer a component of the same name, the
    one enabled at the more specific business wins (at one level, the higher
    priority), so a business swaps in its own provider by enabling its plugin.
    """


@extension_point("verification.flow", policy=Policy.FIRST, result=Flow, on_error=OnError.FAIL)
def verification_flow(flow: str, context: PluginContext) -> Flow | None:
    """Return the definition of the named *flow* (``signup``, ``payment`` ...) or ``None``.

    The most specific business's implementation answers.
    """
