"""W3C Design Tokens (DTCG) documents: groups, ``$type`` inheritance, ``$extends``, aliases.

:func:`resolve` turns a tokens document into a :class:`Theme`: every token with
its path (``color.brand.primary``), its type and its value with every alias
followed.  The rules, after the DTCG format (2025.10):

* A *token* is an object holding ``$value``; a *group* is any other object.
  Names may not contain ``.``, ``{`` or ``}``, nor start with ``$``, except the
  ``$root`` token of a group (referred to as ``{group.$root}``).
* A token's type is its own ``$type``; else, when its value is an alias, the
  type of the token it refers to; else the ``$type`` of the nearest group above
  it.  A token whose type cannot be determined is an error.
* An alias is a string ``"{group.token}"`` -- the whole ``$value`` or any
  sub-value of a composite value.  Chains are followed to the end; a loop is a
  :class:`~zhongtai.plugins.theming.errors.CircularReferenceError` naming every token
  in it.
* A group with ``"$extends": "{other.group}"`` holds the other group's tokens
  and properties, deep-merged under its own (its own tokens replace inherited
  ones whole).  When the other group has no ``$type`` of its own, the type it
  inherits from above comes along.  ``$extends`` loops are errors too.

Every problem is one :class:`~zhongtai.plugins.theming.errors.ThemeError` that
names the token or group at fault; nothing is ever half resolved.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from typing import Any

import attrs

from zhongtai.core.specs.theming import deep_merge
from zhongtai.plugins.theming import values
from zhongtai.plugins.theming.errors import CircularReferenceError, InvalidTokensError, UnknownReferenceError

ROOT_TOKEN = "$root"
TOKEN_PROPERTIES = frozenset({"$value", "$type", "$description", "$extensions", "$deprecated"})
GROUP_PROPERTIES = frozenset({"$type", "$description", "$extensions", "$deprecated", "$extends"})
DOCUMENT_PROPERTIES = GROUP_PROPERTIES | {"$schema"}

_ALIAS = re.compile(r"\{([^{}]+)\}")
_BAD_NAME = re.compile(r"[.{}]")

Path = tuple[str, ...]


def alias_target(value: Any) -> str | None:
    """The token path an alias string refers to (``"{a.b}"`` -> ``"a.b"``), else ``None``."""
    if isinstance(value, str):
        match = _ALIAS.fullmatch(value)
        if match is not None:
            return match.group(1)
    return None


def _dotted(path: Path) -> str:
    return ".".join(path)


def _where(path: Path) -> str:
    return f"group {_dotted(path)}" if path else "the document root"


@attrs.frozen
class Token:
    """One resolved token.

    ``value`` is the JSON ``$value`` with every alias (also inside composite
    values) replaced by the referenced token's resolved value; ``aliases`` is
    the chain followed when the ``$value`` itself was an alias, nearest first.
    """

    path: str
    type: str
    value: Any
    description: str = ""
    deprecated: bool | str = False
    aliases: tuple[str, ...] = ()

    def css_text(self) -> str:
        """The value as CSS text (see :func:`zhongtai.plugins.theming.values.css_text`)."""
        return values.css_text(self.type, self.value)


@attrs.frozen
class Theme:
    """Resolved tokens by path, in document order."""

    tokens: Mapping[str, Token]

    def __getitem__(self, path: str) -> Token:
        return self.tokens[path]

    def __contains__(self, path: object) -> bool:
        return path in self.tokens

    def __iter__(self) -> Iterator[Token]:
        return iter(self.tokens.values())

    def __len__(self) -> int:
        return len(self.tokens)

    def get(self, path: str) -> Token | None:
        return self.tokens.get(path)

    def to_json(self) -> dict[str, Any]:
        """The theme as a resolved DTCG document: every ``$type`` explicit, no aliases, no ``$extends``."""
        root: dict[str, Any] = {}
        for token in self:
            *groups, name = token.path.split(".")
            node = root
            for part in groups:
                node = node.setdefault(part, {})
            entry: dict[str, Any] = {"$type": token.type, "$value": token.value}
            if token.description:
                entry["$description"] = token.description
            if token.deprecated:
                entry["$deprecated"] = token.deprecated
            node[name] = entry
        return root


def parse_document(text: str, source: str) -> dict[str, Any]:
    """Parse JSON tokens *text* read from *source*; an ``InvalidTokensError`` error says where it breaks."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno} column {exc.colno}"
        raise InvalidTokensError(f"{source} is not valid JSON: {exc.msg} at {where}") from None
    if not isinstance(document, dict):
        raise InvalidTokensError(f"{source} must hold a JSON object of token groups, not {type(document).__name__}")
    return document


