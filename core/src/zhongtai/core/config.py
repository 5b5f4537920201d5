"""Plugin config classes: attrs classes with types, defaults, validators and secrets.

Config is stored in the registry as plain JSON values (what the user gave, per
business level).  :func:`build_config` turns the merged mapping into an instance
of the plugin's config class, converting JSON values to the field types and
running the class's validators; any problem is a :class:`ConfigError` naming the
field and the reason.  Fields marked secret (``metadata={SECRET: True}``, or
``zhongtai.sdk.secret_field``) are masked by :func:`mask_config` and may be given
as ``env:NAME`` references, resolved only when the config is built for a call --
and only for names a platform admin allow-listed for the business
(``zhongtai access secrets allow NAME --business CODE``, inherited by the
subtree): a business team's config must never read the platform's environment
(``env:ZHONGTAI_DATABASE_URL``).  The allow-list is checked when the config is
set (:func:`check_env_references`) and again when it is resolved.
"""

from __future__ import annotations

import os
import re
import types
import typing
from collections.abc import Mapping, Sequence
from collections.abc import Set as AbstractSet
from decimal import Decimal, InvalidOperation
from typing import Any

import attrs

from zhongtai.core.errors import ConfigError
from zhongtai.core.scrubbing import remember

SECRET = "zhongtai.secret"
MASK = "********"
ENV_PREFIX = "env:"
ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,199}")


@attrs.frozen
class ConfigField:
    name: str
    type: str
    default: Any
    secret: bool
    required: bool
    help: str = ""


def _resolved_fields(cls: type) -> tuple[attrs.Attribute[Any], ...]:
    if not attrs.has(cls):
        raise ConfigError(f"config class {cls!r} is not an attrs class")
    try:
        attrs.resolve_types(cls)
    except Exception:  # noqa: BLE001 - unresolvable annotations: treat them as Any
        pass
    fields: tuple[attrs.Attribute[Any], ...] = tuple(attrs.fields(cls))
    return fields


def _type_label(tp: Any) -> str:
    if tp is None or tp is attrs.NOTHING:
        return "any"
    if isinstance(tp, type):
        return tp.__name__
    return str(tp).replace("typing.", "")


def describe_fields(cls: type) -> list[ConfigField]:
    """The fields of a config class, for ``plugins show`` and the docs."""
    result = []
    for f in _resolved_fields(cls):
        default: Any = f.default
        if isinstance(default, attrs.Factory):  # type: ignore[arg-type]
            default = None if default.takes_self else default.factory()
        required = f.default is attrs.NOTHING
        secret = bool(f.metadata.get(SECRET))
        result.append(
            ConfigField(
                name=f.name,
                type=_type_label(f.type),
                default=None if required else (MASK if secret and default else default),
                secret=secret,
                required=required,
                help=str(f.metadata.get("help", "")),
            )
        )
    return result


def secret_names(cls: type | None) -> frozenset[str]:
    if cls is None:
        return frozenset()
    return frozenset(f.name for f in _resolved_fields(cls) if f.metadata.get(SECRET))


class _Mismatch(Exception):
    pass


