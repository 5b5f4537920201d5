"""The condition language of channel rules: one comparison, parsed once, evaluated without ``eval``.

Grammar (whitespace between tokens is free)::

    condition := operand OP operand
    OP        := "==" | "!=" | "in" | "not in"
    operand   := path | literal
    path      := "channel" | "action" | "actor." NAME ("." NAME)* | "resource." NAME ("." NAME)*
    literal   := 'text' | "text" | integer | true | false | "[" [literal ("," literal)*] "]"

Paths read the :class:`~zhongtai.core.specs.channels.AccessRequest`:
``actor.id``, ``actor.roles``, ``actor.store`` and ``actor.agent`` are the
actor's fields, any other ``actor.NAME`` is ``actor.attributes[NAME]``;
``resource.NAME`` is ``resource[NAME]``; further ``.NAME`` parts look into
nested mappings.

A value that is absent, ``None`` or ``""`` is *missing*.  A comparison that
involves a missing value, or ``in`` whose right side is not a list, cannot be
decided: :meth:`Condition.holds` raises :class:`IndeterminateError`, so that a deny
rule can fail closed instead of silently not applying.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Set
from typing import Any

import attrs

from zhongtai.core.errors import ConfigError
from zhongtai.core.specs.channels import AccessRequest

MAX_LENGTH = 500
OPERATORS = ("==", "!=", "in", "not in")
_ACTOR_FIELDS = ("id", "roles", "store", "agent")
_SCALAR_ROOTS = ("channel", "action")
_MAPPING_ROOTS = ("actor", "resource")

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<string>'[^']*'|"[^"]*")
      | (?P<number>-?\d+)
      | (?P<op>==|!=)
      | (?P<punct>[\[\],])
      | (?P<name>[A-Za-z_][A-Za-z0-9_-]*(?:\.[A-Za-z0-9_][A-Za-z0-9_-]*)*)
    )""",
    re.VERBOSE,
)

Scalar = str | int | bool
Value = Scalar | tuple[Scalar, ...]


class ConditionError(ConfigError):
    """A condition that does not parse or cannot mean anything."""


class IndeterminateError(Exception):
    """A condition that cannot be decided for this request; the message says why."""


@attrs.frozen
class Path:
    """A dotted reference into the request, e.g. ``actor.store``."""

    parts: tuple[str, ...]

    def __str__(self) -> str:
        return ".".join(self.parts)

    def resolve(self, request: AccessRequest) -> Any:
        """The value at this path, or raise :class:`IndeterminateError` if it is missing."""
        root, rest = self.parts[0], self.parts[1:]
        value: Any
        if root in _SCALAR_ROOTS:
            value = getattr(request, root)
        elif root == "resource":
            value = request.resource
        elif rest[0] in _ACTOR_FIELDS:
            value, rest = getattr(request.actor, rest[0]), rest[1:]
        else:
            value = request.actor.attributes
        for part in rest:
            value = value.get(part) if isinstance(value, Mapping) else None
        if value is None or value == "":
            raise IndeterminateError(f"{self} is missing")
        if isinstance(value, (list, tuple, Set)):
            return tuple(value) if not isinstance(value, Set) else frozenset(value)
        return value


@attrs.frozen
class Constant:
    """A literal operand."""

    value: Value

    def __str__(self) -> str:
        return _show(self.value)

    def resolve(self, request: AccessRequest) -> Value:
        return self.value


Operand = Path | Constant


def _show(value: Value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple):
        return "[" + ", ".join(_show(v) for v in value) + "]"
    return repr(value)


def _same(left: Any, right: Any) -> bool:
    """Equality that never confuses ``true`` with ``1``."""
    return bool(left == right) and isinstance(left, bool) == isinstance(right, bool)


@attrs.frozen
class Condition:
    """One parsed comparison.  Build it with :func:`parse_condition`."""

    text: str
    left: Operand
    operator: str
    right: Operand

    def __str__(self) -> str:
        return f"{self.left} {self.operator} {self.right}"

    def holds(self, request: AccessRequest) -> bool:
        """Whether the comparison is true for *request*.

        Raises :class:`IndeterminateError` when an operand is missing or ``in`` has
        no list on its right.
        """
        left = self.left.resolve(request)
        right = self.right.resolve(request)
        if self.operator == "==":
            return _same(left, right)
        if self.operator == "!=":
            return not _same(left, right)
        if not isinstance(right, (tuple, frozenset)):
            raise IndeterminateError(f"{self.right} is not a list, so '{self}' cannot be checked")
        found = any(_same(left, item) for item in right)
        return found if self.operator == "in" else not found


