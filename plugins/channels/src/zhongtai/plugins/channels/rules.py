"""Channel rules and the decision of one business level.

A rule applies to a request when its channel, action and role patterns match
and all its conditions hold.  Patterns are exact names, ``"*"`` (anything) or a
prefix wildcard such as ``"order.*"`` (``order.create``, ``order.refund.partial``;
not ``order`` itself).  A rule's ``roles`` match when any of the actor's roles
matches; ``"*"`` matches every actor, even one without roles.

The decision of one level (:meth:`RulesConfig.decide`) is deny-overrides:

* deny, if some deny rule applies -- or *might* apply: a deny rule whose patterns
  match and whose conditions cannot be decided (a missing attribute) denies,
  fail closed;
* else allow, if some allow rule applies (an allow rule that cannot be decided
  does not allow);
* else ``None``: this level has nothing to say, and the kernel's default deny
  stands unless another level or plugin allows.

The first deciding rule in config order is named in the :class:`Decision`.
Everything is validated when the config is built (at enable time), so an invalid
rule is a :class:`~zhongtai.core.errors.ConfigError` naming it and nothing is written.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import attrs

from zhongtai.core.decision import Decision, Effect
from zhongtai.core.errors import ConfigError
from zhongtai.core.specs.channels import AccessRequest
from zhongtai.plugins.channels.conditions import Condition, ConditionError, IndeterminateError, parse_condition

ANY = "*"
EFFECTS = ("allow", "deny")
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}\Z")
_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.:-]*\Z")

Names = str | tuple[str, ...]


def names(value: Names) -> tuple[str, ...]:
    """A pattern field as a tuple: one name may be given without a list."""
    return (value,) if isinstance(value, str) else tuple(value)


def pattern_matches(pattern: str, name: str) -> bool:
    """Whether *name* matches *pattern* (exact, ``"*"``, or ``"prefix.*"``)."""
    if pattern == ANY:
        return True
    if pattern.endswith(".*"):
        return name.startswith(pattern[:-1]) and len(name) > len(pattern) - 1
    return pattern == name


def _pattern_problem(pattern: object) -> str | None:
    if not isinstance(pattern, str):
        return f"{pattern!r} is not a name"
    if pattern == ANY:
        return None
    body = pattern[:-2] if pattern.endswith(".*") else pattern
    if not _NAME.match(body) or body.endswith("."):
        return f"{pattern!r} is not a name, '*' or a prefix wildcard such as 'order.*'"
    return None


@attrs.frozen
class Rule:
    """One allow or deny rule of a business level's config.

    ``id`` names the rule in every explanation; ``reason``, if given, is the
    text shown for decisions it makes.  Invalid fields raise
    :class:`~zhongtai.core.errors.ConfigError` naming the rule.
    """

    id: str = ""
    effect: str = ""
    channels: Names = ANY
    actions: Names = ANY
    roles: Names = ANY
    conditions: Names = ()
    reason: str = ""

    def __attrs_post_init__(self) -> None:
        if not self.id:
            raise ConfigError("every rule needs an id (it names the rule in explanations)")
        who = f"rule {self.id!r}"
        if not isinstance(self.id, str) or not _ID.match(self.id):
            raise ConfigError(f"{who}: id must be 1-64 letters, digits or _.:- starting with a letter or digit")
        if not self.effect:
            raise ConfigError(f"{who}: effect is required: 'allow' or 'deny'")
        if self.effect not in EFFECTS:
            raise ConfigError(f"{who}: effect must be 'allow' or 'deny', not {self.effect!r}")
        for field in ("channels", "actions", "roles"):
            patterns = names(getattr(self, field))
            if not patterns:
                raise ConfigError(f"{who}: {field} is empty; use '*' for any")
            for pattern in patterns:
                problem = _pattern_problem(pattern)
                if problem:
                    raise ConfigError(f"{who}: {field}: {problem}")
        try:
            self.parsed_conditions()
        except ConditionError as exc:
            raise ConfigError(f"{who}: {exc.message}") from None

    @property
    def denies(self) -> bool:
        return self.effect == "deny"

    def parsed_conditions(self) -> tuple[Condition, ...]:
        """The conditions, parsed (each distinct text once per process)."""
        return tuple(parse_condition(text) for text in names(self.conditions))

    def targets(self, request: AccessRequest) -> bool:
        """Whether channel, action and role patterns all match *request* (conditions aside)."""
        roles = names(self.roles)
        return (
            any(pattern_matches(p, request.channel) for p in names(self.channels))
            and any(pattern_matches(p, request.action) for p in names(self.actions))
            and (ANY in roles or any(pattern_matches(p, r) for p in roles for r in request.actor.roles))
        )

    def check(self, request: AccessRequest) -> bool:
        """Whether every condition holds.

        A false condition wins over an undecidable one (``false and unknown`` is
        false); otherwise an undecidable condition raises :class:`IndeterminateError`.
        """
        undecided: IndeterminateError | None = None
        for condition in self.parsed_conditions():
            try:
                if not condition.holds(request):
                    return False
            except IndeterminateError as exc:
                undecided = undecided or exc
        if undecided is not None:
            raise undecided
        return True

    def describe(self, request: AccessRequest) -> str:
        """The reason shown for a decision this rule made."""
        if self.reason:
            return self.reason
        verb = "denies" if self.denies else "allows"
        return f"rule {self.id!r} {verb} {request.action} through {request.channel}"


def _unique_ids(instance: object, attribute: object, rules: Iterable[Rule]) -> None:
    seen: set[str] = set()
    for rule in rules:
        if rule.id in seen:
            raise ConfigError(f"rule id {rule.id!r} is used twice; ids name rules in explanations")
        seen.add(rule.id)


@attrs.frozen
class RulesConfig:
    """Config of ``channels.rules`` at one business level: its rules, in order."""

    rules: tuple[Rule, ...] = attrs.field(
        default=(), validator=_unique_ids,
        metadata={"help": "list of {id, effect: allow|deny, channels, actions, roles, conditions, reason}"},
    )

    def decide(self, request: AccessRequest) -> Decision | None:
        """This level's decision for *request*: deny, allow, or ``None`` when no rule applies."""
        allowing: Rule | None = None
        for rule in self.rules:
            if not rule.targets(request):
                continue
            try:
                applies = rule.check(request)
            except IndeterminateError as exc:
                if rule.denies:
                    return Decision(Effect.DENY, rule.id,
                                    f"rule {rule.id!r} may apply but cannot be checked ({exc}); fail closed")
                continue
            if applies and rule.denies:
                return Decision(Effect.DENY, rule.id, rule.describe(request))
            if applies and allowing is None:
                allowing = rule
        if allowing is not None:
            return Decision(Effect.ALLOW, allowing.id, allowing.describe(request))
        return None