def _shown(value: Any) -> str:
    """A short repr for error messages (long input never floods the one error line)."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _scrub(message: str, secrets: list[str]) -> str:
    """*message* with every secret value replaced by the mask."""
    for secret in sorted(secrets, key=len, reverse=True):
        if secret:
            message = message.replace(secret, MASK)
    return message


def _convert(value: Any, tp: Any) -> Any:  # noqa: C901 - one branch per supported type
    if tp is None or tp is Any or tp is attrs.NOTHING or isinstance(tp, typing.TypeVar):
        return value
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        options = typing.get_args(tp)
        if value is None and type(None) in options:
            return None
        for option in options:
            if option is type(None):
                continue
            try:
                return _convert(value, option)
            except _Mismatch:
                continue
        raise _Mismatch(f"expected {_type_label(tp)}, got {_shown(value)}")
    if origin is typing.Literal:
        if value in typing.get_args(tp):
            return value
        raise _Mismatch(f"expected one of {typing.get_args(tp)}, got {_shown(value)}")
    if origin is not None:
        args = typing.get_args(tp)
        if origin in (list, tuple, set, frozenset, Sequence, AbstractSet):
            if not isinstance(value, (list, tuple)):
                raise _Mismatch(f"expected a list, got {_shown(value)}")
            inner = args[0] if args else Any
            items = [_convert(v, inner) for v in value]
            if origin is tuple:
                return tuple(items)
            if origin in (set, frozenset, AbstractSet):
                return frozenset(items)
            return items
        if origin in (dict, Mapping):
            if not isinstance(value, dict):
                raise _Mismatch(f"expected a mapping, got {_shown(value)}")
            vt = args[1] if len(args) == 2 else Any
            return {str(k): _convert(v, vt) for k, v in value.items()}
        return value
    if tp is bool:
        if isinstance(value, bool):
            return value
        raise _Mismatch(f"expected true or false, got {_shown(value)}")
    if tp is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        raise _Mismatch(f"expected an integer, got {_shown(value)}")
    if tp is float:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        raise _Mismatch(f"expected a number, got {_shown(value)}")
    if tp is Decimal:
        if isinstance(value, (str, int)) and not isinstance(value, bool):
            try:
                result = Decimal(value)
            except InvalidOperation:
                raise _Mismatch(f"expected a decimal number, got {_shown(value)}") from None
            if result.is_finite():
                return result
        raise _Mismatch(f"expected a decimal number (as a string), got {_shown(value)}")
    if tp is str:
        if isinstance(value, str):
            return value
        raise _Mismatch(f"expected a string, got {_shown(value)}")
    if isinstance(tp, type) and attrs.has(tp):
        if isinstance(value, tp):
            return value
        if not isinstance(value, dict):
            raise _Mismatch(f"expected a mapping for {tp.__name__}, got {_shown(value)}")
        return build_config(tp, value, plugin=tp.__name__)
    if isinstance(tp, type) and tp in (list, tuple, dict):
        if isinstance(value, tp) or (tp is tuple and isinstance(value, list)):
            return tp(value)
        raise _Mismatch(f"expected a {tp.__name__}, got {_shown(value)}")
    return value


def env_name(value: Any) -> str | None:
    """The NAME of an ``env:NAME`` reference, or ``None`` if *value* is no reference."""
    if isinstance(value, str) and value.startswith(ENV_PREFIX):
        return value[len(ENV_PREFIX):]
    return None


def _not_allowed(plugin: str, field_name: str, var: str, business: str) -> ConfigError:
    where = f" for {business}" if business else ""
    return ConfigError(
        f"plugin {plugin!r}: secret field {field_name!r} refers to environment variable {var!r}, which is not "
        f"allow-listed{where} (a platform admin may allow it: zhongtai access secrets allow {var} "
        f"--business {business or 'CODE'})"
    )


def check_env_references(
    cls: type | None, raw: Mapping[str, Any], allowed: AbstractSet[str], *, plugin: str = "", business: str = "",
) -> None:
    """Refuse any ``env:NAME`` in a secret field of *raw* whose NAME is malformed or not in *allowed*."""
    secrets = secret_names(cls)
    for name, value in raw.items():
        var = env_name(value)
        if name not in secrets or var is None:
            continue
        if not ENV_NAME.fullmatch(var):
            raise ConfigError(f"plugin {plugin!r}: secret field {name!r}: {value[:60]!r} is not an env:NAME "
                              f"reference (NAME: letters, digits, underscores)")
        if var not in allowed:
            raise _not_allowed(plugin, name, var, business)


def _resolve_env(value: Any, field_name: str, plugin: str, allowed: AbstractSet[str], business: str) -> Any:
    var = env_name(value)
    if var is None:
        return value
    if var not in allowed or not ENV_NAME.fullmatch(var):
        raise _not_allowed(plugin, field_name, var, business)
    if var not in os.environ:
        raise ConfigError(
            f"plugin {plugin!r}: secret field {field_name!r} refers to environment variable "
            f"{var!r}, which is not set"
        )
    return os.environ[var]


def build_config(
    cls: type, raw: Mapping[str, Any], *, plugin: str = "", resolve_secrets: bool = False,
    allowed_env: AbstractSet[str] = frozenset(), business: str = "",
) -> Any:
    """Instantiate *cls* from the JSON values in *raw*.

    Unknown keys, values of the wrong type and validator failures raise
    :class:`ConfigError` naming the field.  Secret ``env:NAME`` references are
    resolved only when *resolve_secrets* is true (at call time), and only for
    names in *allowed_env* (the allow-list of *business*; anything else is a
    ConfigError); otherwise they are passed through unresolved so that
    validation does not need the secret.
    """
    fields = {f.name: f for f in _resolved_fields(cls)}
    unknown = sorted(set(raw) - set(fields))
    who = f"plugin {plugin!r}: " if plugin else ""
    if unknown:
        known = ", ".join(fields) or "none"
        raise ConfigError(f"{who}unknown config key {unknown[0]!r} (known keys: {known})")
    kwargs: dict[str, Any] = {}
    secrets: list[str] = []
    for name, value in raw.items():
        field = fields[name]
        if field.metadata.get(SECRET):
            if resolve_secrets:
                value = _resolve_env(value, name, plugin, allowed_env, business)
            elif isinstance(value, str) and value.startswith(ENV_PREFIX):
                kwargs[name] = value
                continue
            secrets.append(value if isinstance(value, str) else repr(value))
            remember((value,))  # the kernel scrubs it from every error it produces from now on
        try:
            kwargs[name] = _convert(value, field.type)
        except _Mismatch as exc:
            reason = "value has the wrong type (not shown: the field is secret)" if field.metadata.get(
                SECRET) else str(exc)
            raise ConfigError(f"{who}config field {name!r}: {reason}") from None
    try:
        return cls(**kwargs)
    except ConfigError as exc:
        raise ConfigError(_scrub(exc.message, secrets)) from None
    except TypeError as exc:
        missing = [n for n, f in fields.items() if f.default is attrs.NOTHING and n not in kwargs]
        if missing:
            raise ConfigError(f"{who}config field {missing[0]!r} is required") from None
        raise ConfigError(_scrub(f"{who}{_refusal(cls, kwargs, exc)}", secrets)) from None
    except (ValueError, AttributeError) as exc:
        raise ConfigError(_scrub(f"{who}{_refusal(cls, kwargs, exc)}", secrets)) from None
    except Exception as exc:  # noqa: BLE001 - a faulty validator is the plugin's bug, not ours
        raise ConfigError(_scrub(
            f"{who}config class {cls.__name__} raised {type(exc).__name__}: {_first_line(exc)}", secrets)
        ) from None


def _refusal(cls: type, kwargs: Mapping[str, Any], exc: BaseException) -> str:
    """Which field a validator refused, its value and what is allowed, in words (see validation.py)."""
    from zhongtai.core.validation import explain

    try:
        words = explain(cls, kwargs, secret={f.name for f in _resolved_fields(cls) if f.metadata.get(SECRET)},
                        mask=MASK)
    except Exception:  # noqa: BLE001 - a validator that cannot be re-run: say what it said
        words = None
    return f"config field {words}" if words else f"invalid config: {_first_line(exc)}"


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def parse_setting(cls: type | None, assignment: str, *, plugin: str = "") -> tuple[str, Any]:
    """Parse one ``key=value`` from ``--set`` into a JSON value fitting the field's type.

    String fields take the text as it is; other fields parse it as JSON
    (``3``, ``true``, ``["a","b"]``); decimal fields keep the text.
    """
    who = f"plugin {plugin!r}: " if plugin else ""
    key, sep, text = assignment.partition("=")
    key = key.strip()
    if not sep or not key:
        raise ConfigError(f"{who}--set expects key=value, got {assignment!r}")
    if cls is None:
        raise ConfigError(f"{who}takes no config, so --set {key} is not accepted")
    fields = {f.name: f for f in _resolved_fields(cls)}
    if key not in fields:
        raise ConfigError(f"{who}unknown config key {key!r} (known keys: {', '.join(fields) or 'none'})")
    tp = fields[key].type
    if tp is str or (fields[key].metadata.get(SECRET) and text.startswith(ENV_PREFIX)):
        value: Any = text
    elif tp is Decimal:
        value = text
    else:
        value = _setting_value(text, f"{who}--set {key}")
    try:
        _convert(value, tp)
    except _Mismatch as exc:
        reason = "value has the wrong type (not shown: the field is secret)" if fields[key].metadata.get(
            SECRET) else str(exc)
        raise ConfigError(f"{who}config field {key!r}: {reason}") from None
    return key, value


def _setting_value(text: str, source: str) -> Any:
    """A ``--set`` value as JSON when it looks like JSON, else the text; within the document limits."""
    from zhongtai.core.documents import DocumentLimitError, parse_json
    from zhongtai.core.errors import UserError

    try:
        return parse_json(text, source=source)
    except DocumentLimitError as exc:
        raise ConfigError(exc.message) from None
    except UserError:
        return text  # not JSON: the field's type check says what was expected


def mask_config(cls: type | None, raw: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of *raw* with the values of secret fields replaced by a mask."""
    secrets = secret_names(cls)
    return {k: (MASK if k in secrets and v not in (None, "") else v) for k, v in raw.items()}


def to_json_value(value: Any) -> Any:
    """A JSON-compatible form of a config value (Decimal -> str, attrs -> dict, sets -> lists)."""
    if isinstance(value, Decimal):
        return str(value)
    if attrs.has(type(value)):
        return {k: to_json_value(v) for k, v in attrs.asdict(value, recurse=False).items()}
    if isinstance(value, Mapping):
        return {str(k): to_json_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [to_json_value(v) for v in value]
    return value