class _Parser:
    """Recursive descent over the token list of one condition."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = self._tokenize(text)
        self.position = 0

    def fail(self, why: str) -> ConditionError:
        return ConditionError(f"invalid condition {self.text!r}: {why}")

    def _tokenize(self, text: str) -> list[tuple[str, str]]:
        tokens: list[tuple[str, str]] = []
        index = 0
        while index < len(text):
            if text[index:].strip() == "":
                break
            match = _TOKEN.match(text, index)
            if match is None or match.end() == index:
                rest = text[index:].strip()
                why = "unterminated string" if rest[:1] in ("'", '"') else f"unexpected {rest[:12]!r}"
                raise self.fail(why)
            kind = match.lastgroup or ""
            tokens.append((kind, match.group(kind)))
            index = match.end()
        return tokens

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        token = self.peek()
        if token is None:
            raise self.fail("it ends too early")
        self.position += 1
        return token

    def operand(self) -> Operand:
        kind, text = self.take()
        if kind == "name" and text not in ("true", "false", "in", "not"):
            return self.path(text)
        return Constant(self.literal(kind, text))

    def path(self, text: str) -> Path:
        parts = tuple(text.split("."))
        root = parts[0]
        if root in _SCALAR_ROOTS and len(parts) == 1:
            return Path(parts)
        if root in _MAPPING_ROOTS and len(parts) > 1:
            return Path(parts)
        if root in _SCALAR_ROOTS or root in _MAPPING_ROOTS:
            shape = f"{root}.NAME" if root in _MAPPING_ROOTS else root
            raise self.fail(f"{text!r} should be written {shape}")
        raise self.fail(
            f"unknown name {text!r} (a path is channel, action, actor.NAME or resource.NAME; "
            "quote text values)"
        )

    def literal(self, kind: str, text: str) -> Value:
        if kind == "string":
            return text[1:-1]
        if kind == "number":
            return int(text)
        if kind == "name" and text in ("true", "false"):
            return text == "true"
        if kind == "punct" and text == "[":
            return self.items()
        raise self.fail(f"expected a value, found {text!r}")

    def items(self) -> tuple[Scalar, ...]:
        values: list[Scalar] = []
        if self.peek() == ("punct", "]"):
            self.take()
            return ()
        while True:
            kind, text = self.take()
            value = self.literal(kind, text)
            if isinstance(value, tuple):
                raise self.fail("lists cannot be nested")
            values.append(value)
            kind, text = self.take()
            if (kind, text) == ("punct", "]"):
                return tuple(values)
            if (kind, text) != ("punct", ","):
                raise self.fail(f"expected ',' or ']' in a list, found {text!r}")

    def operator(self, after: Operand) -> str:
        token = self.peek()
        if token is None:
            raise self.fail(f"expected an operator ({', '.join(OPERATORS)}) after {str(after)!r}")
        kind, text = self.take()
        if kind == "op" or (kind, text) == ("name", "in"):
            return text
        if (kind, text) == ("name", "not") and self.peek() == ("name", "in"):
            self.take()
            return "not in"
        raise self.fail(f"expected an operator ({', '.join(OPERATORS)}), found {text!r}")

    def condition(self) -> Condition:
        left = self.operand()
        operator = self.operator(left)
        right = self.operand()
        extra = self.peek()
        if extra is not None:
            raise self.fail(f"unexpected {extra[1]!r} after the comparison")
        if isinstance(left, Constant) and isinstance(right, Constant):
            raise self.fail("it compares two constants; one side must be a path such as actor.store")
        if operator in ("in", "not in"):
            if isinstance(left, Constant) and isinstance(left.value, tuple):
                raise self.fail(f"the left side of '{operator}' must be a single value")
            if isinstance(right, Constant) and not isinstance(right.value, tuple):
                raise self.fail(f"the right side of '{operator}' must be a list or a path")
        return Condition(self.text, left, operator, right)


@functools.lru_cache(maxsize=4096)
def parse_condition(text: str) -> Condition:
    """Parse one condition (cached: each distinct text is parsed once per process).

    Raises :class:`ConditionError` (a :class:`~zhongtai.core.errors.ConfigError`)
    saying what is wrong.
    """
    if not isinstance(text, str) or not text.strip():
        raise ConditionError(f"invalid condition {text!r}: it is empty")
    if len(text) > MAX_LENGTH:
        raise ConditionError(f"invalid condition {text[:40]!r}...: longer than {MAX_LENGTH} characters")
    return _Parser(text).condition()
