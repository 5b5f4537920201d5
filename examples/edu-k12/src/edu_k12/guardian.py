"""Plugin ``edu-k12.guardian``: a guardian verifies before a child's purchase.

Minors cannot pay for courses themselves, so the K12 line asks the paying
guardian to verify.  The plugin adds one component and defines the flow:

* component ``guardian-consent`` (kind ``document``): the guardian states how
  they are related to the child (the submitted value, one of
  ``relationships``); it needs the ``id_number`` established by the platform's
  ``id-number`` step and passes only if that ID number belongs to an adult
  (``min_age`` on the day of the check, from the birth date the number
  carries).  It establishes the fact ``guardian_relationship``.
* flow ``guardian`` -- and every other name listed in ``flows`` (for example
  ``payment``) -- is ``sms-code`` (to the guardian's phone), ``id-number``
  (the guardian's resident ID, checked by the platform), ``guardian-consent``.

The SMS code and the ID number check are the platform's components
(``verification.standard``, enabled for the business or above); this plugin
only contributes what is particular to K12.  Reasons never contain the ID
number or the birth date.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import attrs

from zhongtai.sdk import (
    Component,
    ComponentHandler,
    Flow,
    PluginContext,
    StepRequest,
    StepResult,
    implements,
    setting,
    specs,
)

COMPONENT = "guardian-consent"
#: The steps of the guardian flow, in order.
STEPS: tuple[str, ...] = ("sms-code", "id-number", COMPONENT)


def _names(instance: object, attribute: attrs.Attribute[tuple[str, ...]], value: tuple[str, ...]) -> None:
    if not value or any(not name.strip() for name in value):
        raise ValueError(f"{attribute.name} must list at least one non-empty name")


@attrs.frozen
class GuardianConfig:
    """Who counts as a guardian, and which flows require one."""

    min_age: int = setting(18, help="a guardian is at least this old (years)",
                           validator=[attrs.validators.ge(16), attrs.validators.le(30)])
    relationships: tuple[str, ...] = setting(("parent", "grandparent", "legal-guardian"), validator=_names,
                                             help="what a guardian may state they are to the child")
    flows: tuple[str, ...] = setting(("guardian",), validator=_names,
                                     help='flow names answered with the guardian flow, e.g. ["guardian", "payment"]')
    ttl_seconds: int = setting(1800, help="how long a guardian session stays open",
                               validator=[attrs.validators.ge(60), attrs.validators.le(86400)])


def birth_date(id_number: str) -> dt.date | None:
    """The birth date carried by an 18-character resident ID number (``YYYYMMDD`` at 7-14), or ``None``."""
    digits = id_number[6:14]
    if len(id_number) != 18 or not digits.isdigit():
        return None
    try:
        return dt.date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        return None


def age_on(born: dt.date, day: dt.date) -> int:
    """Whole years from *born* to *day* (a 29 February birthday counts on 1 March in common years)."""
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


class GuardianConsentHandler(ComponentHandler):
    """The ``guardian-consent`` step (see the module docstring)."""

    needs = ("id_number",)
    provides = ("guardian_relationship",)

    def __init__(self, *, min_age: int, relationships: Sequence[str], max_attempts: int = 3) -> None:
        self.min_age = min_age
        self.relationships = tuple(relationships)
        self.max_attempts = max_attempts

    def check(self, request: StepRequest) -> StepResult:
        relationship = request.value.strip().lower()
        if relationship not in self.relationships:
            return StepResult(False, f"state the relationship to the child: {', '.join(self.relationships)}")
        born = birth_date(request.facts.get("id_number", ""))
        if born is None:
            return StepResult(False, "the guardian's ID number carries no birth date", fatal=True)
        if age_on(born, request.now.date()) < self.min_age:
            return StepResult(False, f"a guardian must be at least {self.min_age} years old", relationship,
                              fatal=True)
        return StepResult(True, "", relationship, facts={"guardian_relationship": relationship})


def _config(context: PluginContext) -> GuardianConfig:
    config = context.config
    return config if isinstance(config, GuardianConfig) else GuardianConfig()


@implements(specs.verification_components)
def guardian_components(context: PluginContext) -> Sequence[Component] | None:
    """The ``guardian-consent`` component, with this business's settings."""
    config = _config(context)
    handler = GuardianConsentHandler(min_age=config.min_age, relationships=config.relationships)
    return [Component(COMPONENT, "Guardian consent (an adult guardian)", "document", handler)]


@implements(specs.verification_flow)
def guardian_flow(flow: str, context: PluginContext) -> Flow | None:
    """The guardian flow under each name in ``flows``; ``None`` for any other flow."""
    config = _config(context)
    if flow not in config.flows:
        return None
    return Flow(flow, STEPS, config.ttl_seconds)
