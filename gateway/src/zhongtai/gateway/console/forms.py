"""Config forms generated from a plugin's config class, and the config a submitted form means.

Each attrs field becomes one input: ``bool`` a yes/no/unset choice, ``Literal``
a choice of its values, ``int``/``float``/``Decimal`` a number, ``str`` a text
line, anything else (lists, mappings, nested config classes) JSON in a text
area.  The field's type, default and help text are shown beside it; the
class's validators run when the change is dry-run (the kernel's
``build_config``), and their message is shown on the form.

The form edits the business's *own* config for the plugin (what this level
stores; inherited keys and defaults are shown as hints).  An empty input means
"not set here".  Secret fields are write-only: the input is always empty, a
stored secret is only said to exist, an empty input keeps it, and "clear"
removes it.  Values are parsed exactly like ``zhongtai plugins enable --set``
(:func:`zhongtai.core.config.parse_setting`).
"""

from __future__ import annotations

import json
import re
import types
import typing
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import attrs

from zhongtai.core.config import SECRET, describe_fields, parse_setting, to_json_value
from zhongtai.core.errors import ConfigError

TEXT, NUMBER, CHOICE, JSON, SECRET_INPUT = "text", "number", "choice", "json", "secret"
MAX_FIELD = 100_000  # characters one input may carry


@attrs.frozen
class FormField:
    name: str
    type: str  # the type as written in the config class
    widget: str  # text | number | choice | json | secret
    value: str  # what the input shows (never a secret)
    default: str  # the default as text ("" when required or none)
    required: bool
    help: str
    choices: tuple[tuple[str, str], ...] = ()  # (value, label) for choice widgets
    stored_secret: bool = False  # a secret value is stored at this level


_QUALIFIED = re.compile(r"(?<!['\"\w.])(?:[A-Za-z_]\w*\.)+([A-Za-z_]\w*)")  # not inside a quoted Literal


def _short(label: str) -> str:
    """A type label without module paths (``tuple[zhongtai.x.RateLimit, ...]`` -> ``tuple[RateLimit, ...]``)."""
    return _QUALIFIED.sub(r"\1", label)


def _field_types(cls: type) -> dict[str, Any]:
    try:
        attrs.resolve_types(cls)
    except Exception:  # noqa: BLE001 - unresolvable annotations: every field is JSON then
        pass
    return {f.name: f for f in attrs.fields(cls)}


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(to_json_value(value), ensure_ascii=False)


def _widget(tp: Any) -> tuple[str, tuple[tuple[str, str], ...]]:
    origin = typing.get_origin(tp)
    args = [a for a in typing.get_args(tp) if a is not type(None)]
    if origin in (typing.Union, types.UnionType) and len(args) == 1:
        return _widget(args[0])
    if tp is bool:
        return CHOICE, (("true", "true"), ("false", "false"))
    if origin is typing.Literal:
        return CHOICE, tuple((_text(a), _text(a)) for a in typing.get_args(tp))
    if tp in (int, float, Decimal):
        return NUMBER, ()
    if tp is str:
        return TEXT, ()
    return JSON, ()


def form_fields(cls: type | None, own: Mapping[str, Any]) -> list[FormField]:
    """The inputs of *cls*'s form, showing the business's own stored values *own* (secrets never)."""
    if cls is None:
        return []
    attributes = _field_types(cls)
    fields = []
    for described in describe_fields(cls):
        attribute = attributes[described.name]
        if attribute.metadata.get(SECRET):
            fields.append(FormField(described.name, _short(described.type), SECRET_INPUT, "", "", described.required,
                                    described.help, stored_secret=own.get(described.name) not in (None, "")))
            continue
        widget, choices = _widget(attribute.type)
        default = "" if described.required else _text(described.default)
        fields.append(FormField(described.name, _short(described.type), widget, _text(own.get(described.name)), default,
                                described.required, described.help, choices))
    return fields


def parse_form(cls: type | None, form: Mapping[str, Any], own: Mapping[str, Any], *, plugin: str) -> dict[str, Any]:
    """The own config a submitted form asks for (the kernel validates it as a whole afterwards)."""
    if cls is None:
        return {}
    config: dict[str, Any] = {}
    for name, attribute in _field_types(cls).items():
        raw = form.get(f"field.{name}", "")
        text = raw if isinstance(raw, str) else ""
        if len(text) > MAX_FIELD:
            raise ConfigError(f"plugin {plugin!r}: config field {name!r} is longer than {MAX_FIELD} characters")
        if attribute.metadata.get(SECRET):
            if form.get(f"clear.{name}"):
                continue
            if text == "":
                if own.get(name) not in (None, ""):
                    config[name] = own[name]  # write-only: an empty input keeps what is stored
                continue
        elif text.strip() == "":
            continue
        key, value = parse_setting(cls, f"{name}={text if attribute.type is str else text.strip()}", plugin=plugin)
        config[key] = value
    return config