class _Groups:
    """Groups of a document with their ``$extends`` applied, computed on demand."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        self._document = document
        self._expanded: dict[Path, Mapping[str, Any]] = {}
        self._active: list[Path] = []

    def node(self, path: Path) -> Any:
        """The member at *path* of the expanded document, or ``None``."""
        if not path:
            return self._document
        parent = self.node(path[:-1])
        if not isinstance(parent, Mapping) or "$value" in parent:
            return None
        return self.group(path[:-1]).get(path[-1])

    def group(self, path: Path) -> Mapping[str, Any]:
        """The members of the group at *path*, its ``$extends`` applied."""
        cached = self._expanded.get(path)
        if cached is not None:
            return cached
        if path in self._active:
            loop = self._active[self._active.index(path):]
            raise CircularReferenceError([_dotted(p) for p in loop], what="$extends")
        node = self.node(path)
        if not isinstance(node, Mapping) or "$value" in node:
            raise InvalidTokensError(f"{_dotted(path)} is not a group")
        extends = node.get("$extends")
        if extends is None:
            expanded: Mapping[str, Any] = node
        else:
            expanded = self._extend(path, node, extends)
        self._expanded[path] = expanded
        return expanded

    def _extend(self, path: Path, node: Mapping[str, Any], extends: Any) -> Mapping[str, Any]:
        target_name = alias_target(extends)
        if target_name is None:
            raise InvalidTokensError(
                f"{_where(path)}: $extends must be a reference like \"{{group.name}}\", got {extends!r}"
            )
        target = tuple(target_name.split("."))
        if target[: len(path)] == path or path[: len(target)] == target:
            raise InvalidTokensError(f"{_where(path)} cannot extend {target_name}: one contains the other")
        self._active.append(path)
        try:
            found = self.node(target)
            if not isinstance(found, Mapping):
                raise UnknownReferenceError(f"{_where(path)} extends {{{target_name}}}, which is not defined")
            if "$value" in found:
                raise InvalidTokensError(f"{_where(path)} extends {{{target_name}}}, which is a token, not a group")
            base = self.group(target)
        finally:
            self._active.pop()
        inherited = {k: v for k, v in base.items() if k != "$extends"}
        if "$type" not in inherited and "$type" not in node:
            above = self.inherited_type(target)
            if above is not None:
                inherited["$type"] = above
        return deep_merge(inherited, {k: v for k, v in node.items() if k != "$extends"})

    def inherited_type(self, path: Path) -> str | None:
        """The ``$type`` of the nearest group strictly above *path*."""
        for end in range(len(path) - 1, -1, -1):
            found = self.group(path[:end]).get("$type")
            if isinstance(found, str):
                return found
        return None


@attrs.frozen
class _RawToken:
    path: str
    node: Mapping[str, Any]
    group_type: str | None


def _check_type(where: str, value: Any) -> None:
    if not isinstance(value, str) or value not in values.TYPES:
        raise InvalidTokensError(f"{where}: unknown $type {value!r} (known: {', '.join(values.TYPES)})")


def _check_common(where: str, node: Mapping[str, Any], allowed: frozenset[str]) -> None:
    for key in node:
        if isinstance(key, str) and key.startswith("$") and key != ROOT_TOKEN and key not in allowed:
            raise InvalidTokensError(f"{where} has unknown property {key!r} (allowed: {', '.join(sorted(allowed))})")
    if "$type" in node:
        _check_type(where, node["$type"])
    if "$description" in node and not isinstance(node["$description"], str):
        raise InvalidTokensError(f"{where}: $description must be a string")
    if "$deprecated" in node and not isinstance(node["$deprecated"], bool | str):
        raise InvalidTokensError(f"{where}: $deprecated must be true, false or a string")
    if "$extensions" in node and not isinstance(node["$extensions"], Mapping):
        raise InvalidTokensError(f"{where}: $extensions must be an object")


def _collect(groups: _Groups) -> tuple[dict[str, _RawToken], set[str]]:
    """Every token of the document (in order) and every group path."""
    tokens: dict[str, _RawToken] = {}
    group_paths: set[str] = set()

    def walk(path: Path, inherited: str | None) -> None:
        group = groups.group(path)
        _check_common(_where(path), group, DOCUMENT_PROPERTIES if not path else GROUP_PROPERTIES)
        own_type = group.get("$type", inherited)
        group_paths.add(_dotted(path))
        for key, member in group.items():
            if not isinstance(key, str):
                raise InvalidTokensError(f"{_where(path)}: member names must be strings, got {key!r}")
            if key.startswith("$") and key != ROOT_TOKEN:
                continue
            child = (*path, key)
            if not key or _BAD_NAME.search(key):
                raise InvalidTokensError(
                    f"{_where(path)}: invalid name {key!r} (names cannot be empty or contain . {{ }})"
                )
            if not isinstance(member, Mapping):
                raise InvalidTokensError(
                    f"{_dotted(child)} must be a token (an object with $value) or a group (an object), got {member!r}"
                )
            if "$value" in member:
                where = f"token {_dotted(child)}"
                _check_common(where, member, TOKEN_PROPERTIES)
                extra = sorted(k for k in member if not k.startswith("$"))
                if extra:
                    raise InvalidTokensError(
                        f"{where} has member {extra[0]!r}: a token cannot contain tokens or groups"
                    )
                tokens[_dotted(child)] = _RawToken(_dotted(child), member, own_type)
            elif key == ROOT_TOKEN:
                raise InvalidTokensError(f"{_dotted(child)} must be a token (an object with $value)")
            else:
                walk(child, own_type)

    walk((), None)
    return tokens, group_paths


class _Resolver:
    def __init__(self, raw: dict[str, _RawToken], group_paths: set[str]) -> None:
        self._raw = raw
        self._groups = group_paths
        self._done: dict[str, Token] = {}
        self._stack: list[str] = []

    def resolve(self) -> Theme:
        return Theme({path: self.token(path) for path in self._raw})

    def token(self, path: str) -> Token:
        done = self._done.get(path)
        if done is not None:
            return done
        if path in self._stack:
            raise CircularReferenceError(self._stack[self._stack.index(path):])
        raw = self._raw[path]
        self._stack.append(path)
        try:
            token = self._build(raw)
        finally:
            self._stack.pop()
        self._done[path] = token
        return token

    def _build(self, raw: _RawToken) -> Token:
        value = raw.node["$value"]
        declared = raw.node.get("$type")
        description = raw.node.get("$description", "")
        deprecated = raw.node.get("$deprecated", False)
        target = alias_target(value)
        if target is not None:
            referred = self._follow(raw.path, target)
            if declared is not None and declared != referred.type:
                raise InvalidTokensError(
                    f"token {raw.path} is declared {declared} but refers to {{{target}}}, a {referred.type}"
                )
            return Token(raw.path, referred.type, referred.value, description, deprecated,
                         (target, *referred.aliases))
        token_type = declared or raw.group_type
        if token_type is None:
            raise InvalidTokensError(f"token {raw.path} has no $type: set $type on it or on a group above it")
        resolved = self._substitute(raw.path, value)
        try:
            values.check(token_type, resolved)
        except ValueError as exc:
            raise InvalidTokensError(f"token {raw.path} ({token_type}): {exc}") from None
        return Token(raw.path, token_type, resolved, description, deprecated)

    def _follow(self, path: str, target: str) -> Token:
        if target not in self._raw:
            what = "a group, not a token" if target in self._groups else "not defined"
            raise UnknownReferenceError(f"token {path} refers to {{{target}}}, which is {what}")
        return self.token(target)

    def _substitute(self, path: str, value: Any) -> Any:
        target = alias_target(value)
        if target is not None:
            return self._follow(path, target).value
        if isinstance(value, Mapping):
            if "$ref" in value:
                raise InvalidTokensError(
                    f"token {path}: JSON Pointer references ($ref) are not supported; write {{group.token}}"
                )
            return {key: self._substitute(path, item) for key, item in value.items()}
        if isinstance(value, list):
            return [self._substitute(path, item) for item in value]
        return value


def resolve(document: Mapping[str, Any]) -> Theme:
    """Resolve a DTCG tokens *document* into a :class:`Theme` (see the module docstring)."""
    if not isinstance(document, Mapping):
        raise InvalidTokensError(f"a tokens document must be a JSON object, not {type(document).__name__}")
    try:
        raw, group_paths = _collect(_Groups(document))
        return _Resolver(raw, group_paths).resolve()
    except RecursionError:
        raise InvalidTokensError(
            "groups, $extends or alias chains nest too deeply to resolve (more than a few hundred levels)"
        ) from None
